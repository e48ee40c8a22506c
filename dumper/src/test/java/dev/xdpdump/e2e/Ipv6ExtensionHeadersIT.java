package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Connection requests behind IPv6 extension headers and 0x9100 VLAN tags, end to end: real connects from the sender
 * namespace with Destination and Hop-by-Hop options, and frames crafted with scapy for what a socket cannot send.
 * The expectation is the list of what the test sent (its ports, sequence numbers and headers), never a capture
 * filter, so a blind spot shared with tcpdump's filter language cannot hide a miss.
 */
class Ipv6ExtensionHeadersIT {
    /** Debian's python3, which has scapy; a python earlier on PATH (pyenv) may not. */
    private static final String PYTHON = "/usr/bin/python3";
    private static final String JQ = "/usr/bin/jq";
    private static final int CLOSED_PORT = 9;
    private static final Duration EVENTS_TIMEOUT = Duration.ofSeconds(10);
    private static final String EVENT = "[.sport, .dport, .ip, .ip6_ext, .flags, .src, .dst] | tojson";

    /**
     * Connects once per {@code kind:sourcePort} argument to {@code argv[1]} port {@code argv[2]}, the socket carrying
     * no options ("plain"), or a Destination Options or Hop-by-Hop header of one PadN option; prints
     * {@code sourcePort refused|accepted|timeout} per attempt.
     */
    private static final String CONNECTS = String.join("\n",
            "import socket, sys",
            "OPTIONS = {'plain': None,",
            "           'dstopts': getattr(socket, 'IPV6_DSTOPTS', 59),",
            "           'hopopts': getattr(socket, 'IPV6_HOPOPTS', 54)}",
            "PADN = bytes([0, 0, 1, 4, 0, 0, 0, 0])  # next header (the kernel fills it in), length 0, PadN(4)",
            "address, port = sys.argv[1], int(sys.argv[2])",
            "for attempt in sys.argv[3:]:",
            "    kind, source = attempt.split(':')",
            "    s = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)",
            "    try:",
            "        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)",
            "        s.bind(('::', int(source)))",
            "        if OPTIONS[kind] is not None:",
            "            s.setsockopt(socket.IPPROTO_IPV6, OPTIONS[kind], PADN)",
            "        s.settimeout(2)",
            "        s.connect((address, port))",
            "        print(source, 'accepted', flush=True)",
            "    except ConnectionRefusedError:",
            "        print(source, 'refused', flush=True)",
            "    except socket.timeout:",
            "        print(source, 'timeout', flush=True)",
            "    finally:",
            "        s.close()");

