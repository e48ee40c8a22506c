package dev.xdpdump.cli;

import dev.xdpdump.bpf.ProgramConfig;
import dev.xdpdump.bpf.XdpMode;
import dev.xdpdump.sink.Output;
import dev.xdpdump.sink.OutputFormat;
import dev.xdpdump.sink.Rotation;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the user asked for, parsed from tcpdump-like words. Immutable.
 *
 * @param interfaces {@code -i}, as many as given (each once, in order; {@code -i a,b} gives two); none: the default
 * @param readFile {@code -r}: a capture file to read instead of an interface ("-": standard input), or null
 * @param expression a tcpdump filter expression: the words after the options, joined with spaces; or null
 * @param expressionFile {@code -F}: a file holding the expression, or null
 * @param unordered {@code --unordered}: events in the order the rings are drained, not timestamp order across CPUs
 * @param outputs where events go, each fed the same events: at most one pcap file ({@code -w}) and at most one view
 *     on standard output (hex or json), never two on standard output; a file first
 * @param user {@code -Z}: the user to become once every privileged file descriptor is open and the outputs are
 *     open, or null to stay as started
 */
record Options(Command command, List<String> interfaces, String readFile, String expression, String expressionFile,
               List<OutputSpec> outputs, long count, int snapLength, XdpMode mode, int ringBytesPerCpu,
               boolean nanoseconds, boolean verbose, int statsSeconds, boolean jsonStats, boolean unordered,
               KafkaSpec kafka, String user, Serving serving, String connect) {

    enum Command { CAPTURE, CONNECT, DEMO, LIST_INTERFACES, PRINT_FILTER, HELP, VERSION }

    /**
     * {@code --serve PATH}: the capture is also served on a Unix socket at {@code path}; null without it.
     *
     * @param group {@code --serve-group}: the socket file's group, whose members are served; null for none
     * @param maxClients {@code --serve-max-clients}
     */
    record Serving(String path, String group, int maxClients) {}

    /**
     * One output: a format and where it goes ({@value Output#STDOUT} for standard output).
     *
     * @param rotation {@code -C}, {@code -G}, {@code -W} for the {@code -w} file, whose {@code target} then names
     *     the files (a strftime pattern with {@code -G}); null for an output that does not rotate
     */
    record OutputSpec(OutputFormat format, String target, Rotation rotation) {
        OutputSpec(OutputFormat format, String target) {
            this(format, target, null);
        }

        boolean toStdout() {
            return Output.STDOUT.equals(target);
        }

        /** For messages: the path, or "standard output". */
        String name() {
            return toStdout() ? "standard output" : target;
        }
    }

    /**
     * {@code --kafka BROKERS --topic TOPIC}: each event also goes to Kafka.
     *
     * @param statsTopic {@code --kafka-stats-topic}, or null for the events' topic
     * @param hostId {@code --host-id}, or null for the hostname
     * @param producerOptions {@code --kafka-opt KEY=VALUE}, in order
     */
    record KafkaSpec(String brokers, String topic, String statsTopic, String hostId,
                     Map<String, String> producerOptions) {
        KafkaSpec {
            producerOptions = Collections.unmodifiableMap(new LinkedHashMap<>(producerOptions));
        }
    }

    Options {
        outputs = List.copyOf(outputs);
    }

    /** The same options with {@code -c} set to {@code n}. */
    Options withCount(long n) {
        Builder b = new Builder(this);
        b.count = n;
        return b.build();
    }

    /** Per CPU. Absorbs about 50k events of bursts per CPU at the default snap length while the sink catches up. */
    static final int DEFAULT_RING_BYTES = 16 << 20;
    static final int MAX_STATS_SECONDS = 86400;
    /** {@code -C}: up to a terabyte per file. */
    static final long MAX_FILE_MEGABYTES = 1_000_000;

    static final String HELP = String.join("\n",
            "Usage: xdpdump [-i IFACE | -r FILE] [hex | json | -w FILE] [options] [expression]",
            "       xdpdump demo",
            "       xdpdump extcap ARGS      (run by Wireshark: see the extcap command below)",
            "",
            "Captures TCP connection requests (SYN without ACK) with an XDP program and writes them out.",
            "",
            "Output (a file, a view on standard output, or both at once):",
            "  hex, -x                  a summary line and a hexdump -C of each frame (the default)",
            "  json                     one JSON object per line, for jq",
            "  -w FILE, --pcap FILE     a pcap file for tcpdump and Wireshark; '-' writes pcap to stdout",
            "  --pcapng                 -w writes pcapng (interface, queue, direction per packet; the books at",
            "                           the end); a FILE ending in .pcapng does too",
            "  --print                  with -w FILE: also print the hex view on standard output",
            "                           (-w FILE json: the file and JSON lines; each output has its own books)",
            "  -C MB                    -w FILE rotates: a new file before this one would pass MB million",
            "                           bytes, named as tcpdump does: FILE, FILE1, FILE2, ...",
            "  -G SECONDS               -w FILE rotates: a new file every SECONDS (at the first batch after),",
            "                           FILE a strftime pattern: -w 'syns-%Y%m%d-%H%M%S.pcap'",
            "  -W N                     with -C: a ring of N files, FILE0 to FILE<N-1>, the oldest",
            "                           overwritten; with -G alone: stop after N files",
            "",
            "Options:",
            "  -i, -iface, --interface IFACE",
            "                           interface to capture on (default: the first that is up, not loopback);",
            "                           several: -i eth0 -i eth1 or -i eth0,eth1, one program for all",
            "  -r FILE                  read connection requests from a pcap or pcapng file ('-': standard",
            "                           input) instead of an interface; needs no privileges",
            "  expression               a tcpdump filter expression (pcap-filter(7)) after the options, that",
            "                           selects among connection requests; it runs in the kernel, and the",
            "                           requests it leaves out count as filtered",
            "  -F FILE                  read the filter expression from FILE",
            "  -d                       print the expression's program (libpcap's classic BPF, as tcpdump -d,",
            "                           and the eBPF the kernel runs) and exit",
            "  -c N                     exit after writing N events",
            "  -s N                     snap length: bytes of each frame to keep, 1-65535 (default 256)",
            "  --mode auto|tc|generic|native",
            "                           where the program runs: tc at tc ingress after GRO (once per",
            "                           aggregate; Linux 6.6), generic at XDP in the kernel stack before GRO,",
            "                           native at XDP in the driver; auto (default): tc on virtual devices",
            "                           (veth, bridge, tun; generic before 6.6), native on NICs whose driver",
            "                           runs XDP. On veth generic costs bulk TCP about 10%, native half",
            "                           (bench/RESULTS.md)",
            "  --ring-size BYTES        perf ring per CPU, a power of two, K/M suffix allowed (default 16M)",
            "  --nano                   pcap with nanosecond timestamps",
            "  --unordered              write events in the order the per-CPU rings are drained, not in",
            "                           timestamp order across CPUs (which holds each event back up to 85 ms)",
            "  --stats N                print the counters as one line on stderr every N seconds",
            "  --json-stats             json only: end the output with one {\"type\":\"stats\",...} record",
            "  --kafka BROKERS          also send each event to Kafka (host:port,...), one record each:",
            "                           the JSON line with \"host\", keyed by source address; needs --topic",
            "  --topic TOPIC            the topic the events go to",
            "  --kafka-stats-topic T    where the stats records go (default: --topic), at exit and --stats N",
            "  --host-id NAME           the host's name in records and headers (default: the hostname)",
            "  --kafka-opt KEY=VALUE    a producer setting (TLS, SASL, acks, compression), repeatable",
            "  --serve PATH             also serve the capture on a Unix socket at PATH (mode 0660): each",
            "                           client asks for a format and gets the events from then on",
            "                           (README: Sharing a capture)",
            "  --serve-group GROUP      the socket file's group; its members are served (besides root and",
            "                           the server's own user)",
            "  --serve-max-clients N    clients served at once, 1-4096 (default 64)",
            "  --connect PATH           be a client of xdpdump --serve PATH: hex, json, -w FILE (pcap),",
            "                           -w - --pcapng, -c N as for a capture; needs no privileges",
            "  -Z USER                  once the program is attached and the outputs are open, become USER",
            "                           (its uid, group and groups): no capabilities left; files opened",
            "                           later (-C, -G) are created as USER",
            "  -n, -U                   accepted for tcpdump habits: names are never resolved, output is",
            "                           flushed after every batch",
            "  -v                       stack traces and full verifier logs on errors",
            "  -D, --list-interfaces    list the interfaces with what XDP or tc ingress program each has",
            "  -h, --help               this text",
            "  --version                the version",
            "",
            "Commands:",
            "  demo                     capture a few connection attempts in a throwaway namespace pair",
            "  extcap ARGS              Wireshark's extcap protocol (the package's launcher in Wireshark's",
            "                           extcap folder runs it): xdpdump-IFACE interfaces, pcapng to a FIFO",
            "",
            "Needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (run as root). Stops on SIGINT, SIGTERM, SIGHUP, a",
            "closed pipe or -c, after writing what the program emitted (a second signal stops at once); prints",
            "what was written and lost on stderr, one counter a line.",
            "");

    static Options parse(List<String> args) throws UsageException {
        Builder b = new Builder();
        OutputFormat view = null;
        String pcapTarget = null;
        boolean pcapng = false;
        long fileMegabytes = 0;
        int periodSeconds = 0;
        int fileCount = 0;
        String kafkaBrokers = null;
        String kafkaTopic = null;
        String kafkaStatsTopic = null;
        String hostId = null;
        Map<String, String> kafkaOptions = new LinkedHashMap<>();
        String servePath = null;
        String serveGroup = null;
        int maxClients = 0;
        words:
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            switch (arg) {
                case "-i", "-iface", "--iface", "--interface" -> addInterfaces(b, value(args, ++i, arg), arg);
                case "-r" -> b.readFile = value(args, ++i, arg);
                case "-F" -> b.expressionFile = value(args, ++i, arg);
                case "--pcapng" -> pcapng = true;
                case "hex", "-x", "-X", "--print" -> view = choose(view, OutputFormat.HEX);
                case "json", "--json" -> view = choose(view, OutputFormat.JSON);
                case "-w", "--pcap" -> {
                    if (pcapTarget != null) {
                        throw new UsageException("one -w FILE at a time (got " + pcapTarget + " and "
                                + args.get(Math.min(i + 1, args.size() - 1)) + ")");
                    }
                    pcapTarget = value(args, ++i, arg);
                }
                case "-C" -> fileMegabytes = number(value(args, ++i, arg), arg, 1, MAX_FILE_MEGABYTES);
                case "-G" -> periodSeconds = (int) number(value(args, ++i, arg), arg, 1, Integer.MAX_VALUE);
                case "-W" -> fileCount = (int) number(value(args, ++i, arg), arg, 1, Integer.MAX_VALUE);
                case "-c" -> b.count = number(value(args, ++i, arg), arg, 1, Long.MAX_VALUE);
                case "-s" -> b.snapLength = (int) number(value(args, ++i, arg), arg, 1, ProgramConfig.MAX_SNAP_LEN);
                case "--mode" -> {
                    String word = value(args, ++i, arg);
                    try {
                        b.mode = XdpMode.parse(word);
                    } catch (IllegalArgumentException e) {
                        throw new UsageException(e.getMessage());
                    }
                }
                case "--ring-size" -> b.ringBytesPerCpu = ringSize(value(args, ++i, arg));
                case "--nano" -> b.nanoseconds = true;
                case "--unordered" -> b.unordered = true;
                case "--stats" -> b.statsSeconds = (int) number(value(args, ++i, arg), arg, 1, MAX_STATS_SECONDS);
                case "--json-stats" -> b.jsonStats = true;
                case "--kafka" -> kafkaBrokers = value(args, ++i, arg);
                case "--topic" -> kafkaTopic = value(args, ++i, arg);
                case "--kafka-stats-topic" -> kafkaStatsTopic = value(args, ++i, arg);
                case "--host-id" -> hostId = value(args, ++i, arg);
                case "--kafka-opt" -> kafkaOption(kafkaOptions, value(args, ++i, arg));
                case "-Z" -> b.user = value(args, ++i, arg);
                case "--serve" -> servePath = value(args, ++i, arg);
                case "--serve-group" -> serveGroup = value(args, ++i, arg);
                case "--serve-max-clients" -> maxClients = (int) number(value(args, ++i, arg), arg, 1, 4096);
                case "--connect" -> {
                    b.connect = value(args, ++i, arg);
                    b.command = Command.CONNECT;
                }
                case "-n", "-nn", "-U" -> { }
                case "-v" -> b.verbose = true;
                case "-h", "--help" -> b.command = Command.HELP;
                case "--version" -> b.command = Command.VERSION;
                case "-D", "--list-interfaces" -> b.command = Command.LIST_INTERFACES;
                case "-d" -> b.command = Command.PRINT_FILTER;
                case "demo" -> {
                    if (i != 0) {
                        throw new UsageException("'demo' must be the first word: xdpdump demo");
                    }
                    b.command = Command.DEMO;
                }
                default -> {
                    if (arg.startsWith("-")) {
                        throw new UsageException("unknown option '" + arg + "'; see xdpdump --help");
                    }
                    // As for tcpdump: the first word that is not an option starts the filter expression.
                    b.expression = String.join(" ", args.subList(i, args.size()));
                    break words;
                }
            }
        }
        if (servePath == null && (serveGroup != null || maxClients > 0)) {
            throw new UsageException((serveGroup != null ? "--serve-group" : "--serve-max-clients")
                    + " goes with --serve PATH; add --serve PATH");
        }
        if (servePath != null) {
            if (servePath.isEmpty()) {
                throw new UsageException("--serve needs a socket path, not ''");
            }
            if (b.connect != null) {
                throw new UsageException("--serve serves a capture and --connect reads one; give one of them");
            }
            b.serving = new Serving(servePath, serveGroup, maxClients > 0 ? maxClients : 64);
        }
        if (b.connect != null && (b.readFile != null || !b.interfaces.isEmpty() || b.user != null
                || b.expression != null || b.expressionFile != null)) {
            throw new UsageException("--connect reads what a server captures; -i, -r, -Z and a filter expression"
                    + " belong on the server's command line");
        }
        if (b.connect != null && b.connect.isEmpty()) {
            throw new UsageException("--connect needs a socket path, not ''");
        }
        if (b.user != null && b.command == Command.DEMO) {
            throw new UsageException("-Z does not go with demo: the demo removes its namespaces at the end, which"
                    + " needs root");
        }
        if (b.user != null && b.user.isEmpty()) {
            throw new UsageException("-Z needs a user name, not ''");
        }
        if (b.expression != null && b.expressionFile != null) {
            throw new UsageException("give the filter expression once: on the command line or with -F FILE");
        }
        if (b.readFile != null && !b.interfaces.isEmpty()) {
            throw new UsageException("-r reads a file and -i captures live; give one of them");
        }
        if (b.readFile != null && b.unordered) {
            throw new UsageException("--unordered is for live capture; -r always writes a file's packets in file order");
        }
        if (pcapng && pcapTarget == null) {
            throw new UsageException("--pcapng is the format of -w FILE; add -w FILE (or -w - for standard output)");
        }
        b.kafka = kafka(kafkaBrokers, kafkaTopic, kafkaStatsTopic, hostId, kafkaOptions);
        Rotation rotation = rotation(fileMegabytes, periodSeconds, fileCount, pcapTarget);
        if (pcapTarget != null) {
            boolean ng = pcapng || pcapTarget.endsWith(".pcapng");
            b.outputs.add(new OutputSpec(ng ? OutputFormat.PCAPNG : OutputFormat.PCAP, pcapTarget, rotation));
        }
        if (view != null || (pcapTarget == null && b.kafka == null)) {
            if (Output.STDOUT.equals(pcapTarget)) {
                throw new UsageException("-w - and " + view.word() + " would both write to standard output; write"
                        + " the pcap to a file (-w FILE) or drop " + view.word());
            }
            b.outputs.add(new OutputSpec(view == null ? OutputFormat.HEX : view, Output.STDOUT));
        }
        if (b.jsonStats && b.outputs.stream().noneMatch(o -> o.format() == OutputFormat.JSON)) {
            throw new UsageException("--json-stats adds a record to json output; add 'json' (got "
                    + (b.outputs.isEmpty() ? "--kafka" : b.outputs.get(b.outputs.size() - 1).format().word()) + ")");
        }
        return b.build();
    }

    /** Options by name, each field starting at its default; the parser and {@link #withCount} fill one. */
    static final class Builder {
        Command command = Command.CAPTURE;
        final List<String> interfaces = new ArrayList<>();
        String readFile;
        String expression;
        String expressionFile;
        final List<OutputSpec> outputs = new ArrayList<>();
        long count;
        int snapLength = ProgramConfig.DEFAULT_SNAP_LEN;
        XdpMode mode = XdpMode.AUTO;
        int ringBytesPerCpu = DEFAULT_RING_BYTES;
        boolean nanoseconds;
        boolean verbose;
        int statsSeconds;
        boolean jsonStats;
        boolean unordered;
        KafkaSpec kafka;
        String user;
        Serving serving;
        String connect;

        Builder() {}

        Builder(Options from) {
            command = from.command;
            interfaces.addAll(from.interfaces);
            readFile = from.readFile;
            expression = from.expression;
            expressionFile = from.expressionFile;
            outputs.addAll(from.outputs);
            count = from.count;
            snapLength = from.snapLength;
            mode = from.mode;
            ringBytesPerCpu = from.ringBytesPerCpu;
            nanoseconds = from.nanoseconds;
            verbose = from.verbose;
            statsSeconds = from.statsSeconds;
            jsonStats = from.jsonStats;
            unordered = from.unordered;
            kafka = from.kafka;
            user = from.user;
            serving = from.serving;
            connect = from.connect;
        }

        Options build() {
            return new Options(command, List.copyOf(interfaces), readFile, expression, expressionFile, outputs, count, snapLength, mode, ringBytesPerCpu,
                    nanoseconds, verbose, statsSeconds, jsonStats, unordered, kafka,
                    user, serving, connect);
        }
    }

    /** {@code -C}, {@code -G}, {@code -W} (0 for each absent) for the {@code -w} file; null for none of them. */
    private static Rotation rotation(long megabytes, int seconds, int files, String target) throws UsageException {
        if (megabytes == 0 && seconds == 0) {
            if (files > 0) {
                throw new UsageException("-W counts the files of -C or -G; add -C MB or -G SECONDS");
            }
            return null;
        }
        String flag = megabytes > 0 ? "-C" : "-G";
        if (target == null) {
            throw new UsageException(flag + " rotates the file -w writes; add -w FILE");
        }
        if (Output.STDOUT.equals(target)) {
            throw new UsageException(flag + " rotates files and -w - writes standard output, which cannot rotate;"
                    + " write to -w FILE");
        }
        Rotation rotation = Rotation.of(megabytes, seconds, files);
        try {
            rotation.checkName(target);
        } catch (IllegalArgumentException e) {
            throw new UsageException("-w '" + target + "' with -G is a strftime pattern, and " + e.getMessage());
        }
        return rotation;
    }

    /** The Kafka output's words, checked together; null when there is no {@code --kafka}. */
    private static KafkaSpec kafka(String brokers, String topic, String statsTopic, String hostId,
                                   Map<String, String> producerOptions) throws UsageException {
        if (brokers == null) {
            String stray = topic != null ? "--topic" : statsTopic != null ? "--kafka-stats-topic"
                    : hostId != null ? "--host-id" : !producerOptions.isEmpty() ? "--kafka-opt" : null;
            if (stray != null) {
                throw new UsageException(stray + " goes with --kafka BROKERS; add --kafka host:port --topic TOPIC");
            }
            return null;
        }
        if (brokers.isBlank()) {
            throw new UsageException("--kafka needs at least one broker, host:port[,host:port...]");
        }
        if (topic == null || topic.isBlank()) {
            throw new UsageException("--kafka needs --topic TOPIC: the topic the events go to");
        }
        if (hostId != null && hostId.isBlank()) {
            throw new UsageException("--host-id needs a name: it tells this host's records apart");
        }
        return new KafkaSpec(brokers, topic, statsTopic, hostId, producerOptions);
    }

    private static void kafkaOption(Map<String, String> into, String pair) throws UsageException {
        int eq = pair.indexOf('=');
        if (eq <= 0) {
            throw new UsageException("--kafka-opt takes KEY=VALUE (a producer setting, e.g. compression.type=zstd),"
                    + " not '" + pair + "'");
        }
        into.put(pair.substring(0, eq), pair.substring(eq + 1));
    }

    /** {@code -i a} or {@code -i a,b}; an interface named twice is a mistake worth saying. */
    private static void addInterfaces(Builder b, String value, String option) throws UsageException {
        for (String name : value.split(",", -1)) {
            if (name.isEmpty()) {
                throw new UsageException(option + " '" + value + "' has an empty interface name; write -i eth0,eth1"
                        + " or -i eth0 -i eth1");
            }
            if (b.interfaces.contains(name)) {
                throw new UsageException("interface " + name + " is named twice; name each once");
            }
            b.interfaces.add(name);
        }
    }

    private static String value(List<String> args, int i, String option) throws UsageException {
        if (i >= args.size()) {
            throw new UsageException(option + " needs a value; see xdpdump --help");
        }
        return args.get(i);
    }

    private static OutputFormat choose(OutputFormat chosen, OutputFormat wanted) throws UsageException {
        if (chosen != null && chosen != wanted) {
            throw new UsageException("one view on standard output: hex or json (got " + chosen.word() + " and "
                    + wanted.word() + "); -w FILE can go with either");
        }
        return wanted;
    }

    private static long number(String text, String option, long min, long max) throws UsageException {
        try {
            long n = Long.parseLong(text);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the message
        }
        throw new UsageException(option + " takes a whole number from " + min + " to " + max + ", not '" + text + "'");
    }

    private static int ringSize(String text) throws UsageException {
        String digits = text;
        long unit = 1;
        if (text.endsWith("K") || text.endsWith("k")) {
            unit = 1 << 10;
            digits = text.substring(0, text.length() - 1);
        } else if (text.endsWith("M") || text.endsWith("m")) {
            unit = 1 << 20;
            digits = text.substring(0, text.length() - 1);
        }
        long bytes = number(digits, "--ring-size", 1, 1L << 30) * unit;
        if (Long.bitCount(bytes) != 1 || bytes < 8192 || bytes > (1L << 30)) {
            throw new UsageException("--ring-size takes a power of two from 8K to 1024M, not '" + text + "'");
        }
        return (int) bytes;
    }
}
