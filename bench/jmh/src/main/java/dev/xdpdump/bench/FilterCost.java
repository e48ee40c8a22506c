package dev.xdpdump.bench;

import dev.xdpdump.bpf.CaptureProgram;
import dev.xdpdump.bpf.ProgramConfig;
import dev.xdpdump.filter.FilterExpression;
import dev.xdpdump.perf.PerfRingSet;
import dev.xdpdump.sys.Cpus;
import dev.xdpdump.sys.Libpcap;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Kernel cost per connection request of a filter expression: the capture program loaded once per expression (none
 * twice, two references that reject and keep every test frame, 1, 5 and 20 terms), each run with BPF_PROG_TEST_RUN
 * on IPv4 and IPv6 SYNs the expressions keep and reject and on an IPv4 ACK, in interleaved rounds (every combination
 * once per round, in a new order each round) so that the machine's drift hits all of them alike. The measure is the
 * kernel's own average ns per run; the table is Markdown on stdout.
 *
 * <pre>
 * java -cp benchmarks.jar dev.xdpdump.bench.FilterCost --rounds 40 --repeat 300000 --raw raw.tsv --listings l.txt
 * </pre>
 *
 * Many short calls rather than a few long ones: on a shared VM a call is now and then preempted or its vCPU stolen,
 * and the kernel's figure counts that time; 40 pairs give the median more to stand on than 15 do, for about the same
 * runs in all.
 *
 * Needs root (CAP_BPF, CAP_PERFMON) and libpcap. Exits 1 when the program's outcome for a frame differs from
 * libpcap's verdict on it: then the numbers would not measure what the table says.
 */
public final class FilterCost {
    /**
     * References, not workloads: one length compare that no test frame passes, and one that every test frame passes.
     * Each pays what any expression pays (the call, the prologue, a verdict) and takes one outcome's path: a row is
     * compared with the reference of its own outcome to get what its terms cost.
     */
    static final String REJECT_ALL = "greater 65536";
    static final String KEEP_ALL = "less 65536";
    /**
     * A second, separate load of the program without an expression: its "extra" over the first is the measurement's
     * own noise floor in this run (layout of the JIT image, the machine's drift), which no row's extra can beat.
     */
    static final String NONE_AGAIN = "none, again";

    /**
     * The expressions, written so that the frames below walk them as far as they can: every or-group lists the
     * alternative the kept frames match last, and the port, the one term the rejected frames fail, comes last. The
     * 5 terms are the example reordered so, with a source host the frames lack (they try both hosts and pass
     * on the second). libpcap reads {@code tcp[...]} from an IPv4 header only, so that expression rejects every IPv6
     * frame at its first compare (as tcpdump's does).
     */
    static final List<Expression> EXPRESSIONS = List.of(
            new Expression("none", null),
            new Expression(NONE_AGAIN, null),
            new Expression("reject-all", REJECT_ALL),
            new Expression("keep-all", KEEP_ALL),
            new Expression("1 term", "tcp dst port 443"),
            new Expression("5 terms", "not src net 198.18.0.0/24 and (src host 198.19.0.8 or dst host 198.18.0.1)"
                    + " and tcp[tcpflags] & tcp-syn != 0 and tcp dst port 443"),
            new Expression("20 terms", "not src net 198.18.0.0/24 and not src net 10.0.0.0/8"
                    + " and not src net 2001:db8:bad::/48 and not src host 198.19.0.66 and not src host 2001:db8::66"
                    + " and (src host 198.19.0.1 or src host 198.19.0.2 or src host 198.19.0.3 or src host 198.19.0.4"
                    + " or src host 198.19.0.5 or src host 198.19.0.7 or src host 2001:db8::7)"
                    + " and (dst host 198.18.0.9 or dst host 198.18.0.1 or dst host 2001:db8::1)"
                    + " and tcp src portrange 1024-65535"
                    + " and (tcp dst port 22 or tcp dst port 25 or tcp dst port 8443 or tcp dst port 443)"));

