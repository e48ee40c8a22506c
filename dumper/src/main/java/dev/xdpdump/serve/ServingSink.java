package dev.xdpdump.serve;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.sink.InterfaceNames;
import dev.xdpdump.sink.Output;
import dev.xdpdump.sink.OutputFormat;
import dev.xdpdump.sink.Sink;
import dev.xdpdump.sink.Totals;
import dev.xdpdump.sys.UnixListener;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;

/**
 * The serving output: one consumer of the capture's ring (a sink like any other, on its own thread) that formats
 * each batch once per format some client asked for and offers the bytes to every client of that format. It never
 * waits: a client's buffer takes a chunk whole or drops it for that client alone ({@link ClientBuffer}). Its own
 * books count every event it was handed as written, since serving them to whoever is connected is all it does.
 */
public final class ServingSink implements Sink {
    private final Server server;
    private final Feed[] feeds = new Feed[OutputFormat.values().length];
    private final List<Client> joined = new ArrayList<>();
    private boolean inBatch;
    private volatile long events;

    /**
     * Binds {@code path} and starts the server.
     *
     * @param user the socket file's owner ({@code -Z}'s user), or null for the one running
     *
     * @throws ServeException when the socket cannot be bound (live server there, bad group, ...)
     */
    public static ServingSink open(java.nio.file.Path path, String group, String user, int serverUid,
                                   int maxClients, int snapLength, boolean nanoseconds, InterfaceNames names,
                                   PrintStream log) throws IOException {
        UnixListener listener;
        try {
            listener = UnixListener.bind(path, Math.max(maxClients, 256), group, user);
        } catch (IOException e) {
            throw new ServeException("--serve " + path + ": " + e.getMessage(), e);
        }
        try {
            // The group's gid is the one the socket file now has: no second look-up to disagree with the first.
            int groupGid = group == null ? -1
                    : (int) java.nio.file.Files.getAttribute(path, "unix:gid", java.nio.file.LinkOption.NOFOLLOW_LINKS);
            return new ServingSink(listener, new Admission(serverUid, groupGid, group), maxClients, snapLength,
                    nanoseconds, names, log);
        } catch (IOException | RuntimeException e) {
            listener.close();
            throw e;
        }
    }

    private ServingSink(UnixListener listener, Admission admission, int maxClients, int snapLength,
                        boolean nanoseconds, InterfaceNames names, PrintStream log) throws IOException {
        for (OutputFormat format : OutputFormat.values()) {
            feeds[format.ordinal()] = new Feed(format, snapLength, nanoseconds, names);
        }
        this.server = Server.start(listener, admission, maxClients, log, f -> feeds[f.ordinal()].headers);
    }

    public java.nio.file.Path path() {
        return server.path();
    }

    @Override
    public void write(CaptureEvent event) throws IOException {
        if (!inBatch) {
            inBatch = true;
            takeInJoined();
        }
        events++;
        for (Feed feed : feeds) {
            feed.write(event);
        }
    }

    @Override
    public void flush() throws IOException {
        for (Feed feed : feeds) {
            feed.flush();
        }
        inBatch = false;
    }

    private void takeInJoined() {
        server.adopt(joined);
        for (Client c : joined) {
            feeds[c.format().ordinal()].clients.add(c);
        }
        joined.clear();
    }

    @Override
    public long recordsWritten() {
        return events;
    }

    @Override
    public long bytesWritten() {
        return events;
    }

    /** Each client gets its drop notice and its format's trailer; then the server ends them. */
    @Override
    public void finish(Totals totals) throws IOException {
        takeInJoined();
        for (Feed feed : feeds) {
            feed.finish(totals);
        }
    }

    @Override
    public void close() {
        server.close();
        for (Feed feed : feeds) {
            feed.close();
        }
    }

    /** One format: its sink writing into {@link Staging}, and the clients that asked for it. */
    private static final class Feed {
        final OutputFormat format;
        final Staging staging = new Staging();
        final Sink sink;
        final byte[] headers;
        final List<Client> clients = new ArrayList<>();
        /** Events formatted since the last delivery. */
        private int pending;

        Feed(OutputFormat format, int snapLength, boolean nanoseconds, InterfaceNames names) throws IOException {
            this.format = format;
            this.sink = format.build(Output.of(staging, "clients (" + format.word() + ")"), snapLength, nanoseconds,
                    names, format == OutputFormat.JSON);
            this.headers = staging.take();
        }

        void write(CaptureEvent event) throws IOException {
            if (clients.isEmpty()) {
                return;
            }
            sink.write(event);
            pending++;
            // A client with count N gets a chunk that ends at its Nth event; a spill of the sink ends one too.
            if (pending >= minWanted() || staging.size() > 0) {
                flush();
            }
        }

        private long minWanted() {
            long min = Long.MAX_VALUE;
            for (int i = 0; i < clients.size(); i++) {
                min = Math.min(min, clients.get(i).wanted());
            }
            return min;
        }

        void flush() throws IOException {
            if (clients.isEmpty() && pending == 0) {
                return;
            }
            sink.flush();
            if (staging.size() > 0) {
                ByteBuffer chunk = staging.view();
                for (int i = 0; i < clients.size(); i++) {
                    clients.get(i).offer(chunk, pending);
                }
            }
            staging.clear();
            pending = 0;
            clients.removeIf(Client::ended);
        }

        void finish(Totals totals) throws IOException {
            flush();
            for (Client c : clients) {
                c.offerPendingNotice();
            }
            sink.finish(totals);
            sink.flush();
            if (staging.size() > 0) {
                ByteBuffer trailer = staging.view();
                for (Client c : clients) {
                    c.offerBlock(trailer);
                }
            }
            staging.clear();
            for (Client c : clients) {
                c.end("server stopped");
            }
        }

        void close() {
            try {
                sink.close();
            } catch (IOException e) {
                // staging never fails
            }
        }
    }

    /** A channel into a growable array: what a format's sink wrote since the last delivery. */
    private static final class Staging implements WritableByteChannel {
        private byte[] bytes = new byte[64 << 10];
        private ByteBuffer view = ByteBuffer.wrap(bytes);
        private int size;

        @Override
        public int write(ByteBuffer src) {
            int n = src.remaining();
            if (size + n > bytes.length) {
                byte[] grown = new byte[Math.max(bytes.length * 2, size + n)];
                System.arraycopy(bytes, 0, grown, 0, size);
                bytes = grown;
                view = ByteBuffer.wrap(bytes);
            }
            src.get(bytes, size, n);
            size += n;
            return n;
        }

        int size() {
            return size;
        }

        /** The bytes written, as a buffer the clients read from its position (which they leave alone). */
        ByteBuffer view() {
            view.clear().limit(size);
            return view;
        }

        void clear() {
            size = 0;
        }

        byte[] take() {
            byte[] copy = java.util.Arrays.copyOf(bytes, size);
            size = 0;
            return copy;
        }

        @Override
        public boolean isOpen() {
            return true;
        }

        @Override
        public void close() {
        }
    }
}
