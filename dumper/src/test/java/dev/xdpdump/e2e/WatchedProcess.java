package dev.xdpdump.e2e;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A long-running command under test: its stdout collected as bytes and its stderr as lines, each on its own thread,
 * so it can never block on a full pipe. Stopped by signals sent to its own pid only; {@link #close} kills it (and
 * whatever it started) if it is still running, so a failing test leaves nothing behind.
 */
final class WatchedProcess implements AutoCloseable {
    private final List<String> command;
    private final Process process;
    private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    private final List<String> stderr = new ArrayList<>();
    private final Thread stdoutReader;
    private final Thread stderrReader;
    private boolean stderrEnded;

    private WatchedProcess(List<String> command) throws IOException {
        this.command = List.copyOf(command);
        this.process = new ProcessBuilder(command).start();
        process.getOutputStream().close();
        stdoutReader = daemon(() -> copyStdout(process.getInputStream()), "watched-stdout");
        stderrReader = daemon(() -> collectStderr(process.getErrorStream()), "watched-stderr");
    }

    static WatchedProcess start(String... command) throws IOException {
        return new WatchedProcess(List.of(command));
    }

    /** Runs {@code command} inside a network namespace through {@code ip netns exec}, which execs it: same pid. */
    static WatchedProcess startIn(String namespace, String... command) throws IOException {
        List<String> words = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        words.addAll(List.of(command));
        return new WatchedProcess(words);
    }

    private static Thread daemon(Runnable body, String name) {
        Thread thread = new Thread(body, name);
        thread.setDaemon(true);
        thread.start();
        return thread;
    }

    private void copyStdout(InputStream in) {
        byte[] chunk = new byte[8192];
        try (in) {
            for (int n; (n = in.read(chunk)) >= 0; ) {
                synchronized (stdout) {
                    stdout.write(chunk, 0, n);
                }
            }
        } catch (IOException e) {
            // The pipe closed with the process.
        }
    }

    private void collectStderr(InputStream in) {
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                synchronized (this) {
                    stderr.add(line);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // The pipe closed with the process.
        } finally {
            synchronized (this) {
                stderrEnded = true;
                notifyAll();
            }
        }
    }

    long pid() {
        return process.pid();
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /**
     * Waits for a stderr line starting with {@code prefix} and returns it; fails the test, showing stderr, when the
     * process closes stderr first or {@code timeout} passes.
     */
    String awaitStderrLine(String prefix, Duration timeout) throws InterruptedException {
        return awaitStderrLine(line -> line.startsWith(prefix), "one starting with '" + prefix + "'", timeout);
    }

    /** Waits for a stderr line that {@code wanted} accepts, described as {@code what} when none comes in time. */
    synchronized String awaitStderrLine(Predicate<String> wanted, String what, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int checked = 0;
        while (true) {
            for (; checked < stderr.size(); checked++) {
                if (wanted.test(stderr.get(checked))) {
                    return stderr.get(checked);
                }
            }
            long left = deadline - System.nanoTime();
            if (stderrEnded || left <= 0) {
                return fail((stderrEnded ? "stderr ended" : "no line in " + timeout.toMillis() + " ms")
                        + " before " + what + " from " + String.join(" ", command)
                        + "; stderr:\n" + String.join("\n", stderr));
            }
            TimeUnit.NANOSECONDS.timedWait(this, left);
        }
    }

    /** The pid of the one descendant whose executable path ends with {@code suffix}, e.g. "/java" in a pipeline. */
    long descendantPid(String suffix) {
        List<ProcessHandle> found = process.descendants()
                .filter(p -> p.info().command().map(c -> c.endsWith(suffix)).orElse(false)).toList();
        assertTrue(found.size() == 1, "one descendant ending with " + suffix + " under " + String.join(" ", command)
                + ", not " + found.size());
        return found.get(0).pid();
    }

    /** Sends SIGINT to this process (not to anything else). */
    void interrupt() throws IOException, InterruptedException {
        signal("-INT");
    }

    /** Sends SIGTERM to this process, as {@code kill PID} does. */
    void terminate() throws IOException, InterruptedException {
        signal("-TERM");
    }

    /** Sends SIGHUP to this process, as a closing terminal does. */
    void hangup() throws IOException, InterruptedException {
        signal("-HUP");
    }

    /** Sends SIGKILL to this process. */
    void kill() throws IOException, InterruptedException {
        signal("-KILL");
    }

    private void signal(String signal) throws IOException, InterruptedException {
        signal(process.pid(), signal);
    }

    /**
     * Sends {@code signal} ("-INT", "-STOP", ...) to {@code pid} only: a process this test started, or one of its
     * descendants found with {@link #descendantPid}.
     */
    static void signal(long pid, String signal) throws IOException, InterruptedException {
        Command.Result kill = Command.run("kill", signal, Long.toString(pid));
        assertTrue(kill.exitCode() == 0, kill.describe());
    }

    /** Waits up to {@code timeout} for {@code pid} (any process, not only a child) to end; true once it has. */
    static boolean awaitGone(long pid, Duration timeout) throws InterruptedException {
        Optional<ProcessHandle> handle = ProcessHandle.of(pid);
        if (handle.isEmpty()) {
            return true;
        }
        try {
            handle.get().onExit().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (java.util.concurrent.TimeoutException e) {
            return false;
        } catch (java.util.concurrent.ExecutionException e) {
            throw new AssertionError("waiting for pid " + pid + " to end", e);
        }
    }

    /** Waits for the process to end and its outputs to be read; fails the test when it runs past {@code timeout}. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            fail(String.join(" ", command) + " still runs " + timeout.toMillis() + " ms later; stderr:\n"
                    + stderrText());
        }
        stdoutReader.join(timeout.toMillis());
        stderrReader.join(timeout.toMillis());
        return process.exitValue();
    }

    /** True when the process ended within {@code timeout}. */
    boolean waitFor(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    byte[] stdout() {
        synchronized (stdout) {
            return stdout.toByteArray();
        }
    }

    String stdoutText() {
        return new String(stdout(), StandardCharsets.UTF_8);
    }

    synchronized List<String> stderrLines() {
        return List.copyOf(stderr);
    }

    synchronized String stderrText() {
        return String.join("\n", stderr);
    }

    /** Kills the process and its descendants (children it started, by pid) if still running. */
    @Override
    public void close() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        if (process.isAlive()) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
        }
    }
}
