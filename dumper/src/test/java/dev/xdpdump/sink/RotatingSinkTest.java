package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.CaptureEvents;
import dev.xdpdump.testing.Frames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rotating pcap and pcapng sinks writing many events: every file opens on its own (libpcap through pcap4j, and
 * tshark), the records of all files add up to what the sink says it wrote, a file is closed and whole before the
 * next one is announced, and pcapng files each carry their own section, interfaces and statistics.
 */
class RotatingSinkTest {
    private static final String TSHARK = "/usr/bin/tshark";
    private static final int SNAP_LENGTH = 256;
    /** A pcap record of the sample SYN: 16 bytes of header and 74 of frame. */
    private static final int PCAP_RECORD = 16 + 74;
    private static final long START_SECONDS = CaptureEvents.WALL_CLOCK_NANOS / 1_000_000_000L;

    @TempDir
    Path directory;

    /** Every file the listener heard of, in order, with the records it said each held. */
    private final Map<String, Long> closed = new LinkedHashMap<>();
    private final List<String> opened = new ArrayList<>();

    @Test
    void pcapFilesUnderATinyLimitEachOpenAndTogetherHoldEveryRecord() throws Exception {
        long limit = 4000;
        Path pattern = directory.resolve("out.pcap");
        long events = 0;
        try (Sink sink = OutputFormat.PCAP.openRotating(files(pattern, new Rotation(limit, 0, 0)), SNAP_LENGTH, true,
                SampleEvents.NAMES, null)) {
            events = writeBatches(sink, 120, 7);
            assertEquals(events, sink.recordsWritten());
        }
        List<Path> written = filesOf(pattern);
        assertTrue(written.size() > 10, "a tiny limit makes many files: " + written);
        assertEquals(pattern, written.get(0));
        assertEquals(directory.resolve("out.pcap1"), written.get(1));
        long sum = 0;
        long nextTimestamp = 0;
        for (int i = 0; i < written.size(); i++) {
            Path file = written.get(i);
            assertTrue(Files.size(file) <= limit, file + " is " + Files.size(file) + " bytes");
            List<Long> stamps = timestamps(file);
            assertFalse(stamps.isEmpty(), file + " holds records");
            assertEquals(nextTimestamp, stamps.get(0) - CaptureEvents.WALL_CLOCK_NANOS, "no record lost or repeated");
            nextTimestamp += stamps.size();
            sum += stamps.size();
            if (i == 0 || i == written.size() / 2 || i == written.size() - 1) { // libpcap read them all
                requireOpensInTshark(file, stamps.size());
            }
        }
        assertEquals(events, sum);
        assertEquals(written.size() - 1, closed.size(), "every file but the last was rotated out");
    }

