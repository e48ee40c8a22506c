package dev.xdpdump.bpf;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.FrameFields;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.xdpdump.bpf.CaptureFixture.assertDescribes;
import static dev.xdpdump.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IPv6 connection requests behind extension headers, and the frames around them that the program must not report or
 * must count as unparsed. Every expectation comes from how the test built the frame: the TCP header starts after the
 * bytes of the headers the test put before it and carries the ports and sequence number the test chose; the counters
 * are compared whole.
 */
class Ipv6ExtensionHeaderKernelTest {
    /** Large enough to carry the longest chain built here (a 2048-byte header) and the TCP header behind it. */
    private static final int SNAP = 4096;
    private static final int CHAIN_START = ETHERNET_HEADER + IPV6_HEADER;
    /** IPV6_MAX_EXTENSIONS in capture-bpf/xdpdump.bpf.c. */
    private static final int MAX_EXTENSIONS = 8;

    private CaptureFixture capture;

    @BeforeEach
    void loadProgram() throws ErrnoException {
        Privileges.requireCaptureCapabilities();
        capture = CaptureFixture.open(SNAP);
    }

    @AfterEach
    void closeProgram() {
        if (capture != null) {
            capture.close();
        }
    }

    @ParameterizedTest(name = "next header {0}, {1} bytes")
    @CsvSource({
        "0, 8", "0, 16", "0, 2048",     // Hop-by-Hop: length in 8-byte units, up to 255 (+1)
        "43, 8", "43, 24", "43, 2048",  // Routing
        "60, 8", "60, 40", "60, 2048",  // Destination Options
        "44, 8",                        // Fragment, offset 0, no more fragments: a whole datagram
        "51, 12", "51, 16", "51, 24", "51, 1028"}) // AH: length in 4-byte units, up to 255 (+2)
    void synBehindOneExtensionHeaderEmitsWithTheTcpHeaderBehindIt(int type, int length) throws Exception {
        int sourcePort = 41000 + type;
        long seq = 0x10000000L + length;
        byte[] frame = ethernet(ETH_P_IPV6).wrap(ipv6().extension(type, length)
                .wrap(tcp().ports(sourcePort, 443).seq(seq).bytes()));
        CaptureEvent event = capture.runExpectingOneEvent(frame);
        assertDescribes(frame, SNAP, ETHERNET_HEADER, CHAIN_START + length, 6, event);
        assertSyn(event, sourcePort, 443, seq, List.of(type));
        assertCounters(1, 1, 0);
    }

    @Test
    void firstFragmentWithMoreFragmentsSetEmits() throws Exception {
        byte[] frame = ethernet(ETH_P_IPV6).wrap(ipv6().fragment(true, 0)
                .wrap(tcp().ports(41044, 22).seq(7).payload(64).bytes()));
        CaptureEvent event = capture.runExpectingOneEvent(frame);
        assertDescribes(frame, SNAP, ETHERNET_HEADER, CHAIN_START + 8, 6, event);
        assertSyn(event, 41044, 22, 7, List.of(IPPROTO_FRAGMENT));
        assertCounters(1, 1, 0);
    }

    @Test
    void synBehindSixMixedHeadersEmitsWithTheTcpHeaderBehindAllOfThem() throws Exception {
        Ipv6 ip = ipv6().extension(IPPROTO_HOPOPTS, 8).extension(IPPROTO_DSTOPTS, 16).extension(IPPROTO_ROUTING, 24)
                .fragment(true, 0).extension(IPPROTO_AH, 24).extension(IPPROTO_DSTOPTS, 8);
        byte[] frame = ethernet(ETH_P_IPV6).wrap(ip.wrap(tcp().ports(50006, 8443).seq(0xfffffffeL).bytes()));
        CaptureEvent event = capture.runExpectingOneEvent(frame);
        assertDescribes(frame, SNAP, ETHERNET_HEADER, CHAIN_START + 8 + 16 + 24 + 8 + 24 + 8, 6, event);
        assertSyn(event, 50006, 8443, 0xfffffffeL, List.of(IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING,
                IPPROTO_FRAGMENT, IPPROTO_AH, IPPROTO_DSTOPTS));
        assertCounters(1, 1, 0);
    }

