package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;

import java.io.IOException;

/**
 * What every sink shares: format each event into one reused {@link OutputBuffer}, hand it to the {@link Output} on
 * {@link #flush}, and write early when a long batch has filled {@value #SPILL_BYTES} bytes so memory stays bounded.
 */
abstract class BufferedSink implements Sink {
    static final int SPILL_BYTES = 256 * 1024;

    private final Output output;
    private final OutputBuffer buffer = new OutputBuffer(SPILL_BYTES + 64 * 1024);
    /** Records formatted into the buffer since its last write. */
    private long pending;
    private volatile long written;
    private boolean closed;

    BufferedSink(Output output) {
        this.output = output;
    }

    /** Formats one event into {@code out}; must not allocate. */
    abstract void format(CaptureEvent event, OutputBuffer out);

    /** The buffer, for bytes a sink writes once at open (a file header). */
    final OutputBuffer buffer() { return buffer; }

    @Override
    public final void write(CaptureEvent event) throws IOException {
        format(event, buffer);
        pending++;
        if (buffer.size() >= SPILL_BYTES) {
            writeBuffer();
        }
    }

    @Override
    public final void flush() throws IOException {
        if (buffer.size() > 0) {
            writeBuffer();
        }
    }

    /** The records go out whole or not at all: on failure a file is cut back, and none of them counts as written. */
    private void writeBuffer() throws IOException {
        output.write(buffer);
        written += pending;
        pending = 0;
    }

    @Override
    public final long recordsWritten() {
        return written;
    }

    @Override
    public final long bytesWritten() {
        return output.bytesWritten();
    }

    /** Flushes, then closes the output even when the flush fails; later calls do nothing. */
    @Override
    public final void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            flush();
        } finally {
            output.close();
        }
    }
}
