package dev.xdpdump.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The program's counters summed over CPUs: the Java mirror of {@code struct xdpdump_counters} in
 * capture-bpf/xdpdump_event.h, and the only class that knows its layout. Invariant kept by the program:
 * {@code matched == emitted + lostRingFull + lostNoRing + lostOther}.
 *
 * @param lostRingFull events refused because the CPU's perf ring was full (-ENOSPC)
 * @param lostNoRing events refused because no ring was installed for the CPU (-ENOENT, -E2BIG)
 * @param lostOther events refused for any other reason
 * @param unparsed frames whose headers the program could not walk to a verdict
 */
public record ProgramCounters(long frames, long matched, long emitted, long lostRingFull, long lostNoRing,
                              long lostOther, long unparsed) {
    /** {@code sizeof(struct xdpdump_counters)}; a per-CPU lookup returns one such value per possible CPU. */
    public static final int SIZE = 64;
    private static final int FRAMES = 0;
    private static final int MATCHED = 8;
    private static final int EMITTED = 16;
    private static final int LOST_RING_FULL = 24;
    private static final int LOST_NO_RING = 32;
    private static final int LOST_OTHER = 40;
    private static final int UNPARSED = 48;

    /** Every emit failure, whatever its cause. */
    public long lost() {
        return lostRingFull + lostNoRing + lostOther;
    }

    /** Sums the per-CPU values of a lookup of the counters map: {@code cpus} values of {@link #SIZE} bytes. */
    static ProgramCounters sumOf(byte[] perCpuValues, int cpus) {
        ByteBuffer b = ByteBuffer.wrap(perCpuValues).order(ByteOrder.nativeOrder());
        long frames = 0, matched = 0, emitted = 0, ringFull = 0, noRing = 0, other = 0, unparsed = 0;
        for (int cpu = 0; cpu < cpus; cpu++) {
            int at = cpu * SIZE;
            frames += b.getLong(at + FRAMES);
            matched += b.getLong(at + MATCHED);
            emitted += b.getLong(at + EMITTED);
            ringFull += b.getLong(at + LOST_RING_FULL);
            noRing += b.getLong(at + LOST_NO_RING);
            other += b.getLong(at + LOST_OTHER);
            unparsed += b.getLong(at + UNPARSED);
        }
        return new ProgramCounters(frames, matched, emitted, ringFull, noRing, other, unparsed);
    }
}
