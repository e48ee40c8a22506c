package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * xdpdump's program on the interface, at tc ingress (the default on veth) or at the XDP hook: gone when xdpdump dies,
 * and never put in place of, or next to, someone else's.
 */
class AttachmentIT {
    private static final Pattern ANY_XDP = Pattern.compile("\\bxdp(generic|drv|offload)?\\b|prog/xdp");
    private static final Duration DETACH_TIMEOUT = Duration.ofSeconds(3);
    private static final int MAX_DETACH_CHECKS = 100;

    @ParameterizedTest(name = "--mode {0}")
    @ValueSource(strings = {"auto", "generic"})
    void sigkillLeavesNoProgramAttachedAndANewCaptureCanAttach(String mode) throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create()) {
            try (WatchedProcess xdpdump = Xdpdump.listening(lab, "--mode", mode, "json")) {
                String command = ProcessHandle.of(xdpdump.pid()).flatMap(p -> p.info().command()).orElse("?");
                assertTrue(command.endsWith("/java"), "ip netns exec and bin/xdpdump both exec: the pid is java's,"
                        + " not " + command);
                assertNotEquals(-1, Lab.attachedProgramId(lab), "attached while listening:\n" + Lab.linkDetails(lab));
                xdpdump.kill();
                assertEquals(128 + 9, xdpdump.awaitExit(Xdpdump.STOP_TIMEOUT));
            }
            assertNothingAttachedWithin(lab, DETACH_TIMEOUT);

            try (WatchedProcess again = Xdpdump.listening(lab, "json")) {
                Lab.attempt(lab, Lab.MIXED.subList(0, 1));
                assertEquals(0, Xdpdump.interrupt(again), again.stderrText());
                assertEquals(1, again.stdoutText().lines().count(), again.stdoutText());
            }
        }
    }

    @Test
    void programAttachedByIpIsNamedAndLeftInPlace() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create()) {
            lab.ip("-n", lab.captureNamespace(), "link", "set", "dev", lab.captureInterface(), "xdpgeneric", "obj",
                    Lab.repository().resolve("capture-bpf/xdpdump.bpf.o").toString(), "sec", "xdp");
            int id = Lab.attachedProgramId(lab);
            assertNotEquals(-1, id, Lab.linkDetails(lab));

            Command.Result refused = Xdpdump.run(lab.captureNamespace(), "-i", lab.captureInterface(), "json");
            assertRefusal(refused, lab, id);
            assertEquals(id, Lab.attachedProgramId(lab), "the other program stays attached");
        }
    }

    @Test
    void secondXdpdumpIsRefusedWhileTheFirstKeepsCapturing() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create(); WatchedProcess first = Xdpdump.listening(lab, "json")) {
            int id = Lab.attachedProgramId(lab);
            assertNotEquals(-1, id, Lab.linkDetails(lab));

            Command.Result refused = Xdpdump.run(lab.captureNamespace(), "-i", lab.captureInterface(), "json");
            assertRefusal(refused, lab, id);
            assertEquals(id, Lab.attachedProgramId(lab), "the first xdpdump's program stays attached");

            Lab.attempt(lab, Lab.MIXED.subList(0, 1));
            assertEquals(0, Xdpdump.interrupt(first), first.stderrText());
            List<String> lines = first.stdoutText().lines().toList();
            assertEquals(1, lines.size(), first.stdoutText());
            assertTrue(lines.get(0).contains("\"sport\":" + Lab.MIXED.get(0).sourcePort() + ","), lines.get(0));
        }
    }

    private static void assertRefusal(Command.Result refused, VethLab lab, int id) {
        assertEquals(1, refused.exitCode(), refused.describe());
        List<String> lines = refused.stderrLines();
        assertEquals(1, lines.size(), "one line:\n" + refused.stderr());
        String line = lines.get(0);
        assertTrue(line.startsWith("xdpdump: ") && line.contains(lab.captureInterface()) && line.contains("id " + id),
                "names the interface and program id " + id + ": " + line);
        assertFalse(refused.stderr().contains("Exception"), refused.stderr());
    }

    /** The kernel detaches a link's program when its last fd closes; waits for that, bounded. */
    private static void assertNothingAttachedWithin(VethLab lab, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String details = Lab.linkDetails(lab);
        int[] tcx = Lab.tcxProgramIds(lab);
        for (int i = 0; i < MAX_DETACH_CHECKS && (ANY_XDP.matcher(details).find() || tcx.length > 0)
                && System.nanoTime() < deadline; i++) {
            details = Lab.linkDetails(lab);
            tcx = Lab.tcxProgramIds(lab);
        }
        assertFalse(ANY_XDP.matcher(details).find(), "still attached " + timeout.toMillis() + " ms after SIGKILL:\n"
                + details);
        assertEquals(0, tcx.length, "tcx ingress programs " + timeout.toMillis() + " ms after SIGKILL");
    }
}