    @Test
    void synBehindAsManyHeadersAsTheProgramWalksEmits() throws Exception {
        List<Integer> types = chainOf(MAX_EXTENSIONS);
        Ipv6 ip = ipv6();
        types.forEach(ip::extension);
        byte[] frame = ethernet(ETH_P_IPV6).wrap(ip.wrap(tcp().ports(50008, 80).seq(8).bytes()));
        CaptureEvent event = capture.runExpectingOneEvent(frame);
        assertDescribes(frame, SNAP, ETHERNET_HEADER, CHAIN_START + ip.extensionBytes(), 6, event);
        assertSyn(event, 50008, 80, 8, types);
        assertCounters(1, 1, 0);
    }

    @Test
    void synBehindOneHeaderMoreThanTheProgramWalksIsUnparsed() throws Exception {
        Ipv6 ip = ipv6();
        chainOf(MAX_EXTENSIONS + 1).forEach(ip::extension);
        capture.runExpectingNoEvent(ethernet(ETH_P_IPV6).wrap(ip.wrap(tcp().bytes())));
        // The same length of chain ending in UDP is no better: the program cannot see where it ends.
        Ipv6 toUdp = ipv6().nextHeader(IPPROTO_UDP);
        chainOf(MAX_EXTENSIONS + 1).forEach(toUdp::extension);
        capture.runExpectingNoEvent(ethernet(ETH_P_IPV6).wrap(toUdp.wrap(udp(16))));
        assertCounters(2, 0, 2);
    }

