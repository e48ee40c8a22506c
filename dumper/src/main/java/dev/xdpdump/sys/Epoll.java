package dev.xdpdump.sys;

import jnr.ffi.Pointer;

/** An epoll instance that watches file descriptors for input. Owned and waited on by one thread. */
public final class Epoll implements AutoCloseable {
    private static final int EPOLL_CLOEXEC = 0x80000;
    private static final int EPOLL_CTL_ADD = 1;
    private static final int EPOLLIN = 1;
    private static final int EVENT_SIZE = 12; // struct epoll_event is packed on x86-64: u32 events, u64 data

    private final FileDescriptorHandle epoll;
    private final Pointer events;
    private final int maxEvents;

    public Epoll(int maxEvents) throws ErrnoException {
        this.epoll = new FileDescriptorHandle("epoll",
                Native.check("epoll_create1", Native.LIBC.epoll_create1(EPOLL_CLOEXEC)));
        this.maxEvents = maxEvents;
        this.events = Native.allocate(EVENT_SIZE * maxEvents);
    }

    /** Watches {@code fd} for input. The reader drains every ring on any wake-up, so no token tells them apart. */
    public void add(FileDescriptorHandle fd) throws ErrnoException {
        Pointer event = Native.allocate(EVENT_SIZE);
        event.putInt(0, EPOLLIN);
        Native.check("epoll_ctl add " + fd, Native.LIBC.epoll_ctl(epoll.fd(), EPOLL_CTL_ADD, fd.fd(), event.address()));
    }

    /**
     * Blocks up to {@code timeoutMillis} for input. Returns how many descriptors are ready (0 on timeout or on a
     * signal). Allocation-free.
     */
    public int await(int timeoutMillis) throws ErrnoException {
        int n = Native.LIBC.epoll_wait(epoll.fd(), events.address(), maxEvents, timeoutMillis);
        if (n < 0) {
            int errno = Native.errno();
            if (errno == ErrnoException.EINTR) {
                return 0;
            }
            throw new ErrnoException("epoll_wait", errno);
        }
        return n;
    }

    @Override
    public void close() {
        epoll.close();
    }
}
