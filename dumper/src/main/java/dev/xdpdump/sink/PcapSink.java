package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;

import java.io.IOException;

/**
 * Classic pcap, readable by tcpdump, Wireshark and libpcap: a global header, then per event a record header and the
 * captured bytes. Written little-endian (readers detect the order from the magic).
 *
 * <p>The global header is written when the sink opens, so a capture that sees no event still leaves a valid file, and
 * again at the start of every file a rotation opens.
 * Record timestamps are microseconds (magic {@code a1b2c3d4}) or, when asked, nanoseconds ({@code a1b23c4d}).
 */
public final class PcapSink extends BufferedSink {
    static final int MAGIC_MICROSECONDS = 0xa1b2c3d4;
    static final int MAGIC_NANOSECONDS = 0xa1b23c4d;
    static final int LINKTYPE_ETHERNET = 1;

    private final int snapLength;
    private final boolean nanoseconds;

    /**
     * Writes the global header to {@code output} before returning.
     *
     * @param snapLength the most frame bytes any record holds; longer captures are cut to it so readers accept them
     * @param nanoseconds whether record timestamps carry nanoseconds instead of microseconds
     * @throws IOException when the header cannot be written
     */
    public PcapSink(Output output, int snapLength, boolean nanoseconds) throws IOException {
        this(output, null, snapLength, nanoseconds);
    }

    /**
     * As {@link #PcapSink(Output, int, boolean)}, writing {@code first} and then the files {@code files} names: each
     * starts with the global header.
     */
    PcapSink(Output first, RotatingFiles files, int snapLength, boolean nanoseconds) throws IOException {
        super(first, files);
        if (snapLength <= 0) {
            throw new IllegalArgumentException("snap length must be positive, got " + snapLength);
        }
        this.snapLength = snapLength;
        this.nanoseconds = nanoseconds;
        startFile();
    }

    @Override
    void fileHeader(OutputBuffer out) {
        out.writeIntLE(nanoseconds ? MAGIC_NANOSECONDS : MAGIC_MICROSECONDS)
            .writeShortLE(2).writeShortLE(4) // version 2.4
            .writeIntLE(0) // thiszone: timestamps are UTC
            .writeIntLE(0) // sigfigs
            .writeIntLE(snapLength)
            .writeIntLE(LINKTYPE_ETHERNET);
    }

    @Override
    void format(CaptureEvent event, OutputBuffer out) {
        long epochNanos = event.wallClockNanos();
        long seconds = Math.floorDiv(epochNanos, 1_000_000_000L);
        int fraction = (int) Math.floorMod(epochNanos, 1_000_000_000L);
        int captured = Math.min(event.capturedLength(), snapLength); // the header promises readers the snap length
        long wire = event.wireLength() & 0xffffffffL; // never below captured: the slot keeps that invariant
        out.writeIntLE((int) seconds)
            .writeIntLE(nanoseconds ? fraction : fraction / 1000)
            .writeIntLE(captured)
            .writeIntLE((int) wire)
            .writeBytes(event.frame(), 0, captured);
    }
}
