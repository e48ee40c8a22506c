package dev.xdpdump.sys;

/** Undoes an inherited "ignore" on a signal, so the JVM will let the program handle it. */
public final class SignalDisposition {
    public static final int SIGINT = 2;
    public static final int SIGTERM = 15;
    private static final long SIG_DFL = 0;

    private SignalDisposition() {}

    /**
     * Sets {@code signal} back to its default action. Shells start background jobs (`xdpdump ... &` in a script)
     * with SIGINT ignored, and the JVM refuses to install a handler over a signal that was ignored at launch, so
     * without this `kill -INT` would not stop such a capture. Call before {@code sun.misc.Signal.handle}.
     */
    public static void restoreDefault(int signal) {
        Native.LIBC.signal(signal, SIG_DFL);
    }
}
