package dev.xdpdump.sink;

/** Writes TCP flags as tcpdump prints them: F S R P . U E W, in that order, or "none" when no flag is set. */
public final class TcpFlagLetters {
    private static final int[] BITS = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80};
    private static final byte[] LETTERS = {'F', 'S', 'R', 'P', '.', 'U', 'E', 'W'};

    /** The text of every flags byte, built once: a sink writes one array instead of testing eight bits. */
    private static final byte[][] TEXT = new byte[256][];

    static {
        for (int flags = 0; flags < 256; flags++) {
            OutputBuffer text = new OutputBuffer(8);
            if (flags == 0) {
                text.writeAscii("none");
            }
            for (int i = 0; i < BITS.length; i++) {
                if ((flags & BITS[i]) != 0) {
                    text.writeByte(LETTERS[i]);
                }
            }
            TEXT[flags] = text.toByteArray();
        }
    }

    private TcpFlagLetters() {}

    /** @param flags TCP header byte 13 */
    public static void write(OutputBuffer out, int flags) {
        out.writeBytes(TEXT[flags & 0xff]);
    }

    /** The letters of {@code flags} (TCP header byte 13), at most 8 bytes; shared, so the caller only reads it. */
    static byte[] text(int flags) {
        return TEXT[flags & 0xff];
    }
}
