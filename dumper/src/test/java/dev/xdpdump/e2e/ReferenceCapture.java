package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * tcpdump on the lab's capture interface, taken during the same traffic as xdpdump's capture: what the frames really
 * were. Keeps incoming connection requests only (SYN without ACK, IPv4 or IPv6 without extension headers) and exits
 * by itself after the expected number, so its file is complete when it ends.
 */
final class ReferenceCapture implements AutoCloseable {
    static final String CONNECTION_REQUESTS =
            "tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn or (ip6 and ip6[6] == 6 and ip6[53] & 0x12 == 0x02)";
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final WatchedProcess tcpdump;
    private final Path file;

    private ReferenceCapture(WatchedProcess tcpdump, Path file) {
        this.tcpdump = tcpdump;
        this.file = file;
    }

    /** Starts tcpdump and returns once it is listening; it stops after {@code count} connection requests. */
    static ReferenceCapture start(VethLab lab, int count, Path file) throws IOException, InterruptedException {
        // -Z root: tcpdump would otherwise write the file as user tcpdump, who cannot enter a test's temp directory.
        WatchedProcess tcpdump = WatchedProcess.startIn(lab.captureNamespace(), "tcpdump", "-Z", "root", "-i",
                lab.captureInterface(), "-Q", "in", "-nn", "--immediate-mode", "-U", "-c", Integer.toString(count),
                "-w", file.toString(), CONNECTION_REQUESTS);
        try {
            tcpdump.awaitStderrLine("tcpdump: listening on ", TIMEOUT);
            return new ReferenceCapture(tcpdump, file);
        } catch (RuntimeException | Error | InterruptedException e) {
            tcpdump.close();
            throw e;
        }
    }

    /** Waits for tcpdump to have seen all its frames and returns them. */
    List<Frame> frames() throws Exception {
        assertEquals(0, tcpdump.awaitExit(TIMEOUT), tcpdump.stderrText());
        return Frame.readPcap(file);
    }

    @Override
    public void close() throws InterruptedException {
        tcpdump.close();
    }
}
