package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.testing.Frames;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class HexSinkTest {
    private static final String TS = "2026-11-22T03:49:44.123456789Z";

    @Test
    void writesASummaryLineThenTheCapturedBytesAsHexdumpDoesThenAnEmptyLine() throws Exception {
        ExternalTool.requireInstalled("/usr/bin/hexdump");
        CaptureEvent event = SampleEvents.ipv4();
        String hexdump = ExternalTool.run(List.of("/usr/bin/hexdump", "-C"), Frames.ipv4Syn()).stdoutText();

        assertEquals(TS + " eth0 192.0.2.1:43910 -> 198.51.100.7:80 Flags [S], seq 2343432205, win 64240, ttl 64,"
            + " options [mss 1460,sackOK,TS val 123456 ecr 0,nop,wscale 7], length 74, caplen 74\n" + hexdump + "\n", format(event));
    }

    @Test
    void dumpsOnlyTheCapturedPrefixOfATruncatedFrame() throws Exception {
        ExternalTool.requireInstalled("/usr/bin/hexdump");
        byte[] prefix = Arrays.copyOf(Frames.ipv4Syn(), 38);
        String hexdump = ExternalTool.run(List.of("/usr/bin/hexdump", "-C"), prefix).stdoutText();

        String[] lines = format(SampleEvents.truncatedAfterPorts()).split("\n", 2);
        assertEquals(hexdump + "\n", lines[1]);
    }

    @Test
    void bracketsIpv6AddressesInTheSummary() throws Exception {
        assertEquals(TS + " eth0 [2001:db8::1]:43910 -> [2001:db8:0:1::80]:80 Flags [S], seq 2343432205, win 64240,"
            + " ttl 57, options [mss 1460,sackOK,TS val 123456 ecr 0,nop,wscale 7], length 94, caplen 94",
            summary(SampleEvents.ipv6()));
    }

    @Test
    void printsEveryFlagOfATaggedEcnSyn() throws Exception {
        assertEquals(TS + " eth0 192.0.2.1:43910 -> 198.51.100.7:80 Flags [SEW], seq 2343432205, win 64240, ttl 64,"
            + " options [mss 1460,sackOK,TS val 123456 ecr 0,nop,wscale 7], length 78, caplen 78", summary(SampleEvents.vlanEcn()));
    }

    @Test
    void printsQuestionMarksForFieldsBeyondTheSnapLength() throws Exception {
        assertEquals(TS + " eth0 192.0.2.1:43910 -> 198.51.100.7:80 Flags [?], seq ?, win ?, ttl 64,"
            + " length 74, caplen 38", summary(SampleEvents.truncatedAfterPorts()));
        assertEquals(TS + " eth0 ?:? -> ?:? Flags [?], seq ?, win ?, ttl ?, length 74, caplen 20",
            summary(SampleEvents.truncatedInIpHeader()));
    }

    @Test
    void printsQuestionMarksForGarbageOffsetsAndAnUnknownInterface() throws Exception {
        assertEquals("1969-12-31T23:59:59.999999999Z ? ?:? -> ?:? Flags [?], seq ?, win ?, ttl ?,"
            + " length 4294967295, caplen 74", summary(SampleEvents.garbage()));
    }

    private static String summary(CaptureEvent event) throws Exception {
        return format(event).split("\n", 2)[0];
    }

    private static String format(CaptureEvent event) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (HexSink sink = new HexSink(Output.of(Channels.newChannel(bytes), "memory"), SampleEvents.NAMES)) {
            sink.write(event);
        }
        return bytes.toString(StandardCharsets.US_ASCII);
    }
}
