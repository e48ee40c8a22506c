package dev.xdpdump.pipeline;

import dev.xdpdump.sys.ErrnoException;

import java.io.IOException;

/**
 * A running capture, live ({@link Capture}) or from a file ({@link Replay}), as the {@link Supervisor} and the cli
 * see it: its outputs, its counters, and the one way out. {@link #close()} stops it if nobody did and is safe to call
 * twice.
 */
public interface Run extends AutoCloseable {
    /** How an output ended. */
    enum OutputEnd {
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
    Capture.Ending ending();

    /** How many outputs, in command-line order: what the output methods take. */
    int outputCount();

    OutputEnd outputEnd(int i);

    /** What output {@code i} is called in messages: a path, or "standard output". */
    String outputName(int i);

    /** The write that failed on output {@code i}, or null. */
    IOException outputFailure(int i);

    /** The reader of the pipe behind output {@code i} has gone: that output ends normally, the others go on. */
    void outputReaderGone(int i);

    /** Gives up on outputs that stalled while others still take data; returns how many. One thread, regularly. */
    int giveUpOnStalledOutputs();

    /** A snapshot to fill with {@link #readCounters}, named for these outputs; make it once. */
    Counters newCounters();

    /** The counters so far, for a stats line; allocates nothing. */
    void readCounters(Counters into) throws ErrnoException;

    /**
     * Stops in the order the implementation documents and returns the books. Blocks while the outputs keep taking
     * data. Call once, from the thread that started.
     */
    Summary stop() throws ErrnoException;

    @Override
    void close() throws ErrnoException;
}
