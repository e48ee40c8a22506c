package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.FrameFields;
import dev.xdpdump.event.TcpOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * JSON lines: one flat object per event, for jq and log pipelines.
 *
 * <pre>
 * {"ts":"2026-11-22T03:49:44.123456789Z","iface":"eth0","ifindex":2,"queue":0,"cpu":1,"ip":4,"src":"192.0.2.1",
 *  "dst":"198.51.100.7","sport":43910,"dport":80,"flags":"S","seq":305419896,"win":64240,"ttl":64,"ip6_ext":null,
 *  "len":74,"caplen":74,"data":"0200..."}
 * </pre>
 * (one line in the output). Every key is always present, null where the capture holds no value; numbers are JSON
 * numbers; {@code ts} is a string because epoch nanoseconds do not fit a double; {@code flags} uses tcpdump's letters;
 * {@code ip6_ext} is the array of IPv6 extension header numbers between the IPv6 and TCP headers, in order
 * ({@code [0,60]}, {@code []} for none), null for IPv4 or when the captured bytes do not hold the whole chain;
 * {@code data} is the captured bytes in lowercase hex. The output is pure ASCII.
 */
public final class JsonSink extends BufferedSink {
    // The fixed text between values, kept as bytes: one array copy each instead of a char-by-char conversion.
    private static final byte[] TS = ascii("{\"ts\":\"");
    private static final byte[] IFACE = ascii("\",\"iface\":");
    private static final byte[] IFINDEX = ascii(",\"ifindex\":");
    private static final byte[] QUEUE = ascii(",\"queue\":");
    private static final byte[] CPU = ascii(",\"cpu\":");
    private static final byte[] IP = ascii(",\"ip\":");
    private static final byte[] SRC = ascii(",\"src\":");
    private static final byte[] DST = ascii(",\"dst\":");
    private static final byte[] SPORT = ascii(",\"sport\":");
    private static final byte[] DPORT = ascii(",\"dport\":");
    private static final byte[] FLAGS = ascii(",\"flags\":");
    private static final byte[] SEQ = ascii(",\"seq\":");
    private static final byte[] WIN = ascii(",\"win\":");
    private static final byte[] TTL = ascii(",\"ttl\":");
    private static final byte[] IP6_EXT = ascii(",\"ip6_ext\":");
    private static final byte[] IP_ID = ascii(",\"ip_id\":");
    private static final byte[] DF = ascii(",\"df\":");
    private static final byte[] TOS = ascii(",\"tos\":");
    private static final byte[] IP_OPTS_LEN = ascii(",\"ip_opts_len\":");
    private static final byte[] FLOW = ascii(",\"flow\":");
    private static final byte[] ITTL = ascii(",\"ittl\":");
    private static final byte[] HOPS = ascii(",\"hops\":");
    private static final byte[] ACK = ascii(",\"ack\":");
    private static final byte[] URP = ascii(",\"urp\":");
    private static final byte[] OPTS = ascii(",\"opts\":");
    private static final byte[] MSS = ascii(",\"mss\":");
    private static final byte[] WSCALE = ascii(",\"wscale\":");
    private static final byte[] SACK_OK = ascii(",\"sack_ok\":");
    private static final byte[] TS_VAL = ascii(",\"ts_val\":");
    private static final byte[] TS_ECR = ascii(",\"ts_ecr\":");
    private static final byte[] PAYLOAD_LEN = ascii(",\"payload_len\":");
    private static final byte[] P0F = ascii(",\"p0f\":");
    private static final byte[] MUONFP = ascii(",\"muonfp\":");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
    private static final byte[] LEN = ascii(",\"len\":");
    private static final byte[] CAPLEN = ascii(",\"caplen\":");
    private static final byte[] DATA = ascii(",\"data\":\"");
    private static final byte[] END = ascii("\"}\n");
    private static final byte[] NULL = ascii("null");
    /**
     * The most bytes a record takes besides its interface name and data: the keys (under 600), about 30 numbers of
     * at most 20 characters, two addresses, the timestamp, the IPv6 extension list, the layout and both signatures.
     * A bound, not a size: {@link #format} reserves it once per record.
     */
    private static final int MAX_RECORD_TEXT = 600 + 30 * 20 + 2 * (AddressText.MAX_LENGTH + 2) + Rfc3339.MAX_LENGTH
            + FrameFields.MAX_IPV6_EXTENSIONS * 4 + 2 + SynSignatures.MAX_LAYOUT + SynSignatures.MAX_P0F
            + SynSignatures.MAX_MUONFP + 8 + PackedAscii.OVERHANG;

