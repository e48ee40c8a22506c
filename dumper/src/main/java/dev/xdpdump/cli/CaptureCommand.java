package dev.xdpdump.cli;

import dev.xdpdump.pipeline.Capture;
import dev.xdpdump.pipeline.StopSignal;
import dev.xdpdump.pipeline.Summary;
import dev.xdpdump.sink.InterfaceNames;
import dev.xdpdump.sink.Output;
import dev.xdpdump.sink.OutputBuffer;
import dev.xdpdump.sys.Capabilities;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.InterfaceWatch;
import dev.xdpdump.sys.Interfaces;
import dev.xdpdump.sys.Pipes;
import dev.xdpdump.sys.SignalDisposition;
import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintStream;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/** {@code xdpdump [-i IFACE] [hex|json|-w FILE] ...}: capture until a signal, {@code -c}, or the output closes. */
final class CaptureCommand {
    /** How often the main thread checks that the interface and the output's reader are still there. */
    private static final int HEALTH_CHECK_MILLIS = 250;
    private static final int STDOUT_FD = 1;

    private final Options options;
    private final PrintStream err;

    CaptureCommand(Options options, PrintStream err) {
        this.options = options;
        this.err = err;
    }

    int run() throws ErrnoException, IOException, CaptureFailure, UsageException {
        requireCapabilities();
        String name = options.interfaceName() != null ? options.interfaceName() : defaultInterface();
        int ifindex = Interfaces.indexOf(name);
        if (ifindex == 0) {
            throw new CaptureFailure("unknown interface '" + name + "'; pick one of: " + upInterfaces()
                    + " (see 'ip link')");
        }
        capture(name, ifindex, new StopSignal(), () -> { });
        return Main.OK;
    }

    /**
     * Captures on an interface of the calling thread's network namespace until {@code stop} is requested (by a
     * signal, {@code -c}, the output, or the caller), then prints the summary and returns it.
     *
     * @param onListening runs once the program is attached and the reader waits for events
     * @throws CaptureFailure when capture ended badly (output failed, interface gone, reader failed)
     */
    Summary capture(String name, int ifindex, StopSignal stop, Runnable onListening)
            throws ErrnoException, IOException, CaptureFailure {
        try (InterfaceWatch watch = new InterfaceWatch(name, ifindex)) {
            InterfaceWatch.State state = watch.check();
            if (state == InterfaceWatch.State.DOWN) {
                throw new CaptureFailure("interface " + name + " is down; bring it up first (ip link set " + name
                        + " up)");
            }
            if (state == InterfaceWatch.State.GONE) {
                throw new CaptureFailure("interface " + name + " went away before capture started; pick one from"
                        + " 'ip link'");
            }
            return captureWhileWatching(watch, name, ifindex, stop, onListening);
        }
    }

