package dev.xdpdump.bpf;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.FrameFields;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.testing.Ci;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;

import static dev.xdpdump.bpf.CaptureFixture.XDP_PASS;
import static dev.xdpdump.bpf.CaptureFixture.assertDescribes;
import static dev.xdpdump.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Unusual and lying frames the kernel tests of {@link ConnectionRequestKernelTest} leave out: IPv4 total lengths that
 * disagree with the frame, TCP options that lie, and frames up to 64 KiB (IPv6 extension headers:
 * {@link Ipv6ExtensionHeaderKernelTest}).
 * Each yields either no event or one whose fields, decoded by {@link FrameFields}, equal this test's own reading of
 * the frame's bytes; the verdict is XDP_PASS every time.
 */
class MalformedFrameKernelTest {
    private static final int SNAP = 256;
    /** XDPDUMP_MAX_CAP_LEN: the most frame bytes a perf record carries after its headers and the event's. */
    private static final int MAX_CAP_LEN = 65484;

    private CaptureFixture capture;

    private void load(int snapLength) throws ErrnoException {
        Privileges.requireCaptureCapabilities();
        capture = CaptureFixture.open(snapLength);
    }

    @AfterEach
    void closeProgram() {
        if (capture != null) {
            capture.close();
        }
    }

    @ParameterizedTest(name = "total length {0}")
    @ValueSource(ints = {75, 1500, 65535})
    void ipv4TotalLengthBeyondTheFrameEmitsTheFrameAsItArrived(int totalLength) throws Exception {
        // The frame holds 60 IP bytes (20 header, 40 TCP); the header claims more. A capture reports what arrived:
        // wire_len is the frame's length, not what the header claims, and every field is read from the bytes.
        load(SNAP);
        byte[] frame = ethernet(ETH_P_IP).wrap(ipv4().totalLength(totalLength).wrap(tcp().bytes()));
        CaptureEvent event = capture.runExpectingOneEvent(frame);
        assertDescribes(frame, SNAP, ETHERNET_HEADER, ETHERNET_HEADER + IPV4_HEADER, 4, event);
        assertFieldsMatchBytes(frame, ETHERNET_HEADER, 4, event);
        assertCounters(1, 1);
    }

    @Test
    void ipv4TotalLengthShorterThanTheFrameCountsTheTrailerOnTheWire() throws Exception {
        // Ethernet pads short frames, and some devices append trailers: the bytes after total length still arrived.
        load(SNAP);
        byte[] ip = ipv4().wrap(tcp().bytes());
        byte[] frame = ethernet(ETH_P_IP).wrap(Arrays.copyOf(ip, ip.length + 26));
        CaptureEvent event = capture.runExpectingOneEvent(frame);
        assertDescribes(frame, SNAP, ETHERNET_HEADER, ETHERNET_HEADER + IPV4_HEADER, 4, event);
        assertFieldsMatchBytes(frame, ETHERNET_HEADER, 4, event);
        assertCounters(1, 1);
    }

