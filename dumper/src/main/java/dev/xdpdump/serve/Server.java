package dev.xdpdump.serve;

import dev.xdpdump.sink.OutputFormat;
import dev.xdpdump.sys.PeerCredentials;
import dev.xdpdump.sys.UnixConnection;
import dev.xdpdump.sys.UnixListener;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Accepts clients on a Unix socket, on a thread of its own. Each admitted connection gets a thread that reads its
 * request (within {@link #REQUEST_MILLIS}), answers, queues the format's headers and then writes the client's
 * buffer to the socket until the client or the server ends. Clients wait in {@link #adopt} until the serving
 * consumer takes them in at the start of its next batch, so a client gets every event from there on. A watch thread
 * shuts connections that send no request in time and clients that take nothing for {@link #STALL_MILLIS}.
 */
public final class Server implements AutoCloseable {
    public static final int DEFAULT_MAX_CLIENTS = 64;
    static final long REQUEST_MILLIS = 2000;
    static final long STALL_MILLIS = 10_000;
    /**
     * Per client: 4 MiB holds about a second of a busy capture as JSON (10 000 events), more in pcap; the server's
     * memory for clients is at most --serve-max-clients times this.
     */
    static final int CLIENT_BUFFER_BYTES = 4 << 20;
    /** Books of the clients that left, kept for the summary; older ones are only counted, so memory stays bounded. */
    private static final int BOOKS_KEPT = 1000;

    private final UnixListener listener;
    private final Admission admission;
    private final int maxClients;
    private final PrintStream log;
    private final Headers headers;
    private final AtomicInteger nextId = new AtomicInteger(1);
    private final AtomicInteger live = new AtomicInteger();
    /** Served clients not yet taken in by the consumer. */
    private final Queue<Client> waiting = new ConcurrentLinkedQueue<>();
    /** Every client with a thread, for the watch and the summary; removed when its thread ends. */
    private final List<Client> clients = new CopyOnWriteArrayList<>();
    private final List<Handshake> handshakes = new CopyOnWriteArrayList<>();
    private final ArrayDeque<ClientBooks> leftBooks = new ArrayDeque<>();
    private long booksForgotten;
    private long refused;
    private final Thread acceptor;
    private final Thread watch;
    private volatile boolean stopping;

    /** The bytes a format's stream starts with, for clients that join late. */
    @FunctionalInterface
    interface Headers {
        byte[] of(OutputFormat format);
    }

    private record Handshake(UnixConnection connection, long deadlineNanos) {}

    private Server(UnixListener listener, Admission admission, int maxClients, PrintStream log, Headers headers) {
        this.listener = listener;
        this.admission = admission;
        this.maxClients = maxClients;
        this.log = log;
        this.headers = headers;
        this.acceptor = new Thread(this::acceptLoop, "xdpdump-serve-accept");
        this.watch = new Thread(this::watchLoop, "xdpdump-serve-watch");
        acceptor.setDaemon(true);
        watch.setDaemon(true);
    }

    /** Binds the socket (see {@link UnixListener#bind}) and starts accepting. */
    static Server start(UnixListener listener, Admission admission, int maxClients, PrintStream log,
                        Headers headers) {
        Server server = new Server(listener, admission, maxClients, log, headers);
        server.acceptor.start();
        server.watch.start();
        return server;
    }

    public java.nio.file.Path path() {
        return listener.path();
    }

    private void acceptLoop() {
        while (!stopping) {
            UnixConnection connection;
            try {
                connection = listener.accept();
            } catch (IOException e) {
                if (!stopping) {
                    say("stopped accepting clients on " + listener.path() + ": " + e.getMessage());
                }
                return;
            }
            try {
                admit(connection);
            } catch (RuntimeException | IOException e) {
                say("a connection failed before it was served: " + e.getMessage());
                closeQuietly(connection);
            }
        }
    }

    /** On the accept thread: who it is, whether there is room; the request is read on the client's own thread. */
    private void admit(UnixConnection connection) throws IOException {
        PeerCredentials peer = connection.peer();
        String why = admission.refusal(peer);
        if (why == null && live.get() >= maxClients) {
            why = "the server serves at most " + maxClients + " clients at once (--serve-max-clients)";
        }
        if (why != null) {
            synchronized (leftBooks) {
                refused++;
            }
            say("refused a client (pid " + peer.pid() + ", uid " + peer.uid() + ", gid " + peer.gid() + "): " + why);
            // A fresh socket's send buffer takes one short line without blocking.
            try {
                connection.writeFully(ByteBuffer.wrap(Protocol.refused(why)));
            } catch (IOException e) {
                // it left already
            }
            closeQuietly(connection);
            return;
        }
        live.incrementAndGet();
        Client client = new Client(nextId.getAndIncrement(), peer, connection, CLIENT_BUFFER_BYTES);
        Thread thread = new Thread(() -> run(client), "xdpdump-client-" + client.id);
        thread.setDaemon(true);
        thread.start();
    }

    /** The client's thread: request, answer, headers, then its buffer to the socket until it ends. */
    private void run(Client client) {
        try {
            Protocol.Request request;
            try {
                request = readRequest(client.connection());
            } catch (Protocol.BadRequestException e) {
                say("client " + client.id + " (pid " + client.peer.pid() + ", uid " + client.peer.uid()
                        + ") refused: " + e.getMessage());
                try {
                    client.connection().writeFully(ByteBuffer.wrap(Protocol.refused(e.getMessage())));
                } catch (IOException ignored) {
                    // it left already
                }
                closeQuietly(client.connection());
                return;
            } catch (IOException e) {
                closeQuietly(client.connection());
                return;
            }
            client.serve(request.format(), request.count());
            try {
                client.connection().writeFully(ByteBuffer.wrap(Protocol.accepted(request.format())));
            } catch (IOException e) {
                closeQuietly(client.connection());
                return;
            }
            byte[] head = headers.of(request.format());
            if (head.length > 0) {
                client.offerBlock(ByteBuffer.wrap(head)); // this thread is the buffer's producer until adopted
            }
            clients.add(client);
            if (stopping) {
                client.end("server stopped");
            } else {
                waiting.add(client); // the queue hands the producer side over to the consumer
            }
            client.writeLoop();
            remember(client.books()); // in both lists for a moment: the summary keeps one by id
            clients.remove(client);
        } finally {
            live.decrementAndGet();
        }
    }

    /**
     * Reads one request line of at most {@link Protocol#MAX_REQUEST_BYTES}; the watch shuts the connection if it
     * takes longer than {@link #REQUEST_MILLIS}.
     */
    private Protocol.Request readRequest(UnixConnection connection) throws IOException,
            Protocol.BadRequestException {
        Handshake handshake = new Handshake(connection, System.nanoTime() + REQUEST_MILLIS * 1_000_000L);
        handshakes.add(handshake);
        try {
            ByteBuffer line = ByteBuffer.allocate(Protocol.MAX_REQUEST_BYTES);
            ByteBuffer one = ByteBuffer.allocate(1);
            while (true) {
                one.clear();
                int n = connection.read(one);
                if (n < 0) {
                    throw new Protocol.BadRequestException(System.nanoTime() > handshake.deadlineNanos()
                            ? "no request line within " + REQUEST_MILLIS / 1000 + " s"
                            : "the connection ended before a request line");
                }
                if (n == 0) {
                    continue;
                }
                byte b = one.get(0);
                if (b == '\n') {
                    break;
                }
                if (!line.hasRemaining() || line.position() == Protocol.MAX_REQUEST_BYTES - 1) {
                    throw new Protocol.BadRequestException("the request line is longer than "
                            + Protocol.MAX_REQUEST_BYTES + " bytes");
                }
                line.put(b);
            }
            return Protocol.parseRequest(new String(line.array(), 0, line.position(), StandardCharsets.ISO_8859_1));
        } finally {
            handshakes.remove(handshake);
        }
    }

    private void watchLoop() {
        while (!stopping) {
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                return;
            }
            long now = System.nanoTime();
            for (Handshake h : handshakes) {
                if (now > h.deadlineNanos()) {
                    h.connection().shutdown();
                }
            }
            for (Client c : clients) {
                if (!c.ended() && c.stalledFor(now, STALL_MILLIS * 1_000_000L)) {
                    ClientBooks b = c.books();
                    say("client " + c.id + " (pid " + c.peer.pid() + ", uid " + c.peer.uid() + ") took nothing for "
                            + STALL_MILLIS / 1000 + " s; disconnected, " + b.sent() + " events sent, " + b.dropped()
                            + " dropped for it");
                    c.abort("stalled (took nothing for " + STALL_MILLIS / 1000 + " s)");
                }
            }
        }
    }

    /** Consumer only: the clients that joined since the last call, each already holding its headers. */
    void adopt(List<Client> into) {
        Client c;
        while ((c = waiting.poll()) != null) {
            into.add(c);
        }
    }

    private void remember(ClientBooks books) {
        synchronized (leftBooks) {
            leftBooks.add(books);
            if (leftBooks.size() > BOOKS_KEPT) {
                leftBooks.removeFirst();
                booksForgotten++;
            }
        }
    }

    /** Stops accepting; clients are ended by the caller (after their trailers) and drained by {@link #close}. */
    void stopAccepting() {
        stopping = true;
        try {
            listener.close(); // wakes the accept thread and removes the socket file
        } catch (IOException e) {
            say("remove the socket " + listener.path() + ": " + e.getMessage());
        }
    }

    /**
     * Ends every client (they drain what is buffered), waits up to {@code drainMillis} for them, then cuts off the
     * rest and prints every client's books.
     */
    @Override
    public void close() {
        stopAccepting();
        for (Client c : clients) {
            c.end("server stopped");
        }
        long deadline = System.nanoTime() + 2000 * 1_000_000L;
        while (!clients.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        for (Client c : clients) {
            c.abort("server stopped (its last bytes not taken in 2 s)");
        }
        watch.interrupt();
        printBooks();
    }

    private void printBooks() {
        java.util.TreeMap<Integer, ClientBooks> byId = new java.util.TreeMap<>();
        for (Client c : clients) {
            byId.put(c.id, c.books());
        }
        long forgotten;
        long refusedCount;
        synchronized (leftBooks) {
            for (ClientBooks b : leftBooks) {
                byId.put(b.id(), b); // a client that has left: its final books
            }
            forgotten = booksForgotten;
            refusedCount = refused;
        }
        List<ClientBooks> all = new ArrayList<>(byId.values());
        StringBuilder text = new StringBuilder();
        text.append("xdpdump: served ").append(all.size() + forgotten).append(" clients on ")
                .append(listener.path()).append(", refused ").append(refusedCount).append('\n');
        if (forgotten > 0) {
            text.append("xdpdump: (the books of the first ").append(forgotten).append(" are not kept)\n");
        }
        for (ClientBooks b : all) {
            text.append("xdpdump: ").append(b.toLine()).append('\n');
        }
        log.print(text);
        log.flush();
    }

    private void say(String line) {
        log.println("xdpdump: " + line);
        log.flush();
    }

    private static void closeQuietly(UnixConnection connection) {
        try {
            connection.close();
        } catch (IOException e) {
            // nothing to do about a socket that will not close
        }
    }
}
