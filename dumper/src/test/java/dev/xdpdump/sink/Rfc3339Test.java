package dev.xdpdump.sink;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class Rfc3339Test {
    private static final DateTimeFormatter REFERENCE =
        DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "0, 1970-01-01T00:00:00.000000000Z",
        "1, 1970-01-01T00:00:00.000000001Z",
        "-1, 1969-12-31T23:59:59.999999999Z",
        "86399999999999, 1970-01-01T23:59:59.999999999Z",
        "1795319384123456789, 2026-11-22T03:49:44.123456789Z",
        "951782400000000000, 2000-02-29T00:00:00.000000000Z",
        "951868800000000000, 2000-03-01T00:00:00.000000000Z",
        "1709251199999999999, 2024-02-29T23:59:59.999999999Z",
        "4107542400000000000, 2100-03-01T00:00:00.000000000Z",
        "1735689599000000500, 2024-12-31T23:59:59.000000500Z",
        "-2203891200000000000, 1900-03-01T00:00:00.000000000Z",
        "9223372036854775807, 2262-04-11T23:47:16.854775807Z",
        "-9223372036854775808, 1677-09-21T00:12:43.145224192Z",
    })
    void writesUtcWithNineFractionalDigits(long epochNanos, String expected) {
        OutputBuffer out = new OutputBuffer(32);
        new Rfc3339().write(out, epochNanos);
        assertEquals(expected, Ascii.of(out));
    }

    @Test
    void agreesWithJavaTimeAcrossTheWholeRange() {
        Random random = new Random(1);
        Rfc3339 rfc3339 = new Rfc3339();
        OutputBuffer out = new OutputBuffer(32);
        for (int i = 0; i < 200_000; i++) {
            long nanos = random.nextLong();
            out.clear();
            rfc3339.write(out, nanos);
            Instant instant = Instant.ofEpochSecond(Math.floorDiv(nanos, 1_000_000_000L),
                Math.floorMod(nanos, 1_000_000_000L));
            assertEquals(REFERENCE.format(instant), Ascii.of(out), "epoch nanos " + nanos);
        }
    }

    @Test
    void writesEveryDayFrom1970To2100() {
        Rfc3339 rfc3339 = new Rfc3339();
        OutputBuffer out = new OutputBuffer(32);
        for (long day = 0; day < 47_482; day++) {
            long nanos = day * 86_400_000_000_000L + 43_200_000_000_000L;
            out.clear();
            rfc3339.write(out, nanos);
            assertEquals(REFERENCE.format(Instant.ofEpochSecond(nanos / 1_000_000_000L)), Ascii.of(out));
        }
    }

    @Test
    void reusesTheLastSecondOnlyWhileTheSecondIsTheSame() {
        Rfc3339 rfc3339 = new Rfc3339();
        OutputBuffer out = new OutputBuffer(32);
        long[] sequence = {999_999_999L, 0L, 1_000_000_000L, 999_999_999L, -1L, -1_000_000_001L, 86_400_000_000_000L};
        String[] expected = {
            "1970-01-01T00:00:00.999999999Z", "1970-01-01T00:00:00.000000000Z", "1970-01-01T00:00:01.000000000Z",
            "1970-01-01T00:00:00.999999999Z", "1969-12-31T23:59:59.999999999Z", "1969-12-31T23:59:58.999999999Z",
            "1970-01-02T00:00:00.000000000Z"};
        for (int i = 0; i < sequence.length; i++) {
            out.clear();
            rfc3339.write(out, sequence[i]);
            assertEquals(expected[i], Ascii.of(out));
        }
    }
}
