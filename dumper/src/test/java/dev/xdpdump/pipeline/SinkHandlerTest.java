package dev.xdpdump.pipeline;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.sink.OutputCompleteException;
import dev.xdpdump.sink.Sink;
import org.junit.jupiter.api.Test;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.xdpdump.sink.Totals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The sink handler's books, with a sink that the test controls: -c, a failure, and giving up. */
class SinkHandlerTest {
    /** Takes records into a pretend output; fails the write after {@code failAfter} records when set. */
    private static class CountingSink implements Sink {
        long buffered;
        volatile long written;
        long failAfter = Long.MAX_VALUE;
        String failWith = "No space left on device";
        boolean closed;

        @Override
        public void write(CaptureEvent event) throws IOException {
            if (written + buffered >= failAfter) {
                throw new IOException(failWith);
            }
            buffered++;
        }

        @Override
        public void flush() {
            written += buffered; // one thread writes; tests read after it stopped
            buffered = 0;
        }

        @Override
        public long recordsWritten() {
            return written;
        }

        @Override
        public long bytesWritten() {
            return written * 100;
        }

        @Override
        public void close() {
            flush();
            closed = true;
        }
    }

    private static final CaptureEvent EVENT = new CaptureEvent(64);

    private static void feed(SinkHandler handler, int events) {
        for (int i = 0; i < events; i++) {
            handler.onEvent(EVENT, i, i == events - 1);
        }
    }

    private static SinkHandler handler(CountingSink sink, long limit, List<SinkHandler> departed) {
        return new SinkHandler("out", sink, limit, departed::add);
    }

    @Test
    void countLimitWritesExactlyThatManyAndDiscardsTheRest() {
        CountingSink sink = new CountingSink();
        List<SinkHandler> departed = new ArrayList<>();
        SinkHandler handler = handler(sink, 5, departed);
        feed(handler, 12);
        assertEquals(5, handler.written());
        assertEquals(12, handler.consumed());
        assertEquals(7, handler.discarded());
        assertEquals(SinkHandler.State.COUNT_REACHED, handler.state());
        assertEquals(List.of(handler), departed);
    }

    @Test
    void lastRotatedFileEndsTheOutputAsACountDoesWithNoError() {
        CountingSink sink = new CountingSink() {
            @Override
            public void write(CaptureEvent event) throws IOException {
                if (written >= 4) { // a rotating sink whose -W last file is closed: it writes nothing more
                    throw new OutputCompleteException("out.pcap was the last of the 2 files -W allows");
                }
                super.write(event);
            }
        };
        List<SinkHandler> departed = new ArrayList<>();
        SinkHandler handler = handler(sink, 0, departed);
        feed(handler, 4);
        feed(handler, 3);
        feed(handler, 2);
        handler.finish(totals -> { });
        assertEquals(4, handler.written());
        assertEquals(9, handler.consumed());
        assertEquals(0, handler.writeErrors());
        assertNull(handler.failure());
        assertEquals(SinkHandler.State.COUNT_REACHED, handler.state());
        assertEquals(List.of(handler), departed);
        assertTrue(sink.closed);
    }

    @Test
    void failedWriteIsOneErrorAndWhatTheOutputTookStaysWritten() {
        CountingSink sink = new CountingSink();
        sink.failAfter = 3;
        List<SinkHandler> departed = new ArrayList<>();
        SinkHandler handler = handler(sink, 0, departed);
        feed(handler, 2);
        feed(handler, 4);
        assertEquals(2, handler.written());
        assertEquals(1, handler.writeErrors());
        assertEquals(SinkHandler.State.FAILED, handler.state());
        assertEquals("No space left on device", handler.failure().getMessage());
        assertEquals(6, handler.consumed());
        assertEquals(List.of(handler), departed, "told once");
    }

    @Test
    void closedPipeEndsThatOutputNormally() {
        CountingSink sink = new CountingSink();
        sink.failAfter = 0;
        sink.failWith = "Broken pipe";
        List<SinkHandler> departed = new ArrayList<>();
        SinkHandler handler = handler(sink, 0, departed);
        feed(handler, 1);
        assertEquals(SinkHandler.State.CLOSED, handler.state());
        assertEquals(0, handler.writeErrors(), "a reader that went away is no write error");
    }

    @Test
    void outputGivenUpOnWritesNothingMoreAndReportsNoError() {
        CountingSink sink = new CountingSink();
        List<SinkHandler> departed = new ArrayList<>();
        SinkHandler handler = handler(sink, 0, departed);
        feed(handler, 3);
        handler.giveUp();
        sink.failAfter = 0; // what an interrupted write would do
        feed(handler, 4);
        handler.finish(totals -> { });
        assertEquals(3, handler.written());
        assertEquals(0, handler.writeErrors());
        assertEquals(SinkHandler.State.GIVEN_UP, handler.state());
        assertEquals(7, handler.consumed());
        assertFalse(sink.closed, "an output given up on is not flushed or closed");
    }

