package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A machine without libpcap, made by hiding the library in a private mount namespace (each of its files covered by
 * /dev/null, so dlopen fails as if it were missing): an expression says which package to install, in one line; a
 * capture without one does not need the library at all.
 */
class WithoutLibpcapIT {
    /**
     * Covers every regular libpcap file of the multiarch directories (the symlinks then lead to /dev/null too), then
     * runs the command; exits 99 when there is nothing to cover.
     */
    private static final String HIDE = "for f in /usr/lib/*-linux-gnu/libpcap.so*; do [ -L \"$f\" ] || "
            + "mount --bind /dev/null \"$f\" || exit 99; done; exec \"$0\" \"$@\"";
    private static final String MESSAGE = "xdpdump: libpcap is not installed (apt-get install libpcap0.8)";

    private static String[] withoutLibpcap(String... command) {
        List<String> out = new ArrayList<>(List.of("unshare", "--mount", "sh", "-c", HIDE));
        out.addAll(List.of(command));
        return out.toArray(String[]::new);
    }

    @Test
    void anExpressionSaysWhichPackageToInstall() throws Exception {
        for (String[] args : List.of(new String[] {"-d", "tcp port 80"}, new String[] {"-i", "lo", "json", "tcp"})) {
            List<String> command = new ArrayList<>(List.of(Lab.launcher()));
            command.addAll(List.of(args));
            Command.Result run = Command.run(withoutLibpcap(command.toArray(String[]::new)));
            assertEquals(1, run.exitCode(), run.describe());
            assertEquals(1, run.stderrLines().size(), run.stderr());
            assertTrue(run.stderrLines().get(0).startsWith(MESSAGE), run.stderr());
            assertEquals("", run.stdoutText(), "nothing printed before the refusal");
        }
    }

    @Test
    void aCaptureWithoutAnExpressionDoesNotNeedIt() throws Exception {
        try (VethLab lab = Lab.create()) {
            WatchedProcess xdpdump = WatchedProcess.startIn(lab.captureNamespace(),
                    withoutLibpcap(Lab.launcher(), "-i", lab.captureInterface(), "-c", "2", "json"));
            try (xdpdump) {
                xdpdump.awaitStderrLine("listening on ", Xdpdump.START_TIMEOUT);
                try (SynBurst burst = SynBurst.start(lab, 1, 2, Duration.ofSeconds(10))) {
                    assertEquals(0, xdpdump.awaitExit(Duration.ofSeconds(15)), String.join("\n",
                            xdpdump.stderrLines()));
                }
                assertEquals(2, xdpdump.stdoutText().lines().count(), xdpdump.stdoutText());
            }
        }
    }
}