    private final InterfaceNames interfaceNames;
    /** Each known interface name as a JSON string, quotes included, by {@link InterfaceNames} slot. */
    private final byte[][] nameStrings;
    private final int longestName;
    private final FrameFields fields = new FrameFields();
    private final Rfc3339 timestamps = new Rfc3339();
    private final boolean statsRecord;

    public JsonSink(Output output, InterfaceNames interfaceNames) {
        this(output, interfaceNames, false);
    }

    /** @param statsRecord end the output with one {@code {"type":"stats",...}} object holding the books */
    public JsonSink(Output output, InterfaceNames interfaceNames, boolean statsRecord) {
        super(output);
        this.statsRecord = statsRecord;
        this.interfaceNames = interfaceNames;
        this.nameStrings = new byte[interfaceNames.size()][];
        int longest = NULL.length;
        for (int slot = 0; slot < nameStrings.length; slot++) {
            OutputBuffer text = new OutputBuffer(32);
            writeString(text, interfaceNames.nameAt(slot));
            nameStrings[slot] = text.toByteArray();
            longest = Math.max(longest, nameStrings[slot].length);
        }
        this.longestName = longest;
    }

    /**
     * The json output's line formatter with no output behind it, for outputs that send each line as a message of its
     * own (Kafka): the very same text, newline included.
     */
    public static EventFormatter lines(InterfaceNames interfaceNames) {
        return new JsonSink(null, interfaceNames)::format;
    }

    @Override
    void format(CaptureEvent event, OutputBuffer out) {
        FrameFields f = fields.decode(event);
        int captured = event.capturedLength();
        // One capacity check for the whole record, then unchecked writes: a record holds some 60 short values.
        int at = out.reserve(MAX_RECORD_TEXT + longestName + 2 * captured);
        byte[] b = out.array();
        at = put(b, at, TS);
        at = timestamps.put(b, at, event.wallClockNanos());
        at = put(b, at, IFACE);
        int slot = interfaceNames.slotOf(event.ifindex());
        at = put(b, at, slot >= 0 ? nameStrings[slot] : NULL);
        at = putDecimal(b, put(b, at, IFINDEX), event.ifindex() & 0xffffffffL);
        at = putDecimal(b, put(b, at, QUEUE), event.rxQueue() & 0xffffffffL);
        at = AsciiBytes.putSignedDecimal(b, put(b, at, CPU), event.cpu());
        int version = event.ipVersion();
        at = putNumber(b, put(b, at, IP), version == 4 || version == 6, version);
        at = putAddress(b, put(b, at, SRC), f, f.hasSource(), f.sourceAddress());
        at = putAddress(b, put(b, at, DST), f, f.hasDestination(), f.destinationAddress());
        at = putNumber(b, put(b, at, SPORT), f.hasSourcePort(), f.sourcePort());
        at = putNumber(b, put(b, at, DPORT), f.hasDestinationPort(), f.destinationPort());
        at = put(b, at, FLAGS);
        if (f.hasFlags()) {
            b[at++] = '"';
            at = put(b, at, TcpFlagLetters.text(f.flags()));
            b[at++] = '"';
        } else {
            at = put(b, at, NULL);
        }
        at = putNumber(b, put(b, at, SEQ), f.hasSeq(), f.seq());
        at = putNumber(b, put(b, at, WIN), f.hasWindow(), f.window());
        at = putNumber(b, put(b, at, TTL), f.hasTtl(), f.ttl());
        at = putExtensions(b, put(b, at, IP6_EXT), f);
        at = putIpFields(b, at, f);
        at = putTcpFields(b, at, f);
        at = putSignatures(b, at, f);
        at = putDecimal(b, put(b, at, LEN), event.wireLength() & 0xffffffffL);
        at = putDecimal(b, put(b, at, CAPLEN), captured);
        at = AsciiBytes.putHex(b, put(b, at, DATA), event.frame(), 0, captured);
        out.advanceTo(put(b, at, END));
    }

