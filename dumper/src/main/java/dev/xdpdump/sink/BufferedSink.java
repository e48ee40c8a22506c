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
    /**
     * Where each record formatted since the buffer's last write ends in it, so a write that fails half way can tell
     * how many whole records reached a pipe. Sized for the smallest record (a 16-byte pcap header and one byte).
     */
    private final int[] recordEnds = new int[SPILL_BYTES / 16];
    private int pending;
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
        recordEnds[pending++] = buffer.size();
        if (buffer.size() >= SPILL_BYTES || pending == recordEnds.length) {
            writeBuffer();
        }
    }

    @Override
    public final void flush() throws IOException {
        if (buffer.size() > 0) {
            writeBuffer();
        }
    }

    /**
     * A record counts as written once all its bytes are in the output: all of them when the write completes; on
     * failure none for a file (cut back), and those a pipe took whole.
     */
    private void writeBuffer() throws IOException {
        try {
            output.write(buffer);
        } catch (IOException e) {
            int kept = output.keptOfFailedWrite();
            int whole = 0;
            while (whole < pending && recordEnds[whole] <= kept) {
                whole++;
            }
            written += whole;
            pending = 0; // the output is failed for good: nothing in the buffer will be written
            throw e;
        }
        written += pending;
        pending = 0;
    }

    /** Writes text that is not a record (a trailer) and flushes; it does not count as written. */
    final void writeTrailer(String ascii) throws IOException {
        flush();
        buffer.writeAscii(ascii);
        output.write(buffer);
    }

    /** As {@link #writeTrailer(String)}, for bytes (pcapng's statistics block). */
    final void writeTrailer(OutputBuffer bytes) throws IOException {
        flush();
        bytes.copyTo(buffer);
        output.write(buffer);
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
