package dev.xdpdump.cli;

import dev.xdpdump.bpf.Attachment;
import dev.xdpdump.filter.FilterExpression;
import dev.xdpdump.pcapfile.BadExpressionException;
import dev.xdpdump.pcapfile.CaptureFile;
import dev.xdpdump.pcapfile.UnreadableCaptureException;
import dev.xdpdump.pipeline.Capture;
import dev.xdpdump.pipeline.Replay;
import dev.xdpdump.pipeline.Run;
import dev.xdpdump.pipeline.StopSignal;
import dev.xdpdump.pipeline.Summary;
import dev.xdpdump.pipeline.Supervisor;
import dev.xdpdump.sink.InterfaceNames;
import dev.xdpdump.sink.Output;
import dev.xdpdump.kafka.BrokerUnreachableException;
import dev.xdpdump.kafka.KafkaSink;
import dev.xdpdump.sink.OutputFormat;
import dev.xdpdump.sink.Rotation;
import dev.xdpdump.sink.UnwritableOutputException;
import dev.xdpdump.sys.Capabilities;
import dev.xdpdump.sys.UserAccount;
import dev.xdpdump.serve.ServingSink;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.InterfaceWatch;
import dev.xdpdump.sys.Interfaces;
import dev.xdpdump.sys.SignalDisposition;
import sun.misc.Signal;

import java.io.IOException;
import java.io.PrintStream;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

/** {@code xdpdump [-i IFACE] [hex|json|-w FILE] ...}: capture until a signal, {@code -c}, or the output closes. */
final class CaptureCommand {
    private final Options options;
    private final PrintStream err;
    private FilterExpression kernelFilter;

    CaptureCommand(Options options, PrintStream err) {
        this.options = options;
        this.err = err;
    }

    int run() throws ErrnoException, IOException, CaptureFailure, UsageException {
        String expression = Expressions.text(options);
        account(); // a user -Z cannot become says so before anything starts
        if (options.readFile() != null) {
            replay(expression, new StopSignal());
            return Main.OK;
        }
        kernelFilter(); // a bad expression says so before anything needs privileges
        requireCapabilities();
        List<String> names = options.interfaces().isEmpty() ? List.of(defaultInterface()) : options.interfaces();
        List<Capture.Target> targets = new ArrayList<>();
        for (String name : names) {
            int ifindex = Interfaces.indexOf(name);
            if (ifindex == 0) {
                throw new CaptureFailure("unknown interface '" + name + "'; pick one of: " + upInterfaces()
                        + " (see 'ip link')");
            }
            targets.add(new Capture.Target(name, ifindex));
        }
        capture(targets, new StopSignal(), () -> { });
        return Main.OK;
    }

    /**
     * Captures on interfaces of the calling thread's network namespace until {@code stop} is requested (by a signal,
     * {@code -c}, the output, or the caller), or until none is left, then prints the summary and returns it.
     *
     * @param onListening runs once the program is attached and the reader waits for events
     * @throws CaptureFailure when capture ended badly (output failed, interfaces gone, reader failed)
     */
    Summary capture(List<Capture.Target> targets, StopSignal stop, Runnable onListening)
            throws ErrnoException, IOException, CaptureFailure, UsageException {
        List<InterfaceWatch> watches = new ArrayList<>();
        try {
            for (Capture.Target target : targets) {
                InterfaceWatch watch = new InterfaceWatch(target.name(), target.ifindex());
                watches.add(watch);
                InterfaceWatch.State state = watch.check();
                if (state == InterfaceWatch.State.DOWN) {
                    throw new CaptureFailure("interface " + target.name() + " is down; bring it up first (ip link set "
                            + target.name() + " up)");
                }
                if (state == InterfaceWatch.State.GONE) {
                    throw new CaptureFailure("interface " + target.name() + " went away before capture started; pick"
                            + " one from 'ip link'");
                }
            }
            return captureWhileWatching(watches, targets, stop, onListening);
        } finally {
            watches.forEach(InterfaceWatch::close);
        }
    }

