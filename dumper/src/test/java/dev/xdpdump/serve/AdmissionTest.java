package dev.xdpdump.serve;

import dev.xdpdump.sys.PeerCredentials;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class AdmissionTest {
    /** A pid that no process has: its supplementary groups cannot be read. */
    private static final int NO_PROCESS = Integer.MAX_VALUE;

    @Test
    void rootTheServersUserAndTheGroupAreServedAndNobodyElse() {
        Admission admission = new Admission(65534, 4242, "xdpdump");
        assertNull(admission.refusal(new PeerCredentials(NO_PROCESS, 0, 0)), "root");
        assertNull(admission.refusal(new PeerCredentials(NO_PROCESS, 65534, 1)), "the server's user");
        assertNull(admission.refusal(new PeerCredentials(NO_PROCESS, 1000, 4242)), "primary group");
        assertEquals("uid 1000 is not root, the server's user (uid 65534) or in group xdpdump",
                admission.refusal(new PeerCredentials(NO_PROCESS, 1000, 1000)));
        assertEquals("uid 1000 is not root, the server's user (uid 0)",
                new Admission(0, -1, null).refusal(new PeerCredentials(NO_PROCESS, 1000, 1000)));
    }

    @Test
    void aSupplementaryGroupOfTheConnectingProcessCounts() throws Exception {
        long self = ProcessHandle.current().pid();
        String groups = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Groups:")).findFirst().orElseThrow().substring(7).trim();
        if (groups.isEmpty()) {
            return; // this process has no supplementary groups to test with
        }
        int gid = Integer.parseInt(groups.split("\\s+")[0]);
        Admission admission = new Admission(65534, gid, "g");
        assertNull(admission.refusal(new PeerCredentials((int) self, 1000, 1000)),
                "gid " + gid + " is one of this process's groups (" + groups + ")");
    }
}
