package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The ways a capture ends besides SIGINT: -c, SIGTERM and a reader that goes away exit 0 with a summary; an interface
 * deleted or set down exits 1 with one line, and the output stays whole.
 */
class StoppingIT {
    private static final String TCPDUMP = "/usr/bin/tcpdump";
    private static final Duration PIPELINE_TIMEOUT = Duration.ofSeconds(15);
    private static final int MAX_PIPE_ATTEMPTS = 10;

    @Test
    void countExitsByItselfAfterThatManyEvents() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create(); WatchedProcess xdpdump = Xdpdump.listening(lab, "json", "-c", "2")) {
            Lab.attempt(lab, Lab.MIXED);
            assertEquals(0, xdpdump.awaitExit(Xdpdump.STOP_TIMEOUT), xdpdump.stderrText());
            assertEquals(2, xdpdump.stdoutText().lines().count(), xdpdump.stdoutText());
            assertTrue(xdpdump.stderrLines().contains("2 events written"), xdpdump.stderrText());
            assertFalse(xdpdump.stderrText().contains("Exception"), xdpdump.stderrText());
        }
    }

    @Test
    void sigtermStopsLikeSigintAndWritesWhatCame() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create(); WatchedProcess xdpdump = Xdpdump.listening(lab, "json")) {
            Lab.attempt(lab, Lab.MIXED.subList(0, 1));
            xdpdump.terminate();
            assertEquals(0, xdpdump.awaitExit(Xdpdump.STOP_TIMEOUT), xdpdump.stderrText());
            assertEquals(1, xdpdump.stdoutText().lines().count(), xdpdump.stdoutText());
            assertTrue(xdpdump.stderrLines().contains("1 events written"), xdpdump.stderrText());
        }
    }

    @Test
    void removedInterfaceEndsTheCaptureWithOneLineAndStatusOne() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create(); WatchedProcess xdpdump = Xdpdump.listening(lab, "json")) {
            Lab.attempt(lab, Lab.MIXED.subList(0, 1));
            lab.ip("-n", lab.captureNamespace(), "link", "del", lab.captureInterface());
            assertEquals(1, xdpdump.awaitExit(Xdpdump.STOP_TIMEOUT), xdpdump.stderrText());
            List<String> lines = xdpdump.stderrLines();
            assertTrue(lines.contains("1 events written"), xdpdump.stderrText());
            assertEquals(1, lines.stream().filter(line -> line.startsWith("xdpdump: ")).count(), xdpdump.stderrText());
            assertTrue(lines.stream().anyMatch(line -> line.startsWith("xdpdump: ")
                    && line.contains(lab.captureInterface()) && line.contains("went away")), xdpdump.stderrText());
            assertFalse(xdpdump.stderrText().contains("Exception"), xdpdump.stderrText());
            assertEquals(1, xdpdump.stdoutText().lines().count(), xdpdump.stdoutText());
        }
    }

    @Test
    void interfaceSetDownEndsTheCaptureWithOneLineAValidPcapAndStatusOne(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(TCPDUMP);
        Path file = directory.resolve("down.pcap");
        try (VethLab lab = Lab.create(); WatchedProcess xdpdump = Xdpdump.listening(lab, "-w", file.toString())) {
            Lab.attempt(lab, Lab.MIXED.subList(0, 2));
            lab.ip("-n", lab.captureNamespace(), "link", "set", lab.captureInterface(), "down");
            assertEquals(1, xdpdump.awaitExit(Xdpdump.STOP_TIMEOUT), xdpdump.stderrText());
            List<String> lines = xdpdump.stderrLines();
            assertTrue(lines.contains("2 events written"), xdpdump.stderrText());
            List<String> messages = lines.stream().filter(line -> line.startsWith("xdpdump: ")).toList();
            assertEquals(1, messages.size(), xdpdump.stderrText());
            assertTrue(messages.get(0).contains(lab.captureInterface()) && messages.get(0).contains("went down"),
                    messages.get(0));
            assertFalse(xdpdump.stderrText().contains("Exception"), xdpdump.stderrText());
        }
        Command.Result read = Command.run(TCPDUMP, "-nn", "-r", file.toString());
        assertEquals(0, read.exitCode(), read.describe());
        assertEquals(2, read.stdoutText().lines().count(), read.stdoutText());
    }

    @Test
    void interfaceThatIsDownIsRefusedBeforeAttaching() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create()) {
            lab.ip("-n", lab.captureNamespace(), "link", "set", lab.captureInterface(), "down");
            Command.Result refused = Xdpdump.run(lab.captureNamespace(), "-i", lab.captureInterface(), "json");
            assertEquals(1, refused.exitCode(), refused.describe());
            assertEquals(List.of("xdpdump: interface " + lab.captureInterface() + " is down; bring it up first (ip link"
                    + " set " + lab.captureInterface() + " up)"), refused.stderrLines());
            assertEquals(-1, Lab.attachedProgramId(lab), Lab.linkDetails(lab));
        }
    }

    @Test
    void closedPipeEndsTheCaptureWithStatusZeroAndASummary() throws Exception {
        Privileges.requireCaptureCapabilities();
        // $0 is the launcher and $1 the interface, so no word is ever parsed by the shell.
        String pipeline = "\"$0\" -i \"$1\" json | head -n 1; echo \"pipestatus ${PIPESTATUS[0]} ${PIPESTATUS[1]}\" >&2";
        try (VethLab lab = Lab.create();
             WatchedProcess shell = WatchedProcess.startIn(lab.captureNamespace(), "bash", "-c", pipeline,
                     Lab.launcher(), lab.captureInterface())) {
            shell.awaitStderrLine("listening on ", Xdpdump.START_TIMEOUT);
            long deadline = System.nanoTime() + PIPELINE_TIMEOUT.toNanos();
            // head leaves after the first line; xdpdump learns it on its next write, so keep the events coming.
            for (int i = 0; i < MAX_PIPE_ATTEMPTS && shell.isAlive() && System.nanoTime() < deadline; i++) {
                Lab.attempt(lab, List.of(new Lab.Attempt(VethLab.CAPTURE_V4, 80, 40001 + i)));
                shell.waitFor(Duration.ofMillis(300));
            }
            assertEquals(0, shell.awaitExit(Duration.ofNanos(Math.max(1, deadline - System.nanoTime()))),
                    shell.stderrText());
            String stderr = shell.stderrText();
            assertTrue(shell.stderrLines().contains("pipestatus 0 0"), "xdpdump and head exit 0:\n" + stderr);
            assertTrue(stderr.lines().anyMatch(line -> line.matches("\\d+ events written")), "summary:\n" + stderr);
            assertFalse(stderr.contains("Exception"), stderr);
            List<String> lines = shell.stdoutText().lines().toList();
            assertEquals(1, lines.size(), shell.stdoutText());
            assertTrue(lines.get(0).startsWith("{\"ts\":\"") && lines.get(0).contains("\"sport\":40001,"), lines.get(0));
        }
    }

    @Test
    void closedPipeEndsAnIdleCaptureWithoutWaitingForAnotherEvent() throws Exception {
        Privileges.requireCaptureCapabilities();
        String pipeline = "\"$0\" -i \"$1\" json | head -n 1; echo \"pipestatus ${PIPESTATUS[0]} ${PIPESTATUS[1]}\" >&2";
        try (VethLab lab = Lab.create();
             WatchedProcess shell = WatchedProcess.startIn(lab.captureNamespace(), "bash", "-c", pipeline,
                     Lab.launcher(), lab.captureInterface())) {
            shell.awaitStderrLine("listening on ", Xdpdump.START_TIMEOUT);
            // One event only: head takes it and leaves; nothing more is written that could fail with EPIPE.
            Lab.attempt(lab, List.of(new Lab.Attempt(VethLab.CAPTURE_V4, 80, 40001)));
            assertEquals(0, shell.awaitExit(PIPELINE_TIMEOUT), shell.stderrText());
            String stderr = shell.stderrText();
            assertTrue(shell.stderrLines().contains("pipestatus 0 0"), "xdpdump and head exit 0:\n" + stderr);
            assertTrue(shell.stderrLines().contains("1 events written"), "summary:\n" + stderr);
            assertEquals(1, shell.stdoutText().lines().count(), shell.stdoutText());
        }
    }

    @Test
    void sigintStopsACaptureThatAScriptStartedInTheBackground() throws Exception {
        Privileges.requireCaptureCapabilities();
        // Shells start background jobs with SIGINT ignored; the JVM keeps such a signal ignored unless undone.
        String script = String.join("\n",
                "\"$0\" -i \"$1\" json >/dev/null 2>\"$2\" &",
                "p=$!",
                "for i in $(seq 150); do grep -q 'listening on' \"$2\" && break; sleep 0.1; done",
                "kill -INT $p",
                "for i in $(seq 100); do kill -0 $p 2>/dev/null || break; sleep 0.1; done",
                "if kill -0 $p 2>/dev/null; then kill -KILL $p; echo 'still running after SIGINT'; exit 1; fi",
                "wait $p; echo \"status $?\"");
        Path stderr = Files.createTempFile("xdpdump-bg", ".err");
        try (VethLab lab = Lab.create();
             WatchedProcess shell = WatchedProcess.startIn(lab.captureNamespace(), "bash", "-c", script,
                     Lab.launcher(), lab.captureInterface(), stderr.toString())) {
            assertEquals(0, shell.awaitExit(Duration.ofSeconds(40)), shell.stdoutText());
            assertTrue(shell.stdoutText().contains("status 0"), shell.stdoutText());
            assertTrue(Files.readString(stderr).contains("0 events written"), Files.readString(stderr));
        } finally {
            Files.deleteIfExists(stderr);
        }
    }

    @Test
    void sigintEndsACaptureWhoseOutputNobodyReads(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        Path gate = directory.resolve("open");
        // The consumer reads nothing until the gate opens, which happens only after xdpdump is gone: the sink blocks
        // in a write, the Disruptor fills and the reader blocks. SIGINT must still end xdpdump.
        String pipeline = "\"$0\" -i \"$1\" --ring-size 8K hex | { for i in $(seq 600); do [ -e \"$2\" ] && break;"
                + " sleep 0.1; done; cat >/dev/null; }";
        try (VethLab lab = Lab.create();
             WatchedProcess shell = WatchedProcess.startIn(lab.captureNamespace(), "bash", "-c", pipeline,
                     Lab.launcher(), lab.captureInterface(), gate.toString())) {
            shell.awaitStderrLine("listening on ", Xdpdump.START_TIMEOUT);
            try (SynBurst burst = SynBurst.start(lab, 4, 3000, Duration.ofSeconds(20))) {
                burst.await(Duration.ofSeconds(25));
            }
            long xdpdump = shell.descendantPid("/java");
            assertEquals(0, Command.run("kill", "-INT", Long.toString(xdpdump)).exitCode());
            shell.awaitStderrLine(line -> line.matches("\\d+ events written"), "the summary", Duration.ofSeconds(20));
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (Files.exists(Path.of("/proc/" + xdpdump)) && System.nanoTime() < deadline) {
                shell.waitFor(Duration.ofMillis(100));
            }
            assertFalse(Files.exists(Path.of("/proc/" + xdpdump)), "xdpdump ended while its output was stalled");
            assertTrue(shell.stderrText().contains("took no data for 5 s; gave up"), shell.stderrText());
            Books books = Books.of(shell.stderrLines());
            assertTrue(books.notWritten() + books.leftInRings() > 0, shell.stderrText());
            assertTrue(books.balance(), shell.stderrText());
            Files.createFile(gate);
            shell.awaitExit(Duration.ofSeconds(15));
        }
    }
}
