package dev.xdpdump.sink;

/** Writes IP addresses in their usual text forms: IPv4 dotted decimal, IPv6 as RFC 5952 recommends. */
public final class AddressText {
    private AddressText() {}

    /** The most bytes an address's text takes (IPv6, eight full groups). */
    static final int MAX_LENGTH = 39;

    /** Writes the four bytes at {@code offset} as {@code a.b.c.d}. */
    public static void writeIpv4(OutputBuffer out, byte[] address, int offset) {
        int at = out.reserve(MAX_LENGTH);
        out.advanceTo(putIpv4(out.array(), at, address, offset));
    }

    /** As {@link #writeIpv4}, into {@code target} at {@code at} with {@link #MAX_LENGTH} bytes free; returns the end. */
    static int putIpv4(byte[] target, int at, byte[] address, int offset) {
        at = AsciiBytes.putDecimal(target, at, address[offset] & 0xff);
        for (int i = 1; i < 4; i++) {
            target[at++] = '.';
            at = AsciiBytes.putDecimal(target, at, address[offset + i] & 0xff);
        }
        return at;
    }

    /**
     * Writes the sixteen bytes at {@code offset} in RFC 5952 section 4 form: lowercase hex, no leading zeros in a
     * group, the longest run of two or more zero groups shortened to "::" (the first run on a tie). IPv4-mapped
     * addresses keep the plain hex form ({@code ::ffff:c000:201}), which section 5 allows.
     */
    public static void writeIpv6(OutputBuffer out, byte[] address, int offset) {
        int at = out.reserve(MAX_LENGTH);
        out.advanceTo(putIpv6(out.array(), at, address, offset));
    }

    /** As {@link #writeIpv6}, into {@code target} at {@code at} with {@link #MAX_LENGTH} bytes free; returns the end. */
    static int putIpv6(byte[] target, int at, byte[] address, int offset) {
        int bestStart = -1;
        int bestLength = 1; // a single zero group is never shortened
        for (int group = 0; group < 8; ) {
            if (group(address, offset, group) != 0) {
                group++;
                continue;
            }
            int start = group;
            while (group < 8 && group(address, offset, group) == 0) {
                group++;
            }
            if (group - start > bestLength) {
                bestStart = start;
                bestLength = group - start;
            }
        }
        for (int group = 0; group < 8; group++) {
            if (group == bestStart) {
                target[at++] = ':';
                target[at++] = ':';
                group += bestLength - 1;
                continue;
            }
            if (group > 0 && group != bestStart + bestLength) {
                target[at++] = ':';
            }
            at = AsciiBytes.putHexUnpadded(target, at, group(address, offset, group));
        }
        return at;
    }

    private static int group(byte[] address, int offset, int group) {
        int at = offset + group * 2;
        return (address[at] & 0xff) << 8 | (address[at + 1] & 0xff);
    }
}
