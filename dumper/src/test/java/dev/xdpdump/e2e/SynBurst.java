package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.sys.Cpus;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.NetNamespace;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Many connection attempts at once from the lab's sender namespace to a closed IPv4 port of the capture end: each
 * sends exactly one SYN, which the capture end refuses with a reset. Bounded by a count and a time limit; the
 * attempts stop early on {@link #stop}.
 */
final class SynBurst implements AutoCloseable {
    /** Below the kernel's initial 1 s retransmission timeout, so even an unanswered attempt sends one SYN only. */
    private static final int CONNECT_TIMEOUT_MILLIS = 900;
    private static final int CLOSED_PORT = 9;

    private final List<Thread> threads = new ArrayList<>();
    private final AtomicLong claimed = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicLong unanswered = new AtomicLong();
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private final long limit;
    private final long deadline;

    private SynBurst(long limit, Duration within) {
        this.limit = limit;
        this.deadline = System.nanoTime() + within.toNanos();
    }

    /** Starts {@code threads} senders that together make at most {@code count} attempts within {@code within}. */
    static SynBurst start(VethLab lab, int threads, long count, Duration within) {
        return start(lab.senderNamespace(), VethLab.CAPTURE_V4, threads, count, within);
    }

    /** The same from {@code namespace} to a closed port of {@code address}: a {@link VethLab.Pair}'s, say. */
    static SynBurst start(String namespace, String address, int threads, long count, Duration within) {
        SynBurst burst = new SynBurst(count, within);
        for (int i = 0; i < threads; i++) {
            Thread sender = new Thread(() -> burst.send(namespace, address), "syn-burst-" + i);
            sender.setDaemon(true);
            burst.threads.add(sender);
            sender.start();
        }
        return burst;
    }

    /**
     * One sender pinned to each of {@code cpus}, from the lab's sender namespace: on veth the capture end's receive
     * runs on the sending CPU, so each CPU's perf ring gets events at the same time.
     */
    static SynBurst startPinned(VethLab lab, int[] cpus, long count, Duration within) {
        SynBurst burst = new SynBurst(count, within);
        for (int cpu : cpus) {
            Thread sender = new Thread(() -> {
                try {
                    Cpus.pinCurrentThread(cpu);
                } catch (ErrnoException e) {
                    burst.failure.compareAndSet(null, e);
                    return;
                }
                burst.send(lab.senderNamespace(), VethLab.CAPTURE_V4);
            }, "syn-burst-cpu" + cpu);
            sender.setDaemon(true);
            burst.threads.add(sender);
            sender.start();
        }
        return burst;
    }

    private void send(String namespace, String address) {
        try (NetNamespace ignored = NetNamespace.enter(namespace)) {
            InetSocketAddress target = new InetSocketAddress(InetAddress.getByName(address), CLOSED_PORT);
            while (!stopped.get() && System.nanoTime() < deadline && claimed.incrementAndGet() <= limit) {
                try (Socket socket = new Socket()) {
                    socket.connect(target, CONNECT_TIMEOUT_MILLIS);
                    sent.incrementAndGet(); // accepted: cannot happen on a closed port, but it was one SYN
                } catch (ConnectException refused) {
                    sent.incrementAndGet();
                } catch (SocketTimeoutException timedOut) {
                    sent.incrementAndGet();
                    unanswered.incrementAndGet();
                }
            }
        } catch (IOException | RuntimeException e) {
            failure.compareAndSet(null, e);
        }
    }

    /** SYNs sent so far. */
    long sent() {
        return sent.get();
    }

    /** Asks the senders to stop after their current attempt. */
    void stop() {
        stopped.set(true);
    }

    /** Waits for every sender to end and returns the SYNs sent; rethrows what a sender failed with. */
    long await(Duration timeout) throws Exception {
        long end = System.nanoTime() + timeout.toNanos();
        for (Thread thread : threads) {
            thread.join(Math.max(1, (end - System.nanoTime()) / 1_000_000));
            if (thread.isAlive()) {
                throw new AssertionError(thread.getName() + " still sends " + timeout.toMillis() + " ms later");
            }
        }
        if (failure.get() != null) {
            throw failure.get();
        }
        return sent.get();
    }

    /** Attempts that got no reset within the timeout; each still sent one SYN. */
    long unanswered() {
        return unanswered.get();
    }

    @Override
    public void close() throws InterruptedException {
        stop();
        for (Thread thread : threads) {
            thread.join(CONNECT_TIMEOUT_MILLIS + 5000L);
        }
    }
}
