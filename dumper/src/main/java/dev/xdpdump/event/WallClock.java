package dev.xdpdump.event;

import java.time.Instant;

/**
 * Turns the program's timestamps ({@code bpf_ktime_get_ns()}, CLOCK_MONOTONIC, the clock of
 * {@link System#nanoTime()} on Linux) into wall-clock time with an offset measured once at start.
 */
public final class WallClock {
    private WallClock() {}

    /**
     * Unix-epoch nanoseconds minus CLOCK_MONOTONIC nanoseconds. Takes the tightest of several readings bracketed by
     * the monotonic clock, so the error is a few microseconds at most (a step of the wall clock later is not seen).
     */
    public static long measureOffsetNanos() {
        long best = Long.MAX_VALUE;
        long offset = 0;
        for (int i = 0; i < 16; i++) {
            long before = System.nanoTime();
            Instant now = Instant.now();
            long after = System.nanoTime();
            if (after - before < best) {
                best = after - before;
                offset = now.getEpochSecond() * 1_000_000_000L + now.getNano() - (before + (after - before) / 2);
            }
        }
        return offset;
    }
}
