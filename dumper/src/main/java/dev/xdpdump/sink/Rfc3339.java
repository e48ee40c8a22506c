package dev.xdpdump.sink;

/**
 * Writes instants as RFC 3339 UTC timestamps with exactly nine fractional digits: {@code 2026-11-22T03:49:44.123456789Z}.
 *
 * <p>Computes the civil date itself, so it allocates nothing (java.time would allocate per call). Consecutive events
 * nearly always fall in the same second, so it keeps the text of the last second it wrote and only formats the
 * fraction then. Not thread safe: one instance per sink.
 */
public final class Rfc3339 {
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int SECONDS_PER_DAY = 86_400;
    // Days in a 400-year Gregorian cycle, and from 0000-03-01 to 1970-01-01 in the proleptic calendar.
    private static final int DAYS_PER_ERA = 146_097;
    private static final int DAYS_0000_03_01_TO_EPOCH = 719_468;
    /** "2026-11-22T03:49:44." */
    private static final int SECOND_PREFIX_LENGTH = 20;

    private final OutputBuffer lastSecond = new OutputBuffer(SECOND_PREFIX_LENGTH);
    private long lastEpochSecond;
    private boolean hasLastSecond;

    /** The most bytes {@link #put} writes. */
    static final int MAX_LENGTH = SECOND_PREFIX_LENGTH + 10;

    /** Writes {@code epochNanos} (nanoseconds since 1970-01-01T00:00:00Z; negative is before) in UTC. */
    public void write(OutputBuffer out, long epochNanos) {
        int at = out.reserve(MAX_LENGTH);
        out.advanceTo(put(out.array(), at, epochNanos));
    }

    /** As {@link #write}, into {@code target} at {@code at} with {@link #MAX_LENGTH} bytes free; returns the end. */
    int put(byte[] target, int at, long epochNanos) {
        long seconds = Math.floorDiv(epochNanos, NANOS_PER_SECOND);
        if (!hasLastSecond || seconds != lastEpochSecond) {
            lastSecond.clear();
            writeSecond(lastSecond, seconds);
            lastEpochSecond = seconds;
            hasLastSecond = true;
        }
        System.arraycopy(lastSecond.array(), 0, target, at, SECOND_PREFIX_LENGTH);
        at = AsciiBytes.putPadded(target, at + SECOND_PREFIX_LENGTH, (int) Math.floorMod(epochNanos, NANOS_PER_SECOND), 9);
        return AsciiBytes.put(target, at, 'Z');
    }

    private static void writeSecond(OutputBuffer out, long epochSecond) {
        long epochDay = Math.floorDiv(epochSecond, SECONDS_PER_DAY);
        int secondOfDay = (int) Math.floorMod(epochSecond, SECONDS_PER_DAY);

        // Count years from March 1st, so the leap day is the last day of its year and months have a fixed pattern:
        // a 400-year era, then 4-year and 100-year corrections inside it.
        long days = epochDay + DAYS_0000_03_01_TO_EPOCH;
        long era = Math.floorDiv(days, DAYS_PER_ERA);
        int dayOfEra = (int) (days - era * DAYS_PER_ERA);
        int yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / (DAYS_PER_ERA - 1)) / 365;
        int dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        int monthFromMarch = (5 * dayOfYear + 2) / 153;
        int day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1;
        int month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9;
        long year = era * 400 + yearOfEra + (month <= 2 ? 1 : 0);

        // Nanosecond longs span 1677 to 2262, so the year always has four digits.
        out.writeDecimalPadded(year, 4).writeByte('-');
        out.writeDecimalPadded(month, 2).writeByte('-');
        out.writeDecimalPadded(day, 2).writeByte('T');
        out.writeDecimalPadded(secondOfDay / 3600, 2).writeByte(':');
        out.writeDecimalPadded(secondOfDay / 60 % 60, 2).writeByte(':');
        out.writeDecimalPadded(secondOfDay % 60, 2).writeByte('.');
    }
}
