package dev.xdpdump.pipeline;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.sink.DeliveryBooks;
import dev.xdpdump.sink.Totals;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The outputs of one run, live capture or file alike: each a {@link SinkHandler} on its own thread, all consumers of
 * one Disruptor ring (its multicast), the slowest live one setting the pace. Ends the run (through the
 * {@link StopSignal}) when the last live output has gone, gives up on an output that stalls, and reads each output's
 * books. Used by the thread that starts and stops the run; the checks allocate nothing.
 */
final class Outputs {
    /** How long an output may take no data at all, with events waiting for it, before it is given up on. */
    static final long STALL_NANOS = Capture.STALL_MILLIS * 1_000_000L;
    /** After giving up: how long a sink thread gets to notice before the books are read anyway. */
    private static final long GIVE_UP_JOIN_MILLIS = 1000;

    private final List<SinkHandler> handlers;
    private final List<String> kinds;
    private final BooksSoFar books;
    private final Disruptor<CaptureEvent> disruptor;
    /** Per output: the progress last seen and when it last moved, for the stall check. */
    private final long[] lastProgress;
    private final long[] lastMoved;

    private Outputs(List<SinkHandler> handlers, List<String> kinds, BooksSoFar books,
                    Disruptor<CaptureEvent> disruptor) {
        this.handlers = handlers;
        this.kinds = kinds;
        this.books = books;
        this.disruptor = disruptor;
        this.lastProgress = new long[handlers.size()];
        this.lastMoved = new long[handlers.size()];
        java.util.Arrays.fill(lastMoved, System.nanoTime());
    }

    /**
     * Opens every output (a failure closes those already open) and lays out the ring behind them; nothing runs until
     * {@link #start()}.
     *
     * @param count events each output writes before it is done, 0 for no limit
     * @param slotCapacity frame bytes one slot holds: the snap length
     */
    static Outputs open(List<Capture.OutputPlan> plans, long count, int slotCapacity, int slots, StopSignal stop)
            throws IOException {
        if (plans.isEmpty()) {
            throw new IllegalArgumentException("a run needs at least one output");
        }
        List<SinkHandler> handlers = new ArrayList<>();
        Departures departures = new Departures(handlers, stop);
        BooksSoFar books = new BooksSoFar();
        try {
            for (Capture.OutputPlan plan : plans) {
                handlers.add(new SinkHandler(plan.name(), plan.opener().open(books), count, departures));
            }
        } catch (IOException | RuntimeException e) {
            handlers.forEach(SinkHandler::release);
            throw e;
        }
        Disruptor<CaptureEvent> disruptor = new Disruptor<>(() -> new CaptureEvent(slotCapacity), slots,
                r -> {
                    Thread t = new Thread(r, "xdpdump-sink");
                    t.setDaemon(true);
                    return t;
                }, ProducerType.SINGLE, new BlockingWaitStrategy());
        disruptor.handleEventsWith(handlers.toArray(SinkHandler[]::new));
        disruptor.setDefaultExceptionHandler(new SinkExceptions(stop));
        return new Outputs(List.copyOf(handlers), plans.stream().map(Capture.OutputPlan::kind).toList(), books,
                disruptor);
    }

    /**
     * The run's books for the sinks that ask while it runs ({@link Totals.Source}): null until the run exists, and
     * null when reading them fails (a sink then writes what it knows itself).
     */
    private static final class BooksSoFar implements Totals.Source {
        private volatile Run run;

        @Override
        public Totals now() {
            Run bound = run;
            if (bound == null) {
                return null;
            }
            try {
                return bound.booksSoFar();
            } catch (IOException | RuntimeException e) {
                return null;
            }
        }
    }

    /** Makes {@code run}'s books what the sinks read while it runs; once, before any event flows. */
    void bindBooks(Run run) {
        books.run = run;
    }

    /** Slots for about {@code slotBytes} of events: a power of two from 1024 to 65536. */
    static int slotCount(int slotCapacity, long slotBytes) {
        long slots = Long.highestOneBit(Math.max(1, slotBytes / (slotCapacity + 64L)));
        return (int) Math.max(1024, Math.min(65536, slots));
    }

    /** Starts the sink threads; returns the ring the producer claims slots of. */
    RingBuffer<CaptureEvent> start() {
        return disruptor.start();
    }

