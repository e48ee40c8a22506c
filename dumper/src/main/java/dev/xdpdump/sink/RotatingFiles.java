package dev.xdpdump.sink;

import java.time.Instant;
import java.time.ZoneId;
import java.util.function.LongSupplier;

/**
 * The files of one rotating output: which one is being written, whether the next write must go to a new one, and
 * that one's name, following {@link Rotation}'s rules (tcpdump's counters: the period's start time, its
 * {@code Gflag_count} and {@code Cflag_count}). Owned by one sink and used by its thread only; allocates only when it
 * moves on to a new file.
 */
final class RotatingFiles {
    /** What the next write needs. */
    enum Step {
        /** It goes to the current file. */
        STAY,
        /** {@code -G}'s period is over: a new period and a new file. */
        NEW_PERIOD,
        /** It would take the file past {@code -C}: the next file of the period. */
        FULL
    }

    private final String pattern;
    private final Rotation rotation;
    private final Rotation.Listener listener;
    private final LongSupplier clockSeconds;
    private final ZoneId zone;
    /** The second the current period began, by the wall clock (tcpdump's Gflag_time). */
    private long periodStart;
    /** The number of the current file within its period, already wrapped at -W (Cflag_count). */
    private int count;
    /** Periods that have ended (Gflag_count). */
    private int periodsEnded;
    /** When {@link #check} last read the clock: the start of a period it decided to begin. */
    private long checkedAt;
    private String current;

    /** The wall clock in whole seconds and the system's time zone, as tcpdump's time(2) and localtime(3). */
    RotatingFiles(String pattern, Rotation rotation, Rotation.Listener listener) {
        this(pattern, rotation, listener, () -> Math.floorDiv(System.currentTimeMillis(), 1000L),
                ZoneId.systemDefault());
    }

    /**
     * @param clockSeconds the wall clock in epoch seconds; read once per {@link #check}
     * @param zone the zone strftime names the time in
     * @throws IllegalArgumentException when {@code pattern} cannot name files ({@link Rotation#checkName})
     */
    RotatingFiles(String pattern, Rotation rotation, Rotation.Listener listener, LongSupplier clockSeconds,
                  ZoneId zone) {
        rotation.checkName(pattern);
        this.pattern = pattern;
        this.rotation = rotation;
        this.listener = listener;
        this.clockSeconds = clockSeconds;
        this.zone = zone;
        this.periodStart = clockSeconds.getAsLong();
        this.current = name();
    }

    /** Opens the first file, named for the moment this sequence was made. */
    Output openFirst() throws UnwritableOutputException {
        return Output.open(current);
    }

    /** The file being written (or, after {@link #advance}, about to be opened). */
    String current() {
        return current;
    }

    Rotation.Listener listener() {
        return listener;
    }

    /** {@code -W}: how many files, 0 for no limit. */
    int fileCount() {
        return rotation.fileCount();
    }

    /**
     * Whether a write of {@code writeBytes} (with what closes a file) may go to the current file, which holds
     * {@code fileBytes}. Reads the clock; allocates nothing.
     */
    Step check(long fileBytes, long writeBytes, boolean fileHasRecords) {
        if (rotation.periodSeconds() > 0) {
            checkedAt = clockSeconds.getAsLong();
            if (checkedAt - periodStart >= rotation.periodSeconds()) {
                return Step.NEW_PERIOD;
            }
        }
        if (rotation.fileBytes() > 0 && fileHasRecords && fileBytes + writeBytes > rotation.fileBytes()) {
            return Step.FULL;
        }
        return Step.STAY;
    }

    /**
     * Moves past the current file, which the caller has closed, as {@code step} (from the last {@link #check})
     * says; returns the name of the next file, or null when that file was the last {@code -W} allows with
     * {@code -G} and without {@code -C}.
     */
    String advance(Step step) {
        switch (step) {
            case NEW_PERIOD -> {
                periodStart = checkedAt;
                periodsEnded++;
                if (rotation.fileBytes() == 0 && rotation.fileCount() > 0 && periodsEnded >= rotation.fileCount()) {
                    return null;
                }
                count = 0;
            }
            case FULL -> {
                count++;
                if (rotation.fileCount() > 0 && count >= rotation.fileCount()) {
                    count = 0;
                }
            }
            default -> throw new IllegalArgumentException("nothing to advance for " + step);
        }
        current = name();
        return current;
    }

    private String name() {
        return rotation.fileName(pattern, Instant.ofEpochSecond(periodStart).atZone(zone), count);
    }
}
