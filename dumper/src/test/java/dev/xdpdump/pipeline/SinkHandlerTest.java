package dev.xdpdump.pipeline;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.sink.Sink;
import org.junit.jupiter.api.Test;

import java.io.IOException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

/** The sink handler's books, with a sink that the test controls: -c, a failure, and giving up. */
class SinkHandlerTest {
    /** Takes records into a pretend output; fails the write after {@code failAfter} records when set. */
    private static final class CountingSink implements Sink {
        long buffered;
        long written;
        long failAfter = Long.MAX_VALUE;
        boolean closed;

        @Override
        public void write(CaptureEvent event) throws IOException {
            if (written + buffered >= failAfter) {
                throw new IOException("No space left on device");
            }
            buffered++;
        }

        @Override
        public void flush() {
            written += buffered;
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

    @Test
    void countLimitWritesExactlyThatManyAndDiscardsTheRest() {
        CountingSink sink = new CountingSink();
        StopSignal stop = new StopSignal();
        SinkHandler handler = new SinkHandler(sink, 5, stop, false);
        feed(handler, 12);
        assertEquals(5, handler.written());
        assertEquals(12, handler.consumed());
        assertEquals(7, handler.discarded());
        assertEquals(StopSignal.Reason.COUNT_REACHED, stop.reason());
    }

    @Test
    void failedWriteIsOneErrorAndWhatTheOutputTookStaysWritten() {
        CountingSink sink = new CountingSink();
        sink.failAfter = 3;
        StopSignal stop = new StopSignal();
        SinkHandler handler = new SinkHandler(sink, 0, stop, false);
        feed(handler, 2);
        feed(handler, 4);
        assertEquals(2, handler.written());
        assertEquals(1, handler.writeErrors());
        assertEquals(StopSignal.Reason.OUTPUT_FAILED, stop.reason());
        assertEquals(6, handler.consumed());
    }

    @Test
    void closedPipeEndsTheCaptureNormally() {
        CountingSink sink = new CountingSink();
        sink.failAfter = 0;
        StopSignal stop = new StopSignal();
        feed(new SinkHandler(sink, 0, stop, true), 1);
        assertEquals(StopSignal.Reason.OUTPUT_CLOSED, stop.reason());
    }

    @Test
    void abandonedHandlerWritesNothingMoreAndReportsNoError() {
        CountingSink sink = new CountingSink();
        StopSignal stop = new StopSignal();
        SinkHandler handler = new SinkHandler(sink, 0, stop, false);
        feed(handler, 3);
        handler.abandon();
        sink.failAfter = 0; // an interrupted write, as Capture's give-up causes
        feed(handler, 4);
        handler.close();
        assertEquals(3, handler.written());
        assertEquals(0, handler.writeErrors());
        assertNull(stop.reason());
        assertEquals(7, handler.consumed());
    }
}
