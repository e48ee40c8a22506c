package dev.xdpdump.sys;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CpusTest {
    @Test
    void countsOnePastTheHighestPossibleCpu() {
        assertEquals(1, Cpus.parseRangeCount("0\n"));
        assertEquals(4, Cpus.parseRangeCount("0-3\n"));
        assertEquals(8, Cpus.parseRangeCount("0,2-5,7"));
    }

    @Test
    void thisMachineHasAtLeastTheOnlineCpus() {
        assertTrue(Cpus.possible() >= Runtime.getRuntime().availableProcessors());
    }
}
