package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Starts {@code bin/xdpdump} the way a user does, inside a lab's capture namespace. */
final class Xdpdump {
    static final Duration START_TIMEOUT = Duration.ofSeconds(10);
    static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

    private Xdpdump() {}

    /** Starts capturing on the lab's capture interface with {@code args} and returns once it says `listening on`. */
    static WatchedProcess listening(VethLab lab, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("-i", lab.captureInterface()));
        command.addAll(List.of(args));
        return listeningIn(lab.captureNamespace(), command.toArray(String[]::new));
    }

    /**
     * Starts {@code bin/xdpdump ARGS} in {@code namespace}, interfaces and all given by {@code args}, and returns once
     * it says `listening on`.
     */
    static WatchedProcess listeningIn(String namespace, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Lab.launcher()));
        command.addAll(List.of(args));
        WatchedProcess xdpdump = WatchedProcess.startIn(namespace, command.toArray(String[]::new));
        try {
            xdpdump.awaitStderrLine("listening on ", START_TIMEOUT);
            return xdpdump;
        } catch (RuntimeException | Error | InterruptedException e) {
            xdpdump.close();
            throw e;
        }
    }

    /**
     * Starts {@code bin/xdpdump -i IF ARGS | CONSUMER} under bash in the lab's capture namespace and returns once
     * xdpdump says `listening on`. No word is parsed by the shell; its last stderr line is
     * {@code pipestatus XDPDUMP CONSUMER}. xdpdump's own pid is {@code shell.descendantPid("/java")}.
     */
    static WatchedProcess piped(VethLab lab, List<String> consumer, String... args)
            throws IOException, InterruptedException {
        String script = String.join("\n",
                "n=$1; shift",
                "\"$0\" \"${@:n+1}\" | \"${@:1:n}\"",
                "echo \"pipestatus ${PIPESTATUS[0]} ${PIPESTATUS[1]}\" >&2");
        List<String> command = new ArrayList<>(List.of("bash", "-c", script, Lab.launcher(),
                Integer.toString(consumer.size())));
        command.addAll(consumer);
        command.addAll(List.of("-i", lab.captureInterface()));
        command.addAll(List.of(args));
        WatchedProcess shell = WatchedProcess.startIn(lab.captureNamespace(), command.toArray(String[]::new));
        try {
            shell.awaitStderrLine("listening on ", START_TIMEOUT);
            return shell;
        } catch (RuntimeException | Error | InterruptedException e) {
            shell.close();
            throw e;
        }
    }

    /** Stops a capture by SIGINT, as Ctrl-C does, and returns its exit status. */
    static int interrupt(WatchedProcess xdpdump) throws IOException, InterruptedException {
        xdpdump.interrupt();
        return xdpdump.awaitExit(STOP_TIMEOUT);
    }

    /** Runs {@code bin/xdpdump ARGS} in {@code namespace} (null: this one) to its end. */
    static Command.Result run(String namespace, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        if (namespace != null) {
            command.addAll(List.of("ip", "netns", "exec", namespace));
        }
        command.add(Lab.launcher());
        command.addAll(List.of(args));
        return Command.run(Command.DEFAULT_TIMEOUT, null, command.toArray(String[]::new));
    }
}
