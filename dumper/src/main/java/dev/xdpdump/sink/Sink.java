package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;

import java.io.IOException;

/**
 * Where captured events go. Called by exactly one thread, its output's sink thread, until that
 * thread has stopped; then {@link #finish} and {@link #close} come from the thread that stops the capture.
 *
 * <p>{@link #write} buffers and must not allocate per event; {@link #flush} pushes everything buffered to the output
 * and is called at the end of every batch, so a reader at the other end of a pipe sees events promptly. An
 * {@link IOException} from either means this output is gone (closed pipe, full disk; {@link Output#classify}): it
 * writes nothing more, and the capture ends once no output is left. {@link OutputCompleteException} is the one normal
 * end among them: a rotating file output has written the last file {@code -W} allows.
 */
public interface Sink extends AutoCloseable {
    void write(CaptureEvent event) throws IOException;

    void flush() throws IOException;

    /**
     * Records the output has taken so far: in a file or sent down a pipe by writes that completed. A record whose
     * write failed is not among them (a file is cut back to before it). Any thread; current as of the last write.
     */
    long recordsWritten();

    /**
     * Bytes the output has taken so far, headers included; grows while a long write is still in progress, so a
     * caller can tell a slow output from a stalled one. Any thread.
     */
    long bytesWritten();

    /**
     * Called once at the end, before {@link #close}, with the capture's books: a sink that has a trailer writes it
     * (JSON's stats record). Not called when the capture gave up on this output.
     */
    default void finish(Totals totals) throws IOException {
    }

    /** Flushes and releases the output. */
    @Override
    void close() throws IOException;
}
