package dev.xdpdump.sink;

/**
 * Writes bytes exactly as {@code hexdump -C} prints them, so the output can be compared with, and read like, the
 * tool people already know.
 *
 * <p>Each line: the offset as eight lowercase hex digits, two spaces, sixteen bytes as two groups of eight with an extra
 * space between, two spaces and the bytes as ASCII between bars ('.' for anything outside 0x20-0x7e). A short last
 * line is padded so the bars line up. A full line equal to the full line before it is replaced by a single "*" for the
 * whole run. A last line holds the total length as an offset. No bytes, no lines at all.
 */
public final class HexDumpLayout {
    private static final int LINE = 16;

    private HexDumpLayout() {}

    public static void write(OutputBuffer out, byte[] bytes, int offset, int length) {
        if (length <= 0) {
            return;
        }
        boolean squeezing = false;
        for (int line = 0; line < length; line += LINE) {
            int count = Math.min(LINE, length - line);
            if (count == LINE && line > 0 && sameAsPreviousLine(bytes, offset + line)) {
                if (!squeezing) {
                    out.writeByte('*').writeByte('\n');
                    squeezing = true;
                }
                continue;
            }
            squeezing = false;
            writeLine(out, bytes, offset + line, count, line);
        }
        out.writeHex(length, 8).writeByte('\n');
    }

    /** Bytes of a line holding {@code count} bytes: offset, two spaces, 49 of hex columns, " |", ASCII, "|\n". */
    private static int lineLength(int count) {
        return 8 + 2 + 49 + 2 + count + 2;
    }

    // One capacity check per line, then every byte of the line is stored straight into the buffer's array.
    private static void writeLine(OutputBuffer out, byte[] bytes, int start, int count, int lineOffset) {
        int at = out.claim(lineLength(count));
        byte[] target = out.array();
        for (int shift = 28; shift >= 0; shift -= 4) {
            target[at++] = OutputBuffer.HEX_DIGITS[(lineOffset >>> shift) & 0xf];
        }
        target[at++] = ' ';
        target[at++] = ' ';
        for (int i = 0; i < LINE; i++) {
            if (i < count) {
                int pair = (bytes[start + i] & 0xff) * 2;
                target[at++] = OutputBuffer.HEX_PAIRS[pair];
                target[at++] = OutputBuffer.HEX_PAIRS[pair + 1];
            } else {
                target[at++] = ' ';
                target[at++] = ' ';
            }
            target[at++] = ' ';
            if (i == 7) {
                target[at++] = ' ';
            }
        }
        target[at++] = ' ';
        target[at++] = '|';
        for (int i = 0; i < count; i++) {
            int b = bytes[start + i] & 0xff;
            target[at++] = (byte) (b >= 0x20 && b < 0x7f ? b : '.');
        }
        target[at++] = '|';
        target[at] = '\n';
    }

    private static boolean sameAsPreviousLine(byte[] bytes, int start) {
        for (int i = 0; i < LINE; i++) {
            if (bytes[start + i] != bytes[start - LINE + i]) {
                return false;
            }
        }
        return true;
    }
}
