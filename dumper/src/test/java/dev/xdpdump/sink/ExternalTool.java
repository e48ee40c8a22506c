package dev.xdpdump.sink;

import dev.xdpdump.testing.Ci;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Runs an installed tool (hexdump, jq, tcpdump) on test output. A test that needs a missing tool skips, and fails
 * under CI ({@link Ci#running()}).
 */
final class ExternalTool {
    record Result(int exitCode, byte[] stdout, String stderr) {
        String stdoutText() {
            return new String(stdout, StandardCharsets.UTF_8);
        }
    }

    private ExternalTool() {}

    static void requireInstalled(String path) {
        Ci.require(Files.isExecutable(Path.of(path)), path + " is not installed");
    }

    static Result run(List<String> command, byte[] stdin) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).start();
        // Read both streams while writing, so a chatty tool cannot block on a full pipe.
        CompletableFuture<byte[]> stdout = CompletableFuture.supplyAsync(() -> readAll(process.getInputStream()));
        CompletableFuture<byte[]> stderr = CompletableFuture.supplyAsync(() -> readAll(process.getErrorStream()));
        try (var in = process.getOutputStream()) {
            in.write(stdin);
        }
        assertTrue(process.waitFor(30, TimeUnit.SECONDS), command + " did not finish");
        return new Result(process.exitValue(), stdout.join(), new String(stderr.join(), StandardCharsets.UTF_8));
    }

    private static byte[] readAll(InputStream in) {
        try (in) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            in.transferTo(out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
