package dev.xdpdump.bpf;

import dev.xdpdump.sys.Cpus;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CaptureProgramKernelTest {
    private static final int XDP_PASS = 2;

    @BeforeEach
    void needsRoot() {
        Privileges.requireCaptureCapabilities();
    }

    @Test
    void loadsAndPassesAFrameAndCountsIt() throws Exception {
        try (CaptureProgram program = CaptureProgram.load(256, Cpus.possible())) {
            assertTrue(program.id() > 0);
            byte[] frame = new byte[60];
            assertEquals(XDP_PASS, program.testRun(frame).returnValue());
            ProgramCounters counters = program.counters();
            assertEquals(1, counters.frames());
            assertEquals(0, counters.matched());
        }
    }
}