    @ParameterizedTest(name = "more fragments {0}, offset {1}")
    @CsvSource({"true, 1", "false, 185", "true, 8191"})
    void laterFragmentIsNeitherEmittedNorUnparsed(boolean moreFragments, int offsetUnits) throws Exception {
        // A later fragment whose first bytes merely look like a SYN: a verdict, not a failure to parse.
        capture.runExpectingNoEvent(ethernet(ETH_P_IPV6).wrap(ipv6().fragment(moreFragments, offsetUnits)
                .wrap(tcp().bytes())));
        capture.runExpectingNoEvent(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_HOPOPTS)
                .fragment(moreFragments, offsetUnits).wrap(tcp().bytes())));
        assertCounters(2, 0, 0);
    }

    @Test
    void espIsUnparsedWhereverItStands() throws Exception {
        // ESP has no next-header byte in front: what follows it is encrypted, a SYN could be in there.
        byte[] esp = concat(new byte[] {0, 0, 1, 0, 0, 0, 0, 1}, tcp().bytes());
        capture.runExpectingNoEvent(ethernet(ETH_P_IPV6).wrap(ipv6().nextHeader(IPPROTO_ESP).wrap(esp)));
        capture.runExpectingNoEvent(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_HOPOPTS)
                .extension(IPPROTO_DSTOPTS).nextHeader(IPPROTO_ESP).wrap(esp)));
        assertCounters(2, 0, 2);
    }

    @Test
    void otherProtocolsBehindExtensionHeadersAreNeitherEmittedNorUnparsed() throws Exception {
        capture.runExpectingNoEvent(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_HOPOPTS)
                .nextHeader(IPPROTO_UDP).wrap(udp(32))));
        // An MLD report carries a Hop-by-Hop router alert: the most common extension header on a real link.
        capture.runExpectingNoEvent(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_HOPOPTS)
                .nextHeader(IPPROTO_ICMPV6).wrap(icmpEcho(143, 20))));
        capture.runExpectingNoEvent(ethernet(ETH_P_IPV6).wrap(ipv6().nextHeader(IPPROTO_NONE).wrap(new byte[0])));
        capture.runExpectingNoEvent(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_DSTOPTS)
                .nextHeader(IPPROTO_NONE).wrap(tcp().bytes())));
        assertCounters(4, 0, 0);
    }

    @Test
    void segmentsOtherThanAConnectionRequestBehindExtensionHeadersAreNotEmitted() throws Exception {
        for (int flags : new int[] {SYN | ACK, ACK, RST, FIN | ACK}) {
            capture.runExpectingNoEvent(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_DSTOPTS)
                    .extension(IPPROTO_AH).wrap(tcp().flags(flags).bytes())));
        }
        assertCounters(4, 0, 0);
    }

    @Test
    void extensionHeaderClaimingMoreBytesThanTheFrameHoldsIsUnparsed() throws Exception {
        // A Destination Options header whose length byte says 2048 bytes, in a frame that ends 60 bytes later.
        byte[] frame = ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_DSTOPTS).wrap(tcp().bytes()));
        frame[CHAIN_START + 1] = (byte) 255;
        capture.runExpectingNoEvent(frame);
        // AH saying 1028 bytes.
        byte[] ah = ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_AH).wrap(tcp().bytes()));
        ah[CHAIN_START + 1] = (byte) 255;
        capture.runExpectingNoEvent(ah);
        assertCounters(2, 0, 2);
    }

    @Test
    void chainCutAtEveryLengthIsUnparsedUntilTheTcpHeaderFits() throws Exception {
        Ipv6 ip = ipv6().extension(IPPROTO_HOPOPTS, 8).extension(IPPROTO_ROUTING, 24).fragment(false, 0)
                .extension(IPPROTO_AH, 16);
        byte[] frame = ethernet(ETH_P_IPV6).wrap(ip.wrap(tcp().dataOffset(6).payload(8).bytes()));
        capture.runEveryPrefix(frame, SNAP, ETHERNET_HEADER, CHAIN_START + ip.extensionBytes(), 6);
    }

    @Test
    void synBehindAVlanTagAndExtensionHeadersEmits() throws Exception {
        int l3 = ETHERNET_HEADER + VLAN_TAG;
        byte[] frame = ethernet(ETH_P_IPV6).tag(ETH_P_QINQ_OLD, 7).wrap(ipv6().extension(IPPROTO_HOPOPTS)
                .extension(IPPROTO_DSTOPTS).wrap(tcp().ports(50100, 25).seq(100).bytes()));
        CaptureEvent event = capture.runExpectingOneEvent(frame);
        assertDescribes(frame, SNAP, l3, l3 + IPV6_HEADER + 16, 6, event);
        assertSyn(event, 50100, 25, 100, List.of(IPPROTO_HOPOPTS, IPPROTO_DSTOPTS));
        assertCounters(1, 1, 0);
    }

    /** A chain of {@code length} headers cycling through every type the program walks. */
    private static List<Integer> chainOf(int length) {
        int[] cycle = {IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_FRAGMENT, IPPROTO_AH};
        List<Integer> types = new ArrayList<>();
        for (int i = 0; i < length; i++) {
            types.add(cycle[i % cycle.length]);
        }
        return types;
    }

    /** The event's TCP fields and extension chain, as FrameFields decodes them, are the ones the test built. */
    private static void assertSyn(CaptureEvent event, int sourcePort, int destinationPort, long seq,
                                  List<Integer> extensions) {
        FrameFields f = new FrameFields().decode(event);
        assertTrue(f.hasSourcePort() && f.hasDestinationPort() && f.hasSeq() && f.hasFlags(), "TCP fields present");
        assertEquals(sourcePort, f.sourcePort(), "source port");
        assertEquals(destinationPort, f.destinationPort(), "destination port");
        assertEquals(seq, f.seq(), "seq");
        assertEquals(SYN, f.flags(), "flags");
        assertEquals(64240, f.window(), "window");
        assertEquals(57, f.ttl(), "hop limit");
        assertTrue(f.hasIpv6Extensions(), "extension chain decoded");
        List<Integer> decoded = new ArrayList<>();
        for (int i = 0; i < f.ipv6ExtensionCount(); i++) {
            decoded.add(f.ipv6Extension(i));
        }
        assertEquals(extensions, decoded, "extension headers");
    }

    private static byte[] concat(byte[]... parts) {
        byte[] all = new byte[0];
        for (byte[] p : parts) {
            int at = all.length;
            all = Arrays.copyOf(all, at + p.length);
            System.arraycopy(p, 0, all, at, p.length);
        }
        return all;
    }

    private void assertCounters(long frames, long emitted, long unparsed) throws ErrnoException {
        assertEquals(new ProgramCounters(frames, emitted, emitted, 0, 0, 0, unparsed), capture.counters());
    }
}
