package dev.xdpdump.pipeline;

import com.lmax.disruptor.RingBuffer;
import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.EventLayout;
import dev.xdpdump.perf.PerfRingSet;
import dev.xdpdump.perf.SampleConsumer;
import io.netty.buffer.ByteBuf;

import java.util.function.LongSupplier;

/**
 * The reader thread: waits on the perf rings with epoll, copies each sample straight into a claimed Disruptor slot,
 * publishes in batches. When the Disruptor is full, claiming blocks: the perf rings fill and the kernel counts the
 * loss, which is the only place events are lost.
 */
final class RingReader implements SampleConsumer, Runnable {
    /** Bounds how long an event can wait in a ring at low rates, below the watermark. */
    static final int POLL_TIMEOUT_MILLIS = 50;
    private static final int PUBLISH_EVERY = 128;
    private static final long FINAL_DRAIN_TIMEOUT_NANOS = 2_000_000_000L;

    private final PerfRingSet rings;
    private final RingBuffer<CaptureEvent> slots;
    private final int slotCapacity;
    private final long wallClockOffsetNanos;
    private final StopSignal stop;
    private volatile boolean finishing;
    private volatile LongSupplier emittedByProgram;
    private long firstUnpublished = -1;
    private long lastClaimed = -1;
    private long malformedEvents;
    private long received;
    private volatile long malformedEventsPublished;
    private volatile long receivedPublished;

    RingReader(PerfRingSet rings, RingBuffer<CaptureEvent> slots, int slotCapacity, long wallClockOffsetNanos,
               StopSignal stop) {
        this.rings = rings;
        this.slots = slots;
        this.slotCapacity = slotCapacity;
        this.wallClockOffsetNanos = wallClockOffsetNanos;
        this.stop = stop;
    }

    @Override
    public void run() {
        try {
            while (!finishing) {
                rings.await(POLL_TIMEOUT_MILLIS);
                rings.drain(this);
                publish();
                publishCounters();
            }
            drainRemaining();
        } catch (Throwable e) {
            stop.request(StopSignal.Reason.READER_FAILED, e);
        }
    }

    /**
     * Drains until every sample the program emitted has been read: after detach, a program run that began before it
     * may still be writing, and its event must not be left behind.
     */
    private void drainRemaining() {
        long deadline = System.nanoTime() + FINAL_DRAIN_TIMEOUT_NANOS;
        do {
            rings.drain(this);
            publish();
            publishCounters();
        } while (rings.samples() < emittedByProgram.getAsLong() && System.nanoTime() < deadline);
    }

    @Override
    public void onSample(int cpu, ByteBuf buffer, int index, int length) {
        int capturedLength = EventLayout.capturedLength(buffer, index, length, slotCapacity);
        if (capturedLength < 0) {
            malformedEvents++;
            return;
        }
        long sequence = slots.next();
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

    /** Once per batch, not per event: a volatile write costs a fence, which the per-event path must not pay. */
    private void publishCounters() {
        malformedEventsPublished = malformedEvents;
        receivedPublished = received;
    }

    private void publish() {
        if (firstUnpublished >= 0) {
            slots.publish(firstUnpublished, lastClaimed);
            firstUnpublished = -1;
            publishCounters();
        }
    }

    /**
     * Asks the thread to finish: it drains until {@code emitted} samples were read (or 2 s passed), then returns.
     * Call after the program is detached.
     */
    void finish(LongSupplier emitted) {
        this.emittedByProgram = emitted;
        this.finishing = true;
    }

    /** Samples whose event lengths made no sense; any thread, current as of the last batch. */
    long malformedEvents() {
        return malformedEventsPublished;
    }

    /** Events handed to the pipeline; any thread, current as of the last batch. */
    long received() {
        return receivedPublished;
    }
}
