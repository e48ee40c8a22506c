package dev.xdpdump.pipeline;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.EventPoller;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.EventLayout;
import dev.xdpdump.event.WallClock;
import dev.xdpdump.perf.FakeRing;
import dev.xdpdump.perf.PerfRing;
import dev.xdpdump.perf.PerfRingSet;
import dev.xdpdump.sys.ErrnoException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * A real reader thread over fake perf rings (no bpf, no root: the epoll instance watches nothing and only times out)
 * and a real single-producer Disruptor, consumed by the test thread through an {@link EventPoller}: a consumer that
 * stalls simply by not polling.
 */
class RingReaderTest {
    private static final int SLOT_CAPACITY = 256;
    private static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(10);

    /** What the consumer saw in one slot, copied out. */
    private record Seen(int cpu, int sequence, int wireLength, byte[] frame) {}

    private final StopSignal stop = new StopSignal();
    private PerfRingSet rings;
    private RingBuffer<CaptureEvent> slots;
    private EventPoller<CaptureEvent> poller;
    private RingReader reader;
    /** The default, as for a capture; the tests that turn it off say so. */
    private boolean timeOrder = true;
    private Thread thread;
    private final List<Seen> seen = new ArrayList<>();

    @AfterEach
    void stopReader() throws InterruptedException {
        if (thread != null && thread.isAlive()) {
            reader.finish(() -> 0);
            reader.abandon();
            thread.join(TimeUnit.SECONDS.toMillis(5));
        }
        if (rings != null) {
            rings.close();
        }
    }

    @Test
    void everySampleOfTwoRingsArrivesOnceInRingOrderWithItsBytesAndCpu() throws Exception {
        // Both start near the ring end, so the first record wraps it; five rounds go round each ring twice more.
        FakeRing cpu0 = new FakeRing(8192).startingAt(5 * 8192 - 24);
        FakeRing cpu1 = new FakeRing(8192).startingAt(8192 - 96);
        start(64, cpu0.ring(0), cpu1.ring(1));
        List<List<Integer>> expected = List.of(new ArrayList<>(), new ArrayList<>());
        int written = 0;
        int malformed = 0;
        int sequence = 0;
        for (int round = 0; round < 5; round++) {
            for (int i = 0; i < 25; i++, sequence++) {
                for (int cpu = 0; cpu < 2; cpu++) {
                    FakeRing fake = cpu == 0 ? cpu0 : cpu1;
                    int frameLength = 20 + (sequence * 37 + cpu * 11) % 180;
                    if (sequence % 7 == 3) {
                        // cap_len beyond the sample (past its padding too) or beyond what a slot holds
                        fake.sample(sequence % 2 == 0
                                ? event(sequence, cpu, frameLength, frameLength + 8, frameLength + 8)
                                : event(sequence, cpu, SLOT_CAPACITY + 1, SLOT_CAPACITY + 1, SLOT_CAPACITY + 1));
                        malformed++;
                    } else {
                        fake.sample(event(sequence, cpu, frameLength, frameLength, 1500));
                        expected.get(cpu).add(sequence);
                    }
                    written++;
                }
            }
            cpu0.publish();
            cpu1.publish();
            awaitPolling(() -> cpu0.dataTail() == cpu0.head() && cpu1.dataTail() == cpu1.head(),
                    "the reader drains round " + round);
        }
        int delivered = expected.get(0).size() + expected.get(1).size();
        awaitPolling(() -> seen.size() >= delivered && reader.received() == delivered, delivered + " events");

        for (int cpu = 0; cpu < 2; cpu++) {
            List<Integer> inOrder = new ArrayList<>();
            for (Seen s : seen) {
                if (s.cpu() == cpu) {
                    inOrder.add(s.sequence());
                    int frameLength = 20 + (s.sequence() * 37 + cpu * 11) % 180;
                    assertArrayEquals(frame(s.sequence(), cpu, frameLength), s.frame(), "frame of " + s);
                    assertEquals(1500, s.wireLength());
                }
            }
            assertEquals(expected.get(cpu), inOrder, "cpu " + cpu + " in ring order, each once");
        }
        assertEquals(delivered, seen.size());
        assertEquals(malformed, reader.malformedEvents());
        assertEquals(written, rings.samples());
        assertEquals(0, rings.malformedRecords());
        assertTrue(thread.isAlive());
        assertNull(stop.reason(), () -> "reader failed: " + stop.cause());
    }

    @Test
    void drainOfMoreThanABatchPublishesEverySampleBeforeTheNextDrain() throws Exception {
        // 1000 = 7 batches of 128 and 104 more: those must not wait for the next sample or for finish().
        FakeRing fake = new FakeRing(65536);
        writeSamples(fake, 0, 1000, 16);
        start(1024, fake.ring(0));

        awaitPolling(() -> seen.size() >= 1000, "1000 events");

        assertTrue(thread.isAlive(), "published while still capturing, not at the end");
        assertSequences(0, 1000);
        await(() -> reader.received() == 1000, "received() counts 1000");
        assertNull(stop.reason(), () -> "reader failed: " + stop.cause());
    }

