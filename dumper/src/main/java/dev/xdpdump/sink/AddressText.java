package dev.xdpdump.sink;

/** Writes IP addresses in their usual text forms: IPv4 dotted decimal, IPv6 as RFC 5952 recommends. */
public final class AddressText {
    private AddressText() {}

    /** Writes the four bytes at {@code offset} as {@code a.b.c.d}. */
    public static void writeIpv4(OutputBuffer out, byte[] address, int offset) {
        int length = 3;
        for (int i = 0; i < 4; i++) {
            length += OutputBuffer.decimalDigits(address[offset + i] & 0xff);
        }
        int start = out.claim(length);
        byte[] target = out.array();
        int end = start + length;
        for (int i = 3; i >= 0; i--) {
            end = OutputBuffer.writeDigits(target, end, address[offset + i] & 0xff);
            if (i > 0) {
                target[--end] = '.';
            }
        }
    }

    /**
     * Writes the sixteen bytes at {@code offset} in RFC 5952 section 4 form: lowercase hex, no leading zeros in a
     * group, the longest run of two or more zero groups shortened to "::" (the first run on a tie). IPv4-mapped
     * addresses keep the plain hex form ({@code ::ffff:c000:201}), which section 5 allows.
     */
    public static void writeIpv6(OutputBuffer out, byte[] address, int offset) {
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
                out.writeByte(':').writeByte(':');
                group += bestLength - 1;
                continue;
            }
            if (group > 0 && group != bestStart + bestLength) {
                out.writeByte(':');
            }
            out.writeHexUnpadded(group(address, offset, group));
        }
    }

    private static int group(byte[] address, int offset, int group) {
        int at = offset + group * 2;
        return (address[at] & 0xff) << 8 | (address[at + 1] & 0xff);
    }
}
