package dev.xdpdump.sys;

import jnr.unixsocket.Credentials;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;
import jnr.unixsocket.UnixSocketOptions;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/** One connected stream socket of the Unix family (jnr-unixsocket), blocking; the sole owner of its descriptor. */
public final class UnixConnection implements AutoCloseable {
    private final UnixSocketChannel channel;

    UnixConnection(UnixSocketChannel channel) {
        this.channel = channel;
    }

    /** Connects to the server socket at {@code path}. */
    public static UnixConnection connect(Path path) throws IOException {
        UnixSocketChannel channel = UnixSocketChannel.open();
        try {
            channel.connect(new UnixSocketAddress(path.toFile()));
            return new UnixConnection(channel);
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw new IOException("connect to " + path + ": " + e.getMessage()
                    + " (is a server listening there, and may you write to the socket file?)", e);
        }
    }

    /** The peer's pid, uid and gid as the kernel recorded them at connect time. */
    public PeerCredentials peer() throws IOException {
        try {
            Credentials c = channel.getOption(UnixSocketOptions.SO_PEERCRED);
            return new PeerCredentials(c.getPid(), c.getUid(), c.getGid());
        } catch (UnsupportedOperationException e) {
            // jnr-unixsocket reports a failed getsockopt this way rather than as an IOException.
            throw new IOException("read the peer's credentials (SO_PEERCRED): " + e.getMessage(), e);
        }
    }

    /** Reads what is there, at most {@code dst.remaining()} bytes; -1 at the end of the stream. Blocks. */
    public int read(ByteBuffer dst) throws IOException {
        return channel.read(dst);
    }

    /** Writes all of {@code src}, blocking until the peer has taken it. */
    public void writeFully(ByteBuffer src) throws IOException {
        while (src.hasRemaining()) {
            channel.write(src);
        }
    }

    /** Writes what the socket takes now, at least one byte unless {@code src} is empty. Blocks. */
    public int write(ByteBuffer src) throws IOException {
        return channel.write(src);
    }

    /**
     * Shuts both directions (shutdown(2)) so a thread blocked in a read or write on this connection returns; any
     * thread may call it, and a failure (already closed) is of no interest.
     */
    public void shutdown() {
        try {
            Native.LIBC.shutdown(channel.getFD(), 2);
        } catch (RuntimeException e) {
            // the descriptor is gone already: nothing is blocked on it
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
