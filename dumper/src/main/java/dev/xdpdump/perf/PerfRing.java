package dev.xdpdump.perf;

import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.FileDescriptorHandle;
import dev.xdpdump.sys.MappedRegion;
import dev.xdpdump.sys.PerfEvents;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One CPU's perf ring: a control page followed by a power-of-two data area that the kernel fills with records
 * ({@code struct perf_event_header} {u32 type, u16 misc, u16 size}, 8-byte aligned) and we drain.
 *
 * <p>Drained by one thread only. No length from the ring is trusted: a record whose size is impossible ends the drain
 * of everything written so far (counted as malformed); a sample whose raw size overruns its record is skipped.
 *
 * <p>The counters are plain fields while a drain runs and are published with volatile writes every 64 records and at
 * its end, so any thread may read them (a stats line) at no cost per record.
 */
public final class PerfRing implements AutoCloseable {
    static final int PERF_RECORD_LOST = 2;
    static final int PERF_RECORD_SAMPLE = 9;
    private static final int HEADER = 8;
    /** Release consumed space to the kernel this often, so a long drain does not hold the whole ring. */
    private static final int RELEASE_EVERY = 64;

    private final int cpu;
    private final ControlPage control;
    private final ByteBuf data;
    private final int mask;
    private final ByteBuf wrapped;
    private final FileDescriptorHandle event;
    private final MappedRegion region;
    private long tail;
    private long lostEvents;
    private long malformedRecords;
    private long samples;
    private volatile long lostEventsPublished;
    private volatile long malformedRecordsPublished;
    private volatile long samplesPublished;

    PerfRing(int cpu, ByteBuffer region, int pageSize, FileDescriptorHandle event, MappedRegion owner) {
        int dataSize = region.capacity() - pageSize;
        if (Integer.bitCount(dataSize) != 1) {
            throw new IllegalArgumentException("perf ring data size must be a power of two, not " + dataSize);
        }
        this.cpu = cpu;
        this.control = new ControlPage(region.duplicate().order(ByteOrder.nativeOrder()));
        this.data = Unpooled.wrappedBuffer(region.duplicate().position(pageSize).slice());
        this.mask = dataSize - 1;
        this.wrapped = Unpooled.buffer(Math.min(dataSize, 1 << 17));
        this.event = event;
        this.region = owner;
        this.tail = control.loadDataTailPlain();
    }

    /** Opens the BPF output event on {@code cpu} and maps {@code dataSize} bytes (a power of two) of ring. */
    static PerfRing open(int cpu, int dataSize, int watermark) throws ErrnoException {
        int pageSize = MappedRegion.pageSize();
        FileDescriptorHandle event = PerfEvents.openBpfOutput(cpu, watermark);
        try {
            MappedRegion region = MappedRegion.mapShared(event, pageSize + dataSize);
            try {
                PerfEvents.enable(event);
                return new PerfRing(cpu, region.buffer(), pageSize, event, region);
            } catch (ErrnoException | RuntimeException e) {
                region.close();
                throw e;
            }
        } catch (ErrnoException | RuntimeException e) {
            event.close();
            throw e;
        }
    }

    /**
     * Hands every complete sample written so far to {@code consumer} and returns how many records were read.
     * Never throws for what the ring holds.
     */
    public int drain(SampleConsumer consumer) {
        int records = deliverPending(consumer) ? 1 : 0; // one held back by the merge goes first: the ring's own order
        long head = control.loadDataHeadAcquire();
        while (tail < head) {
            int at = (int) (tail & mask);
            int type = data.getIntLE(at);
            int size = data.getUnsignedShortLE(at + 6);
            if (size < HEADER || (size & 7) != 0 || size > head - tail) {
                malformedRecords++;
                tail = head; // no way to find the next record boundary: skip what was written
                break;
            }
            if (type == PERF_RECORD_SAMPLE) {
                deliverSample(consumer, size);
            } else if (type == PERF_RECORD_LOST && size >= HEADER + 16) {
                lostEvents += data.getLongLE((int) ((tail + HEADER + 8) & mask));
            }
            tail += size;
            if (++records % RELEASE_EVERY == 0) {
                control.storeDataTailRelease(tail);
                publishCounters(); // a consumer blocked on a full pipeline must not freeze the stats line
            }
        }
        control.storeDataTailRelease(tail);
        publishCounters();
        return records;
    }

    private void publishCounters() {
        lostEventsPublished = lostEvents;
        malformedRecordsPublished = malformedRecords;
        samplesPublished = samples;
    }

    // The merge (PerfRingSet.drainInOrder) reads a ring one sample at a time: peek() finds the next sample below the
    // head loaded by refresh() and keeps it pending; deliverPending() hands it on. Records other than samples are
    // consumed by peek() as drain() consumes them.
    private long limit;
    private boolean pending;
    private ByteBuf pendingBuffer;
    private int pendingIndex;
    private int pendingLength;
    private int pendingSize;
    private long pendingTimestamp;
    private int sinceRelease;

