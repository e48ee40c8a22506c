package dev.xdpdump.testing;

import dev.xdpdump.sys.Capabilities;
import org.junit.jupiter.api.Assumptions;

import java.util.List;

/**
 * Gate for tests that need root. On a developer's machine without privileges they skip with a message; in CI
 * (CI=true) a missing privilege fails the test, so a kernel or end-to-end test can never pass by not running.
 */
public final class Privileges {
    private Privileges() {}

    public static void requireCaptureCapabilities() {
        List<String> missing = Capabilities.current().missingForCapture();
        if (missing.isEmpty()) {
            return;
        }
        String message = "needs " + String.join(", ", missing) + " (run as root: sudo mvn verify)";
        if ("true".equals(System.getenv("CI"))) {
            throw new AssertionError("CI=true but this test lacks privileges: " + message);
        }
        Assumptions.abort(message);
    }
}
