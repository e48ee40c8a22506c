package dev.xdpdump.pipeline;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import dev.xdpdump.bpf.CaptureProgram;
import dev.xdpdump.bpf.XdpLink;
import dev.xdpdump.bpf.XdpMode;
import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.WallClock;
import dev.xdpdump.perf.PerfRingSet;
import dev.xdpdump.sink.Sink;
import dev.xdpdump.sys.Cpus;
import dev.xdpdump.sys.ErrnoException;

import java.util.concurrent.TimeUnit;

/**
 * One running capture: the loaded program, one perf ring per CPU, the reader thread, the Disruptor and its sink
 * thread, and the XDP link. Start-up and shutdown are written once, here, each the reverse of the other:
 *
 * <pre>
 * start: load program -> open rings (installed in the program's map) -> start sink thread -> start reader -> attach
 * stop:  detach -> reader drains what the program emitted -> sink thread drains the Disruptor -> flush and close sink
 *        -> read the program's counters -> close rings -> close program
 * </pre>
 */
public final class Capture {
    /** What to capture and how. {@code count} 0 means no limit. */
    public record Settings(String interfaceName, int ifindex, XdpMode mode, int snapLength, int ringBytesPerCpu,
                           long count) {}

    /** How long stop waits for the reader, then for the sink, before giving up on an output that never drains. */
    private static final long STALLED_THREAD_TIMEOUT_MILLIS = 5000;
    /**
     * At most about this many bytes of slots in the Disruptor, and no more than the perf rings hold together: absorbs
     * bursts while the sink catches up, and a small {@code --ring-size} keeps all buffering small.
     */
    private static final long SLOT_BYTES = 32L << 20;

    private final CaptureProgram program;
    private final PerfRingSet rings;
    private final Disruptor<CaptureEvent> disruptor;
    private final SinkHandler sinkHandler;
    private final RingReader reader;
    private final Thread readerThread;
    private final XdpLink link;
    private boolean outputStalled;

    private Capture(CaptureProgram program, PerfRingSet rings, Disruptor<CaptureEvent> disruptor,
                    SinkHandler sinkHandler, RingReader reader, Thread readerThread, XdpLink link) {
        this.program = program;
        this.rings = rings;
        this.disruptor = disruptor;
        this.sinkHandler = sinkHandler;
        this.reader = reader;
        this.readerThread = readerThread;
        this.link = link;
    }

    /**
     * Starts capturing into {@code sink}, which the capture owns from here on (it closes it in {@link #stop()}, or
     * here when start-up fails). Returns once the program is attached and the reader is waiting for events.
     *
     * @param outputIsPipe a failed write then means the reader went away, a normal end
     */
    public static Capture start(Settings settings, Sink sink, boolean outputIsPipe, StopSignal stop)
            throws ErrnoException {
        return start(settings, sink, outputIsPipe, stop, true);
    }

    /**
     * For benchmarks: starts everything {@link #start} does except the XDP link, so no interface is touched and
     * events come only from runs of {@link #program()} with BPF_PROG_TEST_RUN. {@code settings.interfaceName},
     * {@code ifindex} and {@code mode} are ignored. {@link #stop()} then skips the detach.
     */
    public static Capture startUnattached(Settings settings, Sink sink, StopSignal stop) throws ErrnoException {
        return start(settings, sink, false, stop, false);
    }

