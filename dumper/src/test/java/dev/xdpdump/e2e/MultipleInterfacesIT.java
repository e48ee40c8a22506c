package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One run on two interfaces of one namespace (the lab's first veth pair and one more, each with its own sender): every
 * event names the interface its SYN came in on, in JSON and in pcapng, and each interface has its own books in the
 * summary, the stats lines, the JSON stats record and the pcapng statistics blocks. A busy interface refuses the whole
 * start; one that goes down or away mid-capture is detached while the other goes on, and the last one ends the run.
 */
class MultipleInterfacesIT {
    private static final String TSHARK = "/usr/bin/tshark";
    private static final String CAPINFOS = "/usr/bin/capinfos";
    private static final String JQ = "/usr/bin/jq";
    /** Only events, never the stats record: interface, source port, destination port. */
    private static final String JQ_EVENTS = "select(.type == null) | [.iface, .sport, .dport] | @tsv";
    private static final Duration LINE_TIMEOUT = Duration.ofSeconds(5);
    private static final int FIRST_SYNS = 7;
    private static final int SECOND_SYNS = 4;
    private static final int OVERLOAD_FIRST = 2000;
    private static final int OVERLOAD_SECOND = 1500;
    private static final Duration OVERLOAD_LIMIT = Duration.ofSeconds(20);
    private static final int MAX_DETACH_CHECKS = 60;
    private static final int DETACH_CHECK_MILLIS = 50;

    /** One connection attempt, to a closed port of a capture end: one SYN in on {@code iface}, refused. */
    private record Attempt(String iface, String senderNamespace, String address, int port, int sourcePort) {}

    /** A capture interface with the sender namespace behind it and the capture end's addresses. */
    private record Side(String iface, String senderNamespace, String v4, String v6) {
        static Side first(VethLab lab) {
            return new Side(lab.captureInterface(), lab.senderNamespace(), VethLab.CAPTURE_V4, VethLab.CAPTURE_V6);
        }

        static Side of(VethLab.Pair pair) {
            return new Side(pair.captureInterface(), pair.senderNamespace(), pair.captureV4(), pair.captureV6());
        }

        /** {@code count} attempts to {@code port} from source ports {@code firstSourcePort} on; every third IPv6. */
        List<Attempt> attempts(int count, int port, int firstSourcePort) {
            List<Attempt> attempts = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                attempts.add(new Attempt(iface, senderNamespace, i % 3 == 2 ? v6 : v4, port, firstSourcePort + i));
            }
            return attempts;
        }
    }

    @Test
    void eachEventNamesItsInterfaceInJsonAndPcapngAndEachInterfaceHasItsOwnStatisticsBlock(@TempDir Path directory)
            throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(JQ);
        Command.requireInstalled(TSHARK);
        Command.requireInstalled(CAPINFOS);
        Command.requireInstalled(Tcpdump.PATH);
        Path file = directory.resolve("two.pcapng");
        List<String> stderr;
        byte[] json;
        List<Attempt> sent;
        String if1;
        String if2;
        Map<String, Integer> ifindexes;
        try (VethLab lab = Lab.create()) {
            Side first = Side.first(lab);
            Side second = Side.of(lab.addPair());
            if1 = first.iface();
            if2 = second.iface();
            ifindexes = Map.of(if1, Lab.ifindex(lab, if1), if2, Lab.ifindex(lab, if2));
            sent = interleave(first.attempts(FIRST_SYNS, 80, 41000), second.attempts(SECOND_SYNS, 443, 42000));
            try (WatchedProcess xdpdump = Xdpdump.listeningIn(lab.captureNamespace(), "-i", if1 + "," + if2, "-v",
                    "-w", file.toString(), "json")) {
                send(lab, sent);
                assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
                stderr = xdpdump.stderrLines();
                json = xdpdump.stdout();
            }
        }
        String text = String.join("\n", stderr);
        Map<String, List<Integer>> expected = sourcePortsByInterface(sent);
        assertEquals(expected, sourcePortsByInterfaceIn(jq(json, JQ_EVENTS)), "JSON: each event's iface is the"
                + " interface its SYN was sent to");
        for (String line : jq(json, "select(.type == null) | [.iface, .ifindex] | @tsv")) {
            String[] f = line.split("\t");
            assertEquals(ifindexes.get(f[0]), Integer.valueOf(f[1]), "the ifindex of " + f[0]);
        }

        Command.Result fields = Command.run(TSHARK, "-r", file.toString(), "-T", "fields", "-e",
                "frame.interface_name", "-e", "tcp.srcport");
        assertEquals(0, fields.exitCode(), fields.describe());
        assertEquals(expected, sourcePortsByInterfaceIn(fields.stdoutText().lines().toList()),
                "pcapng, read by tshark");
        assertEquals(sent.size(), Tcpdump.records(file), "tcpdump (libpcap) reads the file with its two descriptions");
        Command.Result info = Command.run(CAPINFOS, file.toString());
        assertEquals(0, info.exitCode(), info.describe());
        assertTrue(info.stdoutText().contains("Number of interfaces in file: 2"), info.stdoutText());

        for (String output : List.of(file.toString(), "standard output")) {
            Books books = Books.ofOutput(stderr, output);
            assertTrue(books.balance(), output + ":\n" + text);
            assertEquals(sent.size(), books.written(), output + ":\n" + text);
        }
        Books books = Books.ofOutput(stderr, file.toString());
        assertEquals(sent.size(), books.matched(), "the lab carries only our SYNs:\n" + text);
        PcapngBlocks blocks = PcapngBlocks.read(Files.readAllBytes(file));
        assertEquals(2, blocks.names().size(), "one interface description each: " + blocks.names());
        assertEquals(2, blocks.statistics().size(), "one statistics block each: " + blocks.statistics());
        long framesSeen = 0;
        for (String iface : List.of(if1, if2)) {
            Books.OnInterface own = Books.OnInterface.of(stderr, iface);
            long count = expected.get(iface).size();
            assertEquals(count, own.matched(), "matched on " + iface + ":\n" + text);
            assertEquals(count, own.emitted(), "emitted on " + iface + ":\n" + text);
            assertEquals(0, own.filtered(), text);
            assertTrue(own.framesSeen() >= count, text);
            framesSeen += own.framesSeen();
            int id = blocks.idOf(iface);
            Map<Integer, Long> isb = blocks.statistics().get(id);
            assertEquals(own.framesSeen(), isb.get(PcapngBlocks.ISB_IFRECV), "isb_ifrecv of " + iface + ": " + isb);
            assertEquals(own.lost(), isb.get(PcapngBlocks.ISB_IFDROP), "isb_ifdrop of " + iface + ": " + isb);
            assertEquals(own.matched() - own.filtered(), isb.get(PcapngBlocks.ISB_FILTERACCEPT),
                    "isb_filteraccept of " + iface + ": " + isb);
            assertEquals(count, isb.get(PcapngBlocks.ISB_USRDELIV), "isb_usrdeliv of " + iface + ": " + isb);
            assertEquals(count, blocks.packets().get(id), "packets naming " + iface);
        }
        assertEquals(books.framesSeen(), framesSeen, "the interfaces' frames add up to the total:\n" + text);
    }

    /**
     * Both interfaces flooded while the consumer of {@code -w - --pcapng} reads nothing: the 8 KiB rings fill and the
     * kernel counts what it cannot emit, on each interface in its own counters; each statistics block carries its own.
     */
    @Test
    void lossOnEachInterfaceIsCountedInItsOwnBooksAndItsOwnStatisticsBlock(@TempDir Path directory)
            throws Exception {
        Privileges.requireCaptureCapabilities();
        Path gate = directory.resolve("open");
        Path file = directory.resolve("overload.pcapng");
        // The consumer reads nothing until the gate file appears (at most 30 s), then copies all into the file.
        String pipeline = String.join("\n",
                "\"$0\" -i \"$1\" -v --ring-size 8K -w - --pcapng | { for i in $(seq 300); do [ -e \"$2\" ] && break;"
                        + " sleep 0.1; done; cat > \"$3\"; }",
                "echo \"pipestatus ${PIPESTATUS[0]} ${PIPESTATUS[1]}\" >&2");
        Map<String, Long> sent = new TreeMap<>();
        List<String> stderr;
        try (VethLab lab = Lab.create()) {
            VethLab.Pair pair = lab.addPair();
            String if1 = lab.captureInterface();
            String if2 = pair.captureInterface();
            try (WatchedProcess shell = WatchedProcess.startIn(lab.captureNamespace(), "bash", "-c", pipeline,
                    Lab.launcher(), if1 + "," + if2, gate.toString(), file.toString())) {
                shell.awaitStderrLine("listening on ", Xdpdump.START_TIMEOUT);
                try (SynBurst first = SynBurst.start(lab.senderNamespace(), VethLab.CAPTURE_V4, 2, OVERLOAD_FIRST,
                        OVERLOAD_LIMIT);
                     SynBurst second = SynBurst.start(pair.senderNamespace(), pair.captureV4(), 2, OVERLOAD_SECOND,
                             OVERLOAD_LIMIT)) {
                    sent.put(if1, first.await(OVERLOAD_LIMIT.plusSeconds(5)));
                    sent.put(if2, second.await(OVERLOAD_LIMIT.plusSeconds(5)));
                }
                WatchedProcess.signal(shell.descendantPid("/java"), "-INT");
                Files.createFile(gate);
                assertEquals(0, shell.awaitExit(OVERLOAD_LIMIT), shell.stderrText());
                stderr = shell.stderrLines();
            }
        }
        String text = String.join("\n", stderr);
        assertTrue(stderr.contains("pipestatus 0 0"), "xdpdump and the consumer exit 0:\n" + text);
        Books books = Books.of(stderr);
        System.out.printf("overload on two interfaces: sent=%s matched=%d written=%d lost=%d%n", sent,
                books.matched(), books.written(), books.lost());
        assertTrue(books.balance(), text);
        PcapngBlocks blocks = PcapngBlocks.read(Files.readAllBytes(file));
        long lost = 0;
        long written = 0;
        for (Map.Entry<String, Long> e : sent.entrySet()) {
            String iface = e.getKey();
            Books.OnInterface own = Books.OnInterface.of(stderr, iface);
            assertEquals(e.getValue(), own.matched(), "every SYN sent to " + iface + " matched:\n" + text);
            assertTrue(own.lost() > 0, "the full rings lost some of " + iface + "'s:\n" + text);
            assertEquals(own.matched(), own.emitted() + own.lost(), "matched = emitted + lost on " + iface);
            int id = blocks.idOf(iface);
            Map<Integer, Long> isb = blocks.statistics().get(id);
            assertEquals(own.framesSeen(), isb.get(PcapngBlocks.ISB_IFRECV), "isb_ifrecv of " + iface + ": " + isb);
            assertEquals(own.lost(), isb.get(PcapngBlocks.ISB_IFDROP), "isb_ifdrop of " + iface + ": " + isb);
            assertEquals(own.matched(), isb.get(PcapngBlocks.ISB_FILTERACCEPT), "isb_filteraccept of " + iface);
            assertEquals(blocks.packets().get(id), isb.get(PcapngBlocks.ISB_USRDELIV), "isb_usrdeliv of " + iface);
            assertEquals(own.emitted(), blocks.packets().get(id), "every event " + iface + " emitted is in the file");
            System.out.printf("  %s: sent=%d matched=%d emitted=%d lost=%d in the file=%d%n", iface, e.getValue(),
                    own.matched(), own.emitted(), own.lost(), blocks.packets().get(id));
            lost += own.lost();
            written += blocks.packets().get(id);
        }
        assertEquals(books.lost() + books.lostNoRing() + books.lostOther(), lost, "the interfaces' losses add up:\n"
                + text);
        assertEquals(books.written(), written, text);
    }

    @Test
    void listeningLineStatsLinesAndJsonStatsCarryEachInterface() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(JQ);
        try (VethLab lab = Lab.create()) {
            Side first = Side.first(lab);
            Side second = Side.of(lab.addPair());
            String if1 = first.iface();
            String if2 = second.iface();
            List<Attempt> sent = interleave(first.attempts(FIRST_SYNS, 80, 41000),
                    second.attempts(SECOND_SYNS, 80, 42000));
            try (WatchedProcess xdpdump = Xdpdump.listeningIn(lab.captureNamespace(), "-i", if1, "-i", if2, "-v",
                    "--stats", "1", "json", "--json-stats")) {
                String listening = xdpdump.awaitStderrLine("listening on ", LINE_TIMEOUT);
                assertEquals("listening on " + if1 + " (ifindex " + Lab.ifindex(lab, if1) + ", tc ingress), " + if2
                        + " (ifindex " + Lab.ifindex(lab, if2) + ", tc ingress), snapshot length 256 bytes", listening);
                send(lab, sent);
                String stats = xdpdump.awaitStderrLine(line -> line.startsWith("stats: ")
                                && line.contains(" matched_" + if1 + "=" + FIRST_SYNS + " ")
                                && line.contains(" matched_" + if2 + "=" + SECOND_SYNS + " ")
                                && line.contains(" written=" + (FIRST_SYNS + SECOND_SYNS) + " "),
                        "a stats line with each interface's requests matched and all written", LINE_TIMEOUT);
                for (String name : List.of("frames_seen", "unparsed", "matched", "filtered", "emitted", "lost",
                        "lost_no_ring", "lost_other")) {
                    for (String iface : List.of(if1, if2)) {
                        assertTrue(stats.matches(".* " + name + "_" + iface + "=\\d+( .*)?"), name + "_" + iface
                                + " in " + stats);
                    }
                }
                assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
                List<String> stderr = xdpdump.stderrLines();
                List<String> record = jq(xdpdump.stdout(), "select(.type == \"stats\") | [.matched, .matched_" + if1
                        + ", .matched_" + if2 + ", .frames_seen_" + if1 + ", .frames_seen_" + if2 + ", .filtered_" + if1
                        + ", .emitted_" + if2 + ", .lost_" + if1 + "] | @tsv");
                assertEquals(1, record.size(), "one stats record:\n" + xdpdump.stdoutText());
                Books.OnInterface own1 = Books.OnInterface.of(stderr, if1);
                Books.OnInterface own2 = Books.OnInterface.of(stderr, if2);
                assertEquals(String.join("\t", List.of(String.valueOf(FIRST_SYNS + SECOND_SYNS),
                        String.valueOf(FIRST_SYNS), String.valueOf(SECOND_SYNS), String.valueOf(own1.framesSeen()),
                        String.valueOf(own2.framesSeen()), "0", String.valueOf(SECOND_SYNS), "0")), record.get(0),
                        "the JSON stats record has each interface's counters, as the summary:\n"
                                + String.join("\n", stderr));
            }
        }
    }

    @Test
    void interfaceSetDownIsDetachedWhileTheOtherGoesOnAndSigintEndsWithStatusZero() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(JQ);
        try (VethLab lab = Lab.create()) {
            Side first = Side.first(lab);
            Side second = Side.of(lab.addPair());
            String if1 = first.iface();
            String if2 = second.iface();
            List<Attempt> before = interleave(first.attempts(2, 80, 41000), second.attempts(2, 80, 42000));
            List<Attempt> after = first.attempts(3, 80, 41100);
            try (WatchedProcess xdpdump = Xdpdump.listeningIn(lab.captureNamespace(), "-i", if1 + "," + if2, "-v",
                    "json")) {
                // Each interface has its own entry point of the one program, so its own program id.
                int id = Lab.attachedProgramId(lab, if1);
                assertNotEquals(-1, id, Lab.linkDetails(lab, if1));
                assertNotEquals(-1, Lab.attachedProgramId(lab, if2), Lab.linkDetails(lab, if2));
                send(lab, before);
                lab.ip("-n", lab.captureNamespace(), "link", "set", if2, "down");
                xdpdump.awaitStderrLine("xdpdump: interface " + if2 + " went down while capturing; capturing on the"
                        + " others", LINE_TIMEOUT);
                assertEquals(-1, Lab.attachedProgramId(lab, if2), "detached from " + if2 + ":\n"
                        + Lab.linkDetails(lab, if2));
                assertEquals(id, Lab.attachedProgramId(lab, if1), "still on " + if1);
                send(lab, after);
                assertTrue(xdpdump.isAlive(), xdpdump.stderrText());
                assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
                List<String> stderr = xdpdump.stderrLines();
                String text = String.join("\n", stderr);
                List<Attempt> sent = new ArrayList<>(before);
                sent.addAll(after);
                assertEquals(sourcePortsByInterface(sent), sourcePortsByInterfaceIn(jq(xdpdump.stdout(), JQ_EVENTS)),
                        "what came in on " + if1 + " after " + if2 + " went down is captured too");
                Books books = Books.of(stderr);
                assertTrue(books.balance(), text);
                assertEquals(sent.size(), books.matched(), text);
                assertEquals(sent.size(), books.written(), text);
                assertEquals(5, Books.OnInterface.of(stderr, if1).matched(), text);
                assertEquals(2, Books.OnInterface.of(stderr, if2).matched(), "the books keep " + if2 + "'s part:\n"
                        + text);
                assertEquals(1, stderr.stream().filter(line -> line.contains("went down")).count(), text);
                assertFalse(text.contains("Exception"), text);
            }
        }
    }

    @Test
    void lastInterfaceDeletedEndsTheRunWithStatusOneAfterTheOtherWentDown() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(JQ);
        try (VethLab lab = Lab.create()) {
            Side first = Side.first(lab);
            Side second = Side.of(lab.addPair());
            String if1 = first.iface();
            String if2 = second.iface();
            List<Attempt> sent = interleave(first.attempts(3, 80, 41000), second.attempts(2, 80, 42000));
            try (WatchedProcess xdpdump = Xdpdump.listeningIn(lab.captureNamespace(), "-i", if1 + "," + if2,
                    "json")) {
                send(lab, sent);
                lab.ip("-n", lab.captureNamespace(), "link", "set", if2, "down");
                xdpdump.awaitStderrLine("xdpdump: interface " + if2 + " went down while capturing; capturing on the"
                        + " others", LINE_TIMEOUT);
                lab.ip("-n", lab.captureNamespace(), "link", "del", if1);
                assertEquals(1, xdpdump.awaitExit(Xdpdump.STOP_TIMEOUT), xdpdump.stderrText());
                List<String> stderr = xdpdump.stderrLines();
                String text = String.join("\n", stderr);
                List<String> messages = stderr.stream().filter(line -> line.startsWith("xdpdump: ")).toList();
                assertEquals(List.of("xdpdump: interface " + if2 + " went down while capturing; capturing on the"
                        + " others", "xdpdump: interface " + if1 + " went away while capturing; the output is complete"
                        + " up to that moment"), messages, text);
                assertEquals(sourcePortsByInterface(sent), sourcePortsByInterfaceIn(jq(xdpdump.stdout(), JQ_EVENTS)),
                        xdpdump.stdoutText());
                Books books = Books.of(stderr);
                assertTrue(books.balance(), text);
                assertEquals(sent.size(), books.written(), text);
                assertEquals(-1, Lab.attachedProgramId(lab, if2), Lab.linkDetails(lab, if2));
            }
        }
    }

    @Test
    void busySecondInterfaceRefusesTheWholeStartAndLeavesTheFirstBare() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create()) {
            Side second = Side.of(lab.addPair());
            String if1 = lab.captureInterface();
            String if2 = second.iface();
            try (WatchedProcess other = Xdpdump.listeningIn(lab.captureNamespace(), "-i", if2, "json")) {
                int id = Lab.attachedProgramId(lab, if2);
                assertNotEquals(-1, id, Lab.linkDetails(lab, if2));

                Command.Result refused = Xdpdump.run(lab.captureNamespace(), "-i", if1 + "," + if2, "json");
                assertEquals(1, refused.exitCode(), refused.describe());
                List<String> lines = refused.stderrLines();
                assertEquals(1, lines.size(), "one line:\n" + refused.stderr());
                assertTrue(lines.get(0).startsWith("xdpdump: ") && lines.get(0).contains(if2)
                        && lines.get(0).contains("id " + id), "names " + if2 + " and program id " + id + ": "
                        + lines.get(0));
                assertFalse(Pattern.compile("\\b" + if1 + "\\b").matcher(lines.get(0)).find(), "blames " + if2
                        + " only: " + lines.get(0));
                assertFalse(refused.stderr().contains("listening on"), refused.stderr());
                assertEquals(-1, Lab.attachedProgramId(lab, if1), "nothing left on " + if1 + ":\n"
                        + Lab.linkDetails(lab, if1));
                assertEquals(0, Lab.tcxProgramIds(lab, if1).length, "no tcx program on " + if1);
                assertEquals(id, Lab.attachedProgramId(lab, if2), "the other capture's program stays on " + if2);

                send(lab, second.attempts(1, 80, 42000));
                assertEquals(0, Xdpdump.interrupt(other), other.stderrText());
                assertEquals(1, other.stdoutText().lines().count(), "the other capture went on:\n"
                        + other.stdoutText());
            }
            assertEquals(-1, Lab.attachedProgramId(lab, if2), Lab.linkDetails(lab, if2));
        }
    }

    @ParameterizedTest(name = "--mode {0}")
    @ValueSource(strings = {"auto", "generic"})
    void xdpProgramOnTheSecondInterfaceRefusesTheStartAndLeavesTheFirstBare(String mode) throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create()) {
            String if1 = lab.captureInterface();
            String if2 = lab.addPair().captureInterface();
            lab.ip("-n", lab.captureNamespace(), "link", "set", "dev", if2, "xdpgeneric", "obj",
                    Lab.repository().resolve("capture-bpf/xdpdump.bpf.o").toString(), "sec", "xdp");
            int id = Lab.attachedProgramId(lab, if2);
            assertNotEquals(-1, id, Lab.linkDetails(lab, if2));

            Command.Result refused = Xdpdump.run(lab.captureNamespace(), "-i", if1 + "," + if2, "--mode", mode,
                    "json");
            assertEquals(1, refused.exitCode(), refused.describe());
            assertEquals(1, refused.stderrLines().size(), "one line:\n" + refused.stderr());
            assertTrue(refused.stderr().contains(if2) && refused.stderr().contains("id " + id), refused.stderr());
            assertEquals(-1, Lab.attachedProgramId(lab, if1), "nothing left on " + if1 + ":\n"
                    + Lab.linkDetails(lab, if1));
            assertEquals(0, Lab.tcxProgramIds(lab, if1).length, "no tcx program on " + if1);
            assertEquals(id, Lab.attachedProgramId(lab, if2), "the other program stays on " + if2);
        }
    }

    @Test
    void sigkillLeavesNeitherInterfaceWithAProgram() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create()) {
            String if1 = lab.captureInterface();
            String if2 = lab.addPair().captureInterface();
            try (WatchedProcess xdpdump = Xdpdump.listeningIn(lab.captureNamespace(), "-i", if1 + "," + if2,
                    "json")) {
                assertNotEquals(-1, Lab.attachedProgramId(lab, if1), Lab.linkDetails(lab, if1));
                assertNotEquals(-1, Lab.attachedProgramId(lab, if2), Lab.linkDetails(lab, if2));
                xdpdump.kill();
                assertEquals(128 + 9, xdpdump.awaitExit(Xdpdump.STOP_TIMEOUT));
            }
            for (String iface : List.of(if1, if2)) {
                // The kernel drops a link's program when the last fd of the link closes, as the process ends.
                int left = Lab.attachedProgramId(lab, iface);
                for (int i = 0; i < MAX_DETACH_CHECKS && left != -1; i++) {
                    Thread.sleep(DETACH_CHECK_MILLIS);
                    left = Lab.attachedProgramId(lab, iface);
                }
                assertEquals(-1, left, "still attached to " + iface + ":\n" + Lab.linkDetails(lab, iface));
            }
        }
    }

    @Test
    void filterExpressionLeavesOutRequestsOnEachInterfaceWithItsOwnCount() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(JQ);
        try (VethLab lab = Lab.create()) {
            Side first = Side.first(lab);
            Side second = Side.of(lab.addPair());
            String if1 = first.iface();
            String if2 = second.iface();
            List<Attempt> kept1 = first.attempts(3, 80, 41000);
            List<Attempt> left1 = first.attempts(2, 443, 41100);
            List<Attempt> kept2 = second.attempts(1, 80, 42000);
            List<Attempt> left2 = second.attempts(4, 8080, 42100);
            List<Attempt> sent = new ArrayList<>(interleave(kept1, left2));
            sent.addAll(interleave(left1, kept2));
            try (WatchedProcess xdpdump = Xdpdump.listeningIn(lab.captureNamespace(), "-i", if1 + "," + if2, "-v",
                    "json", "tcp dst port 80")) {
                send(lab, sent);
                assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
                List<String> stderr = xdpdump.stderrLines();
                String text = String.join("\n", stderr);
                List<Attempt> kept = new ArrayList<>(kept1);
                kept.addAll(kept2);
                List<String> events = jq(xdpdump.stdout(), JQ_EVENTS);
                assertEquals(sourcePortsByInterface(kept), sourcePortsByInterfaceIn(events), xdpdump.stdoutText());
                assertTrue(events.stream().allMatch(line -> line.endsWith("\t80")), xdpdump.stdoutText());
                Books.OnInterface own1 = Books.OnInterface.of(stderr, if1);
                Books.OnInterface own2 = Books.OnInterface.of(stderr, if2);
                assertEquals(List.of(5L, 2L, 3L), List.of(own1.matched(), own1.filtered(), own1.emitted()),
                        "matched, filtered, emitted on " + if1 + ":\n" + text);
                assertEquals(List.of(5L, 4L, 1L), List.of(own2.matched(), own2.filtered(), own2.emitted()),
                        "matched, filtered, emitted on " + if2 + ":\n" + text);
                Books books = Books.of(stderr);
                assertEquals(6, books.filtered(), text);
                assertEquals(4, books.written(), text);
                assertTrue(books.balance(), text);
            }
        }
    }

    @Test
    void interfaceNamedTwiceIsAUsageErrorAndAnUnknownOrDownOneAttachesNothing() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create()) {
            String if1 = lab.captureInterface();
            Command.Result twice = Xdpdump.run(lab.captureNamespace(), "-i", if1 + "," + if1, "json");
            assertEquals(2, twice.exitCode(), twice.describe());
            assertEquals(List.of("xdpdump: interface " + if1 + " is named twice; name each once"),
                    twice.stderrLines(), twice.describe());

            Command.Result unknown = Xdpdump.run(lab.captureNamespace(), "-i", if1 + ",nosuch", "json");
            assertNotEquals(0, unknown.exitCode(), unknown.describe());
            List<String> lines = unknown.stderrLines();
            assertEquals(1, lines.size(), unknown.describe());
            assertTrue(lines.get(0).startsWith("xdpdump: unknown interface 'nosuch'"), lines.get(0));
            assertFalse(unknown.stderr().contains("listening on"), unknown.describe());
            assertEquals(-1, Lab.attachedProgramId(lab, if1), Lab.linkDetails(lab, if1));

            String if2 = lab.addPair().captureInterface();
            lab.ip("-n", lab.captureNamespace(), "link", "set", if2, "down");
            Command.Result down = Xdpdump.run(lab.captureNamespace(), "-i", if1 + "," + if2, "json");
            assertEquals(1, down.exitCode(), down.describe());
            assertEquals(List.of("xdpdump: interface " + if2 + " is down; bring it up first (ip link set " + if2
                    + " up)"), down.stderrLines(), down.describe());
            assertEquals(-1, Lab.attachedProgramId(lab, if1), Lab.linkDetails(lab, if1));
        }
    }

    /** a1, b1, a2, b2, ...: both interfaces busy through the whole send. */
    private static List<Attempt> interleave(List<Attempt> a, List<Attempt> b) {
        List<Attempt> all = new ArrayList<>();
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            if (i < a.size()) {
                all.add(a.get(i));
            }
            if (i < b.size()) {
                all.add(b.get(i));
            }
        }
        return all;
    }

    /** Makes each attempt in turn; each is refused (one SYN, one reset) before the next. */
    private static void send(VethLab lab, List<Attempt> attempts) throws Exception {
        for (Attempt a : attempts) {
            assertTrue(lab.connectFrom(a.senderNamespace(), a.address(), a.port(), a.sourcePort(),
                    Lab.CONNECT_TIMEOUT_MILLIS), a + " got no answer from the capture end");
        }
    }

    private static Map<String, List<Integer>> sourcePortsByInterface(List<Attempt> attempts) {
        return attempts.stream().collect(Collectors.groupingBy(Attempt::iface, TreeMap::new,
                Collectors.collectingAndThen(Collectors.mapping(Attempt::sourcePort, Collectors.toList()),
                        ports -> ports.stream().sorted().toList())));
    }

    /** From lines {@code IFACE<TAB>SOURCE PORT[<TAB>...]}, as jq and tshark print them. */
    private static Map<String, List<Integer>> sourcePortsByInterfaceIn(List<String> lines) {
        Map<String, List<Integer>> ports = new TreeMap<>();
        for (String line : lines) {
            String[] f = line.split("\t");
            ports.computeIfAbsent(f[0], k -> new ArrayList<>()).add(Integer.parseInt(f[1]));
        }
        ports.values().forEach(list -> list.sort(null));
        return ports;
    }

    /** Runs {@code jq -r FILTER} over {@code json}; its output lines. */
    private static List<String> jq(byte[] json, String filter) throws Exception {
        Command.Result run = Command.run(Command.DEFAULT_TIMEOUT, json, JQ, "-r", filter);
        assertEquals(0, run.exitCode(), run.describe());
        return new String(run.stdout(), StandardCharsets.UTF_8).lines().toList();
    }
}
