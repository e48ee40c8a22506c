package dev.xdpdump.sys;

/**
 * Moves the calling thread into a named network namespace ({@code /var/run/netns/NAME}, as {@code ip netns} makes).
 * Namespaces are per thread: other threads of the JVM stay where they are. Closing moves the thread back.
 */
public final class NetNamespace implements AutoCloseable {
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final int CLONE_NEWNET = 0x40000000;

    private final FileDescriptorHandle previous;

    private NetNamespace(FileDescriptorHandle previous) {
        this.previous = previous;
    }

    public static NetNamespace enter(String name) throws ErrnoException {
        FileDescriptorHandle previous = open("/proc/thread-self/ns/net");
        try (FileDescriptorHandle target = open("/var/run/netns/" + name)) {
            Native.check("setns into network namespace " + name, Native.LIBC.setns(target.fd(), CLONE_NEWNET));
            return new NetNamespace(previous);
        } catch (ErrnoException | RuntimeException e) {
            previous.close();
            throw e;
        }
    }

    private static FileDescriptorHandle open(String path) throws ErrnoException {
        int fd = Native.check("open " + path, Native.LIBC.open(path, O_RDONLY | O_CLOEXEC));
        return new FileDescriptorHandle(path, fd);
    }

    @Override
    public void close() throws ErrnoException {
        try {
            Native.check("setns back", Native.LIBC.setns(previous.fd(), CLONE_NEWNET));
        } finally {
            previous.close();
        }
    }
}