    static final List<Frame> FRAMES = List.of(
            new Frame("IPv4 SYN :443", BenchFrames.ipv4("198.19.0.7", "198.18.0.1", 40000, 443, BenchFrames.TCP_SYN),
                    true, true),
            new Frame("IPv4 SYN :80", BenchFrames.ipv4("198.19.0.7", "198.18.0.1", 40000, 80, BenchFrames.TCP_SYN),
                    true, false),
            new Frame("IPv6 SYN :443", BenchFrames.ipv6("2001:db8::7", "2001:db8::1", 40000, 443, BenchFrames.TCP_SYN),
                    true, true),
            new Frame("IPv6 SYN :80", BenchFrames.ipv6("2001:db8::7", "2001:db8::1", 40000, 80, BenchFrames.TCP_SYN),
                    true, false),
            new Frame("IPv4 ACK :443", BenchFrames.ipv4("198.19.0.7", "198.18.0.1", 40000, 443, BenchFrames.TCP_ACK),
                    false, false));

    private FilterCost() {}

    /** An expression as written; {@code text} null for none. */
    record Expression(String label, String text) {
        /** Primitives joined by {@code and} / {@code or}; {@code not} and parentheses join nothing. */
        int terms() {
            if (text == null) {
                return 0;
            }
            int joins = 0;
            for (String word : text.replace("(", " ").replace(")", " ").trim().split("\\s+")) {
                joins += word.equals("and") || word.equals("or") || word.equals("&&") || word.equals("||") ? 1 : 0;
            }
            return joins + 1;
        }
    }

    /**
     * A test frame; {@code request}: a connection request (SYN without ACK), which the expression runs on;
     * {@code ringed}: also measured with live perf rings, for the frames meant to be kept.
     */
    record Frame(String label, byte[] bytes, boolean request, boolean ringed) {}

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>(Map.of("--rounds", "40", "--repeat", "300000",
                "--ring-repeat", "300000", "--warmup-rounds", "1", "--ring-size", String.valueOf(16 << 20),
                "--raw", "", "--listings", "", "--seed", "1"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!o.containsKey(args[i])) {
                throw new IllegalArgumentException("unknown option " + args[i] + "; known: " + o.keySet());
            }
            o.put(args[i], args[i + 1]);
        }
        int rounds = Integer.parseInt(o.get("--rounds"));
        int repeat = Integer.parseInt(o.get("--repeat"));
        int ringRepeat = Integer.parseInt(o.get("--ring-repeat"));
        int warmup = Integer.parseInt(o.get("--warmup-rounds"));

        List<FilterExpression> compiled = new ArrayList<>();
        for (Expression e : EXPRESSIONS) {
            compiled.add(e.text() == null ? null : FilterExpression.compile(e.text()));
        }
        if (!o.get("--listings").isEmpty()) {
            writeListings(Path.of(o.get("--listings")), compiled);
        }

