package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * tcpdump on the lab's capture interface, taken during the same traffic as xdpdump's capture: what the frames really
 * were. tcpdump keeps every incoming frame, unfiltered; tshark's dissector then picks the connection requests (SYN
 * without ACK) out of the file. The selection is tshark's, not a tcpdump filter's, on purpose: a filter expression
 * reads TCP flags at a fixed offset ({@code tcp[13]}, {@code ip6[53]}), so it misses a SYN behind an IPv6 extension
 * header or an unusual VLAN tag, exactly the frames a reference is there to catch. tshark walks extension headers
 * and VLAN tags of every TPID.
 */
final class ReferenceCapture implements AutoCloseable {
    static final String TCPDUMP = "/usr/bin/tcpdump";
    static final String TSHARK = "/usr/bin/tshark";
    static final String CONNECTION_REQUESTS = "tcp.flags.syn == 1 && tcp.flags.ack == 0";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);
    private static final long POLL_MILLIS = 50;

    private final WatchedProcess tcpdump;
    private final int count;
    private final Path file;

    private ReferenceCapture(WatchedProcess tcpdump, int count, Path file) {
        this.tcpdump = tcpdump;
        this.count = count;
        this.file = file;
    }

    /** Starts tcpdump and returns once it is listening; {@link #frames} waits for {@code count} connection requests. */
    static ReferenceCapture start(VethLab lab, int count, Path file) throws IOException, InterruptedException {
        Command.requireInstalled(TCPDUMP);
        Command.requireInstalled(TSHARK);
        // -Z root: tcpdump would otherwise write the file as user tcpdump, who cannot enter a test's temp directory.
        WatchedProcess tcpdump = WatchedProcess.startIn(lab.captureNamespace(), TCPDUMP, "-Z", "root", "-i",
                lab.captureInterface(), "-Q", "in", "-nn", "--immediate-mode", "-U", "-w", file.toString());
        try {
            tcpdump.awaitStderrLine("tcpdump: listening on ", TIMEOUT);
            return new ReferenceCapture(tcpdump, count, file);
        } catch (RuntimeException | Error | InterruptedException e) {
            tcpdump.close();
            throw e;
        }
    }

    /**
     * Waits until the file holds the expected number of connection requests, stops tcpdump and returns them in file
     * order. Fails when they do not all come within the timeout, or more come.
     */
    List<Frame> frames() throws Exception {
        Path selected = file.resolveSibling(file.getFileName() + ".syn.pcap");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (connectionRequests(file, selected, false).size() < count && System.nanoTime() < deadline) {
            TimeUnit.MILLISECONDS.sleep(POLL_MILLIS);
        }
        tcpdump.interrupt();
        assertEquals(0, tcpdump.awaitExit(TIMEOUT), tcpdump.stderrText());
        List<Frame> frames = connectionRequests(file, selected, true);
        assertEquals(count, frames.size(), "connection requests in tcpdump's capture, as tshark dissects them");
        return frames;
    }

    /**
     * The connection requests in pcap {@code file} as tshark dissects them, written to {@code selected}. While
     * tcpdump still writes ({@code complete} false) the file may end in a half-written record or not even hold its
     * header yet: then what tshark could read, possibly nothing.
     */
    static List<Frame> connectionRequests(Path file, Path selected, boolean complete) throws Exception {
        Files.deleteIfExists(selected);
        Command.Result tshark = Command.run(TSHARK, "-n", "-r", file.toString(), "-Y", CONNECTION_REQUESTS,
                "-F", "pcap", "-w", selected.toString());
        if (!complete && (tshark.exitCode() != 0 || !Files.exists(selected))) {
            return Files.exists(selected) && Files.size(selected) >= 24 ? Frame.readPcap(selected) : List.of();
        }
        assertEquals(0, tshark.exitCode(), tshark.describe());
        return Frame.readPcap(selected);
    }

    @Override
    public void close() throws InterruptedException {
        tcpdump.close();
    }
}
