package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.FrameFields;

import java.nio.charset.StandardCharsets;

/**
 * Human-readable output: per event one summary line, the captured bytes in {@code hexdump -C} layout, an empty line.
 *
 * <pre>
 * 2026-11-22T03:49:44.123456789Z eth0 192.0.2.1:43910 -> 198.51.100.7:80 Flags [S], seq 305419896, win 64240, ttl 64, length 74, caplen 74
 * 00000000  02 00 00 00 00 02 02 00  00 00 00 01 08 00 45 00  |..............E.|
 * ...
 * 0000004a
 * </pre>
 *
 * IPv6 addresses are bracketed ({@code [2001:db8::1]:43910}); a field the capture does not reach prints as '?'.
 */
public final class HexSink extends BufferedSink {
    // The fixed text between values, kept as bytes: one array copy each instead of a char-by-char conversion.
    private static final byte[] ARROW = ascii(" -> ");
    private static final byte[] FLAGS = ascii(" Flags [");
    private static final byte[] SEQ = ascii("], seq ");
    private static final byte[] WIN = ascii(", win ");
    private static final byte[] TTL = ascii(", ttl ");
    private static final byte[] LENGTH = ascii(", length ");
    private static final byte[] CAPLEN = ascii(", caplen ");

    private final InterfaceNames interfaceNames;
    /** Each known interface name as {@link OutputBuffer#writeAscii} writes it, by {@link InterfaceNames} slot. */
    private final byte[][] nameText;
    private final FrameFields fields = new FrameFields();
    private final Rfc3339 timestamps = new Rfc3339();

    public HexSink(Output output, InterfaceNames interfaceNames) {
        super(output);
        this.interfaceNames = interfaceNames;
        this.nameText = new byte[interfaceNames.size()][];
        for (int slot = 0; slot < nameText.length; slot++) {
            nameText[slot] = new OutputBuffer(32).writeAscii(interfaceNames.nameAt(slot)).toByteArray();
        }
    }

    private static byte[] ascii(String text) {
        return text.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    void format(CaptureEvent event, OutputBuffer out) {
        FrameFields f = fields.decode(event);
        timestamps.write(out, event.wallClockNanos());
        out.writeByte(' ');
        int slot = interfaceNames.slotOf(event.ifindex());
        if (slot >= 0) {
            out.writeBytes(nameText[slot]);
        } else {
            out.writeByte('?');
        }
        out.writeByte(' ');
        writeEndpoint(out, f, f.hasSource(), f.sourceAddress(), f.hasSourcePort(), f.sourcePort());
        out.writeBytes(ARROW);
        writeEndpoint(out, f, f.hasDestination(), f.destinationAddress(), f.hasDestinationPort(), f.destinationPort());
        out.writeBytes(FLAGS);
        if (f.hasFlags()) {
            TcpFlagLetters.write(out, f.flags());
        } else {
            out.writeByte('?');
        }
        out.writeBytes(SEQ);
        writeOptional(out, f.hasSeq(), f.seq());
        out.writeBytes(WIN);
        writeOptional(out, f.hasWindow(), f.window());
        out.writeBytes(TTL);
        writeOptional(out, f.hasTtl(), f.ttl());
        if (f.hasOptions() && f.options().count() > 0) {
            out.writeAscii(", options [");
            SynSignatures.writeTcpdumpOptions(out, f.options());
            out.writeByte(']');
        }
        out.writeBytes(LENGTH).writeDecimal(event.wireLength() & 0xffffffffL);
        out.writeBytes(CAPLEN).writeDecimal(event.capturedLength());
        out.writeByte('\n');
        HexDumpLayout.write(out, event.frame(), 0, event.capturedLength());
        out.writeByte('\n');
    }

    private static void writeEndpoint(OutputBuffer out, FrameFields f, boolean hasAddress, byte[] address,
                                      boolean hasPort, int port) {
        if (!hasAddress) {
            out.writeByte('?');
        } else if (f.ipVersion() == 6) {
            out.writeByte('[');
            AddressText.writeIpv6(out, address, 0);
            out.writeByte(']');
        } else {
            AddressText.writeIpv4(out, address, 0);
        }
        out.writeByte(':');
        writeOptional(out, hasPort, port);
    }

    private static void writeOptional(OutputBuffer out, boolean present, long value) {
        if (present) {
            out.writeDecimal(value);
        } else {
            out.writeByte('?');
        }
    }
}