    /**
     * Writes the stats record when asked for: one flat object after the last event, {@code "type":"stats"} first,
     * then every counter as a number under its stats name. Event objects carry no {@code type} key.
     */
    @Override
    public void finish(Totals totals) throws IOException {
        if (!statsRecord) {
            return;
        }
        StringBuilder json = new StringBuilder("{\"type\":\"stats\"");
        totals.forEachCounter((name, value) -> json.append(",\"").append(name).append("\":").append(value));
        writeTrailer(json.append("}\n").toString());
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    private static int putAddress(byte[] b, int at, FrameFields f, boolean present, byte[] address) {
        if (!present) {
            return put(b, at, NULL);
        }
        b[at++] = '"';
        at = f.ipVersion() == 6 ? AddressText.putIpv6(b, at, address, 0) : AddressText.putIpv4(b, at, address, 0);
        b[at++] = '"';
        return at;
    }

    private static int putExtensions(byte[] b, int at, FrameFields f) {
        if (!f.hasIpv6Extensions()) {
            return put(b, at, NULL);
        }
        b[at++] = '[';
        for (int i = 0; i < f.ipv6ExtensionCount(); i++) {
            if (i > 0) {
                b[at++] = ',';
            }
            at = putDecimal(b, at, f.ipv6Extension(i));
        }
        b[at++] = ']';
        return at;
    }

    /** The IP keys behind p0f and MuonFP; see the README's "JSON fields" for each one's null rule. */
    private static int putIpFields(byte[] b, int at, FrameFields f) {
        boolean v4 = f.ipVersion() == 4;
        at = putNumber(b, put(b, at, IP_ID), v4 && f.hasIpId(), f.ipId());
        at = putBoolean(b, put(b, at, DF), v4 && f.hasIpFlags(), f.df());
        at = putNumber(b, put(b, at, TOS), f.hasTos(), f.tos());
        at = putNumber(b, put(b, at, IP_OPTS_LEN), f.hasIpOptsLength(), f.ipOptsLength());
        return putNumber(b, put(b, at, FLOW), f.ipVersion() == 6 && f.hasFlow(), f.flow());
    }

    private static int putTcpFields(byte[] b, int at, FrameFields f) {
        int ittl = SynSignatures.initialTtl(f.ttl());
        at = putNumber(b, put(b, at, ITTL), f.hasTtl(), ittl);
        at = putNumber(b, put(b, at, HOPS), f.hasTtl(), ittl - f.ttl());
        at = putNumber(b, put(b, at, ACK), f.hasAck(), f.ack());
        at = putNumber(b, put(b, at, URP), f.hasUrp(), f.urp());
        boolean options = f.hasOptions();
        TcpOptions o = f.options();
        at = put(b, at, OPTS);
        if (options) {
            b[at++] = '"';
            at = SynSignatures.putLayout(b, at, o);
            b[at++] = '"';
        } else {
            at = put(b, at, NULL);
        }
        at = putNumber(b, put(b, at, MSS), options && o.mss() >= 0, o.mss());
        at = putNumber(b, put(b, at, WSCALE), options && o.wscale() >= 0, o.wscale());
        at = putBoolean(b, put(b, at, SACK_OK), options, o.sackOk());
        at = putNumber(b, put(b, at, TS_VAL), options && o.hasTimestamp(), o.tsVal());
        at = putNumber(b, put(b, at, TS_ECR), options && o.hasTimestamp(), o.tsEcr());
        return putNumber(b, put(b, at, PAYLOAD_LEN), f.hasPayloadLength(), f.payloadLength());
    }

    private static int putSignatures(byte[] b, int at, FrameFields f) {
        at = put(b, at, P0F);
        if (SynSignatures.hasP0f(f)) {
            b[at++] = '"';
            at = SynSignatures.putP0f(b, at, f);
            b[at++] = '"';
        } else {
            at = put(b, at, NULL);
        }
        at = put(b, at, MUONFP);
        if (f.hasOptions() && f.hasWindow()) {
            b[at++] = '"';
            at = SynSignatures.putMuonFp(b, at, f);
            b[at++] = '"';
        } else {
            at = put(b, at, NULL);
        }
        return at;
    }

    private static int put(byte[] b, int at, byte[] text) {
        return AsciiBytes.put(b, at, text);
    }

    private static int putDecimal(byte[] b, int at, long value) {
        return AsciiBytes.putDecimal(b, at, value);
    }

    private static int putBoolean(byte[] b, int at, boolean present, boolean value) {
        return put(b, at, !present ? NULL : value ? TRUE : FALSE);
    }

    /** A non-negative value in decimal, or null when absent. */
    private static int putNumber(byte[] b, int at, boolean present, long value) {
        return present ? AsciiBytes.putDecimal(b, at, value) : put(b, at, NULL);
    }

    /** Writes a JSON string, escaping quotes, backslashes, control and non-ASCII characters so the line stays ASCII. */
    /**
     * {@code value} as a JSON string, quotes included, escaped as the records escape their strings: for outputs that
     * add keys of their own to these records (Kafka's {@code host}).
     */
    public static String quoted(String value) {
        OutputBuffer text = new OutputBuffer(value.length() + 8);
        writeString(text, value);
        return new String(text.toByteArray(), StandardCharsets.US_ASCII);
    }

    private static void writeString(OutputBuffer out, String value) {
        out.writeByte('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c == '"' || c == '\\') {
                out.writeByte('\\').writeByte(c);
            } else if (c < 0x20 || c > 0x7e) {
                out.writeByte('\\').writeByte('u').writeHex(c, 4);
            } else {
                out.writeByte(c);
            }
        }
        out.writeByte('"');
    }
}
