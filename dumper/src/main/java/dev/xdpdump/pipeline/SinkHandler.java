package dev.xdpdump.pipeline;

import com.lmax.disruptor.EventHandler;
import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.sink.Output;
import dev.xdpdump.sink.OutputCompleteException;
import dev.xdpdump.sink.DeliveryBooks;
import dev.xdpdump.sink.Sink;
import dev.xdpdump.sink.Totals;

import java.io.IOException;

/**
 * One output: a Disruptor consumer on its own thread that writes each event to its sink, flushes at the end of every
 * batch and stops after {@code -c} events. Each output is its own failure domain: once it has failed, closed, or been
 * given up on, it keeps consuming without writing, so the reader never waits for it and the other outputs go on.
 *
 * <p>"Written" is what the sink says its output took ({@link Sink#recordsWritten()}), so records that a spilled
 * write put in the file before a later write failed still count. The counters are volatile, written once per batch
 * (or per failure), so a stats line may read them any time.
 */
final class SinkHandler implements EventHandler<CaptureEvent> {
    /** Where an output stands. Every state but {@link #LIVE} is final. */
    enum State {
        /** Writing. */
        LIVE,
        /** Wrote its {@code -c} events, or its last {@code -W} file ({@link OutputCompleteException}). */
        COUNT_REACHED,
        /** Its reader went away (a closed pipe, `| head`): a normal end. */
        CLOSED,
        /** A write failed (a full disk, an I/O error). */
        FAILED,
        /** It took no data for the stall bound, or a second signal came: the capture stopped waiting for it. */
        GIVEN_UP
    }

    /** Told once when an output leaves {@link State#LIVE} for any reason. */
    @FunctionalInterface
    interface Departure {
        void departed(SinkHandler output);
    }

    private final String name;
    private final Sink sink;
    private final long limit;
    private final Departure departure;
    /** Events handed to the sink, written or buffered. */
    private long taken;
    private long consumed;
    private volatile long consumedPublished;
    private volatile long discardedPublished;
    private volatile long writeErrors;
    private volatile State state = State.LIVE;
    private volatile IOException failure;
    private volatile Thread thread;

    /**
     * @param name for messages: a path, or "standard output"
     * @param limit events to write before stopping, or 0 for no limit
     */
    SinkHandler(String name, Sink sink, long limit, Departure departure) {
        this.name = name;
        this.sink = sink;
        this.limit = limit;
        this.departure = departure;
    }

    @Override
    public void onStart() {
        thread = Thread.currentThread();
    }

    @Override
    public void onEvent(CaptureEvent event, long sequence, boolean endOfBatch) {
        consumed++;
        if (state == State.LIVE) {
            try {
                sink.write(event);
                taken++;
                boolean limitReached = limit > 0 && taken >= limit;
                if (endOfBatch || limitReached) {
                    sink.flush();
                }
                if (limitReached) {
                    leave(State.COUNT_REACHED);
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
        if (e instanceof OutputCompleteException) {
            leave(State.COUNT_REACHED); // all it was asked to write is written: a normal end, as -c
            return;
        }
        if (state == State.GIVEN_UP) {
            // The write was cut short on purpose (the thread was interrupted): not the output's failure. Clear the
            // interrupt so the Disruptor's wait does not trip on it.
            Thread.interrupted();
            return;
        }
        failure = e;
        State end = endFor(e);
        if (end == State.FAILED) {
            writeErrors++; // a reader that went away (`| head`) is a normal end, not an error
        }
        leave(end);
    }

    /** A reader that went away (`| head`) ends an output normally; any other failure is one. */
    private static State endFor(IOException e) {
        return Output.classify(e) == Output.Failure.READER_GONE ? State.CLOSED : State.FAILED;
    }

    private synchronized boolean leave(State to) {
        if (state != State.LIVE) {
            return false;
        }
        state = to;
        departure.departed(this);
        return true;
    }

    /** From any thread: the pipe's reader has gone; writes nothing more, a normal end for this output. */
    void readerGone() {
        leave(State.CLOSED);
    }

    /**
     * From any thread: writes nothing more, and interrupts a write blocked in the kernel (an interruptible channel
     * closes); no error is reported for it. The sink is then neither flushed nor closed: nothing more may reach the
     * output once the books are read.
     */
    void giveUp() {
        if (leave(State.GIVEN_UP)) {
            Thread t = thread;
            if (t != null) {
                t.interrupt();
            }
        }
    }

    /**
     * Called on the caller's thread after the sink thread has stopped: hands the sink the books and closes it. After a
     * failed write it only releases the output: that failure was counted and reported once already. Does nothing for
     * an output given up on.
     */
    void finish(Totals totals) {
        State now = state;
        if (now == State.GIVEN_UP) {
            return;
        }
        try {
            if (now == State.LIVE || now == State.COUNT_REACHED) {
                sink.flush();
                sink.finish(totals);
            }
            sink.close();
        } catch (OutputCompleteException e) {
            state = State.COUNT_REACHED; // the last flush ended its last -W file: a normal end
            release();
        } catch (IOException e) {
            if (now == State.LIVE || now == State.COUNT_REACHED) {
                failure = e; // the last flush or the trailer failed: the capture is over, nobody to tell
                state = endFor(e);
                if (state == State.FAILED) {
                    writeErrors++;
                }
            }
        }
    }

    /** For a start that failed before any event: closes the sink with no trailer, ignoring errors. */
    void release() {
        try {
            sink.close();
        } catch (IOException e) {
            // the start's own failure is what the user hears about
        }
    }

    String name() {
        return name;
    }

    State state() {
        return state;
    }

    /** The write that failed, for the message; null unless {@link State#FAILED} or {@link State#CLOSED} by one. */
    IOException failure() {
        return failure;
    }

    /** Events the output has taken; any thread. */
    long written() {
        return sink.recordsWritten();
    }

    /** The sink's delivery books when it delivers later (Kafka), else null; any thread. */
    DeliveryBooks delivery() {
        return sink instanceof DeliveryBooks books ? books : null;
    }

    /** Events this handler consumed, written or not, as of the last batch; any thread. */
    long consumed() {
        return consumedPublished;
    }

    /** Events consumed but never handed to the sink (after {@code -c}, a failure, or giving up); as of the last batch. */
    long discarded() {
        return discardedPublished;
    }

    /** Bytes the output has taken; grows during a long write. Any thread. */
    long bytesWritten() {
        return sink.bytesWritten();
    }

    /** Writes or flushes that failed (a full disk, an I/O error; not a reader that went away); any thread. */
    long writeErrors() {
        return writeErrors;
    }

    /** The sink thread, once it has started; null before. */
    Thread thread() {
        return thread;
    }
}
