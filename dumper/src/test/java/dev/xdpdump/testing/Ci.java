package dev.xdpdump.testing;

import org.junit.jupiter.api.Assumptions;

/**
 * The one answer to "are we in CI", and the one way a test may give up. Under CI a test that cannot run fails, so
 * no test passes by not running; on a developer's machine it skips with the same reason. Tests never call
 * {@link Assumptions} themselves ({@code CiTest} checks).
 */
public final class Ci {
    private Ci() {}

    /** True when the environment variable CI is set to anything but the empty string or {@code false}. */
    public static boolean running() {
        return isCiValue(System.getenv("CI"));
    }

    static boolean isCiValue(String value) {
        return value != null && !value.isEmpty() && !value.equals("false");
    }

    /** Skips the calling test with {@code reason}; under CI fails it instead (throws AssertionError). */
    public static void skipOrFail(String reason) {
        if (running()) {
            throw new AssertionError("CI=" + System.getenv("CI") + ", so this test may not skip: " + reason);
        }
        Assumptions.abort(reason);
    }

    /** Returns when {@code condition} holds; otherwise {@link #skipOrFail(String)}. */
    public static void require(boolean condition, String reason) {
        if (!condition) {
            skipOrFail(reason);
        }
    }
}
