package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How a capture stops, checked against what the test sent: a slow output is drained to the end, a stalled one is
 * given up on after 5 s, a second signal ends the drain, SIGHUP stops like SIGTERM, a failed write counts what reached
 * the file, a failed start leaves the file alone, and {@code -c} counts the rest as not written. Each test prints
 * its books as one line.
 */
class StopBooksIT {
    private static final String PYTHON = "/usr/bin/python3";
    private static final int SENDERS = 4;
    private static final Duration SEND_LIMIT = Duration.ofSeconds(30);
    /** Longest a drain into the slow consumers may take: 20 000 JSON lines at about 800 KB/s, with a margin. */
    private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration GIVE_UP_TIMEOUT = Duration.ofSeconds(10);
    /** xdpdump's own line on giving up; the summary's "left in the rings when xdpdump gave up" is not one. */
    private static final Predicate<String> GAVE_UP = line -> line.startsWith("xdpdump: ") && line.contains("gave up");
    private static final Pattern CONSUMER_LINES = Pattern.compile("consumer lines (\\d+)");
    /**
     * Reads standard input CHUNK bytes at a time with a PAUSE in seconds after each read, after waiting (60 s at
     * most) for the file GATE unless it is "-"; at end of input prints how many complete lines it read.
     */
    private static final String PACED_READER = String.join("\n",
            "import os, sys, time",
            "chunk, pause, gate = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]",
            "deadline = time.monotonic() + 60",
            "while gate != '-' and not os.path.exists(gate) and time.monotonic() < deadline:",
            "    time.sleep(0.1)",
            "lines = 0",
            "while True:",
            "    data = os.read(0, chunk)",
            "    if not data:",
            "        break",
            "    lines += data.count(b'\\n')",
            "    if pause:",
            "        time.sleep(pause)",
            "print('consumer lines', lines, file=sys.stderr)");

