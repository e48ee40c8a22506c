package dev.xdpdump.bpf;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The program's counters summed over CPUs: the Java mirror of {@code struct xdpdump_counters} in
 * capture-bpf/xdpdump_event.h, and the only class that knows its layout. Invariant kept by the program:
 * {@code matched == emitted + lostRingFull + lostNoRing + lostOther + filtered}.
 *
 * @param lostRingFull events refused because the CPU's perf ring was full (-ENOSPC)
 * @param lostNoRing events refused because no ring was installed for the CPU (-ENOENT, -E2BIG)
 * @param lostOther events refused for any other reason
 * @param unparsed frames whose headers the program could not walk to a verdict
 * @param filtered connection requests the filter expression left out
 */
public record ProgramCounters(long frames, long matched, long emitted, long lostRingFull, long lostNoRing,
                              long lostOther, long unparsed, long filtered) {
    /** {@code sizeof(struct xdpdump_counters)}; a per-CPU lookup returns one such value per possible CPU. */
    public static final int SIZE = 64;
    /**
     * The struct's counters, in its order, as {@link #sumInto} fills them: frames, matched, emitted, lost_ring_full,
     * lost_no_ring, lost_other, unparsed, filtered.
     */
    public static final int FIELDS = 8;
    private static final VarHandle U64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.nativeOrder());

    /** Counters with no filter expression at work: {@code filtered} is 0. */
    public ProgramCounters(long frames, long matched, long emitted, long lostRingFull, long lostNoRing,
                           long lostOther, long unparsed) {
        this(frames, matched, emitted, lostRingFull, lostNoRing, lostOther, unparsed, 0);
    }

    /** Every emit failure, whatever its cause. */
    public long lost() {
        return lostRingFull + lostNoRing + lostOther;
    }

    /** Sums the per-CPU values of a lookup of the counters map into {@code sums}, in the struct's order. No allocation. */
    static void sumInto(byte[] perCpuValues, int cpus, long[] sums) {
        Arrays.fill(sums, 0, FIELDS, 0);
        for (int cpu = 0; cpu < cpus; cpu++) {
            for (int field = 0; field < FIELDS; field++) {
                sums[field] += (long) U64.get(perCpuValues, cpu * SIZE + field * Long.BYTES);
            }
        }
    }

    /** The counters in {@link #FIELDS} order, as {@link #sumInto} fills them. */
    public static ProgramCounters of(long[] s) {
        return new ProgramCounters(s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]);
    }
}