    @Test
    void finishHandsTheBooksToTheSinkThenClosesIt() {
        List<String> seen = new ArrayList<>();
        CountingSink sink = new CountingSink() {
            @Override
            public void finish(Totals totals) {
                totals.forEachCounter((name, value) -> seen.add(name + "=" + value));
            }
        };
        SinkHandler handler = handler(sink, 0, new ArrayList<>());
        feed(handler, 2);
        handler.finish(visitor -> visitor.counter("written", 2));
        assertEquals(List.of("written=2"), seen);
        assertTrue(sink.closed);
    }

    @Test
    void twoOutputsOnOneRingFailApartAndTheCaptureEndsWithTheLast() throws Exception {
        CountingSink file = new CountingSink();
        CountingSink pipe = new CountingSink();
        pipe.failAfter = 3; // `| head -n 3`
        pipe.failWith = "Broken pipe";
        StopSignal stop = new StopSignal();
        List<SinkHandler> outputs = new ArrayList<>();
        SinkHandler.Departure lastOneOut = output -> {
            if (outputs.stream().noneMatch(o -> o.state() == SinkHandler.State.LIVE)) {
                stop.request(StopSignal.Reason.OUTPUT_CLOSED);
            }
        };
        outputs.add(new SinkHandler("file", file, 0, lastOneOut));
        outputs.add(new SinkHandler("standard output", pipe, 0, lastOneOut));
        Disruptor<CaptureEvent> disruptor = new Disruptor<>(() -> new CaptureEvent(64), 64, Thread::new,
                ProducerType.SINGLE, new BlockingWaitStrategy());
        disruptor.handleEventsWith(outputs.toArray(SinkHandler[]::new));
        RingBuffer<CaptureEvent> ring = disruptor.start();
        for (int i = 0; i < 1000; i++) {
            ring.publish(ring.next()); // the ring is 64 slots: the reader side waits for both outputs
        }
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (outputs.stream().anyMatch(o -> o.consumed() < 1000) && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        disruptor.halt();
        assertEquals(1000, outputs.get(0).consumed());
        assertEquals(1000, outputs.get(1).consumed());
        assertEquals(1000, outputs.get(0).written(), "the file went on");
        assertTrue(outputs.get(1).written() <= 3, "the pipe took at most three: " + outputs.get(1).written());
        assertEquals(SinkHandler.State.LIVE, outputs.get(0).state());
        assertEquals(SinkHandler.State.CLOSED, outputs.get(1).state());
        assertNull(stop.reason(), "one output is still live");
        outputs.get(0).readerGone();
        assertEquals(StopSignal.Reason.OUTPUT_CLOSED, stop.reason());
    }

    @Test
    void outputGivenUpOnWhileWaitingForEventsDoesNotStopTheCapture() throws Exception {
        StopSignal stop = new StopSignal();
        List<SinkHandler> departed = new ArrayList<>();
        SinkHandler idle = handler(new CountingSink(), 0, departed);
        Disruptor<CaptureEvent> disruptor = new Disruptor<>(() -> new CaptureEvent(64), 64, Thread::new,
                ProducerType.SINGLE, new BlockingWaitStrategy());
        disruptor.handleEventsWith(idle);
        disruptor.setDefaultExceptionHandler(new SinkExceptions(stop));
        RingBuffer<CaptureEvent> ring = disruptor.start();
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (idle.thread() == null && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        Thread.sleep(50); // let it block in the Disruptor's wait; either way the give-up must not stop the capture
        idle.giveUp();
        // The Disruptor counts an interrupted wait as a handled event, so the given-up output may skip one; what
        // matters is that it keeps consuming (the ring does not block) and the capture goes on.
        for (int i = 0; i < 200; i++) {
            long sequence = ring.tryNext(); // throws if the ring stopped moving: 64 slots, 200 events
            ring.publish(sequence);
            while (ring.remainingCapacity() == 0 && System.nanoTime() < deadline) {
                Thread.onSpinWait();
            }
        }
        while (idle.consumed() < 199 && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        disruptor.halt();
        assertTrue(idle.consumed() >= 199, "it goes on consuming after the interrupt: " + idle.consumed());
        assertNull(stop.reason(), "an interrupted wait is not an output failure");
        assertEquals(List.of(idle), departed);
    }
}