    @Test
    void slowConsumerIsDrainedCompletelyAfterSigint() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(PYTHON);
        int syns = 20_000;
        Stopped run;
        try (VethLab lab = Lab.create();
             WatchedProcess shell = Xdpdump.piped(lab, pacedReader(8192, 0.01, null), "json")) {
            long started = System.nanoTime();
            long sent = send(lab, syns);
            long xdpdump = shell.descendantPid("/java");
            long signalled = System.nanoTime();
            WatchedProcess.signal(xdpdump, "-INT");
            assertTrue(WatchedProcess.awaitGone(xdpdump, DRAIN_TIMEOUT), "xdpdump still drains "
                    + DRAIN_TIMEOUT.toSeconds() + " s after SIGINT:\n" + shell.stderrText());
            long drainMillis = (System.nanoTime() - signalled) / 1_000_000;
            shell.awaitExit(DRAIN_TIMEOUT);
            run = new Stopped(sent, shell.stderrLines());
            System.out.printf("slow consumer: sent=%d send_ms=%d drain_ms=%d consumer_lines=%d %s%n", sent,
                    (signalled - started) / 1_000_000, drainMillis, run.consumerLines(), run.books());
        }
        assertEquals(syns, run.sent(), "every attempt was made within " + SEND_LIMIT.toSeconds() + " s");
        run.assertPipeStatus(0, 0);
        run.assertMatchedEverySynAndBalances();
        assertFalse(run.lines().stream().anyMatch(GAVE_UP), "an output that keeps taking data is never given up on:\n"
                + run.text());
        assertEquals(0, run.books().leftInRings(), run.text());
        assertEquals(0, run.books().notWritten(), run.text());
        assertEquals(syns, run.books().written(), "every SYN sent is written:\n" + run.text());
        assertEquals(run.books().written(), run.consumerLines(), "the consumer read every line written");
    }

    @Test
    void stalledConsumerIsGivenUpOnAndTheBooksBalance(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(PYTHON);
        Path gate = directory.resolve("open");
        Stopped run;
        try (VethLab lab = Lab.create();
             WatchedProcess shell = Xdpdump.piped(lab, pacedReader(65536, 0, gate), "--ring-size", "8K", "json")) {
            long sent = send(lab, 3000);
            long xdpdump = shell.descendantPid("/java");
            long signalled = System.nanoTime();
            WatchedProcess.signal(xdpdump, "-INT");
            shell.awaitStderrLine(GAVE_UP, "a line saying xdpdump gave up",
                    GIVE_UP_TIMEOUT);
            long giveUpMillis = (System.nanoTime() - signalled) / 1_000_000;
            assertTrue(WatchedProcess.awaitGone(xdpdump, Xdpdump.STOP_TIMEOUT), "xdpdump ended after giving up:\n"
                    + shell.stderrText());
            Files.createFile(gate); // only now: whatever the consumer reads came before xdpdump ended
            shell.awaitExit(DRAIN_TIMEOUT);
            run = new Stopped(sent, shell.stderrLines());
            System.out.printf("stalled consumer: sent=%d gave_up_ms=%d consumer_lines=%d %s%n", sent, giveUpMillis,
                    run.consumerLines(), run.books());
        }
        assertEquals(3000, run.sent(), "every attempt was made within " + SEND_LIMIT.toSeconds() + " s");
        run.assertPipeStatus(0, 0);
        run.assertMatchedEverySynAndBalances();
        assertEquals(1, run.lines().stream().filter(GAVE_UP).count(), run.text());
        assertTrue(run.books().leftInRings() + run.books().notWritten() > 0, "what the stalled output did not take"
                + " is counted:\n" + run.text());
        assertTrue(run.consumerLines() >= run.books().written(), "the pipe holds every line counted as written");
    }

    @Test
    void secondSigintEndsADrainPromptly() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(PYTHON);
        Stopped run;
        try (VethLab lab = Lab.create();
             WatchedProcess shell = Xdpdump.piped(lab, pacedReader(8192, 0.08, null), "json")) {
            long sent = send(lab, 20_000);
            long xdpdump = shell.descendantPid("/java");
            WatchedProcess.signal(xdpdump, "-INT");
            assertFalse(WatchedProcess.awaitGone(xdpdump, Duration.ofSeconds(1)),
                    "at about 100 KB/s the drain takes far longer than 1 s:\n" + shell.stderrText());
            long second = System.nanoTime();
            WatchedProcess.signal(xdpdump, "-INT");
            boolean gone = WatchedProcess.awaitGone(xdpdump, Duration.ofSeconds(3));
            long endMillis = (System.nanoTime() - second) / 1_000_000;
            assertTrue(gone, "xdpdump still runs 3 s after the second SIGINT:\n" + shell.stderrText());
            shell.awaitExit(DRAIN_TIMEOUT);
            run = new Stopped(sent, shell.stderrLines());
            System.out.printf("second sigint: sent=%d ended_ms_after_second=%d consumer_lines=%d %s%n", sent,
                    endMillis, run.consumerLines(), run.books());
        }
        assertEquals(20_000, run.sent(), "every attempt was made within " + SEND_LIMIT.toSeconds() + " s");
        run.assertMatchedEverySynAndBalances();
        assertTrue(run.lines().stream().anyMatch(line -> line.matches("(?i).*second (signal|sigint).*")),
                "a line says xdpdump stopped at the second signal:\n" + run.text());
        assertTrue(run.books().leftInRings() + run.books().notWritten() > 0, "the drain was cut short:\n"
                + run.text());
        assertTrue(run.consumerLines() >= run.books().written(), "the pipe holds every line counted as written");
    }

    @Test
    void sighupDrainsAndPrintsTheBooks(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(Tcpdump.PATH);
        Path file = directory.resolve("hup.pcap");
        Stopped run;
        int status;
        try (VethLab lab = Lab.create(); WatchedProcess xdpdump = Xdpdump.listening(lab, "-w", file.toString())) {
            String listening = xdpdump.awaitStderrLine("listening on ", Xdpdump.START_TIMEOUT);
            assertTrue(listening.contains(", tc ingress)"), "auto is tc ingress on veth: " + listening);
            long sent = send(lab, 2000);
            xdpdump.hangup();
            status = xdpdump.awaitExit(Xdpdump.STOP_TIMEOUT);
            run = new Stopped(sent, xdpdump.stderrLines());
        }
        long records = Tcpdump.records(file);
        System.out.printf("sighup: sent=%d status=%d tcpdump_records=%d %s%n", run.sent(), status, records,
                run.books());
        assertEquals(0, status, run.text());
        assertEquals(2000, run.sent());
        run.assertMatchedEverySynAndBalances();
        assertEquals(run.sent(), run.books().written(), run.text());
        assertEquals(run.books().written(), records, "the pcap holds what the summary says was written");
    }

    @Test
    void spilledWriteFailureCountsWhatReachedTheFile(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(Tcpdump.PATH);
        // 1 MiB holds about 11 650 pcap records of 74-byte SYNs (16 + 74 bytes each): 14 000 overflow it.
        int syns = 14_000;
        Path disk = Files.createDirectory(directory.resolve("disk"));
        Command.Result mount = Command.run("mount", "-t", "tmpfs", "-o", "size=1m,mode=0700", "xdpdump-spill",
                disk.toString());
        assertEquals(0, mount.exitCode(), mount.describe());
        Path kept = directory.resolve("kept.pcap");
        Stopped run;
        int status;
        try {
            Path file = disk.resolve("spill.pcap");
            try (VethLab lab = Lab.create(); WatchedProcess xdpdump = Xdpdump.listening(lab, "-w", file.toString())) {
                // Stopped, xdpdump reads nothing while the program fills its 16 MiB rings with every SYN; resumed,
                // its reader hands the sink far more than 256 KiB at once, so the sink spills before the disk fills.
                WatchedProcess.signal(xdpdump.pid(), "-STOP");
                long sent;
                try {
                    sent = send(lab, syns);
                } finally {
                    WatchedProcess.signal(xdpdump.pid(), "-CONT");
                }
                status = xdpdump.awaitExit(Xdpdump.STOP_TIMEOUT);
                run = new Stopped(sent, xdpdump.stderrLines());
            }
            Files.copy(file, kept);
        } finally {
            Command.Result umount = Command.run("umount", disk.toString());
            assertEquals(0, umount.exitCode(), umount.describe());
        }
        long records = Tcpdump.records(kept);
        System.out.printf("spilled write failure: sent=%d status=%d file=%d bytes tcpdump_records=%d %s%n",
                run.sent(), status, Files.size(kept), records, run.books());
        assertEquals(1, status, run.text());
        assertEquals(syns, run.sent());
        List<String> messages = run.lines().stream().filter(line -> line.startsWith("xdpdump: ")).toList();
        assertEquals(1, messages.size(), run.text());
        assertTrue(messages.get(0).startsWith("xdpdump: writing ") && messages.get(0).contains(" failed"),
                messages.get(0));
        assertEquals(1, run.books().writeErrors(), run.text());
        run.assertMatchedEverySynAndBalances();
        assertTrue(run.books().notWritten() > 0, "the disk cannot hold every SYN:\n" + run.text());
        assertEquals(records, run.books().written(), "written counts every record that reached the file");
    }

    @Test
    void failedStartLeavesAnExistingFileUntouched(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        Path file = directory.resolve("precious.pcap");
        byte[] before = "not a capture: these bytes must survive a refused start\n".getBytes(StandardCharsets.UTF_8);
        Files.write(file, before);
        Command.Result busy;
        Command.Result unknown;
        try (VethLab lab = Lab.create(); WatchedProcess first = Xdpdump.listening(lab, "json")) {
            busy = Xdpdump.run(lab.captureNamespace(), "-i", lab.captureInterface(), "-w", file.toString());
            assertArrayEquals(before, Files.readAllBytes(file), "a start refused as busy left the file alone:\n"
                    + busy.describe());
            unknown = Xdpdump.run(lab.captureNamespace(), "-i", "nosuchif0", "-w", file.toString());
            assertArrayEquals(before, Files.readAllBytes(file), "an unknown interface left the file alone:\n"
                    + unknown.describe());
            assertTrue(first.isAlive(), "the first capture goes on:\n" + first.stderrText());
        }
        System.out.printf("failed start: busy status=%d %s | unknown status=%d %s | file unchanged%n",
                busy.exitCode(), busy.stderrLines(), unknown.exitCode(), unknown.stderrLines());
        assertEquals(1, busy.exitCode(), busy.describe());
        assertEquals(1, busy.stderrLines().size(), busy.describe());
        assertEquals(1, unknown.exitCode(), unknown.describe());
        assertEquals(1, unknown.stderrLines().size(), unknown.describe());
    }

    @Test
    void countStopBalances(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(Tcpdump.PATH);
        Path file = directory.resolve("count.pcap");
        Stopped run;
        int status;
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "-v", "-c", "100", "-w", file.toString());
             SynBurst burst = SynBurst.start(lab, SENDERS, 2000, SEND_LIMIT)) {
            status = xdpdump.awaitExit(Xdpdump.STOP_TIMEOUT); // by itself, while the SYNs still come
            run = new Stopped(burst.await(SEND_LIMIT.plusSeconds(5)), xdpdump.stderrLines());
        }
        long records = Tcpdump.records(file);
        Books books = run.books();
        System.out.printf("count: sent=%d status=%d tcpdump_records=%d %s%n", run.sent(), status, records, books);
        assertEquals(0, status, run.text());
        assertEquals(2000, run.sent());
        assertEquals(100, books.written(), run.text());
        assertEquals(100, records, "the pcap holds the 100 records written");
        assertTrue(books.balance(), run.text());
        // Attached only until the 100th event was written: some SYNs came after the detach, none was lost.
        assertTrue(books.matched() >= 100 && books.matched() <= run.sent(), run.text());
        assertEquals(0, books.lost() + books.lostNoRing() + books.lostOther() + books.malformed(), run.text());
        // -c is a normal stop: the reader drains every event the program emitted, and all but the 100 written are
        // received and not written.
        assertEquals(0, books.leftInRings(), run.text());
        assertEquals(books.emitted(), books.read(), run.text());
        assertEquals(books.matched(), books.read(), run.text());
        assertEquals(books.read() - 100, books.notWritten(), run.text());
    }

    /** Makes {@code count} connection attempts with {@link #SENDERS} threads and returns how many SYNs were sent. */
    private static long send(VethLab lab, int count) throws Exception {
        try (SynBurst burst = SynBurst.start(lab, SENDERS, count, SEND_LIMIT)) {
            return burst.await(SEND_LIMIT.plusSeconds(5));
        }
    }

    /** The {@link #PACED_READER} as a command: {@code chunk} bytes per read, {@code pause} s after each read. */
    private static List<String> pacedReader(int chunk, double pause, Path gate) {
        return List.of(PYTHON, "-c", PACED_READER, Integer.toString(chunk), Double.toString(pause),
                gate == null ? "-" : gate.toString());
    }

    /** What one stopped capture left: the SYNs the test sent and the stderr of xdpdump (or of its pipeline). */
    private record Stopped(long sent, List<String> lines) {
        Books books() {
            return Books.of(lines);
        }

        String text() {
            return String.join("\n", lines);
        }

        /** The complete lines the paced reader counted. */
        long consumerLines() {
            for (String line : lines) {
                Matcher m = CONSUMER_LINES.matcher(line);
                if (m.matches()) {
                    return Long.parseLong(m.group(1));
                }
            }
            throw new AssertionError("the consumer printed no line count:\n" + text());
        }

        void assertPipeStatus(int xdpdump, int consumer) {
            assertTrue(lines.contains("pipestatus " + xdpdump + " " + consumer), "xdpdump exits " + xdpdump
                    + ", the consumer " + consumer + ":\n" + text());
        }

        /** The lab carries only our SYNs, so the program matched each one, and the books account for each. */
        void assertMatchedEverySynAndBalances() {
            assertEquals(sent, books().matched(), "matched == SYNs sent:\n" + text());
            assertTrue(books().balance(), "matched == written + lost + lost (no ring) + lost (other) + not written"
                    + " + left in rings + malformed:\n" + text());
        }
    }
}
