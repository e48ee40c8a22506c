package dev.xdpdump.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

/** CPU numbering as the kernel sizes per-CPU maps and perf event arrays: by possible CPUs, not online ones. */
public final class Cpus {
    private static final long SCHED_SETAFFINITY = 203; // x86-64

    private Cpus() {}

    private static final Path POSSIBLE = Path.of("/sys/devices/system/cpu/possible");
    private static final Path ONLINE = Path.of("/sys/devices/system/cpu/online");

    /**
     * How many CPUs are possible: one past the highest number in {@code /sys/devices/system/cpu/possible}. Per-CPU
     * map values and the perf event array are sized by it, so it is never guessed: a lookup into a buffer sized for
     * fewer CPUs than the kernel fills would overrun it.
     *
     * @throws ErrnoException when the list cannot be read or makes no sense
     */
    public static int possible() throws ErrnoException {
        return parseRangeCount(read(POSSIBLE));
    }

    /** Whether {@code cpu} is online now ({@code /sys/devices/system/cpu/online}). */
    public static boolean online(int cpu) throws ErrnoException {
        return parseList(read(ONLINE)).get(cpu);
    }

    static String read(Path list) throws ErrnoException {
        String text;
        try {
            text = Files.readString(list);
        } catch (IOException e) {
            throw new ErrnoException("read " + list, ErrnoException.ENOENT,
                    "xdpdump sizes its per-CPU maps by it; mount sysfs at /sys");
        }
        boolean empty;
        try {
            empty = parseList(text).isEmpty();
        } catch (NumberFormatException e) {
            empty = true;
        }
        if (empty) {
            throw new ErrnoException("read " + list + " ('" + text.trim() + "')", ErrnoException.EINVAL,
                    "it names no CPU; is sysfs mounted at /sys?");
        }
        return text;
    }

    /** Parses a kernel CPU list ("0-3", "0,2-5") into one past its highest CPU. */
    static int parseRangeCount(String list) {
        return parseList(list).length();
    }

    /** Parses a kernel CPU list ("0-3", "0,2-5") into the set of CPUs it names. */
    static BitSet parseList(String list) {
        BitSet cpus = new BitSet();
        for (String part : list.trim().split(",")) {
            if (part.isEmpty()) {
                continue;
            }
            int dash = part.indexOf('-');
            int first = Integer.parseInt((dash < 0 ? part : part.substring(0, dash)).trim());
            int last = dash < 0 ? first : Integer.parseInt(part.substring(dash + 1).trim());
            cpus.set(first, last + 1);
        }
        return cpus;
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
}
