package dev.xdpdump.sink;

import dev.xdpdump.event.FrameFields;
import dev.xdpdump.event.TcpOptions;

/**
 * Writes the text forms of a SYN's fingerprint straight into an {@link OutputBuffer}, with no String per event: p0f
 * v3's raw signature and layout words (rules from p0f's process.c and fp_tcp.c), MuonFP (sundruid/muonfp, CC BY 4.0)
 * and tcpdump's options text. Each writer needs fields the caller has checked with {@link #hasP0f} or
 * {@link FrameFields#hasOptions()}.
 */
final class SynSignatures {
    private static final int TCP_RST = 0x04;
    private static final int TCP_PUSH = 0x08;
    private static final int TCP_ACK = 0x10;
    private static final int TCP_URG = 0x20;
    private static final int TCP_ECE_CWR = 0xc0;
    /** p0f's MAX_DIST: a guessed distance above it is printed as {@code ?}. */
    private static final int MAX_DIST = 35;
    /** p0f's MIN_TCP4 and MIN_TCP6: the fixed IP header plus the fixed TCP header. */
    private static final int MIN_TCP4 = 40;
    private static final int MIN_TCP6 = 60;

    /** p0f's quirk words in the order it prints them; bit i of a quirk mask stands for QUIRK_WORDS[i]. */
    private static final PackedAscii[] QUIRK_WORDS = {
        word("df"), word("id+"), word("id-"), word("ecn"), word("0+"), word("flow"), word("seq-"),
        word("ack+"), word("ack-"), word("uptr+"), word("urgf+"), word("pushf+"), word("ts1-"), word("ts2+"),
        word("opt+"), word("exws"), word("bad")};
    private static final int Q_DF = 1;
    private static final int Q_ID_NONZERO = 1 << 1;
    private static final int Q_ID_ZERO = 1 << 2;
    private static final int Q_ECN = 1 << 3;
    private static final int Q_MBZ = 1 << 4;
    private static final int Q_FLOW = 1 << 5;
    private static final int Q_SEQ_ZERO = 1 << 6;
    private static final int Q_ACK_NONZERO = 1 << 7;
    private static final int Q_ACK_ZERO = 1 << 8;
    private static final int Q_URP_NONZERO = 1 << 9;
    private static final int Q_URG = 1 << 10;
    private static final int Q_PUSH = 1 << 11;
    private static final int Q_TS1_ZERO = 1 << 12;
    private static final int Q_TS2_NONZERO = 1 << 13;
    private static final int Q_EOL_NONZERO = 1 << 14;
    private static final int Q_EXWS = 1 << 15;
    private static final int Q_BAD = 1 << 16;

    /** p0f's layout word of each option kind, built once so a kind costs one copy; EOL's is "eol+" and its padding. */
    private static final PackedAscii[] LAYOUT_WORDS = new PackedAscii[256];
    /** Each option kind in decimal, for MuonFP. */
    private static final PackedAscii[] KIND_NUMBERS = new PackedAscii[256];
    private static final PackedAscii MSS_TIMES = word("mss*");
    private static final PackedAscii MTU_TIMES = word("mtu*");

    /** The most bytes {@link #putLayout} writes: every option "eol+NN" wide, commas between. */
    static final int MAX_LAYOUT = TcpOptions.MAX_OPTIONS * 7;
    /** The most bytes {@link #putP0f} writes: the numbers and separators, the layout, every quirk word. */
    static final int MAX_P0F = 96 + MAX_LAYOUT + 96;
    /** The most bytes {@link #putMuonFp} writes: window, kinds up to "255-" each, MSS and scale. */
    static final int MAX_MUONFP = 16 + TcpOptions.MAX_OPTIONS * 4 + 16;

    static {
        for (int kind = 0; kind < 256; kind++) {
            LAYOUT_WORDS[kind] = word(switch (kind) {
                case TcpOptions.EOL -> "eol+";
                case TcpOptions.NOP -> "nop";
                case TcpOptions.MSS -> "mss";
                case TcpOptions.WSCALE -> "ws";
                case TcpOptions.SACK_OK -> "sok";
                case TcpOptions.SACK -> "sack";
                case TcpOptions.TIMESTAMP -> "ts";
                default -> "?" + kind;
            });
            KIND_NUMBERS[kind] = word(Integer.toString(kind));
        }
    }

    private SynSignatures() {
    }

    /** The initial TTL p0f guesses from an observed one: the next of 32, 64, 128, 255 at or above it. */
    static int initialTtl(int ttl) {
        return ttl <= 32 ? 32 : ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
    }

    /** True when every field the raw signature needs was captured. */
    static boolean hasP0f(FrameFields f) {
        return f.hasOptions() && f.hasTtl() && f.hasIpOptsLength() && f.hasWindow() && f.hasTos() && f.hasSeq()
                && f.hasAck() && f.hasUrp() && f.hasPayloadLength() && (f.ipVersion() == 6 || f.hasIpId());
    }

