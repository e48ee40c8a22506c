package dev.xdpdump.bpf;

import dev.xdpdump.sys.Cpus;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static dev.xdpdump.bpf.CaptureFixture.XDP_PASS;
import static dev.xdpdump.bpf.CaptureFixture.assertDescribes;
import static dev.xdpdump.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The program as loaded: its snap length, and frames that carry nothing it could parse. */
class CaptureProgramKernelTest {
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

    @Test
    void snapLengthFortyCarriesFortyBytesAndTheWholeWireLength() throws Exception {
        try (CaptureFixture capture = CaptureFixture.open(40)) {
            byte[] v4 = ipv4Tcp(SYN);
            byte[] v6 = ipv6Tcp(SYN);
            assertDescribes(v4, 40, ETHERNET_HEADER, ETHERNET_HEADER + IPV4_HEADER, 4,
                    capture.runExpectingOneEvent(v4));
            assertDescribes(v6, 40, ETHERNET_HEADER, ETHERNET_HEADER + IPV6_HEADER, 6,
                    capture.runExpectingOneEvent(v6));
            assertEquals(new ProgramCounters(2, 2, 2, 0, 0, 0, 0), capture.counters());
        }
    }

    @Test
    void largestSnapLengthCarriesAWhole1500ByteFrame() throws Exception {
        try (CaptureFixture capture = CaptureFixture.open(65535)) {
            byte[] frame = ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().payload(1500 - 74).bytes()));
            assertEquals(1500, frame.length);
            assertDescribes(frame, 1500, ETHERNET_HEADER, ETHERNET_HEADER + IPV4_HEADER, 4,
                    capture.runExpectingOneEvent(frame));
            assertEquals(new ProgramCounters(1, 1, 1, 0, 0, 0, 0), capture.counters());
        }
    }

    @Test
    void snapLengthZeroMeansTheDefault256Bytes() throws Exception {
        try (CaptureFixture capture = CaptureFixture.open(0)) {
            byte[] frame = ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().payload(1500 - 74).bytes()));
            assertDescribes(frame, 256, ETHERNET_HEADER, ETHERNET_HEADER + IPV4_HEADER, 4,
                    capture.runExpectingOneEvent(frame));
            assertEquals(new ProgramCounters(1, 1, 1, 0, 0, 0, 0), capture.counters());
        }
    }

    @Test
    void emptyFrameIsRefusedByTheKernelOrPassedWithoutAnEvent() throws Exception {
        try (CaptureFixture capture = CaptureFixture.open(256)) {
            long frames;
            try {
                capture.runExpectingNoEvent(new byte[0]);
                frames = 1;
            } catch (ErrnoException e) {
                // BPF_PROG_TEST_RUN refuses XDP data shorter than an Ethernet header: the program never runs.
                assertEquals(ErrnoException.EINVAL, e.errno(), e.getMessage());
                frames = 0;
            }
            // Shorter than an Ethernet header: cut short, so unparsed.
            assertEquals(new ProgramCounters(frames, 0, 0, 0, 0, 0, frames), capture.counters());
        }
    }

    @Test
    void sixtyZeroBytesPassWithoutAnEvent() throws Exception {
        try (CaptureFixture capture = CaptureFixture.open(256)) {
            capture.runExpectingNoEvent(new byte[60]);
            assertEquals(new ProgramCounters(1, 0, 0, 0, 0, 0, 0), capture.counters());
        }
    }
}
