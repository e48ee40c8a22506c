package dev.xdpdump.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The Java mirror of {@code struct xdpdump_config} in capture-bpf/xdpdump_event.h, the single entry of the program's
 * {@code config} map, and of the snap-length limits defined beside it. The only class that knows that layout.
 */
public final class ProgramConfig {
    /** {@code XDPDUMP_DEFAULT_SNAP_LEN}: any SYN with options fits. */
    public static final int DEFAULT_SNAP_LEN = 256;
    /** {@code XDPDUMP_MAX_SNAP_LEN}: the largest snap length the program honours. */
    public static final int MAX_SNAP_LEN = 65535;
    /** {@code XDPDUMP_MAX_CAP_LEN}: the most frame bytes one event carries (what a perf record holds). */
    public static final int MAX_CAP_LEN = 65528 - 8 - 4 - 32;
    /** {@code sizeof(struct xdpdump_config)}. */
    static final int SIZE = 8;
    private static final int SNAP_LEN = 0;

    private ProgramConfig() {}

    /** The map value for {@code snapLength} (0: the program's default), in host byte order as the program reads it. */
    static byte[] value(int snapLength) {
        if (snapLength < 0 || snapLength > MAX_SNAP_LEN) {
            throw new IllegalArgumentException("snap length " + snapLength + " is outside 0-" + MAX_SNAP_LEN);
        }
        return ByteBuffer.allocate(SIZE).order(ByteOrder.nativeOrder()).putInt(SNAP_LEN, snapLength).array();
    }
}
