package dev.xdpdump.serve;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;

/**
 * One client's bounded buffer between the capture's serving consumer (the one producer) and the thread that writes
 * to that client's socket (the one consumer). The producer never waits: a chunk that does not fit whole is dropped
 * for this client alone and its events counted, so a slow client costs the capture and the other clients nothing,
 * and what reaches the client is always whole records. Bytes live in one array allocated up front; offering and
 * draining allocate nothing.
 *
 * <p>Positions grow without wrapping (a long at a terabyte a second lasts for months); the index in the array is the
 * position modulo the capacity, a power of two. Each side writes only its own position, with release, and reads the
 * other's with acquire, as a single-producer single-consumer ring needs.
 */
public final class ClientBuffer {
    private static final VarHandle WRITTEN;
    private static final VarHandle READ;

    static {
        try {
            MethodHandles.Lookup lookup = MethodHandles.lookup();
            WRITTEN = lookup.findVarHandle(ClientBuffer.class, "written", long.class);
            READ = lookup.findVarHandle(ClientBuffer.class, "read", long.class);
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private final byte[] bytes;
    private final int mask;

    /** Producer's position: bytes offered and taken. */
    @SuppressWarnings("unused")
    private volatile long written;
    /** Consumer's position: bytes handed to the socket. */
    @SuppressWarnings("unused")
    private volatile long read;

    // Producer's books: one writer, so a volatile write per offer (per batch, not per event) publishes them to the
    // summary and --stats without a lock.
    private volatile long eventsTaken;
    private volatile long eventsDropped;
    private long droppedSinceNotice;

    /** @param capacity bytes, a power of two from 4 KiB to 1 GiB */
    public ClientBuffer(int capacity) {
        if (Integer.bitCount(capacity) != 1 || capacity < 4096 || capacity > (1 << 30)) {
            throw new IllegalArgumentException("client buffer capacity must be a power of two from 4096 to 2^30, not "
                    + capacity);
        }
        this.bytes = new byte[capacity];
        this.mask = capacity - 1;
    }

    public int capacity() {
        return bytes.length;
    }

    /** Bytes waiting for the socket. Either side may ask. */
    public int pending() {
        return (int) ((long) WRITTEN.getAcquire(this) - (long) READ.getAcquire(this));
    }

    /**
     * Producer only: takes {@code src}'s remaining bytes whole, holding {@code events} events, or drops them all and
     * counts the events as dropped for this client. {@code src}'s position is left where it was.
     *
     * @return whether the chunk was taken
     */
    public boolean offer(ByteBuffer src, int events) {
        int length = src.remaining();
        long w = (long) WRITTEN.getOpaque(this);
        long r = (long) READ.getAcquire(this);
        if (length > bytes.length - (w - r)) {
            eventsDropped += events;
            droppedSinceNotice += events;
            return false;
        }
        int at = (int) (w & mask);
        int first = Math.min(length, bytes.length - at);
        int start = src.position();
        src.get(start, bytes, at, first);
        if (first < length) {
            src.get(start + first, bytes, 0, length - first);
        }
        WRITTEN.setRelease(this, w + length);
        eventsTaken += events;
        return true;
    }

    /** Producer only: whether {@code length} bytes would fit now (for a drop notice and the chunk after it). */
    public boolean fits(int length) {
        return length <= bytes.length - ((long) WRITTEN.getOpaque(this) - (long) READ.getAcquire(this));
    }

    /** Producer only: events dropped since the producer last told the client, which resets it. */
    public long takeDroppedSinceNotice() {
        long n = droppedSinceNotice;
        droppedSinceNotice = 0;
        return n;
    }

    /** Producer only: drops that the client has not been told of yet. */
    public long droppedSinceNotice() {
        return droppedSinceNotice;
    }

    /**
     * Consumer only: copies pending bytes into {@code dst} (as many as fit) without consuming them; call
     * {@link #consumed} with what the socket took.
     *
     * @return bytes copied
     */
    public int peek(ByteBuffer dst) {
        long r = (long) READ.getOpaque(this);
        long w = (long) WRITTEN.getAcquire(this);
        int length = (int) Math.min(w - r, dst.remaining());
        int at = (int) (r & mask);
        int first = Math.min(length, bytes.length - at);
        dst.put(bytes, at, first);
        if (first < length) {
            dst.put(bytes, 0, length - first);
        }
        return length;
    }

    /** Consumer only: {@code n} bytes reached the socket; their room goes back to the producer. */
    public void consumed(int n) {
        long r = (long) READ.getOpaque(this);
        if (n < 0 || n > (long) WRITTEN.getAcquire(this) - r) {
            throw new IllegalArgumentException("consumed " + n + " bytes of " + pending() + " pending");
        }
        READ.setRelease(this, r + n);
    }

    /** Events offered and taken (they may still be in the buffer). */
    public long eventsTaken() {
        return eventsTaken;
    }

    /** Events this client lost because its buffer was full. */
    public long eventsDropped() {
        return eventsDropped;
    }
}
