package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code xdpdump -w FILE} and {@code -w -}: pcap that tcpdump and libpcap read back as the frames on the wire. */
class PcapOutputIT {
    private static final String TCPDUMP = "/usr/bin/tcpdump";
    private static final Duration SAME_MOMENT = Duration.ofMillis(5);

    @Test
    void pcapFileHoldsTheFramesTcpdumpSaw(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(TCPDUMP);
        Path file = directory.resolve("syn.pcap");
        List<Frame> reference;
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "-w", file.toString());
             ReferenceCapture tcpdump = ReferenceCapture.start(lab, Lab.MIXED.size(), directory.resolve("ref.pcap"))) {
            Lab.attempt(lab, Lab.MIXED);
            reference = tcpdump.frames();
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            assertEquals("", xdpdump.stdoutText(), "pcap goes to the file, nothing to stdout");
        }
        assertTcpdumpReadsEveryConnectionRequest(file);
        assertSameFramesAsReference(file, reference);
    }

    @Test
    void pcapOnStdoutWithNanosecondsHoldsTheFramesTcpdumpSaw(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(TCPDUMP);
        Path file = directory.resolve("stdout.pcap");
        List<Frame> reference;
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "-w", "-", "--nano");
             ReferenceCapture tcpdump = ReferenceCapture.start(lab, Lab.MIXED.size(), directory.resolve("ref.pcap"))) {
            Lab.attempt(lab, Lab.MIXED);
            reference = tcpdump.frames();
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            Files.write(file, xdpdump.stdout());
        }
        assertArrayEquals(new byte[] {0x4d, 0x3c, (byte) 0xb2, (byte) 0xa1},
                java.util.Arrays.copyOf(Files.readAllBytes(file), 4), "nanosecond pcap magic, little-endian");
        assertTcpdumpReadsEveryConnectionRequest(file);
        assertSameFramesAsReference(file, reference);
    }

    @Test
    void snapLengthCutsRecordsInGenericModeAndKeepsTheWireLength(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        int snapLength = 60;
        Path file = directory.resolve("cut.pcap");
        List<Frame> reference;
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "-w", file.toString(), "-s",
                     Integer.toString(snapLength), "--mode", "generic");
             ReferenceCapture tcpdump = ReferenceCapture.start(lab, Lab.MIXED.size(), directory.resolve("ref.pcap"))) {
            assertTrue(xdpdump.stderrText().contains("xdp generic), snapshot length " + snapLength + " bytes"),
                    xdpdump.stderrText());
            Lab.attempt(lab, Lab.MIXED);
            reference = tcpdump.frames();
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
        }
        // A cut record holds too little TCP header for pcap4j to parse: compare bytes and lengths as a whole.
        List<String> expected = reference.stream()
                .map(f -> HexFormat.of().formatHex(f.bytes(), 0, snapLength) + " origlen " + f.wireLength())
                .sorted().toList();
        List<String> records = Frame.readPcap(file).stream()
                .map(f -> HexFormat.of().formatHex(f.bytes()) + " origlen " + f.wireLength())
                .sorted().toList();
        assertEquals(expected, records, "each record is the first " + snapLength + " bytes of a frame tcpdump saw");
    }

    private static void assertTcpdumpReadsEveryConnectionRequest(Path file) throws Exception {
        Command.Result read = Command.run(TCPDUMP, "-nn", "-r", file.toString());
        assertEquals(0, read.exitCode(), read.describe());
        List<String> lines = read.stdoutText().lines().toList();
        assertEquals(Lab.MIXED.size(), lines.size(), read.stdoutText());
        for (Lab.Attempt attempt : Lab.MIXED) {
            String expected = (attempt.ipVersion() == 6 ? " IP6 " : " IP ") + attempt.sourceAddress() + "."
                    + attempt.sourcePort() + " > " + attempt.address() + "." + attempt.port() + ": Flags [S], seq ";
            assertEquals(1, lines.stream().filter(line -> line.contains(expected)).count(),
                    "one line with '" + expected + "' in:\n" + read.stdoutText());
        }
    }

    private static void assertSameFramesAsReference(Path file, List<Frame> reference) throws Exception {
        List<Frame> records = Frame.readPcap(file);
        assertEquals(Lab.MIXED.size(), records.size(), "one record per connection attempt");
        for (Frame record : records) {
            Frame seen = Frame.withSourcePort(reference, record.sourcePort());
            String which = "record from port " + record.sourcePort();
            assertArrayEquals(seen.bytes(), record.bytes(), which + ": bytes");
            assertEquals(seen.wireLength(), record.wireLength(), which + ": origlen");
            assertEquals(record.bytes().length, record.wireLength(), which + ": a SYN fits in the snap length");
            assertTrue(Duration.between(seen.timestamp(), record.timestamp()).abs().compareTo(SAME_MOMENT) <= 0,
                    which + ": at " + record.timestamp() + " but tcpdump saw it at " + seen.timestamp());
        }
    }
}
