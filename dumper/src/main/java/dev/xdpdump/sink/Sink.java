package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;

import java.io.IOException;

/**
 * Where captured events go. Called by exactly one thread, the pipeline's sink thread.
 *
 * <p>{@link #write} buffers and must not allocate per event; {@link #flush} pushes everything buffered to the output
 * and is called at the end of every batch, so a reader at the other end of a pipe sees events promptly. An
 * {@link IOException} from either means the output is gone (closed pipe, full disk): capture stops.
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

    /** Flushes and releases the output. */
    @Override
    void close() throws IOException;
}
