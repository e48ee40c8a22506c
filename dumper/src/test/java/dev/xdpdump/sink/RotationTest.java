package dev.xdpdump.sink;

import org.junit.jupiter.api.Test;

import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rotation's file names and steps, held to what tcpdump 4.99.3 did on this project's machines with the same flags
 * (-C 1: out.pcap, out.pcap1, out.pcap2; -C 1 -W 3: out.pcap0 to out.pcap2 and out.pcap0 again; -C 1 -W 1: out.pcap
 * over and over; -G 1 -C 1: the strftime name, then name1, the count starting again each period; -G 1 -W 2: two
 * files, then "Maximum file limit reached: 2").
 */
class RotationTest {
    /** 2026-11-22T03:49:44Z, a Sunday. */
    private static final long START = 1_795_319_384L;
    private static final ZoneId UTC = ZoneOffset.UTC;
    private static final long MB = Rotation.BYTES_PER_MEGABYTE;

    @Test
    void sizeAloneNumbersEveryFileButTheFirstFromOne() {
        assertEquals(List.of("out.pcap", "out.pcap1", "out.pcap2", "out.pcap3"), sizeSteps(Rotation.of(1, 0, 0), 4));
    }

    @Test
    void sizeWithAFileCountNumbersEveryFileToTheWidthOfTheCountAndWraps() {
        assertEquals(List.of("out.pcap0", "out.pcap1", "out.pcap2", "out.pcap0", "out.pcap1"),
                sizeSteps(Rotation.of(1, 0, 3), 5));
        assertEquals("out.pcap9", sizeSteps(Rotation.of(1, 0, 10), 10).get(9));
        List<String> eleven = sizeSteps(Rotation.of(1, 0, 11), 12);
        assertEquals(List.of("out.pcap00", "out.pcap01"), eleven.subList(0, 2));
        assertEquals(List.of("out.pcap10", "out.pcap00"), eleven.subList(10, 12));
        assertEquals("out.pcap000", sizeSteps(Rotation.of(1, 0, 101), 1).get(0));
    }

    @Test
    void oneFileInTheRingIsTheNameItselfWrittenOverAndOver() {
        assertEquals(List.of("out.pcap", "out.pcap", "out.pcap"), sizeSteps(Rotation.of(1, 0, 1), 3));
    }

    @Test
    void theCountWidthIsTheDigitsOfTheLastNumber() {
        assertEquals(0, Rotation.of(1, 0, 0).countWidth());
        assertEquals(0, Rotation.of(1, 0, 1).countWidth());
        assertEquals(1, Rotation.of(1, 0, 2).countWidth());
        assertEquals(1, Rotation.of(1, 0, 10).countWidth());
        assertEquals(2, Rotation.of(1, 0, 11).countWidth());
        assertEquals(2, Rotation.of(1, 0, 100).countWidth());
        assertEquals(0, Rotation.of(0, 60, 100).countWidth(), "-W with -G alone adds no number");
    }

    @Test
    void periodsNameEachFileByStrftimeAtTheStartOfItsPeriod() {
        AtomicLong clock = new AtomicLong(START);
        RotatingFiles files = new RotatingFiles("syns-%Y%m%d-%H%M%S.pcap", Rotation.of(0, 60, 0), listener(),
                clock::get, UTC);
        assertEquals("syns-20261122-034944.pcap", files.current());
        clock.addAndGet(59);
        assertEquals(RotatingFiles.Step.STAY, files.check(24, 1000, true));
        clock.addAndGet(1);
        assertEquals(RotatingFiles.Step.NEW_PERIOD, files.check(24, 1000, true));
        assertEquals("syns-20261122-035044.pcap", files.advance(RotatingFiles.Step.NEW_PERIOD));
        clock.addAndGet(75); // no batch for a while: the next period begins when the next batch comes, as tcpdump's
        assertEquals(RotatingFiles.Step.NEW_PERIOD, files.check(24, 1000, false));
        assertEquals("syns-20261122-035159.pcap", files.advance(RotatingFiles.Step.NEW_PERIOD));
    }

    @Test
    void periodsWithoutATimeInTheNameReuseTheName() {
        AtomicLong clock = new AtomicLong(START);
        RotatingFiles files = new RotatingFiles("out.pcap", Rotation.of(0, 1, 0), listener(), clock::get, UTC);
        clock.addAndGet(1);
        assertEquals(RotatingFiles.Step.NEW_PERIOD, files.check(24, 100, true));
        assertEquals("out.pcap", files.advance(RotatingFiles.Step.NEW_PERIOD));
    }

