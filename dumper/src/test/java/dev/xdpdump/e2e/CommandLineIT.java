package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertAll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bin/xdpdump as a user types it wrong: each mistake is one stderr line naming what was wrong and what to do, a
 * non-zero exit (2 for usage, 1 for a capture that cannot start) and no stack trace. The exact wording belongs to
 * the unit tests; here only its key words and the process path.
 */
class CommandLineIT {
    private static final int FAILED = 1;
    private static final int USAGE = 2;

    @Test
    void helpPrintsUsageAndExitsZero() throws Exception {
        Command.Result help = Xdpdump.run(null, "--help");
        assertEquals(0, help.exitCode(), help.describe());
        assertTrue(help.stdoutText().startsWith("Usage: xdpdump "), help.stdoutText());
        assertEquals("", help.stderr());
    }

    @ParameterizedTest(name = "xdpdump {0}")
    @CsvSource(delimiter = '|', value = {
            "--frobnicate     | '--frobnicate' | --help",
            "-c 0             | -c             | 0",
            "-c many          | -c             | many",
            "-s 70000         | -s             | 65535",
            "-s 0             | -s             | 0",
            "--mode fast      | --mode         | generic",
            "json hex         | one view       | -w FILE can go with either",
            "-i               | -i             | needs a value",
    })
    void usageMistakeIsOneLineAndExitTwo(String args, String names, String advises) throws Exception {
        Command.Result run = Xdpdump.run(null, args.split(" "));
        assertOneLineError(run, USAGE, names, advises);
    }

    @Test
    void unknownInterfaceListsTheOnesThatExist() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create()) {
            Command.Result run = Xdpdump.run(lab.captureNamespace(), "-i", "nosuch0", "json");
            assertOneLineError(run, FAILED, "nosuch0", lab.captureInterface());
        }
    }

    @Test
    void unwritableOutputNamesThePathAndAttachesNothing() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create()) {
            Command.Result run = Xdpdump.run(lab.captureNamespace(), "-i", lab.captureInterface(),
                    "-w", "/nonexistent/dir/x.pcap");
            assertOneLineError(run, FAILED, "/nonexistent/dir/x.pcap", "No such file or directory");
            assertEquals(-1, Lab.attachedProgramId(lab), Lab.linkDetails(lab));
        }
    }

    @Test
    void nativeModeOnLoopbackSaysToUseGeneric() throws Exception {
        Privileges.requireCaptureCapabilities();
        try (VethLab lab = Lab.create()) {
            Command.Result run = Xdpdump.run(lab.captureNamespace(), "-i", "lo", "--mode", "native");
            assertOneLineError(run, FAILED, "lo ", "--mode generic");
        }
    }

    @Test
    void unprivilegedUserIsToldWhichCapabilitiesAreMissing() throws Exception {
        Privileges.requireCaptureCapabilities(); // root, to become nobody
        String[] nobody = {"setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all"};
        Path jar = Lab.repository().resolve("dumper/target/xdpdump.jar");
        Command.Result readable = Command.run(concat(nobody, "test", "-r", jar.toString()));
        Command.Result run;
        if (readable.exitCode() == 0) {
            run = Command.run(concat(nobody, Lab.launcher(), "-i", "lo"));
        } else {
            // The checkout is private to root (a clone under /root): run a world-readable copy of the jar instead,
            // so this check never turns into a skip.
            Path dir = Files.createTempDirectory("xdpdump-nobody");
            try {
                Path copy = Files.copy(jar, dir.resolve("xdpdump.jar"));
                Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                Files.setPosixFilePermissions(copy, PosixFilePermissions.fromString("rw-r--r--"));
                String java = ProcessHandle.current().info().command().orElse("java");
                run = Command.run(concat(nobody, java, "-Djnr.ffi.x86asm.enabled=false", "-jar", copy.toString(),
                        "-i", "lo"));
            } finally {
                Files.deleteIfExists(dir.resolve("xdpdump.jar"));
                Files.deleteIfExists(dir);
            }
        }
        assertOneLineError(run, FAILED, "CAP_BPF", "CAP_NET_ADMIN");
        assertTrue(run.stderr().contains("CAP_PERFMON"), run.stderr());
    }

    private static String[] concat(String[] first, String... rest) {
        String[] all = new String[first.length + rest.length];
        System.arraycopy(first, 0, all, 0, first.length);
        System.arraycopy(rest, 0, all, first.length, rest.length);
        return all;
    }

    private static void assertOneLineError(Command.Result run, int exitCode, String names, String advises) {
        List<String> lines = run.stderrLines();
        assertAll(run.describe(),
                () -> assertEquals(exitCode, run.exitCode(), "exit status"),
                () -> assertEquals(1, lines.size(), "one line on stderr"),
                () -> assertTrue(lines.get(0).startsWith("xdpdump: "), "starts with the tool's name"),
                () -> assertTrue(lines.get(0).contains(names), "names '" + names + "'"),
                () -> assertTrue(lines.get(0).contains(advises), "says '" + advises + "'"),
                () -> assertFalse(run.stderr().contains("Exception"), "no stack trace"),
                () -> assertEquals("", run.stdoutText(), "nothing on stdout"));
    }
}
