package dev.xdpdump.pipeline;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.xdpdump.bpf.Attachment;
import dev.xdpdump.bpf.CaptureProgram;
import dev.xdpdump.bpf.ProgramCounters;
import dev.xdpdump.bpf.XdpMode;
import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.WallClock;
import dev.xdpdump.perf.PerfRingSet;
import dev.xdpdump.sink.Sink;
import dev.xdpdump.sys.Cpus;
import dev.xdpdump.sys.ErrnoException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One running capture: the loaded program, one perf ring per CPU, the XDP link, the outputs (each a Disruptor
 * consumer with its own thread: the Disruptor's multicast), and the reader thread. Start-up and shutdown are written
 * once, here, each the reverse of the other:
 *
 * <pre>
 * start: load program -> open rings (installed in the program's map) -> attach -> open the outputs -> start their
 *        threads -> start the reader
 * stop:  detach -> the reader drains what the program emitted and the outputs write it, for as long as each keeps
 *        taking data -> hand each output the books, flush and close it -> read the books -> close rings -> close
 *        program
 * </pre>
 *
 * The outputs are opened only once the program is attached, so a start that fails leaves the user's files as they
 * were. Each output is its own failure domain: one that fails, closes or stalls leaves alone (counting what it did
 * not take as not written) and the others go on; the capture ends when the last one has gone. The slowest live
 * output sets the pace. {@link #close()} is the one way out and is safe to call twice.
 */
public final class Capture implements AutoCloseable {
    /** What to capture and how. {@code count} 0 means no limit. */
    public record Settings(String interfaceName, int ifindex, XdpMode mode, int snapLength, int ringBytesPerCpu,
                           long count) {}

    /** Opens an output once the program is attached; the capture owns the sink from then on. */
    @FunctionalInterface
    public interface SinkOpener {
        Sink open() throws IOException;
    }

    /**
     * One output to open.
     *
     * @param name for messages: a path, or "standard output"
     * @param kind the format's word, naming this output's counters when there are several
     */
    public record OutputPlan(String name, String kind, SinkOpener opener) {}

    /** How a stop ended. */
    public enum Ending {
        /** Everything the program emitted was read and handed to every output still live. */
        DRAINED,
        /** A second signal came while draining: the rest was given up on and counted. */
        SECOND_SIGNAL
    }

    /** How long an output may take no data at all, with events waiting for it, before it is given up on. */
    public static final long STALL_MILLIS = 5000;
    private static final long STALL_NANOS = STALL_MILLIS * 1_000_000L;
    private static final long STOP_POLL_MILLIS = 20;
    /** After giving up: how long the threads get to notice before the books are read anyway. */
    private static final long GIVE_UP_JOIN_MILLIS = 1000;
    /**
     * At most about this many bytes of slots in the Disruptor, and no more than the perf rings hold together: absorbs
     * bursts while the outputs catch up, and a small {@code --ring-size} keeps all buffering small.
     */
    private static final long SLOT_BYTES = 32L << 20;

    private final CaptureProgram program;
    private final PerfRingSet rings;
    private final Attachment link;
    private final Disruptor<CaptureEvent> disruptor;
    private final List<SinkHandler> outputs;
    private final List<String> kinds;
    private final RingReader reader;
    private final Thread readerThread;
    private final StopSignal stop;
    /** Per output: the progress last seen and when it last moved, for the stall check (one thread: the caller's). */
    private final long[] lastProgress;
    private final long[] lastMoved;
    private Ending ending;
    private Summary books;
    private boolean closed;

    private Capture(CaptureProgram program, PerfRingSet rings, Attachment link, Disruptor<CaptureEvent> disruptor,
                    List<SinkHandler> outputs, List<String> kinds, RingReader reader, Thread readerThread,
                    StopSignal stop) {
        this.program = program;
        this.rings = rings;
        this.link = link;
        this.disruptor = disruptor;
        this.outputs = outputs;
        this.kinds = kinds;
        this.reader = reader;
        this.readerThread = readerThread;
        this.stop = stop;
        this.lastProgress = new long[outputs.size()];
        this.lastMoved = new long[outputs.size()];
        java.util.Arrays.fill(lastMoved, System.nanoTime());
    }

    /**
     * Starts capturing into the outputs, which the capture owns from then on. Returns once the program is attached and
     * the reader is waiting for events. On failure everything made so far is undone, in reverse, and outputs not yet
     * opened stay untouched.
     */
    public static Capture start(Settings settings, List<OutputPlan> outputs, StopSignal stop)
            throws ErrnoException, IOException {
        return start(settings, outputs, stop, true);
    }

    /**
     * For benchmarks: starts everything {@link #start} does except the XDP link, so no interface is touched and
     * events come only from runs of {@link #program()} with BPF_PROG_TEST_RUN. {@code settings.interfaceName},
     * {@code ifindex} and {@code mode} are ignored. {@link #stop()} then skips the detach.
     */
    public static Capture startUnattached(Settings settings, Sink sink, StopSignal stop) throws ErrnoException,
            IOException {
        return start(settings, List.of(new OutputPlan("benchmark", "bench", () -> sink)), stop, false);
    }

    private static Capture start(Settings settings, List<OutputPlan> plans, StopSignal stop, boolean attach)
            throws ErrnoException, IOException {
        if (plans.isEmpty()) {
            throw new IllegalArgumentException("a capture needs at least one output");
        }
        int cpus = Cpus.possible();
        CaptureProgram program = null;
        PerfRingSet rings = null;
        Attachment link = null;
        List<SinkHandler> handlers = new ArrayList<>();
        Disruptor<CaptureEvent> disruptor = null;
        try {
            program = CaptureProgram.load(settings.snapLength(), cpus);
            rings = PerfRingSet.open(cpus, settings.ringBytesPerCpu(), program::installPerfEvent);
            if (attach) {
                link = program.attach(settings.interfaceName(), settings.ifindex(), settings.mode());
            }
            // Events the program emits from here on wait in the perf rings until the reader starts.
            Departures departures = new Departures(handlers, stop);
            for (OutputPlan plan : plans) {
                handlers.add(new SinkHandler(plan.name(), plan.opener().open(), settings.count(), departures));
            }
            int slotCapacity = settings.snapLength();
            long slotBytes = Math.min(SLOT_BYTES, (long) settings.ringBytesPerCpu() * cpus);
            disruptor = new Disruptor<>(() -> new CaptureEvent(slotCapacity), slotCount(slotCapacity, slotBytes),
                    r -> named(r, "xdpdump-sink"), ProducerType.SINGLE, new BlockingWaitStrategy());
            disruptor.handleEventsWith(handlers.toArray(SinkHandler[]::new));
            disruptor.setDefaultExceptionHandler(new SinkExceptions(stop));
            RingBuffer<CaptureEvent> slots = disruptor.start();
            RingReader reader = new RingReader(rings, slots, slotCapacity, WallClock.system(), stop);
            Thread readerThread = named(reader, "xdpdump-reader");
            readerThread.start();
            return new Capture(program, rings, link, disruptor, List.copyOf(handlers),
                    plans.stream().map(OutputPlan::kind).toList(), reader, readerThread, stop);
        } catch (IOException | RuntimeException e) {
            if (disruptor != null) {
                disruptor.halt();
            }
            if (link != null) {
                link.close();
            }
            for (SinkHandler handler : handlers) {
                handler.release();
            }
            if (rings != null) {
                rings.close();
            }
            if (program != null) {
                program.close();
            }
            throw e;
        }
    }

    /** Ends the capture when the last live output has gone, for the reason the outputs give. */
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

    private static int slotCount(int slotCapacity, long slotBytes) {
        long slots = Long.highestOneBit(Math.max(1, slotBytes / (slotCapacity + 64L)));
        return (int) Math.max(1024, Math.min(65536, slots));
    }

    private static Thread named(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** How the last {@link #stop()} ended; null before it. */
    public Ending ending() {
        return ending;
    }

    /** The link the program was attached with (its mode and why); null when started unattached. */
    public Attachment link() {
        return link;
    }

    /** The loaded program, owned by this capture: benchmarks run it with BPF_PROG_TEST_RUN. */
    public CaptureProgram program() {
        return program;
    }

    /** Names of the outputs, in order: what {@link #outputState} and {@link #outputFailure} take. */
    public int outputCount() {
        return outputs.size();
    }

    /** Where output {@code i} stands, as a word for messages and exit codes. */
    public OutputEnd outputEnd(int i) {
        return switch (outputs.get(i).state()) {
            case LIVE, COUNT_REACHED -> OutputEnd.WRITING;
            case CLOSED -> OutputEnd.CLOSED;
            case FAILED -> OutputEnd.FAILED;
            case GIVEN_UP -> OutputEnd.GIVEN_UP;
        };
    }

    /** How an output ended. */
    public enum OutputEnd {
        /** It took everything it was given (or its {@code -c} events). */
        WRITING,
        /** Its reader went away: a normal end, as for tcpdump. */
        CLOSED,
        /** A write failed. */
        FAILED,
        /** It took no data for {@link #STALL_MILLIS}, or a second signal came. */
        GIVEN_UP
    }

    /** What output {@code i} is called in messages. */
    public String outputName(int i) {
        return outputs.get(i).name();
    }

    /** The write that failed on output {@code i}, or null. */
    public IOException outputFailure(int i) {
        return outputs.get(i).failure();
    }

    /**
     * The reader of the pipe behind output {@code i} has gone (`| head` exited): that output ends normally, the
     * others go on. For the caller that watches the pipe; any thread.
     */
    public void outputReaderGone(int i) {
        outputs.get(i).readerGone();
    }

    /**
     * Gives up on any output that has taken no data for {@link #STALL_MILLIS} while events wait for it, when other
     * outputs are still live (a lone output is waited for: it sets the pace, and the kernel counts what that costs).
     * Call from one thread, regularly. Returns the outputs given up on by this call.
     */
    public int giveUpOnStalledOutputs() {
        int live = 0;
        for (int i = 0; i < outputs.size(); i++) { // every 250 ms for hours: no streams, no garbage
            if (outputs.get(i).state() == SinkHandler.State.LIVE) {
                live++;
            }
        }
        return live > 1 ? giveUpOnStalled() : 0;
    }

    private int giveUpOnStalled() {
        long now = System.nanoTime();
        long received = reader.received();
        int givenUp = 0;
        for (int i = 0; i < outputs.size(); i++) {
            SinkHandler output = outputs.get(i);
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

    /**
     * Stops in the order the class comment gives and returns the books. Blocks while the outputs keep taking data;
     * an output that takes none for {@link #STALL_MILLIS} is given up on, and a second signal gives up on all. Call
     * once, from the thread that started; {@link #close()} calls it if nobody did.
     */
    public Summary stop() throws ErrnoException {
        if (ending != null) {
            return books;
        }
        if (link != null) {
            link.close();
        }
        reader.finish(this::emittedSoFar);
        ending = drain();
        if (ending == Ending.SECOND_SIGNAL) {
            reader.abandon();
            outputs.forEach(SinkHandler::giveUp);
        }
        disruptor.halt();
        long joinMillis = ending == Ending.DRAINED ? 0 : GIVE_UP_JOIN_MILLIS;
        join(readerThread, joinMillis);
        for (SinkHandler output : outputs) {
            Thread thread = output.thread();
            if (thread != null) {
                join(thread, output.state() == SinkHandler.State.GIVEN_UP ? GIVE_UP_JOIN_MILLIS : joinMillis);
            }
        }
        Summary atEnd = books();
        for (SinkHandler output : outputs) {
            output.finish(atEnd);
        }
        books = books(); // a last flush or trailer can still fail: count it
        return books;
    }

    /**
     * Waits until the reader has read every emitted sample and every output has consumed every event it was handed,
     * giving up on any output that stops moving.
     */
    private Ending drain() {
        try {
            // An output given up on is not waited for: it writes nothing more, and an interrupt that caught it
            // waiting makes the Disruptor skip one event, so its consumed count may never catch up.
            while (readerThread.isAlive() || outputs.stream().anyMatch(o -> o.state() != SinkHandler.State.GIVEN_UP
                    && o.consumed() < reader.received())) {
                if (stop.awaitHurry(STOP_POLL_MILLIS)) {
                    return Ending.SECOND_SIGNAL;
                }
                giveUpOnStalled();
            }
            return Ending.DRAINED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Ending.SECOND_SIGNAL;
        }
    }

    private long emittedSoFar() {
        try {
            return program.counters().emitted();
        } catch (ErrnoException e) {
            return Long.MAX_VALUE; // unreadable counters: drain until the rings stay empty
        }
    }

    /** A snapshot to fill with {@link #readCounters}, named for these outputs; made once per capture. */
    public Counters newCounters() {
        return new Counters(kinds);
    }

    /**
     * The counters so far, while capturing, for a stats line: any thread but the reader and sink threads; allocates
     * nothing. Reads downstream first, so no stage shows more than the one before it has passed on; events still in
     * the rings or the queue are in none of the terms.
     */
    public void readCounters(Counters into) throws ErrnoException {
        for (int i = 0; i < outputs.size(); i++) {
            SinkHandler output = outputs.get(i);
            into.setOutput(i, output.written(), output.discarded(), output.writeErrors());
        }
        long malformed = reader.malformedEvents() + rings.malformedRecords();
        into.setReader(rings.samples(), rings.lostEvents(), malformed, 0);
        program.readCounters(into.program);
        into.takeProgram();
    }

    /**
     * The books after stop, read downstream first. The terms add up: every sample the reader took is handed on,
     * malformed or abandoned; everything emitted and not taken from the rings is left in them; everything handed to
     * an output and not written is not written.
     */
    private Summary books() throws ErrnoException {
        List<Summary.Output> outputBooks = new ArrayList<>();
        long received = reader.received();
        for (int i = 0; i < outputs.size(); i++) {
            SinkHandler output = outputs.get(i);
            long written = output.written();
            long notWritten = received - written;
            outputBooks.add(new Summary.Output(output.name(), kinds.get(i), written, notWritten,
                    output.writeErrors()));
        }
        long abandoned = reader.abandoned();
        long malformedRecords = rings.malformedRecords();
        long read = rings.samples();
        ProgramCounters counters = program.counters();
        long leftInRings = Math.max(0, counters.emitted() - read - malformedRecords) + abandoned;
        Summary.Reader readerBooks = new Summary.Reader(read, rings.lostEvents(), rings.lostEventsByCpu(),
                reader.malformedEvents() + malformedRecords, leftInRings);
        return new Summary(counters, readerBooks, outputBooks);
    }

    /** Stops if nobody did, then releases the rings and the program; safe to call twice. */
    @Override
    public void close() throws ErrnoException {
        if (closed) {
            return;
        }
        try {
            stop();
        } finally {
            closed = true;
            if (!readerThread.isAlive()) {
                rings.close(); // a reader still running holds views of the rings; the process exit unmaps them
            }
            program.close();
        }
    }

    /** Waits up to {@code millis} (0: no limit); true once the thread has ended. */
    private static boolean join(Thread thread, long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return !thread.isAlive();
    }
}