    @Test
    void periodsAndSizeTogetherCountWithinEachPeriod() {
        AtomicLong clock = new AtomicLong(START);
        RotatingFiles files = new RotatingFiles("s-%H%M.pcap", Rotation.of(1, 60, 0), listener(), clock::get, UTC);
        assertEquals("s-0349.pcap", files.current());
        assertEquals(RotatingFiles.Step.FULL, files.check(MB - 10, 11, true));
        assertEquals("s-0349.pcap1", files.advance(RotatingFiles.Step.FULL));
        assertEquals("s-0349.pcap2", files.advance(RotatingFiles.Step.FULL));
        clock.addAndGet(60);
        assertEquals(RotatingFiles.Step.NEW_PERIOD, files.check(MB - 10, 11, true), "the period is checked first");
        assertEquals("s-0350.pcap", files.advance(RotatingFiles.Step.NEW_PERIOD));
        assertEquals("s-0350.pcap1", files.advance(RotatingFiles.Step.FULL));
    }

    @Test
    void periodsSizeAndACountPadAndWrapTheNumberWithinEachPeriod() {
        AtomicLong clock = new AtomicLong(START);
        RotatingFiles files = new RotatingFiles("s-%H%M.pcap", Rotation.of(1, 60, 2), listener(), clock::get, UTC);
        assertEquals("s-0349.pcap0", files.current());
        assertEquals("s-0349.pcap1", files.advance(RotatingFiles.Step.FULL));
        assertEquals("s-0349.pcap0", files.advance(RotatingFiles.Step.FULL));
        clock.addAndGet(60);
        assertEquals(RotatingFiles.Step.NEW_PERIOD, files.check(0, 1, false));
        assertEquals("s-0350.pcap0", files.advance(RotatingFiles.Step.NEW_PERIOD), "-W does not end a -C -G output");
        clock.addAndGet(60);
        assertEquals(RotatingFiles.Step.NEW_PERIOD, files.check(0, 1, false));
        assertEquals("s-0351.pcap0", files.advance(RotatingFiles.Step.NEW_PERIOD));
    }

    @Test
    void periodsWithACountEndAfterThatManyFiles() {
        AtomicLong clock = new AtomicLong(START);
        RotatingFiles files = new RotatingFiles("s-%S.pcap", Rotation.of(0, 1, 2), listener(), clock::get, UTC);
        assertEquals("s-44.pcap", files.current());
        clock.addAndGet(1);
        assertEquals(RotatingFiles.Step.NEW_PERIOD, files.check(24, 100, true));
        assertEquals("s-45.pcap", files.advance(RotatingFiles.Step.NEW_PERIOD));
        clock.addAndGet(1);
        assertEquals(RotatingFiles.Step.NEW_PERIOD, files.check(24, 100, true));
        assertNull(files.advance(RotatingFiles.Step.NEW_PERIOD), "the second file was the last");
    }

    @Test
    void sizeTurnsOverBeforeAWriteThatWouldPassTheLimitOnlyWhenTheFileHoldsARecord() {
        RotatingFiles files = new RotatingFiles("out.pcap", new Rotation(1000, 0, 0), listener());
        assertEquals(RotatingFiles.Step.STAY, files.check(24, 976, true), "exactly at the limit");
        assertEquals(RotatingFiles.Step.FULL, files.check(24, 977, true));
        assertEquals(RotatingFiles.Step.STAY, files.check(24, 5000, false), "a batch larger than the limit alone");
    }

    @Test
    void megabytesAreMillionsOfBytes() {
        assertEquals(3_000_000L, Rotation.of(3, 0, 0).fileBytes());
    }

    @Test
    void aRotationNeedsSizeOrPeriodAndRefusesUnknownConversions() {
        assertThrows(IllegalArgumentException.class, () -> Rotation.of(0, 0, 3));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Rotation.of(0, 60, 0).checkName("syns-%Q.pcap"));
        assertTrue(unknown.getMessage().startsWith("%Q is not a strftime conversion"), unknown.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Rotation.of(0, 60, 0).checkName("syns.pcap%"));
        Rotation.of(1, 0, 0).checkName("100%Q.pcap"); // without -G the name is not a pattern
    }

    /** The names of the first {@code files} files of a size rotation. */
    private static List<String> sizeSteps(Rotation rotation, int files) {
        RotatingFiles sequence = new RotatingFiles("out.pcap", rotation, listener(), () -> START, UTC);
        List<String> names = new ArrayList<>(List.of(sequence.current()));
        while (names.size() < files) {
            assertEquals(RotatingFiles.Step.FULL, sequence.check(rotation.fileBytes(), 1, true));
            names.add(sequence.advance(RotatingFiles.Step.FULL));
        }
        return names;
    }

    private static Rotation.Listener listener() {
        return (closed, records, next) -> { };
    }
}
