package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Checks one event's record in each output format against the event itself, decoding the frame independently of
 * {@code FrameFields} and formatting times with java.time: the oracle for the fuzz tests. Every check throws
 * {@link AssertionError} naming what is wrong.
 */
final class RecordChecks {
    static final List<String> JSON_KEYS = List.of("ts", "iface", "ifindex", "queue", "cpu", "ip", "src", "dst", "sport",
            "dport", "flags", "seq", "win", "ttl", "ip6_ext", "ip_id", "df", "tos", "ip_opts_len", "flow", "ittl", "hops",
            "ack", "urp", "opts", "mss", "wscale", "sack_ok", "ts_val", "ts_ecr", "payload_len", "p0f", "muonfp", "len",
            "caplen", "data");
    private static final List<String> FINGERPRINT_NUMBERS = List.of("ip_id", "tos", "ip_opts_len", "flow", "ittl",
            "hops", "ack", "urp", "mss", "wscale", "ts_val", "ts_ecr", "payload_len");
    private static final Pattern P0F_LAYOUT = Pattern.compile("((eol\\+\\d+|nop|mss|ws|sok|sack|ts|\\?\\d+)(,(?!$)|$))*");
    private static final Pattern P0F = Pattern.compile(
            "[46]:\\d+\\+(\\d+|\\?):\\d+:\\d+:((mss|mtu)\\*)?\\d+,\\d+:([^:]*):[a-z0-9+,-]*:[0+]");
    private static final Pattern MUONFP = Pattern.compile("\\d+:(\\d+(-\\d+)*)?:\\d*:\\d*");
    private static final DateTimeFormatter RFC3339 =
            DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);
    private static final Pattern HEX_SUMMARY = Pattern.compile(
            "(\\S+) (\\S+) (\\S+) -> (\\S+) Flags \\[([^\\]]+)\\], seq (\\S+), win (\\S+), ttl (\\S+)(?:, options \\[[^\\]]*\\])?,"
            + " length (\\d+), caplen (\\d+)");
    private static final Pattern HEX_LINE = Pattern.compile(
            "([0-9a-f]{8})  ((?:[0-9a-f]{2} |   ){8}) ((?:[0-9a-f]{2} |   ){8}) \\|([\\x20-\\x7e]{1,16})\\|");

    private RecordChecks() {}

    /** The header fields a reader should see in {@code event}'s bytes; null where the capture does not reach. */
    static final class Expected {
        final int version;
        final byte[] source;
        final byte[] destination;
        final Long sourcePort;
        final Long destinationPort;
        final Long seq;
        final Long flags;
        final Long window;
        final Long ttl;
        /** The IPv6 extension header types from the IPv6 to the TCP header, or null (see {@link #chain}). */
        final List<Long> extensions;

        Expected(CaptureEvent event) {
            byte[] f = event.frame();
            int n = Math.max(0, Math.min(event.capturedLength(), f.length));
            int l3 = event.l3Offset();
            int v = event.ipVersion();
            boolean ip = (v == 4 || v == 6) && l3 >= 0 && l3 < n && ((f[l3] & 0xff) >> 4) == v;
            version = ip ? v : 0;
            int addressLength = v == 4 ? 4 : 16;
            source = ip ? slice(f, n, l3 + (v == 4 ? 12 : 8), addressLength) : null;
            destination = ip ? slice(f, n, l3 + (v == 4 ? 16 : 24), addressLength) : null;
            ttl = ip ? number(f, n, l3 + (v == 4 ? 8 : 7), 1) : null;
            int l4 = event.l4Offset();
            boolean tcp = ip && (long) l4 >= (long) l3 + (v == 4 ? 20 : 40);
            sourcePort = tcp ? number(f, n, l4, 2) : null;
            destinationPort = tcp ? number(f, n, (long) l4 + 2, 2) : null;
            seq = tcp ? number(f, n, (long) l4 + 4, 4) : null;
            flags = tcp ? number(f, n, (long) l4 + 13, 1) : null;
            window = tcp ? number(f, n, (long) l4 + 14, 2) : null;
            extensions = tcp && v == 6 ? chain(f, n, l3, l4) : null;
        }

        /**
         * The next-header numbers of the extension headers between an IPv6 header at {@code l3} and TCP at
         * {@code l4}, as the captured bytes spell them: null unless every type and length byte on the way was
         * captured, every header is one the program steps over, there are at most 8, and the last one names TCP and
         * ends at {@code l4}.
         */
        private static List<Long> chain(byte[] f, int n, long l3, long l4) {
            Long next = number(f, n, l3 + 6, 1);
            List<Long> types = new ArrayList<>();
            long at = l3 + 40;
            while (next != null && at < l4) {
                Long length = number(f, n, at + 1, 1);
                if (types.size() == 8 || length == null || !List.of(0L, 43L, 44L, 51L, 60L).contains(next)) {
                    return null;
                }
                types.add(next);
                long start = at;
                at += next == 44 ? 8 : next == 51 ? 4 * (length + 2) : 8 * (length + 1);
                next = number(f, n, start, 1);
            }
            return next != null && next == 6 && at == l4 ? types : null;
        }

        private static byte[] slice(byte[] f, int n, long at, int length) {
            return at >= 0 && at + length <= n ? Arrays.copyOfRange(f, (int) at, (int) at + length) : null;
        }

        private static Long number(byte[] f, int n, long at, int length) {
            byte[] b = slice(f, n, at, length);
            if (b == null) {
                return null;
            }
            long value = 0;
            for (byte x : b) {
                value = value << 8 | (x & 0xff);
            }
            return value;
        }
    }

    static String timestamp(long epochNanos) {
        return RFC3339.format(Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
                Math.floorMod(epochNanos, 1_000_000_000L)));
    }

    static String flagLetters(long flags) {
        if (flags == 0) {
            return "none";
        }
        StringBuilder s = new StringBuilder();
        String letters = "FSRP.UEW";
        for (int i = 0; i < 8; i++) {
            if ((flags & (1 << i)) != 0) {
                s.append(letters.charAt(i));
            }
        }
        return s.toString();
    }

    static int captured(CaptureEvent event) {
        return Math.max(0, Math.min(event.capturedLength(), event.capacity()));
    }

    /** {@code text} is exactly one JSON line describing {@code event}, every key present, every value right. */
    /** Whatever the option bytes: each fingerprint key is of its type or null, and the strings have their grammar. */
    private static void checkFingerprint(Map<String, Object> o) {
        for (String key : FINGERPRINT_NUMBERS) {
            Object value = o.get(key);
            assertTrue(value == StrictJson.NULL || value instanceof Number, key + ": " + value);
        }
        for (String key : List.of("df", "sack_ok")) {
            Object value = o.get(key);
            assertTrue(value == StrictJson.NULL || value instanceof Boolean, key + ": " + value);
        }
        grammar(o, "opts", P0F_LAYOUT);
        grammar(o, "p0f", P0F);
        grammar(o, "muonfp", MUONFP);
    }

    private static void grammar(Map<String, Object> o, String key, Pattern pattern) {
        Object value = o.get(key);
        assertTrue(value == StrictJson.NULL || value instanceof String && pattern.matcher((String) value).matches(),
                key + ": " + value);
    }

    static void checkJson(byte[] output, CaptureEvent event, InterfaceNames names) {
        for (byte b : output) {
            assertTrue(b >= 0x20 && b < 0x7f || b == '\n', "JSON output must be printable ASCII, has " + (b & 0xff));
        }
        String text = new String(output, StandardCharsets.US_ASCII);
        assertTrue(text.endsWith("\n") && text.indexOf('\n') == text.length() - 1, "one line: " + text);
        Map<String, Object> o = StrictJson.parseObject(text.substring(0, text.length() - 1));
        assertEquals(JSON_KEYS, new ArrayList<>(o.keySet()), "keys");
        Expected x = new Expected(event);
        assertEquals(timestamp(event.wallClockNanos()), o.get("ts"), "ts");
        String name = names.nameOf(event.ifindex());
        assertEquals(name == null ? StrictJson.NULL : name, o.get("iface"), "iface");
        assertNumber(event.ifindex() & 0xffffffffL, o.get("ifindex"), "ifindex");
        assertNumber(event.rxQueue() & 0xffffffffL, o.get("queue"), "queue");
        assertNumber((long) event.cpu(), o.get("cpu"), "cpu");
        int v = event.ipVersion();
        assertNumber(v == 4 || v == 6 ? (long) v : null, o.get("ip"), "ip");
        assertAddress(x.source, o.get("src"), "src");
        assertAddress(x.destination, o.get("dst"), "dst");
        assertNumber(x.sourcePort, o.get("sport"), "sport");
        assertNumber(x.destinationPort, o.get("dport"), "dport");
        assertEquals(x.flags == null ? StrictJson.NULL : flagLetters(x.flags), o.get("flags"), "flags");
        assertNumber(x.seq, o.get("seq"), "seq");
        assertNumber(x.window, o.get("win"), "win");
        assertNumber(x.ttl, o.get("ttl"), "ttl");
        if (x.extensions == null) {
            assertEquals(StrictJson.NULL, o.get("ip6_ext"), "ip6_ext");
        } else {
            assertTrue(o.get("ip6_ext") instanceof List, "ip6_ext is an array: " + o.get("ip6_ext"));
            List<?> types = (List<?>) o.get("ip6_ext");
            assertEquals(x.extensions.size(), types.size(), "ip6_ext length");
            for (int i = 0; i < types.size(); i++) {
                assertNumber(x.extensions.get(i), types.get(i), "ip6_ext[" + i + "]");
            }
        }
        checkFingerprint(o);
        assertNumber(event.wireLength() & 0xffffffffL, o.get("len"), "len");
        int n = captured(event);
        assertNumber((long) n, o.get("caplen"), "caplen");
        StringBuilder hex = new StringBuilder();
        for (int i = 0; i < n; i++) {
            hex.append(String.format("%02x", event.frame()[i] & 0xff));
        }
        assertEquals(hex.toString(), o.get("data"), "data");
    }

    /** {@code output} is one summary line, a {@code hexdump -C} of the captured bytes and an empty line. */
    static void checkHex(byte[] output, CaptureEvent event, InterfaceNames names) {
        String text = new String(output, StandardCharsets.US_ASCII);
        assertTrue(text.endsWith("\n\n"), "ends with an empty line: " + text);
        String[] lines = text.substring(0, text.length() - 2).split("\n", -1);
        Matcher m = HEX_SUMMARY.matcher(lines[0]);
        assertTrue(m.matches(), "summary line: " + lines[0]);
        Expected x = new Expected(event);
        assertEquals(timestamp(event.wallClockNanos()), m.group(1), "time");
        String name = names.nameOf(event.ifindex());
        // Hex output is ASCII: a name's other characters print as '?'.
        assertEquals(name == null ? "?" : name.replaceAll("[^\\x20-\\x7e]", "?"), m.group(2), "interface");
        assertEquals(endpoint(x, x.source, x.sourcePort), m.group(3), "source");
        assertEquals(endpoint(x, x.destination, x.destinationPort), m.group(4), "destination");
        assertEquals(x.flags == null ? "?" : flagLetters(x.flags), m.group(5), "flags");
        assertEquals(optional(x.seq), m.group(6), "seq");
        assertEquals(optional(x.window), m.group(7), "win");
        assertEquals(optional(x.ttl), m.group(8), "ttl");
        assertEquals(Long.toString(event.wireLength() & 0xffffffffL), m.group(9), "length");
        int n = captured(event);
        assertEquals(Integer.toString(n), m.group(10), "caplen");
        assertArrayEquals(Arrays.copyOf(event.frame(), n), undump(lines, n), "dumped bytes");
    }

    /** Rebuilds the bytes from hexdump -C lines 1.., checking each line's shape, offsets, ASCII column and '*' runs. */
    private static byte[] undump(String[] lines, int length) {
        if (length == 0) {
            assertEquals(1, lines.length, "no dump lines for no bytes");
            return new byte[0];
        }
        ByteBuffer bytes = ByteBuffer.allocate(length + 16);
        byte[] previous = null;
        boolean squeezed = false;
        for (int i = 1; i < lines.length - 1; i++) {
            if (lines[i].equals("*")) {
                assertTrue(previous != null && previous.length == 16 && !squeezed, "'*' after a full line only");
                squeezed = true;
                continue;
            }
            Matcher m = HEX_LINE.matcher(lines[i]);
            assertTrue(m.matches(), "dump line: " + lines[i]);
            int offset = Integer.parseInt(m.group(1), 16);
            if (squeezed) {
                assertTrue(offset > bytes.position() && (offset - bytes.position()) % 16 == 0, "offset after '*'");
                while (bytes.position() < offset) {
                    bytes.put(previous);
                }
                squeezed = false;
            }
            assertEquals(bytes.position(), offset, "line offset");
            String digits = (m.group(2) + m.group(3)).replace(" ", "");
            byte[] line = new byte[digits.length() / 2];
            for (int j = 0; j < line.length; j++) {
                line[j] = (byte) Integer.parseInt(digits.substring(2 * j, 2 * j + 2), 16);
            }
            assertTrue(line.length > 0 && (m.group(2) + m.group(3)).trim().replace("   ", "").length() == 3 * line.length - 1,
                    "bytes then padding: " + lines[i]);
            StringBuilder ascii = new StringBuilder();
            for (byte b : line) {
                ascii.append(b >= 0x20 && b < 0x7f ? (char) b : '.');
            }
            assertEquals(ascii.toString(), m.group(4), "ASCII column");
            assertTrue(previous == null || !Arrays.equals(previous, line) || line.length < 16, "repeat not squeezed");
            bytes.put(line);
            previous = line;
        }
        String last = lines[lines.length - 1];
        assertTrue(last.matches("[0-9a-f]{8}"), "final offset line: " + last);
        int end = Integer.parseInt(last, 16);
        if (squeezed) {
            while (bytes.position() < end) {
                bytes.put(previous);
            }
        }
        assertEquals(length, end, "final offset");
        assertEquals(length, bytes.position(), "bytes dumped");
        return Arrays.copyOf(bytes.array(), length);
    }

    /** {@code output} is a pcap global header and exactly one consistent record holding {@code event}'s bytes. */
    static void checkPcap(byte[] output, CaptureEvent event, int snapLength, boolean nanoseconds) {
        ByteBuffer in = ByteBuffer.wrap(output).order(ByteOrder.LITTLE_ENDIAN);
        assertTrue(output.length >= 24 + 16, "global header and one record header");
        assertEquals(nanoseconds ? 0xa1b23c4d : 0xa1b2c3d4, in.getInt(0), "magic");
        assertEquals(snapLength, in.getInt(16), "snaplen");
        long seconds = in.getInt(24) & 0xffffffffL;
        long fraction = in.getInt(28) & 0xffffffffL;
        long caplen = in.getInt(32) & 0xffffffffL;
        long origlen = in.getInt(36) & 0xffffffffL;
        assertTrue(fraction < (nanoseconds ? 1_000_000_000L : 1_000_000L), "fraction " + fraction);
        assertTrue(caplen <= snapLength, "caplen " + caplen + " <= snaplen " + snapLength);
        assertTrue(caplen <= origlen, "caplen " + caplen + " <= origlen " + origlen);
        assertEquals(40 + caplen, output.length, "record length is its caplen");
        long nanos = event.wallClockNanos();
        assertEquals(Math.floorDiv(nanos, 1_000_000_000L) & 0xffffffffL, seconds, "seconds");
        long ns = Math.floorMod(nanos, 1_000_000_000L);
        assertEquals(nanoseconds ? ns : ns / 1000, fraction, "fraction");
        int expected = Math.min(captured(event), snapLength);
        assertEquals(expected, caplen, "caplen");
        assertEquals(Math.max(event.wireLength() & 0xffffffffL, expected), origlen, "origlen");
        assertArrayEquals(Arrays.copyOf(event.frame(), expected), Arrays.copyOfRange(output, 40, output.length), "bytes");
    }

    private static String optional(Long value) {
        return value == null ? "?" : value.toString();
    }

    private static String endpoint(Expected x, byte[] address, Long port) {
        String host;
        if (address == null) {
            host = "?";
        } else {
            try {
                host = InetAddress.getByAddress(address).getHostAddress();
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
            if (x.version == 6) {
                host = "[" + rfc5952(address) + "]";
            }
        }
        return host + ":" + optional(port);
    }

    private static void assertNumber(Long expected, Object actual, String key) {
        if (expected == null) {
            assertEquals(StrictJson.NULL, actual, key);
            return;
        }
        assertTrue(actual instanceof java.math.BigDecimal, key + " is a number: " + actual);
        assertEquals(java.math.BigDecimal.valueOf(expected), actual, key);
    }

    private static void assertAddress(byte[] expected, Object actual, String key) {
        if (expected == null) {
            assertEquals(StrictJson.NULL, actual, key);
            return;
        }
        assertTrue(actual instanceof String, key + " is a string: " + actual);
        if (expected.length == 16) {
            assertEquals(rfc5952(expected), actual, key);
        } else {
            try {
                assertEquals(InetAddress.getByAddress(expected).getHostAddress(), actual, key);
            } catch (UnknownHostException e) {
                throw new AssertionError(e);
            }
        }
    }

    /** RFC 5952 text: lowercase, no leading zeros, the longest run (first if tied) of two or more zero groups as "::". */
    static String rfc5952(byte[] a) {
        int[] g = new int[8];
        for (int i = 0; i < 8; i++) {
            g[i] = (a[2 * i] & 0xff) << 8 | (a[2 * i + 1] & 0xff);
        }
        int bestStart = -1;
        int bestLength = 1;
        for (int i = 0; i < 8; i++) {
            int j = i;
            while (j < 8 && g[j] == 0) {
                j++;
            }
            if (j - i > bestLength) {
                bestStart = i;
                bestLength = j - i;
            }
            i = Math.max(i, j);
        }
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < 8; i++) {
            if (i == bestStart) {
                s.append("::");
                i += bestLength - 1;
                continue;
            }
            if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
                s.append(':');
            }
            s.append(Integer.toHexString(g[i]));
        }
        return s.toString();
    }
}