    private Summary captureWhileWatching(List<InterfaceWatch> watches, List<Capture.Target> targets, StopSignal stop,
                                         Runnable onListening)
            throws ErrnoException, IOException, CaptureFailure, UsageException {
        Map<Integer, String> byIndex = new HashMap<>();
        targets.forEach(t -> byIndex.put(t.ifindex(), t.name()));
        Plans plans = plans(InterfaceNames.of(byIndex));
        FilterExpression filter = kernelFilter();
        Capture.Settings settings = new Capture.Settings(targets, options.mode(), options.snapLength(),
                options.ringBytesPerCpu(), options.count(), filter == null ? null : filter.instructions(),
                !options.unordered());
        handleSignals(stop);
        try (Capture capture = Capture.start(settings, plans.outputs(), stop)) {
            becomeUser();
            if (options.serving() != null && options.user() == null && serverUid() == 0) {
                err.println("xdpdump: serving " + options.serving().path() + " while running privileged (as root);"
                        + " -Z USER drops the privileges once the socket is bound");
            }
            if (!capture.program().handlesFrags()) {
                err.println("xdpdump: this kernel does not take the XDP multi-buffer (frags) flag; drivers with a"
                        + " jumbo MTU refuse native mode (Linux 5.18 or newer takes it)");
            }
            List<String> listening = new ArrayList<>();
            for (int i = 0; i < targets.size(); i++) {
                Attachment link = capture.link(i);
                if (link.fellBack() || options.verbose()) {
                    err.println("xdpdump: " + link.reason());
                }
                listening.add(targets.get(i).name() + " (ifindex " + targets.get(i).ifindex() + ", "
                        + link.mode().hook() + ")");
            }
            if (filter != null && options.verbose()) {
                err.println("xdpdump: filter '" + filter.text() + "': " + filter.classicLength()
                        + " classic instructions from libpcap, " + filter.ebpfLength() + " eBPF in the kernel (-d"
                        + " prints them)");
            }
            err.println("listening on " + String.join(", ", listening) + ", snapshot length " + options.snapLength()
                    + " bytes");
            err.flush();
            onListening.run();
            String[] lastLost = {targets.get(0).name()};
            Supervisor.InterfaceLost onLost = (i, state, last) -> {
                capture.detach(i);
                lastLost[0] = targets.get(i).name();
                if (!last) {
                    err.println("xdpdump: interface " + targets.get(i).name() + (state == InterfaceWatch.State.GONE
                            ? " went away" : " went down") + " while capturing; capturing on the others");
                    err.flush();
                }
            };
            return supervise(capture, stop, watches, onLost, plans.stdoutPipe(), () -> lastLost[0]);
        }
    }

    /**
     * {@code -r FILE}: the file's connection requests, through the same selection and outputs as a live capture.
     * Needs no privileges.
     */
    private Summary replay(String expression, StopSignal stop) throws ErrnoException, IOException, CaptureFailure,
            UsageException {
        CaptureFile file;
        try {
            file = CaptureFile.open(options.readFile(), expression);
        } catch (UnreadableCaptureException e) {
            throw new CaptureFailure(e.getMessage() + "; check the path (tcpdump -r reads the same files)", e);
        } catch (BadExpressionException e) {
            throw new UsageException(e.getMessage() + " (see pcap-filter(7))");
        }
        Plans plans = plans(InterfaceNames.none());
        handleSignals(stop);
        try (Replay replay = Replay.start(file, plans.outputs(), options.count(), options.snapLength(), stop)) {
            becomeUser();
            err.println("reading from file " + file.name() + ", link-type EN10MB (Ethernet), snapshot length "
                    + options.snapLength() + " bytes");
            err.flush();
            return supervise(replay, stop, List.of(), (i, state, last) -> { }, plans.stdoutPipe(), file::name);
        }
    }

    /** The uid the server runs as once started: -Z's user, or the one it was started as. */
    private int serverUid() throws IOException {
        UserAccount account;
        try {
            account = account();
        } catch (UsageException e) {
            throw new IOException(e.getMessage(), e);
        }
        return account != null ? account.uid()
                : (int) Files.getAttribute(Path.of("/proc/self"), "unix:uid", LinkOption.NOFOLLOW_LINKS);
    }

    /** {@code -Z}'s account, or null without {@code -Z}. */
    private UserAccount account() throws UsageException {
        if (options.user() == null) {
            return null;
        }
        UserAccount account = UserAccount.named(options.user());
        if (account == null) {
            throw new UsageException("-Z " + options.user() + ": no such user (see getent passwd)");
        }
        return account;
    }

