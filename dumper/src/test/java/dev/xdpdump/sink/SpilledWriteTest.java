package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A batch longer than the spill threshold goes out in parts; what each part put in the file counts as written. */
class SpilledWriteTest {
    private static final int PCAP_HEADER = 24;

    @Test
    void recordsOfASpillThatSucceededCountAsWrittenWhenALaterWriteFails(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("full.pcap");
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        // Room for the header, one whole spill and part of the second: the second spill fails half way.
        long room = PCAP_HEADER + BufferedSink.SPILL_BYTES + BufferedSink.SPILL_BYTES / 2;
        PcapSink sink = new PcapSink(Output.of(new FailingFileChannel(channel, room), file.toString()), 256, false);
        CaptureEvent event = SampleEvents.ipv4();
        int recordBytes = 16 + event.capturedLength();
        long handed = 0;
        IOException failure = null;
        for (int i = 0; i < 3 * BufferedSink.SPILL_BYTES / recordBytes && failure == null; i++) {
            try {
                sink.write(event);
            } catch (IOException e) {
                failure = e;
            }
            handed++;
        }
        assertTrue(failure != null, "the second spill must fail");
        long recordsInFile = countRecords(file);
        assertTrue(recordsInFile > 0, "the first spill reached the file");
        assertEquals(recordsInFile, sink.recordsWritten(), "written is what the file holds");
        assertTrue(handed > recordsInFile, "the event whose write threw is not written");
        assertEquals(PCAP_HEADER + recordsInFile * recordBytes, Files.size(file), "cut back to whole records");
        assertThrows(IOException.class, sink::close);
        assertEquals(recordsInFile, sink.recordsWritten());
        assertTrue(sink.bytesWritten() >= Files.size(file), "progress counts every byte the channel took");
    }

    /** Walks the pcap record headers: the count a reader like tcpdump would see. */
    private static long countRecords(Path file) throws IOException {
        ByteBuffer bytes = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
        long records = 0;
        int at = PCAP_HEADER;
        while (at + 16 <= bytes.limit()) {
            int captured = bytes.getInt(at + 8);
            if (at + 16 + captured > bytes.limit()) {
                break;
            }
            at += 16 + captured;
            records++;
        }
        assertEquals(bytes.limit(), at, "no partial record at the end");
        return records;
    }
}
