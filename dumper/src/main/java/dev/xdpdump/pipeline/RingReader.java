package dev.xdpdump.pipeline;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.EventLayout;
import dev.xdpdump.event.WallClock;
import dev.xdpdump.perf.PerfRingSet;
import dev.xdpdump.perf.SampleConsumer;
import dev.xdpdump.perf.SampleTimestamp;
import io.netty.buffer.ByteBuf;

import java.util.concurrent.locks.LockSupport;
import java.util.function.LongSupplier;

/**
 * The reader thread: waits on the perf rings with epoll, copies each sample straight into a claimed Disruptor slot,
 * publishes in batches. When the Disruptor is full, claiming waits: the perf rings fill and the kernel counts the
 * loss, which is the only place events are lost while capturing.
 *
 * <p>At stop it drains until it has read every sample the program emitted, however long a slow output takes, unless
 * the capture {@linkplain #abandon() gives up}: then samples still coming out of the rings are counted as
 * {@linkplain #abandoned() left behind}, never silently dropped.
 */
final class RingReader implements SampleConsumer, Runnable {
    /** Bounds how long an event can wait in a ring at low rates, below the watermark. */
    static final int POLL_TIMEOUT_MILLIS = 50;
    private static final int PUBLISH_EVERY = 128;
    /**
     * After detach, how long the rings may stay empty while samples are still missing before the reader stops
     * waiting for them: a program run that began before the detach finishes within microseconds.
     */
    private static final long FINAL_IDLE_NANOS = 250_000_000L;
    private static final long FULL_PARK_NANOS = 50_000L;
    /**
     * With time order, how long an event may be held back waiting for a possibly earlier one on another CPU. The
     * wait before each drain ends at the oldest held-back event's release (or {@link #ORDER_WAKE_MILLIS} later), so
     * the delay stays at most 85 ms plus a drain, inside the 100 ms the documentation promises.
     */
    static final long ORDER_HORIZON_NANOS = 75_000_000L;
    /** The shortest wait while events are held back: the bound is thus ORDER_HORIZON_NANOS plus at most this. */
    static final int ORDER_WAKE_MILLIS = 10;
    /** The program's timestamps are CLOCK_MONOTONIC, which System.nanoTime reads on Linux. */
    private static final SampleTimestamp KERNEL_TIME = EventLayout::timestamp;

    private final PerfRingSet rings;
    private final RingBuffer<CaptureEvent> slots;
    private final int slotCapacity;
    private final WallClock clock;
    private final StopSignal stop;
    private final boolean timeOrder;
    private volatile boolean finishing;
    private volatile boolean abandoned;
    private volatile LongSupplier emittedByProgram;
    private long wallClockOffsetNanos;
    private long firstUnpublished = -1;
    private long lastClaimed = -1;
    private long malformedEvents;
    private long received;
    private long abandonedSamples;
    private volatile long malformedEventsPublished;
    private volatile long receivedPublished;
    private volatile long abandonedPublished;

    RingReader(PerfRingSet rings, RingBuffer<CaptureEvent> slots, int slotCapacity, WallClock clock,
               StopSignal stop, boolean timeOrder) {
        this.rings = rings;
        this.timeOrder = timeOrder;
        this.slots = slots;
        this.slotCapacity = slotCapacity;
        this.clock = clock;
        this.wallClockOffsetNanos = clock.offsetNanos();
        this.stop = stop;
    }

    @Override
    public void run() {
        try {
            while (!finishing && !abandoned) {
                rings.await(awaitMillis());
                refreshClock();
                if (timeOrder) {
                    rings.drainInOrder(this, KERNEL_TIME, System.nanoTime(), ORDER_HORIZON_NANOS);
                } else {
                    rings.drain(this);
                }
                publish();
                publishCounters();
            }
            drainRemaining();
        } catch (Throwable e) {
            stop.request(StopSignal.Reason.READER_FAILED, e);
        } finally {
            publish();
            publishCounters();
        }
    }