    /**
     * {@code -Z}: called once every privileged descriptor is open (program, maps, rings, links, netlink and ioctl
     * sockets) and the outputs are open, so nothing after this needs a capability; files opened later are the
     * user's.
     */
    private void becomeUser() throws UsageException, CaptureFailure {
        UserAccount account = account();
        if (account == null) {
            return;
        }
        try {
            account.become();
        } catch (ErrnoException e) {
            throw new CaptureFailure("-Z " + account.name() + ": " + e.getMessage()
                    + "; xdpdump stops rather than go on with privileges", e);
        }
        if (options.verbose()) {
            err.println("xdpdump: running as " + account.name() + " (uid " + account.uid() + ", gid "
                    + account.gid() + ") from now on");
        }
    }

    /** The expression compiled for the kernel, or null for none; compiled once. */
    private FilterExpression kernelFilter() throws UsageException, CaptureFailure {
        if (kernelFilter == null) {
            String text = Expressions.text(options);
            kernelFilter = text == null ? null : Expressions.compile(text);
        }
        return kernelFilter;
    }

    /** The outputs to open, and which of them (if any) is a pipe on standard output. */
    private record Plans(List<Capture.OutputPlan> outputs, int stdoutPipe) {}

    private Plans plans(InterfaceNames names) throws CaptureFailure {
        List<Capture.OutputPlan> plans = new ArrayList<>();
        int stdoutPipe = -1;
        for (Options.OutputSpec spec : options.outputs()) {
            if (spec.toStdout() && stdoutIsPipe()) {
                stdoutPipe = plans.size();
            }
            plans.add(new Capture.OutputPlan(spec.name(), spec.format().word(), books -> spec.rotation() == null
                    ? spec.format().open(spec.target(), options.snapLength(), options.nanoseconds(), names,
                            options.jsonStats() && spec.format() == OutputFormat.JSON)
                    : spec.format().openRotating(spec.target(), spec.rotation(), rotated(spec),
                            options.snapLength(), options.nanoseconds(), names, books)));
        }
        if (options.kafka() != null) {
            plans.add(kafkaPlan(options.kafka(), names));
        }
        Options.Serving serving = options.serving();
        if (serving != null) {
            plans.add(new Capture.OutputPlan("socket " + serving.path(), "serve", books -> ServingSink.open(
                    Path.of(serving.path()), serving.group(), options.user(), serverUid(), serving.maxClients(),
                    options.snapLength(), options.nanoseconds(), names, err)));
        }
        return new Plans(plans, stdoutPipe);
    }

    /**
     * Connects to Kafka now, before anything is attached or any file opened, so a broker that is not there ends the
     * start with one line and leaves an existing -w file alone.
     */
    private Capture.OutputPlan kafkaPlan(Options.KafkaSpec spec, InterfaceNames names) throws CaptureFailure {
        String host = spec.hostId() != null ? spec.hostId() : KafkaHost.name();
        KafkaSink.Settings settings = new KafkaSink.Settings(spec.brokers(), spec.topic(),
                spec.statsTopic() != null ? spec.statsTopic() : spec.topic(), host, spec.producerOptions(),
                options.statsSeconds());
        KafkaSink sink;
        try {
            sink = KafkaSink.connect(settings, names);
        } catch (BrokerUnreachableException e) {
            throw new CaptureFailure(e.getMessage(), e);
        }
        return new Capture.OutputPlan("kafka topic " + spec.topic(), "kafka", books -> {
            sink.statsFrom(books);
            return sink;
        });
    }

    /**
     * What the user hears of a rotating output's files, on its sink's thread: with -v each file it closes, always
     * the last one -W allows with -G (tcpdump says "Maximum file limit reached").
     */
    private Rotation.Listener rotated(Options.OutputSpec spec) {
        return (closed, records, next) -> {
            if (next == null) {
                err.println("xdpdump: closed " + closed + " (" + records + " records), the last of the "
                        + spec.rotation().fileCount() + " files -W allows; "
                        + (options.outputs().size() > 1 ? "that output is complete" : "capture stopped"));
            } else if (options.verbose()) {
                err.println("xdpdump: rotated out " + closed + " (" + records + " records); now writing " + next);
            } else {
                return;
            }
            err.flush();
        };
    }

