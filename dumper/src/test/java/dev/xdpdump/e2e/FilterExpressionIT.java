package dev.xdpdump.e2e;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.xdpdump.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Filter expressions with {@code -r}, against libpcap itself: for each expression, the connection requests xdpdump
 * writes are exactly the connection requests of the corpus that {@code tcpdump -r corpus.pcap EXPR} prints. Which
 * frames are requests comes from how the test built them, not from either tool.
 */
class FilterExpressionIT {
    private static final long EPOCH_SECONDS = 1_795_000_000L;
    private static final Pattern SPORT = Pattern.compile("\"sport\":(\\d+),");
    private static final Pattern TCPDUMP_TIME = Pattern.compile("^\\d+\\.(\\d{6}) ");

    /** A frame of the corpus; {@code sourcePort} > 0 for the connection requests, each its own. */
    private record Entry(byte[] frame, int sourcePort) {}

    private static final List<Entry> CORPUS = new ArrayList<>();
    private static Path corpusFile;

    @TempDir
    static Path directory;

    private static byte[] v4(byte[] frame, int l3, int src, int dst) {
        ByteBuffer.wrap(frame).putInt(l3 + 12, src).putInt(l3 + 16, dst);
        return frame;
    }

    private static byte[] v6(byte[] frame, int l3, int srcLast, int dstLast) {
        byte[] prefix = {0x20, 0x01, 0x0d, (byte) 0xb8};
        System.arraycopy(prefix, 0, frame, l3 + 8, 4);
        System.arraycopy(prefix, 0, frame, l3 + 24, 4);
        for (int i = 4; i < 15; i++) {
            frame[l3 + 8 + i] = 0;
            frame[l3 + 24 + i] = 0;
        }
        frame[l3 + 23] = (byte) srcLast;
        frame[l3 + 39] = (byte) dstLast;
        return frame;
    }

    private static final int A2 = 0xc6120002; // 198.18.0.2
    private static final int A3 = 0xc6120003; // 198.18.0.3
    private static final int B7 = 0xc6130007; // 198.19.0.7
    private static final int A1 = 0xc6120001; // 198.18.0.1

