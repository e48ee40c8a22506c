package dev.xdpdump.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU numbering as the kernel sizes per-CPU maps and perf event arrays: by possible CPUs, not online ones. */
public final class Cpus {
    private static final long SCHED_SETAFFINITY = 203; // x86-64

    private Cpus() {}

    /** How many CPUs are possible: one past the highest number in {@code /sys/devices/system/cpu/possible}. */
    public static int possible() {
        try {
            return parseRangeCount(Files.readString(Path.of("/sys/devices/system/cpu/possible")));
        } catch (IOException e) {
            return Runtime.getRuntime().availableProcessors();
        }
    }

    /**
     * Binds the calling thread to {@code cpu} (sched_setaffinity on the thread, not the process): benchmarks keep a
     * generator and the pipeline on different CPUs.
     */
    public static void pinCurrentThread(int cpu) throws ErrnoException {
        if (cpu < 0 || cpu >= 64) {
            throw new IllegalArgumentException("cpu " + cpu + " is outside 0-63");
        }
        jnr.ffi.Pointer mask = Native.allocate(8);
        mask.putLong(0, 1L << cpu);
        Native.check("pin thread to cpu " + cpu,
            Native.LIBC.syscall(SCHED_SETAFFINITY, 0, 8, mask.address(), 0, 0));
    }

    /** Parses a kernel CPU list ("0-3", "0,2-5") into one past its highest CPU. */
    static int parseRangeCount(String list) {
        int highest = -1;
        for (String part : list.trim().split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            int dash = part.indexOf('-');
            String last = dash < 0 ? part : part.substring(dash + 1);
            highest = Math.max(highest, Integer.parseInt(last.trim()));
        }
        return highest + 1;
    }
}