    /**
     * Until the oldest held-back event is due, if that is sooner than the usual poll, but at least
     * {@link #ORDER_WAKE_MILLIS}: under a steady stream on one CPU the oldest is always due within a millisecond, and
     * waking that often costs more CPU than the merge itself.
     */
    private int awaitMillis() {
        long held = timeOrder ? rings.earliestHeldBack() : Long.MAX_VALUE;
        if (held == Long.MAX_VALUE) {
            return POLL_TIMEOUT_MILLIS;
        }
        long untilDue = held + ORDER_HORIZON_NANOS - System.nanoTime();
        return (int) Math.max(ORDER_WAKE_MILLIS, Math.min(POLL_TIMEOUT_MILLIS, untilDue / 1_000_000L + 1));
    }

    private void refreshClock() {
        clock.refresh();
        wallClockOffsetNanos = clock.offsetNanos();
    }

    /**
     * Drains until every sample the program emitted has been read (after detach, a program run that began before it
     * may still be writing, and its event must not be left behind), until the capture gives up, or until the rings
     * stayed empty for {@link #FINAL_IDLE_NANOS} with samples still missing.
     */
    private void drainRemaining() {
        long lastRecord = System.nanoTime();
        while (!abandoned && !caughtUp()) {
            // everything read is handed on, in order when asked: nothing is held back at stop
            int read = timeOrder ? rings.drainInOrder(this, KERNEL_TIME, Long.MAX_VALUE, 0) : rings.drain(this);
            if (read > 0) {
                lastRecord = System.nanoTime();
            } else if (System.nanoTime() - lastRecord > FINAL_IDLE_NANOS) {
                break;
            } else {
                LockSupport.parkNanos(1_000_000L);
            }
            publish();
            publishCounters();
        }
    }

    private boolean caughtUp() {
        return rings.samples() + rings.malformedRecords() >= emittedByProgram.getAsLong();
    }

    @Override
    public void onSample(int cpu, ByteBuf buffer, int index, int length) {
        int capturedLength = EventLayout.capturedLength(buffer, index, length, slotCapacity);
        if (capturedLength < 0) {
            malformedEvents++;
            return;
        }
        long sequence = claim();
        if (sequence < 0) {
            abandonedSamples++;
            return;
        }
        EventLayout.copy(buffer, index, capturedLength, cpu, wallClockOffsetNanos, slots.get(sequence));
        received++;
        if (firstUnpublished < 0) {
            firstUnpublished = sequence;
        }
        lastClaimed = sequence;
        if (lastClaimed - firstUnpublished + 1 >= PUBLISH_EVERY) {
            publish();
        }
    }

    /** The next free slot, waiting while the Disruptor is full; -1 once the capture has given up. */
    private long claim() {
        while (!abandoned) {
            try {
                return slots.tryNext();
            } catch (InsufficientCapacityException full) { // a preallocated singleton: no allocation
                publish(); // the sink may be waiting for exactly these
                publishCounters();
                LockSupport.parkNanos(FULL_PARK_NANOS);
            }
        }
        return -1;
    }

    /** Once per batch, not per event: a volatile write costs a fence, which the per-event path must not pay. */
    private void publishCounters() {
        malformedEventsPublished = malformedEvents;
        receivedPublished = received;
        abandonedPublished = abandonedSamples;
    }

    private void publish() {
        if (firstUnpublished >= 0) {
            slots.publish(firstUnpublished, lastClaimed);
            firstUnpublished = -1;
            publishCounters();
        }
    }

    /**
     * Asks the thread to finish: it drains until {@code emitted} samples were read, then returns. Call after the
     * program is detached.
     */
    void finish(LongSupplier emitted) {
        this.emittedByProgram = emitted;
        this.finishing = true;
    }

    /**
     * From any thread: stop claiming slots and return promptly; a sample read from now on is counted as abandoned.
     * The capture gives up this way on an output that stalled, or at a second signal.
     */
    void abandon() {
        abandoned = true;
    }

    /** Samples whose event lengths made no sense; any thread, current as of the last batch. */
    long malformedEvents() {
        return malformedEventsPublished;
    }

    /** Events handed to the pipeline; any thread, current as of the last batch. */
    long received() {
        return receivedPublished;
    }

    /** Samples read from a ring but not handed on because the capture gave up; any thread. */
    long abandoned() {
        return abandonedPublished;
    }
}
