package dev.xdpdump.event;

/**
 * One preallocated pipeline slot: the metadata of a captured connection request and the first bytes of its frame.
 *
 * <p>Slots are created once by the Disruptor's event factory and reused for every event; the reader thread fills a
 * slot through {@link EventLayout}, then each output's sink thread reads it (the Disruptor's multicast), none writing to it. Nothing here allocates after construction.
 */
public final class CaptureEvent {
    private final byte[] frame;
    private long wallClockNanos;
    private int cpu;
    private int ifindex;
    private int rxQueue;
    private int wireLength;
    private int capturedLength;
    private int l3Offset;
    private int l4Offset;
    private int ipVersion;

    /** @param capacity the largest frame prefix this slot holds: the snap length */
    public CaptureEvent(int capacity) {
        this.frame = new byte[capacity];
    }

    /** Bytes of the frame, valid from 0 to {@link #capturedLength()}; owned by the slot, never kept by a sink. */
    public byte[] frame() { return frame; }
    public int capacity() { return frame.length; }

    /** Capture time, nanoseconds since the Unix epoch (UTC). */
    public long wallClockNanos() { return wallClockNanos; }
    public int cpu() { return cpu; }
    public int ifindex() { return ifindex; }
    public int rxQueue() { return rxQueue; }
    /** Length of the frame on the wire. */
    public int wireLength() { return wireLength; }
    /** Bytes captured, at most {@link #capacity()} and at most {@link #wireLength()}. */
    public int capturedLength() { return capturedLength; }
    /** Offset of the IP header in the frame. */
    public int l3Offset() { return l3Offset; }
    /** Offset of the TCP header in the frame. */
    public int l4Offset() { return l4Offset; }
    /** 4 or 6. */
    public int ipVersion() { return ipVersion; }

    /**
     * Fills the metadata; the caller has already copied {@code capturedLength} bytes into {@link #frame()}. Keeps
     * the slot's invariant, so decoders and sinks read {@link #capturedLength()} bytes without clamping.
     *
     * @param wireLength unsigned
     * @throws IllegalArgumentException when {@code capturedLength} is negative, beyond the capacity or beyond the
     *     wire length (EventLayout refuses such a sample before it reaches a slot)
     */
    public CaptureEvent set(long wallClockNanos, int cpu, int ifindex, int rxQueue, int wireLength,
                            int capturedLength, int l3Offset, int l4Offset, int ipVersion) {
        if (capturedLength < 0 || capturedLength > frame.length
                || Integer.compareUnsigned(capturedLength, wireLength) > 0) {
            throw new IllegalArgumentException("captured length " + capturedLength + " outside [0, min(capacity "
                    + frame.length + ", wire length " + Integer.toUnsignedString(wireLength) + ")]");
        }
        this.wallClockNanos = wallClockNanos;
        this.cpu = cpu;
        this.ifindex = ifindex;
        this.rxQueue = rxQueue;
        this.wireLength = wireLength;
        this.capturedLength = capturedLength;
        this.l3Offset = l3Offset;
        this.l4Offset = l4Offset;
        this.ipVersion = ipVersion;
        return this;
    }
}
