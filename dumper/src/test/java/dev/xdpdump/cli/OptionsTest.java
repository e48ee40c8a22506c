package dev.xdpdump.cli;

import dev.xdpdump.bpf.XdpMode;
import dev.xdpdump.sink.OutputFormat;
import dev.xdpdump.sink.Rotation;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptionsTest {
    private static Options parse(String... args) throws UsageException {
        return Options.parse(List.of(args));
    }

    private static String usageError(String... args) {
        return assertThrows(UsageException.class, () -> parse(args)).getMessage();
    }

    @Test
    void defaultsAreHexOnStdoutWithSnap256AutoModeAnd16MiBRings() throws Exception {
        Options o = parse();
        assertEquals(Options.Command.CAPTURE, o.command());
        assertEquals(List.of(), o.interfaces());
        assertEquals(List.of(new Options.OutputSpec(OutputFormat.HEX, "-")), o.outputs());
        assertEquals(0, o.count());
        assertEquals(256, o.snapLength());
        assertEquals(XdpMode.AUTO, o.mode());
        assertEquals(16 << 20, o.ringBytesPerCpu());
        assertFalse(o.nanoseconds());
        assertFalse(o.verbose());
        assertEquals(0, o.statsSeconds());
        assertFalse(o.jsonStats());
        assertFalse(o.unordered(), "time order across CPUs is the default");
    }

    @Test
    void unorderedTurnsTimeOrderOffForLiveCaptureOnly() throws Exception {
        assertTrue(parse("-i", "eth0", "--unordered").unordered());
        assertEquals("--unordered is for live capture; -r always writes a file's packets in file order",
                usageError("-r", "x.pcap", "--unordered"));
    }

    @Test
    void dashZNamesTheUserToBecomeAndNotWithDemo() throws Exception {
        assertEquals("nobody", parse("-Z", "nobody").user());
        assertEquals(null, parse().user());
        assertEquals("-Z needs a value; see xdpdump --help", usageError("-Z"));
        assertEquals("-Z does not go with demo: the demo removes its namespaces at the end, which needs root",
                usageError("demo", "-Z", "nobody"));
    }

    @Test
    void statsTakesSecondsAndJsonStatsNeedsJsonOutput() throws Exception {
        assertEquals(5, parse("--stats", "5").statsSeconds());
        assertTrue(parse("json", "--json-stats").jsonStats());
        assertEquals("--stats takes a whole number from 1 to 86400, not '0'", usageError("--stats", "0"));
        assertTrue(parse("-w", "x.pcap", "json", "--json-stats").jsonStats());
        assertEquals("--json-stats adds a record to json output; add 'json' (got pcap)",
                usageError("-w", "x.pcap", "--json-stats"));
        assertEquals("--json-stats adds a record to json output; add 'json' (got hex)", usageError("--json-stats"));
    }

    @Test
    void kafkaTakesBrokersATopicAndProducerSettingsAndIsAnOutputOfItsOwn() throws Exception {
        Options o = parse("--kafka", "b1:9092,b2:9092", "--topic", "syns", "--host-id", "node-7",
                "--kafka-opt", "compression.type=zstd", "--kafka-opt", "sasl.jaas.config=a=b c=d");
        assertEquals(new Options.KafkaSpec("b1:9092,b2:9092", "syns", null, "node-7",
                java.util.Map.of("compression.type", "zstd", "sasl.jaas.config", "a=b c=d")), o.kafka());
        assertEquals(List.of(), o.outputs(), "no hex view on standard output unless asked for");
        assertEquals(1, parse("--kafka", "b:1", "--topic", "t", "json").outputs().size());
        assertEquals(null, parse("json").kafka());
        assertEquals("--kafka needs --topic TOPIC: the topic the events go to", usageError("--kafka", "b:1"));
        assertEquals("--topic goes with --kafka BROKERS; add --kafka host:port --topic TOPIC",
                usageError("--topic", "t"));
        assertEquals("--host-id goes with --kafka BROKERS; add --kafka host:port --topic TOPIC",
                usageError("--host-id", "h"));
        assertEquals("--kafka-opt takes KEY=VALUE (a producer setting, e.g. compression.type=zstd), not 'acks'",
                usageError("--kafka", "b:1", "--topic", "t", "--kafka-opt", "acks"));
        assertEquals("--json-stats adds a record to json output; add 'json' (got --kafka)",
                usageError("--kafka", "b:1", "--topic", "t", "--json-stats"));
    }

    @Test
    void theSpellingsTheReadmeShowsAllParse() throws Exception {
        assertEquals(List.of("veth1"), parse("-iface", "veth1", "hex").interfaces());
        assertEquals(List.of(new Options.OutputSpec(OutputFormat.JSON, "-")), parse("-iface", "eth0", "json").outputs());
        assertEquals(List.of(new Options.OutputSpec(OutputFormat.PCAP, "out.pcap")), parse("--pcap", "out.pcap").outputs());
        assertEquals(List.of(new Options.OutputSpec(OutputFormat.PCAP, "-")), parse("--pcap", "-").outputs());
    }

    @Test
    void tcpdumpSpellingsAreAliases() throws Exception {
        Options o = parse("-i", "eth1", "-w", "x.pcap", "-c", "10", "-s", "96", "-n", "-U", "-v", "--nano");
        assertEquals(List.of("eth1"), o.interfaces());
        assertEquals(List.of(new Options.OutputSpec(OutputFormat.PCAP, "x.pcap")), o.outputs());
        assertEquals(10, o.count());
        assertEquals(96, o.snapLength());
        assertTrue(o.verbose());
        assertTrue(o.nanoseconds());
        assertEquals(List.of(new Options.OutputSpec(OutputFormat.HEX, "-")), parse("-x").outputs());
        assertEquals(List.of("eth2"), parse("--interface", "eth2").interfaces());
    }

    @Test
    void severalInterfacesByRepeatingOrByCommas() throws Exception {
        assertEquals(List.of("eth0", "eth1", "veth9"), parse("-i", "eth0", "-i", "eth1,veth9", "json").interfaces());
        UsageException twice = assertThrows(UsageException.class, () -> parse("-i", "eth0,eth1", "-i", "eth0"));
        assertTrue(twice.getMessage().contains("eth0 is named twice"), twice.getMessage());
        UsageException empty = assertThrows(UsageException.class, () -> parse("-i", "eth0,"));
        assertTrue(empty.getMessage().contains("empty interface name"), empty.getMessage());
        assertThrows(UsageException.class, () -> parse("-i", "eth0", "-r", "x.pcap"));
    }

    @Test
    void aFileAndAViewOnStandardOutputGoTogether() throws Exception {
        assertEquals(List.of(new Options.OutputSpec(OutputFormat.PCAP, "syns.pcap"),
                new Options.OutputSpec(OutputFormat.JSON, "-")), parse("-w", "syns.pcap", "json").outputs());
        assertEquals(List.of(new Options.OutputSpec(OutputFormat.PCAP, "syns.pcap"),
                new Options.OutputSpec(OutputFormat.HEX, "-")), parse("--print", "-w", "syns.pcap").outputs());
        assertEquals("one view on standard output: hex or json (got json and hex); -w FILE can go with either",
                usageError("json", "--print"));
        assertEquals("-w - and json would both write to standard output; write the pcap to a file (-w FILE) or"
                + " drop json", usageError("-w", "-", "json"));
        assertEquals("one -w FILE at a time (got a.pcap and b.pcap)", usageError("-w", "a.pcap", "-w", "b.pcap"));
    }

    @Test
    void modeTakesAutoTcGenericOrNative() throws Exception {
        assertEquals(XdpMode.TC, parse("--mode", "tc").mode());
        assertEquals(XdpMode.NATIVE, parse("--mode", "native").mode());
        assertEquals(XdpMode.GENERIC, parse("--mode", "generic").mode());
        assertEquals(XdpMode.AUTO, parse("--mode", "auto").mode());
        assertEquals("--mode takes auto, tc, generic or native, not 'fast'", usageError("--mode", "fast"));
    }

    @Test
    void ringSizeTakesPowersOfTwoWithSuffixes() throws Exception {
        assertEquals(8192, parse("--ring-size", "8K").ringBytesPerCpu());
        assertEquals(4 << 20, parse("--ring-size", "4M").ringBytesPerCpu());
        assertEquals(65536, parse("--ring-size", "65536").ringBytesPerCpu());
        assertTrue(usageError("--ring-size", "3M").contains("power of two"));
        assertTrue(usageError("--ring-size", "4K").contains("power of two"));
    }

    @Test
    void readTakesAFileOrStandardInputAndNotAnInterface() throws Exception {
        assertEquals("big.pcap", parse("-r", "big.pcap", "json").readFile());
        assertEquals("-", parse("-r", "-").readFile());
        assertEquals(null, parse().readFile());
        assertEquals("-r reads a file and -i captures live; give one of them", usageError("-r", "x.pcap", "-i", "eth0"));
        assertEquals("-r needs a value; see xdpdump --help", usageError("-r"));
    }

    @Test
    void wordsAfterTheOptionsAreTheFilterExpression() throws Exception {
        Options o = parse("-r", "x.pcap", "json", "tcp", "dst", "port", "80");
        assertEquals("tcp dst port 80", o.expression());
        assertEquals(OutputFormat.JSON, o.outputs().get(0).format());
        assertEquals("src host 198.18.0.2 or ip6", parse("-w", "o.pcap", "src host 198.18.0.2 or ip6").expression());
        assertEquals(null, parse("json").expression());
        assertEquals("f.txt", parse("-F", "f.txt").expressionFile());
        assertEquals("give the filter expression once: on the command line or with -F FILE",
                usageError("-F", "f.txt", "port", "80"));
        assertEquals("unknown option '--frob'; see xdpdump --help", usageError("--frob", "port", "80"));
    }

    @Test
    void pcapngByFlagOrByTheFileName() throws Exception {
        assertEquals(OutputFormat.PCAPNG, parse("-w", "syns.pcapng").outputs().get(0).format());
        assertEquals(OutputFormat.PCAPNG, parse("--pcapng", "-w", "-").outputs().get(0).format());
        assertEquals(OutputFormat.PCAP, parse("-w", "syns.pcap").outputs().get(0).format());
        assertEquals("--pcapng is the format of -w FILE; add -w FILE (or -w - for standard output)",
                usageError("--pcapng", "json"));
    }

    @Test
    void rotationFlagsGoWithTheFileOutput() throws Exception {
        assertEquals(List.of(new Options.OutputSpec(OutputFormat.PCAP, "out.pcap", new Rotation(1_000_000, 0, 0))),
                parse("-w", "out.pcap", "-C", "1").outputs());
        assertEquals(List.of(new Options.OutputSpec(OutputFormat.PCAPNG, "s-%H%M%S.pcapng", Rotation.of(0, 60, 5)),
                new Options.OutputSpec(OutputFormat.JSON, "-")),
                parse("-G", "60", "-W", "5", "-w", "s-%H%M%S.pcapng", "json").outputs());
        assertEquals(Rotation.of(2, 3600, 10), parse("-C", "2", "-G", "3600", "-W", "10", "-w", "x.pcap").outputs()
                .get(0).rotation());
        assertEquals(List.of(new Options.OutputSpec(OutputFormat.PCAP, "x.pcap")), parse("-w", "x.pcap").outputs());
    }

    @Test
    void rotationWithoutAFileIsRefused() {
        assertEquals("-C rotates the file -w writes; add -w FILE", usageError("-C", "1"));
        assertEquals("-G rotates the file -w writes; add -w FILE", usageError("-G", "1", "json"));
        assertEquals("-C rotates files and -w - writes standard output, which cannot rotate; write to -w FILE",
                usageError("-w", "-", "-C", "1"));
        assertEquals("-G rotates files and -w - writes standard output, which cannot rotate; write to -w FILE",
                usageError("-G", "1", "--pcapng", "-w", "-"));
        assertEquals("-W counts the files of -C or -G; add -C MB or -G SECONDS", usageError("-w", "x.pcap", "-W", "3"));
        assertEquals("-C takes a whole number from 1 to 1000000, not '0'", usageError("-w", "x.pcap", "-C", "0"));
        assertEquals("-G takes a whole number from 1 to 2147483647, not '1.5'",
                usageError("-w", "x.pcap", "-G", "1.5"));
        assertEquals("-W takes a whole number from 1 to 2147483647, not '-1'", usageError("-w", "x.pcap", "-W", "-1"));
        assertTrue(usageError("-G", "1", "-w", "s-%Q.pcap").startsWith(
                "-w 's-%Q.pcap' with -G is a strftime pattern, and %Q is not a strftime conversion"));
    }

    @Test
    void listInterfacesIsACommand() throws Exception {
        assertEquals(Options.Command.LIST_INTERFACES, parse("-D").command());
        assertEquals(Options.Command.LIST_INTERFACES, parse("--list-interfaces").command());
    }

    @Test
    void badValuesSayWhatIsAccepted() {
        assertEquals("-c takes a whole number from 1 to 9223372036854775807, not 'many'", usageError("-c", "many"));
        assertEquals("-c takes a whole number from 1 to 9223372036854775807, not '0'", usageError("-c", "0"));
        assertEquals("-s takes a whole number from 1 to 65535, not '70000'", usageError("-s", "70000"));
        assertEquals("-i needs a value; see xdpdump --help", usageError("-i"));
        assertEquals("unknown option '--frobnicate'; see xdpdump --help", usageError("--frobnicate"));
    }

    @Test
    void twoViewsOnStandardOutputAreRefused() {
        assertEquals("one view on standard output: hex or json (got json and hex); -w FILE can go with either",
                usageError("json", "hex"));
    }

    @Test
    void demoIsACommandOnlyAsTheFirstWord() throws Exception {
        assertEquals(Options.Command.DEMO, parse("demo").command());
        assertEquals(OutputFormat.JSON, parse("demo", "json").outputs().get(0).format());
        assertEquals("'demo' must be the first word: xdpdump demo", usageError("json", "demo"));
    }

    @Test
    void helpAndVersionAreCommands() throws Exception {
        assertEquals(Options.Command.HELP, parse("--help").command());
        assertEquals(Options.Command.HELP, parse("-h").command());
        assertEquals(Options.Command.VERSION, parse("--version").command());
    }

    @Test
    void helpTextIsExactlyThis() {
        String expected = ""
                + "Usage: xdpdump [-i IFACE | -r FILE] [hex | json | -w FILE] [options] [expression]\n"
                + "       xdpdump demo\n"
                + "       xdpdump extcap ARGS      (run by Wireshark: see the extcap command below)\n"
                + "\n"
                + "Captures TCP connection requests (SYN without ACK) with an XDP program and writes them out.\n"
                + "\n"
                + "Output (a file, a view on standard output, or both at once):\n"
                + "  hex, -x                  a summary line and a hexdump -C of each frame (the default)\n"
                + "  json                     one JSON object per line, for jq\n"
                + "  -w FILE, --pcap FILE     a pcap file for tcpdump and Wireshark; '-' writes pcap to stdout\n"
                + "  --pcapng                 -w writes pcapng (interface, queue, direction per packet; the books at\n"
                + "                           the end); a FILE ending in .pcapng does too\n"
                + "  --print                  with -w FILE: also print the hex view on standard output\n"
                + "                           (-w FILE json: the file and JSON lines; each output has its own books)\n"
                + "  -C MB                    -w FILE rotates: a new file before this one would pass MB million\n"
                + "                           bytes, named as tcpdump does: FILE, FILE1, FILE2, ...\n"
                + "  -G SECONDS               -w FILE rotates: a new file every SECONDS (at the first batch after),\n"
                + "                           FILE a strftime pattern: -w 'syns-%Y%m%d-%H%M%S.pcap'\n"
                + "  -W N                     with -C: a ring of N files, FILE0 to FILE<N-1>, the oldest\n"
                + "                           overwritten; with -G alone: stop after N files\n"
                + "\n"
                + "Options:\n"
                + "  -i, -iface, --interface IFACE\n"
                + "                           interface to capture on (default: the first that is up, not loopback);\n"
                + "                           several: -i eth0 -i eth1 or -i eth0,eth1, one program for all\n"
                + "  -r FILE                  read connection requests from a pcap or pcapng file ('-': standard\n"
                + "                           input) instead of an interface; needs no privileges\n"
                + "  expression               a tcpdump filter expression (pcap-filter(7)) after the options, that\n"
                + "                           selects among connection requests; it runs in the kernel, and the\n"
                + "                           requests it leaves out count as filtered\n"
                + "  -F FILE                  read the filter expression from FILE\n"
                + "  -d                       print the expression's program (libpcap's classic BPF, as tcpdump -d,\n"
                + "                           and the eBPF the kernel runs) and exit\n"
                + "  -c N                     exit after writing N events\n"
                + "  -s N                     snap length: bytes of each frame to keep, 1-65535 (default 256)\n"
                + "  --mode auto|tc|generic|native\n"
                + "                           where the program runs: tc at tc ingress after GRO (once per\n"
                + "                           aggregate; Linux 6.6), generic at XDP in the kernel stack before GRO,\n"
                + "                           native at XDP in the driver; auto (default): tc on virtual devices\n"
                + "                           (veth, bridge, tun; generic before 6.6), native on NICs whose driver\n"
                + "                           runs XDP. On veth generic costs bulk TCP about 10%, native half\n"
                + "                           (bench/RESULTS.md)\n"
                + "  --ring-size BYTES        perf ring per CPU, a power of two, K/M suffix allowed (default 16M)\n"
                + "  --nano                   pcap with nanosecond timestamps\n"
                + "  --unordered              write events in the order the per-CPU rings are drained, not in\n"
                + "                           timestamp order across CPUs (which holds each event back up to 85 ms)\n"
                + "  --stats N                print the counters as one line on stderr every N seconds\n"
                + "  --json-stats             json only: end the output with one {\"type\":\"stats\",...} record\n"
                + "  --kafka BROKERS          also send each event to Kafka (host:port,...), one record each:\n"
                + "                           the JSON line with \"host\", keyed by source address; needs --topic\n"
                + "  --topic TOPIC            the topic the events go to\n"
                + "  --kafka-stats-topic T    where the stats records go (default: --topic), at exit and --stats N\n"
                + "  --host-id NAME           the host's name in records and headers (default: the hostname)\n"
                + "  --kafka-opt KEY=VALUE    a producer setting (TLS, SASL, acks, compression), repeatable\n"
                + "  --serve PATH             also serve the capture on a Unix socket at PATH (mode 0660): each\n"
                + "                           client asks for a format and gets the events from then on\n"
                + "                           (README: Sharing a capture)\n"
                + "  --serve-group GROUP      the socket file's group; its members are served (besides root and\n"
                + "                           the server's own user)\n"
                + "  --serve-max-clients N    clients served at once, 1-4096 (default 64)\n"
                + "  --connect PATH           be a client of xdpdump --serve PATH: hex, json, -w FILE (pcap),\n"
                + "                           -w - --pcapng, -c N as for a capture; needs no privileges\n"
                + "  -Z USER                  once the program is attached and the outputs are open, become USER\n"
                + "                           (its uid, group and groups): no capabilities left; files opened\n"
                + "                           later (-C, -G) are created as USER\n"
                + "  -n, -U                   accepted for tcpdump habits: names are never resolved, output is\n"
                + "                           flushed after every batch\n"
                + "  -v                       stack traces and full verifier logs on errors\n"
                + "  -D, --list-interfaces    list the interfaces with what XDP or tc ingress program each has\n"
                + "  -h, --help               this text\n"
                + "  --version                the version\n"
                + "\n"
                + "Commands:\n"
                + "  demo                     capture a few connection attempts in a throwaway namespace pair\n"
                + "  extcap ARGS              Wireshark's extcap protocol (the package's launcher in Wireshark's\n"
                + "                           extcap folder runs it): xdpdump-IFACE interfaces, pcapng to a FIFO\n"
                + "\n"
                + "Needs CAP_BPF, CAP_PERFMON and CAP_NET_ADMIN (run as root). Stops on SIGINT, SIGTERM, SIGHUP, a\n"
                + "closed pipe or -c, after writing what the program emitted (a second signal stops at once); prints\n"
                + "what was written and lost on stderr, one counter a line.\n";
        assertEquals(expected, Options.HELP);
    }

    @Test
    void usageErrorsExitTwoWithOneLineOnStderr() {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = Main.run(new String[] {"-s", "x"}, new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(Main.USAGE, status);
        String text = err.toString(StandardCharsets.UTF_8);
        assertEquals("xdpdump: -s takes a whole number from 1 to 65535, not 'x'\n", text);
    }

    @Test
    void serveTakesAPathAGroupAndAClientLimit() throws UsageException {
        Options o = Options.parse(List.of("-w", "f.pcap", "--serve", "/run/x.sock", "--serve-group", "adm",
                "--serve-max-clients", "8"));
        assertEquals(new Options.Serving("/run/x.sock", "adm", 8), o.serving());
        assertEquals(64, Options.parse(List.of("--serve", "/run/x.sock")).serving().maxClients());
        assertNull(Options.parse(List.of("json")).serving());
    }

    @Test
    void serveOptionsWithoutServeOrWithConnectAreUsageErrors() {
        assertEquals("--serve-group goes with --serve PATH; add --serve PATH", usageError("--serve-group", "adm"));
        assertEquals("--serve-max-clients goes with --serve PATH; add --serve PATH",
                usageError("--serve-max-clients", "3"));
        assertEquals("--serve-max-clients takes a whole number from 1 to 4096, not '0'", usageError("--serve", "s",
                "--serve-max-clients", "0"));
        assertEquals("--serve serves a capture and --connect reads one; give one of them", usageError("--serve", "s",
                "--connect", "s"));
        assertEquals("--connect reads what a server captures; -i, -r, -Z and a filter expression belong on the"
                + " server's command line", usageError("--connect", "s", "-i", "eth0"));
    }

    @Test
    void connectIsACommandWithTheCaptureOutputs() throws UsageException {
        Options o = Options.parse(List.of("--connect", "/run/x.sock", "-w", "-", "--pcapng", "-c", "5"));
        assertEquals(Options.Command.CONNECT, o.command());
        assertEquals("/run/x.sock", o.connect());
        assertEquals(List.of(new Options.OutputSpec(OutputFormat.PCAPNG, "-")), o.outputs());
        assertEquals(5, o.count());
    }
}
