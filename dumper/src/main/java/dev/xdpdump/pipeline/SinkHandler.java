package dev.xdpdump.pipeline;

import com.lmax.disruptor.EventHandler;
import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.sink.Sink;

import java.io.IOException;

/**
 * Runs on the sink thread: writes each event, flushes at the end of every batch, stops after {@code -c} events.
 * After the output fails it keeps consuming without writing so the reader never blocks on a dead consumer.
 *
 * <p>Its counters are volatile, written once per batch (or per failure), so a stats line may read them any time.
 */
final class SinkHandler implements EventHandler<CaptureEvent> {
    private final Sink sink;
    private final long limit;
    private final StopSignal stop;
    private final boolean outputIsPipe;
    private long buffered;
    private long discarded;
    private volatile long written;
    private volatile long discardedPublished;
    private volatile long writeErrors;
    private boolean done;
    private boolean failed;

    /** @param limit events to write before stopping, or 0 for no limit */
    SinkHandler(Sink sink, long limit, StopSignal stop, boolean outputIsPipe) {
        this.sink = sink;
        this.limit = limit;
        this.stop = stop;
        this.outputIsPipe = outputIsPipe;
    }

    @Override
    public void onEvent(CaptureEvent event, long sequence, boolean endOfBatch) {
        if (done) {
            discarded++;
            if (endOfBatch) {
                discardedPublished = discarded;
            }
            return;
        }
        try {
            sink.write(event);
            buffered++;
            boolean limitReached = limit > 0 && written + buffered >= limit;
            if (endOfBatch || limitReached) {
                flush();
            }
            if (limitReached) {
                done = true;
                stop.request(StopSignal.Reason.COUNT_REACHED);
            }
        } catch (IOException e) {
            fail(e);
        }
    }

    private void flush() throws IOException {
        sink.flush();
        written += buffered;
        buffered = 0;
    }

    private void fail(IOException e) {
        done = true;
        failed = true;
        writeErrors++;
        discarded += buffered;
        discardedPublished = discarded;
        buffered = 0;
        // A pipe fails only when its reader has gone (`| head`): that ends a capture normally.
        stop.request(outputIsPipe ? StopSignal.Reason.OUTPUT_CLOSED : StopSignal.Reason.OUTPUT_FAILED, e);
    }

    /**
     * Called on the caller's thread after the sink thread has stopped: flushes and closes the sink. After a failed
     * write it only releases the output: that failure was counted and reported once already.
     */
    void close() {
        try {
            if (!done) {
                flush();
            }
            sink.close();
        } catch (IOException e) {
            if (!failed) {
                fail(e);
            }
        }
    }

    /** Events the output has taken (flushed); any thread. */
    long written() {
        return written;
    }

    /** Events dropped after {@code -c} or a failed output, as of the last batch; any thread. */
    long discarded() {
        return discardedPublished;
    }

    /** Writes or flushes that failed (a full disk, a closed pipe); any thread. */
    long writeErrors() {
        return writeErrors;
    }

}
