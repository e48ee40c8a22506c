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

    private final InterfaceNames interfaceNames;
    /** Each known interface name as a JSON string, quotes included, by {@link InterfaceNames} slot. */
    private final byte[][] nameStrings;
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
        for (int slot = 0; slot < nameStrings.length; slot++) {
            OutputBuffer text = new OutputBuffer(32);
            writeString(text, interfaceNames.nameAt(slot));
            nameStrings[slot] = text.toByteArray();
        }
    }

    @Override
    void format(CaptureEvent event, OutputBuffer out) {
        FrameFields f = fields.decode(event);
        out.writeBytes(TS);
        timestamps.write(out, event.wallClockNanos());
        out.writeBytes(IFACE);
        int slot = interfaceNames.slotOf(event.ifindex());
        out.writeBytes(slot >= 0 ? nameStrings[slot] : NULL);
        out.writeBytes(IFINDEX).writeDecimal(event.ifindex() & 0xffffffffL);
        out.writeBytes(QUEUE).writeDecimal(event.rxQueue() & 0xffffffffL);
        out.writeBytes(CPU).writeDecimal(event.cpu());
        out.writeBytes(IP);
        if (event.ipVersion() == 4 || event.ipVersion() == 6) {
            out.writeDecimal(event.ipVersion());
        } else {
            out.writeBytes(NULL);
        }
        out.writeBytes(SRC);
        writeAddress(out, f, f.hasSource(), f.sourceAddress());
        out.writeBytes(DST);
        writeAddress(out, f, f.hasDestination(), f.destinationAddress());
        out.writeBytes(SPORT);
        writeNumber(out, f.hasSourcePort(), f.sourcePort());
        out.writeBytes(DPORT);
        writeNumber(out, f.hasDestinationPort(), f.destinationPort());
        out.writeBytes(FLAGS);
        if (f.hasFlags()) {
            out.writeByte('"');
            TcpFlagLetters.write(out, f.flags());
            out.writeByte('"');
        } else {
            out.writeBytes(NULL);
        }
        out.writeBytes(SEQ);
        writeNumber(out, f.hasSeq(), f.seq());
        out.writeBytes(WIN);
        writeNumber(out, f.hasWindow(), f.window());
        out.writeBytes(TTL);
        writeNumber(out, f.hasTtl(), f.ttl());
        out.writeBytes(IP6_EXT);
        writeExtensions(out, f);
        writeFingerprint(out, f);
        out.writeBytes(LEN).writeDecimal(event.wireLength() & 0xffffffffL);
        int captured = event.capturedLength();
        out.writeBytes(CAPLEN).writeDecimal(captured);
        out.writeBytes(DATA).writeHexBytes(event.frame(), 0, captured);
        out.writeBytes(END);
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

    private static void writeAddress(OutputBuffer out, FrameFields f, boolean present, byte[] address) {
        if (!present) {
            out.writeBytes(NULL);
            return;
        }
        out.writeByte('"');
        if (f.ipVersion() == 6) {
            AddressText.writeIpv6(out, address, 0);
        } else {
            AddressText.writeIpv4(out, address, 0);
        }
        out.writeByte('"');
    }

    private static void writeExtensions(OutputBuffer out, FrameFields f) {
        if (!f.hasIpv6Extensions()) {
            out.writeBytes(NULL);
            return;
        }
        out.writeByte('[');
        for (int i = 0; i < f.ipv6ExtensionCount(); i++) {
            if (i > 0) {
                out.writeByte(',');
            }
            out.writeDecimal(f.ipv6Extension(i));
        }
        out.writeByte(']');
    }

    /** The keys behind p0f and MuonFP; see the README's "JSON fields" for each one's null rule. */
    private static void writeFingerprint(OutputBuffer out, FrameFields f) {
        boolean v4 = f.ipVersion() == 4;
        out.writeBytes(IP_ID);
        writeNumber(out, v4 && f.hasIpId(), f.ipId());
        out.writeBytes(DF);
        writeBoolean(out, v4 && f.hasIpFlags(), f.df());
        out.writeBytes(TOS);
        writeNumber(out, f.hasTos(), f.tos());
        out.writeBytes(IP_OPTS_LEN);
        writeNumber(out, f.hasIpOptsLength(), f.ipOptsLength());
        out.writeBytes(FLOW);
        writeNumber(out, f.ipVersion() == 6 && f.hasFlow(), f.flow());
        writeTcpFields(out, f);
        writeSignatures(out, f);
    }

    private static void writeTcpFields(OutputBuffer out, FrameFields f) {
        int ittl = SynSignatures.initialTtl(f.ttl());
        out.writeBytes(ITTL);
        writeNumber(out, f.hasTtl(), ittl);
        out.writeBytes(HOPS);
        writeNumber(out, f.hasTtl(), ittl - f.ttl());
        out.writeBytes(ACK);
        writeNumber(out, f.hasAck(), f.ack());
        out.writeBytes(URP);
        writeNumber(out, f.hasUrp(), f.urp());
        boolean options = f.hasOptions();
        TcpOptions o = f.options();
        out.writeBytes(OPTS);
        if (options) {
            out.writeByte('"');
            SynSignatures.writeLayout(out, o);
            out.writeByte('"');
        } else {
            out.writeBytes(NULL);
        }
        out.writeBytes(MSS);
        writeNumber(out, options && o.mss() >= 0, o.mss());
        out.writeBytes(WSCALE);
        writeNumber(out, options && o.wscale() >= 0, o.wscale());
        out.writeBytes(SACK_OK);
        writeBoolean(out, options, o.sackOk());
        out.writeBytes(TS_VAL);
        writeNumber(out, options && o.hasTimestamp(), o.tsVal());
        out.writeBytes(TS_ECR);
        writeNumber(out, options && o.hasTimestamp(), o.tsEcr());
        out.writeBytes(PAYLOAD_LEN);
        writeNumber(out, f.hasPayloadLength(), f.payloadLength());
    }

    private static void writeSignatures(OutputBuffer out, FrameFields f) {
        out.writeBytes(P0F);
        if (SynSignatures.hasP0f(f)) {
            out.writeByte('"');
            SynSignatures.writeP0f(out, f);
            out.writeByte('"');
        } else {
            out.writeBytes(NULL);
        }
        out.writeBytes(MUONFP);
        if (f.hasOptions() && f.hasWindow()) {
            out.writeByte('"');
            SynSignatures.writeMuonFp(out, f);
            out.writeByte('"');
        } else {
            out.writeBytes(NULL);
        }
    }

    private static void writeBoolean(OutputBuffer out, boolean present, boolean value) {
        out.writeBytes(!present ? NULL : value ? TRUE : FALSE);
    }

    private static void writeNumber(OutputBuffer out, boolean present, long value) {
        if (present) {
            out.writeDecimal(value);
        } else {
            out.writeBytes(NULL);
        }
    }

    /** Writes a JSON string, escaping quotes, backslashes, control and non-ASCII characters so the line stays ASCII. */
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
