package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The books: every connection request the program matched is written or counted, at exit, in stats lines and JSON. */
class AccountingIT {
    private static final String JQ = "/usr/bin/jq";
    private static final int OVERLOAD_SYNS = 3000;
    private static final int SENDERS = 4;
    private static final Duration SEND_LIMIT = Duration.ofSeconds(20);
    private static final Duration PIPELINE_TIMEOUT = Duration.ofSeconds(40);
    private static final Pattern STATS_LINE = Pattern.compile("stats: frames_seen=\\d+ unparsed=\\d+ matched=\\d+"
            + " filtered=\\d+ emitted=\\d+ lost=\\d+ lost_no_ring=\\d+ lost_other=\\d+ read=\\d+ reported_lost=\\d+ malformed=\\d+"
            + " left_in_rings=\\d+ order_given_up=\\d+ written=\\d+ not_written=\\d+ write_errors=\\d+");

    @Test
    void overloadedPipelineLosesOnlyInTheKernelAndTheBooksBalanceAgainstWhatWasSent(@TempDir Path directory)
            throws Exception {
        Privileges.requireCaptureCapabilities();
        Path gate = directory.resolve("open");
        // The consumer reads nothing until the gate file appears (at most 30 s): the pipe fills, the hex sink blocks,
        // the Disruptor fills, the 8 KiB rings fill and the kernel counts what it cannot emit.
        String pipeline = String.join("\n",
                "\"$0\" -i \"$1\" -v --ring-size 8K hex | { for i in $(seq 300); do [ -e \"$2\" ] && break; sleep 0.1;"
                        + " done; cat >/dev/null; }",
                "echo \"pipestatus ${PIPESTATUS[0]} ${PIPESTATUS[1]}\" >&2");
        long sent;
        long unanswered;
        List<String> lines;
        try (VethLab lab = Lab.create();
             WatchedProcess shell = WatchedProcess.startIn(lab.captureNamespace(), "bash", "-c", pipeline,
                     Lab.launcher(), lab.captureInterface(), gate.toString())) {
            shell.awaitStderrLine("listening on ", Xdpdump.START_TIMEOUT);
            try (SynBurst burst = SynBurst.start(lab, SENDERS, OVERLOAD_SYNS, SEND_LIMIT)) {
                sent = burst.await(SEND_LIMIT.plusSeconds(5));
                unanswered = burst.unanswered();
            }
            long xdpdump = shell.descendantPid("/java");
            Command.Result interrupt = Command.run("kill", "-INT", Long.toString(xdpdump));
            assertEquals(0, interrupt.exitCode(), interrupt.describe());
            Files.createFile(gate);
            assertEquals(0, shell.awaitExit(PIPELINE_TIMEOUT), shell.stderrText());
            lines = shell.stderrLines();
        }
        String stderr = String.join("\n", lines);
        assertTrue(lines.contains("pipestatus 0 0"), "xdpdump and the consumer exit 0:\n" + stderr);
        Books books = Books.of(lines);
        System.out.printf("overload: sent=%d unanswered=%d matched=%d written=%d lost=%d reported_lost=%d"
                        + " not_written=%d malformed=%d%n", sent, unanswered, books.matched(), books.written(),
                books.lost(), books.reportedLost(), books.notWritten(), books.malformed());
        assertEquals(OVERLOAD_SYNS, sent, "every attempt was made within " + SEND_LIMIT.toSeconds() + " s");
        assertEquals(sent, books.matched(), "the lab carries only our SYNs:\n" + stderr);
        assertTrue(books.lost() > 0, "a stalled consumer behind 8 KiB rings must overflow them:\n" + stderr);
        assertTrue(books.balance(), "matched == written + lost + not written + malformed:\n" + stderr);
        assertEquals(books.matched(), books.emitted() + books.lost(), "the program: matched = emitted + lost");
        assertEquals(books.emitted(), books.read(), "the reader read every event the program emitted");
        assertTrue(books.reportedLost() <= books.lost(), "PERF_RECORD_LOST never reports more than emit failures");
        assertEquals(0, books.malformed(), stderr);
        assertEquals(0, books.writeErrors(), stderr);
    }

    @Test
    void statsPrintsTheCountersAsOneLineWhileCapturing() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create(); WatchedProcess xdpdump = Xdpdump.listening(lab, "json", "--stats", "1")) {
            Lab.attempt(lab, Lab.MIXED);
            String line = xdpdump.awaitStderrLine(l -> l.startsWith("stats: ") && l.contains(" matched=4 ")
                    && l.contains(" written=4 "), "a stats line with the 4 attempts written", Duration.ofSeconds(5));
            assertTrue(STATS_LINE.matcher(line).matches(), line);
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            assertTrue(xdpdump.stderrLines().contains("4 events written"), xdpdump.stderrText());
            assertEquals(4, xdpdump.stdoutText().lines().count(), "stats go to stderr only:\n" + xdpdump.stdoutText());
        }
    }

    @Test
    void jsonStatsEndsTheOutputWithOneStatsRecordAndLeavesEventsAsTheyWere() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(JQ);
        byte[] output;
        try (VethLab lab = Lab.create(); WatchedProcess xdpdump = Xdpdump.listening(lab, "json", "--json-stats")) {
            Lab.attempt(lab, Lab.MIXED);
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            output = xdpdump.stdout();
        }
        List<String> lines = new String(output).lines().toList();
        assertEquals(5, lines.size(), new String(output));
        assertFalse(lines.subList(0, 4).stream().anyMatch(line -> line.contains("\"type\"")), "events unchanged");
        Command.Result last = Command.run(Command.DEFAULT_TIMEOUT, lines.get(4).getBytes(), JQ, "-r",
                "[.type, .matched, .written, .lost, .not_written, .malformed, .write_errors,"
                        + " (.frames_seen | type), (.emitted == .read), (.reported_lost | type)] | @tsv");
        assertEquals(0, last.exitCode(), last.describe());
        assertEquals("stats\t4\t4\t0\t0\t0\t0\tnumber\ttrue\tnumber", last.stdoutText().strip(), lines.get(4));
    }
}
