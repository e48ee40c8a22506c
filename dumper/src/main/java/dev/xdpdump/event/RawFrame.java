package dev.xdpdump.event;

/**
 * One frame as a capture file holds it: its bytes, how many of them the file kept, its length on the wire and its
 * time. Reused for every frame by the one thread that reads the file.
 */
public final class RawFrame {
    /** Larger than any snap length a pcap writer uses (tcpdump's default is 262144). */
    public static final int CAPACITY = 262144;

    private final byte[] bytes = new byte[CAPACITY];
    private int length;
    private int wireLength;
    private long epochNanos;

    /** The frame's bytes, valid from 0 to {@link #length()}; overwritten by the next frame. */
    public byte[] bytes() { return bytes; }
    /** Bytes the file kept of this frame. */
    public int length() { return length; }
    /** Length of the frame on the wire (unsigned). */
    public int wireLength() { return wireLength; }
    /** When it was captured, nanoseconds since the Unix epoch. */
    public long epochNanos() { return epochNanos; }

    /** Sets the metadata after the caller copied {@code length} bytes into {@link #bytes()}. */
    public void set(int length, int wireLength, long epochNanos) {
        if (length < 0 || length > CAPACITY) {
            throw new IllegalArgumentException("frame length " + length + " outside [0, " + CAPACITY + "]");
        }
        this.length = length;
        this.wireLength = wireLength;
        this.epochNanos = epochNanos;
    }
}