    @Test
    void disruptorSmallerThanABatchPublishesWhatWasClaimedAndWaitsForSlots() throws Exception {
        FakeRing fake = new FakeRing(65536);
        writeSamples(fake, 0, 1000, 16);
        start(16, fake.ring(0));

        // Nobody consumes: the reader claims all 16 slots, they become visible (fewer than a batch) and it waits.
        // A single-producer claim that finds the ring full moves the cursor itself; that the reader also publishes
        // (which wakes a blocked consumer) is what disruptorSmallerThanABatchWakesAConsumerBlockedOnIt shows.
        await(() -> slots.getCursor() == 15 && reader.received() == 16, "16 events published into a full Disruptor");
        assertEquals(0, slots.remainingCapacity());
        assertTrue(thread.isAlive());

        awaitPolling(() -> seen.size() >= 1000, "1000 events through 16 slots");

        assertSequences(0, 1000);
        await(() -> reader.received() == 1000, "received() counts 1000");
        assertNull(stop.reason(), () -> "reader failed: " + stop.cause());
    }

    @Test
    void disruptorSmallerThanABatchWakesAConsumerBlockedOnIt() throws Exception {
        // As Capture runs it: a consumer thread blocked in BlockingWaitStrategy wakes only on publish(), and a
        // single-producer claim can move the cursor without waking it, so the reader must publish before it waits.
        FakeRing fake = new FakeRing(65536);
        writeSamples(fake, 0, 1000, 16);
        List<Integer> consumed = Collections.synchronizedList(new ArrayList<>());
        Disruptor<CaptureEvent> disruptor = new Disruptor<>(() -> new CaptureEvent(SLOT_CAPACITY), 16, r -> {
            Thread t = new Thread(r, "xdpdump-sink-test");
            t.setDaemon(true);
            return t;
        }, ProducerType.SINGLE, new BlockingWaitStrategy());
        disruptor.handleEventsWith((event, sequence, endOfBatch) -> consumed.add(event.ifindex()));
        try {
            startOver(disruptor.start(), fake.ring(0));

            await(() -> consumed.size() >= 1000, "1000 events through 16 slots to a blocking consumer");

            List<Integer> want = new ArrayList<>();
            for (int i = 0; i < 1000; i++) {
                want.add(i);
            }
            assertEquals(want, List.copyOf(consumed));
            assertNull(stop.reason(), () -> "reader failed: " + stop.cause());
        } finally {
            disruptor.halt();
        }
    }

    @Test
    void finalDrainReadsSamplesWrittenAfterFinishUntilEmittedIsReachedThenEnds() throws Exception {
        FakeRing fake = new FakeRing(8192);
        writeSamples(fake, 0, 10, 40);
        start(64, fake.ring(0));
        awaitPolling(() -> seen.size() >= 10, "10 events before finish");

        // Only the final drain asks for the emitted count, so these 20 are written after the capturing loop ended.
        AtomicBoolean wroteLate = new AtomicBoolean();
        reader.finish(() -> {
            if (wroteLate.compareAndSet(false, true)) {
                writeSamples(fake, 10, 20, 40);
            }
            return 30;
        });
        thread.join(TimeUnit.SECONDS.toMillis(10));

        assertFalse(thread.isAlive(), "the reader ends once 30 samples were read");
        assertTrue(wroteLate.get());
        assertEquals(30, reader.received());
        assertEquals(30, rings.samples());
        awaitPolling(() -> seen.size() >= 30, "30 events");
        assertSequences(0, 30);
        assertNull(stop.reason(), () -> "reader failed: " + stop.cause());
    }

    @Test
    void finalDrainEndsWhileSamplesKeepComingOnceEmittedIsReached() throws Exception {
        FakeRing fake = new FakeRing(65536);
        start(64, fake.ring(0));
        AtomicBoolean writing = new AtomicBoolean(true);
        // Rings that never stay idle for 250 ms: only reaching the count can end the final drain.
        Thread writer = new Thread(() -> {
            int sequence = 0;
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (writing.get() && System.nanoTime() < deadline) {
                if (fake.head() - fake.dataTail() < 32_768) {
                    writeSamples(fake, sequence++, 1, 16);
                }
                LockSupport.parkNanos(200_000L);
            }
        }, "fake-kernel");
        writer.start();
        try {
            awaitPolling(() -> seen.size() >= 10, "10 events before finish");
            long emitted = rings.samples() + 20;
            reader.finish(() -> emitted);
            long deadline = System.nanoTime() + WAIT_NANOS;
            while (thread.isAlive() && System.nanoTime() < deadline) {
                poll(); // the Disruptor must not be what holds the reader
                thread.join(1);
            }
            assertFalse(thread.isAlive(), "the reader ends at the count, though the rings are busy");
            assertTrue(writer.isAlive(), "the writer was still writing");
            assertTrue(rings.samples() >= emitted);
        } finally {
            writing.set(false);
            writer.join(TimeUnit.SECONDS.toMillis(10));
        }
        assertNull(stop.reason(), () -> "reader failed: " + stop.cause());
    }

