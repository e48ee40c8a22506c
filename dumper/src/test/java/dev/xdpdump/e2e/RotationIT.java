package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Frames;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Rotation as a user runs it: {@code -G 1} over a few seconds of real connection requests into pcap and pcapng, and
 * {@code -G 1 -W 2} that stops by itself; {@code -C 1} over a file of 25 000 SYNs read with {@code -r} (a live
 * capture would need a megabyte of SYNs), and a next file that cannot be opened. Every file opens in tshark and
 * capinfos, and the records of all files add up to the summary's {@code events written}; each pcapng file has its
 * own section, interface description and statistics.
 */
class RotationIT {
    private static final String TSHARK = "/usr/bin/tshark";
    private static final String CAPINFOS = "/usr/bin/capinfos";
    /** Long enough for three periods of -G 1 and more. */
    private static final Duration TRAFFIC = Duration.ofMillis(3500);
    private static final Pattern ROTATED = Pattern.compile(
            "xdpdump: rotated out (\\S+) \\((\\d+) records\\); now writing (\\S+)");

    @TempDir
    Path directory;

    @Test
    void everySecondANewPcapFileAndTogetherTheyHoldWhatWasWritten() throws Exception {
        Books books = captureWithTraffic("syns-%H%M%S.pcap");
        List<Path> files = files("syns-");
        assertTrue(files.size() >= 3, "3.5 s of traffic with -G 1: " + files);
        long sum = 0;
        for (Path file : files) {
            assertTrue(file.getFileName().toString().matches("syns-\\d{6}\\.pcap"), file.toString());
            long records = tsharkRecords(file);
            assertEquals(records, Tcpdump.records(file));
            assertCapinfosReads(file, "pcap");
            sum += records;
        }
        assertEquals(books.written(), sum, "events written is the sum over the files");
        assertTrue(books.balance(), books.toString());
        assertTrue(books.written() > 1000, books.toString());
    }

    @Test
    void everyPcapngFileHasItsOwnSectionInterfaceAndStatistics() throws Exception {
        List<String> stderr = new ArrayList<>();
        Books books = captureWithTraffic("syns-%H%M%S.pcapng", stderr);
        List<Rotated> rotations = rotations(stderr);
        assertTrue(rotations.size() >= 2, String.join("\n", stderr));
        List<Path> inOrder = new ArrayList<>();
        for (Rotated r : rotations) {
            inOrder.add(Path.of(r.closed()));
        }
        inOrder.add(Path.of(rotations.get(rotations.size() - 1).next()));
        assertEquals(files("syns-").stream().sorted().toList(), inOrder.stream().sorted().toList());
        long delivered = 0;
        long framesSeen = 0;
        for (int i = 0; i < inOrder.size(); i++) {
            Path file = inOrder.get(i);
            long records = tsharkRecords(file);
            if (i < rotations.size()) {
                assertEquals(rotations.get(i).records(), records, "the -v line's count for " + file);
            }
            delivered += records;
            Blocks blocks = Blocks.of(Files.readAllBytes(file));
            assertEquals(List.of(0x0A0D0D0A, 1), blocks.types().subList(0, 2), file + ": its own section and IDB");
            assertEquals(1, blocks.count(0x0A0D0D0A));
            assertEquals(1, blocks.count(1));
            assertEquals(1, blocks.count(5), file + " ends with one statistics block");
            assertEquals(records, blocks.count(6));
            Map<Integer, Long> isb = blocks.statistics();
            assertEquals(delivered, isb.get(8), file + ": isb_usrdeliv counts from the start of the capture");
            assertTrue(isb.get(4) >= framesSeen, file + ": isb_ifrecv never goes back");
            framesSeen = isb.get(4);
            assertTrue(isb.get(2) <= isb.get(3), isb.toString());
            Command.Result info = Command.run(CAPINFOS, file.toString());
            assertEquals(0, info.exitCode(), info.describe());
            assertTrue(info.stdoutText().contains("Number of stat entries = 1"), info.stdoutText());
        }
        assertEquals(books.written(), delivered, "events written is the sum over the files");
        Map<Integer, Long> last = Blocks.of(Files.readAllBytes(inOrder.get(inOrder.size() - 1))).statistics();
        assertEquals(books.framesSeen(), last.get(4), "the last file's isb_ifrecv is the summary's");
        assertEquals(books.matched() - books.filtered(), last.get(6));
        assertTrue(books.balance(), books.toString());
    }

