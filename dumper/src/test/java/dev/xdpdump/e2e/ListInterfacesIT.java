package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code xdpdump -D}: every interface of the namespace, and what is attached where xdpdump would attach. */
class ListInterfacesIT {
    @Test
    void listsABusyAndAFreeInterfaceWithTheAttachedProgram() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create()) {
            String ns = lab.captureNamespace();
            String iface = lab.captureInterface();
            Command.Result free = Xdpdump.run(ns, "-D");
            assertEquals(0, free.exitCode(), free.describe());
            List<String> lines = free.stdoutText().lines().toList();
            assertTrue(lines.stream().anyMatch(l -> l.matches("1\\.lo \\[(up|down)\\] free")), free.stdoutText());
            assertTrue(lines.stream().anyMatch(l -> l.matches("\\d+\\." + Pattern.quote(iface) + " \\[up\\] free")),
                    free.stdoutText());

            lab.ip("-n", ns, "link", "set", "dev", iface, "xdpgeneric", "obj",
                    Lab.repository().resolve("capture-bpf/xdpdump.bpf.o").toString(), "sec", "xdp");
            int id = Lab.attachedProgramId(lab);
            Command.Result busy = Xdpdump.run(ns, "-D");
            assertEquals(0, busy.exitCode(), busy.describe());
            assertTrue(busy.stdoutText().lines().anyMatch(l -> l.matches("\\d+\\." + Pattern.quote(iface)
                    + " \\[up\\] xdp generic: id " + id + " xdpdump_capture")), busy.stdoutText());
            lab.ip("-n", ns, "link", "set", "dev", iface, "xdpgeneric", "off");

            try (WatchedProcess capture = Xdpdump.listening(lab, "json")) {
                Command.Result tc = Xdpdump.run(ns, "-D");
                assertEquals(0, tc.exitCode(), tc.describe());
                assertTrue(tc.stdoutText().lines().anyMatch(l -> l.matches("\\d+\\." + Pattern.quote(iface)
                        + " \\[up\\] tc ingress: id \\d+ xdpdump_capture")), tc.stdoutText());
                assertEquals(0, Xdpdump.interrupt(capture), capture.stderrText());
            }
        }
    }
}
