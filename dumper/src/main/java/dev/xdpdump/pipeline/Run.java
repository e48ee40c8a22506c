package dev.xdpdump.pipeline;

import dev.xdpdump.sys.ErrnoException;

import java.io.IOException;
import java.util.List;

/**
 * A running capture, live ({@link Capture}) or from a file ({@link Replay}), as the {@link Supervisor} and the cli
 * see it: its outputs (what the two share, here once), its counters, and the one way out. {@link #close()} stops it if nobody did and is safe to call
 * twice.
 */
public abstract class Run implements AutoCloseable {
    /** The run's outputs: what a live capture and a file share. */
    final Outputs outputs;

    /** Binds the outputs' books to this run (see {@link #booksSoFar}); construct it before any event flows. */
    Run(Outputs outputs) {
        this.outputs = outputs;
        outputs.bindBooks(this);
    }

    /**
     * The books as they stand, for an output that writes them before the end (a rotated pcapng file's statistics):
     * called on a sink thread, or on the stopping thread during the last flush; allocates.
     */
    abstract Summary booksSoFar() throws ErrnoException;

    /** Events handed to the outputs' ring so far; the producer's count, as of its last batch. */
    abstract long handedToOutputs();

    /** How an output ended. */
    public enum OutputEnd {
        /** It took everything it was given (or its {@code -c} events). */
        WRITING,
        /** Its reader went away: a normal end, as for tcpdump. */
        CLOSED,
        /** A write failed. */
        FAILED,
        /** It took no data for {@link Capture#STALL_MILLIS}, or a second signal came. */
        GIVEN_UP;

        static OutputEnd of(SinkHandler.State state) {
            return switch (state) {
                case LIVE, COUNT_REACHED -> WRITING;
                case CLOSED -> CLOSED;
                case FAILED -> FAILED;
                case GIVEN_UP -> GIVEN_UP;
            };
        }
    }

    /** How the stop ended; null before it. */
    public abstract Capture.Ending ending();

    /** How many outputs, in command-line order: what the output methods take. */
    public final int outputCount() {
        return outputs.size();
    }

    public final OutputEnd outputEnd(int i) {
        return OutputEnd.of(outputs.get(i).state());
    }

    /** What output {@code i} is called in messages: a path, or "standard output". */
    public final String outputName(int i) {
        return outputs.get(i).name();
    }

    /** The write that failed on output {@code i}, or null. */
    public final IOException outputFailure(int i) {
        return outputs.get(i).failure();
    }

    /** The reader of the pipe behind output {@code i} has gone: that output ends normally, the others go on. */
    public final void outputReaderGone(int i) {
        outputs.get(i).readerGone();
    }

    /**
     * Gives up on any output that has taken no data for {@link Capture#STALL_MILLIS} while events wait for it, when
     * other outputs are still live (a lone output is waited for: it sets the pace). One thread, regularly; returns
     * how many it gave up on.
     */
    public final int giveUpOnStalledOutputs() {
        return outputs.giveUpOnStalled(handedToOutputs(), true);
    }

    /** A snapshot to fill with {@link #readCounters}, named for these outputs and interfaces; make it once. */
    public final Counters newCounters() {
        return new Counters(outputs.kinds(), interfaceNames());
    }

    /** The names of the interfaces this run captures on, in order; none for a file. */
    List<String> interfaceNames() {
        return List.of();
    }

    /**
     * Waits until every output not given up on has consumed what it was handed and {@code producerRunning} says the
     * producer is done, giving up on any output that stops moving; a second signal ends the wait at once.
     */
    final Capture.Ending drainOutputs(StopSignal stop, java.util.function.BooleanSupplier producerRunning) {
        try {
            while (producerRunning.getAsBoolean() || !outputs.consumedAll(handedToOutputs())) {
                if (stop.awaitHurry(DRAIN_POLL_MILLIS)) {
                    return Capture.Ending.SECOND_SIGNAL;
                }
                outputs.giveUpOnStalled(handedToOutputs(), false);
            }
            return Capture.Ending.DRAINED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Capture.Ending.SECOND_SIGNAL;
        }
    }

    private static final long DRAIN_POLL_MILLIS = 20;

    /** The counters so far, for a stats line; allocates nothing. */
    public abstract void readCounters(Counters into) throws ErrnoException;

    /**
     * Stops in the order the implementation documents and returns the books. Blocks while the outputs keep taking
     * data. Call once, from the thread that started.
     */
    public abstract Summary stop() throws ErrnoException;

    private boolean closed;

    /** Stops if nobody did, then releases what the run holds; safe to call twice. */
    @Override
    public final void close() throws ErrnoException {
        if (closed) {
            return;
        }
        try {
            stop();
        } finally {
            closed = true;
            release();
        }
    }

    /** After the stop: releases what only this kind of run holds (rings and program, or the file). */
    abstract void release();
}
