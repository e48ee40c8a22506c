package dev.xdpdump.pipeline;

import dev.xdpdump.bpf.ProgramCounters;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SummaryTest {
    private static final ProgramCounters PROGRAM = new ProgramCounters(5000, 1200, 1146, 50, 3, 1, 7);
    private static final Summary.Reader READER = new Summary.Reader(1146, 48, Map.of(0, 40L, 1, 8L), 1, 2, 4);
    private static final Summary BOOKS = new Summary(PROGRAM, READER,
            List.of(new Summary.Output("standard output", "json", 1134, 9, 1)));
    private static final Summary CLEAN = new Summary(new ProgramCounters(5210, 1200, 1200, 0, 0, 0, 0),
            new Summary.Reader(1200, 0, Map.of(), 0, 0), List.of(new Summary.Output("x.pcap", "pcap", 1200, 0, 0)));

    @Test
    void cleanRunIsThreeLinesInTheirFixedWording() {
        assertEquals("1200 events written\n0 events lost in kernel rings\n"
                + "1200 connection requests matched by the program\n", CLEAN.toText(false));
    }

    @Test
    void everyCounterThatShowsAProblemGetsItsLineWhenNotZero() {
        assertEquals(""
                + "1134 events written\n"
                + "50 events lost in kernel rings\n"
                + "1200 connection requests matched by the program\n"
                + "7 frames the program could not parse (cut short, or too many VLAN tags or IPv6 extension"
                + " headers)\n"
                + "3 events lost: no perf ring on their CPU\n"
                + "1 events lost: perf output failed otherwise\n"
                + "1 malformed ring records skipped\n"
                + "2 events left in the rings when xdpdump gave up\n"
                + "4 drains that wrote events out of time order (a ring was more than half full)\n"
                + "9 events received but not written (count reached, output closed or given up)\n"
                + "1 write errors\n", BOOKS.toText(false));
    }

    @Test
    void verboseTextHasEveryCounterInStageOrderAndTheLostRecordsOfEachCpu() {
        assertEquals(""
                + "1134 events written\n"
                + "50 events lost in kernel rings\n"
                + "1200 connection requests matched by the program\n"
                + "5000 frames seen by the program\n"
                + "7 frames the program could not parse (cut short, or too many VLAN tags or IPv6 extension"
                + " headers)\n"
                + "0 connection requests left out by the filter expression\n"
                + "1146 events emitted by the program\n"
                + "3 events lost: no perf ring on their CPU\n"
                + "1 events lost: perf output failed otherwise\n"
                + "1146 events read from the rings\n"
                + "48 events reported lost by the rings (PERF_RECORD_LOST)\n"
                + "40 events reported lost by the ring of cpu 0\n"
                + "8 events reported lost by the ring of cpu 1\n"
                + "1 malformed ring records skipped\n"
                + "2 events left in the rings when xdpdump gave up\n"
                + "4 drains that wrote events out of time order (a ring was more than half full)\n"
                + "9 events received but not written (count reached, output closed or given up)\n"
                + "1 write errors\n", BOOKS.toText(true));
    }

    @Test
    void severalOutputsEachGetTheirWrittenLineAndTheirOwnProblems() {
        Summary two = new Summary(PROGRAM, READER, List.of(new Summary.Output("syns.pcap", "pcap", 1143, 0, 0),
                new Summary.Output("standard output", "json", 3, 1140, 1)));
        List<String> lines = two.toText(false).lines().toList();
        assertEquals(List.of("1143 events written to syns.pcap", "3 events written to standard output",
                "50 events lost in kernel rings", "1200 connection requests matched by the program"),
                lines.subList(0, 4));
        assertTrue(lines.contains("1140 events received but not written (count reached, output closed or given up):"
                + " standard output"), lines.toString());
        assertTrue(lines.contains("1 write errors: standard output"), lines.toString());
        assertEquals("stats: frames_seen=5000 unparsed=7 matched=1200 filtered=0 emitted=1146 lost=50 lost_no_ring=3"
                + " lost_other=1 read=1146 reported_lost=48 malformed=1 left_in_rings=2 order_given_up=4 written_pcap=1143"
                + " not_written_pcap=0 write_errors_pcap=0 written_json=3 not_written_json=1140 write_errors_json=1",
                two.toStatsLine());
        assertTrue(two.balances());
    }

    @Test
    void statsLineNamesEveryCounter() {
        assertEquals("stats: frames_seen=5000 unparsed=7 matched=1200 filtered=0 emitted=1146 lost=50 lost_no_ring=3"
                + " lost_other=1 read=1146 reported_lost=48 malformed=1 left_in_rings=2 order_given_up=4 written=1134 not_written=9"
                + " write_errors=1", BOOKS.toStatsLine());
    }

    @Test
    void kafkaBooksNameWhatWasNotDeliveredAndBalanceWithIt() {
        // 1143 reached both outputs: the file wrote them all; Kafka had 1100 acknowledged, 30 refused, 13 not.
        Summary books = new Summary(PROGRAM, READER, List.of(new Summary.Output("syns.pcap", "pcap", 1134, 9, 0),
                new Summary.Output("kafka topic t", "kafka", 1091, 9, 0, 30, 13)));
        assertTrue(books.balances(), "matched == written + refused + unacknowledged + the usual terms");
        assertEquals(" written_pcap=1134 not_written_pcap=9 write_errors_pcap=0 written_kafka=1091"
                + " not_written_kafka=9 write_errors_kafka=0 not_delivered_refused_kafka=30"
                + " not_delivered_unacked_kafka=13", books.toStatsLine().substring(books.toStatsLine()
                .indexOf(" written_pcap")));
        String text = books.toText(false);
        assertTrue(text.contains("30 events not delivered: refused by the Kafka client (buffer full or no broker):"
                + " kafka topic t\n"), text);
        assertTrue(text.contains("13 events not delivered: the broker did not acknowledge them: kafka topic t\n"),
                text);
        Summary oneShort = new Summary(PROGRAM, READER, List.of(
                new Summary.Output("kafka topic t", "kafka", 1091, 9, 0, 30, 12)));
        assertEquals(1, oneShort.unaccounted());
    }

    @Test
    void balancedBooksLeaveNothingUnaccounted() {
        assertEquals(0, BOOKS.unaccounted());
        assertTrue(BOOKS.balances());
        Summary missingOne = new Summary(new ProgramCounters(1, 1, 1, 0, 0, 0, 0),
                new Summary.Reader(1, 0, Map.of(), 0, 0), List.of(new Summary.Output("f", "pcap", 0, 0, 0)));
        assertEquals(1, missingOne.unaccounted());
        assertFalse(missingOne.balances());
    }

    @Test
    void everyEmitFailureAndLeftoverIsATermOfTheBooks() {
        Summary books = new Summary(new ProgramCounters(10, 10, 4, 1, 2, 3, 0),
                new Summary.Reader(3, 1, Map.of(), 0, 1), List.of(new Summary.Output("f", "pcap", 2, 1, 0)));
        assertEquals(0, books.unaccounted());
    }
}
