package dev.xdpdump.sink;

/** Writes TCP flags as tcpdump prints them: F S R P . U E W, in that order, or "none" when no flag is set. */
public final class TcpFlagLetters {
    private static final int[] BITS = {0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80};
    private static final byte[] LETTERS = {'F', 'S', 'R', 'P', '.', 'U', 'E', 'W'};

    private TcpFlagLetters() {}

    /** @param flags TCP header byte 13 */
    public static void write(OutputBuffer out, int flags) {
        if ((flags & 0xff) == 0) {
            out.writeAscii("none");
            return;
        }
        for (int i = 0; i < BITS.length; i++) {
            if ((flags & BITS[i]) != 0) {
                out.writeByte(LETTERS[i]);
            }
        }
    }
}
