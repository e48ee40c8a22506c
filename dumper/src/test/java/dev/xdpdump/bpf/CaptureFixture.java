package dev.xdpdump.bpf;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.EventLayout;
import dev.xdpdump.perf.PerfRingSet;
import dev.xdpdump.sys.Cpus;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.testing.Frames;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The capture program loaded with a perf ring on every CPU, for running crafted frames through it with
 * BPF_PROG_TEST_RUN and reading back what it emitted. One per test, used from the test thread only; closes the rings
 * before the program.
 */
final class CaptureFixture implements AutoCloseable {
    static final int XDP_PASS = 2;
    /** TCX_NEXT, which is TC_ACT_UNSPEC: no verdict, the skb goes on. */
    static final int TCX_NEXT = -1;
    /** The kernel runs test frames as if received on the loopback device of the caller's namespace, queue 0. */
    static final int LOOPBACK_IFINDEX = 1;
    static final int RING_BYTES = 64 * 1024;
    private static final int SLOT_CAPACITY = 65535;

    private final CaptureProgram program;
    private final PerfRingSet rings;

    private CaptureFixture(CaptureProgram program, PerfRingSet rings) {
        this.program = program;
        this.rings = rings;
    }

    static CaptureFixture open(int snapLength) throws ErrnoException {
        return open(snapLength, RING_BYTES);
    }

    static CaptureFixture open(int snapLength, int ringBytesPerCpu) throws ErrnoException {
        return open(snapLength, ringBytesPerCpu, null);
    }

    /** With a filter expression's eBPF linked in (null: none). */
    static CaptureFixture open(int snapLength, int ringBytesPerCpu, byte[] filter) throws ErrnoException {
        int cpus = Cpus.possible();
        CaptureProgram program = CaptureProgram.load(snapLength, cpus, filter);
        try {
            return new CaptureFixture(program, PerfRingSet.open(cpus, ringBytesPerCpu, program::installPerfEvent));
        } catch (ErrnoException | RuntimeException e) {
            program.close();
            throw e;
        }
    }

    /**
     * Runs the program once on {@code frame} on the calling thread's CPU; an event goes to that CPU's ring
     * (BPF_F_CURRENT_CPU). Returns the program's verdict.
     */
    int run(byte[] frame) throws ErrnoException {
        return program.testRun(frame).returnValue();
    }

    /** As {@link #run(byte[])} for the given entry point: the XDP one or the tc one, which share maps and rings. */
    int run(CaptureProgram.Entry entry, byte[] frame) throws ErrnoException {
        return program.testRun(entry, frame).returnValue();
    }

    /**
     * Runs {@code frame}, asserts the verdict is XDP_PASS and that exactly one event came out, stamped between the
     * run's start and the drain ({@code bpf_ktime_get_ns} and {@code System.nanoTime} both read CLOCK_MONOTONIC).
     */
    CaptureEvent runExpectingOneEvent(byte[] frame) throws ErrnoException {
        long before = System.nanoTime();
        assertEquals(XDP_PASS, run(frame), "verdict");
        List<CaptureEvent> events = drain();
        long after = System.nanoTime();
        assertEquals(1, events.size(), "events for a frame of " + frame.length + " bytes");
        CaptureEvent event = events.get(0);
        assertTrue(before <= event.wallClockNanos() && event.wallClockNanos() <= after,
                "timestamp " + event.wallClockNanos() + " outside the run [" + before + ", " + after + "]");
        return event;
    }

    /** Runs {@code frame}, asserts the verdict is XDP_PASS and that nothing came out. */
    void runExpectingNoEvent(byte[] frame) throws ErrnoException {
        assertEquals(XDP_PASS, run(frame), "verdict");
        assertEquals(0, drain().size(), "events for a frame of " + frame.length + " bytes");
    }