    private Summary captureWhileWatching(InterfaceWatch watch, String name, int ifindex, StopSignal stop,
                                         Runnable onListening) throws ErrnoException, IOException, CaptureFailure {
        Capture.SinkOpener output = () -> options.format().open(options.outputTarget(), options.snapLength(),
                options.nanoseconds(), InterfaceNames.of(Map.of(ifindex, name)));
        Capture.Settings settings = new Capture.Settings(name, ifindex, options.mode(), options.snapLength(),
                options.ringBytesPerCpu(), options.count());
        SignalDisposition.restoreDefault(SignalDisposition.SIGINT);
        SignalDisposition.restoreDefault(SignalDisposition.SIGTERM);
        Signal.handle(new Signal("INT"), s -> stop.request(StopSignal.Reason.SIGNAL));
        Signal.handle(new Signal("TERM"), s -> stop.request(StopSignal.Reason.SIGNAL));
        // A closed terminal or a dropped ssh session ends the capture like SIGTERM, output flushed and books printed.
        // Under nohup SIGHUP stays ignored: the JVM installs no handler over a signal ignored at launch.
        Signal.handle(new Signal("HUP"), s -> stop.request(StopSignal.Reason.SIGNAL));
        boolean outputIsPipe = Output.STDOUT.equals(options.outputTarget()) && stdoutIsPipe();
        Capture capture = Capture.start(settings, output, outputIsPipe, stop);
        if (!capture.program().handlesFrags()) {
            err.println("xdpdump: this kernel does not take the XDP multi-buffer (frags) flag; drivers with a jumbo"
                    + " MTU refuse native mode (Linux 5.18 or newer takes it)");
        }
        if (capture.link().fellBack() || options.verbose()) {
            err.println("xdpdump: " + capture.link().reason());
        }
        err.println("listening on " + name + " (ifindex " + ifindex + ", xdp " + capture.link().mode().word()
                + "), snapshot length " + options.snapLength() + " bytes");
        err.flush();
        onListening.run();
        long statsNanos = TimeUnit.SECONDS.toNanos(options.statsSeconds());
        long nextStats = System.nanoTime() + statsNanos;
        try {
            while (!stop.await(waitMillis(statsNanos, nextStats))) {
                if (statsNanos > 0 && System.nanoTime() - nextStats >= 0) {
                    nextStats += statsNanos;
                    err.println(capture.counters().toStatsLine());
                    err.flush();
                }
                InterfaceWatch.State state = watch.check();
                if (state == InterfaceWatch.State.GONE) {
                    stop.request(StopSignal.Reason.INTERFACE_GONE);
                } else if (state == InterfaceWatch.State.DOWN) {
                    stop.request(StopSignal.Reason.INTERFACE_DOWN);
                } else if (outputIsPipe && Pipes.readerGone(STDOUT_FD)) {
                    // Without this an idle capture would wait for its next event to find `| head` gone.
                    stop.request(StopSignal.Reason.OUTPUT_CLOSED);
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.request(StopSignal.Reason.SIGNAL);
        }
        Summary summary = capture.stop();
        switch (capture.ending()) {
            case OUTPUT_STALLED -> err.println("xdpdump: " + outputName() + " took no data for "
                    + Capture.STALL_MILLIS / 1000 + " s; gave up on what it had not taken (counted below as left in"
                    + " the rings and not written)");
            case SECOND_SIGNAL -> err.println("xdpdump: second signal; stopped without waiting for " + outputName()
                    + " (what it had not taken is counted below as left in the rings and not written)");
            case DRAINED -> { }
        }
        err.print(summary.toText(options.verbose()));
        err.flush();
        if (options.jsonStats() && capture.ending() == Capture.Ending.DRAINED
                && stop.reason() != StopSignal.Reason.OUTPUT_CLOSED && stop.reason() != StopSignal.Reason.OUTPUT_FAILED) {
            writeStatsRecord(summary);
        }
        checkEnd(stop, name);
        return summary;
    }


    /** Until the next health check, or the next stats line when that comes sooner. */
    private static long waitMillis(long statsNanos, long nextStats) {
        if (statsNanos == 0) {
            return HEALTH_CHECK_MILLIS;
        }
        long untilStats = TimeUnit.NANOSECONDS.toMillis(nextStats - System.nanoTime());
        return Math.max(1, Math.min(HEALTH_CHECK_MILLIS, untilStats));
    }

    /**
     * Ends JSON output with the books as one {@code {"type":"stats",...}} line, after the sink wrote its last event.
     * JSON always goes to standard output, which the sink leaves open.
     */
    private void writeStatsRecord(Summary summary) {
        String line = summary.toJson() + "\n";
        OutputBuffer buffer = new OutputBuffer(line.length());
        buffer.writeAscii(line);
        try (Output out = Output.open(options.outputTarget())) {
            out.write(buffer);
        } catch (IOException e) {
            err.println("xdpdump: could not write the stats record to " + outputName() + ": " + e.getMessage());
        }
    }

    private void checkEnd(StopSignal stop, String name) throws CaptureFailure {
        switch (stop.reason()) {
            case SIGNAL, COUNT_REACHED, OUTPUT_CLOSED:
                return;
            case OUTPUT_FAILED:
                throw new CaptureFailure("writing " + outputName() + " failed: " + stop.cause().getMessage()
                        + "; capture stopped, the output holds only complete records (free space or pick another"
                        + " path)", stop.cause());
            case INTERFACE_DOWN:
                throw new CaptureFailure("interface " + name + " went down while capturing; the output is complete"
                        + " up to that moment (ip link set " + name + " up, then capture again)");
            case INTERFACE_GONE:
                throw new CaptureFailure("interface " + name + " went away while capturing; the output is complete"
                        + " up to that moment");
            default:
                throw new CaptureFailure("the ring reader failed: " + stop.cause()
                        + " (run with -v for details)", stop.cause());
        }
    }

    private String outputName() {
        return Output.STDOUT.equals(options.outputTarget()) ? "standard output" : options.outputTarget();
    }

    static void requireCapabilities() throws CaptureFailure {
        List<String> missing = Capabilities.current().missingForCapture();
        if (!missing.isEmpty()) {
            throw new CaptureFailure("missing " + String.join(", ", missing)
                    + " to load and attach the XDP program; run as root (sudo xdpdump ...)");
        }
    }

    private String defaultInterface() throws CaptureFailure {
        List<NetworkInterface> up = upNonLoopback();
        if (up.isEmpty()) {
            throw new CaptureFailure("no interface is up besides loopback; name one with -i IFACE");
        }
        String name = up.get(0).getName();
        err.println("xdpdump: no interface given, capturing on " + name + " (the first up and not loopback; -i to choose)");
        return name;
    }

    private static List<NetworkInterface> upNonLoopback() {
        try {
            return Collections.list(NetworkInterface.getNetworkInterfaces()).stream()
                    .filter(CaptureCommand::isUpNotLoopback)
                    .sorted(Comparator.comparingInt(NetworkInterface::getIndex))
                    .collect(Collectors.toList());
        } catch (SocketException e) {
            return List.of();
        }
    }

    private static boolean isUpNotLoopback(NetworkInterface i) {
        try {
            return i.isUp() && !i.isLoopback() && i.getParent() == null;
        } catch (SocketException e) {
            return false;
        }
    }

    private static String upInterfaces() {
        String names = upNonLoopback().stream().map(NetworkInterface::getName).collect(Collectors.joining(", "));
        return names.isEmpty() ? "none is up besides lo" : names;
    }

    /** A write to a pipe fails only when its reader has gone; that ends a capture normally (`| head`). */
    private static boolean stdoutIsPipe() {
        try {
            return Files.readSymbolicLink(Path.of("/proc/self/fd/1")).toString().startsWith("pipe:");
        } catch (IOException | UnsupportedOperationException e) {
            return false;
        }
    }
}
