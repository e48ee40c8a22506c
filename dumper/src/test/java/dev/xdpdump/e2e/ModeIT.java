package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.sys.DriverInfo;
import dev.xdpdump.sys.NetNamespace;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the program runs: by default in the mode that costs the watched traffic least (tc ingress on veth, after GRO;
 * generic XDP runs on every skb before GRO and native XDP copies every packet), generic or native when asked for, and
 * the listening line names the hook either way.
 */
class ModeIT {
    @Test
    void vethIsAVirtualDeviceWithoutABusAddress() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create()) {
            DriverInfo driver;
            try (NetNamespace ignored = NetNamespace.enter(lab.captureNamespace())) {
                driver = DriverInfo.of(lab.captureInterface());
            }
            assertEquals(new DriverInfo("veth", ""), driver);
            assertFalse(driver.onBus());
        }
    }

    @Test
    void defaultModeOnVethIsTcIngressAndVerboseSaysWhy() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create(); WatchedProcess xdpdump = Xdpdump.listening(lab, "-v", "json")) {
            String stderr = xdpdump.stderrText();
            assertTrue(stderr.contains("listening on " + lab.captureInterface() + " (ifindex "), stderr);
            assertTrue(stderr.contains(", tc ingress), snapshot length 256 bytes"), stderr);
            assertTrue(stderr.contains("xdpdump: auto mode chose tc ingress: " + lab.captureInterface()
                    + " is a virtual device (driver veth)"), stderr);
            assertFalse(Lab.linkDetails(lab).contains("prog/xdp"), "nothing at the XDP hook:\n" + Lab.linkDetails(lab));
            assertEquals(1, Lab.tcxProgramIds(lab).length, "one program at tcx ingress");
            Lab.attempt(lab, Lab.MIXED);
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            assertCapturedMixed(lab, xdpdump.stdoutText());
        }
    }

    @Test
    void genericModeIsStillThereForThoseWhoAskForIt() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "--mode", "generic", "json")) {
            assertTrue(xdpdump.stderrText().contains(", xdp generic), snapshot length"), xdpdump.stderrText());
            assertTrue(Lab.linkDetails(lab).contains("xdpgeneric"), Lab.linkDetails(lab));
            assertEquals(0, Lab.tcxProgramIds(lab).length, "nothing at tcx ingress");
            Lab.attempt(lab, Lab.MIXED);
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            assertCapturedMixed(lab, xdpdump.stdoutText());
        }
    }

    @Test
    void defaultModeSaysNothingAboutItsChoiceWithoutVerbose() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create(); WatchedProcess xdpdump = Xdpdump.listening(lab, "json")) {
            assertFalse(xdpdump.stderrText().contains("auto mode"), xdpdump.stderrText());
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
        }
    }

    @Test
    void nativeModeIsStillThereForThoseWhoAskForIt() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "--mode", "native", "json")) {
            assertTrue(xdpdump.stderrText().contains(", xdp native), snapshot length"), xdpdump.stderrText());
            assertTrue(Lab.linkDetails(lab).contains("xdp "), Lab.linkDetails(lab));
            Lab.attempt(lab, Lab.MIXED);
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            assertCapturedMixed(lab, xdpdump.stdoutText());
        }
    }

    /** One JSON line per attempt of {@link Lab#MIXED}, each with its addresses, ports, flags and lengths. */
    private static void assertCapturedMixed(VethLab lab, String json) {
        List<String> lines = json.lines().toList();
        assertEquals(Lab.MIXED.size(), lines.size(), json);
        for (Lab.Attempt attempt : Lab.MIXED) {
            String line = lines.stream().filter(l -> l.contains("\"sport\":" + attempt.sourcePort() + ","))
                    .findFirst().orElseThrow(() -> new AssertionError("no event for " + attempt + " in " + json));
            int length = attempt.ipVersion() == 6 ? 94 : 74;
            for (String field : List.of("\"src\":\"" + attempt.sourceAddress() + "\"",
                    "\"dst\":\"" + attempt.address() + "\"", "\"sport\":" + attempt.sourcePort() + ",",
                    "\"dport\":" + attempt.port() + ",", "\"flags\":\"S\"", "\"ip\":" + attempt.ipVersion() + ",",
                    "\"iface\":\"" + lab.captureInterface() + "\"", "\"len\":" + length + ",",
                    "\"caplen\":" + length + ",")) {
                assertTrue(line.contains(field), field + " in " + line);
            }
        }
    }
}
