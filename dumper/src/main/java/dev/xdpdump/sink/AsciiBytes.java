package dev.xdpdump.sink;

/**
 * ASCII writes straight into a byte array that the caller has already sized (see {@link OutputBuffer#reserve}):
 * each takes the index to write at and returns the index after what it wrote. No capacity check per write, so a
 * record of many short values costs one check instead of one per value; the caller's bound must cover the record.
 */
final class AsciiBytes {
    private static final long ONE_BILLION = 1_000_000_000L;

    private AsciiBytes() {
    }

    static int put(byte[] target, int at, byte[] source) {
        System.arraycopy(source, 0, target, at, source.length);
        return at + source.length;
    }

    static int put(byte[] target, int at, int value) {
        target[at] = (byte) value;
        return at + 1;
    }

    /** A non-negative int in decimal. */
    static int putDecimal(byte[] target, int at, int value) {
        int end = at + digits(value);
        OutputBuffer.writeDigits(target, end, value);
        return end;
    }

    /** A non-negative long below 10^18 (the unsigned 32-bit TCP and timestamp fields) in decimal. */
    static int putDecimal(byte[] target, int at, long value) {
        if (value < ONE_BILLION) {
            return putDecimal(target, at, (int) value);
        }
        at = putDecimal(target, at, (int) (value / ONE_BILLION));
        return putPadded(target, at, (int) (value % ONE_BILLION), 9);
    }

    /** An int in decimal, with a leading '-' when negative. */
    static int putSignedDecimal(byte[] target, int at, int value) {
        if (value >= 0) {
            return putDecimal(target, at, value);
        }
        target[at++] = '-';
        return putDecimal(target, at, -(long) value);
    }

    /** A non-negative int below 10^width in decimal, zero-padded to exactly {@code width} digits. */
    static int putPadded(byte[] target, int at, int value, int width) {
        int end = at + width;
        int first = OutputBuffer.writeDigits(target, end, value);
        while (first > at) {
            target[--first] = '0';
        }
        return end;
    }

    /** Two lowercase hex digits per source byte. */
    static int putHex(byte[] target, int at, byte[] source, int offset, int length) {
        for (int i = offset, end = offset + length; i < end; i++) {
            int pair = (source[i] & 0xff) * 2;
            target[at++] = OutputBuffer.HEX_PAIRS[pair];
            target[at++] = OutputBuffer.HEX_PAIRS[pair + 1];
        }
        return at;
    }

    /** A non-negative int as lowercase hex without leading zeros ("0" for zero). */
    static int putHexUnpadded(byte[] target, int at, int value) {
        int digits = Math.max(1, (32 - Integer.numberOfLeadingZeros(value) + 3) >>> 2);
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            target[at++] = OutputBuffer.HEX_DIGITS[(value >>> shift) & 0xf];
        }
        return at;
    }

    /** Decimal digits of a non-negative int; compares instead of a table walk, as most values here are short. */
    static int digits(int value) {
        if (value < 100_000) {
            return value < 100 ? (value < 10 ? 1 : 2) : value < 1_000 ? 3 : value < 10_000 ? 4 : 5;
        }
        return value < 10_000_000 ? (value < 1_000_000 ? 6 : 7)
                : value < 100_000_000 ? 8 : value < 1_000_000_000 ? 9 : 10;
    }
}