        // The test runs go to this thread's CPU, and with them every event (BPF_F_CURRENT_CPU): pin it to CPU 0 and
        // leave CPU 1 to the ring drain.
        Cpus.pinCurrentThread(0);
        int cpus = Cpus.possible();
        boolean agrees;
        Deque<AutoCloseable> owned = new ArrayDeque<>(); // closed last-made first: the drain, the rings, programs
        try (PrintStream raw = o.get("--raw").isEmpty() ? null : new PrintStream(o.get("--raw"), "UTF-8")) {
            // Each expression twice: once with no ring (emission fails the same cheap way with and without an
            // expression) and once with live rings; reject-all never emits, so rings would change nothing for it.
            List<CaptureProgram> plain = new ArrayList<>();
            List<CaptureProgram> live = new ArrayList<>();
            for (int e = 0; e < EXPRESSIONS.size(); e++) {
                byte[] filter = compiled.get(e) == null ? null : compiled.get(e).instructions();
                plain.add(own(owned, CaptureProgram.load(ProgramConfig.DEFAULT_SNAP_LEN, cpus, filter)));
                live.add(REJECT_ALL.equals(EXPRESSIONS.get(e).text()) ? null
                        : own(owned, CaptureProgram.load(ProgramConfig.DEFAULT_SNAP_LEN, cpus, filter)));
            }
            // One ring per CPU, its perf event installed in every live program's array: one drain serves them all.
            PerfRingSet rings = own(owned, PerfRingSet.open(cpus, Integer.parseInt(o.get("--ring-size")),
                    (cpu, event) -> {
                        for (CaptureProgram p : live) {
                            if (p != null) {
                                p.installPerfEvent(cpu, event);
                            }
                        }
                    }));
            int drainCpu = Runtime.getRuntime().availableProcessors() > 1 ? 1 : 0;
            RingDrain drain = own(owned, RingDrain.start(rings, drainCpu));
            List<FilterCostCell> cells = cells(plain, live, rounds);
            if (raw != null) {
                raw.println(FilterCostCell.rawHeader());
            }
            runRounds(cells, warmup, rounds, repeat, ringRepeat, new Random(Long.parseLong(o.get("--seed"))), raw,
                    drain);
            agrees = new FilterCostReport(EXPRESSIONS, compiled, FRAMES, cells, expectedKeeps(compiled))
                    .print(System.out, rounds, repeat, ringRepeat);
        } finally {
            while (!owned.isEmpty()) {
                owned.pop().close();
            }
        }
        if (!agrees) {
            System.exit(1);
        }
    }

    private static <T extends AutoCloseable> T own(Deque<AutoCloseable> owned, T resource) {
        owned.push(resource);
        return resource;
    }

    /** Every frame with every expression without rings, and the frames meant to be kept also with rings. */
    private static List<FilterCostCell> cells(List<CaptureProgram> plain, List<CaptureProgram> live, int rounds) {
        List<FilterCostCell> cells = new ArrayList<>();
        for (int f = 0; f < FRAMES.size(); f++) {
            for (int e = 0; e < EXPRESSIONS.size(); e++) {
                String expression = EXPRESSIONS.get(e).label();
                Frame frame = FRAMES.get(f);
                cells.add(new FilterCostCell(e, expression, f, frame.label(), false, plain.get(e), frame.bytes(),
                        rounds));
                if (frame.ringed() && live.get(e) != null) {
                    cells.add(new FilterCostCell(e, expression, f, frame.label(), true, live.get(e), frame.bytes(),
                            rounds));
                }
            }
        }
        return cells;
    }

    /**
     * Warm-up rounds (negative numbers, not kept), then the counted ones: every cell once per round, in a new order
     * each round, so that neither a slow stretch of the machine nor the one cell that ran before lands on the same
     * cells every time.
     */
    private static void runRounds(List<FilterCostCell> cells, int warmup, int rounds, int repeat, int ringRepeat,
                                  Random order, PrintStream raw, RingDrain drain) throws Exception {
        long started = System.nanoTime();
        for (int round = -warmup; round < rounds; round++) {
            List<FilterCostCell> shuffled = new ArrayList<>(cells);
            Collections.shuffle(shuffled, order);
            for (FilterCostCell cell : shuffled) {
                String row = cell.run(round, cell.rings ? ringRepeat : repeat);
                if (raw != null) {
                    raw.println(row);
                }
            }
            drain.check();
            System.err.printf("filter-cost: %s %d of %d done, %.0f s%n", round < 0 ? "warm-up round" : "round",
                    round < 0 ? round + warmup + 1 : round + 1, round < 0 ? warmup : rounds,
                    (System.nanoTime() - started) / 1e9);
        }
    }

    /** libpcap's own verdict ({@code bpf_filter}) per expression and frame: what the kernel's outcome must match. */
    private static boolean[][] expectedKeeps(List<FilterExpression> compiled) throws Libpcap.UnavailableException {
        boolean[][] keeps = new boolean[compiled.size()][FRAMES.size()];
        for (int e = 0; e < compiled.size(); e++) {
            for (int f = 0; f < FRAMES.size(); f++) {
                byte[] frame = FRAMES.get(f).bytes();
                keeps[e][f] = compiled.get(e) == null
                        || Libpcap.run(compiled.get(e).classicInstructions(), frame, frame.length, frame.length) != 0;
            }
        }
        return keeps;
    }

    private static void writeListings(Path file, List<FilterExpression> compiled) throws java.io.IOException {
        StringBuilder out = new StringBuilder();
        for (int e = 0; e < compiled.size(); e++) {
            FilterExpression x = compiled.get(e);
            if (x == null) {
                continue;
            }
            out.append("## ").append(EXPRESSIONS.get(e).label()).append(": ").append(x.text()).append('\n')
                    .append("classic, ").append(x.classicLength()).append(" instructions (tcpdump -d):\n")
                    .append(x.classicListing()).append('\n')
                    .append("eBPF, ").append(x.ebpfLength()).append(" instructions:\n")
                    .append(x.ebpfListing()).append('\n');
        }
        Files.writeString(file, out);
    }
}
