package dev.xdpdump.sys;

/** Sole owner of one kernel file descriptor (bpf object, perf event, epoll, socket, namespace). Closes it once. */
public final class FileDescriptorHandle implements AutoCloseable {
    private final String what;
    private int fd;

    FileDescriptorHandle(String what, int fd) {
        this.what = what;
        this.fd = fd;
    }

    /** The raw number, for passing to the kernel; invalid after {@link #close()}. */
    public int fd() {
        if (fd < 0) {
            throw new IllegalStateException(what + " is closed");
        }
        return fd;
    }

    public boolean isOpen() {
        return fd >= 0;
    }

    @Override
    public void close() {
        if (fd >= 0) {
            Native.LIBC.close(fd);
            fd = -1;
        }
    }

    @Override
    public String toString() {
        return what + "(fd " + fd + ")";
    }
}
