package dev.xdpdump.event;

import io.netty.buffer.ByteBuf;

/**
 * The byte layout of {@code struct xdpdump_event} in capture-bpf/xdpdump_event.h, as the program writes it into a
 * perf ring (host byte order), followed by {@code cap_len} frame bytes. The only class that knows these offsets.
 */
public final class EventLayout {
    public static final int HEADER_SIZE = 32;
    private static final int TS_NS = 0;
    private static final int IFINDEX = 8;
    private static final int RX_QUEUE = 12;
    private static final int WIRE_LEN = 16;
    private static final int CAP_LEN = 20;
    private static final int L3_OFFSET = 24;
    private static final int L4_OFFSET = 26;
    private static final int IP_VERSION = 28;

    private EventLayout() {}

    /**
     * Checks a raw sample against itself and the slot: returns its captured length, or -1 when the sample cannot be
     * an event (too short, cap_len beyond the sample, beyond the wire length or beyond what a slot holds).
     *
     * @param length the sample's raw size, which includes up to 7 bytes of padding
     */
    public static int capturedLength(ByteBuf sample, int index, int length, int slotCapacity) {
        if (length < HEADER_SIZE) {
            return -1;
        }
        long capLen = sample.getUnsignedIntLE(index + CAP_LEN);
        long wireLen = sample.getUnsignedIntLE(index + WIRE_LEN);
        if (capLen > length - HEADER_SIZE || capLen > slotCapacity || capLen > wireLen) {
            return -1;
        }
        return (int) capLen;
    }

    /** The kernel's CLOCK_MONOTONIC timestamp of a raw sample, or Long.MIN_VALUE if it is too short to be an event. */
    public static long timestamp(ByteBuf sample, int index, int length) {
        return length < HEADER_SIZE ? Long.MIN_VALUE : sample.getLongLE(index + TS_NS);
    }

    /**
     * Copies a sample that passed {@link #capturedLength} into {@code slot}.
     *
     * @param wallClockOffsetNanos added to the kernel's CLOCK_MONOTONIC timestamp to give Unix-epoch nanoseconds
     */
    public static void copy(ByteBuf sample, int index, int capturedLength, int cpu, long wallClockOffsetNanos,
                            CaptureEvent slot) {
        sample.getBytes(index + HEADER_SIZE, slot.frame(), 0, capturedLength);
        slot.set(sample.getLongLE(index + TS_NS) + wallClockOffsetNanos, cpu,
                sample.getIntLE(index + IFINDEX), sample.getIntLE(index + RX_QUEUE),
                sample.getIntLE(index + WIRE_LEN), capturedLength,
                sample.getUnsignedShortLE(index + L3_OFFSET), sample.getUnsignedShortLE(index + L4_OFFSET),
                sample.getUnsignedByte(index + IP_VERSION));
    }
}
