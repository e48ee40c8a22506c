package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Faults in the middle of a capture: what is in the rings is written, the pcap stays whole, the books balance. */
class FaultIT {
    private static final int SENDERS = 4;
    private static final Duration BURST_LIMIT = Duration.ofSeconds(20);
    private static final Duration WAIT_STEP = Duration.ofMillis(50);
    private static final long SENT_BEFORE_SIGTERM = 1000;

    @Test
    void sigtermInTheMiddleOfABurstWritesEveryEventTheRingsHeldIntoAValidPcap(@TempDir Path directory)
            throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(Tcpdump.PATH);
        Path file = directory.resolve("burst.pcap");
        int status;
        long sent;
        List<String> stderr;
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "-v", "-w", file.toString());
             SynBurst burst = SynBurst.start(lab, SENDERS, 50_000, BURST_LIMIT)) {
            long deadline = System.nanoTime() + BURST_LIMIT.toNanos();
            while (burst.sent() < SENT_BEFORE_SIGTERM && System.nanoTime() < deadline) {
                xdpdump.waitFor(WAIT_STEP);
            }
            assertTrue(burst.sent() >= SENT_BEFORE_SIGTERM, "only " + burst.sent() + " SYNs sent");
            xdpdump.terminate(); // the burst goes on while xdpdump drains and exits
            status = xdpdump.awaitExit(Xdpdump.STOP_TIMEOUT);
            burst.stop();
            sent = burst.await(Duration.ofSeconds(10));
            stderr = xdpdump.stderrLines();
        }
        String text = String.join("\n", stderr);
        assertEquals(0, status, text);
        Books books = Books.of(stderr);
        System.out.printf("sigterm mid-burst: sent=%d matched=%d written=%d lost=%d%n", sent, books.matched(),
                books.written(), books.lost());
        assertTrue(books.matched() >= SENT_BEFORE_SIGTERM && books.matched() <= sent, text);
        assertEquals(books.emitted(), books.read(), "every event in the rings at SIGTERM was read:\n" + text);
        assertEquals(0, books.notWritten(), "and written:\n" + text);
        assertTrue(books.balance(), text);
        assertEquals(books.written(), Tcpdump.records(file), "the pcap holds what the summary says was written");
    }

    @Test
    void fullDiskStopsTheCaptureWithOneLineAndLeavesOnlyCompleteRecords(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(Tcpdump.PATH);
        Path disk = Files.createDirectory(directory.resolve("tiny"));
        Command.Result mount = Command.run("mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "xdpdump-full",
                disk.toString());
        assertEquals(0, mount.exitCode(), mount.describe());
        Path kept = directory.resolve("kept.pcap");
        int status;
        List<String> stderr;
        try {
            Path file = disk.resolve("full.pcap");
            try (VethLab lab = Lab.create();
                 WatchedProcess xdpdump = Xdpdump.listening(lab, "-w", file.toString());
                 SynBurst burst = SynBurst.start(lab, SENDERS, 20_000, BURST_LIMIT)) {
                // About 90 bytes a record: some 700 fill 64 KiB. Send until xdpdump gives up, bounded by the burst.
                long deadline = System.nanoTime() + BURST_LIMIT.toNanos();
                while (xdpdump.isAlive() && System.nanoTime() < deadline) {
                    xdpdump.waitFor(WAIT_STEP);
                }
                burst.stop();
                status = xdpdump.awaitExit(Xdpdump.STOP_TIMEOUT);
                burst.await(Duration.ofSeconds(10));
                stderr = xdpdump.stderrLines();
            }
            Files.copy(file, kept);
        } finally {
            Command.Result umount = Command.run("umount", disk.toString());
            assertEquals(0, umount.exitCode(), umount.describe());
        }
        String text = String.join("\n", stderr);
        assertEquals(1, status, text);
        List<String> messages = stderr.stream().filter(line -> line.startsWith("xdpdump: ")).toList();
        assertEquals(1, messages.size(), text);
        assertTrue(messages.get(0).contains("No space left on device") && messages.get(0).contains("capture stopped"),
                messages.get(0));
        assertFalse(text.contains("Exception"), text);
        Books books = Books.of(stderr);
        System.out.printf("full disk: matched=%d written=%d not_written=%d lost=%d file=%d bytes%n", books.matched(),
                books.written(), books.notWritten(), books.lost(), Files.size(kept));
        assertEquals(1, books.writeErrors(), text);
        assertTrue(books.notWritten() > 0, text);
        assertTrue(books.balance(), text);
        assertEquals(books.written(), Tcpdump.records(kept), "only whole records, as many as written");
    }
}
