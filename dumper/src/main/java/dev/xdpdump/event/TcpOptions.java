package dev.xdpdump.event;

/**
 * The TCP options of one SYN, walked once into primitive fields, the way p0f v3 walks them (process.c), so that the
 * layout and quirks it records are the ones p0f would print.
 *
 * <p>The walk stops at the end of the options area, at EOL (whose trailing bytes count as padding), at
 * {@link #MAX_OPTIONS} options, or at an option whose length does not fit; a stop short of the end sets
 * {@link #BAD}. Never throws, never allocates; one instance per thread, valid until the next {@link #walk}.
 */
public final class TcpOptions {
    /** p0f's MAX_TCP_OPT: it records at most this many option kinds. */
    public static final int MAX_OPTIONS = 24;

    public static final int EOL = 0;
    public static final int NOP = 1;
    public static final int MSS = 2;
    public static final int WSCALE = 3;
    public static final int SACK_OK = 4;
    public static final int SACK = 5;
    public static final int TIMESTAMP = 8;

    /** Quirk bits, named after p0f's quirk words. */
    public static final int EOL_NONZERO = 1;      // opt+
    public static final int EXCESSIVE_WSCALE = 2; // exws
    public static final int BAD = 4;              // bad
    public static final int ZERO_TS1 = 8;         // ts1-
    public static final int NONZERO_TS2 = 16;     // ts2+

    private final int[] kinds = new int[MAX_OPTIONS];
    private int count;
    private int eolPadding;
    private int mss;
    private int wscale;
    private boolean sackOk;
    private boolean timestamp;
    private long tsVal;
    private long tsEcr;
    private int quirks;

    /**
     * Walks the options in {@code frame[from, to)}; the caller has checked that the range lies in the captured bytes.
     * {@code syn} says whether the segment is a plain SYN (p0f reports a non-zero echo timestamp only there).
     */
    public TcpOptions walk(byte[] frame, int from, int to, boolean syn) {
        count = eolPadding = quirks = 0;
        mss = wscale = -1;
        sackOk = timestamp = false;
        tsVal = tsEcr = 0;
        int at = from;
        while (at < to && count < MAX_OPTIONS) {
            int kind = frame[at++] & 0xff;
            kinds[count++] = kind;
            if (kind == EOL) {
                eolPadding = to - at;
                while (at < to) {
                    if (frame[at++] != 0) {
                        quirks |= EOL_NONZERO;
                        break;
                    }
                }
                at = to;
                continue;
            }
            if (kind == NOP) {
                continue;
            }
            if (at >= to) {
                return bad();
            }
            int length = frame[at] & 0xff;
            switch (kind) {
                case MSS:
                    if (at + 3 > to) {
                        return bad();
                    }
                    if (length != 4) {
                        quirks |= BAD;
                    }
                    mss = (frame[at + 1] & 0xff) << 8 | (frame[at + 2] & 0xff);
                    at += 3;
                    break;
                case WSCALE:
                    if (at + 2 > to) {
                        return bad();
                    }
                    if (length != 3) {
                        quirks |= BAD;
                    }
                    wscale = frame[at + 1] & 0xff;
                    if (wscale > 14) {
                        quirks |= EXCESSIVE_WSCALE;
                    }
                    at += 2;
                    break;
                case SACK_OK:
                    if (length != 2) {
                        quirks |= BAD;
                    }
                    sackOk = true;
                    at += 1;
                    break;
                case SACK:
                    if (length < 10 || length > 34 || at - 1 + length > to) {
                        return bad();
                    }
                    at += length - 1;
                    break;
                case TIMESTAMP:
                    if (at + 9 > to) {
                        return bad();
                    }
                    if (length != 10) {
                        quirks |= BAD;
                    }
                    timestamp = true;
                    tsVal = u32(frame, at + 1);
                    tsEcr = u32(frame, at + 5);
                    if (tsVal == 0) {
                        quirks |= ZERO_TS1;
                    }
                    if (syn && tsEcr != 0) {
                        quirks |= NONZERO_TS2;
                    }
                    at += 9;
                    break;
                default:
                    if (length < 2 || length > 40 || at - 1 + length > to) {
                        return bad();
                    }
                    at += length - 1;
            }
        }
        if (at != to) {
            quirks |= BAD;
        }
        return this;
    }

    private TcpOptions bad() {
        quirks |= BAD;
        return this;
    }

    /** How many option kinds the walk recorded, at most {@link #MAX_OPTIONS}. */
    public int count() { return count; }
    /** The kind of the {@code index}th option in wire order; {@code index} below {@link #count()}. */
    public int kind(int index) { return kinds[index]; }
    /** Bytes after an EOL option up to the end of the options area (p0f's {@code eol+N}). */
    public int eolPadding() { return eolPadding; }
    /** The MSS option's value, or -1 when there is none. */
    public int mss() { return mss; }
    /** The window scale shift, or -1 when there is no window scale option. */
    public int wscale() { return wscale; }
    public boolean sackOk() { return sackOk; }
    public boolean hasTimestamp() { return timestamp; }
    public long tsVal() { return tsVal; }
    public long tsEcr() { return tsEcr; }
    /** The quirk bits above that the walk saw. */
    public int quirks() { return quirks; }

    private static long u32(byte[] frame, int at) {
        return ((long) (frame[at] & 0xff) << 24) | (frame[at + 1] & 0xff) << 16 | (frame[at + 2] & 0xff) << 8
                | (frame[at + 3] & 0xff);
    }
}
