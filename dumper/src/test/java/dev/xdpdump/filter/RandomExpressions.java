package dev.xdpdump.filter;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Random;

/**
 * Random tcpdump expressions from pcap-filter(7)'s grammar: host, net (prefix and mask), port and portrange with
 * their direction and protocol qualifiers, protocols, vlan, ether host and proto, len, greater and less, TCP flags,
 * and relations between arithmetic on packet loads ({@code proto[expr:size]}), all combined with and, or, not and
 * parentheses. Values come from {@link RandomFrames}' pools.
 *
 * <p>The generator keeps to what libpcap compiles: no division by a constant 0 or shift by a constant past 31 (libpcap
 * refuses both, and also some variable divisors and shift amounts: see {@link #operand}), every relation has a load or
 * {@code len} on its left (two constants would fold to a program that takes or rejects everything), and nothing that
 * compiles to a loop ({@code protochain}). A variable shift amount is masked to under 32 bits; larger ones are left
 * to {@link TranslatedShiftKernelTest}, since there libpcap's {@code bpf_filter} gives 0 and eBPF shifts by the
 * amount mod 32.
 */
final class RandomExpressions {
    private static final int MAX_DEPTH = 4;
    private static final int MAX_ARITHMETIC_DEPTH = 3;
    private static final String[] DIRECTIONS = {"", "", "src ", "dst ", "src or dst ", "src and dst "};
    private static final String[] PROTOCOLS = {"tcp", "udp", "icmp", "icmp6", "ip", "ip6", "arp", "ip multicast",
            "ip6 multicast", "ether broadcast", "ether multicast"};
    private static final int[] IP_PROTOCOLS = {0, 1, 6, 17, 44, 47, 58, 255};
    private static final String[] ETHER_TYPES = {"0x0800", "0x86dd", "0x0806", "0x8100", "0x88a8", "0x1234", "\\ip",
            "\\ip6", "\\arp", "2048"};
    private static final int[] LENGTHS = {0, 14, 54, 60, 64, 74, 100, 128, 200, 300};
    private static final String[] TCP_FLAGS = {"tcp-fin", "tcp-syn", "tcp-rst", "tcp-push", "tcp-ack", "tcp-urg",
            "tcp-ece", "tcp-cwr"};
    private static final String[] RELATIONS = {"=", "==", "!=", "<", "<=", ">", ">="};
    /**
     * What one relation loads from: the link layer and one protocol's headers. Loads of two protocols no frame has
     * both of (tcp and udp, ip and ip6) make libpcap's optimiser fold the impossible path, and it refuses the shift
     * or division it then finds there ("shift by more than 31 bits", "division by zero") or the whole expression
     * ("expression rejects all packets").
     */
    private static final String[][] LOADABLE = {{"ether", "link", "ip"}, {"ether", "link", "ip6"},
            {"ether", "link", "ip", "tcp"}, {"ether", "link", "ip", "udp"}, {"ether", "link", "ip", "icmp"}};
    private static final String[] OPERATORS = {"+", "-", "*", "/", "%", "&", "|", "^", "<<", ">>"};
    /** The operators that take any right operand. */
    private static final String[] PLAIN_OPERATORS = {"+", "-", "*", "&", "|", "^"};
    private static final long[] CONSTANTS = {0, 1, 2, 3, 5, 7, 8, 15, 16, 31, 32, 64, 80, 255, 256, 1024, 65535,
            65536, 0x7fffffffL, 0x80000000L, 0xffffffffL};

    private final Random random;

    RandomExpressions(Random random) {
        this.random = random;
    }

    String next() {
        return expression(MAX_DEPTH);
    }

    private String expression(int depth) {
        if (depth == 0 || random.nextInt(10) < 3) {
            return primitive();
        }
        return switch (random.nextInt(6)) {
            case 0 -> (random.nextBoolean() ? "not (" : "!(") + expression(depth - 1) + ")";
            case 1, 2 -> "(" + expression(depth - 1) + (random.nextInt(4) == 0 ? ") && (" : ") and (")
                    + expression(depth - 1) + ")";
            default -> "(" + expression(depth - 1) + (random.nextInt(4) == 0 ? ") || (" : ") or (")
                    + expression(depth - 1) + ")";
        };
    }

