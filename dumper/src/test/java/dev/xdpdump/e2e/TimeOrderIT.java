package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.sys.Cpus;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Traffic from every CPU at once: by default the pcap and the JSON come out in timestamp order across CPUs, read back
 * with tcpdump and jq; with --unordered the books still balance. Expectations come from the SYNs sent.
 */
class TimeOrderIT {
    private static final String JQ = "/usr/bin/jq";
    private static final String TCPDUMP = "/usr/bin/tcpdump";
    private static final int SYNS_PER_CPU = 1500;
    private static final Duration SEND_LIMIT = Duration.ofSeconds(30);

    private record Run(long sent, Books books, Books jsonBooks, String stderr, List<BigDecimal> pcapTimes, List<String> jsonTimes) {}

    @Test
    void eventsFromEveryCpuComeOutInTimestampOrderAndEverySynIsThere(@TempDir Path directory) throws Exception {
        Run run = capture(directory, false);
        assertEverySynInBothOutputs(run);
        assertEquals(run.sent(), run.jsonTimes().size(), "json lines");
        assertEquals(0, inversions(run.pcapTimes(), Comparator.naturalOrder()), "pcap timestamps never go backwards");
        assertEquals(0, inversions(run.jsonTimes(), Comparator.naturalOrder()), "json ts never goes backwards");
    }

    @Test
    void unorderedKeepsTheBooks(@TempDir Path directory) throws Exception {
        Run run = capture(directory, true);
        assertEverySynInBothOutputs(run);
        // Inversions depend on how the drains fall; reported, not asserted.
        System.out.printf("unordered: %d SYNs, %d pcap inversions%n", run.sent(),
                inversions(run.pcapTimes(), Comparator.naturalOrder()));
    }

    /**
     * Rings of 8 KiB (about 25 events) under a burst from every CPU: a ring fills past half before the reader comes
     * back, so the merge gives up order rather than wait, says how often, and the books still balance (the kernel
     * counts what a full ring could not take as lost, nothing else is dropped).
     */
    @Test
    void aNearlyFullRingGivesUpOrderAndTheBooksStillBalance(@TempDir Path directory) throws Exception {
        Run run = capture(directory, false, "--ring-size", "8K", "-v");
        assertEquals(run.sent(), run.books().matched(), "the lab carries only our SYNs:\n" + run.stderr());
        assertTrue(run.books().balance(), run.stderr());
        assertTrue(run.jsonBooks().balance(), run.stderr());
        assertEquals(run.books().written(), run.pcapTimes().size(), "pcap records = written");
        Matcher gaveUp = Pattern.compile("(?m)^(\\d+) drains that wrote events out of time order").matcher(run.stderr());
        assertTrue(gaveUp.find(), "-v names the counter:\n" + run.stderr());
        long drains = Long.parseLong(gaveUp.group(1));
        assertTrue(drains > 0, "8 KiB rings under a burst gave up order at least once:\n" + run.stderr());
        System.out.printf("8K rings: %d SYNs, written %d, lost %d, order given up in %d drains, %d pcap inversions%n",
                run.sent(), run.books().written(), run.books().lost(), drains,
                inversions(run.pcapTimes(), Comparator.naturalOrder()));
    }

    /** Nothing is lost at these rates: every SYN sent is matched and written to both outputs, each balanced. */
    private static void assertEverySynInBothOutputs(Run run) {
        assertEquals(run.sent(), run.books().matched(), "the lab carries only our SYNs:\n" + run.stderr());
        assertEquals(run.sent(), run.books().written(), "every SYN sent is written:\n" + run.stderr());
        assertTrue(run.books().balance(), run.stderr());
        assertEquals(run.sent(), run.jsonBooks().written(), "every SYN sent is in the JSON:\n" + run.stderr());
        assertTrue(run.jsonBooks().balance(), run.stderr());
        assertEquals(run.sent(), run.pcapTimes().size(), "pcap records");
    }

    private static Run capture(Path directory, boolean unordered, String... extra) throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(JQ);
        Command.requireInstalled(TCPDUMP);
        int cpus = Cpus.possible();
        int[] each = new int[cpus];
        for (int cpu = 0; cpu < cpus; cpu++) {
            each[cpu] = cpu;
        }
        Path file = directory.resolve("syns.pcap");
        List<String> args = new ArrayList<>(List.of("--nano", "-w", file.toString(), "json"));
        if (unordered) {
            args.add(0, "--unordered");
        }
        args.addAll(0, List.of(extra));
        long sent;
        byte[] json;
        List<String> stderr;
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, args.toArray(String[]::new))) {
            try (SynBurst burst = SynBurst.startPinned(lab, each, (long) SYNS_PER_CPU * cpus, SEND_LIMIT)) {
                sent = burst.await(SEND_LIMIT.plusSeconds(5));
            }
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            json = xdpdump.stdout();
            stderr = xdpdump.stderrLines();
        }
        assertEquals((long) SYNS_PER_CPU * cpus, sent, "every attempt was made within the limit");
        Command.Result times = Command.run(Duration.ofSeconds(30), new byte[0], TCPDUMP, "-r", file.toString(),
                "-n", "-tt", "--time-stamp-precision=nano");
        assertEquals(0, times.exitCode(), times.describe());
        List<BigDecimal> pcapTimes = times.stdoutText().lines()
                .map(line -> new BigDecimal(line.substring(0, line.indexOf(' ')))).toList();
        Command.Result ts = Command.run(Duration.ofSeconds(30), json, JQ, "-r", ".ts");
        assertEquals(0, ts.exitCode(), ts.describe());
        // RFC 3339 with nine fraction digits, all UTC: string order is time order
        List<String> jsonTimes = ts.stdoutText().lines().toList();
        return new Run(sent, Books.ofOutput(stderr, file.toString()), Books.ofOutput(stderr, "standard output"),
                String.join("\n", stderr), pcapTimes, jsonTimes);
    }

    private static <T> int inversions(List<T> times, Comparator<T> order) {
        int inversions = 0;
        for (int i = 1; i < times.size(); i++) {
            if (order.compare(times.get(i), times.get(i - 1)) < 0) {
                inversions++;
            }
        }
        return inversions;
    }
}
