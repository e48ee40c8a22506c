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
 * Every block is whole at each batch boundary, so {@code -w -} streams a valid file. With a {@link Rotation} every
 * file is a whole pcapng file of its own: its section header, its interface descriptions, its packets and its
 * statistics blocks.
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

    /** One statistics block: 12 bytes of block framing, 12 of body, six 12-byte options and the end of options. */
    private static final int ISB_BYTES = 12 + 12 + 6 * 12 + 4;

    private final InterfaceNames interfaceNames;
    private final int snapLength;
    private final long startNanos;
    private final int interfaces;
    /** The section header and interface descriptions every file starts with, made once. */
    private final OutputBuffer header = new OutputBuffer(512);
    /** The books while capturing, for the statistics of each file that rotates out; null without rotation. */
    private final Totals.Source books;
    /** Enhanced packet blocks per interface slot that reached the output: each interface's isb_usrdeliv. */
    private final long[] deliveredPerSlot;
    /** Those formatted since the last write, not yet in the output. */
    private final long[] pendingPerSlot;

    /**
     * Writes the section header and the interface descriptions before returning.
     *
     * @param application what made the file, for {@code shb_userappl}: "xdpdump VERSION"
     * @param interfaceNames the interfaces of the capture, one IDB each, in slot order; none (a file read with -r)
     *     gives one IDB without a name
     */
    public PcapngSink(Output output, int snapLength, InterfaceNames interfaceNames, String application)
            throws IOException {
        this(output, null, null, snapLength, interfaceNames, application);
    }

    /**
     * As {@link #PcapngSink(Output, int, InterfaceNames, String)}, writing {@code first} and then the files
     * {@code files} names. Each file is a section of its own: a section header, the interface descriptions, its
     * packets, and, before it closes, one statistics block per interface with {@code books} as they are then.
     */
    PcapngSink(Output first, RotatingFiles files, Totals.Source books, int snapLength, InterfaceNames interfaceNames,
               String application) throws IOException {
        super(first, files);
        if (snapLength <= 0) {
            throw new IllegalArgumentException("snap length must be positive, got " + snapLength);
        }
        this.interfaceNames = interfaceNames;
        this.snapLength = snapLength;
        this.books = books;
        this.startNanos = epochNanosNow();
        this.interfaces = Math.max(1, interfaceNames.size());
        this.deliveredPerSlot = new long[interfaces];
        this.pendingPerSlot = new long[interfaces];
        OutputBuffer body = new OutputBuffer(256);
        body.writeIntLE(BYTE_ORDER_MAGIC).writeShortLE(1).writeShortLE(0).writeIntLE(-1).writeIntLE(-1);
        stringOption(body, SHB_HARDWARE, System.getProperty("os.arch"));
        stringOption(body, SHB_OS, System.getProperty("os.name") + " " + System.getProperty("os.version"));
        stringOption(body, SHB_USERAPPL, application);
        body.writeShortLE(OPT_END).writeShortLE(0);
        block(header, SHB, body);
        for (int slot = 0; slot < interfaces; slot++) {
            body.clear();
            body.writeShortLE(LINKTYPE_ETHERNET).writeShortLE(0).writeIntLE(snapLength);
            if (interfaceNames.size() > 0) {
                stringOption(body, IF_NAME, interfaceNames.nameAt(slot));
            }
            body.writeShortLE(IF_TSRESOL).writeShortLE(1).writeByte(9).writeBytes(ZEROS, 0, 3);
            body.writeShortLE(OPT_END).writeShortLE(0);
            block(header, IDB, body);
        }
        startFile();
    }

    @Override
    void fileHeader(OutputBuffer out) {
        header.copyTo(out);
    }

    @Override
    void format(CaptureEvent event, OutputBuffer out) {
        int captured = Math.min(event.capturedLength(), snapLength);
        int padding = -captured & 3;
        int total = EPB_OVERHEAD + captured + padding;
        int slot = Math.max(0, interfaceNames.slotOf(event.ifindex()));
        pendingPerSlot[slot]++;
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

    @Override
    void committed() {
        for (int slot = 0; slot < interfaces; slot++) {
            deliveredPerSlot[slot] += pendingPerSlot[slot];
            pendingPerSlot[slot] = 0;
        }
    }

    /**
     * Ends the section with one Interface Statistics Block per interface (Wireshark reads drops only when an
     * interface has exactly one): frames the program saw there, connection requests that passed the filter, what
     * was lost in the kernel rings, and what the output took, from the books of that interface. A file read with
     * -r has one interface without a name, and the whole books are its.
     */
    @Override
    public void finish(Totals totals) throws IOException {
        flush(); // first, so a rotation it makes is behind these statistics and they count every record
        OutputBuffer blocks = new OutputBuffer(ISB_BYTES * interfaces);
        statistics(blocks, totals);
        writeTrailer(blocks);
    }

    /** The statistics of a file that rotates out, from the books as they are at that moment. */
    @Override
    void fileTrailer(OutputBuffer out) {
        statistics(out, books == null ? null : books.now());
    }

    @Override
    int fileTrailerBytes() {
        return ISB_BYTES * interfaces;
    }

    /**
     * One statistics block per interface into {@code out}. The counters are the capture's since it started, in
     * every file, as the pcapng spec words each of them ("isb_ifrecv: ... number of packets received from the
     * physical interface starting from the beginning of the capture"; isb_starttime is when the capture started):
     * so a rotated file's counters are those at the moment it closed, and the last file's equal the summary's. That
     * includes isb_usrdeliv, the records of this file and every file before it. Without books ({@code totals}
     * null: they could not be read), the blocks carry only the times and isb_usrdeliv.
     */
    private void statistics(OutputBuffer out, Totals totals) {
        Map<String, Long> counters = new HashMap<>();
        if (totals != null) {
            totals.forEachCounter(counters::put);
        }
        long end = epochNanosNow();
        OutputBuffer body = new OutputBuffer(128);
        for (int slot = 0; slot < interfaces; slot++) {
            Totals.InterfaceTotals own = totals != null && interfaceNames.size() > 0
                    ? totals.interfaceTotals(interfaceNames.ifindexAt(slot)) : null;
            long delivered = interfaces == 1 ? recordsWritten() : deliveredPerSlot[slot];
            body.clear();
            body.writeIntLE(slot).writeIntLE((int) (end >>> 32)).writeIntLE((int) end);
            timestampOption(body, ISB_STARTTIME, startNanos);
            timestampOption(body, ISB_ENDTIME, end);
            if (own != null) {
                u64Option(body, ISB_IFRECV, own.framesSeen());
                u64Option(body, ISB_IFDROP, own.lost());
                u64Option(body, ISB_FILTERACCEPT, own.accepted());
            } else if (totals != null && interfaces == 1) {
                u64Option(body, ISB_IFRECV, counters.getOrDefault("frames_seen", 0L));
                u64Option(body, ISB_IFDROP, counters.getOrDefault("lost", 0L)
                        + counters.getOrDefault("lost_no_ring", 0L) + counters.getOrDefault("lost_other", 0L));
                u64Option(body, ISB_FILTERACCEPT, counters.getOrDefault("matched", 0L)
                        - counters.getOrDefault("filtered", 0L));
            } else if (totals != null) {
                continue; // no books for this interface: no statistics rather than wrong ones
            }
            u64Option(body, ISB_USRDELIV, delivered);
            body.writeShortLE(OPT_END).writeShortLE(0);
            block(out, ISB, body);
        }
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