    private String primitive() {
        return switch (random.nextInt(14)) {
            case 0, 1 -> host();
            case 2 -> net();
            case 3, 4 -> port();
            case 5 -> portRange();
            case 6 -> protocol();
            case 7 -> vlan();
            case 8 -> ether();
            case 9 -> length();
            case 10 -> tcpFlags();
            default -> relation();
        };
    }

    private String host() {
        boolean v6 = random.nextInt(3) == 0;
        String qualifier = random.nextInt(4) == 0 ? (v6 ? "ip6 " : "ip ") : "";
        return qualifier + pick(DIRECTIONS) + "host " + pick(v6 ? RandomFrames.IPV6_ADDRESSES
                : RandomFrames.IPV4_ADDRESSES);
    }

    private String net() {
        String direction = pick(DIRECTIONS);
        if (random.nextInt(3) == 0) {
            int prefix = pick(new int[] {16, 32, 48, 64, 127, 128});
            return direction + "net " + network(pick(RandomFrames.IPV6_ADDRESSES), prefix) + "/" + prefix;
        }
        int prefix = pick(new int[] {8, 15, 16, 23, 24, 31, 32});
        String network = network(pick(RandomFrames.IPV4_ADDRESSES), prefix);
        if (random.nextBoolean()) {
            long mask = 0xffffffffL << (32 - prefix) & 0xffffffffL;
            return direction + "net " + network + " mask " + (mask >>> 24) + "." + (mask >>> 16 & 0xff) + "."
                    + (mask >>> 8 & 0xff) + "." + (mask & 0xff);
        }
        return direction + "net " + network + "/" + prefix;
    }

    /** The address with the bits past the prefix cleared: libpcap refuses a network with host bits set. */
    private static String network(String address, int prefix) {
        byte[] bytes = RandomFrames.address(address);
        for (int bit = prefix; bit < bytes.length * 8; bit++) {
            bytes[bit / 8] &= (byte) ~(0x80 >>> bit % 8);
        }
        try {
            return InetAddress.getByAddress(bytes).getHostAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(address, e);
        }
    }

    private String port() {
        return pick(new String[] {"", "tcp ", "udp "}) + pick(DIRECTIONS) + "port " + pick(RandomFrames.PORTS);
    }

    private String portRange() {
        return pick(new String[] {"", "tcp ", "udp "}) + pick(DIRECTIONS) + "portrange " + pick(RandomFrames.PORTS)
                + "-" + pick(RandomFrames.PORTS);
    }

    private String protocol() {
        return switch (random.nextInt(4)) {
            case 0 -> "ip proto " + pick(IP_PROTOCOLS);
            case 1 -> "ip6 proto " + pick(IP_PROTOCOLS);
            default -> pick(PROTOCOLS);
        };
    }

    private String vlan() {
        return random.nextInt(3) == 0 ? "vlan" : "vlan " + pick(RandomFrames.VLAN_IDS);
    }

    private String ether() {
        return switch (random.nextInt(4)) {
            case 0 -> "ether proto " + pick(ETHER_TYPES);
            case 1 -> "ether host " + pick(RandomFrames.MACS);
            default -> "ether " + pick(new String[] {"src", "dst"}) + " " + pick(RandomFrames.MACS);
        };
    }

    private String length() {
        return switch (random.nextInt(4)) {
            case 0 -> "greater " + pick(LENGTHS);
            case 1 -> "less " + pick(LENGTHS);
            default -> "len " + pick(RELATIONS) + " " + pick(LENGTHS);
        };
    }

