package dev.xdpdump.sys;

import jnr.ffi.Pointer;

/** perf_event_open(2) for the BPF output software event, one per CPU, as {@code BPF_MAP_TYPE_PERF_EVENT_ARRAY} needs. */
public final class PerfEvents {
    private static final long SYS_PERF_EVENT_OPEN = 298; // x86-64
    private static final int PERF_TYPE_SOFTWARE = 1;
    private static final int PERF_COUNT_SW_BPF_OUTPUT = 10;
    private static final long PERF_SAMPLE_RAW = 1L << 10;
    private static final long ATTR_FLAG_WATERMARK = 1L << 14;
    private static final long PERF_FLAG_FD_CLOEXEC = 8;
    private static final int ATTR_SIZE = 128; // PERF_ATTR_SIZE_VER7; the kernel accepts sizes up to its own
    private static final long PERF_EVENT_IOC_ENABLE = 0x2400;

    private PerfEvents() {}

    /**
     * Opens a BPF output event on {@code cpu} that wakes pollers once {@code watermarkBytes} are waiting: one wakeup
     * per event would cost about 8 µs of kernel time each.
     */
    public static FileDescriptorHandle openBpfOutput(int cpu, int watermarkBytes) throws ErrnoException {
        Pointer attr = Native.allocate(ATTR_SIZE);
        attr.putInt(0, PERF_TYPE_SOFTWARE);
        attr.putInt(4, ATTR_SIZE);
        attr.putLong(8, PERF_COUNT_SW_BPF_OUTPUT);
        attr.putLong(16, 1); // sample_period: every event is a sample
        attr.putLong(24, PERF_SAMPLE_RAW);
        attr.putLong(40, ATTR_FLAG_WATERMARK);
        attr.putInt(48, watermarkBytes); // wakeup_watermark
        long fd = Native.LIBC.syscall(SYS_PERF_EVENT_OPEN, attr.address(), -1, cpu, -1, PERF_FLAG_FD_CLOEXEC);
        Native.check("perf_event_open on cpu " + cpu, fd);
        return new FileDescriptorHandle("perf event cpu " + cpu, (int) fd);
    }

    public static void enable(FileDescriptorHandle event) throws ErrnoException {
        Native.check("enable " + event, Native.LIBC.ioctl(event.fd(), PERF_EVENT_IOC_ENABLE, 0));
    }
}