    /**
     * {@code ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass} as p0f logs it in {@code raw_sig}, into
     * {@code target} at {@code at} with {@link #MAX_P0F} bytes free; returns the end.
     */
    static int putP0f(byte[] target, int at, FrameFields f) {
        TcpOptions o = f.options();
        int ttl = f.ttl();
        int dist = initialTtl(ttl) - ttl;
        at = AsciiBytes.putDecimal(target, at, f.ipVersion());
        target[at++] = ':';
        at = AsciiBytes.putDecimal(target, at, ttl);
        target[at++] = '+';
        if (dist > MAX_DIST) {
            target[at++] = '?';
        } else {
            at = AsciiBytes.putDecimal(target, at, dist);
        }
        target[at++] = ':';
        at = AsciiBytes.putDecimal(target, at, f.ipOptsLength());
        target[at++] = ':';
        int mss = Math.max(0, o.mss());
        at = AsciiBytes.putDecimal(target, at, mss);
        target[at++] = ':';
        at = putWindow(target, at, f, mss, o.hasTimestamp() ? o.tsVal() : 0);
        target[at++] = ',';
        at = AsciiBytes.putDecimal(target, at, Math.max(0, o.wscale()));
        target[at++] = ':';
        at = putLayout(target, at, o);
        target[at++] = ':';
        at = putQuirks(target, at, quirks(f));
        target[at++] = ':';
        target[at++] = (byte) (f.payloadLength() != 0 ? '+' : '0');
        return at;
    }

    /** p0f's detect_win_multi for a SYN: {@code mss*N} or {@code mtu*N} when the window is such a multiple. */
    private static int putWindow(byte[] target, int at, FrameFields f, int mss, long ts1) {
        int win = f.window();
        if (win != 0 && mss >= 100) {
            boolean v6 = f.ipVersion() == 6;
            int totalHeader = (v6 ? 40 : 20) + f.ipOptsLength() + ((f.dataOffsetByte() >>> 4) << 2);
            // The first divisor that divides the window wins, in p0f's order; 0 when none does.
            int divisor;
            PackedAscii word = MSS_TIMES;
            if (divides(win, mss)) {
                divisor = mss;
            } else if (ts1 != 0 && divides(win, mss - 12)) {
                divisor = mss - 12;
            } else if (divides(win, 1500 - MIN_TCP4)) {
                divisor = 1500 - MIN_TCP4;
            } else if (divides(win, 1500 - MIN_TCP4 - 12)) {
                divisor = 1500 - MIN_TCP4 - 12;
            } else if (v6 && divides(win, 1500 - MIN_TCP6)) {
                divisor = 1500 - MIN_TCP6;
            } else if (v6 && divides(win, 1500 - MIN_TCP6 - 12)) {
                divisor = 1500 - MIN_TCP6 - 12;
            } else {
                word = MTU_TIMES;
                if (divides(win, mss + MIN_TCP4)) {
                    divisor = mss + MIN_TCP4;
                } else if (divides(win, mss + totalHeader)) {
                    divisor = mss + totalHeader;
                } else if (v6 && divides(win, mss + MIN_TCP6)) {
                    divisor = mss + MIN_TCP6;
                } else if (divides(win, 1500)) {
                    divisor = 1500;
                } else {
                    divisor = 0;
                }
            }
            if (divisor != 0) {
                at = word.put(target, at);
                return AsciiBytes.putDecimal(target, at, win / divisor);
            }
        }
        return AsciiBytes.putDecimal(target, at, win);
    }

    private static boolean divides(int win, int divisor) {
        return divisor != 0 && win % divisor == 0;
    }

    /**
     * The option kinds in wire order as p0f's layout words: {@code mss,nop,ws,sok,ts}, {@code eol+N}, {@code ?N};
     * into {@code target} at {@code at} with {@link #MAX_LAYOUT} bytes free; returns the end.
     */
    static int putLayout(byte[] target, int at, TcpOptions o) {
        for (int i = 0; i < o.count(); i++) {
            if (i > 0) {
                target[at++] = ',';
            }
            int kind = o.kind(i);
            at = LAYOUT_WORDS[kind].put(target, at);
            if (kind == TcpOptions.EOL) {
                at = AsciiBytes.putDecimal(target, at, o.eolPadding());
            }
        }
        return at;
    }

