package dev.xdpdump.bpf;

import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static dev.xdpdump.bpf.CaptureFixture.assertDescribes;
import static dev.xdpdump.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Which frames the XDP program reports: TCP connection requests (SYN set, ACK clear) over IPv4 or IPv6, behind at most
 * three VLAN tags, whose headers all lie inside the frame; nothing else. Frames it cannot walk to a verdict (cut
 * short, a fourth tag) are counted as unparsed; a verdict of "not a connection request" is not. Every frame is run
 * with BPF_PROG_TEST_RUN and every test checks the verdict, the events in the rings and the program's counters.
 * IPv6 extension headers: {@link Ipv6ExtensionHeaderKernelTest}.
 */
class ConnectionRequestKernelTest {
    private static final int SNAP = 256;
    private static final int IPV4_L4 = ETHERNET_HEADER + IPV4_HEADER;
    private static final int IPV6_L4 = ETHERNET_HEADER + IPV6_HEADER;

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

    @Test
    void ipv4SynEmitsOneEventCarryingTheFrame() throws Exception {
        byte[] frame = ipv4Tcp(SYN);
        assertDescribes(frame, SNAP, ETHERNET_HEADER, IPV4_L4, 4, capture.runExpectingOneEvent(frame));
        assertCounters(1, 1);
    }

    @Test
    void ipv6SynEmitsOneEventCarryingTheFrame() throws Exception {
        byte[] frame = ipv6Tcp(SYN);
        assertDescribes(frame, SNAP, ETHERNET_HEADER, IPV6_L4, 6, capture.runExpectingOneEvent(frame));
        assertCounters(1, 1);
    }

    @Test
    void synAskingForEcnWithEceAndCwrEmits() throws Exception {
        byte[] v4 = ipv4Tcp(SYN | ECE | CWR);
        byte[] v6 = ipv6Tcp(SYN | ECE | CWR);
        assertDescribes(v4, SNAP, ETHERNET_HEADER, IPV4_L4, 4, capture.runExpectingOneEvent(v4));
        assertDescribes(v6, SNAP, ETHERNET_HEADER, IPV6_L4, 6, capture.runExpectingOneEvent(v6));
        assertCounters(2, 2);
    }

    @ParameterizedTest(name = "tcp flags {0}")
    @ValueSource(ints = {SYN | ACK, ACK, RST, RST | ACK, FIN, FIN | ACK, PSH | ACK, 0})
    void segmentsOtherThanAConnectionRequestAreCountedButNotEmitted(int flags) throws Exception {
        capture.runExpectingNoEvent(ipv4Tcp(flags));
        capture.runExpectingNoEvent(ipv6Tcp(flags));
        assertCounters(2, 0);
    }

    @Test
    void udpIcmpAndArpAreCountedButNotEmitted() throws Exception {
        capture.runExpectingNoEvent(ethernet(ETH_P_IP).wrap(ipv4().protocol(IPPROTO_UDP).wrap(udp(32))));
        capture.runExpectingNoEvent(ethernet(ETH_P_IPV6).wrap(ipv6().nextHeader(IPPROTO_UDP).wrap(udp(32))));
        capture.runExpectingNoEvent(ethernet(ETH_P_IP).wrap(ipv4().protocol(IPPROTO_ICMP).wrap(icmpEcho(8, 32))));
        capture.runExpectingNoEvent(
                ethernet(ETH_P_IPV6).wrap(ipv6().nextHeader(IPPROTO_ICMPV6).wrap(icmpEcho(128, 32))));
        capture.runExpectingNoEvent(ethernet(ETH_P_ARP).wrap(arpRequest()));
        assertCounters(5, 0);
    }

    @Test
    void headerWhoseVersionContradictsTheEtherTypeIsNotEmitted() throws Exception {
        capture.runExpectingNoEvent(ethernet(ETH_P_IP).wrap(ipv4().version(6).wrap(tcp().bytes())));
        capture.runExpectingNoEvent(ethernet(ETH_P_IPV6).wrap(ipv6().version(4).wrap(tcp().bytes())));
        assertCounters(2, 0);
    }