    @ParameterizedTest(name = "option bytes {0}")
    @ValueSource(strings = {
        "02 00 05 b4",             // MSS with length 0: a parser that steps by the length never advances
        "08 01 00 00",             // timestamps with length 1, shorter than its own kind and length bytes
        "00 00 00 00",             // end of option list, then zeros
        "01 01 01 08",             // NOPs, then a timestamps option cut off by the data offset
        "03 ff 07 01",             // window scale claiming 255 bytes
    })
    void synWithLyingTcpOptionsEmitsAndTheFieldsComeFromTheFixedHeader(String options) throws Exception {
        // Data offset 6: the four option bytes end the header; 12 payload bytes follow, which the lying lengths reach.
        load(SNAP);
        byte[] tcp = tcp().dataOffset(6).payload(12).bytes();
        byte[] option = hex(options);
        System.arraycopy(option, 0, tcp, TCP_HEADER, option.length);
        for (byte[] frame : new byte[][] {
            ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp)),
            ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp))}) {
            int version = (frame[ETHERNET_HEADER] & 0xff) >> 4;
            int l4 = ETHERNET_HEADER + (version == 4 ? IPV4_HEADER : IPV6_HEADER);
            CaptureEvent event = capture.runExpectingOneEvent(frame);
            assertDescribes(frame, SNAP, ETHERNET_HEADER, l4, version, event);
            assertFieldsMatchBytes(frame, ETHERNET_HEADER, version, event);
        }
        assertCounters(2, 2);
    }

    @Test
    void synWhoseOptionsAreAllZeroLengthFillsTheLargestDataOffset() throws Exception {
        load(SNAP);
        byte[] tcp = tcp().dataOffset(15).bytes();
        for (int i = TCP_HEADER; i < 60; i += 2) {
            tcp[i] = 2; // MSS, length 0, repeated to the end of the header
            tcp[i + 1] = 0;
        }
        byte[] frame = ethernet(ETH_P_IP).wrap(ipv4().ihl(15).wrap(tcp));
        CaptureEvent event = capture.runExpectingOneEvent(frame);
        assertDescribes(frame, SNAP, ETHERNET_HEADER, ETHERNET_HEADER + 60, 4, event);
        assertFieldsMatchBytes(frame, ETHERNET_HEADER, 4, event);
        assertCounters(1, 1);
    }

    /**
     * Jumbo and 64 KiB frames (a veth MTU goes up to 65535, and generic XDP runs on whole linear skbs; a test run
     * takes them on this kernel): the event keeps the whole wire length and as many bytes as one perf record
     * carries. A kernel whose test run refuses the size (EINVAL, ENOMEM) never runs the program on it: nothing to
     * check, so the test skips there, and fails under CI, where the kernel is known to take them.
     */
    @ParameterizedTest(name = "{0} bytes")
    @ValueSource(ints = {9000, MAX_CAP_LEN, MAX_CAP_LEN + 1, 65535})
    void oversizedFrameEmitsItsWireLengthAndAsMuchAsAPerfRecordCarries(int length) throws Exception {
        Privileges.requireCaptureCapabilities();
        capture = CaptureFixture.open(65535, 256 * 1024);
        byte[] frame = ethernet(ETH_P_IP).wrap(ipv4().totalLength(65535).wrap(tcp().payload(length - 74).bytes()));
        assertEquals(length, frame.length);
        int verdict = -1;
        try {
            verdict = capture.run(frame);
        } catch (ErrnoException e) {
            Ci.skipOrFail("this kernel's test run takes no " + length + "-byte frame: " + e);
        }
        assertEquals(XDP_PASS, verdict, "verdict");
        List<CaptureEvent> events = capture.drain();
        assertEquals(0, capture.rings().malformedRecords(), "malformed records");
        assertEquals(1, events.size(), "events");
        assertDescribes(frame, MAX_CAP_LEN, ETHERNET_HEADER, ETHERNET_HEADER + IPV4_HEADER, 4, events.get(0));
        assertFieldsMatchBytes(frame, ETHERNET_HEADER, 4, events.get(0));
        assertCounters(1, 1);
    }

    /**
     * Decodes {@code event} with {@link FrameFields} and compares every field with this test's own reading of
     * {@code frame}, whose IP header starts at {@code l3}.
     */
    private static void assertFieldsMatchBytes(byte[] frame, int l3, int version, CaptureEvent event) {
        FrameFields f = new FrameFields().decode(event);
        ByteBuffer b = ByteBuffer.wrap(frame);
        int l4 = l3 + (version == 4 ? (frame[l3] & 0x0f) * 4 : IPV6_HEADER);
        int addressLength = version == 4 ? 4 : 16;
        byte[] source = Arrays.copyOfRange(frame, l3 + (version == 4 ? 12 : 8), l3 + (version == 4 ? 12 : 8) + addressLength);
        byte[] destination = Arrays.copyOfRange(frame, l3 + (version == 4 ? 16 : 24),
                l3 + (version == 4 ? 16 : 24) + addressLength);
        assertEquals(version, f.ipVersion(), "ip version");
        assertTrue(f.hasSource() && f.hasDestination() && f.hasSourcePort() && f.hasDestinationPort() && f.hasSeq()
                && f.hasFlags() && f.hasWindow() && f.hasTtl(), "every field within the snap length is present");
        assertArrayEquals(source, Arrays.copyOf(f.sourceAddress(), addressLength), "source address");
        assertArrayEquals(destination, Arrays.copyOf(f.destinationAddress(), addressLength), "destination address");
        assertEquals(frame[l3 + (version == 4 ? 8 : 7)] & 0xff, f.ttl(), "ttl");
        assertEquals(b.getShort(l4) & 0xffff, f.sourcePort(), "source port");
        assertEquals(b.getShort(l4 + 2) & 0xffff, f.destinationPort(), "destination port");
        assertEquals(b.getInt(l4 + 4) & 0xffffffffL, f.seq(), "seq");
        assertEquals(frame[l4 + 13] & 0xff, f.flags(), "flags");
        assertEquals(b.getShort(l4 + 14) & 0xffff, f.window(), "window");
    }

    private static byte[] hex(String text) {
        String[] words = text.split(" ");
        byte[] bytes = new byte[words.length];
        for (int i = 0; i < words.length; i++) {
            bytes[i] = (byte) Integer.parseInt(words[i], 16);
        }
        return bytes;
    }

    private void assertCounters(long frames, long emitted) throws ErrnoException {
        assertEquals(new ProgramCounters(frames, emitted, emitted, 0, 0, 0, 0), capture.counters());
    }
}