    private static Capture start(Settings settings, Sink sink, boolean outputIsPipe, StopSignal stop, boolean attach)
            throws ErrnoException {
        int cpus = Cpus.possible();
        CaptureProgram program = null;
        PerfRingSet rings = null;
        Disruptor<CaptureEvent> disruptor = null;
        RingReader reader = null;
        Thread readerThread = null;
        SinkHandler handler = new SinkHandler(sink, settings.count(), stop, outputIsPipe);
        try {
            program = CaptureProgram.load(settings.snapLength(), cpus);
            rings = PerfRingSet.open(cpus, settings.ringBytesPerCpu(), program::installPerfEvent);
            int slotCapacity = settings.snapLength();
            long slotBytes = Math.min(SLOT_BYTES, (long) settings.ringBytesPerCpu() * cpus);
            disruptor = new Disruptor<>(() -> new CaptureEvent(slotCapacity), slotCount(slotCapacity, slotBytes),
                    r -> named(r, "xdpdump-sink"), ProducerType.SINGLE, new BlockingWaitStrategy());
            disruptor.handleEventsWith(handler);
            RingBuffer<CaptureEvent> slots = disruptor.start();
            reader = new RingReader(rings, slots, slotCapacity, WallClock.measureOffsetNanos(), stop);
            readerThread = named(reader, "xdpdump-reader");
            readerThread.start();
            XdpLink link = attach ? program.attach(settings.interfaceName(), settings.ifindex(), settings.mode()) : null;
            return new Capture(program, rings, disruptor, handler, reader, readerThread, link);
        } catch (ErrnoException | RuntimeException e) {
            if (readerThread != null) {
                reader.finish(() -> 0);
                join(readerThread);
            }
            if (disruptor != null) {
                disruptor.halt();
            }
            handler.close();
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

    /**
     * After {@link #stop()}: true when the output took no more data (a pipe nobody reads) and stop gave up waiting;
     * the sink was then neither flushed nor closed, and nothing more may be written to that output.
     */
    public boolean outputStalled() {
        return outputStalled;
    }

    /** The mode the program was attached in: native or generic, never auto; null when started unattached. */
    public XdpMode attachedMode() {
        return link != null ? link.mode() : null;
    }

    /** The loaded program, owned by this capture: benchmarks run it with BPF_PROG_TEST_RUN. */
    public CaptureProgram program() {
        return program;
    }

    /** Stops in the order the class comment gives and returns the books. Call once, from the thread that started. */
    public Summary stop() throws ErrnoException {
        if (link != null) {
            link.close();
        }
        reader.finish(() -> {
            try {
                return program.counters().emitted();
            } catch (ErrnoException e) {
                return 0;
            }
        });
        // An output whose reader never reads (`| sleep 1000`) blocks the sink thread in a write, the full Disruptor
        // then blocks the reader: give up on such threads after a bound instead of hanging the stop.
        boolean readerStopped = join(readerThread, STALLED_THREAD_TIMEOUT_MILLIS);
        boolean sinkStopped = false;
        if (readerStopped) {
            try {
                disruptor.shutdown(STALLED_THREAD_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
                sinkStopped = true;
            } catch (TimeoutException e) {
                disruptor.halt();
            }
        } else {
            disruptor.halt();
        }
        if (sinkStopped) {
            sinkHandler.close();
        }
        outputStalled = !sinkStopped;
        try {
            // Whatever the reader handed over and the sink did not write: after -c, a failed output, or a stall.
            long notWritten = reader.received() - sinkHandler.written();
            return summary(sinkHandler.written(), notWritten);
        } finally {
            if (readerStopped) {
                rings.close(); // a stalled reader still holds views of the rings; the process exit unmaps them
            }
            program.close();
        }
    }

    /**
     * The counters so far, while capturing, for a stats line: any thread but the reader and sink threads; allocates.
     * Read downstream first, so no stage shows more than the one before it has passed on.
     */
    public Summary counters() throws ErrnoException {
        long written = sinkHandler.written();
        return summary(written, sinkHandler.discarded());
    }

    private Summary summary(long written, long notWritten) throws ErrnoException {
        long malformed = reader.malformedEvents() + rings.malformedRecords();
        Summary.Reader readerBooks = new Summary.Reader(rings.samples(), rings.lostEvents(), rings.lostEventsByCpu(),
                malformed, 0);
        return new Summary(program.counters(), readerBooks,
                new Summary.Output(written, notWritten, sinkHandler.writeErrors()));
    }

    private static void join(Thread thread) {
        join(thread, 0);
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
