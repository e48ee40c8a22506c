package dev.xdpdump.cli;

import dev.xdpdump.bpf.XdpMode;
import dev.xdpdump.sink.OutputFormat;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What Wireshark's words amount to: the ordinary capture the extcap command runs. */
class ExtcapCommandTest {
    @Test
    void aCaptureRequestBecomesPcapngIntoTheFifoWithTheFilterAsTheExpression() throws Exception {
        ExtcapCommand.Request request = ExtcapCommand.Request.parse(List.of("--capture", "--extcap-interface",
                "xdpdump-veth1", "--fifo", "/tmp/wireshark_extcap_x", "--extcap-capture-filter", "tcp port 80",
                "--snaplen", "128", "--mode=generic", "--extcap-control-in", "/tmp/in", "--extcap-control-out",
                "/tmp/out"));
        assertTrue(request.capture());
        List<String> words = ExtcapCommand.captureWords("veth1", request);
        assertEquals(List.of("-i", "veth1", "-w", "/tmp/wireshark_extcap_x", "--pcapng", "-s", "128", "--mode",
                "generic", "tcp port 80"), words);
        Options options = Options.parse(words);
        assertEquals(List.of("veth1"), options.interfaces());
        assertEquals(OutputFormat.PCAPNG, options.outputs().get(0).format());
        assertEquals(1, options.outputs().size());
        assertEquals("tcp port 80", options.expression());
        assertEquals(128, options.snapLength());
        assertEquals(XdpMode.GENERIC, options.mode());
    }

    @Test
    void wiresharksQuestionsAndVersionAreReadInEitherForm() throws Exception {
        ExtcapCommand.Request interfaces = ExtcapCommand.Request.parse(List.of("--extcap-interfaces",
                "--extcap-version=4.0"));
        assertTrue(interfaces.interfaces());
        ExtcapCommand.Request dlts = ExtcapCommand.Request.parse(List.of("--extcap-dlts", "--extcap-interface",
                "xdpdump-eth0", "--extcap-version", "4.0"));
        assertTrue(dlts.dlts());
        assertEquals("xdpdump-eth0", dlts.iface());
    }

    @Test
    void anUnknownArgumentOrAMissingValueIsOneLine() {
        assertEquals("extcap: unknown argument '--bogus'; Wireshark's extcap protocol is described in extcap(4)",
                assertThrows(UsageException.class, () -> ExtcapCommand.Request.parse(List.of("--bogus")))
                        .getMessage());
        assertEquals("extcap: --fifo needs a value", assertThrows(UsageException.class,
                () -> ExtcapCommand.Request.parse(List.of("--capture", "--fifo"))).getMessage());
    }
}
