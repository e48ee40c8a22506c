package dev.xdpdump.pipeline;

import com.lmax.disruptor.RingBuffer;
import dev.xdpdump.bpf.Attachment;
import dev.xdpdump.bpf.CaptureProgram;
import dev.xdpdump.bpf.ProgramCounters;
import dev.xdpdump.bpf.XdpMode;
import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.WallClock;
import dev.xdpdump.perf.PerfRingSet;
import dev.xdpdump.sink.Sink;
import dev.xdpdump.sink.Totals;
import dev.xdpdump.sys.Cpus;
import dev.xdpdump.sys.ErrnoException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * One running capture: the loaded program, one perf ring per CPU, one link per interface, the outputs (each a Disruptor
 * consumer with its own thread: the Disruptor's multicast), and the reader thread. Start-up and shutdown are written
 * once, here, each the reverse of the other:
 *
 * <pre>
 * start: load program -> open rings (installed in the program's map) -> attach each interface -> open the outputs -> start their
 *        threads -> start the reader
 * stop:  detach all -> the reader drains what the program emitted and the outputs write it, for as long as each keeps
 *        taking data -> hand each output the books, flush and close it -> read the books -> close rings -> close
 *        program
 * </pre>
 *
 * The outputs are opened only once the program is attached, so a start that fails leaves the user's files as they
 * were. Each output is its own failure domain: one that fails, closes or stalls leaves alone (counting what it did
 * not take as not written) and the others go on; the capture ends when the last one has gone. The slowest live
 * output sets the pace. {@link #close()} is the one way out and is safe to call twice.
 */
public final class Capture extends Run {
    /**
     * What to capture and how. {@code count} 0 means no limit; {@code filter} is the translated filter expression
     * (eBPF for {@code CaptureProgram.load}), null for none.
     *
     * @param interfaces where to attach, in the order the user named them; each gets its own counters
     * @param timeOrder hand events on in timestamp order across CPUs, at most {@link RingReader#ORDER_HORIZON_NANOS}
     *     late (plus a drain); false for drain order, the lowest latency
     */
    public record Settings(List<Target> interfaces, XdpMode mode, int snapLength, int ringBytesPerCpu, long count,
                           byte[] filter, boolean timeOrder) {
        public Settings {
            interfaces = List.copyOf(interfaces);
        }
    }

    /** An interface to capture on, by the name and index it had when the capture started. */
    public record Target(String name, int ifindex) {}

    /** Opens an output once the program is attached; the capture owns the sink from then on. */
    @FunctionalInterface
    public interface SinkOpener {
        /**
         * @param books the run's books while it runs, for a sink that writes them before its end (pcapng's
         *     statistics in each file it rotates out); callable from the sink's thread once events flow
         */
        Sink open(Totals.Source books) throws IOException;
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
    /** After giving up: how long the reader gets to notice before the books are read anyway. */
    private static final long STOP_GIVE_UP_JOIN_MILLIS = 1000;
    /**
     * At most about this many bytes of slots in the Disruptor, and no more than the perf rings hold together: absorbs
     * bursts while the outputs catch up, and a small {@code --ring-size} keeps all buffering small.
     */
    private static final long SLOT_BYTES = 32L << 20;

    private final CaptureProgram program;
    private final PerfRingSet rings;
    private final List<Target> targets;
    /** One per target, in the same order; null once detached. */
    private final Attachment[] links;
    private final RingReader reader;
    private final Thread readerThread;
    private final StopSignal stop;
    private Ending ending;
    private Summary books;

    private Capture(CaptureProgram program, PerfRingSet rings, List<Target> targets, Attachment[] links,
                    Outputs outputs, RingReader reader, Thread readerThread, StopSignal stop) {
        super(outputs);
        this.program = program;
        this.rings = rings;
        this.targets = targets;
        this.links = links;
        this.reader = reader;
        this.readerThread = readerThread;
        this.stop = stop;
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
     * events come only from runs of {@link #program()} with BPF_PROG_TEST_RUN. {@code settings.interfaces} and
     * {@code mode} are ignored. {@link #stop()} then skips the detach.
     */
    public static Capture startUnattached(Settings settings, Sink sink, StopSignal stop) throws ErrnoException,
            IOException {
        return start(settings, List.of(new OutputPlan("benchmark", "bench", books -> sink)), stop, false);
    }

    private static Capture start(Settings settings, List<OutputPlan> plans, StopSignal stop, boolean attach)
            throws ErrnoException, IOException {
        int cpus = Cpus.possible();
        CaptureProgram program = null;
        PerfRingSet rings = null;
        List<Target> targets = attach ? settings.interfaces() : List.of();
        Attachment[] links = new Attachment[targets.size()];
        Outputs outputs = null;
        try {
            program = CaptureProgram.load(settings.snapLength(), cpus, settings.filter(), Math.max(1, targets.size()));
            rings = PerfRingSet.open(cpus, settings.ringBytesPerCpu(), program::installPerfEvent);
            for (int i = 0; i < targets.size(); i++) {
                // One busy interface refuses the whole start: the links made so far close below.
                links[i] = program.attach(i, targets.get(i).name(), targets.get(i).ifindex(), settings.mode());
            }
            // Events the program emits from here on wait in the perf rings until the reader starts.
            int slotCapacity = settings.snapLength();
            long slotBytes = Math.min(SLOT_BYTES, (long) settings.ringBytesPerCpu() * cpus);
            outputs = Outputs.open(plans, settings.count(), slotCapacity,
                    Outputs.slotCount(slotCapacity, slotBytes), stop);
            RingBuffer<CaptureEvent> slots = outputs.start();
            RingReader reader = new RingReader(rings, slots, slotCapacity, WallClock.system(), stop, settings.timeOrder());
            Thread readerThread = new Thread(reader, "xdpdump-reader");
            readerThread.setDaemon(true);
            // Made before the reader starts, so the outputs can read its books as soon as events reach them.
            Capture capture = new Capture(program, rings, targets, links, outputs, reader, readerThread, stop);
            readerThread.start();
            return capture;
        } catch (IOException | RuntimeException e) {
            if (outputs != null) {
                outputs.release();
            }
            for (Attachment link : links) {
                if (link != null) {
                    link.close();
                }
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

    @Override
    public Ending ending() {
        return ending;
    }

    /** The interfaces captured on, in the order given; none when started unattached. */
    public List<Target> interfaces() {
        return targets;
    }

    /** The link interface {@code i} was attached with (its mode and why); null once detached. */
    public Attachment link(int i) {
        return links[i];
    }

    /**
     * Detaches interface {@code i} (gone or down) while the others go on; its counters stay in the books. Safe to
     * call again.
     */
    public void detach(int i) {
        if (links[i] != null) {
            links[i].close();
            links[i] = null;
        }
    }

    /** The loaded program, owned by this capture: benchmarks run it with BPF_PROG_TEST_RUN. */
    public CaptureProgram program() {
        return program;
    }

    /**
     * Stops in the order the class comment gives and returns the books. Blocks while the outputs keep taking data;
     * an output that takes none for {@link #STALL_MILLIS} is given up on, and a second signal gives up on all. Call
     * once, from the thread that started; {@link #close()} calls it if nobody did.
     */
    @Override
    public Summary stop() throws ErrnoException {
        if (ending != null) {
            return books;
        }
        for (int i = 0; i < links.length; i++) {
            detach(i);
        }
        reader.finish(this::emittedSoFar);
        ending = drain();
        if (ending == Ending.SECOND_SIGNAL) {
            reader.abandon();
            outputs.giveUpAll();
        }
        outputs.halt(ending != Ending.DRAINED);
        try {
            readerThread.join(ending == Ending.DRAINED ? 0 : STOP_GIVE_UP_JOIN_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        outputs.finish(books());
        books = books(); // a last flush or trailer can still fail: count it
        return books;
    }

    /**
     * Waits until the reader has read every emitted sample and every output has consumed every event it was handed,
     * giving up on any output that stops moving.
     */
    private Ending drain() {
        return drainOutputs(stop, readerThread::isAlive);
    }

    @Override
    long handedToOutputs() {
        return reader.received();
    }

    private long emittedSoFar() {
        try {
            return program.counters().emitted();
        } catch (ErrnoException e) {
            return Long.MAX_VALUE; // unreadable counters: drain until the rings stay empty
        }
    }


    /**
     * The counters so far, while capturing, for a stats line: any thread but the reader and sink threads; allocates
     * nothing. Reads downstream first, so no stage shows more than the one before it has passed on; events still in
     * the rings or the queue are in none of the terms.
     */
    @Override
    public void readCounters(Counters into) throws ErrnoException {
        outputs.readCounters(into);
        long malformed = reader.malformedEvents() + rings.malformedRecords();
        into.setReader(rings.samples(), rings.lostEvents(), malformed, 0, rings.orderGivenUp());
        program.readCounters(into.program);
        for (int i = 0; i < into.interfacePrograms.length; i++) {
            program.readCounters(i, into.interfacePrograms[i]);
        }
        into.takeProgram();
    }

    @Override
    List<String> interfaceNames() {
        return targets.stream().map(Target::name).toList();
    }

    /** The books so far, read as at the end; while capturing, queued events are in none of the last terms. */
    @Override
    Summary booksSoFar() throws ErrnoException {
        return books();
    }

    /**
     * The books after stop, read downstream first. The terms add up: every sample the reader took is handed on,
     * malformed or abandoned; everything emitted and not taken from the rings is left in them; everything handed to
     * an output and not written is not written.
     */
    private Summary books() throws ErrnoException {
        List<Summary.Output> outputBooks = outputs.books(reader.received());
        long abandoned = reader.abandoned();
        long malformedRecords = rings.malformedRecords();
        long read = rings.samples();
        ProgramCounters counters = program.counters();
        long leftInRings = Math.max(0, counters.emitted() - read - malformedRecords) + abandoned;
        Summary.Reader readerBooks = new Summary.Reader(read, rings.lostEvents(), rings.lostEventsByCpu(),
                reader.malformedEvents() + malformedRecords, leftInRings, rings.orderGivenUp());
        List<Summary.Interface> interfaceBooks = new ArrayList<>();
        for (int i = 0; i < targets.size(); i++) {
            interfaceBooks.add(new Summary.Interface(targets.get(i).name(), targets.get(i).ifindex(),
                    program.counters(i)));
        }
        return new Summary(counters, readerBooks, outputBooks, interfaceBooks);
    }

    @Override
    void release() {
        if (!readerThread.isAlive()) {
            rings.close(); // a reader still running holds views of the rings; the process exit unmaps them
        }
        program.close();
    }
}
