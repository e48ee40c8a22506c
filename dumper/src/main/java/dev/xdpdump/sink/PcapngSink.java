package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * pcapng, for Wireshark and tshark: a Section Header Block (application, OS, hardware), one Interface Description
 * Block per interface (its name, nanosecond timestamps, the capture's snap length, LINKTYPE_ETHERNET), then an
 * Enhanced Packet Block per event carrying its interface, the inbound direction ({@code epb_flags}) and its receive
 * queue ({@code epb_queue}); at the end, one Interface Statistics Block per interface with its books (frames the
 * program saw, what was lost, what passed, what was written), which Wireshark shows under Capture File Properties.
 *
 * <p>Written in the host's byte order (x86-64: little-endian), which dumpcap wants when it reads pcapng from a pipe.
 * Every block is whole at each batch boundary, so {@code -w -} streams a valid file.
 */
public final class PcapngSink extends BufferedSink {
    static final int SHB = 0x0A0D0D0A;
    static final int IDB = 1;
    static final int EPB = 6;
    static final int ISB = 5;
    static final int BYTE_ORDER_MAGIC = 0x1A2B3C4D;
    private static final int LINKTYPE_ETHERNET = 1;
    private static final int OPT_END = 0;
    private static final int SHB_HARDWARE = 2;
    private static final int SHB_OS = 3;
    private static final int SHB_USERAPPL = 4;
    private static final int IF_NAME = 2;
    private static final int IF_TSRESOL = 9;
    private static final int EPB_FLAGS = 2;
    private static final int EPB_QUEUE = 6;
    /** epb_flags bits 0-1: 01 is inbound. */
    private static final int INBOUND = 0x1;
    private static final int ISB_STARTTIME = 2;
    private static final int ISB_ENDTIME = 3;
    private static final int ISB_IFRECV = 4;
    private static final int ISB_IFDROP = 5;
    private static final int ISB_FILTERACCEPT = 6;
    private static final int ISB_USRDELIV = 8;
    /** The fixed part of an EPB (28 bytes), its two options and the end of options (20), its trailing length (4). */
    private static final int EPB_OVERHEAD = 28 + 20 + 4;
    private static final byte[] ZEROS = new byte[4];

    private final InterfaceNames interfaceNames;
    private final int snapLength;
    private final long startNanos;
    private final int interfaces;
    /** Enhanced packet blocks per interface slot: each interface's isb_usrdeliv. */
    private final long[] packetsPerSlot;

    /**
     * Writes the section header and the interface descriptions before returning.
     *
     * @param application what made the file, for {@code shb_userappl}: "xdpdump VERSION"
     * @param interfaceNames the interfaces of the capture, one IDB each, in slot order; none (a file read with -r)
     *     gives one IDB without a name
     */
    public PcapngSink(Output output, int snapLength, InterfaceNames interfaceNames, String application)
            throws IOException {
        super(output);
        if (snapLength <= 0) {
            throw new IllegalArgumentException("snap length must be positive, got " + snapLength);
        }
        this.interfaceNames = interfaceNames;
        this.snapLength = snapLength;
        this.startNanos = epochNanosNow();
        this.interfaces = Math.max(1, interfaceNames.size());
        this.packetsPerSlot = new long[interfaces];
        OutputBuffer body = new OutputBuffer(256);
        body.writeIntLE(BYTE_ORDER_MAGIC).writeShortLE(1).writeShortLE(0).writeIntLE(-1).writeIntLE(-1);
        stringOption(body, SHB_HARDWARE, System.getProperty("os.arch"));
        stringOption(body, SHB_OS, System.getProperty("os.name") + " " + System.getProperty("os.version"));
        stringOption(body, SHB_USERAPPL, application);
        body.writeShortLE(OPT_END).writeShortLE(0);
        block(buffer(), SHB, body);
        for (int slot = 0; slot < interfaces; slot++) {
            body.clear();
            body.writeShortLE(LINKTYPE_ETHERNET).writeShortLE(0).writeIntLE(snapLength);
            if (interfaceNames.size() > 0) {
                stringOption(body, IF_NAME, interfaceNames.nameAt(slot));
            }
            body.writeShortLE(IF_TSRESOL).writeShortLE(1).writeByte(9).writeBytes(ZEROS, 0, 3);
            body.writeShortLE(OPT_END).writeShortLE(0);
            block(buffer(), IDB, body);
        }
        flush();
    }

    @Override
    void format(CaptureEvent event, OutputBuffer out) {
        int captured = Math.min(event.capturedLength(), snapLength);
        int padding = -captured & 3;
        int total = EPB_OVERHEAD + captured + padding;
        int slot = Math.max(0, interfaceNames.slotOf(event.ifindex()));
        packetsPerSlot[slot]++;
        long ts = event.wallClockNanos();
        out.writeIntLE(EPB).writeIntLE(total)
            .writeIntLE(slot)
            .writeIntLE((int) (ts >>> 32)).writeIntLE((int) ts)
            .writeIntLE(captured)
            .writeIntLE(event.wireLength())
            .writeBytes(event.frame(), 0, captured).writeBytes(ZEROS, 0, padding)
            .writeShortLE(EPB_FLAGS).writeShortLE(4).writeIntLE(INBOUND)
            .writeShortLE(EPB_QUEUE).writeShortLE(4).writeIntLE(event.rxQueue())
            .writeShortLE(OPT_END).writeShortLE(0)
            .writeIntLE(total);
    }

    /**
     * Ends the section with one Interface Statistics Block per interface (Wireshark reads drops only when an
     * interface has exactly one): frames the program saw there, connection requests that passed the filter, what
     * was lost in the kernel rings, and what this file holds, from the books of that interface. A file read with
     * -r has one interface without a name, and the whole books are its.
     */
    @Override
    public void finish(Totals totals) throws IOException {
        Map<String, Long> books = new HashMap<>();
        totals.forEachCounter(books::put);
        long end = epochNanosNow();
        OutputBuffer block = new OutputBuffer(160 * interfaces);
        for (int slot = 0; slot < interfaces; slot++) {
            Totals.InterfaceTotals own = interfaceNames.size() > 0
                    ? totals.interfaceTotals(interfaceNames.ifindexAt(slot)) : null;
            long seen;
            long passed;
            long lost;
            long written;
            if (own != null) {
                seen = own.framesSeen();
                passed = own.accepted();
                lost = own.lost();
                written = interfaces == 1 ? written(books) : packetsPerSlot[slot];
            } else if (interfaces == 1) {
                seen = books.getOrDefault("frames_seen", 0L);
                passed = books.getOrDefault("matched", 0L) - books.getOrDefault("filtered", 0L);
                lost = books.getOrDefault("lost", 0L) + books.getOrDefault("lost_no_ring", 0L)
                        + books.getOrDefault("lost_other", 0L);
                written = written(books);
            } else {
                continue; // no books for this interface: no statistics rather than wrong ones
            }
            OutputBuffer body = new OutputBuffer(128);
            body.writeIntLE(slot).writeIntLE((int) (end >>> 32)).writeIntLE((int) end);
            timestampOption(body, ISB_STARTTIME, startNanos);
            timestampOption(body, ISB_ENDTIME, end);
            u64Option(body, ISB_IFRECV, seen);
            u64Option(body, ISB_IFDROP, lost);
            u64Option(body, ISB_FILTERACCEPT, passed);
            u64Option(body, ISB_USRDELIV, written);
            body.writeShortLE(OPT_END).writeShortLE(0);
            block(block, ISB, body);
        }
        writeTrailer(block);
    }

    /** What the output took, under its name alone or with its kind when there are several outputs. */
    private static long written(Map<String, Long> books) {
        return books.getOrDefault("written", books.getOrDefault("written_pcapng", 0L));
    }

    private static long epochNanosNow() {
        java.time.Instant now = java.time.Instant.now();
        return now.getEpochSecond() * 1_000_000_000L + now.getNano();
    }

    /** type, total length, body, total length. */
    private static void block(OutputBuffer out, int type, OutputBuffer body) {
        int total = 12 + body.size();
        out.writeIntLE(type).writeIntLE(total);
        body.copyTo(out);
        out.writeIntLE(total);
    }

    private static void stringOption(OutputBuffer out, int code, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        out.writeShortLE(code).writeShortLE(bytes.length).writeBytes(bytes).writeBytes(ZEROS, 0, -bytes.length & 3);
    }

    private static void timestampOption(OutputBuffer out, int code, long epochNanos) {
        out.writeShortLE(code).writeShortLE(8).writeIntLE((int) (epochNanos >>> 32)).writeIntLE((int) epochNanos);
    }

    private static void u64Option(OutputBuffer out, int code, long value) {
        out.writeShortLE(code).writeShortLE(8).writeIntLE((int) value).writeIntLE((int) (value >>> 32));
    }
}