    @ParameterizedTest(name = "ihl {0}")
    @ValueSource(ints = {6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
    void ipv4OptionsMoveTheTcpHeaderAndStillEmit(int ihl) throws Exception {
        byte[] frame = ethernet(ETH_P_IP).wrap(ipv4().ihl(ihl).wrap(tcp().bytes()));
        assertDescribes(frame, SNAP, ETHERNET_HEADER, ETHERNET_HEADER + ihl * 4, 4,
                capture.runExpectingOneEvent(frame));
        assertCounters(1, 1);
    }

    @ParameterizedTest(name = "ihl {0}")
    @ValueSource(ints = {0, 1, 2, 3, 4})
    void ipv4HeaderLengthBelowFiveWordsIsNotEmitted(int ihl) throws Exception {
        capture.runExpectingNoEvent(ethernet(ETH_P_IP).wrap(ipv4().ihl(ihl).headerBytes(20).wrap(tcp().bytes())));
        assertCounters(1, 0);
    }

    @Test
    void ipv4HeaderLengthBeyondTheFrameIsNotEmitted() throws Exception {
        // IHL 15 says 60 header bytes; the frame holds 20 of them and a 20-byte TCP SYN.
        capture.runExpectingNoEvent(
                ethernet(ETH_P_IP).wrap(ipv4().ihl(15).headerBytes(20).wrap(tcp().dataOffset(5).bytes())));
        // IHL 15 with all 60 header bytes but one.
        byte[] header = ethernet(ETH_P_IP).wrap(ipv4().ihl(15).wrap(new byte[0]));
        capture.runExpectingNoEvent(cut(header, header.length - 1));
        assertCounters(2, 0, 2);
    }

    @Test
    void ipHeaderCutShortIsUnparsed() throws Exception {
        byte[] v4 = ipv4Tcp(SYN);
        byte[] v6 = ipv6Tcp(SYN);
        capture.runExpectingNoEvent(cut(v4, ETHERNET_HEADER + IPV4_HEADER - 1));
        capture.runExpectingNoEvent(cut(v4, ETHERNET_HEADER + 1));
        capture.runExpectingNoEvent(cut(v6, ETHERNET_HEADER + IPV6_HEADER - 1));
        capture.runExpectingNoEvent(cut(ethernet(ETH_P_IP).tag(ETH_P_8021Q, 5).wrap(ipv4().wrap(tcp().bytes())),
                ETHERNET_HEADER + 2));
        assertCounters(4, 0, 4);
    }

    @Test
    void laterFragmentIsNotEmitted() throws Exception {
        // A later fragment whose first bytes merely look like a SYN.
        capture.runExpectingNoEvent(ethernet(ETH_P_IP).wrap(ipv4().fragment(true, 1).wrap(tcp().bytes())));
        capture.runExpectingNoEvent(ethernet(ETH_P_IP).wrap(ipv4().fragment(false, 185).wrap(tcp().bytes())));
        capture.runExpectingNoEvent(ethernet(ETH_P_IP).wrap(ipv4().fragment(true, 0x1fff).wrap(tcp().bytes())));
        assertCounters(3, 0);
    }

    @Test
    void firstFragmentWithMoreFragmentsSetEmits() throws Exception {
        byte[] frame = ethernet(ETH_P_IP).wrap(ipv4().fragment(true, 0).wrap(tcp().payload(64).bytes()));
        assertDescribes(frame, SNAP, ETHERNET_HEADER, IPV4_L4, 4, capture.runExpectingOneEvent(frame));
        assertCounters(1, 1);
    }

    @Test
    void synBehindOne8021qTagEmitsWithL3OffsetEighteen() throws Exception {
        byte[] v4 = ethernet(ETH_P_IP).tag(ETH_P_8021Q, 100).wrap(ipv4().wrap(tcp().bytes()));
        byte[] v6 = ethernet(ETH_P_IPV6).tag(ETH_P_8021Q, 100).wrap(ipv6().wrap(tcp().bytes()));
        assertDescribes(v4, SNAP, 18, 18 + IPV4_HEADER, 4, capture.runExpectingOneEvent(v4));
        assertDescribes(v6, SNAP, 18, 18 + IPV6_HEADER, 6, capture.runExpectingOneEvent(v6));
        assertCounters(2, 2);
    }

    @Test
    void synBehind8021adAnd8021qTagsEmitsWithL3OffsetTwentyTwo() throws Exception {
        byte[] v4 = ethernet(ETH_P_IP).tag(ETH_P_8021AD, 10).tag(ETH_P_8021Q, 100).wrap(ipv4().wrap(tcp().bytes()));
        byte[] v6 = ethernet(ETH_P_IPV6).tag(ETH_P_8021AD, 10).tag(ETH_P_8021Q, 100).wrap(ipv6().wrap(tcp().bytes()));
        assertDescribes(v4, SNAP, 22, 22 + IPV4_HEADER, 4, capture.runExpectingOneEvent(v4));
        assertDescribes(v6, SNAP, 22, 22 + IPV6_HEADER, 6, capture.runExpectingOneEvent(v6));
        assertCounters(2, 2);
    }

    @Test
    void synBehindThreeVlanTagsEmitsWithL3OffsetTwentySix() throws Exception {
        byte[] v4 = ethernet(ETH_P_IP).tag(ETH_P_8021AD, 10).tag(ETH_P_8021Q, 100).tag(ETH_P_8021Q, 200)
                .wrap(ipv4().wrap(tcp().bytes()));
        byte[] v6 = ethernet(ETH_P_IPV6).tag(ETH_P_8021Q, 10).tag(ETH_P_QINQ_OLD, 100).tag(ETH_P_8021AD, 200)
                .wrap(ipv6().wrap(tcp().bytes()));
        assertDescribes(v4, SNAP, 26, 26 + IPV4_HEADER, 4, capture.runExpectingOneEvent(v4));
        assertDescribes(v6, SNAP, 26, 26 + IPV6_HEADER, 6, capture.runExpectingOneEvent(v6));
        assertCounters(2, 2);
    }

    @Test
    void synBehindOne9100TagEmitsWithL3OffsetEighteen() throws Exception {
        byte[] v4 = ethernet(ETH_P_IP).tag(ETH_P_QINQ_OLD, 100).wrap(ipv4().wrap(tcp().bytes()));
        byte[] v6 = ethernet(ETH_P_IPV6).tag(ETH_P_QINQ_OLD, 100).wrap(ipv6().wrap(tcp().bytes()));
        assertDescribes(v4, SNAP, 18, 18 + IPV4_HEADER, 4, capture.runExpectingOneEvent(v4));
        assertDescribes(v6, SNAP, 18, 18 + IPV6_HEADER, 6, capture.runExpectingOneEvent(v6));
        assertCounters(2, 2);
    }

    @Test
    void synBehind9100And8021qTagsEmitsWithL3OffsetTwentyTwo() throws Exception {
        byte[] v4 = ethernet(ETH_P_IP).tag(ETH_P_QINQ_OLD, 10).tag(ETH_P_8021Q, 100).wrap(ipv4().wrap(tcp().bytes()));
        byte[] v6 = ethernet(ETH_P_IPV6).tag(ETH_P_QINQ_OLD, 10).tag(ETH_P_8021Q, 100).wrap(ipv6().wrap(tcp().bytes()));
        assertDescribes(v4, SNAP, 22, 22 + IPV4_HEADER, 4, capture.runExpectingOneEvent(v4));
        assertDescribes(v6, SNAP, 22, 22 + IPV6_HEADER, 6, capture.runExpectingOneEvent(v6));
        assertCounters(2, 2);
    }

    @Test
    void synBehindAFourthVlanTagIsUnparsed() throws Exception {
        capture.runExpectingNoEvent(ethernet(ETH_P_IP).tag(ETH_P_8021AD, 10).tag(ETH_P_8021Q, 100)
                .tag(ETH_P_8021Q, 200).tag(ETH_P_8021Q, 300).wrap(ipv4().wrap(tcp().bytes())));
        capture.runExpectingNoEvent(ethernet(ETH_P_IPV6).tag(ETH_P_QINQ_OLD, 10).tag(ETH_P_8021Q, 100)
                .tag(ETH_P_8021Q, 200).tag(ETH_P_8021AD, 300).wrap(ipv6().wrap(tcp().bytes())));
        // A VLAN tag cut short.
        capture.runExpectingNoEvent(cut(ethernet(ETH_P_IP).tag(ETH_P_QINQ_OLD, 10).wrap(ipv4().wrap(tcp().bytes())),
                ETHERNET_HEADER + 3));
        assertCounters(3, 0, 3);
    }

    @Test
    void ipv4SynCutAtEveryLengthEmitsOnlyOnceTheTcpHeaderFits() throws Exception {
        // Data offset 10 (40 header bytes), then 12 bytes of data: the header ends 12 bytes before the frame does.
        byte[] frame = ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().payload(12).bytes()));
        capture.runEveryPrefix(frame, SNAP, ETHERNET_HEADER, IPV4_L4, 4);
    }

