package dev.xdpdump.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpusTest {
    @Test
    void countsOnePastTheHighestPossibleCpu() {
        assertEquals(1, Cpus.parseRangeCount("0\n"));
        assertEquals(4, Cpus.parseRangeCount("0-3\n"));
        assertEquals(8, Cpus.parseRangeCount("0,2-5,7"));
    }

    @Test
    void listNamesEveryCpuInItsRanges() {
        BitSet expected = new BitSet();
        expected.set(0);
        expected.set(2, 6);
        expected.set(7);
        assertEquals(expected, Cpus.parseList("0,2-5,7\n"));
    }

    @Test
    void thisMachineHasAtLeastTheOnlineCpus() throws ErrnoException {
        assertTrue(Cpus.possible() >= Runtime.getRuntime().availableProcessors());
        assertTrue(Cpus.online(0), "cpu 0 is online");
    }

    @Test
    void unreadableCpuListIsAnErrorNotAGuess(@TempDir Path directory) throws Exception {
        ErrnoException missing = assertThrows(ErrnoException.class, () -> Cpus.read(directory.resolve("possible")));
        assertEquals(ErrnoException.ENOENT, missing.errno());
        Path empty = Files.writeString(directory.resolve("empty"), "\n");
        assertEquals(ErrnoException.EINVAL, assertThrows(ErrnoException.class, () -> Cpus.read(empty)).errno());
        Path garbage = Files.writeString(directory.resolve("garbage"), "zero-three\n");
        assertThrows(ErrnoException.class, () -> Cpus.read(garbage));
    }
}
