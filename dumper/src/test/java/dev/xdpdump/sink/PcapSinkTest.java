package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.CaptureEvents;
import dev.xdpdump.testing.Frames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PcapSinkTest {
    private static final String TCPDUMP = "/usr/bin/tcpdump";
    private static final long SECONDS = CaptureEvents.WALL_CLOCK_NANOS / 1_000_000_000L;

    @TempDir
    Path directory;

    @Test
    void writesTheGlobalHeaderAtOpenInMicroseconds() throws Exception {
        Path file = directory.resolve("empty.pcap");
        new PcapSink(Output.open(file.toString()), 256, false).close();
        assertArrayEquals(new byte[] {
            (byte) 0xd4, (byte) 0xc3, (byte) 0xb2, (byte) 0xa1, 2, 0, 4, 0, // magic, version 2.4
            0, 0, 0, 0, 0, 0, 0, 0, // thiszone, sigfigs
            0, 1, 0, 0, 1, 0, 0, 0}, // snaplen 256, LINKTYPE_ETHERNET
            Files.readAllBytes(file));
    }

    @Test
    void marksNanosecondFilesWithTheNanosecondMagic() throws Exception {
        Path file = directory.resolve("empty.pcap");
        new PcapSink(Output.open(file.toString()), 65535, true).close();
        assertArrayEquals(new byte[] {0x4d, 0x3c, (byte) 0xb2, (byte) 0xa1},
            Arrays.copyOf(Files.readAllBytes(file), 4));
    }

    @Test
    void libpcapReadsBackBytesLengthsAndNanosecondTimestamps() throws Exception {
        Path file = write(256, true, SampleEvents.ipv4(), SampleEvents.ipv6(), SampleEvents.truncatedAfterPorts());
        PcapHandle handle = Pcaps.openOffline(file.toString(), PcapHandle.TimestampPrecision.NANO);
        try {
            assertEquals(256, handle.getSnapshot());
            assertRecord(handle, Frames.ipv4Syn(), 74, 123_456_789);
            assertRecord(handle, Frames.ipv6Syn(), 94, 123_456_789);
            assertRecord(handle, Arrays.copyOf(Frames.ipv4Syn(), 38), 74, 123_456_789);
            assertNull(handle.getNextRawPacket());
        } finally {
            handle.close();
        }
    }

    @Test
    void libpcapReadsMicrosecondTimestamps() throws Exception {
        Path file = write(256, false, SampleEvents.ipv4());
        PcapHandle handle = Pcaps.openOffline(file.toString(), PcapHandle.TimestampPrecision.MICRO);
        try {
            assertRecord(handle, Frames.ipv4Syn(), 74, 123_456_000);
        } finally {
            handle.close();
        }
    }

    @Test
    void cutsRecordsToTheSnapLengthAndKeepsTheWireLength() throws Exception {
        Path file = write(40, false, SampleEvents.ipv4());
        PcapHandle handle = Pcaps.openOffline(file.toString());
        try {
            assertRecord(handle, Arrays.copyOf(Frames.ipv4Syn(), 40), 74, 123_456_000);
        } finally {
            handle.close();
        }
    }

    @Test
    void tcpdumpDecodesEveryKindOfSyn() throws Exception {
        ExternalTool.requireInstalled(TCPDUMP);
        Path file = write(256, true, SampleEvents.ipv4(), SampleEvents.ipv6(), SampleEvents.vlanEcn());
        ExternalTool.Result tcpdump = ExternalTool.run(
            List.of(TCPDUMP, "-nn", "-tt", "--time-stamp-precision=nano", "-r", file.toString()), new byte[0]);
        assertEquals(0, tcpdump.exitCode(), tcpdump.stderr());
        String options = "options [mss 1460,sackOK,TS val 123456 ecr 0,nop,wscale 7], length 0";
        assertEquals(String.join("\n",
            SECONDS + ".123456789 IP 192.0.2.1.43910 > 198.51.100.7.80: Flags [S], seq 2343432205, win 64240, "
                + options,
            SECONDS + ".123456789 IP6 2001:db8::1.43910 > 2001:db8:0:1::80.80: Flags [S], seq 2343432205, win 64240, "
                + options,
            SECONDS + ".123456789 IP 192.0.2.1.43910 > 198.51.100.7.80: Flags [SEW], seq 2343432205, win 64240, "
                + options) + "\n", tcpdump.stdoutText());
    }

    private Path write(int snapLength, boolean nanoseconds, CaptureEvent... events) throws Exception {
        Path file = directory.resolve("capture.pcap");
        try (PcapSink sink = new PcapSink(Output.open(file.toString()), snapLength, nanoseconds)) {
            for (CaptureEvent event : events) {
                sink.write(event);
            }
        }
        return file;
    }

    private static void assertRecord(PcapHandle handle, byte[] bytes, int wireLength, int fractionNanos)
            throws Exception {
        assertArrayEquals(bytes, handle.getNextRawPacket());
        assertEquals(wireLength, handle.getOriginalLength());
        Timestamp timestamp = handle.getTimestamp();
        assertEquals(SECONDS, Math.floorDiv(timestamp.getTime(), 1000L));
        assertEquals(fractionNanos, timestamp.getNanos());
    }
}
