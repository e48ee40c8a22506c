package dev.xdpdump.bench;

import dev.xdpdump.event.CaptureEvent;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Frames and events the benchmarks feed the hot path: a 74-byte IPv4 TCP SYN as Linux sends it (MSS, SACK-permitted,
 * timestamps, window scale), with a different source port and sequence number each, so decimal widths vary as in a
 * real capture. Also the same SYN as the XDP program writes it into a perf ring (struct xdpdump_event + frame), and
 * that segment between chosen addresses and ports, over IPv4 or IPv6, with chosen flags (for filter expressions).
 */
public final class BenchFrames {
    public static final int FRAME_LENGTH = 74;
    public static final int ETHERNET_HEADER = 14;
    public static final int L4_OFFSET = ETHERNET_HEADER + 20;
    public static final int IFINDEX = 2;
    /** TCP flag bits (the header's 14th byte) for {@link #ipv4} and {@link #ipv6}. */
    public static final int TCP_SYN = 0x02;
    public static final int TCP_ACK = 0x10;
    /** struct xdpdump_event in capture-bpf/xdpdump_event.h. */
    public static final int EVENT_HEADER = 32;
    /** 2026-11-22T03:49:44.123456789Z */
    public static final long WALL_CLOCK_NANOS = 1_795_319_384_123_456_789L;

    private BenchFrames() {}

    /** SYN number {@code i}: 198.18.0.1:(1024 + i % 60000) -> 198.18.0.2:80, seq 0x8badf00d + i * 7919. */
    public static byte[] syn(int i) {
        return ipv4(new byte[] {(byte) 198, 18, 0, 1}, new byte[] {(byte) 198, 18, 0, 2}, i, 1024 + i % 60000, 80,
            (int) (0x8badf00dL + i * 7919L), TCP_SYN);
    }

    /**
     * The 74-byte IPv4 segment of {@link #syn}, between the given addresses (literals) and ports, with the given TCP
     * flags: {@code TCP_SYN} for a connection request, {@code TCP_ACK} for a segment that is none. The options stay
     * those of a SYN whatever the flags, so frames that differ in flags differ in nothing else.
     */
    public static byte[] ipv4(String source, String destination, int sourcePort, int destinationPort, int flags) {
        return ipv4(address(source, 4), address(destination, 4), 1, sourcePort, destinationPort, 0x8badf00d, flags);
    }

    private static byte[] ipv4(byte[] source, byte[] destination, int id, int sourcePort, int destinationPort,
                               int sequence, int flags) {
        ByteBuffer b = ByteBuffer.allocate(FRAME_LENGTH).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[] {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (FRAME_LENGTH - ETHERNET_HEADER)).putShort((short) id)
            .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0).put(source).put(destination);
        putTcp(b, sourcePort, destinationPort, sequence, flags);
        return b.array();
    }

    /** As {@link #ipv4}, over IPv6 with no extension header: 94 bytes. */
    public static byte[] ipv6(String source, String destination, int sourcePort, int destinationPort, int flags) {
        int tcpLength = FRAME_LENGTH - L4_OFFSET;
        ByteBuffer b = ByteBuffer.allocate(ETHERNET_HEADER + 40 + tcpLength).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[] {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01}).putShort((short) 0x86dd);
        b.putInt(0x6000_0000).putShort((short) tcpLength).put((byte) 6).put((byte) 64)
            .put(address(source, 16)).put(address(destination, 16));
        putTcp(b, sourcePort, destinationPort, 0x8badf00d, flags);
        return b.array();
    }

    /** A 40-byte TCP header with Linux's SYN options (MSS, SACK-permitted, timestamps, window scale). */
    private static void putTcp(ByteBuffer b, int sourcePort, int destinationPort, int sequence, int flags) {
        b.putShort((short) sourcePort).putShort((short) destinationPort).putInt(sequence).putInt(0)
            .put((byte) 0xa0).put((byte) flags).putShort((short) 64240).putInt(0)
            .put(new byte[] {0x02, 0x04, 0x05, (byte) 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01, (byte) 0xe2, 0x40,
                0, 0, 0, 0, 0x01, 0x03, 0x03, 0x07});
    }

    private static byte[] address(String literal, int length) {
        byte[] bytes;
        try {
            bytes = InetAddress.getByName(literal).getAddress(); // a literal: no name lookup
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException("not an address: " + literal, e);
        }
        if (bytes.length != length) {
            throw new IllegalArgumentException(literal + " is not an IPv" + (length == 4 ? 4 : 6) + " address");
        }
        return bytes;
    }

    /** A slot holding SYN {@code i} captured whole, {@code i} microseconds after {@link #WALL_CLOCK_NANOS}. */
    public static CaptureEvent event(int i, int slotCapacity) {
        byte[] frame = syn(i);
        CaptureEvent event = new CaptureEvent(slotCapacity);
        System.arraycopy(frame, 0, event.frame(), 0, frame.length);
        return event.set(WALL_CLOCK_NANOS + i * 1000L, i & 1, IFINDEX, 0, frame.length, frame.length,
            ETHERNET_HEADER, L4_OFFSET, 4);
    }

    /** SYN {@code i} as the program emits it: the 32-byte event header (host order), then the frame. */
    public static byte[] rawSample(int i) {
        byte[] frame = syn(i);
        ByteBuffer b = ByteBuffer.allocate(EVENT_HEADER + frame.length).order(ByteOrder.nativeOrder());
        b.putLong(1_000_000_000L + i * 1000L).putInt(IFINDEX).putInt(0).putInt(frame.length).putInt(frame.length)
            .putShort((short) ETHERNET_HEADER).putShort((short) L4_OFFSET).put((byte) 4).put(new byte[3]).put(frame);
        return b.array();
    }
}