    /**
     * Asserts {@code event} describes {@code frame} as a test run delivers it (loopback, queue 0, the whole frame on the
     * wire) and carries its first {@code min(snapLength, frame.length)} bytes unchanged.
     */
    static void assertDescribes(byte[] frame, int snapLength, int l3Offset, int l4Offset, int ipVersion,
                                CaptureEvent event) {
        int captured = Math.min(snapLength, frame.length);
        assertEquals(LOOPBACK_IFINDEX, event.ifindex(), "ifindex");
        assertEquals(0, event.rxQueue(), "rx_queue");
        assertEquals(frame.length, event.wireLength(), "wire_len");
        assertEquals(captured, event.capturedLength(), "cap_len");
        assertEquals(l3Offset, event.l3Offset(), "l3_offset");
        assertEquals(l4Offset, event.l4Offset(), "l4_offset");
        assertEquals(ipVersion, event.ipVersion(), "ip_version");
        assertArrayEquals(Arrays.copyOf(frame, captured), Arrays.copyOf(event.frame(), captured), "frame bytes");
    }

    /**
     * Runs every prefix of {@code frame} on a fixture opened with {@code snapLength}, from 0 bytes to all of it: an
     * event (describing the prefix) exactly for the prefixes that hold the whole TCP header at {@code l4Offset},
     * options included; every shorter prefix is cut short somewhere and so counted as unparsed. Asserts the counters
     * of a fresh fixture. The kernel may refuse a test frame shorter than an Ethernet header with EINVAL; such a run
     * never reaches the program.
     */
    void runEveryPrefix(byte[] frame, int snapLength, int l3Offset, int l4Offset, int ipVersion) throws ErrnoException {
        int headersEnd = l4Offset + ((frame[l4Offset + 12] & 0xff) >>> 4) * 4;
        int runs = 0;
        for (int length = 0; length <= frame.length; length++) {
            byte[] prefix = Arrays.copyOf(frame, length);
            if (length < Frames.ETHERNET_HEADER) {
                runs += ranWithoutEvent(prefix) ? 1 : 0;
                continue;
            }
            runs++;
            if (length < headersEnd) {
                runExpectingNoEvent(prefix);
            } else {
                assertDescribes(prefix, snapLength, l3Offset, l4Offset, ipVersion, runExpectingOneEvent(prefix));
            }
        }
        int emitting = frame.length - headersEnd + 1;
        assertEquals(new ProgramCounters(runs, emitting, emitting, 0, 0, 0, runs - emitting), counters());
    }

    /** True when the program ran on {@code frame} and passed it without an event, false when the kernel said EINVAL. */
    private boolean ranWithoutEvent(byte[] frame) throws ErrnoException {
        int verdict;
        try {
            verdict = run(frame);
        } catch (ErrnoException e) {
            assertEquals(ErrnoException.EINVAL, e.errno(), "test run of a " + frame.length + "-byte frame: " + e);
            return false;
        }
        assertEquals(XDP_PASS, verdict, "verdict");
        assertEquals(0, drain().size(), "events for a frame of " + frame.length + " bytes");
        return true;
    }

    /** Drains every ring and decodes each sample into its own event, in ring order (one CPU after another). */
    List<CaptureEvent> drain() {
        List<CaptureEvent> events = new ArrayList<>();
        rings.drain((cpu, sample, index, length) -> {
            int captured = EventLayout.capturedLength(sample, index, length, SLOT_CAPACITY);
            if (captured < 0) {
                throw new AssertionError("sample of " + length + " bytes on cpu " + cpu + " is not an event");
            }
            CaptureEvent event = new CaptureEvent(SLOT_CAPACITY);
            EventLayout.copy(sample, index, captured, cpu, 0, event);
            events.add(event);
        });
        return events;
    }

    ProgramCounters counters() throws ErrnoException {
        return program.counters();
    }

    PerfRingSet rings() {
        return rings;
    }

    @Override
    public void close() {
        rings.close();
        program.close();
    }
}
