package dev.xdpdump.sys;

import java.nio.ByteBuffer;

/** Sole owner of one shared mmap(2) of a file descriptor; unmaps on close. */
public final class MappedRegion implements AutoCloseable {
    private static final int PROT_READ = 1;
    private static final int PROT_WRITE = 2;
    private static final int MAP_SHARED = 1;

    private final long address;
    private final int size;
    private final ByteBuffer buffer;
    private boolean mapped = true;

    private MappedRegion(long address, int size) {
        this.address = address;
        this.size = size;
        this.buffer = Native.wrap(address, size);
    }

    /** Maps {@code size} bytes of {@code fd} read-write and shared, as a perf ring needs (the tail is written back). */
    public static MappedRegion mapShared(FileDescriptorHandle fd, int size) throws ErrnoException {
        long address = Native.LIBC.mmap(0, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.fd(), 0);
        if (address == -1L) {
            throw new ErrnoException("mmap " + size + " bytes of " + fd, Native.errno(),
                    "raise RLIMIT_MEMLOCK or grant CAP_IPC_LOCK, or use a smaller --ring-size");
        }
        return new MappedRegion(address, size);
    }

    /** A direct buffer over the whole region; valid only until {@link #close()}. Never let it leave its owner. */
    public ByteBuffer buffer() {
        return buffer;
    }

    public int size() {
        return size;
    }

    public static int pageSize() {
        return 4096;
    }

    @Override
    public void close() {
        if (mapped) {
            mapped = false;
            Native.LIBC.munmap(address, size);
        }
    }
}
