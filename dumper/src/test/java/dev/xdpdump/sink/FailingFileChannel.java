package dev.xdpdump.sink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/** A real file channel that runs out of space: after {@code room} bytes a write takes what fits, the next one fails. */
final class FailingFileChannel extends FileChannel {
    private final FileChannel file;
    private long room;

    FailingFileChannel(FileChannel file, long room) {
        this.file = file;
        this.room = room;
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
        if (room == 0) {
            throw new IOException("No space left on device");
        }
        int take = (int) Math.min(room, src.remaining());
        ByteBuffer part = src.duplicate();
        part.limit(part.position() + take);
        int n = file.write(part);
        src.position(src.position() + n);
        room -= n;
        return n;
    }

    @Override public int read(ByteBuffer dst) throws IOException { return file.read(dst); }
    @Override public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
        return file.read(dsts, offset, length);
    }
    @Override public long write(ByteBuffer[] srcs, int offset, int length) { throw new UnsupportedOperationException(); }
    @Override public long position() throws IOException { return file.position(); }
    @Override public FileChannel position(long newPosition) throws IOException {
        file.position(newPosition);
        return this;
    }
    @Override public long size() throws IOException { return file.size(); }
    @Override public FileChannel truncate(long size) throws IOException {
        file.truncate(size);
        return this;
    }
    @Override public void force(boolean metaData) throws IOException { file.force(metaData); }
    @Override public long transferTo(long position, long count, WritableByteChannel target) {
        throw new UnsupportedOperationException();
    }
    @Override public long transferFrom(ReadableByteChannel src, long position, long count) {
        throw new UnsupportedOperationException();
    }
    @Override public int read(ByteBuffer dst, long position) throws IOException { return file.read(dst, position); }
    @Override public int write(ByteBuffer src, long position) { throw new UnsupportedOperationException(); }
    @Override public MappedByteBuffer map(MapMode mode, long position, long size) {
        throw new UnsupportedOperationException();
    }
    @Override public FileLock lock(long position, long size, boolean shared) {
        throw new UnsupportedOperationException();
    }
    @Override public FileLock tryLock(long position, long size, boolean shared) {
        throw new UnsupportedOperationException();
    }
    @Override protected void implCloseChannel() throws IOException { file.close(); }
}
