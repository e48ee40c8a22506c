package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.FrameFields;

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
