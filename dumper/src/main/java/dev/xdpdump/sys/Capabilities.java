package dev.xdpdump.sys;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The effective capabilities of this process, from {@code /proc/self/status}. */
public final class Capabilities {
    public static final int CAP_NET_ADMIN = 12;
    public static final int CAP_SYS_ADMIN = 21;
    public static final int CAP_PERFMON = 38;
    public static final int CAP_BPF = 39;

    private final long effective;

    private Capabilities(long effective) {
        this.effective = effective;
    }

    public static Capabilities current() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return new Capabilities(Long.parseUnsignedLong(line.substring(7).trim(), 16));
                }
            }
        } catch (IOException | NumberFormatException e) {
            // No procfs: say nothing is missing and let the kernel's own EPERM speak.
        }
        return new Capabilities(-1L);
    }

    public boolean has(int capability) {
        return (effective & (1L << capability)) != 0;
    }

    /**
     * What capturing needs and this process lacks: CAP_BPF (maps and programs), CAP_PERFMON (the verifier accepts
     * the parser's variable header lengths only with it) and CAP_NET_ADMIN (XDP programs and attach). CAP_SYS_ADMIN
     * stands in for the first two, as it does on kernels before 5.8.
     */
    public List<String> missingForCapture() {
        List<String> missing = new ArrayList<>();
        boolean admin = has(CAP_SYS_ADMIN);
        if (!admin && !has(CAP_BPF)) {
            missing.add("CAP_BPF");
        }
        if (!admin && !has(CAP_PERFMON)) {
            missing.add("CAP_PERFMON");
        }
        if (!has(CAP_NET_ADMIN)) {
            missing.add("CAP_NET_ADMIN");
        }
        return missing;
    }
}
