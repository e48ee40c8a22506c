package dev.xdpdump.sink;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The one owner of the channel a sink writes to: a file, or standard output for {@value #STDOUT}.
 *
 * <p>Writes go straight to a channel, never through {@code System.out}: a {@link java.io.PrintStream} swallows
 * errors, and a closed pipe ({@code | head}) must surface as an {@link IOException} so capture stops. Used by one
 * thread, the sink's.
 *
 * <p>A write that fails on a file (a full disk) may have written part of its bytes: the file is cut back to where
 * that write began, so it holds only what earlier writes completed (whole records, as sinks write them). After a
 * failed write every further write fails.
 */
public final class Output implements AutoCloseable {
    /** What a failed write means for the capture. */
    public enum Failure {
        /** The reader went away (EPIPE: `| head` exited): a normal end of this output, as for tcpdump. */
        READER_GONE,
        /** The file system is full or the file too large (ENOSPC, EDQUOT, EFBIG). */
        NO_SPACE,
        /** Anything else: an I/O error, a device gone. */
        OTHER
    }

    /**
     * Classifies a failure of a write or flush. The JDK reports errno only as strerror's text, so this is the one
     * place that reads it.
     */
    public static Failure classify(IOException failure) {
        String message = String.valueOf(failure.getMessage());
        if (message.contains("Broken pipe")) {
            return Failure.READER_GONE;
        }
        if (message.contains("No space left on device") || message.contains("Disk quota exceeded")
                || message.contains("File too large")) {
            return Failure.NO_SPACE;
        }
        return Failure.OTHER;
    }

    /** The target word that means standard output. */
    public static final String STDOUT = "-";
    /**
     * At most this many bytes per write(2) to anything but a file: PIPE_BUF, which a pipe takes whole or not at all.
     * A blocking pipe write returns only once every byte is in the pipe, so a 256 KiB batch to a reader taking
     * 10 kB/s would show no progress for half a minute; and a larger write cut short by an interrupt (when a stop
     * gives up) would leave bytes in the pipe that the JDK does not report, so records the reader got whole would not
     * count as written.
     */
    static final int PIPE_CHUNK = 4096;

    private final WritableByteChannel channel;
    private final String name;
    private final boolean ownsChannel;
    /** Where the last complete write ended, for files that can be cut back; -1 for pipes and sockets. */
    private long committed;
    /** Bytes the channel has taken, updated after every chunk so a slow write shows progress while it runs. */
    private volatile long bytesWritten;
    /** Bytes the channel took during the current (or last) call of {@link #write}. */
    private int tookThisWrite;
    /** Bytes of the last failed write that stayed in the output: 0 for a file cut back, what a pipe took. */
    private int keptOfFailedWrite;
    /** Kept, not made per write: a bound method reference is a new object each time it is evaluated. */
    private final OutputBuffer.Progress progress = this::took;
    private boolean closed;
    private boolean failed;

    private Output(WritableByteChannel channel, String name, boolean ownsChannel) {
        this.channel = channel;
        this.name = name;
        this.ownsChannel = ownsChannel;
        this.committed = startPosition(channel);
    }

    private static long startPosition(WritableByteChannel channel) {
        if (!(channel instanceof FileChannel)) {
            return -1;
        }
        try {
            return ((FileChannel) channel).position();
        } catch (IOException e) {
            return -1; // a pipe or a terminal: nothing to cut back
        }
    }

    /**
     * Opens {@code target} for writing: {@value #STDOUT} is standard output, anything else a file path, created or
     * truncated.
     *
     * @throws UnwritableOutputException when the file cannot be opened; its message is one line for the user
     */
    public static Output open(String target) throws UnwritableOutputException {
        if (STDOUT.equals(target)) {
            // Standard output stays open after close: fd 1 belongs to the process, not to this sink.
            return new Output(new FileOutputStream(FileDescriptor.out).getChannel(), "standard output", false);
        }
        try {
            FileChannel file = FileChannel.open(Path.of(target), StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                StandardOpenOption.TRUNCATE_EXISTING);
            return new Output(file, target, true);
        } catch (NoSuchFileException e) {
            throw new UnwritableOutputException(target, "No such file or directory", e);
        } catch (AccessDeniedException e) {
            throw new UnwritableOutputException(target, "Permission denied", e);
        } catch (FileSystemException e) {
            throw new UnwritableOutputException(target, e.getReason() != null ? e.getReason() : e.toString(), e);
        } catch (InvalidPathException e) {
            throw new UnwritableOutputException(target, "invalid path (" + e.getReason() + ")", e);
        } catch (IOException | UnsupportedOperationException | SecurityException e) {
            throw new UnwritableOutputException(target, String.valueOf(e.getMessage()), e);
        }
    }

    /** Wraps a channel the caller opened (a socket, a test double); {@link #close} closes it. */
    public static Output of(WritableByteChannel channel, String name) {
        return new Output(channel, name, true);
    }

    /** What this output is, for messages: the path, or "standard output". */
    public String name() { return name; }

    /**
     * Writes all of {@code buffer} and empties it; blocks until the channel has taken every byte. When it fails, a
     * file is cut back to where this write began, a pipe keeps what it took ({@link #keptOfFailedWrite()}), and the
     * buffer keeps its content.
     */
    public void write(OutputBuffer buffer) throws IOException {
        if (closed) {
            throw new IOException("write to " + name + " after close");
        }
        if (failed) {
            throw new IOException("write to " + name + " after a failed write");
        }
        int size = buffer.size();
        tookThisWrite = 0;
        try {
            buffer.drainTo(channel, committed >= 0 ? Integer.MAX_VALUE : PIPE_CHUNK, progress);
        } catch (IOException e) {
            failed = true;
            keptOfFailedWrite = cutBack(e) ? 0 : tookThisWrite;
            throw e;
        }
        if (committed >= 0) {
            committed += size;
        }
    }

    private void took(int bytes) {
        tookThisWrite += bytes;
        bytesWritten += bytes; // one writer thread: the volatile write only publishes
    }

    /**
     * After a write failed: how many of its first bytes stayed in the output. 0 for a file, which is cut back to
     * where the write began; for a pipe, what its reader may already have read.
     */
    public int keptOfFailedWrite() {
        return keptOfFailedWrite;
    }

    /** Bytes this output has taken so far; any thread. */
    public long bytesWritten() {
        return bytesWritten;
    }

    /** Cuts a file back to where the failed write began; true when it did (false for a pipe, or if it failed). */
    private boolean cutBack(IOException failure) {
        if (committed < 0) {
            return false;
        }
        try {
            ((FileChannel) channel).truncate(committed);
            return true;
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
            return false;
        }
    }

    /** Closes the channel unless it is standard output; later calls do nothing. */
    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        if (ownsChannel) {
            channel.close();
        }
    }
}
