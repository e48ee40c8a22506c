package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;

import java.io.IOException;
import java.nio.channels.Pipe;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** What every sink promises, whatever its format. */
class SinkContractTest {
    private static final int SNAP_LENGTH = 256;

    @TempDir
    Path directory;

    @ParameterizedTest
    @EnumSource(OutputFormat.class)
    void writesEveryEventCompletelyAcrossManyBatches(OutputFormat format) throws Exception {
        Path file = directory.resolve("out");
        List<CaptureEvent> events = SampleEvents.all();
        int written = 0;
        try (Sink sink = format.open(file.toString(), SNAP_LENGTH, false, SampleEvents.NAMES)) {
            // Batches long enough that the sink must also write before flush to bound its buffer.
            for (int batch = 0; batch < 20; batch++) {
                for (int i = 0; i < 200; i++) {
                    sink.write(events.get(i % events.size()));
                    written++;
                }
                sink.flush();
            }
        }
        assertEquals(written, eventsIn(format, file));
    }

    @ParameterizedTest
    @EnumSource(OutputFormat.class)
    void flushMakesEveryWrittenEventVisibleBeforeClose(OutputFormat format) throws Exception {
        Path file = directory.resolve("out");
        try (Sink sink = format.open(file.toString(), SNAP_LENGTH, false, SampleEvents.NAMES)) {
            sink.write(SampleEvents.ipv4());
            sink.write(SampleEvents.ipv6());
            sink.write(SampleEvents.ipv4());
            sink.flush();
            assertEquals(3, eventsIn(format, file));
        }
    }

    @ParameterizedTest
    @EnumSource(OutputFormat.class)
    void leavesValidOutputWhenClosedAfterZeroEvents(OutputFormat format) throws Exception {
        Path file = directory.resolve("out");
        format.open(file.toString(), SNAP_LENGTH, false, SampleEvents.NAMES).close();
        assertEquals(0, eventsIn(format, file));
    }

    @ParameterizedTest
    @EnumSource(OutputFormat.class)
    void propagatesABrokenPipeAndStillReleasesTheChannel(OutputFormat format) throws Exception {
        Pipe pipe = Pipe.open();
        pipe.source().close();
        assertThrows(IOException.class, () -> {
            try (Sink sink = format.build(Output.of(pipe.sink(), "pipe"), SNAP_LENGTH, false, SampleEvents.NAMES)) {
                sink.write(SampleEvents.ipv4());
                sink.flush();
            }
        });
        assertFalse(pipe.sink().isOpen());
    }

    @ParameterizedTest
    @EnumSource(OutputFormat.class)
    void closesTheOutputOnceWhenClosedTwice(OutputFormat format) throws Exception {
        Pipe pipe = Pipe.open();
        pipe.source().configureBlocking(false);
        Sink sink = format.build(Output.of(pipe.sink(), "pipe"), SNAP_LENGTH, false, SampleEvents.NAMES);
        sink.close();
        sink.close();
        assertFalse(pipe.sink().isOpen());
    }

    /** Counts events the way each format's readers would: header lines, jq-parsed lines, libpcap records. */
    static int eventsIn(OutputFormat format, Path file) throws Exception {
        switch (format) {
            case HEX: {
                String text = Files.readString(file, StandardCharsets.US_ASCII);
                if (text.isEmpty()) {
                    return 0;
                }
                String[] blocks = text.split("\n\n", -1);
                assertEquals("", blocks[blocks.length - 1], "output ends with an empty line");
                return blocks.length - 1;
            }
            case JSON: {
                ExternalTool.requireInstalled("/usr/bin/jq");
                byte[] lines = Files.readAllBytes(file);
                ExternalTool.Result jq = ExternalTool.run(List.of("/usr/bin/jq", "-e", "-c", ".ts"), lines);
                String out = jq.stdoutText();
                if (lines.length == 0) {
                    return 0;
                }
                assertEquals(0, jq.exitCode(), jq.stderr());
                return (int) out.lines().count();
            }
            case PCAP, PCAPNG: { // libpcap reads both
                PcapHandle handle = Pcaps.openOffline(file.toString());
                try {
                    int records = 0;
                    while (handle.getNextRawPacket() != null) {
                        records++;
                    }
                    return records;
                } finally {
                    handle.close();
                }
            }
            default:
                throw new AssertionError(format);
        }
    }
}
