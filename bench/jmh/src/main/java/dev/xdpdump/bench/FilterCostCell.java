package dev.xdpdump.bench;

import dev.xdpdump.bpf.CaptureProgram;
import dev.xdpdump.bpf.ProgramCounters;
import dev.xdpdump.sys.ErrnoException;

import java.util.Locale;

/**
 * One measured combination of {@link FilterCost}: a loaded program (an expression or none, with or without perf
 * rings), a frame, and per counted round the kernel's own ns per run and what the program did with the frame, read
 * from its counters around the call, so the table says what was measured rather than what was meant. The wall time
 * of the call goes to the raw row only: it includes the syscall, the copies and any time the thread was preempted,
 * which the kernel's figure leaves out.
 */
final class FilterCostCell {
    /** What the program did with every run of one call. */
    enum Outcome {
        KEPT_EMITTED("kept, emitted"),
        KEPT_NO_RING("kept, no ring (ENOENT)"),
        KEPT_RING_FULL("kept, ring full (ENOSPC)"),
        FILTERED("filtered"),
        NOT_A_REQUEST("not a request"),
        MIXED("mixed");

        final String text;

        Outcome(String text) {
            this.text = text;
        }

        boolean kept() {
            return this == KEPT_EMITTED || this == KEPT_NO_RING || this == KEPT_RING_FULL;
        }
    }

    final int expression;
    final int frame;
    final boolean rings;
    private final String label; // expression, frame, rings: the raw rows' first columns
    private final CaptureProgram program;
    private final byte[] bytes;
    final long[] kernelNanos;
    private Outcome outcome;
    private boolean outcomeChanged;
    long lostRingFull;

    FilterCostCell(int expression, String expressionLabel, int frame, String frameLabel, boolean rings,
                   CaptureProgram program, byte[] bytes, int rounds) {
        this.expression = expression;
        this.frame = frame;
        this.rings = rings;
        this.label = expressionLabel + "\t" + frameLabel + "\t" + (rings ? "yes" : "no");
        this.program = program;
        this.bytes = bytes;
        this.kernelNanos = new long[rounds];
    }

    /**
     * Runs the program {@code repeat} times on the frame in one BPF_PROG_TEST_RUN and returns the raw row for it;
     * {@code round} below 0 is a warm-up whose time is not kept.
     */
    String run(int round, int repeat) throws ErrnoException {
        ProgramCounters before = program.counters();
        long started = System.nanoTime();
        long kernel = program.testRun(bytes, repeat).durationNanos();
        double wall = (System.nanoTime() - started) / (double) repeat;
        ProgramCounters after = program.counters();
        Outcome now = classify(before, after, repeat);
        if (outcome != null && now != outcome) {
            outcomeChanged = true;
        }
        outcome = now;
        lostRingFull += after.lostRingFull() - before.lostRingFull();
        if (round >= 0) {
            kernelNanos[round] = kernel;
        }
        return String.format(Locale.ROOT, "%d\t%s\t%d\t%.1f\t%d\t%d\t%d\t%d\t%d", round, label, kernel, wall,
                after.matched() - before.matched(), after.emitted() - before.emitted(),
                after.filtered() - before.filtered(),
                after.lostNoRing() - before.lostNoRing(), after.lostRingFull() - before.lostRingFull());
    }

    static String rawHeader() {
        return "round\texpression\tframe\trings\tkernel_ns_per_run\twall_ns_per_run\tmatched\temitted\tfiltered\t"
                + "lost_no_ring\tlost_ring_full";
    }

    private static Outcome classify(ProgramCounters before, ProgramCounters after, int repeat) {
        long matched = after.matched() - before.matched();
        if (matched == 0) {
            return Outcome.NOT_A_REQUEST;
        }
        if (after.filtered() - before.filtered() == repeat) {
            return Outcome.FILTERED;
        }
        long emitted = after.emitted() - before.emitted();
        if (emitted > 0 && emitted + after.lostRingFull() - before.lostRingFull() == repeat) {
            return Outcome.KEPT_EMITTED; // some may have found the ring full: counted in lostRingFull, shown apart
        }
        if (after.lostNoRing() - before.lostNoRing() == repeat) {
            return Outcome.KEPT_NO_RING;
        }
        if (after.lostRingFull() - before.lostRingFull() == repeat) {
            return Outcome.KEPT_RING_FULL;
        }
        return Outcome.MIXED;
    }

    /** The outcome of the last call; {@link Outcome#MIXED} when calls disagreed. */
    Outcome outcome() {
        return outcomeChanged ? Outcome.MIXED : outcome;
    }
}
