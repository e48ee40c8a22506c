package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;

import java.io.IOException;

/**
 * What every sink shares: format each event into one reused {@link OutputBuffer}, hand it to the {@link Output} on
 * {@link #flush}, and write early when a long batch has filled {@value #SPILL_BYTES} bytes so memory stays bounded.
 *
 * <p>A file sink may rotate ({@link Rotation}: {@code -C}, {@code -G}, {@code -W}): before each write of the buffer,
 * which always holds whole records, it asks its {@link RotatingFiles} whether the write may go to the current file.
 * If not, it ends that file ({@link #fileTrailer}), closes it, opens the next, writes the next one's
 * {@link #fileHeader}, tells the listener, and writes the records there. So a record never spans files and every
 * file is complete on its own. The check costs a clock read per write, nothing per event.
 */
abstract class BufferedSink implements Sink {
    static final int SPILL_BYTES = 256 * 1024;

    /** The file or pipe being written: replaced at each rotation, on the sink's thread; read by any thread. */
    private volatile Output output;
    /** Null for an output that never rotates. */
    private final RotatingFiles files;
    private final OutputBuffer buffer = new OutputBuffer(SPILL_BYTES + 64 * 1024);
    /** What opens and closes each file (a header, pcapng's statistics), kept apart from the records in the buffer. */
    private final OutputBuffer fileBlocks = new OutputBuffer(1024);
    /**
     * Where each record formatted since the buffer's last write ends in it, so a write that fails half way can tell
     * how many whole records reached a pipe. Sized for the smallest record (a 16-byte pcap header and one byte).
     */
    private final int[] recordEnds = new int[SPILL_BYTES / 16];
    private int pending;
    private volatile long written;
    /** Records in the current file. */
    private long writtenToFile;
    /** Bytes the files before the current one took. */
    private volatile long earlierFilesBytes;
    /** The last file is closed (its -W files written, or the next could not be opened): nothing more goes out. */
    private boolean ended;
    private boolean closed;

    BufferedSink(Output output) {
        this(output, null);
    }

    /**
     * @param first the output to write first: with {@code files}, the file {@link RotatingFiles#openFirst} opened
     * @param files where the next files come from, or null for an output that never rotates
     */
    BufferedSink(Output first, RotatingFiles files) {
        this.output = first;
        this.files = files;
    }

    /** Formats one event into {@code out}; must not allocate. */
    abstract void format(CaptureEvent event, OutputBuffer out);

    /** Writes what every file starts with (pcap's global header); nothing by default. */
    void fileHeader(OutputBuffer out) {
    }

    /** Writes what ends a file that rotates out (pcapng's statistics blocks); nothing by default. */
    void fileTrailer(OutputBuffer out) {
    }

    /** The most bytes {@link #fileTrailer} writes, kept free under {@code -C}. */
    int fileTrailerBytes() {
        return 0;
    }

    /** Called after a write took every record formatted since the one before. */
    void committed() {
    }

    /** Writes the first file's header; the constructor of a sink that has one calls it last. */
    final void startFile() throws IOException {
        fileBlocks.clear();
        fileHeader(fileBlocks);
        if (fileBlocks.size() > 0) {
            output.write(fileBlocks);
        }
    }

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
        if (files != null && pending > 0) {
            rotateIfDue();
        }
        Output out = output;
        try {
            out.write(buffer);
        } catch (IOException e) {
            int kept = out.keptOfFailedWrite();
            int whole = 0;
            while (whole < pending && recordEnds[whole] <= kept) {
                whole++;
            }
            written += whole;
            pending = 0; // the output is failed for good: nothing in the buffer will be written
            throw e;
        }
        written += pending;
        writtenToFile += pending;
        pending = 0;
        committed();
    }

    /**
     * Before a write of the buffer: moves on to the next file if the rotation says so. When a file cannot be ended,
     * the next cannot be opened or started, or there is no next one ({@code -W} with {@code -G}), the buffered
     * records are dropped (they count as not written) and the output ends: with that failure, or with
     * {@link OutputCompleteException}. The files before stay complete.
     */
    private void rotateIfDue() throws IOException {
        Output current = output;
        RotatingFiles.Step step = files.check(current.bytesWritten(), buffer.size() + (long) fileTrailerBytes(),
                writtenToFile > 0);
        if (step == RotatingFiles.Step.STAY) {
            return;
        }
        String closed = current.name();
        long records = writtenToFile;
        try {
            endFile(current);
        } catch (IOException e) {
            end();
            throw e;
        }
        String next = files.advance(step);
        if (next == null) {
            end();
            files.listener().rotated(closed, records, null);
            throw new OutputCompleteException(closed + " was the last of the " + files.fileCount()
                    + " files -W allows");
        }
        Output opened;
        try {
            opened = Output.open(next);
        } catch (UnwritableOutputException e) {
            end();
            throw e;
        }
        earlierFilesBytes += current.bytesWritten();
        output = opened;
        writtenToFile = 0;
        try {
            startFile();
        } catch (IOException e) {
            end(); // the new file is cut back to empty; the ones before stay complete
            throw e;
        }
        files.listener().rotated(closed, records, next);
    }

    /** Writes the file's trailer and closes it; the output stays on it until the next one opens. */
    private void endFile(Output file) throws IOException {
        fileBlocks.clear();
        fileTrailer(fileBlocks);
        try {
            if (fileBlocks.size() > 0) {
                file.write(fileBlocks);
            }
        } finally {
            file.close();
        }
    }

    private void end() {
        ended = true;
        buffer.clear();
        pending = 0;
    }

    /** Writes text that is not a record (a trailer) and flushes; it does not count as written. */
    final void writeTrailer(String ascii) throws IOException {
        flush();
        buffer.writeAscii(ascii);
        output.write(buffer);
    }

    /**
     * As {@link #writeTrailer(String)}, for bytes (pcapng's statistics block); after the last file has ended
     * ({@code -W}) it writes nothing, since that file has its own.
     */
    final void writeTrailer(OutputBuffer bytes) throws IOException {
        flush();
        if (ended) {
            return;
        }
        bytes.copyTo(buffer);
        output.write(buffer);
    }

    @Override
    public final long recordsWritten() {
        return written;
    }

    /** All files together; while a rotation is under way it may briefly count the closed file twice or not at all. */
    @Override
    public final long bytesWritten() {
        return earlierFilesBytes + output.bytesWritten();
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