    @Test
    void ipv6SynCutAtEveryLengthEmitsOnlyOnceTheTcpHeaderFits() throws Exception {
        byte[] frame = ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp().payload(12).bytes()));
        capture.runEveryPrefix(frame, SNAP, ETHERNET_HEADER, IPV6_L4, 6);
    }

    @Test
    void vlanTaggedSynCutAtEveryLengthEmitsOnlyOnceTheTcpHeaderFits() throws Exception {
        byte[] frame = ethernet(ETH_P_IP).tag(ETH_P_8021AD, 10).tag(ETH_P_8021Q, 100)
                .wrap(ipv4().ihl(6).wrap(tcp().dataOffset(6).bytes()));
        capture.runEveryPrefix(frame, SNAP, 22, 22 + 24, 4);
    }

    @ParameterizedTest(name = "data offset {0}")
    @ValueSource(ints = {0, 1, 2, 3, 4})
    void tcpDataOffsetBelowFiveWordsIsNotEmitted(int dataOffset) throws Exception {
        capture.runExpectingNoEvent(
                ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().dataOffset(dataOffset).headerBytes(20).payload(40).bytes())));
        capture.runExpectingNoEvent(
                ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp().dataOffset(dataOffset).headerBytes(20).payload(40).bytes())));
        assertCounters(2, 0);
    }

    @Test
    void tcpDataOffsetBeyondTheFrameIsNotEmitted() throws Exception {
        // Data offset 15 says 60 header bytes; the frame ends one byte short of them.
        capture.runExpectingNoEvent(
                ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().dataOffset(15).headerBytes(20).payload(39).bytes())));
        capture.runExpectingNoEvent(
                ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp().dataOffset(15).headerBytes(20).payload(39).bytes())));
        // One more byte and the header fits.
        byte[] fits = ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().dataOffset(15).headerBytes(20).payload(40).bytes()));
        assertDescribes(fits, SNAP, ETHERNET_HEADER, IPV4_L4, 4, capture.runExpectingOneEvent(fits));
        assertCounters(3, 1, 2);
    }

    @ParameterizedTest(name = "ihl {0}")
    @ValueSource(ints = {5, 8, 15})
    void ipv4TotalLengthTooShortForTheTcpHeaderIsNotEmitted(int ihl) throws Exception {
        int least = ihl * 4 + TCP_HEADER;
        capture.runExpectingNoEvent(ethernet(ETH_P_IP).wrap(ipv4().ihl(ihl).totalLength(least - 1).wrap(tcp().bytes())));
        capture.runExpectingNoEvent(ethernet(ETH_P_IP).wrap(ipv4().ihl(ihl).totalLength(ihl * 4).wrap(tcp().bytes())));
        capture.runExpectingNoEvent(ethernet(ETH_P_IP).wrap(ipv4().ihl(ihl).totalLength(0).wrap(tcp().bytes())));
        // The least total length that holds the fixed TCP header is enough.
        byte[] fits = ethernet(ETH_P_IP).wrap(ipv4().ihl(ihl).totalLength(least).wrap(tcp().bytes()));
        assertDescribes(fits, SNAP, ETHERNET_HEADER, ETHERNET_HEADER + ihl * 4, 4, capture.runExpectingOneEvent(fits));
        assertCounters(4, 1);
    }

    private void assertCounters(long frames, long emitted) throws ErrnoException {
        assertCounters(frames, emitted, 0);
    }

    private void assertCounters(long frames, long emitted, long unparsed) throws ErrnoException {
        assertEquals(new ProgramCounters(frames, emitted, emitted, 0, 0, 0, unparsed), capture.counters());
    }
}