    /** Loads the kernel's head for the next merge round. */
    void refresh() {
        limit = control.loadDataHeadAcquire();
    }

    /** Whether the bytes written but not yet consumed exceed half the ring: the merge then gives up order. */
    boolean moreThanHalfFull() {
        return limit - tail > (mask + 1) / 2;
    }

    /**
     * Makes the next complete sample below the loaded head pending (if none is already) and returns whether one is.
     */
    boolean peek(SampleTimestamp timestamps) {
        while (!pending && tail < limit) {
            int at = (int) (tail & mask);
            int type = data.getIntLE(at);
            int size = data.getUnsignedShortLE(at + 6);
            if (size < HEADER || (size & 7) != 0 || size > limit - tail) {
                malformedRecords++;
                tail = limit;
                break;
            }
            if (type == PERF_RECORD_SAMPLE) {
                if (locateSample(size)) {
                    pending = true;
                    pendingSize = size;
                    pendingTimestamp = timestamps.of(pendingBuffer, pendingIndex, pendingLength);
                    return true;
                }
            } else if (type == PERF_RECORD_LOST && size >= HEADER + 16) {
                lostEvents += data.getLongLE((int) ((tail + HEADER + 8) & mask));
            }
            consumed(size);
        }
        return pending;
    }

    long pendingTimestamp() {
        return pendingTimestamp;
    }

    /** Hands the pending sample (if any) to {@code consumer}; returns whether there was one. */
    boolean deliverPending(SampleConsumer consumer) {
        if (!pending) {
            return false;
        }
        pending = false;
        samples++;
        consumer.onSample(cpu, pendingBuffer, pendingIndex, pendingLength);
        consumed(pendingSize);
        return true;
    }

    /** Ends a merge round: releases what was consumed and publishes the counters. */
    void endRound() {
        control.storeDataTailRelease(tail);
        publishCounters();
    }

    private void consumed(int size) {
        tail += size;
        if (++sinceRelease == RELEASE_EVERY) {
            sinceRelease = 0;
            control.storeDataTailRelease(tail);
            publishCounters();
        }
    }

    /** Sets pendingBuffer/Index/Length to the sample at tail, joining a body that wraps; false if malformed. */
    private boolean locateSample(int recordSize) {
        int rawSize = data.getIntLE((int) ((tail + HEADER) & mask));
        if (rawSize < 0 || rawSize > recordSize - HEADER - 4) {
            malformedRecords++;
            return false;
        }
        int start = (int) ((tail + HEADER + 4) & mask);
        int untilEnd = mask + 1 - start;
        pendingLength = rawSize;
        if (rawSize <= untilEnd) {
            pendingBuffer = data;
            pendingIndex = start;
            return true;
        }
        if (rawSize > wrapped.capacity()) {
            malformedRecords++;
            return false;
        }
        data.getBytes(start, wrapped, 0, untilEnd);
        data.getBytes(0, wrapped, untilEnd, rawSize - untilEnd);
        pendingBuffer = wrapped;
        pendingIndex = 0;
        return true;
    }

    private void deliverSample(SampleConsumer consumer, int recordSize) {
        int rawSize = data.getIntLE((int) ((tail + HEADER) & mask));
        if (rawSize < 0 || rawSize > recordSize - HEADER - 4) {
            malformedRecords++;
            return;
        }
        int start = (int) ((tail + HEADER + 4) & mask);
        int untilEnd = mask + 1 - start;
        if (rawSize <= untilEnd) {
            samples++;
            consumer.onSample(cpu, data, start, rawSize);
            return;
        }
        // The body wraps the ring's end: join the two parts (rare: one record per trip around the ring).
        if (rawSize > wrapped.capacity()) {
            malformedRecords++; // counted once: as malformed, not also as a sample
            return;
        }
        samples++;
        data.getBytes(start, wrapped, 0, untilEnd);
        data.getBytes(0, wrapped, untilEnd, rawSize - untilEnd);
        consumer.onSample(cpu, wrapped, 0, rawSize);
    }

    public int cpu() {
        return cpu;
    }

    /**
     * Events the kernel could not write because the ring was full, from PERF_RECORD_LOST records; as of the last
     * publication (at most 64 records behind), readable from any thread.
     */
    public long lostEvents() {
        return lostEventsPublished;
    }

    /** Records skipped because their lengths made no sense; any thread, at most 64 records behind. */
    public long malformedRecords() {
        return malformedRecordsPublished;
    }

    /** PERF_RECORD_SAMPLE records handed to the consumer; any thread, at most 64 records behind. */
    public long samples() {
        return samplesPublished;
    }

    FileDescriptorHandle event() {
        return event;
    }

    @Override
    public void close() {
        if (region != null) {
            region.close();
        }
        if (event != null) {
            event.close();
        }
    }
}