    private static void handleSignals(StopSignal stop) {
        SignalDisposition.restoreDefault(SignalDisposition.SIGINT);
        SignalDisposition.restoreDefault(SignalDisposition.SIGTERM);
        Signal.handle(new Signal("INT"), s -> stop.request(StopSignal.Reason.SIGNAL));
        Signal.handle(new Signal("TERM"), s -> stop.request(StopSignal.Reason.SIGNAL));
        // A closed terminal or a dropped ssh session ends the capture like SIGTERM, output flushed and books printed.
        // Under nohup SIGHUP stays ignored: the JVM installs no handler over a signal ignored at launch.
        Signal.handle(new Signal("HUP"), s -> stop.request(StopSignal.Reason.SIGNAL));
    }

    /** Waits for the run to end, then prints what the user needs to know and the books. */
    private Summary supervise(Run run, StopSignal stop, List<InterfaceWatch> watches, Supervisor.InterfaceLost onLost,
                              int stdoutPipe, Supplier<String> source) throws ErrnoException, CaptureFailure {
        Summary summary = new Supervisor(run, stop, watches, onLost, stdoutPipe, options.statsSeconds(), line -> {
            try {
                line.writeTo(err); // a PrintStream reports no errors: a closed terminal is ignored
            } catch (IOException e) {
                // not reached
            }
            err.flush();
        }).run();
        reportGivingUp(run);
        err.print(summary.toText(options.verbose()));
        err.flush();
        checkEnd(run, stop, source.get());
        return summary;
    }

    /** One line for each output the capture stopped waiting for, or one for a second signal. */
    private void reportGivingUp(Run capture) {
        if (capture.ending() == Capture.Ending.SECOND_SIGNAL) {
            err.println("xdpdump: second signal; stopped without waiting for the output (what it had not taken is"
                    + " counted below as left in the rings and not written)");
            return;
        }
        for (int i = 0; i < capture.outputCount(); i++) {
            if (capture.outputEnd(i) == Run.OutputEnd.GIVEN_UP) {
                err.println("xdpdump: " + capture.outputName(i) + " took no data for " + Capture.STALL_MILLIS / 1000
                        + " s; gave up on it (what it had not taken is counted below as not written)");
            }
        }
    }

    /** Turns how the capture ended into a failure for the exit status; a normal end returns. */
    private void checkEnd(Run capture, StopSignal stop, String name) throws CaptureFailure {
        CaptureFailure failed = null;
        for (int i = 0; i < capture.outputCount(); i++) {
            if (capture.outputEnd(i) != Run.OutputEnd.FAILED) {
                continue;
            }
            IOException cause = capture.outputFailure(i);
            String stopped = capture.outputCount() > 1 ? "that output stopped, the others went on"
                    : "capture stopped";
            String message;
            if (cause instanceof UnwritableOutputException next) {
                // A rotation could not open its next file: the ones before it are closed and complete.
                message = "writing " + capture.outputName(i) + " failed: cannot open the next file, " + next.target()
                        + ": " + next.reason() + "; " + stopped + ", the files before it are complete (pick a"
                        + " writable path)";
            } else {
                boolean full = cause != null && Output.classify(cause) == Output.Failure.NO_SPACE;
                message = "writing " + capture.outputName(i) + " failed: "
                        + (cause == null ? "unknown error" : cause.getMessage()) + "; " + stopped
                        + ", the output holds only complete records ("
                        + (full ? "free space or pick another path" : "check the device or pick another path") + ")";
            }
            CaptureFailure failure = new CaptureFailure(message, cause);
            if (failed == null) {
                failed = failure;
            } else {
                err.println("xdpdump: " + failure.getMessage());
            }
        }
        switch (stop.reason()) {
            case INTERFACE_DOWN -> throw new CaptureFailure("interface " + name + " went down while capturing; the"
                    + " output is complete up to that moment (ip link set " + name + " up, then capture again)");
            case INTERFACE_GONE -> throw new CaptureFailure("interface " + name + " went away while capturing; the"
                    + " output is complete up to that moment");
            case READER_FAILED -> throw new CaptureFailure(stop.cause() instanceof IOException
                    ? stop.cause().getMessage() + "; what was read before is written"
                    : "the reader failed: " + stop.cause() + " (run with -v for details)", stop.cause());
            default -> { }
        }
        if (failed != null) {
            throw failed;
        }
        if (stop.reason() == StopSignal.Reason.OUTPUT_FAILED && stop.cause() != null
                && !(stop.cause() instanceof IOException)) {
            throw new CaptureFailure("an output failed: " + stop.cause() + " (run with -v for details)",
                    stop.cause());
        }
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