    @Test
    void aRotatedOutFileIsClosedAndWholeBeforeTheNextIsAnnounced() throws Exception {
        Path pattern = directory.resolve("out.pcap");
        List<String> checked = new ArrayList<>();
        Rotation.Listener listener = (file, records, next) -> {
            try {
                assertEquals(records, timestamps(Path.of(file)).size(), file + " as the listener hears of it");
                assertEquals(24 + records * PCAP_RECORD, Files.size(Path.of(file)));
                assertEquals(24, Files.size(Path.of(next)), "the next file has its header and nothing more yet");
                checked.add(file);
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        };
        try (Sink sink = OutputFormat.PCAP.openRotating(new RotatingFiles(pattern.toString(),
                new Rotation(2000, 0, 0), listener), SNAP_LENGTH, true, SampleEvents.NAMES, null)) {
            writeBatches(sink, 30, 5);
        }
        assertTrue(checked.size() >= 5, checked.toString());
    }

    @Test
    void oneMegabyteFilesStayUnderAMillionBytesWhenOneBatchSpills() throws Exception {
        Path pattern = directory.resolve("big.pcap");
        int events = 20_000; // 1.8 MB in one batch: the sink writes it in spills of 256 KiB
        try (Sink sink = OutputFormat.PCAP.openRotating(files(pattern, Rotation.of(1, 0, 0)), SNAP_LENGTH, false,
                SampleEvents.NAMES, null)) {
            writeBatches(sink, 1, events);
        }
        List<Path> written = filesOf(pattern);
        assertEquals(List.of(pattern, directory.resolve("big.pcap1"), directory.resolve("big.pcap2")), written);
        long sum = 0;
        for (Path file : written) {
            assertTrue(Files.size(file) <= 1_000_000, file + " is " + Files.size(file) + " bytes");
            sum += timestamps(file).size();
        }
        assertTrue(Files.size(pattern) > 1_000_000 - BufferedSink.SPILL_BYTES - PCAP_RECORD, "full but for a spill");
        assertEquals(events, sum);
    }

    @Test
    void aRingOfThreeKeepsThreeFilesTheOldestOverwritten() throws Exception {
        Path pattern = directory.resolve("ring.pcap");
        long events;
        try (Sink sink = OutputFormat.PCAP.openRotating(files(pattern, new Rotation(2000, 0, 3)), SNAP_LENGTH, true,
                SampleEvents.NAMES, null)) {
            events = writeBatches(sink, 40, 5);
            assertEquals(events, sink.recordsWritten(), "the books count every record, overwritten ones too");
        }
        assertEquals(List.of("ring.pcap0", "ring.pcap1", "ring.pcap2"),
                filesOf(pattern).stream().map(p -> p.getFileName().toString()).toList());
        List<String> sequence = opened.stream().map(p -> Path.of(p).getFileName().toString()).toList();
        assertTrue(sequence.size() >= 6, "went round the ring at least twice: " + sequence);
        for (int i = 0; i < sequence.size(); i++) {
            assertEquals("ring.pcap" + ((i + 1) % 3), sequence.get(i));
        }
        // The three files hold the last records written, in the order the ring wrote them.
        String last = sequence.get(sequence.size() - 1);
        List<Long> stamps = new ArrayList<>();
        for (int back = 2; back >= 0; back--) {
            int n = Integer.parseInt(last.substring(last.length() - 1));
            stamps.addAll(timestamps(directory.resolve("ring.pcap" + Math.floorMod(n - back, 3))));
        }
        for (int i = 0; i < stamps.size(); i++) {
            assertEquals(events - stamps.size() + i, stamps.get(i) - CaptureEvents.WALL_CLOCK_NANOS);
        }
    }

    @Test
    void periodsTurnOverWithTheClockAndEndAfterTheirCount() throws Exception {
        AtomicLong clock = new AtomicLong(START_SECONDS);
        Path pattern = directory.resolve("s-%H%M%S.pcap");
        RotatingFiles files = new RotatingFiles(pattern.toString(), new Rotation(0, 2, 2), this::heard, clock::get,
                ZoneOffset.UTC);
        CaptureEvent event = CaptureEvents.of(Frames.ipv4Syn(), 4);
        Sink sink = OutputFormat.PCAP.openRotating(files, SNAP_LENGTH, true, SampleEvents.NAMES, null);
        write(sink, event, 0, 3);
        sink.flush();
        clock.addAndGet(1);
        write(sink, event, 3, 3);
        sink.flush();
        clock.addAndGet(1);
        write(sink, event, 6, 4);
        sink.flush(); // the second period starts
        clock.addAndGet(2);
        write(sink, event, 10, 5);
        OutputCompleteException done = assertThrows(OutputCompleteException.class, sink::flush);
        assertTrue(done.getMessage().contains("the last of the 2 files"), done.getMessage());
        sink.flush();
        sink.finish(new FakeBooks(1));
        sink.close();
        assertEquals(10, sink.recordsWritten(), "the batch that would have opened a third file is not written");
        assertEquals(List.of(directory.resolve("s-034944.pcap").toString(), directory.resolve("s-034946.pcap")
                .toString()), new ArrayList<>(closed.keySet()));
        assertEquals(List.of(6L, 4L), new ArrayList<>(closed.values()));
        assertNull(opened.get(opened.size() - 1), "the listener hears that the last file was the last");
        assertEquals(6, timestamps(directory.resolve("s-034944.pcap")).size());
        assertEquals(4, timestamps(directory.resolve("s-034946.pcap")).size());
        assertEquals(2, filesOf(directory.resolve("s-")).size());
    }

    @Test
    void aNextFileThatCannotBeOpenedFailsTheOutputAndLeavesTheFilesBefore() throws Exception {
        Path pattern = directory.resolve("out.pcap");
        Files.createDirectory(directory.resolve("out.pcap2")); // the third file's name is taken by a directory
        Sink sink = OutputFormat.PCAP.openRotating(files(pattern, new Rotation(2000, 0, 0)), SNAP_LENGTH, true,
                SampleEvents.NAMES, null);
        CaptureEvent event = CaptureEvents.of(Frames.ipv4Syn(), 4);
        IOException failure = null;
        long offered = 0;
        for (int batch = 0; batch < 20 && failure == null; batch++) {
            write(sink, event, offered, 5);
            offered += 5;
            try {
                sink.flush();
            } catch (IOException e) {
                failure = e;
            }
        }
        UnwritableOutputException unwritable = assertInstanceOf(UnwritableOutputException.class, failure);
        assertEquals(directory.resolve("out.pcap2").toString(), unwritable.target());
        sink.close();
        long inFiles = timestamps(pattern).size() + timestamps(directory.resolve("out.pcap1")).size();
        assertEquals(sink.recordsWritten(), inFiles, "what the sink counts is what the files hold");
        assertTrue(inFiles < offered);
        assertEquals(24 + timestamps(pattern).size() * PCAP_RECORD, Files.size(pattern), "whole, closed files");
    }

    @Test
    void pcapngFilesEachCarryTheirOwnSectionInterfacesAndTheBooksOfTheirClose() throws Exception {
        long limit = 3000;
        Path pattern = directory.resolve("out.pcapng");
        FakeBooks books = new FakeBooks(0);
        long events;
        try (Sink sink = OutputFormat.PCAPNG.openRotating(files(pattern, new Rotation(limit, 0, 0)), SNAP_LENGTH,
                false, SampleEvents.NAMES, books)) {
            events = writeBatches(sink, 60, 4);
            sink.flush();
            sink.finish(new FakeBooks(1_000));
        }
        List<Path> written = filesOf(pattern);
        assertTrue(written.size() > 5, written.toString());
        assertEquals(written.size() - 1, books.reads, "the books are read once per file rotated out");
        long sum = 0;
        for (int i = 0; i < written.size(); i++) {
            Path file = written.get(i);
            assertTrue(Files.size(file) <= limit, file + " is " + Files.size(file) + " bytes, statistics included");
            Blocks blocks = Blocks.of(Files.readAllBytes(file));
            assertEquals(PcapngSink.SHB, blocks.types.get(0), file + " starts its own section");
            assertEquals(1, blocks.count(PcapngSink.SHB));
            assertEquals(1, blocks.count(PcapngSink.IDB), file + " describes its interface");
            assertEquals(1, blocks.count(PcapngSink.ISB), file + " ends with its statistics");
            assertEquals(PcapngSink.ISB, blocks.types.get(blocks.types.size() - 1));
            long packets = blocks.count(PcapngSink.EPB);
            sum += packets;
            assertEquals(packets, timestamps(file).size());
            long atClose = i < written.size() - 1 ? i + 1 : 1_000;
            assertEquals(Map.of(2, blocks.statistics.get(2), 3, blocks.statistics.get(3), 4, 100 * atClose,
                    5, 3 * atClose, 6, 50 * atClose, 8, sum), blocks.statistics,
                    file + ": counters since the start of the capture, as at its close; usrdeliv so far");
            if (i == 0 || i == written.size() / 2 || i == written.size() - 1) { // libpcap read them all
                requireOpensInTshark(file, packets);
            }
        }
        assertEquals(events, sum);
    }

    @Test
    void pcapngWithoutBooksStillEndsEachFileWithItsOwnCount() throws Exception {
        Path pattern = directory.resolve("out.pcapng");
        try (Sink sink = OutputFormat.PCAPNG.openRotating(files(pattern, new Rotation(3000, 0, 0)), SNAP_LENGTH,
                false, SampleEvents.NAMES, () -> null)) {
            writeBatches(sink, 20, 4);
        }
        Blocks first = Blocks.of(Files.readAllBytes(pattern));
        assertEquals(1, first.count(PcapngSink.ISB));
        assertEquals(Map.of(2, first.statistics.get(2), 3, first.statistics.get(3), 8, first.count(PcapngSink.EPB)),
                first.statistics, "only the times and what was delivered, no counters made up");
    }

    @Test
    void hexAndJsonDoNotRotate() {
        assertThrows(IllegalArgumentException.class, () -> OutputFormat.JSON.openRotating(
                files(directory.resolve("x"), new Rotation(1000, 0, 0)), SNAP_LENGTH, false, SampleEvents.NAMES, null));
    }

    /** Writes {@code batches} batches of {@code size} events, each flushed; timestamps count up from the sample's. */
    private static long writeBatches(Sink sink, int batches, int size) throws IOException {
        CaptureEvent event = CaptureEvents.of(Frames.ipv4Syn(), 4);
        long n = 0;
        for (int b = 0; b < batches; b++) {
            write(sink, event, n, size);
            n += size;
            sink.flush();
        }
        return n;
    }

    private static void write(Sink sink, CaptureEvent event, long first, int count) throws IOException {
        for (long i = first; i < first + count; i++) {
            event.set(CaptureEvents.WALL_CLOCK_NANOS + i, 1, CaptureEvents.IFINDEX, 0, 74, 74, 14, 34, 4);
            sink.write(event);
        }
    }

    private RotatingFiles files(Path pattern, Rotation rotation) {
        return new RotatingFiles(pattern.toString(), rotation, this::heard, () -> START_SECONDS, ZoneOffset.UTC);
    }

    private void heard(String file, long records, String next) {
        closed.put(file, records);
        opened.add(next);
    }

    /** The files in the directory whose names start with {@code pattern}'s, in the order rotation made them. */
    private List<Path> filesOf(Path pattern) throws IOException {
        String prefix = pattern.getFileName().toString();
        try (Stream<Path> list = Files.list(directory)) {
            return list.filter(p -> p.getFileName().toString().startsWith(prefix) && Files.isRegularFile(p))
                    .sorted((a, b) -> {
                        String x = a.getFileName().toString();
                        String y = b.getFileName().toString();
                        return x.length() != y.length() ? Integer.compare(x.length(), y.length()) : x.compareTo(y);
                    })
                    .toList();
        }
    }

    /** The records' timestamps in nanoseconds, read by libpcap; it must read the whole file. */
    private static List<Long> timestamps(Path file) throws Exception {
        PcapHandle handle = Pcaps.openOffline(file.toString(), PcapHandle.TimestampPrecision.NANO);
        List<Long> stamps = new ArrayList<>();
        try {
            while (handle.getNextRawPacket() != null) {
                java.sql.Timestamp t = handle.getTimestamp();
                stamps.add(Math.floorDiv(t.getTime(), 1000L) * 1_000_000_000L + t.getNanos());
            }
        } finally {
            handle.close();
        }
        return stamps;
    }

    private static void requireOpensInTshark(Path file, long records) throws Exception {
        ExternalTool.requireInstalled(TSHARK);
        ExternalTool.Result read = ExternalTool.run(List.of(TSHARK, "-n", "-r", file.toString(), "-T", "fields",
                "-e", "frame.number"), new byte[0]);
        assertEquals(0, read.exitCode(), file + ": " + read.stderr());
        assertEquals(records, read.stdoutText().lines().count(), file.toString());
    }

    /** Books that grow with each read: frames_seen 100 per read, lost 3, accepted 50 (or from {@code at}). */
    private static final class FakeBooks implements Totals.Source, Totals {
        private final long fixed;
        int reads;
        private long at;

        FakeBooks(long fixed) {
            this.fixed = fixed;
            this.at = fixed;
        }

        @Override
        public Totals now() {
            reads++;
            at = reads;
            return this;
        }

        @Override
        public void forEachCounter(Visitor visitor) {
            visitor.counter("frames_seen", 100 * at);
        }

        @Override
        public InterfaceTotals interfaceTotals(int ifindex) {
            assertEquals(CaptureEvents.IFINDEX, ifindex);
            return new InterfaceTotals(100 * at, 50 * at, 3 * at);
        }

        @Override
        public String toString() {
            return "books " + fixed;
        }
    }

    /** A pcapng file's block types in order, and the options of its (last) statistics block. */
    private record Blocks(List<Integer> types, Map<Integer, Long> statistics) {
        static Blocks of(byte[] bytes) {
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            List<Integer> types = new ArrayList<>();
            Map<Integer, Long> options = new LinkedHashMap<>();
            int at = 0;
            while (at < bytes.length) {
                int type = b.getInt(at);
                int length = b.getInt(at + 4);
                assertEquals(length, b.getInt(at + length - 4), "trailing length of the block at " + at);
                types.add(type);
                if (type == PcapngSink.ISB) {
                    options.clear();
                    for (int o = at + 20; o + 4 <= at + length - 4; ) {
                        int code = b.getShort(o) & 0xffff;
                        int size = b.getShort(o + 2) & 0xffff;
                        if (code == 0) {
                            break;
                        }
                        long value = code == 2 || code == 3
                                ? ((long) b.getInt(o + 4) << 32) | (b.getInt(o + 8) & 0xffffffffL)
                                : b.getLong(o + 4);
                        options.put(code, value);
                        o += 4 + ((size + 3) & ~3);
                    }
                }
                at += length;
            }
            assertEquals(bytes.length, at, "whole blocks");
            return new Blocks(types, options);
        }

        long count(int type) {
            return types.stream().filter(t -> t == type).count();
        }
    }
}
