package dev.xdpdump.pipeline;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.xdpdump.bpf.CaptureProgram;
import dev.xdpdump.bpf.ProgramCounters;
import dev.xdpdump.bpf.XdpLink;
import dev.xdpdump.bpf.XdpMode;
import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.WallClock;
import dev.xdpdump.perf.PerfRingSet;
import dev.xdpdump.sink.Sink;
import dev.xdpdump.sys.Cpus;
import dev.xdpdump.sys.ErrnoException;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One running capture: the loaded program, one perf ring per CPU, the XDP link, the output's sink, the Disruptor and
 * its sink thread, and the reader thread. Start-up and shutdown are written once, here, each the reverse of the other:
 *
 * <pre>
 * start: load program -> open rings (installed in the program's map) -> attach -> open the output -> start the sink
 *        thread -> start the reader
 * stop:  detach -> the reader drains what the program emitted and the sink writes it, for as long as the output
 *        keeps taking data -> flush and close the sink -> read the books -> close rings -> close program
 * </pre>
 *
 * The output is opened only once the program is attached, so a start that fails leaves the user's files as they
 * were. Stop gives up on the drain only when the output took nothing for {@value #STALL_MILLIS} ms or a second
 * signal came; what it gave up on is counted (left in the rings, not written), so the books still balance.
 */
public final class Capture {
    /** What to capture and how. {@code count} 0 means no limit. */
    public record Settings(String interfaceName, int ifindex, XdpMode mode, int snapLength, int ringBytesPerCpu,
                           long count) {}

    /** Opens the output once the program is attached; the capture owns the sink from then on. */
    @FunctionalInterface
    public interface SinkOpener {
        Sink open() throws IOException;
    }

    /** How a stop ended. */
    public enum Ending {
        /** Everything the program emitted was read and handed to the output. */
        DRAINED,
        /** The output took no data for {@link #STALL_MILLIS}: the rest was given up on and counted. */
        OUTPUT_STALLED,
        /** A second signal came while draining: the rest was given up on and counted. */
        SECOND_SIGNAL
    }

    /** How long stop lets an output make no progress at all before giving up on it. */
    public static final long STALL_MILLIS = 5000;
    private static final long STOP_POLL_MILLIS = 20;
    /** After giving up: how long the threads get to notice before the books are read anyway. */
    private static final long ABANDON_JOIN_MILLIS = 1000;
    /**
     * At most about this many bytes of slots in the Disruptor, and no more than the perf rings hold together: absorbs
     * bursts while the sink catches up, and a small {@code --ring-size} keeps all buffering small.
     */
    private static final long SLOT_BYTES = 32L << 20;

    private final CaptureProgram program;
    private final PerfRingSet rings;
    private final XdpLink link;
    private final Disruptor<CaptureEvent> disruptor;
    private final Thread sinkThread;
    private final SinkHandler sinkHandler;
    private final RingReader reader;
    private final Thread readerThread;
    private final StopSignal stop;
    private Ending ending;

    private Capture(CaptureProgram program, PerfRingSet rings, XdpLink link, Disruptor<CaptureEvent> disruptor,
                    Thread sinkThread, SinkHandler sinkHandler, RingReader reader, Thread readerThread,
                    StopSignal stop) {
        this.program = program;
        this.rings = rings;
        this.link = link;
        this.disruptor = disruptor;
        this.sinkThread = sinkThread;
        this.sinkHandler = sinkHandler;
        this.reader = reader;
        this.readerThread = readerThread;
        this.stop = stop;
    }

    /**
     * Starts capturing into the sink {@code output} opens, which the capture owns from then on (it closes it in
     * {@link #stop()}). Returns once the program is attached and the reader is waiting for events. On failure
     * everything made so far is undone, in reverse.
     *
     * @param outputIsPipe a failed write then means the reader went away, a normal end
     */
    public static Capture start(Settings settings, SinkOpener output, boolean outputIsPipe, StopSignal stop)
            throws ErrnoException, IOException {
        return start(settings, output, outputIsPipe, stop, true);
    }

    /**
     * For benchmarks: starts everything {@link #start} does except the XDP link, so no interface is touched and
     * events come only from runs of {@link #program()} with BPF_PROG_TEST_RUN. {@code settings.interfaceName},
     * {@code ifindex} and {@code mode} are ignored. {@link #stop()} then skips the detach.
     */
    public static Capture startUnattached(Settings settings, Sink sink, StopSignal stop) throws ErrnoException,
            IOException {
        return start(settings, () -> sink, false, stop, false);
    }

    private static Capture start(Settings settings, SinkOpener output, boolean outputIsPipe, StopSignal stop,
                                 boolean attach) throws ErrnoException, IOException {
        int cpus = Cpus.possible();
        CaptureProgram program = null;
        PerfRingSet rings = null;
        XdpLink link = null;
        SinkHandler handler = null;
        Disruptor<CaptureEvent> disruptor = null;
        try {
            program = CaptureProgram.load(settings.snapLength(), cpus);
            rings = PerfRingSet.open(cpus, settings.ringBytesPerCpu(), program::installPerfEvent);
            if (attach) {
                link = program.attach(settings.interfaceName(), settings.ifindex(), settings.mode());
            }
            // Events the program emits from here on wait in the perf rings until the reader starts.
            handler = new SinkHandler(output.open(), settings.count(), stop, outputIsPipe);
            int slotCapacity = settings.snapLength();
            long slotBytes = Math.min(SLOT_BYTES, (long) settings.ringBytesPerCpu() * cpus);
            AtomicReference<Thread> sinkThread = new AtomicReference<>();
            disruptor = new Disruptor<>(() -> new CaptureEvent(slotCapacity), slotCount(slotCapacity, slotBytes),
                    r -> {
                        Thread thread = named(r, "xdpdump-sink");
                        sinkThread.set(thread);
                        return thread;
                    }, ProducerType.SINGLE, new BlockingWaitStrategy());
            disruptor.handleEventsWith(handler);
            disruptor.setDefaultExceptionHandler(new SinkExceptions(stop));
            RingBuffer<CaptureEvent> slots = disruptor.start();
            RingReader reader = new RingReader(rings, slots, slotCapacity, WallClock.system(), stop);
            Thread readerThread = named(reader, "xdpdump-reader");
            readerThread.start();
            return new Capture(program, rings, link, disruptor, sinkThread.get(), handler, reader, readerThread,
                    stop);
        } catch (IOException | RuntimeException e) {
            if (disruptor != null) {
                disruptor.halt();
            }
            if (link != null) {
                link.close();
            }
            if (handler != null) {
                handler.close();
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
    public XdpLink link() {
        return link;
    }

    /** The loaded program, owned by this capture: benchmarks run it with BPF_PROG_TEST_RUN. */
    public CaptureProgram program() {
        return program;
    }

    /**
     * Stops in the order the class comment gives and returns the books. Blocks while the output keeps taking data.
     * Call once, from the thread that started.
     */
    public Summary stop() throws ErrnoException {
        if (link != null) {
            link.close();
        }
        reader.finish(this::emittedSoFar);
        ending = drain();
        if (ending == Ending.DRAINED) {
            disruptor.halt();
            join(sinkThread, 0);
            sinkHandler.close();
        } else {
            abandon();
        }
        try {
            return books(false);
        } finally {
            if (!readerThread.isAlive()) {
                rings.close(); // a reader still running holds views of the rings; the process exit unmaps them
            }
            program.close();
        }
    }

    /**
     * Waits until the reader has read every emitted sample and the sink has consumed every one it was handed, while
     * something keeps moving: samples out of the rings, events through the sink, bytes into the output.
     */
    private Ending drain() {
        long moved = progress();
        long lastMove = System.nanoTime();
        try {
            while (readerThread.isAlive() || sinkHandler.consumed() < reader.received()) {
                if (stop.awaitHurry(STOP_POLL_MILLIS)) {
                    return Ending.SECOND_SIGNAL;
                }
                long now = progress();
                if (now != moved) {
                    moved = now;
                    lastMove = System.nanoTime();
                } else if (System.nanoTime() - lastMove > STALL_MILLIS * 1_000_000L) {
                    return Ending.OUTPUT_STALLED;
                }
            }
            return Ending.DRAINED;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Ending.SECOND_SIGNAL;
        }
    }

    private long progress() {
        return rings.samples() + sinkHandler.consumed() + sinkHandler.bytesWritten();
    }

    /**
     * Gives up on the rest: the reader stops claiming slots, the sink stops writing, and a write blocked in the
     * kernel is aborted by interrupting the sink thread (its channel closes). The sink is neither flushed nor closed:
     * nothing more may reach the output once the books are read. A file keeps only whole records.
     */
    private void abandon() {
        reader.abandon();
        sinkHandler.abandon();
        disruptor.halt();
        if (!join(sinkThread, STOP_POLL_MILLIS)) {
            sinkThread.interrupt();
        }
        join(readerThread, ABANDON_JOIN_MILLIS);
        join(sinkThread, ABANDON_JOIN_MILLIS);
    }

    private long emittedSoFar() {
        try {
            return program.counters().emitted();
        } catch (ErrnoException e) {
            return Long.MAX_VALUE; // unreadable counters: drain until the rings stay empty
        }
    }

    /**
     * The counters so far, while capturing, for a stats line: any thread but the reader and sink threads; allocates.
     * Events still in the rings or the queue are in none of the terms.
     */
    public Summary counters() throws ErrnoException {
        return books(true);
    }

    /**
     * Reads downstream first, so no stage shows more than the one before it has passed on. After stop, the terms add
     * up: every sample the reader took is handed on, malformed or abandoned; everything emitted and not taken from
     * the rings is left in them; everything handed on and not written is not written.
     */
    private Summary books(boolean whileCapturing) throws ErrnoException {
        long written = sinkHandler.written();
        long notWritten = whileCapturing ? sinkHandler.discarded() : reader.received() - written;
        long abandoned = reader.abandoned();
        long malformedRecords = rings.malformedRecords();
        long read = rings.samples();
        ProgramCounters counters = program.counters();
        long leftInRings = whileCapturing ? 0
                : Math.max(0, counters.emitted() - read - malformedRecords) + abandoned;
        Summary.Reader readerBooks = new Summary.Reader(read, rings.lostEvents(), rings.lostEventsByCpu(),
                reader.malformedEvents() + malformedRecords, leftInRings);
        return new Summary(counters, readerBooks, new Summary.Output(written, notWritten, sinkHandler.writeErrors()));
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
