package dev.xdpdump.e2e;

import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One capture, a file and a view on standard output at once: the same events in both, and each output its own
 * failure domain with its own books.
 */
class MultipleOutputsIT {
    private static final Pattern JSON_SPORT = Pattern.compile("\"sport\":(\\d+),");
    private static final Pattern TCPDUMP_SPORT = Pattern.compile(" IP6? [0-9a-f.:]+\\.(\\d+) > ");
    private static final Duration SEND_LIMIT = Duration.ofSeconds(20);

    @Test
    void fileAndJsonOnStandardOutputHoldTheSameEventsInTheSameOrder(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(Tcpdump.PATH);
        Path file = directory.resolve("syns.pcap");
        List<String> stderr;
        List<String> json;
        try (var lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "-w", file.toString(), "json")) {
            Lab.attempt(lab, Lab.MIXED);
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            stderr = xdpdump.stderrLines();
            json = xdpdump.stdoutText().lines().toList();
        }
        List<Integer> sent = Lab.MIXED.stream().map(Lab.Attempt::sourcePort).sorted().toList();
        List<Integer> inJson = ports(json, JSON_SPORT);
        assertEquals(sent, inJson.stream().sorted().toList(), "one JSON line per attempt");
        Command.Result read = Command.run(Tcpdump.PATH, "-nn", "-r", file.toString());
        assertEquals(0, read.exitCode(), read.describe());
        // Events from two CPUs come out in drain order, but both outputs see that one order.
        assertEquals(inJson, ports(read.stdoutText().lines().toList(), TCPDUMP_SPORT), "the file, read by tcpdump");
        assertEquals(4, written(stderr, file.toString()), String.join("\n", stderr));
        assertEquals(4, written(stderr, "standard output"), String.join("\n", stderr));
        assertEquals(List.of(4L + " events written to " + file, "4 events written to standard output",
                "0 events lost in kernel rings", "4 connection requests matched by the program"),
                stderr.subList(stderr.size() - 4, stderr.size()), "a clean run: the fixed lines and nothing else");
    }

    @Test
    void closedPipeEndsThatOutputWhileTheFileGetsEverySyn(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(Tcpdump.PATH);
        Path file = directory.resolve("syns.pcap");
        long sent;
        List<String> stderr;
        String piped;
        try (var lab = Lab.create();
             WatchedProcess shell = Xdpdump.piped(lab, List.of("head", "-n", "3"), "-v", "-w", file.toString(),
                     "json")) {
            try (SynBurst burst = SynBurst.start(lab, 4, 600, SEND_LIMIT)) {
                sent = burst.await(SEND_LIMIT.plusSeconds(5));
            }
            long xdpdump = shell.descendantPid("/java");
            WatchedProcess.signal(xdpdump, "-INT");
            assertEquals(0, shell.awaitExit(Xdpdump.STOP_TIMEOUT), shell.stderrText());
            stderr = shell.stderrLines();
            piped = shell.stdoutText();
        }
        String text = String.join("\n", stderr);
        assertTrue(stderr.contains("pipestatus 0 0"), "xdpdump and head exit 0 at the end:\n" + text);
        assertEquals(3, piped.lines().count(), piped);
        assertEquals(sent, Tcpdump.records(file), "the file went on after head left:\n" + text);
        assertEquals(sent, written(stderr, file.toString()), text);
        long toPipe = written(stderr, "standard output");
        assertTrue(toPipe >= 3 && toPipe < sent, "the pipe took its lines, then closed:\n" + text);
        long matched = counter(stderr, "connection requests matched by the program");
        assertEquals(sent, matched, "the lab carries only our SYNs:\n" + text);
        assertEquals(matched - toPipe, counter(stderr, "events received but not written (count reached, output"
                + " closed or given up): standard output"), "the pipe's books balance:\n" + text);
        assertEquals(0, counter(stderr, "events received but not written (count reached, output closed or given"
                + " up): " + file), "the file's books balance:\n" + text);
    }

    private static List<Integer> ports(List<String> lines, Pattern port) {
        return lines.stream().map(port::matcher).filter(Matcher::find).map(m -> Integer.parseInt(m.group(1)))
                .toList();
    }

    private static long written(List<String> stderr, String output) {
        return counter(stderr, "events written to " + output);
    }

    private static long counter(List<String> stderr, String words) {
        for (String line : stderr) {
            if (line.endsWith(" " + words) && line.substring(0, line.indexOf(' ')).chars().allMatch(Character::isDigit)) {
                return Long.parseLong(line.substring(0, line.indexOf(' ')));
            }
        }
        throw new AssertionError("no line '<N> " + words + "':\n" + String.join("\n", stderr));
    }
}
