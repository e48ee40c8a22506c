package dev.xdpdump.sys;

/** Interface names and indexes in the calling thread's network namespace; {@link InterfaceWatch} for state. */
public final class Interfaces {
    private static final int IFNAMSIZ = 16;

    private Interfaces() {}

    /** The interface's index, or 0 when no interface has that name. Allocates: for start-up, not for timers. */
    public static int indexOf(String name) {
        if (name.isEmpty() || name.length() >= IFNAMSIZ) {
            return 0; // the kernel could not hold such a name
        }
        return Native.LIBC.if_nametoindex(name);
    }
}
