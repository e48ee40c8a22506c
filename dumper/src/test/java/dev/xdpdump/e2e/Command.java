package dev.xdpdump.e2e;

import dev.xdpdump.testing.Ci;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.fail;

/** Runs a short command to completion, reading both its outputs; a command that outlives its timeout is killed. */
final class Command {
    static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(20);

    record Result(List<String> command, int exitCode, byte[] stdout, String stderr) {
        String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        /** The non-empty lines of stderr. */
        List<String> stderrLines() {
            return stderr.lines().filter(line -> !line.isBlank()).toList();
        }

        /** What to print when an assertion on this result fails. */
        String describe() {
            return String.join(" ", command) + " exited " + exitCode + "; stderr:\n" + stderr;
        }
    }

    private Command() {}

    /**
     * Skips the test when a tool it reads output with is not installed; in CI (CI=true) fails it instead, so an
     * end-to-end test can never pass by not running.
     */
    static void requireInstalled(String path) {
        Ci.require(java.nio.file.Files.isExecutable(java.nio.file.Path.of(path)), path + " is not installed");
    }

    static Result run(String... command) throws IOException, InterruptedException {
        return run(DEFAULT_TIMEOUT, null, command);
    }

    /** Runs {@code command} with {@code stdin} (or nothing) on its input. Fails the test on a timeout. */
    static Result run(Duration timeout, byte[] stdin, String... command) throws IOException, InterruptedException {
        List<String> words = new ArrayList<>(Arrays.asList(command));
        Process process = new ProcessBuilder(words).start();
        CompletableFuture<byte[]> stdout = readAsync(process.getInputStream());
        CompletableFuture<byte[]> stderr = readAsync(process.getErrorStream());
        try (var in = process.getOutputStream()) {
            if (stdin != null) {
                in.write(stdin);
            }
        } catch (IOException e) {
            // The command did not read all of its input; its exit status and output will say why.
        }
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly();
            process.waitFor(5, TimeUnit.SECONDS);
            fail(String.join(" ", words) + " did not finish in " + timeout.toSeconds() + " s");
        }
        return new Result(words, process.exitValue(), stdout.join(),
                new String(stderr.join(), StandardCharsets.UTF_8));
    }

    static CompletableFuture<byte[]> readAsync(InputStream in) {
        CompletableFuture<byte[]> bytes = new CompletableFuture<>();
        Thread reader = new Thread(() -> {
            try (in) {
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                in.transferTo(out);
                bytes.complete(out.toByteArray());
            } catch (IOException e) {
                bytes.completeExceptionally(new UncheckedIOException(e));
            }
        }, "command-output");
        reader.setDaemon(true);
        reader.start();
        return bytes;
    }
}
