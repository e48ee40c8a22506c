package dev.xdpdump.event;

import dev.xdpdump.event.ConnectionRequests.Verdict;
import dev.xdpdump.event.ConnectionRequests.Walk;
import dev.xdpdump.testing.FrameCorpus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.xdpdump.event.ConnectionRequests.Verdict.NOT_A_REQUEST;
import static dev.xdpdump.event.ConnectionRequests.Verdict.REQUEST;
import static dev.xdpdump.event.ConnectionRequests.Verdict.UNPARSED;
import static dev.xdpdump.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The verdicts of {@link ConnectionRequests} on frames built by {@link dev.xdpdump.testing.Frames}, each expectation
 * taken from how the frame was built and what capture-bpf/xdpdump.bpf.c says of it. The same frames through the
 * kernel: ConnectionRequestsDifferentialKernelTest.
 */
class ConnectionRequestsTest {
    private static final int CHAIN_START = ETHERNET_HEADER + IPV6_HEADER;

    private final Walk walk = new Walk();

    @Test
    void ipv4SynIsARequestWithTheTcpHeaderAfterTheIpHeader() {
        assertRequest(ipv4Syn(), ETHERNET_HEADER, ETHERNET_HEADER + IPV4_HEADER, 4);
        assertRequest(ipv4Tcp(SYN | ECE | CWR), ETHERNET_HEADER, ETHERNET_HEADER + IPV4_HEADER, 4);
    }

    @Test
    void ipv6SynIsARequestWithTheTcpHeaderAfterTheIpHeader() {
        assertRequest(ipv6Syn(), ETHERNET_HEADER, CHAIN_START, 6);
        assertRequest(ipv6Tcp(SYN | ECE | CWR), ETHERNET_HEADER, CHAIN_START, 6);
    }

    @ParameterizedTest(name = "tcp flags {0}")
    @ValueSource(ints = {SYN | ACK, ACK, RST, RST | ACK, FIN, FIN | ACK, PSH | ACK, 0})
    void segmentsOtherThanAConnectionRequestAreNotRequests(int flags) {
        assertVerdict(NOT_A_REQUEST, ipv4Tcp(flags));
        assertVerdict(NOT_A_REQUEST, ipv6Tcp(flags));
        assertVerdict(NOT_A_REQUEST, taggedIpv4Syn(flags));
    }

