package dev.xdpdump.sys;

/** Interface names and indexes in the calling thread's network namespace. */
public final class Interfaces {
    private Interfaces() {}

    /** The interface's index, or 0 when no interface has that name. */
    public static int indexOf(String name) {
        if (name.isEmpty() || name.length() >= 16) {
            return 0; // IFNAMSIZ: the kernel could not hold such a name
        }
        return Native.LIBC.if_nametoindex(name);
    }
}
