package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.io.ByteArrayOutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
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

    @Test
    void recordsAPipeTookWholeBeforeItFailedCountAsWritten() throws Exception {
        ByteArrayOutputStream reader = new ByteArrayOutputStream();
        int room = 50_000; // a reader that goes away after this many bytes, mid-record
        WritableByteChannel pipe = new WritableByteChannel() {
            @Override
            public int write(ByteBuffer src) throws IOException {
                int take = Math.min(src.remaining(), room - reader.size());
                if (take == 0) {
                    throw new IOException("Broken pipe");
                }
                byte[] part = new byte[take];
                src.get(part);
                reader.write(part);
                return take;
            }

            @Override
            public boolean isOpen() {
                return true;
            }

            @Override
            public void close() {
            }
        };
        JsonSink sink = new JsonSink(Output.of(pipe, "pipe"), SampleEvents.NAMES);
        CaptureEvent event = SampleEvents.ipv4();
        for (int i = 0; i < 200; i++) {
            sink.write(event); // one batch, under the spill threshold
        }
        assertThrows(IOException.class, sink::flush);
        long wholeLines = reader.toString(StandardCharsets.US_ASCII).chars().filter(c -> c == '\n').count();
        assertTrue(wholeLines > 0 && wholeLines < 200, "the pipe took part of the batch: " + wholeLines);
        assertEquals(wholeLines, sink.recordsWritten(), "written is the whole lines the pipe took");
        assertThrows(IOException.class, sink::close);
        assertEquals(wholeLines, sink.recordsWritten(), "a failed close adds nothing");
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
