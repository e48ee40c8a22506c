package dev.xdpdump.e2e;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;

import static dev.xdpdump.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The frames the filter-expression tests give both xdpdump and tcpdump, from a file (FilterExpressionIT) or on the
 * wire of a lab (LiveFilterExpressionIT): connection requests over IPv4 and IPv6, tagged and not, with IPv4 options,
 * an IPv6 extension header, a payload and several flag sets, each with its own source port, then frames that are not
 * requests. Which frames are requests comes from how they were built, never from either tool; a frame is known again
 * by its bytes. Addresses are in 198.18.0.0/15 and 2001:db8::/32; every frame goes from {@link #SOURCE_MAC} to
 * {@link #DESTINATION_MAC}. {@link #SENT} is the corpus as built; {@link #withFrames} gives the same entries with each
 * frame changed as a receiver sees it (a tag the stack took out, say).
 */
final class FilterCorpus {
    /** The destination MAC of every frame ({@code Frames.Ethernet}'s); a lab's capture end takes it as its own. */
    static final String DESTINATION_MAC = "02:00:00:00:00:02";
    /** The source MAC of every frame; a lab's sender end takes it as its own. */
    static final String SOURCE_MAC = "02:00:00:00:00:01";
    static final long EPOCH_SECONDS = 1_795_000_000L;

    /** A frame of the corpus; {@code sourcePort} > 0 for the connection requests, each its own. */
    record Entry(byte[] frame, int sourcePort) {
        boolean request() {
            return sourcePort > 0;
        }
    }

    private static final int A1 = 0xc6120001; // 198.18.0.1
    private static final int A2 = 0xc6120002; // 198.18.0.2
    private static final int A3 = 0xc6120003; // 198.18.0.3
    private static final int A8 = 0xc6120008; // 198.18.0.8
    private static final int A9 = 0xc6120009; // 198.18.0.9
    private static final int B7 = 0xc6130007; // 198.19.0.7

    /** The corpus as the tests build it, and send it. */
    static final FilterCorpus SENT = new FilterCorpus(build());

    private final List<Entry> entries;

    private FilterCorpus(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** The same entries, in the same order, with each frame replaced by what {@code change} makes of a copy of it. */
    FilterCorpus withFrames(UnaryOperator<byte[]> change) {
        return new FilterCorpus(entries.stream().map(e -> new Entry(change.apply(e.frame().clone()), e.sourcePort()))
                .toList());
    }

    List<Entry> entries() {
        return entries;
    }

    private static List<Entry> build() {
        List<Entry> entries = new ArrayList<>();
        int port = 41000;
        int[][] v4 = {{80, A2, A1}, {443, A2, A1}, {22, A3, A1}, {8080, B7, A1}, {8443, A2, B7}, {1, A3, A1},
            {65535, B7, A1}, {445, A2, A1}};
        for (int[] c : v4) {
            entries.add(new Entry(ipv4Request(++port, c[0], c[1], c[2], SYN), port));
        }
        entries.add(new Entry(ipv4Request(++port, 80, A2, A1, SYN | ECE | CWR), port));
        entries.add(new Entry(v4(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().flags(SYN).ports(++port, 80).payload(40)
                .bytes())), 14, A3, A1), port));
        entries.add(new Entry(v4(ethernet(ETH_P_IP).tag(ETH_P_8021Q, 100).wrap(ipv4().wrap(tcp().flags(SYN)
                .ports(++port, 22).bytes())), 18, A2, A1), port));
        entries.add(new Entry(v4(ethernet(ETH_P_IP).tag(ETH_P_8021Q, 200).wrap(ipv4().wrap(tcp().flags(SYN)
                .ports(++port, 80).bytes())), 18, B7, A1), port));
        entries.add(new Entry(v4(ethernet(ETH_P_IP).wrap(ipv4().ihl(6).wrap(tcp().flags(SYN).ports(++port, 80)
                .bytes())), 14, A2, A1), port));
        entries.add(new Entry(v6(ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp().flags(SYN).ports(++port, 80).bytes())),
                14, 2, 1), port));
        entries.add(new Entry(v6(ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp().flags(SYN).ports(++port, 443)
                .bytes())), 14, 3, 1), port));
        entries.add(new Entry(v6(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_DSTOPTS).wrap(tcp().flags(SYN)
                .ports(++port, 80).bytes())), 14, 2, 1), port));
        // 41017 on: a TCP header without options, don't fragment, IPv6 behind a tag, two tags deep, SYN|PSH.
        entries.add(new Entry(v4(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().flags(SYN).dataOffset(5)
                .ports(++port, 80).bytes())), 14, A2, A1), port));
        entries.add(new Entry(v4(ethernet(ETH_P_IP).wrap(ipv4().dontFragment().wrap(tcp().flags(SYN)
                .ports(++port, 443).bytes())), 14, A3, A1), port));
        entries.add(new Entry(v6(ethernet(ETH_P_IPV6).tag(ETH_P_8021Q, 100).wrap(ipv6().wrap(tcp().flags(SYN)
                .ports(++port, 80).bytes())), 18, 2, 1), port));
        entries.add(new Entry(v4(ethernet(ETH_P_IP).tag(ETH_P_8021AD, 10).tag(ETH_P_8021Q, 100).wrap(ipv4()
                .wrap(tcp().flags(SYN).ports(++port, 80).bytes())), 22, A2, A1), port));
        entries.add(new Entry(ipv4Request(++port, 22, A3, A1, SYN | PSH), port));
        // Not connection requests: never written, whatever the expression.
        entries.add(new Entry(ipv4Request(42001, 80, A2, A1, SYN | ACK), 0));
        entries.add(new Entry(ipv4Request(42002, 80, A2, A1, ACK), 0));
        entries.add(new Entry(ipv4Request(42003, 443, A3, A1, RST), 0));
        entries.add(new Entry(v6(ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp().flags(SYN | ACK).ports(42004, 80)
                .bytes())), 14, 2, 1), 0));
        entries.add(new Entry(v4(ethernet(ETH_P_IP).tag(ETH_P_8021Q, 100).wrap(ipv4().wrap(tcp().flags(ACK)
                .ports(42005, 22).bytes())), 18, A2, A1), 0));
        entries.add(new Entry(v4(ethernet(ETH_P_IP).wrap(ipv4().protocol(IPPROTO_UDP).wrap(udp(20))), 14, A2, A1), 0));
        entries.add(new Entry(arp(ethernet(ETH_P_ARP).wrap(arpRequest()), A9, A8), 0));
        return entries;
    }

    private static byte[] ipv4Request(int sport, int dport, int src, int dst, int flags) {
        return v4(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().flags(flags).ports(sport, dport).bytes())), 14, src, dst);
    }

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

    /**
     * The ARP request's sender and target addresses: in the lab's range, and no lab end's own, so a capture end that
     * takes it in learns nothing that changes where its answers go.
     */
    private static byte[] arp(byte[] frame, int sender, int target) {
        ByteBuffer.wrap(frame).putInt(14 + 14, sender).putInt(14 + 24, target);
        return frame;
    }

    /**
     * The expressions a live capture runs (LiveFilterExpressionIT; each costs two JVM starts): libpcap's primitives
     * over this corpus (protocols, hosts, nets, ports and port ranges, tags, lengths, Ethernet fields), byte tests on
     * packet data (unsigned 32-bit compares, loads past the frame's end), arithmetic (division and modulo by a value
     * that is zero for even source ports, which ends libpcap's program: reject, whatever an 'or' says), and
     * and/or/not with parentheses.
     */
    static Stream<String> liveExpressions() {
        return Stream.of("tcp", "ip6", "tcp dst port 80", "src port 41003", "portrange 8000-9000",
            "tcp dst portrange 1-1024", "host 198.18.0.2", "src net 198.19.0.0/16", "not src net 198.18.0.0/24",
            "host 2001:db8::2", "src net 2001:db8::/32", "ip6 and dst port 80", "ether proto 0x86dd", "ip6 proto 6",
            "(src host 198.18.0.2 or src host 198.18.0.3) and dst port 80", "not port 80",
            "dst port 65535 or dst port 1", "not (port 80 or port 443)",
            "(tcp dst port 22 or tcp dst port 443) and not vlan", "src 198.18.0.3 or src 2001:db8::3",
            "tcp src portrange 41005-41010 and not (vlan or len > 80)", "udp or arp or icmp",
            // byte tests on TCP, IPv4 and IPv6 headers and on the Ethernet header
            "tcp[13] & 2 != 0", "tcp[tcpflags] & (tcp-ece|tcp-cwr) != 0", "tcp[tcpflags] == tcp-syn",
            "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn", "tcp[0:2] > 41010", "tcp[12] & 0xf0 = 0x50",
            "tcp[20] = 2", "tcp[100] = 0", "ip[0] & 0xf > 5", "ip[6] & 0x40 != 0", "ip[200] = 0",
            "ip[12:4] > 0x7fffffff", "tcp[4:4] > 0x80000000", "ip6[6] = 60", "ether[12:2] = 0x8100",
            "ether src " + SOURCE_MAC,
            // arithmetic: tcpdump's payload-length idiom, then dividing by zero
            "ip[2:2] - ((ip[0] & 0xf) << 2) - ((tcp[12] & 0xf0) >> 2) > 0", "tcp[2:2] % 100 = 80",
            "tcp[2:2] / (tcp[1] & 1) = 0", "tcp[2:2] % (tcp[1] & 1) = 80", "tcp[2:2] / (tcp[1] & 1) = 0 or port 22",
            // tags: each 'vlan' moves what follows 4 bytes on, so 'vlan 100 or vlan 200' reads a second tag
            "vlan", "vlan 100", "not vlan", "vlan and tcp dst port 22", "vlan 100 or vlan 200", "vlan and vlan 100",
            "vlan 10 and vlan 100", "vlan and ip6",
            // lengths on the wire
            "len > 80", "len <= 74", "len = 74", "greater 100", "less 70", "len > 100 or vlan");
    }

    /** Every expression: {@link #liveExpressions()}, then more of the same kinds, which only a file read runs. */
    static Stream<String> expressions() {
        return Stream.concat(liveExpressions(), Stream.of("ip", "tcp port 80", "dst port 443", "src host 198.18.0.2",
            "dst host 198.18.0.1", "net 198.18.0.0/24", "dst net 198.18.0.0/15", "port 80 or port 443",
            "port 80 and not src host 198.18.0.3", "dst port 80 or ip6", "ip and tcp", "tcp dst portrange 440-450",
            "ether proto 0x0800", "ip proto 6", "tcp src port 41001 or tcp src port 41007",
            "ip6 dst host 2001:db8::1 and tcp dst port 443", "!(tcp dst port 80) && ip",
            "tcp[tcpflags] & tcp-syn != 0", "tcp[2:2] = 80", "tcp[12] >> 4 > 5", "tcp[tcpflags] & tcp-push != 0",
            "tcp[13] = 0xc2", "ip[2:2] > 100", "ip[16:4] & 0xffff0000 = 0xc6130000", "ether[0:4] = 0x02000000",
            "tcp[2:2] * 2 = 160", "tcp[2:2] / 2 = 40", "tcp[2:2] ^ 0x50 = 0", "tcp[2:2] >> 8 = 0x1f", "vlan 200",
            "vlan 100 and host 198.18.0.2", "tcp dst port 80 and (vlan or ip6)", "ether dst " + DESTINATION_MAC,
            "ether host 02:00:00:00:00:09", "len >= 94 and len < 120"));
    }

    long requests() {
        return entries.stream().filter(Entry::request).count();
    }

    /** The source ports of every request of the corpus. */
    Set<Integer> allRequests() {
        Set<Integer> ports = new TreeSet<>();
        entries.stream().filter(Entry::request).forEach(e -> ports.add(e.sourcePort()));
        return ports;
    }

    /** Writes the corpus as classic pcap (microseconds, LINKTYPE_ETHERNET), frame i stamped i ms after the epoch. */
    Path write(Path file) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putInt(0xa1b2c3d4).putShort((short) 2)
                .putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1).array());
        for (int i = 0; i < entries.size(); i++) {
            byte[] frame = entries.get(i).frame();
            out.write(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt((int) EPOCH_SECONDS)
                    .putInt(i * 1000).putInt(frame.length).putInt(frame.length).array());
            out.write(frame);
        }
        return Files.write(file, out.toByteArray());
    }

    /**
     * The source ports of the corpus requests among {@code frames}, which may hold other frames too (a capture of the
     * lab's wire holds its ARP and ICMP): what {@code tcpdump -r FILE EXPR} printed, restricted to the corpus.
     */
    Set<Integer> requestsAmong(List<byte[]> frames) {
        Set<Integer> ports = new TreeSet<>();
        for (byte[] frame : frames) {
            Entry entry = entryOf(frame);
            if (entry != null && entry.request()) {
                assertTrue(ports.add(entry.sourcePort()), "request " + entry.sourcePort() + " twice");
            }
        }
        return ports;
    }

    /** The source ports of {@code frames}, each of which must be a corpus request unchanged, and only once. */
    Set<Integer> requestsOf(List<byte[]> frames) {
        Set<Integer> ports = new TreeSet<>();
        for (byte[] frame : frames) {
            Entry entry = entryOf(frame);
            if (entry == null || !entry.request()) {
                fail((entry == null ? "a frame that is not in the corpus: " : "a frame that is not a request: ")
                        + HexFormat.of().formatHex(frame));
            }
            assertTrue(ports.add(entry.sourcePort()), "request " + entry.sourcePort() + " written twice");
        }
        return ports;
    }

    private Entry entryOf(byte[] frame) {
        for (Entry entry : entries) {
            if (Arrays.equals(entry.frame(), frame)) {
                return entry;
            }
        }
        return null;
    }

    /**
     * The corpus requests in {@code file} (pcap or pcapng) that libpcap selects with {@code expression}: what
     * {@code tcpdump -r FILE -w - EXPR} writes, known again by their bytes.
     */
    Set<Integer> whatLibpcapSelects(Path file, String expression) throws Exception {
        Command.requireInstalled(Tcpdump.PATH);
        Command.Result read = Command.run(Tcpdump.PATH, "-r", file.toString(), "-w", "-", expression);
        assertEquals(0, read.exitCode(), read.describe());
        return requestsAmong(PcapRecords.frames(read.stdout()));
    }
}
