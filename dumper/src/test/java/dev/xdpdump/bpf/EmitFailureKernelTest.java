package dev.xdpdump.bpf;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.sys.Cpus;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import dev.xdpdump.perf.PerfRingSet;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static dev.xdpdump.bpf.CaptureFixture.XDP_PASS;
import static dev.xdpdump.bpf.CaptureFixture.assertDescribes;
import static dev.xdpdump.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What the program counts when a perf ring is full, and how that agrees with the kernel's lost records. */
class EmitFailureKernelTest {
    private static final int SMALLEST_RING = 8192;
    /** 8-byte record header, 4-byte raw size, 32-byte event, 74 frame bytes, padded to 8: 120 bytes. */
    private static final int RECORD_BYTES = 120;
    private static final int BURST = 1000;

    @BeforeEach
    void needsRoot() {
        Privileges.requireCaptureCapabilities();
    }

    @Test
    void fullRingRefusesEventsAndTheKernelReportsEachAsLost() throws Exception {
        try (CaptureFixture capture = CaptureFixture.open(256, SMALLEST_RING)) {
            byte[] syn = ipv4Tcp(SYN);
            for (int i = 0; i < BURST; i++) {
                assertEquals(XDP_PASS, capture.run(syn), "verdict");
            }
            ProgramCounters full = capture.counters();
            assertEquals(BURST, full.frames());
            assertEquals(BURST, full.matched());
            assertEquals(full.matched(), full.emitted() + full.lostRingFull(), "emitted + lost_ring_full vs matched");
            assertTrue(full.emitted() <= (long) Cpus.possible() * (SMALLEST_RING / RECORD_BYTES),
                    "emitted " + full.emitted() + " more than the rings hold");
            assertTrue(full.lostRingFull() > 0, "nothing refused: " + full);

            List<CaptureEvent> events = capture.drain();
            assertEquals(full.emitted(), events.size(), "samples drained");
            for (CaptureEvent event : events) {
                assertDescribes(syn, 256, ETHERNET_HEADER, ETHERNET_HEADER + IPV4_HEADER, 4, event);
            }

            // The kernel writes a ring's PERF_RECORD_LOST just before the next sample that fits in it, so the count
            // shows up only once the program emits again on each CPU that lost events: send SYNs, one drain each.
            long extra = 0;
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (capture.rings().lostEvents() < full.lostRingFull() && System.nanoTime() < deadline) {
                assertEquals(XDP_PASS, capture.run(syn), "verdict");
                extra++;
                assertEquals(1, capture.drain().size(), "events after the ring was drained");
            }
            assertEquals(full.lostRingFull(), capture.rings().lostEvents(), "PERF_RECORD_LOST total vs lost_ring_full");
            assertEquals(new ProgramCounters(BURST + extra, BURST + extra, full.emitted() + extra, full.lostRingFull(), 0, 0, 0),
                    capture.counters());
            assertEquals(full.emitted() + extra, capture.rings().samples(), "samples");
            assertEquals(0, capture.rings().malformedRecords(), "malformed records");
        }
    }

    @Test
    void eventOnACpuWithoutARingIsCountedAsLostNoRing() throws Exception {
        int cpus = Cpus.possible();
        assertTrue(cpus >= 2, "needs two CPUs: one with a ring, one without");
        int ringless = cpus - 1;
        try (CaptureProgram program = CaptureProgram.load(256, cpus);
             // As if CPU `ringless` came online after start: every CPU gets a ring but that one.
             PerfRingSet rings = PerfRingSet.open(cpus, SMALLEST_RING, (cpu, event) -> {
                 if (cpu != ringless) {
                     program.installPerfEvent(cpu, event);
                 }
             })) {
            byte[] syn = ipv4Tcp(SYN);
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread onRinglessCpu = new Thread(() -> {
                try {
                    Cpus.pinCurrentThread(ringless);
                    assertEquals(XDP_PASS, program.testRun(syn).returnValue(), "verdict");
                    assertEquals(XDP_PASS, program.testRun(syn).returnValue(), "verdict");
                } catch (Throwable e) {
                    failure.set(e);
                }
            });
            onRinglessCpu.start();
            onRinglessCpu.join(10_000);
            if (failure.get() != null) {
                throw new AssertionError("test run on cpu " + ringless, failure.get());
            }
            assertEquals(new ProgramCounters(2, 2, 0, 0, 2, 0, 0), program.counters());
            assertEquals(0, rings.drain((cpu, sample, index, length) -> { }), "nothing reached any ring");
        }
    }
}
