package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Wireshark's extcap interface, driven by tshark itself: the package's extcap launcher (packaging/extcap-launcher,
 * pointed at this clone's bin/xdpdump) in a personal extcap folder, {@code tshark -D} listing the lab's interface as
 * {@code xdpdump-IFACE (xdpdump: IFACE)}, and tshark capturing through it four real connection attempts, with and
 * without a capture filter, read back with tshark.
 */
class ExtcapIT {
    private static final String TSHARK = "/usr/bin/tshark";
    private static final Duration CAPTURE_TIMEOUT = Duration.ofSeconds(40);

    @Test
    void tsharkListsTheInterfaceAndCapturesThroughItWithAndWithoutAFilter() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(TSHARK);
        Path home = Files.createTempDirectory("xdpdump-extcap");
        try (VethLab lab = Lab.create()) {
            installLauncher(home);
            String ns = lab.captureNamespace();
            String iface = lab.captureInterface();

            Command.Result list = Command.run("ip", "netns", "exec", ns, "env", "HOME=" + home, TSHARK, "-D");
            assertEquals(0, list.exitCode(), list.describe());
            assertTrue(list.stdoutText().lines().anyMatch(l -> l.matches("\\d+\\. " + Pattern.quote("xdpdump-" + iface)
                    + " \\(xdpdump: " + Pattern.quote(iface) + "\\)")), list.stdoutText());
            assertTrue(list.stdoutText().lines().noneMatch(l -> l.contains("xdpdump-lo ")), "loopback is not offered");

            // All four attempts, no filter: tshark stops after 4 packets.
            assertEquals(List.of("40001 80", "40002 443", "40003 8080", "40004 80"),
                    captureThrough(lab, home, home.resolve("all.pcapng"), 4, null));
            // The capture filter field is the expression, run in the kernel: 8080 never reaches tshark.
            assertEquals(List.of("40001 80", "40002 443", "40004 80"),
                    captureThrough(lab, home, home.resolve("filtered.pcapng"), 3, "not dst port 8080"));
        } finally {
            try (Stream<Path> files = Files.walk(home)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    /** Wireshark 4.0 looks for personal extcap programs in ~/.config/wireshark/extcap. */
    private static void installLauncher(Path home) throws IOException {
        Path folder = Files.createDirectories(home.resolve(".config/wireshark/extcap"));
        String packaged = Files.readString(Lab.repository().resolve("packaging/extcap-launcher"));
        assertTrue(packaged.contains("exec /usr/bin/xdpdump extcap \"$@\""), packaged);
        Path launcher = folder.resolve("xdpdump");
        Files.writeString(launcher, packaged.replace("/usr/bin/xdpdump", Lab.launcher()));
        Files.setPosixFilePermissions(launcher, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /**
     * Runs tshark on the lab's xdpdump interface until it has {@code packets} packets, makes the four attempts of
     * {@link Lab#MIXED} once xdpdump is attached, and returns "sport dport" of each captured packet, read by tshark.
     */
    private static List<String> captureThrough(VethLab lab, Path home, Path file, int packets, String filter)
            throws Exception {
        List<String> words = new java.util.ArrayList<>(List.of("env", "HOME=" + home, TSHARK, "-i",
                "xdpdump-" + lab.captureInterface(), "-a", "packets:" + packets, "-w", file.toString()));
        if (filter != null) {
            words.addAll(List.of("-f", filter));
        }
        try (WatchedProcess tshark = WatchedProcess.startIn(lab.captureNamespace(), words.toArray(String[]::new))) {
            awaitAttached(lab, tshark);
            Lab.attempt(lab, Lab.MIXED);
            assertEquals(0, tshark.awaitExit(CAPTURE_TIMEOUT), tshark.stderrText());
        }
        awaitDetached(lab);
        Command.Result read = Command.run(TSHARK, "-r", file.toString(), "-T", "fields", "-e", "tcp.srcport",
                "-e", "tcp.dstport", "-e", "tcp.flags.syn", "-e", "tcp.flags.ack");
        assertEquals(0, read.exitCode(), read.describe());
        assertTrue(read.stdoutText().lines().allMatch(l -> l.endsWith("\t1\t0")), "only SYNs: " + read.stdoutText());
        return read.stdoutText().lines().map(l -> l.replaceFirst("\t1\t0$", "").replace('\t', ' ')).toList();
    }

    /** tshark starts xdpdump through the launcher; the tcx link appears once the program is attached. */
    private static void awaitAttached(VethLab lab, WatchedProcess tshark) throws Exception {
        long deadline = System.nanoTime() + Xdpdump.START_TIMEOUT.toNanos() * 2;
        while (Lab.tcxProgramIds(lab).length == 0) {
            assertTrue(tshark.isAlive(), "tshark ended before xdpdump attached: " + tshark.stderrText());
            assertTrue(System.nanoTime() < deadline, "xdpdump never attached: " + tshark.stderrText());
            Thread.sleep(50);
        }
    }

    /** tshark ends the extcap process when it stops; nothing of xdpdump's stays attached. */
    private static void awaitDetached(VethLab lab) throws Exception {
        long deadline = System.nanoTime() + Xdpdump.STOP_TIMEOUT.toNanos();
        while (Lab.tcxProgramIds(lab).length != 0) {
            assertTrue(System.nanoTime() < deadline, "xdpdump is still attached after tshark stopped");
            Thread.sleep(50);
        }
    }
}
