package dev.xdpdump.event;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WallClockTest {
    private static final long EPOCH_2026 = 1_795_000_000_000_000_000L;

    /** A clock whose wall time is monotonic time plus an offset the test moves; each reading advances 100 ns. */
    private static final class SteppableSource implements WallClock.Source {
        long monotonic = 5_000_000_000L;
        long offset = EPOCH_2026;

        @Override
        public long monotonicNanos() {
            return monotonic += 100;
        }

        @Override
        public long epochMillis() {
            return Math.floorDiv(monotonic + offset, 1_000_000L);
        }

        @Override
        public long epochNanos() {
            return monotonic + offset;
        }
    }

    @Test
    void offsetIsWallMinusMonotonicWithinTheReadingsBracket() {
        SteppableSource source = new SteppableSource();
        WallClock clock = new WallClock(source);
        assertTrue(Math.abs(clock.offsetNanos() - EPOCH_2026) <= 100, "offset " + clock.offsetNanos());
    }

    @Test
    void steadyClockIsNotMeasuredAgain() {
        SteppableSource source = new SteppableSource();
        WallClock clock = new WallClock(source);
        for (int i = 0; i < 10_000; i++) {
            source.monotonic += 1_000_000; // 10 s in 1 ms steps
            assertFalse(clock.refresh(), "re-measured at step " + i);
        }
        assertEquals(0, clock.remeasurements());
    }

    @Test
    void clockStepForwardIsFollowedAtTheNextRefresh() {
        SteppableSource source = new SteppableSource();
        WallClock clock = new WallClock(source);
        long before = clock.offsetNanos();
        source.offset += 3_600_000_000_000L; // date -s one hour ahead
        assertTrue(clock.refresh());
        assertTrue(Math.abs(clock.offsetNanos() - (before + 3_600_000_000_000L)) <= 200, "offset after step");
        assertFalse(clock.refresh(), "measured once per step");
    }

    @Test
    void clockStepBackByAFewMillisecondsIsFollowed() {
        SteppableSource source = new SteppableSource();
        WallClock clock = new WallClock(source);
        source.offset -= 5_000_000L;
        assertTrue(clock.refresh());
        assertTrue(Math.abs(clock.offsetNanos() - source.offset) <= 200, "offset after a 5 ms step back");
    }

    @Test
    void slewBelowTheToleranceIsCaughtByTheMinuteRemeasurement() {
        SteppableSource source = new SteppableSource();
        WallClock clock = new WallClock(source);
        source.offset += 1_000_000L; // 1 ms: within the truncation tolerance
        assertFalse(clock.refresh());
        source.monotonic += WallClock.REMEASURE_EVERY_NANOS;
        assertTrue(clock.refresh());
        assertTrue(Math.abs(clock.offsetNanos() - source.offset) <= 200, "offset after the minute");
    }

    @Test
    void systemClockAgreesWithInstantNow() {
        WallClock clock = WallClock.system();
        long predicted = System.nanoTime() + clock.offsetNanos();
        long wall = System.currentTimeMillis() * 1_000_000L;
        assertTrue(Math.abs(predicted - wall) < 50_000_000L, "predicted " + predicted + " vs wall " + wall);
    }
}