    /**
     * Sends one frame per {@code kind:sourcePort} argument out of interface {@code argv[1]} to MAC {@code argv[2]}:
     * TCP SYNs to port 9 with seq = source port * 1000, behind the headers each kind names.
     */
    private static final String CRAFTED = String.join("\n",
            "import sys",
            "from scapy.all import Ether, Dot1Q, IP, IPv6, IPv6ExtHdrHopByHop, IPv6ExtHdrDestOpt, \\",
            "    IPv6ExtHdrRouting, IPv6ExtHdrFragment, TCP, Raw, raw, sendp",
            "from scapy.layers.ipsec import AH",
            "iface, mac = sys.argv[1], sys.argv[2]",
            "V4 = dict(src='" + VethLab.SENDER_V4 + "', dst='" + VethLab.CAPTURE_V4 + "')",
            "V6 = dict(src='" + VethLab.SENDER_V6 + "', dst='" + VethLab.CAPTURE_V6 + "')",
            "def syn(port):",
            "    return TCP(sport=port, dport=" + CLOSED_PORT + ", flags='S', seq=port * 1000)",
            "def ah(nh):",
            "    # 24 bytes: 12 fixed, a 12-byte ICV; the length field counts 4-byte units minus 2",
            "    return AH(nh=nh, payloadlen=4, spi=0x100, seq=1, icv=bytes(12))",
            "def frame(kind, port):",
            "    eth = Ether(dst=mac)",
            "    if kind == 'routing':",
            "        return eth / IPv6(**V6) / IPv6ExtHdrRouting(type=0, addresses=[]) / syn(port)",
            "    if kind == 'fragment':",
            "        return eth / IPv6(**V6) / IPv6ExtHdrFragment(offset=0, m=0, id=port) / syn(port)",
            "    if kind == 'ah':",
            "        return eth / IPv6(**V6, nh=51) / ah(6) / syn(port)",
            "    if kind == 'chain':",
            "        return (eth / IPv6(**V6) / IPv6ExtHdrHopByHop(nh=60) / IPv6ExtHdrDestOpt(nh=43)",
            "                / IPv6ExtHdrRouting(type=0, addresses=[], nh=44) / IPv6ExtHdrFragment(offset=0, m=0, nh=51)",
            "                / ah(60) / IPv6ExtHdrDestOpt(nh=6) / syn(port))",
            "    if kind == 'qinq4':",
            "        return Ether(dst=mac, type=0x9100) / Dot1Q(vlan=7) / IP(**V4) / syn(port)",
            "    if kind == 'qinq6':",
            "        return Ether(dst=mac, type=0x9100) / Dot1Q(vlan=7, type=0x8100) / Dot1Q(vlan=8) / IPv6(**V6) / syn(port)",
            "    if kind == 'later-fragment':",
            "        return eth / IPv6(**V6) / IPv6ExtHdrFragment(offset=1, m=0, id=port, nh=6) / Raw(raw(syn(port)))",
            "    if kind == 'esp':",
            "        return eth / IPv6(**V6, nh=50) / Raw(bytes([0, 0, 1, 0, 0, 0, 0, 1]) + raw(syn(port)))",
            "    if kind == 'nine':",
            "        headers = IPv6ExtHdrDestOpt(nh=60)",
            "        for i in range(8):",
            "            headers = headers / IPv6ExtHdrDestOpt(nh=60 if i < 7 else 6)",
            "        return eth / IPv6(**V6) / headers / syn(port)",
            "    raise SystemExit('unknown kind ' + kind)",
            "frames = [frame(k, int(p)) for k, p in (a.split(':') for a in sys.argv[3:])]",
            "sendp(frames, iface=iface, verbose=False)",
            "print(len(frames), 'sent', flush=True)");

