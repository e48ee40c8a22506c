package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Filter expressions on a live capture, against libpcap: {@link FilterCorpus} sent as real frames from the sender
 * namespace into the lab's capture end (which takes the corpus's MAC addresses as its own), once per expression, while
 * xdpdump captures with it into a pcap file, at two hooks at once, each on its own lab. At the XDP hook (generic) the
 * program sees the frames as sent: the requests in the file are exactly, byte for byte, the corpus requests that
 * {@code tcpdump -r corpus.pcap -w - EXPR} writes. At tc ingress (the default on veth) the stack has taken the outer
 * VLAN tag out of each frame first: the requests are those tcpdump selects in the corpus so changed. Either way the
 * books balance with {@code filtered} = requests - written. Then the command line around expressions: {@code -d}
 * against {@code tcpdump -d}, {@code -F}, the two refusals (libpcap's, the translator's), which attach nothing, and
 * {@code -r} of a pcapng that dumpcap wrote in the lab.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LiveFilterExpressionIT {
    /** Debian's python3; a python earlier on PATH (pyenv) may differ. */
    private static final String PYTHON = "/usr/bin/python3";
    private static final String DUMPCAP = "/usr/bin/dumpcap";
    private static final String SETPRIV = "/usr/bin/setpriv";
    private static final Duration DUMPCAP_TIMEOUT = Duration.ofSeconds(10);
    private static final String NOTHING_ATTACHED = "no XDP or tc program on the capture interface afterwards";

    /**
     * Sends every frame of the pcap file {@code argv[2]} out of interface {@code argv[1]} with one AF_PACKET socket,
     * then pings {@code argv[3]} (3 tries, 1 s each) and prints {@code N sent, echo answered}. All of it from one
     * CPU: the lab's frames go through that CPU's backlog in order, so once the echo is answered the capture end has
     * run its ingress hook on every frame before it.
     */
    private static final String SEND = String.join("\n",
            "import os, socket, struct, sys, time",
            "iface, pcap, echo_to = sys.argv[1], sys.argv[2], sys.argv[3]",
            "os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})",
            "data = open(pcap, 'rb').read()",
            "frames, at = [], 24",
            "while at < len(data):",
            "    length = struct.unpack_from('<I', data, at + 8)[0]",
            "    frames.append(data[at + 16:at + 16 + length])",
            "    at += 16 + length",
            "out = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)",
            "out.bind((iface, 0))",
            "for frame in frames:",
            "    out.send(frame)",
            "def checksum(b):",
            "    s = sum(struct.unpack('!%dH' % (len(b) // 2), b))",
            "    s = (s >> 16) + (s & 0xffff)",
            "    return ~(s + (s >> 16)) & 0xffff",
            "ping = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)",
            "ident = os.getpid() & 0xffff",
            "for seq in range(1, 4):",
            "    echo = struct.pack('!BBHHH', 8, 0, 0, ident, seq) + b'xdpdump!'",
            "    ping.sendto(echo[:2] + struct.pack('!H', checksum(echo)) + echo[4:], (echo_to, 0))",
            "    deadline = time.monotonic() + 1",
            "    while time.monotonic() < deadline:",
            "        ping.settimeout(max(0.01, deadline - time.monotonic()))",
            "        try:",
            "            reply = ping.recv(1500)",
            "        except socket.timeout:",
            "            break",
            "        kind, _, _, i, s = struct.unpack_from('!BBHHH', reply, (reply[0] & 0xf) * 4)",
            "        if kind == 0 and i == ident and s == seq:",
            "            print(len(frames), 'sent, echo answered', flush=True)",
            "            sys.exit(0)",
            "sys.exit('no echo reply from ' + echo_to)");

    /** Where a capture runs ({@code --mode}), and the frames its program sees there. */
    private enum Hook {
        XDP("generic", FilterCorpus.SENT),
        TC("tc", FilterCorpus.SENT.withFrames(LiveFilterExpressionIT::withoutOuterTag));

        final String mode;
        final FilterCorpus seen;

        Hook(String mode, FilterCorpus seen) {
            this.mode = mode;
            this.seen = seen;
        }
    }

    @TempDir
    static Path directory;
    /** Each hook's lab, and the frames its program sees as a pcap file for tcpdump. */
    private static final Map<Hook, VethLab> LABS = new EnumMap<>(Hook.class);
    private static final Map<Hook, Path> SEEN = new EnumMap<>(Hook.class);

    @BeforeAll
    static void labsAndCorpus() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(PYTHON);
        Command.requireInstalled(Tcpdump.PATH);
        for (Hook hook : Hook.values()) {
            SEEN.put(hook, hook.seen.write(directory.resolve("seen-at-" + hook.mode + ".pcap")));
            VethLab lab = Lab.create();
            LABS.put(hook, lab);
            lab.ip("-n", lab.captureNamespace(), "link", "set", "dev", lab.captureInterface(), "address",
                    FilterCorpus.DESTINATION_MAC);
            lab.ip("-n", lab.senderNamespace(), "link", "set", "dev", lab.senderInterface(), "address",
                    FilterCorpus.SOURCE_MAC);
        }
    }

    @AfterAll
    static void removeLabs() {
        LABS.values().forEach(VethLab::close);
        LABS.clear();
    }

    /**
     * The frame as tc ingress sees it on a veth: __netif_receive_skb_core moves an outer 802.1Q or 802.1ad tag into
     * the skb's metadata before tc runs (README, "What changes at tc ingress"); an inner tag and 0x9100 stay.
     */
    private static byte[] withoutOuterTag(byte[] frame) {
        int type = (frame[12] & 0xff) << 8 | frame[13] & 0xff;
        if (type != 0x8100 && type != 0x88a8) {
            return frame;
        }
        byte[] untagged = new byte[frame.length - 4];
        System.arraycopy(frame, 0, untagged, 0, 12);
        System.arraycopy(frame, 16, untagged, 12, frame.length - 16);
        return untagged;
    }

    /** What one live capture wrote: the requests in its pcap file, by source port, and its summary. */
    private record Captured(Hook hook, Set<Integer> requests, List<String> stderr) {
        Books books() {
            return Books.of(stderr);
        }

        String text() {
            return hook + ": " + String.join("\n", stderr);
        }

        /** Every request of the corpus reached the program, and it wrote exactly {@code expected}. */
        void assertWrote(Set<Integer> expected) {
            Books books = books();
            long sent = FilterCorpus.SENT.requests();
            assertAll(text(),
                    () -> assertEquals(expected, requests, "the requests written"),
                    () -> assertEquals(sent, books.matched(), "matched: every request of the corpus"),
                    () -> assertEquals(expected.size(), books.written(), "written"),
                    () -> assertEquals(sent - expected.size(), books.filtered(), "filtered = requests - written"),
                    () -> assertEquals(0, books.unparsed(), "unparsed"),
                    () -> assertTrue(books.balance(), "the books balance"));
        }
    }

    /**
     * Starts xdpdump with {@code -w FILE ARGS} at each hook, on its own lab (both JVMs start at once), sends the
     * corpus once into each lab, stops both by SIGINT and reads what each wrote.
     */
    private static Map<Hook, Captured> capture(String... args) throws Exception {
        Map<Hook, Path> files = new EnumMap<>(Hook.class);
        Map<Hook, WatchedProcess> running = new EnumMap<>(Hook.class);
        try {
            for (Hook hook : Hook.values()) {
                files.put(hook, Files.createTempFile(directory, "live-" + hook.mode + "-", ".pcap"));
                List<String> command = new ArrayList<>(List.of(Lab.launcher(), "-i", LABS.get(hook).captureInterface(),
                        "--mode", hook.mode, "-w", files.get(hook).toString()));
                command.addAll(List.of(args));
                running.put(hook, WatchedProcess.startIn(LABS.get(hook).captureNamespace(),
                        command.toArray(String[]::new)));
            }
            for (Hook hook : Hook.values()) {
                running.get(hook).awaitStderrLine("listening on ", Xdpdump.START_TIMEOUT);
                sendCorpus(LABS.get(hook));
            }
            Map<Hook, Captured> captured = new EnumMap<>(Hook.class);
            for (Hook hook : Hook.values()) {
                WatchedProcess xdpdump = running.get(hook);
                assertEquals(0, Xdpdump.interrupt(xdpdump), hook + ": " + xdpdump.stderrText());
                captured.put(hook, new Captured(hook, hook.seen.requestsOf(PcapRecords.frames(
                        Files.readAllBytes(files.get(hook)))), xdpdump.stderrLines()));
            }
            return captured;
        } finally {
            for (WatchedProcess xdpdump : running.values()) {
                xdpdump.close();
            }
        }
    }

    private static void sendCorpus(VethLab lab) throws Exception {
        Command.Result sent = Command.run("ip", "netns", "exec", lab.senderNamespace(), PYTHON, "-c", SEND,
                lab.senderInterface(), SEEN.get(Hook.XDP).toString(), VethLab.CAPTURE_V4);
        assertEquals(0, sent.exitCode(), sent.describe());
        assertEquals(List.of(FilterCorpus.SENT.entries().size() + " sent, echo answered"),
                sent.stdoutText().lines().toList(), sent.describe());
    }

    /** The control: the frames reach the program at both hooks, as the test expects each hook to see them. */
    @Test
    @Order(1)
    void withoutAnExpressionEveryRequestOfTheCorpusIsWritten() throws Exception {
        Map<Hook, Captured> runs = capture();
        assertAll(Arrays.stream(Hook.values()).map(hook -> () -> runs.get(hook).assertWrote(
                FilterCorpus.SENT.allRequests())));
    }

    /**
     * At the XDP hook the program sees the frames as sent, so it must select what libpcap selects in the corpus file;
     * at tc ingress it sees them with the outer tag taken out, and must select what libpcap selects in those frames.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.xdpdump.e2e.FilterCorpus#liveExpressions")
    @Order(2)
    void writesExactlyTheRequestsLibpcapSelects(String expression) throws Exception {
        Map<Hook, Set<Integer>> expected = new EnumMap<>(Hook.class);
        for (Hook hook : Hook.values()) {
            expected.put(hook, hook.seen.whatLibpcapSelects(SEEN.get(hook), expression));
        }
        Map<Hook, Captured> runs = capture(expression);
        assertAll("'" + expression + "'", Arrays.stream(Hook.values()).map(hook -> () -> runs.get(hook).assertWrote(
                expected.get(hook))));
    }

    @Test
    @Order(3)
    void expressionFromAFileSelectsOnALiveCaptureAsItsWordsDo() throws Exception {
        Path file = Files.writeString(directory.resolve("live-expr.txt"), "tcp dst port 80\n  and not ip6\n");
        Map<Hook, Captured> runs = capture("-F", file.toString());
        assertAll(Arrays.stream(Hook.values()).map(hook -> () -> runs.get(hook).assertWrote(
                hook.seen.whatLibpcapSelects(SEEN.get(hook), "tcp dst port 80 and not ip6"))));
    }

    @Test
    @Order(4)
    void badExpressionOnALiveCaptureIsLibpcapsLineAndAttachesNothing() throws Exception {
        Command.Result libpcap = tcpdumpDashD("tcp prot 80");
        String words = libpcap.stderrLines().get(libpcap.stderrLines().size() - 1).replaceFirst("^tcpdump: ", "");
        VethLab lab = LABS.get(Hook.XDP);
        Command.Result run = Xdpdump.run(lab.captureNamespace(), "-i", lab.captureInterface(), "json", "tcp", "prot",
                "80");
        assertAll(run.describe(),
                () -> assertEquals(2, run.exitCode(), "exit status"),
                () -> assertEquals(List.of("xdpdump: bad filter expression 'tcp prot 80': " + words
                        + " (see pcap-filter(7))"), run.stderrLines()),
                () -> assertEquals("", run.stdoutText(), "nothing on stdout"),
                () -> assertEquals(-1, Lab.attachedProgramId(lab), NOTHING_ATTACHED));
    }

    @Test
    @Order(5)
    void expressionTheKernelCannotRunIsRefusedLiveAndAttachesNothing() throws Exception {
        VethLab lab = LABS.get(Hook.XDP);
        Command.Result run = Xdpdump.run(lab.captureNamespace(), "-i", lab.captureInterface(), "json",
                "ip6 protochain 6");
        assertAll(run.describe(),
                () -> assertEquals(2, run.exitCode(), "exit status"),
                () -> assertEquals(1, run.stderrLines().size(), "one line"),
                () -> assertTrue(run.stderrLines().get(0).startsWith("xdpdump: filter expression 'ip6 protochain 6'"
                        + " cannot run in the kernel: instruction "), "names the instruction"),
                () -> assertEquals("", run.stdoutText(), "nothing on stdout"),
                () -> assertEquals(-1, Lab.attachedProgramId(lab), NOTHING_ATTACHED));
    }

    /** {@code tcpdump -d EXPR}: with no interface it opens none (pcap_open_dead, Ethernet), so it runs anywhere. */
    private static Command.Result tcpdumpDashD(String expression) throws Exception {
        Command.Result dump = expression.isEmpty() ? Command.run(Tcpdump.PATH, "-d")
                : Command.run(Tcpdump.PATH, "-d", expression);
        assertEquals("Warning: assuming Ethernet", dump.stderrLines().get(0), dump.describe());
        return dump;
    }

    /** {@code xdpdump -d ARGS} as nobody, with no capability: printing a program needs none. */
    private static Command.Result xdpdumpDashDAsNobody(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(SETPRIV, "--reuid=65534", "--regid=65534", "--clear-groups",
                "--inh-caps=-all", Lab.launcher(), "-d"));
        command.addAll(List.of(args));
        return Command.run(command.toArray(String[]::new));
    }

    @ParameterizedTest(name = "''{0}''")
    @ValueSource(strings = {"", "tcp dst port 80", "ip6 and dst port 80", "vlan 100 or vlan 200",
        "tcp[2:2] / (tcp[1] & 1) = 0 or port 22", "len > 100 or vlan", "ether src 02:00:00:00:00:01",
        "not (port 80 or port 443)", "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn"})
    @Order(6)
    void dashDPrintsLibpcapsClassicProgramAsTcpdumpDashDDoesThenTheEbpf(String expression) throws Exception {
        Command.requireInstalled(SETPRIV);
        Command.Result tcpdump = tcpdumpDashD(expression);
        assertEquals(0, tcpdump.exitCode(), tcpdump.describe());
        Command.Result run = expression.isEmpty() ? xdpdumpDashDAsNobody() : xdpdumpDashDAsNobody(expression);
        assertEquals(0, run.exitCode(), run.describe());
        assertEquals("", run.stderr(), run.describe());
        String classic = tcpdump.stdoutText();
        String out = run.stdoutText();
        assertTrue(out.startsWith(classic + "\n; eBPF run on each connection request"), "tcpdump -d:\n" + classic
                + "\nxdpdump -d:\n" + out);
        List<String> ebpf = out.substring(classic.length() + 1).lines().skip(1).toList();
        assertFalse(ebpf.isEmpty(), out);
        for (int i = 0; i < ebpf.size(); i++) {
            assertTrue(ebpf.get(i).matches(" *" + i + ": .+"), "eBPF line " + i + ": " + ebpf.get(i));
        }
    }

    @Test
    @Order(7)
    void dashDWithoutAnExpressionPrintsTheProgramThatKeepsEverything() throws Exception {
        Command.Result run = Xdpdump.run(null, "-d");
        assertEquals(0, run.exitCode(), run.describe());
        assertTrue(run.stdoutText().startsWith("(000) ret      #262144\n\n; eBPF run on each connection request"),
                run.stdoutText());
    }

    @Test
    @Order(8)
    void dashDOfAnExpressionTheKernelCannotRunPrintsTheClassicProgramAndExitsTwo() throws Exception {
        Command.Result tcpdump = tcpdumpDashD("ip6 protochain 6");
        Command.Result run = Xdpdump.run(null, "-d", "ip6 protochain 6");
        assertAll(run.describe(),
                () -> assertEquals(2, run.exitCode(), "exit status"),
                () -> assertEquals(tcpdump.stdoutText(), run.stdoutText(), "the classic program, as tcpdump -d"),
                () -> assertEquals(1, run.stderrLines().size(), "one line"),
                () -> assertTrue(run.stderrLines().get(0).contains(" cannot run in the kernel: instruction "),
                        "the translator's refusal"));
    }

    @Test
    @Order(9)
    void dashDWithAnExpressionFromAFilePrintsWhatItsWordsPrint() throws Exception {
        Path file = Files.writeString(directory.resolve("d-expr.txt"), "vlan 100\n\tor (ip6 and tcp dst port 80)\n");
        Command.Result fromFile = Xdpdump.run(null, "-d", "-F", file.toString());
        Command.Result fromWords = Xdpdump.run(null, "-d", "vlan 100 or (ip6 and tcp dst port 80)");
        assertEquals(0, fromFile.exitCode(), fromFile.describe());
        assertEquals(0, fromWords.exitCode(), fromWords.describe());
        assertEquals(fromWords.stdoutText(), fromFile.stdoutText());
        assertTrue(fromFile.stdoutText().startsWith(tcpdumpDashD("vlan 100 or (ip6 and tcp dst port 80)")
                .stdoutText() + "\n"), fromFile.stdoutText());
    }

    /**
     * {@code -r} of a pcapng that dumpcap wrote on the lab's capture end while the corpus went by (with the lab's own
     * ARP and ICMP): for each expression, the requests xdpdump writes are the corpus requests tcpdump selects.
     */
    @Test
    @Order(10)
    void pcapngThatDumpcapWroteInTheLabIsFilteredAsLibpcapFiltersIt() throws Exception {
        Command.requireInstalled(DUMPCAP);
        Path pcapng = directory.resolve("lab.pcapng");
        VethLab lab = LABS.get(Hook.XDP);
        try (WatchedProcess dumpcap = WatchedProcess.startIn(lab.captureNamespace(), DUMPCAP, "-i",
                lab.captureInterface(), "-n", "-w", pcapng.toString())) {
            dumpcap.awaitStderrLine("Capturing on ", DUMPCAP_TIMEOUT);
            sendCorpus(lab);
            awaitEveryRequestIn(pcapng);
            dumpcap.interrupt();
            assertEquals(0, dumpcap.awaitExit(DUMPCAP_TIMEOUT), dumpcap.stderrText());
        }
        FilterCorpus corpus = FilterCorpus.SENT;
        assertEquals(corpus.allRequests(), corpus.whatLibpcapSelects(pcapng, ""), "dumpcap wrote every request");
        for (String expression : List.of("", "tcp dst port 80", "vlan 100", "ip6 or len > 80",
                "not (port 80 or port 443)")) {
            Set<Integer> expected = corpus.whatLibpcapSelects(pcapng, expression);
            Command.Result run = expression.isEmpty() ? Xdpdump.run(null, "-r", pcapng.toString(), "-w", "-")
                    : Xdpdump.run(null, "-r", pcapng.toString(), "-w", "-", expression);
            assertEquals(0, run.exitCode(), run.describe());
            assertEquals(expected, corpus.requestsOf(PcapRecords.frames(run.stdout())), "'" + expression + "'");
            Books books = Books.of(run.stderrLines());
            assertEquals(corpus.requests(), books.matched(), run.stderr());
            assertEquals(corpus.requests() - expected.size(), books.filtered(), run.stderr());
            assertTrue(books.balance(), run.stderr());
        }
    }

    /**
     * Waits until dumpcap's file, read as it grows, holds every request of the corpus: frames that reach dumpcap's
     * ring only go to the file when their block is handed over, and a SIGINT before that loses them.
     */
    private static void awaitEveryRequestIn(Path file) throws Exception {
        long deadline = System.nanoTime() + DUMPCAP_TIMEOUT.toNanos();
        Set<Integer> found = Set.of();
        while (System.nanoTime() < deadline) {
            Command.Result read = Command.run(Tcpdump.PATH, "-r", file.toString(), "-w", "-");
            if (read.stdout().length >= 24) {
                found = FilterCorpus.SENT.requestsAmong(PcapRecords.framesSoFar(read.stdout()));
                if (found.equals(FilterCorpus.SENT.allRequests())) {
                    return;
                }
            }
            TimeUnit.MILLISECONDS.sleep(100);
        }
        fail("dumpcap wrote " + found + " of the corpus requests in " + DUMPCAP_TIMEOUT.toSeconds() + " s");
    }
}