    @Test
    void periodsWithAFileCountStopTheCaptureAfterThatManyFiles() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(TSHARK);
        Path pattern = directory.resolve("two-%H%M%S.pcap");
        List<String> stderr;
        int status;
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "-v", "-G", "1", "-W", "2", "-w", pattern.toString());
             SynBurst burst = SynBurst.start(lab, 1, 1_000_000, Duration.ofSeconds(8))) {
            status = xdpdump.awaitExit(Duration.ofSeconds(15)); // it stops by itself, within about 2 s of traffic
            burst.stop();
            burst.await(Duration.ofSeconds(10));
            stderr = xdpdump.stderrLines();
        }
        assertEquals(0, status, String.join("\n", stderr));
        assertTrue(stderr.stream().anyMatch(l -> l.matches("xdpdump: closed \\S+two-\\d{6}\\.pcap \\(\\d+ records\\),"
                + " the last of the 2 files -W allows; capture stopped")), String.join("\n", stderr));
        List<Path> files = files("two-");
        assertEquals(2, files.size(), files.toString());
        Books books = Books.of(stderr);
        assertEquals(books.written(), tsharkRecords(files.get(0)) + tsharkRecords(files.get(1)));
        assertTrue(books.balance(), books.toString());
    }

    @Test
    void aMillionBytesAFileFromAReadCapture() throws Exception {
        Command.requireInstalled(TSHARK);
        Path in = synFile(25_000);
        Path pattern = directory.resolve("out.pcap");
        Command.Result run = Xdpdump.run(null, "-v", "-r", in.toString(), "-w", pattern.toString(), "-C", "1");
        assertEquals(0, run.exitCode(), run.describe());
        List<Path> files = files("out.pcap");
        assertEquals(List.of(pattern, directory.resolve("out.pcap1"), directory.resolve("out.pcap2")), files);
        long sum = 0;
        for (Path file : files) {
            assertTrue(Files.size(file) <= 1_000_000, file + ": " + Files.size(file) + " bytes");
            sum += tsharkRecords(file);
        }
        assertEquals(25_000, sum);
        assertEquals(25_000, Books.of(run.stderrLines()).written());
        assertEquals(2, rotations(run.stderrLines()).size(), run.stderr());
    }

    @Test
    void aNextFileThatCannotBeOpenedEndsTheOutputAndKeepsTheFilesBefore() throws Exception {
        Command.requireInstalled(TSHARK);
        Path in = synFile(25_000);
        Path pattern = directory.resolve("out.pcap");
        Files.createDirectory(directory.resolve("out.pcap1"));
        Command.Result run = Xdpdump.run(null, "-r", in.toString(), "-w", pattern.toString(), "-C", "1");
        assertEquals(1, run.exitCode(), run.describe());
        List<String> ours = run.stderrLines().stream().filter(l -> l.startsWith("xdpdump: ")).toList();
        assertEquals(List.of("xdpdump: writing " + pattern + " failed: cannot open the next file, "
                + directory.resolve("out.pcap1") + ": Is a directory; capture stopped, the files before it are"
                + " complete (pick a writable path)"), ours);
        Books books = Books.of(run.stderrLines());
        assertEquals(books.written(), tsharkRecords(pattern));
        assertEquals(1, books.writeErrors());
        assertTrue(books.balance(), books.toString());
    }

    private Books captureWithTraffic(String name) throws Exception {
        return captureWithTraffic(name, new ArrayList<>());
    }

    /** Captures with {@code -v -G 1 -w DIR/name} while SYNs flow for {@link #TRAFFIC}; returns the summary. */
    private Books captureWithTraffic(String name, List<String> stderr) throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(TSHARK);
        Command.requireInstalled(CAPINFOS);
        Command.requireInstalled(Tcpdump.PATH);
        Path pattern = directory.resolve(name);
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "-v", "-G", "1", "-w", pattern.toString())) {
            try (SynBurst burst = SynBurst.start(lab, 1, 1_000_000, TRAFFIC)) {
                burst.await(TRAFFIC.plusSeconds(10));
            }
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            stderr.addAll(xdpdump.stderrLines());
        }
        return Books.of(stderr);
    }

    /** The files in the test's directory whose names start with {@code prefix}, by name length, then name. */
    private List<Path> files(String prefix) throws IOException {
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

    /** tshark reads {@code file} whole: how many frames. */
    private static long tsharkRecords(Path file) throws Exception {
        Command.Result read = Command.run(TSHARK, "-n", "-r", file.toString(), "-T", "fields", "-e", "frame.number");
        assertEquals(0, read.exitCode(), read.describe());
        return read.stdoutText().lines().count();
    }

    private static void assertCapinfosReads(Path file, String type) throws Exception {
        Command.Result info = Command.run(CAPINFOS, file.toString());
        assertEquals(0, info.exitCode(), info.describe());
        assertTrue(info.stdoutText().contains(type), info.stdoutText());
    }

    /** A rotation the -v line reported, in order. */
    private record Rotated(String closed, long records, String next) {}

    private static List<Rotated> rotations(List<String> stderr) {
        List<Rotated> rotations = new ArrayList<>();
        for (String line : stderr) {
            Matcher m = ROTATED.matcher(line);
            if (m.matches()) {
                rotations.add(new Rotated(m.group(1), Long.parseLong(m.group(2)), m.group(3)));
            }
        }
        return rotations;
    }

    /** A pcap of {@code count} IPv4 SYNs (90 bytes a record), one per millisecond. */
    private Path synFile(int count) throws IOException {
        byte[] frame = Frames.ipv4Syn();
        ByteBuffer out = ByteBuffer.allocate(24 + count * (16 + frame.length)).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        for (int i = 0; i < count; i++) {
            out.putInt(1_795_000_000 + i / 1000).putInt((i % 1000) * 1000).putInt(frame.length).putInt(frame.length)
                    .put(frame);
        }
        Path file = directory.resolve("in.pcap");
        Files.write(file, out.array());
        return file;
    }

    /** A pcapng file's block types in order and the options of its last statistics block (little-endian). */
    private record Blocks(List<Integer> types, Map<Integer, Long> statistics) {
        static Blocks of(byte[] bytes) {
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            List<Integer> types = new ArrayList<>();
            Map<Integer, Long> options = new HashMap<>();
            for (int at = 0; at + 12 <= bytes.length; at += b.getInt(at + 4)) {
                int type = b.getInt(at);
                types.add(type);
                if (type != 5) {
                    continue;
                }
                options.clear();
                int end = at + b.getInt(at + 4) - 4;
                for (int o = at + 20; o + 4 <= end; ) {
                    int code = b.getShort(o) & 0xffff;
                    int length = b.getShort(o + 2) & 0xffff;
                    if (code == 0) {
                        break;
                    }
                    long value = code == 2 || code == 3
                            ? ((long) b.getInt(o + 4) << 32) | (b.getInt(o + 8) & 0xffffffffL)
                            : b.getLong(o + 4);
                    options.put(code, value);
                    o += 4 + ((length + 3) & ~3);
                }
            }
            return new Blocks(types, options);
        }

        long count(int type) {
            return types.stream().filter(t -> t == type).count();
        }
    }
}
