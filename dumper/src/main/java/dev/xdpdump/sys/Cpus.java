package dev.xdpdump.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** CPU numbering as the kernel sizes per-CPU maps and perf event arrays: by possible CPUs, not online ones. */
public final class Cpus {
    private Cpus() {}

    /** How many CPUs are possible: one past the highest number in {@code /sys/devices/system/cpu/possible}. */
    public static int possible() {
        try {
            return parseRangeCount(Files.readString(Path.of("/sys/devices/system/cpu/possible")));
        } catch (IOException e) {
            return Runtime.getRuntime().availableProcessors();
        }
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
