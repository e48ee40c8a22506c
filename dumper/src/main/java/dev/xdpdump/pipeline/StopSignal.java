package dev.xdpdump.pipeline;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Why capture stops. The first request wins; any thread may request, one thread awaits. A signal that comes after
 * the first request (a second Ctrl-C while the output drains) asks the stop to hurry: see {@link #awaitHurry}.
 */
public final class StopSignal {
    public enum Reason {
        /** SIGINT, SIGTERM or SIGHUP. */
        SIGNAL,
        /** {@code -c N} events were written, by every output still writing. */
        COUNT_REACHED,
        /** The last output has gone, each because its reader went away (closed pipe): a normal end, as for tcpdump. */
        OUTPUT_CLOSED,
        /** The last output has gone, and some output failed (disk full, I/O error) or was given up on. */
        OUTPUT_FAILED,
        /** The interface was deleted while capturing. */
        INTERFACE_GONE,
        /** The interface was set down while capturing. */
        INTERFACE_DOWN,
        /** The capture file ({@code -r}) ended: a normal end. */
        FILE_ENDED,
        /** The reader thread failed. */
        READER_FAILED
    }

    private final CountDownLatch latch = new CountDownLatch(1);
    private final CountDownLatch hurry = new CountDownLatch(1);
    private volatile Reason reason;
    private volatile Throwable cause;

    public void request(Reason why, Throwable error) {
        synchronized (this) {
            if (reason != null) {
                if (why == Reason.SIGNAL) {
                    hurry.countDown();
                }
                return;
            }
            reason = why;
            cause = error;
        }
        latch.countDown();
    }

    public void request(Reason why) {
        request(why, null);
    }

    /** Waits up to {@code millis}; returns true once a stop was requested. */
    public boolean await(long millis) throws InterruptedException {
        return latch.await(millis, TimeUnit.MILLISECONDS);
    }

    /** Waits up to {@code millis}; returns true once a signal came after the first stop request. */
    public boolean awaitHurry(long millis) throws InterruptedException {
        return hurry.await(millis, TimeUnit.MILLISECONDS);
    }

    public Reason reason() {
        return reason;
    }

    public Throwable cause() {
        return cause;
    }
}