    @Test
    void realConnectsWithDestinationAndHopByHopOptionsAreEachCapturedWithTheirHeader() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(PYTHON);
        Command.requireInstalled(JQ);
        List<String> sent = List.of("plain:42001", "dstopts:42002", "hopopts:42003");
        byte[] json;
        Books books;
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "json")) {
            List<String> args = new ArrayList<>(List.of("ip", "netns", "exec", lab.senderNamespace(), PYTHON, "-c",
                    CONNECTS, VethLab.CAPTURE_V6, Integer.toString(CLOSED_PORT)));
            args.addAll(sent);
            Command.Result connects = Command.run(args.toArray(String[]::new));
            assertEquals(0, connects.exitCode(), connects.describe());
            // The capture end's kernel answered each one: it took them for connection requests too.
            assertEquals(List.of("42001 refused", "42002 refused", "42003 refused"),
                    connects.stdoutText().lines().toList(), connects.describe());
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            json = xdpdump.stdout();
            books = Books.of(xdpdump.stderrLines());
        }

        assertEquals(List.of(
                event(42001, CLOSED_PORT, 6, "[]", VethLab.SENDER_V6, VethLab.CAPTURE_V6),
                event(42002, CLOSED_PORT, 6, "[60]", VethLab.SENDER_V6, VethLab.CAPTURE_V6),
                event(42003, CLOSED_PORT, 6, "[0]", VethLab.SENDER_V6, VethLab.CAPTURE_V6)), events(json));
        assertEquals(3, books.matched(), "3 connection requests matched by the program");
        assertEquals(3, books.written(), "events written");
        assertEquals(0, books.unparsed(), "frames the program could not parse");
        assertEquals(0, books.lost() + books.lostNoRing() + books.lostOther(), "events lost");
    }

    @Test
    void craftedSynsBehindRoutingFragmentAhAnd9100TagsAreCapturedAndWhatCannotBeParsedIsCounted() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(PYTHON);
        Command.requireInstalled(JQ);
        // First what must not be matched, then the SYNs: once the last SYN is out, every frame before it was seen.
        List<String> ignored = List.of("later-fragment:43001", "esp:43002", "nine:43003");
        List<String> syns = List.of("routing:43011", "fragment:43012", "ah:43013", "chain:43014", "qinq4:43015",
                "qinq6:43016");
        byte[] json;
        Books books;
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "json")) {
            Command.Result mac = Command.run("ip", "netns", "exec", lab.captureNamespace(), "cat",
                    "/sys/class/net/" + lab.captureInterface() + "/address");
            assertEquals(0, mac.exitCode(), mac.describe());
            List<String> args = new ArrayList<>(List.of("ip", "netns", "exec", lab.senderNamespace(), PYTHON, "-c",
                    CRAFTED, lab.senderInterface(), mac.stdoutText().strip()));
            args.addAll(ignored);
            args.addAll(syns);
            Command.Result sent = Command.run(args.toArray(String[]::new));
            assertEquals(0, sent.exitCode(), sent.describe());
            assertEquals(List.of((ignored.size() + syns.size()) + " sent"), sent.stdoutText().lines().toList(),
                    sent.describe());
            awaitEvents(xdpdump, syns.size());
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            json = xdpdump.stdout();
            books = Books.of(xdpdump.stderrLines());
        }

        String v6 = VethLab.SENDER_V6;
        String v6Capture = VethLab.CAPTURE_V6;
        assertEquals(List.of(
                event(43011, CLOSED_PORT, 6, "[43]", v6, v6Capture),
                event(43012, CLOSED_PORT, 6, "[44]", v6, v6Capture),
                event(43013, CLOSED_PORT, 6, "[51]", v6, v6Capture),
                event(43014, CLOSED_PORT, 6, "[0,60,43,44,51,60]", v6, v6Capture),
                event(43015, CLOSED_PORT, 4, "null", VethLab.SENDER_V4, VethLab.CAPTURE_V4),
                event(43016, CLOSED_PORT, 6, "[]", v6, v6Capture)), events(json));
        List<String> seqs = jq("-r", "\"\\(.sport) \\(.seq)\"", json).stream().sorted().toList();
        assertEquals(List.of("43011 43011000", "43012 43012000", "43013 43013000", "43014 43014000",
                "43015 43015000", "43016 43016000"), seqs, "seq as sent");
        assertEquals(syns.size(), books.matched(), "connection requests matched by the program");
        assertEquals(syns.size(), books.written(), "events written");
        // ESP and the chain of nine; the later fragment is a verdict (no TCP header in it), not a failure to parse.
        assertEquals(2, books.unparsed(), "frames the program could not parse");
    }

    private static String event(int sourcePort, int destinationPort, int ip, String extensions, String source,
                                String destination) {
        return "[" + sourcePort + "," + destinationPort + "," + ip + "," + extensions + ",\"S\",\"" + source + "\",\""
                + destination + "\"]";
    }

    /** Each JSON line's identifying fields, sorted (events from different CPUs come in drain order). */
    private static List<String> events(byte[] json) throws Exception {
        return jq("-r", EVENT, json).stream().sorted().toList();
    }

    /** Waits until xdpdump has written {@code count} JSON lines; fails with its stderr after the timeout. */
    private static void awaitEvents(WatchedProcess xdpdump, int count) throws InterruptedException {
        long deadline = System.nanoTime() + EVENTS_TIMEOUT.toNanos();
        while (new String(xdpdump.stdout(), StandardCharsets.US_ASCII).lines().count() < count) {
            if (System.nanoTime() > deadline) {
                fail("xdpdump wrote " + xdpdump.stdoutText().lines().count() + " of " + count + " events in "
                        + EVENTS_TIMEOUT.toSeconds() + " s; stderr:\n" + xdpdump.stderrText());
            }
            TimeUnit.MILLISECONDS.sleep(20);
        }
    }

    private static List<String> jq(String mode, String filter, byte[] input) throws Exception {
        Command.Result jq = Command.run(Command.DEFAULT_TIMEOUT, input, JQ, mode, filter);
        assertEquals(0, jq.exitCode(), jq.describe());
        return jq.stdoutText().lines().toList();
    }
}
