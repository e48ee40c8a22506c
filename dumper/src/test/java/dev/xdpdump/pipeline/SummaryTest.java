package dev.xdpdump.pipeline;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SummaryTest {
    private static final Summary BOOKS = new Summary(5000, 1200, 1150, 50, 1150, 48, Map.of(0, 40L, 1, 8L), 1, 1140,
            9, 1);

    @Test
    void firstThreeLinesKeepTheirWordingForScripts() {
        List<String> lines = BOOKS.toText(false).lines().toList();
        assertEquals(List.of("1140 events written", "50 events lost in kernel rings",
                "1200 connection requests matched by the program"), lines.subList(0, 3));
    }

    @Test
    void textHasOneLinePerCounterInStageOrder() {
        assertEquals(""
                + "1140 events written\n"
                + "50 events lost in kernel rings\n"
                + "1200 connection requests matched by the program\n"
                + "5000 frames seen by the program\n"
                + "1150 events emitted by the program\n"
                + "1150 events read from the rings\n"
                + "48 events reported lost by the rings (PERF_RECORD_LOST)\n"
                + "1 malformed ring records skipped\n"
                + "9 events received but not written (count reached or output closed)\n"
                + "1 write errors\n", BOOKS.toText(false));
    }

    @Test
    void verboseTextAddsTheLostRecordsOfEachCpu() {
        List<String> lines = BOOKS.toText(true).lines().toList();
        assertEquals(List.of("48 events reported lost by the rings (PERF_RECORD_LOST)",
                "40 events reported lost by the ring of cpu 0", "8 events reported lost by the ring of cpu 1",
                "1 malformed ring records skipped"), lines.subList(6, 10));
    }

    @Test
    void statsLineAndJsonRecordCarryTheSameCountersUnderTheSameNames() {
        assertEquals("stats: frames_seen=5000 matched=1200 emitted=1150 lost=50 read=1150 reported_lost=48"
                + " malformed=1 written=1140 not_written=9 write_errors=1", BOOKS.toStatsLine());
        assertEquals("{\"type\":\"stats\",\"frames_seen\":5000,\"matched\":1200,\"emitted\":1150,\"lost\":50,"
                + "\"read\":1150,\"reported_lost\":48,\"malformed\":1,\"written\":1140,\"not_written\":9,"
                + "\"write_errors\":1}", BOOKS.toJson());
    }

    @Test
    void balancedBooksLeaveNothingUnaccounted() {
        assertEquals(0, BOOKS.unaccounted());
        assertEquals(1, new Summary(0, 1, 1, 0, 1, 0, Map.of(), 0, 0, 0, 0).unaccounted());
    }
}