    private static byte[] ipv4Request(int sport, int dport, int src, int dst, int flags) {
        return v4(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().flags(flags).ports(sport, dport).bytes())), 14, src, dst);
    }

    @BeforeAll
    static void buildCorpus() throws Exception {
        int port = 41000;
        int[][] v4 = {{80, A2, A1}, {443, A2, A1}, {22, A3, A1}, {8080, B7, A1}, {8443, A2, B7}, {1, A3, A1},
            {65535, B7, A1}, {445, A2, A1}};
        for (int[] c : v4) {
            CORPUS.add(new Entry(ipv4Request(++port, c[0], c[1], c[2], SYN), port));
        }
        CORPUS.add(new Entry(ipv4Request(++port, 80, A2, A1, SYN | ECE | CWR), port));
        CORPUS.add(new Entry(v4(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().flags(SYN).ports(++port, 80).payload(40)
                .bytes())), 14, A3, A1), port));
        CORPUS.add(new Entry(v4(ethernet(ETH_P_IP).tag(ETH_P_8021Q, 100).wrap(ipv4().wrap(tcp().flags(SYN)
                .ports(++port, 22).bytes())), 18, A2, A1), port));
        CORPUS.add(new Entry(v4(ethernet(ETH_P_IP).tag(ETH_P_8021Q, 200).wrap(ipv4().wrap(tcp().flags(SYN)
                .ports(++port, 80).bytes())), 18, B7, A1), port));
        CORPUS.add(new Entry(v4(ethernet(ETH_P_IP).wrap(ipv4().ihl(6).wrap(tcp().flags(SYN).ports(++port, 80)
                .bytes())), 14, A2, A1), port));
        CORPUS.add(new Entry(v6(ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp().flags(SYN).ports(++port, 80).bytes())),
                14, 2, 1), port));
        CORPUS.add(new Entry(v6(ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp().flags(SYN).ports(++port, 443)
                .bytes())), 14, 3, 1), port));
        CORPUS.add(new Entry(v6(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_DSTOPTS).wrap(tcp().flags(SYN)
                .ports(++port, 80).bytes())), 14, 2, 1), port));
        // Not connection requests: never written, whatever the expression.
        CORPUS.add(new Entry(ipv4Request(42001, 80, A2, A1, SYN | ACK), 0));
        CORPUS.add(new Entry(ipv4Request(42002, 80, A2, A1, ACK), 0));
        CORPUS.add(new Entry(ipv4Request(42003, 443, A3, A1, RST), 0));
        CORPUS.add(new Entry(v4(ethernet(ETH_P_IP).wrap(ipv4().protocol(IPPROTO_UDP).wrap(udp(20))), 14, A2, A1), 0));
        CORPUS.add(new Entry(ethernet(ETH_P_ARP).wrap(arpRequest()), 0));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(0xa1b2c3d4).putShort((short) 2)
                .putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1).array());
        for (int i = 0; i < CORPUS.size(); i++) {
            byte[] frame = CORPUS.get(i).frame();
            out.write(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt((int) EPOCH_SECONDS)
                    .putInt(i * 1000).putInt(frame.length).putInt(frame.length).array());
            out.write(frame);
        }
        corpusFile = Files.write(directory.resolve("corpus.pcap"), out.toByteArray());
    }

    /** Source ports of the requests that tcpdump prints for {@code expression}: frame i is stamped i ms. */
    private static Set<Integer> whatLibpcapSelects(String expression) throws Exception {
        Command.requireInstalled(Tcpdump.PATH);
        Command.Result read = Command.run(Tcpdump.PATH, "-tt", "-nn", "-r", corpusFile.toString(), expression);
        assertEquals(0, read.exitCode(), read.describe());
        Set<Integer> ports = new TreeSet<>();
        for (String line : read.stdoutText().lines().toList()) {
            Matcher m = TCPDUMP_TIME.matcher(line);
            assertTrue(m.find(), line);
            int index = Integer.parseInt(m.group(1)) / 1000;
            if (CORPUS.get(index).sourcePort() > 0) {
                ports.add(CORPUS.get(index).sourcePort());
            }
        }
        return ports;
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp", "ip", "ip6", "tcp port 80", "tcp dst port 80", "src port 41003", "dst port 443",
        "portrange 8000-9000", "tcp dst portrange 1-1024", "host 198.18.0.2", "src host 198.18.0.2",
        "dst host 198.18.0.1", "net 198.18.0.0/24", "src net 198.19.0.0/16", "not src net 198.18.0.0/24",
        "dst net 198.18.0.0/15", "host 2001:db8::2", "src net 2001:db8::/32", "ip6 and dst port 80", "vlan",
        "vlan 100", "vlan and tcp dst port 22", "not vlan", "tcp[13] & 2 != 0", "tcp[tcpflags] & tcp-syn != 0",
        "tcp[tcpflags] & (tcp-ece|tcp-cwr) != 0", "tcp[tcpflags] == tcp-syn", "len > 80", "len <= 74",
        "greater 100", "less 70", "port 80 or port 443", "port 80 and not src host 198.18.0.3",
        "(src host 198.18.0.2 or src host 198.18.0.3) and dst port 80", "not port 80", "dst port 80 or ip6",
        "ip and tcp", "tcp dst portrange 440-450", "ether proto 0x0800", "ether proto 0x86dd", "ip proto 6",
        "ip6 proto 6", "tcp src port 41001 or tcp src port 41007", "dst port 65535 or dst port 1"})
    void writesExactlyTheConnectionRequestsLibpcapSelects(String expression) throws Exception {
        Set<Integer> expected = whatLibpcapSelects(expression);
        Command.Result run = Xdpdump.run(null, "-r", corpusFile.toString(), "json", expression);
        assertEquals(0, run.exitCode(), run.describe());
        Set<Integer> written = new TreeSet<>();
        for (String line : run.stdoutText().lines().toList()) {
            Matcher m = SPORT.matcher(line);
            assertTrue(m.find(), line);
            written.add(Integer.parseInt(m.group(1)));
        }
        assertEquals(expected, written, "'" + expression + "'");
        Books books = Books.of(run.stderrLines());
        long requests = CORPUS.stream().filter(e -> e.sourcePort() > 0).count();
        assertEquals(requests, books.matched(), run.stderr());
        assertEquals(requests - expected.size(), books.filtered(), run.stderr());
        assertTrue(books.balance(), run.stderr());
    }

    @Test
    void badExpressionIsLibpcapsOneLineAndStatusTwo() throws Exception {
        Command.Result run = Xdpdump.run(null, "-r", corpusFile.toString(), "json", "tcp", "prot", "80");
        assertEquals(2, run.exitCode(), run.describe());
        assertEquals(1, run.stderrLines().size(), run.stderr());
        assertTrue(run.stderrLines().get(0).startsWith("xdpdump: bad filter expression 'tcp prot 80': "),
                run.stderr());
    }

    @Test
    void expressionFromAFileWorksLikeOnTheCommandLine() throws Exception {
        Path file = Files.writeString(directory.resolve("expr.txt"), "tcp dst port 80\n  and not ip6\n");
        Command.Result run = Xdpdump.run(null, "-r", corpusFile.toString(), "-F", file.toString(), "json");
        assertEquals(0, run.exitCode(), run.describe());
        assertEquals(whatLibpcapSelects("tcp dst port 80 and not ip6").size(), run.stdoutText().lines().count(),
                run.stdoutText());
    }
}
