package dev.xdpdump.e2e;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** tcpdump as the independent reader of the pcap files xdpdump writes. */
final class Tcpdump {
    static final String PATH = "/usr/bin/tcpdump";

    private Tcpdump() {}

    /** Reads {@code file} with tcpdump, which must find no truncated record; returns how many records it read. */
    static long records(Path file) throws Exception {
        Command.Result read = Command.run(PATH, "-nn", "-r", file.toString());
        assertEquals(0, read.exitCode(), read.describe());
        assertFalse(read.stderr().contains("truncated"), read.stderr());
        return read.stdoutText().lines().count();
    }
}
