package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.FrameFields;

/**
 * JSON lines: one flat object per event, for jq and log pipelines.
 *
 * <pre>
 * {"ts":"2026-11-22T03:49:44.123456789Z","iface":"eth0","ifindex":2,"queue":0,"cpu":1,"ip":4,"src":"192.0.2.1",
 *  "dst":"198.51.100.7","sport":43910,"dport":80,"flags":"S","seq":305419896,"win":64240,"ttl":64,"len":74,
 *  "caplen":74,"data":"0200..."}
 * </pre>
 * (one line in the output). Every key is always present, null where the capture holds no value; numbers are JSON
 * numbers; {@code ts} is a string because epoch nanoseconds do not fit a double; {@code flags} uses tcpdump's letters;
 * {@code data} is the captured bytes in lowercase hex. The output is pure ASCII.
 */
public final class JsonSink extends BufferedSink {
    private final InterfaceNames interfaceNames;
    private final FrameFields fields = new FrameFields();
    private final Rfc3339 timestamps = new Rfc3339();

    public JsonSink(Output output, InterfaceNames interfaceNames) {
        super(output);
        this.interfaceNames = interfaceNames;
    }

    @Override
    void format(CaptureEvent event, OutputBuffer out) {
        FrameFields f = fields.decode(event);
        out.writeAscii("{\"ts\":\"");
        timestamps.write(out, event.wallClockNanos());
        out.writeAscii("\",\"iface\":");
        writeString(out, interfaceNames.nameOf(event.ifindex()));
        out.writeAscii(",\"ifindex\":").writeDecimal(event.ifindex() & 0xffffffffL);
        out.writeAscii(",\"queue\":").writeDecimal(event.rxQueue() & 0xffffffffL);
        out.writeAscii(",\"cpu\":").writeDecimal(event.cpu());
        out.writeAscii(",\"ip\":");
        if (event.ipVersion() == 4 || event.ipVersion() == 6) {
            out.writeDecimal(event.ipVersion());
        } else {
            out.writeAscii("null");
        }
        out.writeAscii(",\"src\":");
        writeAddress(out, f, f.hasSource(), f.sourceAddress());
        out.writeAscii(",\"dst\":");
        writeAddress(out, f, f.hasDestination(), f.destinationAddress());
        out.writeAscii(",\"sport\":");
        writeNumber(out, f.hasSourcePort(), f.sourcePort());
        out.writeAscii(",\"dport\":");
        writeNumber(out, f.hasDestinationPort(), f.destinationPort());
        out.writeAscii(",\"flags\":");
        if (f.hasFlags()) {
            out.writeByte('"');
            TcpFlagLetters.write(out, f.flags());
            out.writeByte('"');
        } else {
            out.writeAscii("null");
        }
        out.writeAscii(",\"seq\":");
        writeNumber(out, f.hasSeq(), f.seq());
        out.writeAscii(",\"win\":");
        writeNumber(out, f.hasWindow(), f.window());
        out.writeAscii(",\"ttl\":");
        writeNumber(out, f.hasTtl(), f.ttl());
        out.writeAscii(",\"len\":").writeDecimal(event.wireLength() & 0xffffffffL);
        int captured = FrameFields.readableLength(event);
        out.writeAscii(",\"caplen\":").writeDecimal(captured);
        out.writeAscii(",\"data\":\"").writeHexBytes(event.frame(), 0, captured);
        out.writeAscii("\"}\n");
    }

    private static void writeAddress(OutputBuffer out, FrameFields f, boolean present, byte[] address) {
        if (!present) {
            out.writeAscii("null");
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

    private static void writeNumber(OutputBuffer out, boolean present, long value) {
        if (present) {
            out.writeDecimal(value);
        } else {
            out.writeAscii("null");
        }
    }

    /** Writes a JSON string, escaping quotes, backslashes, control and non-ASCII characters so the line stays ASCII. */
    private static void writeString(OutputBuffer out, String value) {
        if (value == null) {
            out.writeAscii("null");
            return;
        }
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
