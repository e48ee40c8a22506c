package dev.xdpdump.event;

/**
 * Events holding a frame as the program would have captured it, for tests of decoders and sinks; the frames come
 * from {@link dev.xdpdump.testing.Frames}.
 */
public final class CaptureEvents {
    /** 2026-11-22T03:49:44.123456789Z */
    public static final long WALL_CLOCK_NANOS = 1_795_319_384_123_456_789L;
    public static final int IFINDEX = 2;
    private static final int ETHERNET_HEADER = 14;

    private CaptureEvents() {}

    /** An event holding {@code frame} captured whole, with offsets for a plain (untagged) Ethernet frame. */
    public static CaptureEvent of(byte[] frame, int ipVersion) {
        return of(frame, frame.length, ETHERNET_HEADER, ipVersion);
    }

    /** An event holding the first {@code snapLength} bytes of {@code frame}; its IP header starts at {@code l3}. */
    public static CaptureEvent of(byte[] frame, int snapLength, int l3, int ipVersion) {
        return of(frame, snapLength, l3, l3 + (ipVersion == 4 ? (frame[l3] & 0x0f) * 4 : 40), ipVersion);
    }

    /** As {@link #of(byte[], int, int, int)}, its TCP header at {@code l4} (behind IPv6 extension headers). */
    public static CaptureEvent of(byte[] frame, int snapLength, int l3, int l4, int ipVersion) {
        int captured = Math.min(snapLength, frame.length);
        CaptureEvent event = new CaptureEvent(snapLength);
        System.arraycopy(frame, 0, event.frame(), 0, captured);
        return event.set(WALL_CLOCK_NANOS, 1, IFINDEX, 0, frame.length, captured, l3, l4, ipVersion);
    }
}
