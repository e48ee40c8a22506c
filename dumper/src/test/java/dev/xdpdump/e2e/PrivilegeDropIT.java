package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code -Z nobody}: once it says "listening on" the capture has no capabilities and runs as nobody (read from
 * /proc/PID/status, nobody's ids from {@code id}), and still captures every connection request the test makes;
 * files that rotation opens afterwards belong to nobody (the first, opened before the drop, stays root's); SIGINT still gives the books, and they balance.
 */
class PrivilegeDropIT {
    /** Rounds of Lab.MIXED, spread over more than two -G 1 periods. */
    private static final int ROUNDS = 6;
    private static final long ROUND_PAUSE_MILLIS = 500;

    @TempDir
    Path directory;

    @Test
    void dropsToNobodyAndGoesOnCapturingIntoFilesNobodyOwns() throws Exception {
        Privileges.requireCaptureCapabilities();
        int nobodyUid = Integer.parseInt(id("-u"));
        int nobodyGid = Integer.parseInt(id("-g"));
        // nobody must be able to create the rotated files here.
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxrwxrwx"));
        String pattern = directory.resolve("syns-%H%M%S.pcap").toString();
        Books books;
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "-Z", "nobody", "-w", pattern, "-G", "1", "-v")) {
            Map<String, String> status = status(xdpdump.pid());
            assertEquals("0000000000000000", status.get("CapEff"), "no effective capabilities: " + status);
            assertEquals("0000000000000000", status.get("CapPrm"), "no permitted capabilities: " + status);
            assertEquals(List.of(nobodyUid, nobodyUid, nobodyUid, nobodyUid), ids(status.get("Uid")), "real,"
                    + " effective, saved and filesystem uid are nobody's");
            assertEquals(List.of(nobodyGid, nobodyGid, nobodyGid, nobodyGid), ids(status.get("Gid")));
            assertTrue(status.get("Groups").isBlank() || ids(status.get("Groups")).stream().noneMatch(g -> g == 0),
                    "root's groups are gone: " + status.get("Groups"));
            for (int round = 0; round < ROUNDS; round++) {
                Lab.attempt(lab, Lab.MIXED);
                Thread.sleep(ROUND_PAUSE_MILLIS);
            }
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            books = Books.of(xdpdump.stderrLines());
        }
        long sent = (long) ROUNDS * Lab.MIXED.size();
        assertEquals(sent, books.written(), books.toString());
        assertTrue(books.balance(), books.toString());
        List<Path> files;
        try (Stream<Path> listing = Files.list(directory)) {
            files = listing.sorted().toList();
        }
        assertTrue(files.size() >= 2, "3 s of traffic with -G 1 rotates at least once: " + files);
        long records = 0;
        for (int i = 0; i < files.size(); i++) {
            Path file = files.get(i);
            // The first file is opened with the outputs, before the drop; every later one is nobody's.
            assertEquals(i == 0 ? 0 : nobodyUid, (int) Files.getAttribute(file, "unix:uid"), file + "'s owner");
            records += Tcpdump.records(file);
        }
        assertEquals(sent, records, "the files hold every connection request");
    }

    private static String id(String flag) throws Exception {
        Command.Result result = Command.run("id", flag, "nobody");
        assertEquals(0, result.exitCode(), result.describe());
        return result.stdoutText().strip();
    }

    private static Map<String, String> status(long pid) throws Exception {
        try (Stream<String> lines = Files.lines(Path.of("/proc/" + pid + "/status"))) {
            return lines.filter(l -> l.contains(":"))
                    .collect(Collectors.toMap(l -> l.substring(0, l.indexOf(':')),
                            l -> l.substring(l.indexOf(':') + 1).strip(), (a, b) -> a));
        }
    }

    private static List<Integer> ids(String line) {
        return Stream.of(line.split("\\s+")).map(Integer::parseInt).toList();
    }
}
