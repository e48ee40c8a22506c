package dev.xdpdump.bench;

import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/** A channel that takes every byte and keeps none: sinks measured without I/O. Counts bytes so nothing is dead code. */
public final class DiscardingChannel implements WritableByteChannel {
    private long bytes;

    @Override
    public int write(ByteBuffer source) {
        int n = source.remaining();
        source.position(source.limit());
        bytes += n;
        return n;
    }

    public long bytes() { return bytes; }

    @Override
    public boolean isOpen() { return true; }

    @Override
    public void close() {}
}