    @Test
    void finalDrainGivesUpAfterTheRingsStayIdleWhenEmittedIsNeverReached() throws Exception {
        FakeRing fake = new FakeRing(8192);
        writeSamples(fake, 0, 5, 40);
        start(64, fake.ring(0));
        awaitPolling(() -> seen.size() >= 5, "5 events");

        long finished = System.nanoTime();
        reader.finish(() -> 1_000);
        thread.join(TimeUnit.SECONDS.toMillis(10));
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - finished);

        assertFalse(thread.isAlive(), "the reader ends without the 995 missing samples");
        assertTrue(tookMillis >= 250, "it waited 250 ms of idle rings first, not " + tookMillis + " ms");
        assertEquals(5, reader.received());
        assertNull(stop.reason(), () -> "reader failed: " + stop.cause());
    }

    @Test
    void abandonWithTheConsumerStalledReturnsPromptlyAndCountsWhatItThenTakes() throws Exception {
        FakeRing fake = new FakeRing(65536);
        writeSamples(fake, 0, 5, 16);
        fake.sample(event(5, 0, 40, 48, 48)); // cap_len beyond the sample
        writeSamples(fake, 6, 95, 16);
        fake.sample(event(101, 0, SLOT_CAPACITY + 1, SLOT_CAPACITY + 1, SLOT_CAPACITY + 1)).publish(); // beyond a slot
        start(16, fake.ring(0));
        await(() -> slots.getCursor() == 15 && reader.received() == 16, "a full Disruptor nobody consumes");

        reader.finish(() -> Long.MAX_VALUE); // as Capture.stop does: finish, then give up on a second signal
        reader.abandon();
        thread.join(TimeUnit.SECONDS.toMillis(2));

        assertFalse(thread.isAlive(), "the reader returns promptly");
        assertEquals(16, reader.received());
        assertEquals(2, reader.malformedEvents());
        assertEquals(100 - 16, reader.abandoned());
        assertEquals(102, rings.samples());
        assertEquals(rings.samples(), reader.received() + reader.malformedEvents() + reader.abandoned());
        assertEquals(15, slots.getCursor(), "nothing claimed after abandon");
        poll();
        assertEquals(16, seen.size());
        List<Integer> first16 = new ArrayList<>();
        for (int i = 0; first16.size() < 16; i++) {
            if (i != 5) {
                first16.add(i);
            }
        }
        assertEquals(first16, seen.stream().map(Seen::sequence).toList());
        assertNull(stop.reason(), () -> "reader failed: " + stop.cause());
    }

    @Test
    void timeOrderMergesTwoRingsByTimestampAcrossCpus() throws Exception {
        FakeRing cpu0 = new FakeRing(8192);
        FakeRing cpu1 = new FakeRing(8192);
        // even sequences on cpu 0, odd on cpu 1, timestamps in sequence order: drain order would be ring by ring
        for (int i = 0; i < 40; i++) {
            (i % 2 == 0 ? cpu0 : cpu1).sample(event(i, i % 2, 40, 40, 1500, 1_000_000L + i));
        }
        cpu0.publish();
        cpu1.publish();
        start(64, cpu0.ring(0), cpu1.ring(1));
        awaitPolling(() -> seen.size() >= 40, "40 events");
        assertSequences(0, 40);
    }

    @Test
    void eventsHeldBackForOrderCountAsInTheRingsUntilTheFinalDrainHandsThemOnInOrder() throws Exception {
        FakeRing cpu0 = new FakeRing(8192);
        FakeRing cpu1 = new FakeRing(8192);
        // stamped a minute from now, on one ring while the other is empty: never old enough while capturing
        long future = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; i < 10; i++) {
            cpu0.sample(event(i, 0, 40, 40, 1500, future + i));
        }
        cpu0.publish();
        start(64, cpu0.ring(0), cpu1.ring(1));
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(300)); // several polls of the reader
        poll();
        assertEquals(0, seen.size(), "held back for order");
        assertEquals(0, rings.samples(), "held back: not yet read, so counted as left in the rings");

        reader.finish(() -> 10);
        thread.join(TimeUnit.SECONDS.toMillis(10));
        assertFalse(thread.isAlive());
        assertEquals(10, rings.samples());
        assertEquals(10, reader.received());
        awaitPolling(() -> seen.size() >= 10, "10 events");
        assertSequences(0, 10);
        assertEquals(cpu0.head(), cpu0.dataTail());
    }

    @Test
    void unorderedHandsOnWhatARingHoldsAtOnce() throws Exception {
        timeOrder = false;
        FakeRing cpu0 = new FakeRing(8192);
        FakeRing cpu1 = new FakeRing(8192);
        long future = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int i = 0; i < 10; i++) {
            cpu0.sample(event(i, 0, 40, 40, 1500, future + i));
        }
        cpu0.publish();
        start(64, cpu0.ring(0), cpu1.ring(1));
        awaitPolling(() -> seen.size() >= 10, "10 events in drain order");
        assertSequences(0, 10);
    }

    private void start(int slotCount, PerfRing... perfRings) throws ErrnoException {
        RingBuffer<CaptureEvent> polled = RingBuffer.createSingleProducer(() -> new CaptureEvent(SLOT_CAPACITY),
                slotCount);
        poller = polled.newPoller();
        polled.addGatingSequences(poller.getSequence());
        startOver(polled, perfRings);
    }

    private void startOver(RingBuffer<CaptureEvent> ringBuffer, PerfRing... perfRings) throws ErrnoException {
        rings = FakeRing.set(perfRings);
        slots = ringBuffer;
        reader = new RingReader(rings, slots, SLOT_CAPACITY, WallClock.system(), stop, timeOrder);
        thread = new Thread(reader, "xdpdump-reader-test");
        thread.setDaemon(true);
        thread.start();
    }

    /** Takes every published event; the test thread is the only consumer. */
    private void poll() throws Exception {
        poller.poll((event, sequence, endOfBatch) -> {
            seen.add(new Seen(event.cpu(), event.ifindex(), event.wireLength(),
                    Arrays.copyOf(event.frame(), event.capturedLength())));
            return true;
        });
    }

    private void awaitPolling(BooleanSupplier condition, String what) throws Exception {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (true) {
            poll();
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline || !thread.isAlive()) {
                fail("timed out waiting for " + what + " (seen " + seen.size() + ", received " + reader.received()
                        + ", malformed " + reader.malformedEvents() + ", samples " + rings.samples() + ", malformed records "
                        + rings.malformedRecords() + ", reader alive " + thread.isAlive() + ", stop " + stop.reason()
                        + ")");
            }
            LockSupport.parkNanos(200_000L);
        }
    }

    private void await(BooleanSupplier condition, String what) {
        long deadline = System.nanoTime() + WAIT_NANOS;
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("timed out waiting for " + what + " (received " + reader.received() + ", cursor "
                        + slots.getCursor() + ", stop " + stop.reason() + ")");
            }
            LockSupport.parkNanos(200_000L);
        }
    }

    private void assertSequences(int from, int count) {
        List<Integer> want = new ArrayList<>();
        for (int i = from; i < from + count; i++) {
            want.add(i);
        }
        assertEquals(want, seen.stream().map(Seen::sequence).toList());
    }

    /** Writes {@code count} well-formed events on cpu 0, numbered from {@code first}, and publishes them. */
    private static void writeSamples(FakeRing fake, int first, int count, int frameLength) {
        for (int i = first; i < first + count; i++) {
            fake.sample(event(i, 0, frameLength, frameLength, 1500));
        }
        fake.publish();
    }

    /**
     * A {@code struct xdpdump_event} numbered {@code sequence} (carried in ifindex) followed by {@code frameBytes}
     * bytes of frame, claiming {@code capLen} of them.
     */
    private static byte[] event(int sequence, int cpu, int frameBytes, int capLen, int wireLen) {
        return event(sequence, cpu, frameBytes, capLen, wireLen, 1_000_000L + sequence);
    }

    private static byte[] event(int sequence, int cpu, int frameBytes, int capLen, int wireLen, long timestamp) {
        ByteBuffer b = ByteBuffer.allocate(EventLayout.HEADER_SIZE + frameBytes).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(0, timestamp).putInt(8, sequence).putInt(12, cpu).putInt(16, wireLen).putInt(20, capLen)
                .putShort(24, (short) 14).putShort(26, (short) 34).put(28, (byte) 4);
        b.position(EventLayout.HEADER_SIZE);
        b.put(frame(sequence, cpu, frameBytes));
        return b.array();
    }

    private static byte[] frame(int sequence, int cpu, int length) {
        byte[] frame = new byte[length];
        for (int i = 0; i < length; i++) {
            frame[i] = (byte) (sequence * 7 + cpu * 101 + i);
        }
        return frame;
    }
}
