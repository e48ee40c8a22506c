package dev.xdpdump.testing;

import dev.xdpdump.sys.Capabilities;

import java.util.List;

/**
 * Gate for tests that need root. On a developer's machine without privileges they skip with a message; under CI
 * ({@link Ci#running()}) a missing privilege fails the test, so a kernel or end-to-end test can never pass by not
 * running.
 */
public final class Privileges {
    private Privileges() {}

    public static void requireCaptureCapabilities() {
        List<String> missing = Capabilities.current().missingForCapture();
        if (missing.isEmpty()) {
            return;
        }
        Ci.skipOrFail("needs " + String.join(", ", missing) + " (run as root: sudo mvn verify)");
    }
}