    /** p0f's quirks of the SYN as a mask of Q_ bits; computed whole first, so writing them needs no "first?" test. */
    private static int quirks(FrameFields f) {
        int flags = f.flags();
        int q = 0;
        if (f.ipVersion() == 4) {
            boolean df = f.df();
            q |= df ? Q_DF : 0;
            q |= df && f.ipId() != 0 ? Q_ID_NONZERO : 0;
            q |= !df && f.ipId() == 0 ? Q_ID_ZERO : 0;
            q |= (f.ipFlags() & 0b100) != 0 ? Q_MBZ : 0;
        } else if (f.ipVersion() == 6 && f.flow() != 0) {
            q |= Q_FLOW;
        }
        q |= (f.tos() & 0x03) != 0 || (flags & TCP_ECE_CWR) != 0 || (f.dataOffsetByte() & 0x01) != 0 ? Q_ECN : 0;
        q |= f.seq() == 0 ? Q_SEQ_ZERO : 0;
        // p0f 3.09b tests `ack & !rst` bitwise: on its little-endian load that is the low bit of the ack's first
        // wire byte. Reproduced, since this field promises p0f's own signature.
        q |= (flags & TCP_ACK) == 0 && (flags & TCP_RST) == 0 && ((f.ack() >>> 24) & 1) != 0 ? Q_ACK_NONZERO : 0;
        q |= (flags & TCP_ACK) != 0 && f.ack() == 0 ? Q_ACK_ZERO : 0;
        q |= (flags & TCP_URG) == 0 && f.urp() != 0 ? Q_URP_NONZERO : 0;
        q |= (flags & TCP_URG) != 0 ? Q_URG : 0;
        q |= (flags & TCP_PUSH) != 0 ? Q_PUSH : 0;
        int o = f.options().quirks();
        q |= (o & TcpOptions.ZERO_TS1) != 0 ? Q_TS1_ZERO : 0;
        q |= (o & TcpOptions.NONZERO_TS2) != 0 ? Q_TS2_NONZERO : 0;
        q |= (o & TcpOptions.EOL_NONZERO) != 0 ? Q_EOL_NONZERO : 0;
        q |= (o & TcpOptions.EXCESSIVE_WSCALE) != 0 ? Q_EXWS : 0;
        q |= (o & TcpOptions.BAD) != 0 ? Q_BAD : 0;
        return q;
    }

    /** The words of a quirk mask in bit order (p0f's), commas between. */
    private static int putQuirks(byte[] target, int at, int mask) {
        if (mask == 0) {
            return at;
        }
        at = QUIRK_WORDS[Integer.numberOfTrailingZeros(mask)].put(target, at);
        for (mask &= mask - 1; mask != 0; mask &= mask - 1) {
            target[at++] = ',';
            at = QUIRK_WORDS[Integer.numberOfTrailingZeros(mask)].put(target, at);
        }
        return at;
    }

    /** MuonFP's {@code win:opts:mss:wscale}: kinds joined by '-', up to and including an EOL; empty when absent. */
    static void writeMuonFp(OutputBuffer out, FrameFields f) {
        int at = out.reserve(MAX_MUONFP);
        out.advanceTo(putMuonFp(out.array(), at, f));
    }

    /** As {@link #writeMuonFp}, into {@code target} at {@code at} with {@link #MAX_MUONFP} bytes free; returns the end. */
    static int putMuonFp(byte[] target, int at, FrameFields f) {
        TcpOptions o = f.options();
        at = AsciiBytes.putDecimal(target, at, f.window());
        target[at++] = ':';
        for (int i = 0; i < o.count(); i++) {
            if (i > 0) {
                target[at++] = '-';
            }
            int kind = o.kind(i);
            at = KIND_NUMBERS[kind].put(target, at);
            if (kind == TcpOptions.EOL) {
                break;
            }
        }
        target[at++] = ':';
        if (o.mss() >= 0) {
            at = AsciiBytes.putDecimal(target, at, o.mss());
        }
        target[at++] = ':';
        if (o.wscale() >= 0) {
            at = AsciiBytes.putDecimal(target, at, o.wscale());
        }
        return at;
    }

    /** tcpdump's text inside {@code options [...]}: {@code mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7}. */
    static void writeTcpdumpOptions(OutputBuffer out, TcpOptions o) {
        for (int i = 0; i < o.count(); i++) {
            if (i > 0) {
                out.writeByte(',');
            }
            int kind = o.kind(i);
            switch (kind) {
                case TcpOptions.EOL -> out.writeAscii("eol");
                case TcpOptions.NOP -> out.writeAscii("nop");
                case TcpOptions.MSS -> out.writeAscii("mss ").writeDecimal(Math.max(0, o.mss()));
                case TcpOptions.WSCALE -> out.writeAscii("wscale ").writeDecimal(Math.max(0, o.wscale()));
                case TcpOptions.SACK_OK -> out.writeAscii("sackOK");
                case TcpOptions.SACK -> out.writeAscii("sack");
                case TcpOptions.TIMESTAMP -> out.writeAscii("TS val ").writeDecimal(o.tsVal()).writeAscii(" ecr ")
                        .writeDecimal(o.tsEcr());
                default -> out.writeAscii("unknown-").writeDecimal(kind);
            }
        }
    }

    private static PackedAscii word(String text) {
        return PackedAscii.of(text);
    }
}
