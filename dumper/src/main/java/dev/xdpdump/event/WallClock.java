package dev.xdpdump.event;

import java.time.Instant;

/**
 * Turns the program's timestamps ({@code bpf_ktime_get_ns()}, CLOCK_MONOTONIC, the clock of
 * {@link System#nanoTime()} on Linux) into wall-clock time: Unix-epoch nanoseconds = monotonic + {@link #offsetNanos}.
 *
 * <p>The wall clock can step while capturing (an NTP step, {@code date -s}, a VM resumed): {@link #refresh}, called
 * by the reader thread on every loop, compares the millisecond wall clock with what the offset predicts and measures
 * the offset again when they differ by more than {@value #STEP_TOLERANCE_MILLIS} ms, and every minute regardless (to
 * follow a slewing clock). The check allocates nothing; only a re-measurement reads {@link Instant}s. Used by one
 * thread.
 */
public final class WallClock {
    /** What the clock reads: the system's, or a test's. */
    public interface Source {
        long monotonicNanos();

        /** Wall clock, milliseconds since the epoch; must not allocate. */
        long epochMillis();

        /** Wall clock, nanoseconds since the epoch; may allocate. */
        long epochNanos();
    }

    /** {@code System.currentTimeMillis()} truncates, so a right offset can still be a millisecond off it. */
    static final long STEP_TOLERANCE_MILLIS = 2;
    static final long REMEASURE_EVERY_NANOS = 60_000_000_000L;
    private static final int READINGS = 16;

    private static final Source SYSTEM = new Source() {
        @Override
        public long monotonicNanos() {
            return System.nanoTime();
        }

        @Override
        public long epochMillis() {
            return System.currentTimeMillis();
        }

        @Override
        public long epochNanos() {
            Instant now = Instant.now();
            return now.getEpochSecond() * 1_000_000_000L + now.getNano();
        }
    };

    private final Source source;
    private long offsetNanos;
    private long measuredAt;
    private long remeasurements;

    /** Measures the offset once before returning. */
    public WallClock(Source source) {
        this.source = source;
        measure();
    }

    public static WallClock system() {
        return new WallClock(SYSTEM);
    }

    /** Unix-epoch nanoseconds minus CLOCK_MONOTONIC nanoseconds. */
    public long offsetNanos() {
        return offsetNanos;
    }

    /** How often {@link #refresh} measured again, for tests. */
    long remeasurements() {
        return remeasurements;
    }

    /** Measures the offset again when the wall clock stepped or a minute has passed; returns true when it did. */
    public boolean refresh() {
        long monotonic = source.monotonicNanos();
        long predictedMillis = Math.floorDiv(monotonic + offsetNanos, 1_000_000L);
        long drift = Math.abs(source.epochMillis() - predictedMillis);
        if (drift <= STEP_TOLERANCE_MILLIS && monotonic - measuredAt < REMEASURE_EVERY_NANOS) {
            return false;
        }
        measure();
        remeasurements++;
        return true;
    }

    /**
     * Takes the tightest of several wall-clock readings bracketed by the monotonic clock, so the error is a few
     * microseconds at most.
     */
    private void measure() {
        long best = Long.MAX_VALUE;
        long offset = 0;
        long at = 0;
        for (int i = 0; i < READINGS; i++) {
            long before = source.monotonicNanos();
            long wall = source.epochNanos();
            long after = source.monotonicNanos();
            if (after - before < best) {
                best = after - before;
                at = before + (after - before) / 2;
                offset = wall - at;
            }
        }
        offsetNanos = offset;
        measuredAt = at;
    }
}