    /** Ends the run when the last live output has gone, for the reason the outputs give. */
    private record Departures(List<SinkHandler> outputs, StopSignal stop) implements SinkHandler.Departure {
        @Override
        public void departed(SinkHandler output) {
            if (outputs.stream().anyMatch(o -> o.state() == SinkHandler.State.LIVE)) {
                return;
            }
            if (output.state() == SinkHandler.State.COUNT_REACHED) {
                stop.request(StopSignal.Reason.COUNT_REACHED);
            } else if (outputs.stream().anyMatch(o -> o.state() == SinkHandler.State.FAILED
                    || o.state() == SinkHandler.State.GIVEN_UP)) {
                stop.request(StopSignal.Reason.OUTPUT_FAILED, output.failure());
            } else {
                stop.request(StopSignal.Reason.OUTPUT_CLOSED);
            }
        }
    }

    int size() {
        return handlers.size();
    }

    SinkHandler get(int i) {
        return handlers.get(i);
    }

    List<String> kinds() {
        return kinds;
    }

    /** True once every output not given up on has consumed the {@code received} events handed to the ring. */
    boolean consumedAll(long received) {
        for (int i = 0; i < handlers.size(); i++) {
            SinkHandler output = handlers.get(i);
            // An output given up on is not waited for: it writes nothing more, and an interrupt that caught it
            // waiting makes the Disruptor skip one event, so its consumed count may never catch up.
            if (output.state() != SinkHandler.State.GIVEN_UP && output.consumed() < received) {
                return false;
            }
        }
        return true;
    }

    /**
     * Gives up on any output that has taken no data for the stall bound while events wait for it; with
     * {@code onlyIfOthersLive}, only while another output is still live (a lone output sets the pace). Call from one
     * thread, regularly. Returns how many it gave up on.
     */
    int giveUpOnStalled(long received, boolean onlyIfOthersLive) {
        if (onlyIfOthersLive) {
            int live = 0;
            for (int i = 0; i < handlers.size(); i++) {
                if (handlers.get(i).state() == SinkHandler.State.LIVE) {
                    live++;
                }
            }
            if (live < 2) {
                return 0;
            }
        }
        long now = System.nanoTime();
        int givenUp = 0;
        for (int i = 0; i < handlers.size(); i++) {
            SinkHandler output = handlers.get(i);
            long progress = output.consumed() + output.bytesWritten();
            boolean waiting = output.consumed() < received;
            if (progress != lastProgress[i] || !waiting) {
                lastProgress[i] = progress;
                lastMoved[i] = now;
            } else if (output.state() == SinkHandler.State.LIVE && now - lastMoved[i] > STALL_NANOS) {
                output.giveUp();
                givenUp++;
            }
        }
        return givenUp;
    }

    /** Gives up on every output: a second signal. */
    void giveUpAll() {
        handlers.forEach(SinkHandler::giveUp);
    }

    /** Halts the ring and waits for the sink threads: without limit for those still writing, briefly for the rest. */
    void halt(boolean gaveUp) {
        disruptor.halt();
        for (SinkHandler output : handlers) {
            Thread thread = output.thread();
            if (thread == null) {
                continue;
            }
            boolean givenUp = gaveUp || output.state() == SinkHandler.State.GIVEN_UP;
            try {
                thread.join(givenUp ? GIVE_UP_JOIN_MILLIS : 0);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Each output's books once the run stopped: what it took, and the rest of the {@code received} events. */
    List<Summary.Output> books(long received) {
        List<Summary.Output> books = new ArrayList<>();
        for (int i = 0; i < handlers.size(); i++) {
            SinkHandler output = handlers.get(i);
            long written = output.written();
            DeliveryBooks delivery = output.delivery();
            long refused = delivery == null ? 0 : delivery.refused();
            long unacknowledged = delivery == null ? 0 : delivery.unacknowledged();
            books.add(new Summary.Output(output.name(), kinds.get(i), written,
                    received - written - refused - unacknowledged, output.writeErrors(), refused, unacknowledged));
        }
        return books;
    }

    /** Each output's counters so far, into the snapshot; allocates nothing. */
    void readCounters(Counters into) {
        for (int i = 0; i < handlers.size(); i++) {
            SinkHandler output = handlers.get(i);
            into.setOutput(i, output.written(), output.discarded(), output.writeErrors());
            DeliveryBooks delivery = output.delivery();
            if (delivery != null) {
                into.setDelivery(i, delivery.refused(), delivery.unacknowledged());
            }
        }
    }

    /** Hands every output still writing the books (its trailer), then closes it. */
    void finish(Totals totals) {
        handlers.forEach(output -> output.finish(totals));
    }

    /** For a start that failed: closes every output without a trailer. */
    void release() {
        disruptor.halt();
        handlers.forEach(SinkHandler::release);
    }
}
