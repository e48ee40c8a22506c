package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.sys.DriverInfo;
import dev.xdpdump.sys.NetNamespace;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the program runs: by default in the mode that costs the watched traffic least (generic on veth, whose native
 * XDP copies every packet), native when asked for, and the listening line names the mode either way.
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
    void defaultModeOnVethIsGenericAndVerboseSaysWhy() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create(); WatchedProcess xdpdump = Xdpdump.listening(lab, "-v", "json")) {
            String stderr = xdpdump.stderrText();
            assertTrue(stderr.contains("listening on " + lab.captureInterface() + " (ifindex "), stderr);
            assertTrue(stderr.contains(", xdp generic), snapshot length 256 bytes"), stderr);
            assertTrue(stderr.contains("xdpdump: auto mode chose generic: " + lab.captureInterface()
                    + " is a virtual device (driver veth)"), stderr);
            assertTrue(Lab.linkDetails(lab).contains("xdpgeneric"), Lab.linkDetails(lab));
            Lab.attempt(lab, Lab.MIXED);
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            assertEquals(4, xdpdump.stdoutText().lines().count(), xdpdump.stdoutText());
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
            assertEquals(4, xdpdump.stdoutText().lines().count(), xdpdump.stdoutText());
        }
    }
}
