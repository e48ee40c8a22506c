package dev.xdpdump.pipeline;

import com.lmax.disruptor.EventHandler;
import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.sink.Sink;

import java.io.IOException;

/**
 * Runs on the sink thread: writes each event, flushes at the end of every batch, stops after {@code -c} events.
 * After the output fails, or once the capture has given up on it, it keeps consuming without writing so the reader
 * never blocks on a dead consumer.
 *
 * <p>"Written" is what the sink says its output took ({@link Sink#recordsWritten()}), so records that a spilled
 * write put in the file before a later write failed still count. The counters are volatile, written once per batch
 * (or per failure), so a stats line may read them any time.
 */
final class SinkHandler implements EventHandler<CaptureEvent> {
    private final Sink sink;
    private final long limit;
    private final StopSignal stop;
    private final boolean outputIsPipe;
    /** Events handed to the sink, written or buffered. */
    private long taken;
    private long consumed;
    private volatile long consumedPublished;
    private volatile long discardedPublished;
    private volatile long writeErrors;
    private volatile boolean abandoned;
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
        consumed++;
        if (!done && !abandoned) {
            try {
                sink.write(event);
                taken++;
                boolean limitReached = limit > 0 && taken >= limit;
                if (endOfBatch || limitReached) {
                    sink.flush();
                }
                if (limitReached) {
                    done = true;
                    stop.request(StopSignal.Reason.COUNT_REACHED);
                }
            } catch (IOException e) {
                fail(e);
            }
        }
        if (endOfBatch) {
            consumedPublished = consumed;
            discardedPublished = consumed - taken;
        }
    }

    private void fail(IOException e) {
        done = true;
        if (abandoned) {
            return; // the write was cut short on purpose (Capture gave up on the output): not the output's failure
        }
        failed = true;
        writeErrors++;
        // A pipe fails only when its reader has gone (`| head`): that ends a capture normally.
        stop.request(outputIsPipe ? StopSignal.Reason.OUTPUT_CLOSED : StopSignal.Reason.OUTPUT_FAILED, e);
    }

    /**
     * From any thread: write nothing more. The caller then interrupts the sink thread, which aborts a write blocked
     * in the kernel (an interruptible channel closes), and no error is reported for it.
     */
    void abandon() {
        abandoned = true;
    }

    /**
     * Called on the caller's thread after the sink thread has stopped: flushes and closes the sink. After a failed
     * write it only releases the output: that failure was counted and reported once already.
     */
    void close() {
        try {
            if (!done && !abandoned) {
                sink.flush();
            }
            sink.close();
        } catch (IOException e) {
            if (!failed) {
                fail(e);
            }
        }
    }

    /** Events the output has taken; any thread. */
    long written() {
        return sink.recordsWritten();
    }

    /** Events this handler consumed, written or not, as of the last batch; any thread. */
    long consumed() {
        return consumedPublished;
    }

    /** Events consumed but never handed to the sink (after {@code -c}, a failure, or abandon); as of the last batch. */
    long discarded() {
        return discardedPublished;
    }

    /** Bytes the output has taken; grows during a long write. Any thread. */
    long bytesWritten() {
        return sink.bytesWritten();
    }

    /** Writes or flushes that failed (a full disk, a closed pipe); any thread. */
    long writeErrors() {
        return writeErrors;
    }
}
