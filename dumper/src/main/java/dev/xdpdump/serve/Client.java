package dev.xdpdump.serve;

import dev.xdpdump.sink.OutputFormat;
import dev.xdpdump.sys.PeerCredentials;
import dev.xdpdump.sys.UnixConnection;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.concurrent.locks.LockSupport;

/**
 * One served client: its connection, its buffer and the thread that writes the buffer to the socket. The producer
 * (the capture's serving consumer) only offers into the buffer and wakes the thread; it never touches the socket, so
 * a client that stops reading costs the capture nothing.
 */
final class Client {
    private static final int WRITE_CHUNK = 64 << 10;

    final int id;
    final PeerCredentials peer;
    final Instant connectedAt;
    private final UnixConnection connection;
    private final ClientBuffer buffer;
    private volatile Thread writer;
    private volatile boolean parked;
    /** Set once by whoever ends the client first; the writer drains what is buffered and closes. */
    private volatile String ending;
    private volatile String left;
    private volatile long lastProgressNanos;
    private volatile OutputFormat format;
    /** Events still wanted ({@code count N}), or Long.MAX_VALUE; producer only. */
    private long wanted = Long.MAX_VALUE;

    Client(int id, PeerCredentials peer, UnixConnection connection, int bufferBytes) {
        this.id = id;
        this.peer = peer;
        this.connection = connection;
        this.buffer = new ClientBuffer(bufferBytes);
        this.connectedAt = Instant.now();
        this.lastProgressNanos = System.nanoTime();
    }

    UnixConnection connection() {
        return connection;
    }

    OutputFormat format() {
        return format;
    }

    void serve(OutputFormat format, long count) {
        this.format = format;
        this.wanted = count > 0 ? count : Long.MAX_VALUE;
    }

    boolean ended() {
        return ending != null;
    }

    /** Events still wanted; Long.MAX_VALUE for no count. Producer only. */
    long wanted() {
        return wanted;
    }

    /**
     * Producer only: offers a chunk of {@code events} whole records (never more than {@link #wanted}), after a drop
     * notice if events were dropped for this client since the last one and the notice and the chunk fit together.
     * Dropped events count against {@code count N} as taken ones do: the client asked for the next N events.
     */
    void offer(ByteBuffer chunk, int events) {
        if (ending != null) {
            return;
        }
        if (buffer.droppedSinceNotice() > 0) {
            ByteBuffer notice = dropNotice(buffer.droppedSinceNotice(), buffer.eventsDropped());
            if (notice.remaining() > 0 && buffer.fits(notice.remaining() + chunk.remaining())) {
                buffer.offer(notice, 0);
                buffer.takeDroppedSinceNotice();
            }
        }
        buffer.offer(chunk, events);
        if (wanted != Long.MAX_VALUE) {
            wanted -= events;
            if (wanted <= 0) {
                end("count reached");
            }
        }
        wake();
    }

    /** Producer only: the drop notice still owed, offered if it fits (before the trailer at the end). */
    void offerPendingNotice() {
        if (ending != null || buffer.droppedSinceNotice() == 0) {
            return;
        }
        ByteBuffer notice = dropNotice(buffer.droppedSinceNotice(), buffer.eventsDropped());
        if (notice.remaining() > 0 && buffer.offer(notice, 0)) {
            buffer.takeDroppedSinceNotice();
        }
        wake();
    }

    /** Offers bytes that hold no event (headers, trailers); whoever is the buffer's producer at the time. */
    void offerBlock(ByteBuffer block) {
        if (ending == null) {
            buffer.offer(block, 0);
            wake();
        }
    }

    private ByteBuffer dropNotice(long dropped, long total) {
        byte[] bytes = dropNotice(format, dropped, total, System.currentTimeMillis() * 1_000_000L);
        return ByteBuffer.wrap(bytes == null ? new byte[0] : bytes);
    }