    private String tcpFlags() {
        String flags = random.nextBoolean() ? pick(TCP_FLAGS) : "(" + pick(TCP_FLAGS) + "|" + pick(TCP_FLAGS) + ")";
        return switch (random.nextInt(4)) {
            case 0 -> "tcp[tcpflags] & " + flags + " != 0";
            case 1 -> "tcp[tcpflags] & " + flags + " = " + flags;
            case 2 -> "tcp[tcpflags] = " + flags;
            default -> "tcp[13] & " + random.nextInt(256) + " != 0";
        };
    }

    private String relation() {
        String[] loadable = LOADABLE[random.nextInt(LOADABLE.length)];
        return arithmetic(loadable, MAX_ARITHMETIC_DEPTH, true) + " " + pick(RELATIONS) + " "
                + arithmetic(loadable, MAX_ARITHMETIC_DEPTH - 1, false);
    }

    /** Arithmetic on loads, {@code len} and constants; with {@code variable}, never a constant. */
    private String arithmetic(String[] loadable, int depth, boolean variable) {
        if (depth == 0 || random.nextInt(3) == 0) {
            int leaf = random.nextInt(variable ? 10 : 14);
            return leaf < 8 ? load(loadable, depth) : leaf < 10 ? "len" : constant();
        }
        if (random.nextInt(12) == 0) {
            return "-(" + arithmetic(loadable, depth - 1, variable) + ")";
        }
        String operator = pick(OPERATORS);
        String left = arithmetic(loadable, depth - 1, variable);
        String right = switch (operator) {
            case "/", "%" -> random.nextBoolean() ? Long.toString(1 + random.nextInt(300))
                    : operand(loadable, depth - 1, 1);
            case "<<", ">>" -> random.nextBoolean() ? Integer.toString(random.nextInt(32))
                    : "(" + operand(loadable, depth - 1, 0) + " & 63)"; // 32 and more shift A out: 0
            default -> arithmetic(loadable, depth - 1, false);
        };
        return "(" + left + " " + operator + " " + right + ")";
    }

    /**
     * A variable divisor or shift amount that libpcap 1.10 takes: its check for a division by 0 or a shift past 31
     * looks at the first instruction of the operand's code, which for a load is the load of its index; so
     * {@code x / ether[0]} is "division by zero" and {@code x >> (ether[57] & 31)} "shift by more than 31 bits".
     * The leftmost leaf is {@code len} or a load whose index is a constant from {@code lowestIndex} to 31.
     */
    private String operand(String[] loadable, int depth, int lowestIndex) {
        String first = random.nextInt(4) == 0 ? "len" : pick(loadable) + "["
                + (lowestIndex + random.nextInt(32 - lowestIndex)) + pick(new String[] {"", ":1", ":2", ":4"}) + "]";
        if (depth == 0 || random.nextBoolean()) {
            return first;
        }
        return "(" + first + " " + pick(PLAIN_OPERATORS) + " " + arithmetic(loadable, depth - 1, true) + ")";
    }

    /** {@code proto[index]} or {@code proto[index:size]}: mostly a header offset, at times far off or computed. */
    private String load(String[] loadable, int depth) {
        int shape = random.nextInt(10);
        String index = shape < 7 ? Integer.toString(random.nextInt(64))
                : shape < 8 ? Long.toString(pick(new long[] {100, 255, 299, 1500, 65534, 65535, 70000}))
                : arithmetic(loadable, Math.max(0, depth - 1), true);
        String size = pick(new String[] {"", ":1", ":2", ":4"});
        return pick(loadable) + "[" + index + size + "]";
    }

    private String constant() {
        long value = random.nextBoolean() ? CONSTANTS[random.nextInt(CONSTANTS.length)] : random.nextInt(300);
        return random.nextInt(4) == 0 ? "0x" + Long.toHexString(value) : Long.toString(value);
    }

    private int pick(int[] values) {
        return values[random.nextInt(values.length)];
    }

    private long pick(long[] values) {
        return values[random.nextInt(values.length)];
    }

    private String pick(String[] values) {
        return values[random.nextInt(values.length)];
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }
}
