package dev.xdpdump.serve;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.CaptureEvents;
import dev.xdpdump.testing.Frames;
import dev.xdpdump.sink.InterfaceNames;
import dev.xdpdump.sink.Output;
import dev.xdpdump.sink.OutputFormat;
import dev.xdpdump.sink.Sink;
import dev.xdpdump.sink.Totals;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The client's books from a served stream: every format's real sink writes 7 events, then a drop notice of 5 (as the
 * server puts it before the next chunk), then 3 more; fed in pieces of random size, the counter finds 10 events and 5
 * dropped (pcap: 0, it has no notice). The pcapng stream with its notice is also read back by tcpdump.
 */
class StreamCounterTest {
    @Test
    void countsEventsAndNoticesInEveryFormatWhateverThePieces() throws Exception {
        for (OutputFormat format : OutputFormat.values()) {
            byte[] stream = stream(format);
            for (long seed = 0; seed < 20; seed++) {
                StreamCounter counter = new StreamCounter(format);
                Random random = new Random(seed);
                for (int at = 0; at < stream.length; ) {
                    int n = Math.min(stream.length - at, 1 + random.nextInt(seed == 0 ? 1 : 300));
                    counter.take(ByteBuffer.wrap(stream, at, n));
                    at += n;
                }
                assertEquals(10, counter.events(), format + ", seed " + seed);
                assertEquals(format == OutputFormat.PCAP ? 0 : 5, counter.dropped(), format + ", seed " + seed);
            }
        }
    }

    @Test
    void tcpdumpReadsAPcapngStreamWithADropNotice(@org.junit.jupiter.api.io.TempDir Path directory)
            throws Exception {
        dev.xdpdump.testing.Ci.require(Files.isExecutable(Path.of("/usr/bin/tcpdump")), "tcpdump is not installed");
        Path file = directory.resolve("served.pcapng");
        Files.write(file, stream(OutputFormat.PCAPNG));
        Process tcpdump = new ProcessBuilder("/usr/bin/tcpdump", "-nn", "-r", file.toString())
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String out = new String(tcpdump.getInputStream().readAllBytes());
        assertEquals(0, tcpdump.waitFor(), out);
        assertEquals(10, out.lines().count(), out);
    }

    private static byte[] stream(OutputFormat format) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Sink sink = format.build(Output.of(Channels.newChannel(bytes), "test"), 256, false,
                InterfaceNames.of(Map.of(CaptureEvents.IFINDEX, "eth0")), format == OutputFormat.JSON);
        CaptureEvent event = CaptureEvents.of(Frames.ipv4Syn(), 4);
        for (int i = 0; i < 7; i++) {
            sink.write(event);
        }
        sink.flush();
        byte[] notice = Client.dropNotice(format, 5, 5, CaptureEvents.WALL_CLOCK_NANOS);
        if (notice != null) {
            bytes.write(notice);
        }
        for (int i = 0; i < 3; i++) {
            sink.write(event);
        }
        sink.flush();
        Totals totals = visitor -> visitor.counter("matched", 10);
        sink.finish(totals);
        sink.close();
        return bytes.toByteArray();
    }
}
