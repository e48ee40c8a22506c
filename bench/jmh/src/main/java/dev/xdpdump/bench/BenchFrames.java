package dev.xdpdump.bench;

import dev.xdpdump.event.CaptureEvent;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Frames and events the benchmarks feed the hot path: a 74-byte IPv4 TCP SYN as Linux sends it (MSS, SACK-permitted,
 * timestamps, window scale), with a different source port and sequence number each, so decimal widths vary as in a
 * real capture. Also the same SYN as the XDP program writes it into a perf ring (struct xdpdump_event + frame).
 */
public final class BenchFrames {
    public static final int FRAME_LENGTH = 74;
    public static final int ETHERNET_HEADER = 14;
    public static final int L4_OFFSET = ETHERNET_HEADER + 20;
    public static final int IFINDEX = 2;
    /** struct xdpdump_event in capture-bpf/xdpdump_event.h. */
    public static final int EVENT_HEADER = 32;
    /** 2026-11-22T03:49:44.123456789Z */
    public static final long WALL_CLOCK_NANOS = 1_795_319_384_123_456_789L;

    private BenchFrames() {}

    /** SYN number {@code i}: 198.18.0.1:(1024 + i % 60000) -> 198.18.0.2:80, seq 0x8badf00d + i * 7919. */
    public static byte[] syn(int i) {
        ByteBuffer b = ByteBuffer.allocate(FRAME_LENGTH).order(ByteOrder.BIG_ENDIAN);
        b.put(new byte[] {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01}).putShort((short) 0x0800);
        b.put((byte) 0x45).put((byte) 0).putShort((short) (FRAME_LENGTH - ETHERNET_HEADER)).putShort((short) i)
            .putShort((short) 0x4000).put((byte) 64).put((byte) 6).putShort((short) 0)
            .put(new byte[] {(byte) 198, 18, 0, 1}).put(new byte[] {(byte) 198, 18, 0, 2});
        b.putShort((short) (1024 + i % 60000)).putShort((short) 80).putInt((int) (0x8badf00dL + i * 7919L)).putInt(0)
            .put((byte) 0xa0).put((byte) 0x02).putShort((short) 64240).putInt(0)
            .put(new byte[] {0x02, 0x04, 0x05, (byte) 0xb4, 0x04, 0x02, 0x08, 0x0a, 0x00, 0x01, (byte) 0xe2, 0x40,
                0, 0, 0, 0, 0x01, 0x03, 0x03, 0x07});
        return b.array();
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