    /**
     * The in-band drop notice of {@code format}: a JSON record, a hex comment line, or for pcapng an Interface
     * Statistics Block for interface 0 whose comment says it (Wireshark shows it; readers skip it); null for pcap,
     * which has no block to carry it (the server's summary has the count). Allocates, but only when drops happened:
     * once per batch at most.
     */
    static byte[] dropNotice(OutputFormat format, long dropped, long total, long nowNanos) {
        String words = dropped + " events dropped for this client (" + total + " in all)";
        return switch (format) {
            case JSON -> ("{\"type\":\"dropped\",\"dropped\":" + dropped + ",\"dropped_total\":" + total + "}\n")
                    .getBytes(StandardCharsets.US_ASCII);
            case HEX -> ("# xdpdump: " + words + "\n").getBytes(StandardCharsets.US_ASCII);
            case PCAPNG -> statisticsBlock("xdpdump: " + words, nowNanos);
            default -> null;
        };
    }

    /** An ISB (block type 5) for interface 0 at {@code nanos} (the IDBs say nanosecond resolution), one comment. */
    private static byte[] statisticsBlock(String comment, long nanos) {
        byte[] text = comment.getBytes(StandardCharsets.UTF_8);
        int padded = (text.length + 3) & ~3;
        int length = 4 + 4 + 4 + 8 + 4 + padded + 4 + 4;
        ByteBuffer block = ByteBuffer.allocate(length).order(java.nio.ByteOrder.nativeOrder());
        block.putInt(5).putInt(length).putInt(0).putInt((int) (nanos >>> 32)).putInt((int) nanos);
        block.putShort((short) 1).putShort((short) text.length).put(text);
        block.position(block.position() + padded - text.length);
        block.putShort((short) 0).putShort((short) 0).putInt(length);
        return block.array();
    }

    /** The client has taken nothing for {@code limitNanos} while its buffer held bytes. Any thread. */
    boolean stalledFor(long nowNanos, long limitNanos) {
        return buffer.pending() > 0 && nowNanos - lastProgressNanos > limitNanos;
    }

    /** Ends the client for {@code why}; the first reason given is the one kept. The writer drains, then closes. */
    void end(String why) {
        synchronized (this) {
            if (ending == null) {
                ending = why;
            }
        }
        wake();
    }

    /** Ends it without draining: its socket is shut so a blocked write returns. */
    void abort(String why) {
        end(why);
        connection.shutdown();
    }

    private void wake() {
        Thread t = writer;
        if (parked && t != null) {
            LockSupport.unpark(t);
        }
    }

    /** The writer thread's loop: buffer to socket until ended and drained, or the socket fails. */
    void writeLoop() {
        writer = Thread.currentThread();
        ByteBuffer out = ByteBuffer.allocateDirect(WRITE_CHUNK);
        try {
            while (true) {
                out.clear();
                int n = buffer.peek(out);
                if (n == 0) {
                    if (ending != null) {
                        left = ending;
                        return;
                    }
                    parked = true;
                    if (buffer.pending() == 0 && ending == null) {
                        // Bounded park: a wake-up lost between the check and the park costs at most this.
                        LockSupport.parkNanos(20_000_000L);
                    }
                    parked = false;
                    continue;
                }
                out.flip();
                while (out.hasRemaining()) {
                    int wrote = connection.write(out);
                    if (wrote > 0) {
                        buffer.consumed(wrote);
                        lastProgressNanos = System.nanoTime();
                    }
                }
            }
        } catch (IOException e) {
            String why = ending != null ? ending : "left (" + e.getMessage() + ")";
            end(why);
            left = why;
        } finally {
            try {
                connection.close();
            } catch (IOException e) {
                // closing a socket that failed: nothing more to learn
            }
        }
    }

    /** Whether the writer has finished (the socket is closed). */
    boolean gone() {
        return left != null;
    }

    ClientBooks books() {
        String why = left;
        return new ClientBooks(id, peer.pid(), peer.uid(), format, connectedAt, buffer.eventsTaken(),
                buffer.eventsDropped(), why == null ? ending : why);
    }
}