    @Test
    void udpIcmpAndArpAreNotRequests() {
        assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IP).wrap(ipv4().protocol(IPPROTO_UDP).wrap(udp(32))));
        assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IPV6).wrap(ipv6().nextHeader(IPPROTO_UDP).wrap(udp(32))));
        assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IP).wrap(ipv4().protocol(IPPROTO_ICMP).wrap(icmpEcho(8, 32))));
        assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IPV6).wrap(ipv6().nextHeader(IPPROTO_ICMPV6)
                .wrap(icmpEcho(128, 32))));
        assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_ARP).wrap(arpRequest()));
        assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_ARP).tag(ETH_P_8021Q, 1).wrap(arpRequest()));
    }

    @Test
    void synBehindUpToThreeTagsOfAnyTpidIsARequest() {
        assertRequest(taggedIpv4Syn(SYN), 18, 18 + IPV4_HEADER, 4);
        for (int tpid : new int[] {ETH_P_8021Q, ETH_P_8021AD, ETH_P_QINQ_OLD}) {
            assertRequest(ethernet(ETH_P_IPV6).tag(tpid, 1).wrap(ipv6().wrap(tcp().bytes())), 18, 18 + IPV6_HEADER, 6);
            assertRequest(ethernet(ETH_P_IP).tag(tpid, 1).tag(ETH_P_8021Q, 2).wrap(ipv4().wrap(tcp().bytes())),
                    22, 22 + IPV4_HEADER, 4);
            assertRequest(ethernet(ETH_P_IPV6).tag(ETH_P_8021Q, 1).tag(tpid, 2).tag(ETH_P_8021AD, 3)
                    .wrap(ipv6().wrap(tcp().bytes())), 26, 26 + IPV6_HEADER, 6);
        }
    }

    @Test
    void aFourthTagIsUnparsed() {
        assertVerdict(UNPARSED, ethernet(ETH_P_IP).tag(ETH_P_8021AD, 1).tag(ETH_P_8021Q, 2).tag(ETH_P_8021Q, 3)
                .tag(ETH_P_QINQ_OLD, 4).wrap(ipv4().wrap(tcp().bytes())));
        assertVerdict(UNPARSED, cut(ethernet(ETH_P_IP).tag(ETH_P_QINQ_OLD, 10).wrap(ipv4().wrap(tcp().bytes())),
                ETHERNET_HEADER + 3));
    }

    @Test
    void ipv4HeaderRulesComeInTheProgramsOrder() {
        assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IP).wrap(ipv4().version(6).wrap(tcp().bytes())));
        assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IPV6).wrap(ipv6().version(4).wrap(tcp().bytes())));
        for (int ihl = 0; ihl < 5; ihl++) {
            assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IP).wrap(ipv4().ihl(ihl).headerBytes(20).wrap(tcp().bytes())));
        }
        for (int ihl = 5; ihl <= 15; ihl++) {
            assertRequest(ethernet(ETH_P_IP).wrap(ipv4().ihl(ihl).wrap(tcp().bytes())), ETHERNET_HEADER,
                    ETHERNET_HEADER + ihl * 4, 4);
            int least = ihl * 4 + TCP_HEADER;
            assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IP).wrap(ipv4().ihl(ihl).totalLength(least - 1)
                    .wrap(tcp().bytes())));
            assertRequest(ethernet(ETH_P_IP).wrap(ipv4().ihl(ihl).totalLength(least).wrap(tcp().bytes())),
                    ETHERNET_HEADER, ETHERNET_HEADER + ihl * 4, 4);
        }
        // Options past the frame: cut short, before the total length is looked at.
        assertVerdict(UNPARSED, ethernet(ETH_P_IP).wrap(ipv4().ihl(15).totalLength(0).headerBytes(20)
                .wrap(new byte[30])));
        // A total length beyond the frame is no rule of the program's.
        assertRequest(ethernet(ETH_P_IP).wrap(ipv4().totalLength(65535).wrap(tcp().bytes())), ETHERNET_HEADER,
                ETHERNET_HEADER + IPV4_HEADER, 4);
    }

    @Test
    void ipv4FirstFragmentIsARequestAndLaterOnesAreNot() {
        assertRequest(ethernet(ETH_P_IP).wrap(ipv4().fragment(true, 0).wrap(tcp().payload(64).bytes())),
                ETHERNET_HEADER, ETHERNET_HEADER + IPV4_HEADER, 4);
        for (int offset : new int[] {1, 185, 0x1fff}) {
            assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IP).wrap(ipv4().fragment(true, offset).wrap(tcp().bytes())));
            assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IP).wrap(ipv4().fragment(false, offset).wrap(tcp().bytes())));
        }
    }

    @ParameterizedTest(name = "next header {0}, {1} bytes")
    @CsvSource({"0, 8", "0, 2048", "43, 8", "43, 2048", "60, 8", "60, 2048", "44, 8", "51, 12", "51, 1028"})
    void synBehindOneExtensionHeaderOfEachTypeIsARequest(int type, int length) {
        assertRequest(ethernet(ETH_P_IPV6).wrap(ipv6().extension(type, length).wrap(tcp().bytes())), ETHERNET_HEADER,
                CHAIN_START + length, 6);
    }

    @Test
    void synBehindAChainOfEightIsARequestAndOfNineIsUnparsed() {
        var eight = FrameCorpus.chainOf(ConnectionRequests.IPV6_MAX_EXTENSIONS, IPPROTO_TCP);
        assertRequest(ethernet(ETH_P_IPV6).wrap(eight.wrap(tcp().bytes())), ETHERNET_HEADER,
                CHAIN_START + eight.extensionBytes(), 6);
        assertVerdict(UNPARSED, ethernet(ETH_P_IPV6).wrap(FrameCorpus.chainOf(9, IPPROTO_TCP).wrap(tcp().bytes())));
        assertVerdict(UNPARSED, ethernet(ETH_P_IPV6).wrap(FrameCorpus.chainOf(9, IPPROTO_UDP).wrap(udp(16))));
        // Eight headers then UDP: the walk ends in a verdict.
        assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IPV6).wrap(FrameCorpus.chainOf(8, IPPROTO_UDP).wrap(udp(16))));
    }

    @Test
    void ipv6FirstFragmentIsARequestAndLaterOnesAreNot() {
        assertRequest(ethernet(ETH_P_IPV6).wrap(ipv6().fragment(true, 0).wrap(tcp().payload(64).bytes())),
                ETHERNET_HEADER, CHAIN_START + 8, 6);
        for (int offset : new int[] {1, 185, 8191}) {
            assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IPV6).wrap(ipv6().fragment(true, offset).wrap(tcp().bytes())));
            assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_HOPOPTS)
                    .fragment(false, offset).wrap(tcp().bytes())));
        }
    }

    @Test
    void espIsUnparsedAndNoNextHeaderIsNot() {
        assertVerdict(UNPARSED, ethernet(ETH_P_IPV6).wrap(ipv6().nextHeader(IPPROTO_ESP).wrap(new byte[40])));
        assertVerdict(UNPARSED, ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_HOPOPTS).extension(IPPROTO_DSTOPTS)
                .nextHeader(IPPROTO_ESP).wrap(tcp().bytes())));
        assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IPV6).wrap(ipv6().nextHeader(IPPROTO_NONE).wrap(new byte[0])));
        assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_DSTOPTS)
                .nextHeader(IPPROTO_NONE).wrap(tcp().bytes())));
    }

    @Test
    void extensionHeaderClaimingMoreThanTheFrameIsUnparsed() {
        byte[] frame = ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_DSTOPTS).wrap(tcp().bytes()));
        frame[CHAIN_START + 1] = (byte) 255;
        assertVerdict(UNPARSED, frame);
        byte[] ah = ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_AH).wrap(tcp().bytes()));
        ah[CHAIN_START + 1] = (byte) 255;
        assertVerdict(UNPARSED, ah);
    }

    @Test
    void tcpDataOffsetRules() {
        for (int dataOffset = 0; dataOffset < 5; dataOffset++) {
            assertVerdict(NOT_A_REQUEST, ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().dataOffset(dataOffset)
                    .headerBytes(20).bytes())));
        }
        assertVerdict(UNPARSED, ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp().dataOffset(15).headerBytes(20).payload(39)
                .bytes())));
        assertRequest(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().dataOffset(15).headerBytes(20).payload(40).bytes())),
                ETHERNET_HEADER, ETHERNET_HEADER + IPV4_HEADER, 4);
        // Options past the frame outrank the flags: an ACK cut in its options is unparsed too.
        assertVerdict(UNPARSED, ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().flags(ACK).dataOffset(15).headerBytes(20)
                .bytes())));
    }

    @Test
    void synCutAtEveryLengthIsUnparsedUntilTheTcpHeaderFits() {
        int v6Chain = 8 + 24 + 8 + 16;
        byte[][] frames = {
            ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().payload(12).bytes())),
            ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp().payload(12).bytes())),
            ethernet(ETH_P_IP).tag(ETH_P_8021AD, 10).tag(ETH_P_8021Q, 100).wrap(ipv4().ihl(6)
                    .wrap(tcp().dataOffset(6).bytes())),
            ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_HOPOPTS, 8).extension(IPPROTO_ROUTING, 24)
                    .fragment(false, 0).extension(IPPROTO_AH, 16).wrap(tcp().dataOffset(6).payload(8).bytes()))};
        int[][] offsets = {{14, 34, 4}, {14, 54, 6}, {22, 46, 4}, {14, 54 + v6Chain, 6}};
        for (int f = 0; f < frames.length; f++) {
            byte[] frame = frames[f];
            int l4 = offsets[f][1];
            int headersEnd = l4 + ((frame[l4 + 12] & 0xff) >>> 4) * 4;
            for (int length = 0; length <= frame.length; length++) {
                if (length < headersEnd) {
                    assertEquals(UNPARSED, ConnectionRequests.classify(frame, length, walk), "cut at " + length);
                } else {
                    assertEquals(REQUEST, ConnectionRequests.classify(frame, length, walk), "cut at " + length);
                    assertWalk(offsets[f][0], l4, offsets[f][2]);
                }
            }
        }
    }

    @Test
    void otherFramesCutAtEveryLengthAreUnparsedUntilTheirVerdict() {
        // Cut before the header carrying the verdict: unparsed; from there on, the verdict.
        byte[] synAck = ipv4Tcp(SYN | ACK);
        byte[] udp = ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_HOPOPTS).nextHeader(IPPROTO_UDP).wrap(udp(8)));
        byte[] later = ethernet(ETH_P_IPV6).wrap(ipv6().fragment(true, 1).wrap(tcp().bytes()));
        byte[] arp = ethernet(ETH_P_ARP).wrap(arpRequest());
        int[] verdictAt = {ETHERNET_HEADER + IPV4_HEADER + 40, CHAIN_START + 8, CHAIN_START + 8, ETHERNET_HEADER};
        byte[][] frames = {synAck, udp, later, arp};
        for (int f = 0; f < frames.length; f++) {
            for (int length = 0; length <= frames[f].length; length++) {
                assertEquals(length < verdictAt[f] ? UNPARSED : NOT_A_REQUEST,
                        ConnectionRequests.classify(frames[f], length, walk), "frame " + f + " cut at " + length);
            }
        }
    }

    @Test
    void classifyReadsNothingBeyondLength() {
        byte[] frame = ipv4Syn();
        byte[] longer = java.util.Arrays.copyOf(frame, frame.length + 100);
        assertEquals(REQUEST, ConnectionRequests.classify(longer, frame.length, walk));
        assertEquals(UNPARSED, ConnectionRequests.classify(longer, frame.length - 1, walk));
        assertThrows(IndexOutOfBoundsException.class, () -> ConnectionRequests.classify(frame, frame.length + 1, walk));
        assertThrows(IndexOutOfBoundsException.class, () -> ConnectionRequests.classify(frame, -1, walk));
    }

    private void assertVerdict(Verdict expected, byte[] frame) {
        assertEquals(expected, ConnectionRequests.classify(frame, frame.length, walk));
    }

    private void assertRequest(byte[] frame, int l3, int l4, int version) {
        assertVerdict(REQUEST, frame);
        assertWalk(l3, l4, version);
    }

    private void assertWalk(int l3, int l4, int version) {
        assertEquals(l3, walk.l3Offset(), "l3 offset");
        assertEquals(l4, walk.l4Offset(), "l4 offset");
        assertEquals(version, walk.ipVersion(), "ip version");
    }
}
