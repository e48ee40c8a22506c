package dev.xdpdump.sink;

import java.time.ZonedDateTime;

/**
 * When a file output moves on to its next file, and what each file is called: tcpdump's {@code -C}, {@code -G} and
 * {@code -W}, with tcpdump's names. Only for {@code -w FILE} (pcap and pcapng); immutable.
 *
 * <p>Names, as tcpdump 4.99 makes them (its {@code MakeFilename}; tried with tcpdump 4.99.3 on this project's
 * machines):
 * <ul>
 *   <li>with {@code -G} the {@code -w} name is a strftime(3) pattern, filled in with the local time at which the
 *       file's period began ({@code syns-%Y%m%d-%H%M%S.pcap}); without {@code -G} it is used as it is;
 *   <li>with {@code -C} a number follows: none on the first file and then 1, 2, ... ({@code out.pcap},
 *       {@code out.pcap1}, {@code out.pcap2}); with {@code -W N} every file has one, zero-padded to the digits of
 *       N-1, and it wraps ({@code -W 3}: {@code out.pcap0}, {@code out.pcap1}, {@code out.pcap2}, {@code out.pcap0}
 *       again; {@code -W 11}: {@code 00} to {@code 10}); {@code -W 1} writes {@code out.pcap} over and over;
 *   <li>{@code -G} starts that number again in each period: {@code -G 60 -C 1} gives {@code s-0700.pcap},
 *       {@code s-0700.pcap1}, then {@code s-0701.pcap};
 *   <li>without {@code -C} there is no number, so {@code -G} with a name that has no time in it writes over the same
 *       file every period, as tcpdump does.
 * </ul>
 *
 * <p>When (always between whole records: before one write of the sink's buffer, at the end of a batch or when a long
 * batch spills):
 * <ul>
 *   <li>{@code -G}: before the first write once {@link #periodSeconds} whole seconds of the wall clock have passed
 *       since the file's period began; the next period begins then. tcpdump checks the same way at each packet: no
 *       traffic, no new file, and a file whose period passed without any stays as it is (header only);
 *   <li>{@code -C}: before a write that would take a file holding at least one record past {@link #fileBytes}
 *       (counting the statistics blocks that close a pcapng file). So no file is larger than the limit unless one
 *       write alone is: at most 256 KiB and one record, never with {@code -C 1} or more. tcpdump checks before each
 *       packet whether its file is already larger, so its files end just past the limit;
 *   <li>both: {@code -G} is checked first, as tcpdump does;
 *   <li>{@code -W N}: with {@code -C}, a ring of N files, the oldest overwritten; with {@code -G} alone, the output
 *       ends once its Nth period is over (a normal end, as {@code -c}: the batch that would open file N+1 is not
 *       written, and counts as not written); with both, only the numbers wrap, within each period (tcpdump: "-W
 *       will currently be ignored, and will only affect the file name").
 * </ul>
 *
 * @param fileBytes {@code -C} in bytes (the command line's megabytes times 1,000,000), 0 for none
 * @param periodSeconds {@code -G}, 0 for none
 * @param fileCount {@code -W}, 0 for none
 */
public record Rotation(long fileBytes, int periodSeconds, int fileCount) {
    /** {@code -C} counts millions of bytes, as tcpdump's does, not MiB. */
    public static final long BYTES_PER_MEGABYTE = 1_000_000L;

    /** Hears of each file a rotating output closes. */
    @FunctionalInterface
    public interface Listener {
        /**
         * Called on the sink's thread once {@code closed} is closed, holding {@code records} records (its header and,
         * for pcapng, its statistics written). {@code next} is the file now open for writing, or null when it was the
         * last file {@code -W} allows with {@code -G}: the output then ends. Must not block for long.
         */
        void rotated(String closed, long records, String next);
    }

    public Rotation {
        if (fileBytes < 0 || periodSeconds < 0 || fileCount < 0) {
            throw new IllegalArgumentException("rotation limits cannot be negative");
        }
        if (fileBytes == 0 && periodSeconds == 0) {
            throw new IllegalArgumentException("a rotation needs -C or -G");
        }
    }

    /** {@code -C megabytes}, {@code -G seconds}, {@code -W files} as the command line gives them; 0 for each absent. */
    public static Rotation of(long megabytes, int seconds, int files) {
        return new Rotation(Math.multiplyExact(megabytes, BYTES_PER_MEGABYTE), seconds, files);
    }

    /**
     * Checks that {@code pattern}, the {@code -w} name, can name files: with {@code -G}, every {@code %} starts a
     * strftime conversion xdpdump knows.
     *
     * @throws IllegalArgumentException saying what is wrong, for a usage message
     */
    public void checkName(String pattern) {
        if (periodSeconds > 0) {
            Strftime.check(pattern);
        }
    }

    /** Digits of the number after the name: those of {@code -W}'s N-1 with {@code -C}, as tcpdump's; else none. */
    int countWidth() {
        if (fileBytes == 0) {
            return 0;
        }
        int width = 0;
        for (int rest = fileCount - 1; rest > 0; rest /= 10) {
            width++;
        }
        return width;
    }

    /**
     * The name of a file: {@code pattern} (through strftime with the time its period began, with {@code -G}), then
     * {@code count} when there is one to show.
     *
     * @param count the file's place in its period's {@code -C} sequence, from 0 (already wrapped at {@code -W})
     */
    String fileName(String pattern, ZonedDateTime periodStart, int count) {
        String base = periodSeconds > 0 ? Strftime.format(pattern, periodStart) : pattern;
        int width = countWidth();
        if (fileBytes == 0 || (count == 0 && width == 0)) {
            return base;
        }
        StringBuilder name = new StringBuilder(base);
        String digits = Integer.toString(count);
        for (int i = digits.length(); i < width; i++) {
            name.append('0');
        }
        return name.append(digits).toString();
    }
}
