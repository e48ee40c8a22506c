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

    private static final byte[] Q_DF = ascii("df");
    private static final byte[] Q_ID_NONZERO = ascii("id+");
    private static final byte[] Q_ID_ZERO = ascii("id-");
    private static final byte[] Q_ECN = ascii("ecn");
    private static final byte[] Q_MBZ = ascii("0+");
    private static final byte[] Q_FLOW = ascii("flow");
    private static final byte[] Q_SEQ_ZERO = ascii("seq-");
    private static final byte[] Q_ACK_NONZERO = ascii("ack+");
    private static final byte[] Q_ACK_ZERO = ascii("ack-");
    private static final byte[] Q_URP_NONZERO = ascii("uptr+");
    private static final byte[] Q_URG = ascii("urgf+");
    private static final byte[] Q_PUSH = ascii("pushf+");
    private static final byte[] Q_TS1_ZERO = ascii("ts1-");
    private static final byte[] Q_TS2_NONZERO = ascii("ts2+");
    private static final byte[] Q_EOL_NONZERO = ascii("opt+");
    private static final byte[] Q_EXWS = ascii("exws");
    private static final byte[] Q_BAD = ascii("bad");
    private static final byte[] MSS_TIMES = ascii("mss*");
    private static final byte[] MTU_TIMES = ascii("mtu*");

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

    /** {@code ver:ittl:olen:mss:wsize,scale:olayout:quirks:pclass} as p0f logs it in {@code raw_sig}. */
    static void writeP0f(OutputBuffer out, FrameFields f) {
        TcpOptions o = f.options();
        int ttl = f.ttl();
        int dist = initialTtl(ttl) - ttl;
        out.writeDecimal(f.ipVersion()).writeByte(':').writeDecimal(ttl).writeByte('+');
        if (dist > MAX_DIST) {
            out.writeByte('?');
        } else {
            out.writeDecimal(dist);
        }
        out.writeByte(':').writeDecimal(f.ipOptsLength()).writeByte(':');
        int mss = Math.max(0, o.mss());
        out.writeDecimal(mss).writeByte(':');
        writeWindow(out, f, mss, o.hasTimestamp() ? o.tsVal() : 0);
        out.writeByte(',').writeDecimal(Math.max(0, o.wscale())).writeByte(':');
        writeLayout(out, o);
        out.writeByte(':');
        writeQuirks(out, f);
        out.writeByte(':').writeByte(f.payloadLength() != 0 ? '+' : '0');
    }

    /** p0f's detect_win_multi for a SYN: {@code mss*N} or {@code mtu*N} when the window is such a multiple. */
    private static void writeWindow(OutputBuffer out, FrameFields f, int mss, long ts1) {
        int win = f.window();
        if (win != 0 && mss >= 100) {
            boolean v6 = f.ipVersion() == 6;
            int totalHeader = (v6 ? 40 : 20) + f.ipOptsLength() + ((f.dataOffsetByte() >>> 4) << 2);
            if (multiple(out, win, mss, MSS_TIMES)
                    || (ts1 != 0 && multiple(out, win, mss - 12, MSS_TIMES))
                    || multiple(out, win, 1500 - MIN_TCP4, MSS_TIMES)
                    || multiple(out, win, 1500 - MIN_TCP4 - 12, MSS_TIMES)
                    || (v6 && multiple(out, win, 1500 - MIN_TCP6, MSS_TIMES))
                    || (v6 && multiple(out, win, 1500 - MIN_TCP6 - 12, MSS_TIMES))
                    || multiple(out, win, mss + MIN_TCP4, MTU_TIMES)
                    || multiple(out, win, mss + totalHeader, MTU_TIMES)
                    || (v6 && multiple(out, win, mss + MIN_TCP6, MTU_TIMES))
                    || multiple(out, win, 1500, MTU_TIMES)) {
                return;
            }
        }
        out.writeDecimal(win);
    }

    private static boolean multiple(OutputBuffer out, int win, int divisor, byte[] word) {
        if (divisor == 0 || win % divisor != 0) {
            return false;
        }
        out.writeBytes(word).writeDecimal(win / divisor);
        return true;
    }

    /** The option kinds in wire order as p0f's layout words: {@code mss,nop,ws,sok,ts}, {@code eol+N}, {@code ?N}. */
    static void writeLayout(OutputBuffer out, TcpOptions o) {
        for (int i = 0; i < o.count(); i++) {
            if (i > 0) {
                out.writeByte(',');
            }
            int kind = o.kind(i);
            switch (kind) {
                case TcpOptions.EOL -> out.writeByte('e').writeByte('o').writeByte('l').writeByte('+')
                        .writeDecimal(o.eolPadding());
                case TcpOptions.NOP -> out.writeByte('n').writeByte('o').writeByte('p');
                case TcpOptions.MSS -> out.writeByte('m').writeByte('s').writeByte('s');
                case TcpOptions.WSCALE -> out.writeByte('w').writeByte('s');
                case TcpOptions.SACK_OK -> out.writeByte('s').writeByte('o').writeByte('k');
                case TcpOptions.SACK -> out.writeByte('s').writeByte('a').writeByte('c').writeByte('k');
                case TcpOptions.TIMESTAMP -> out.writeByte('t').writeByte('s');
                default -> out.writeByte('?').writeDecimal(kind);
            }
        }
    }

    private static void writeQuirks(OutputBuffer out, FrameFields f) {
        int start = out.size();
        int flags = f.flags();
        if (f.ipVersion() == 4) {
            boolean df = f.df();
            quirk(out, start, df, Q_DF);
            quirk(out, start, df && f.ipId() != 0, Q_ID_NONZERO);
            quirk(out, start, !df && f.ipId() == 0, Q_ID_ZERO);
        }
        quirk(out, start, (f.tos() & 0x03) != 0 || (flags & TCP_ECE_CWR) != 0 || (f.dataOffsetByte() & 0x01) != 0,
                Q_ECN);
        quirk(out, start, f.ipVersion() == 4 && (f.ipFlags() & 0b100) != 0, Q_MBZ);
        quirk(out, start, f.ipVersion() == 6 && f.flow() != 0, Q_FLOW);
        quirk(out, start, f.seq() == 0, Q_SEQ_ZERO);
        // p0f 3.09b tests `ack & !rst` bitwise: on its little-endian load that is the low bit of the ack's first
        // wire byte. Reproduced, since this field promises p0f's own signature.
        quirk(out, start, (flags & TCP_ACK) == 0 && (flags & TCP_RST) == 0 && ((f.ack() >>> 24) & 1) != 0, Q_ACK_NONZERO);
        quirk(out, start, (flags & TCP_ACK) != 0 && f.ack() == 0, Q_ACK_ZERO);
        quirk(out, start, (flags & TCP_URG) == 0 && f.urp() != 0, Q_URP_NONZERO);
        quirk(out, start, (flags & TCP_URG) != 0, Q_URG);
        quirk(out, start, (flags & TCP_PUSH) != 0, Q_PUSH);
        int q = f.options().quirks();
        quirk(out, start, (q & TcpOptions.ZERO_TS1) != 0, Q_TS1_ZERO);
        quirk(out, start, (q & TcpOptions.NONZERO_TS2) != 0, Q_TS2_NONZERO);
        quirk(out, start, (q & TcpOptions.EOL_NONZERO) != 0, Q_EOL_NONZERO);
        quirk(out, start, (q & TcpOptions.EXCESSIVE_WSCALE) != 0, Q_EXWS);
        quirk(out, start, (q & TcpOptions.BAD) != 0, Q_BAD);
    }

    private static void quirk(OutputBuffer out, int start, boolean present, byte[] word) {
        if (present) {
            if (out.size() > start) {
                out.writeByte(',');
            }
            out.writeBytes(word);
        }
    }

    /** MuonFP's {@code win:opts:mss:wscale}: kinds joined by '-', up to and including an EOL; empty when absent. */
    static void writeMuonFp(OutputBuffer out, FrameFields f) {
        TcpOptions o = f.options();
        out.writeDecimal(f.window()).writeByte(':');
        for (int i = 0; i < o.count(); i++) {
            if (i > 0) {
                out.writeByte('-');
            }
            out.writeDecimal(o.kind(i));
            if (o.kind(i) == TcpOptions.EOL) {
                break;
            }
        }
        out.writeByte(':');
        if (o.mss() >= 0) {
            out.writeDecimal(o.mss());
        }
        out.writeByte(':');
        if (o.wscale() >= 0) {
            out.writeDecimal(o.wscale());
        }
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

    private static byte[] ascii(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
