package dev.xdpdump.cli;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.pipeline.Capture;
import dev.xdpdump.pipeline.StopSignal;
import dev.xdpdump.pipeline.Summary;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.Interfaces;
import dev.xdpdump.sys.NetNamespace;

import java.io.IOException;
import java.util.List;
import java.io.PrintStream;

/**
 * {@code xdpdump demo}: the zero-setup first run. Makes a namespace pair joined by veth, captures on one end while a
 * few real TCP connection attempts (IPv4 and IPv6) come from the other, and removes everything it made.
 */
final class DemoCommand {
    private static final String[][] ATTEMPTS = {
            {VethLab.CAPTURE_V4, "22"}, {VethLab.CAPTURE_V4, "80"}, {VethLab.CAPTURE_V4, "443"}, {VethLab.CAPTURE_V6, "80"},
    };
    private static final int CONNECT_TIMEOUT_MILLIS = 1000;
    /** After the last attempt, how long events may take to come out before the demo stops anyway. */
    private static final long SETTLE_MILLIS = 3000;

    private final Options options;
    private final PrintStream err;

    DemoCommand(Options options, PrintStream err) {
        this.options = options;
        this.err = err;
    }

    int run() throws ErrnoException, IOException, CaptureFailure, UsageException {
        if (options.expression() != null || options.expressionFile() != null) {
            throw new UsageException("demo takes no filter expression: it waits for its " + ATTEMPTS.length
                    + " attempts; try one on a capture of your own (xdpdump -i IFACE EXPR) or a file (-r FILE EXPR)");
        }
        CaptureCommand.requireCapabilities();
        String tag = "d" + ProcessHandle.current().pid() % 100000;
        Options demo = options.withCount(ATTEMPTS.length);
        try (VethLab lab = VethLab.create(tag)) {
            err.println("demo: namespaces " + lab.captureNamespace() + " and " + lab.senderNamespace()
                    + " joined by veth " + lab.captureInterface() + " <-> " + lab.senderInterface()
                    + "; capturing on " + lab.captureInterface() + " while " + ATTEMPTS.length
                    + " connection attempts come from " + lab.senderNamespace());
            StopSignal stop = new StopSignal();
            Summary summary;
            // The program must attach inside the capture namespace: the kernel resolves ifindexes per namespace.
            try (NetNamespace ignored = NetNamespace.enter(lab.captureNamespace())) {
                int ifindex = Interfaces.indexOf(lab.captureInterface());
                summary = new CaptureCommand(demo, err).capture(
                        List.of(new Capture.Target(lab.captureInterface(), ifindex)), stop,
                        () -> startTraffic(lab, stop));
            }
            if (summary.output().written() < ATTEMPTS.length) {
                throw new CaptureFailure("demo captured " + summary.output().written() + " of " + ATTEMPTS.length
                        + " connection attempts; run with -v and check 'dmesg' for XDP errors");
            }
            err.println("demo: done; removed " + lab.captureNamespace() + " and " + lab.senderNamespace());
            return Main.OK;
        }
    }

    private void startTraffic(VethLab lab, StopSignal stop) {
        Thread traffic = new Thread(() -> {
            try {
                for (String[] attempt : ATTEMPTS) {
                    lab.connectFromSender(attempt[0], Integer.parseInt(attempt[1]), 0, CONNECT_TIMEOUT_MILLIS);
                }
                if (!stop.await(SETTLE_MILLIS)) {
                    stop.request(StopSignal.Reason.SIGNAL);
                }
            } catch (IOException e) {
                err.println("xdpdump: demo traffic failed: " + e.getMessage());
                stop.request(StopSignal.Reason.SIGNAL);
            } catch (InterruptedException e) {
                stop.request(StopSignal.Reason.SIGNAL);
            }
        }, "demo-traffic");
        traffic.setDaemon(true);
        traffic.start();
    }
}
