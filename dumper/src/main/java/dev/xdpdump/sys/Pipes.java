package dev.xdpdump.sys;

import jnr.ffi.Pointer;

/** Facts about a pipe we write to. */
public final class Pipes {
    private static final short POLLERR = 0x008;
    private static final short POLLHUP = 0x010;

    private Pipes() {}

    /**
     * True when every reader of the pipe behind {@code fd} has gone (`| head` exited). Asks poll(2) without waiting:
     * the write end reports POLLERR then, so an idle capture learns it without having to write and fail.
     */
    public static boolean readerGone(int fd) {
        Pointer pollfd = Native.scratch(8); // struct pollfd {int fd; short events; short revents;}
        pollfd.putInt(0, fd);
        int ready = Native.LIBC.poll(pollfd.address(), 1, 0);
        return ready > 0 && (pollfd.getShort(6) & (POLLERR | POLLHUP)) != 0;
    }
}
