package dev.xdpdump.pipeline;

import com.lmax.disruptor.InsufficientCapacityException;
import com.lmax.disruptor.RingBuffer;
import dev.xdpdump.bpf.ProgramCounters;
import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.ConnectionRequests;
import dev.xdpdump.event.FrameSource;
import dev.xdpdump.event.RawFrame;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;

/**
 * {@code -r FILE}: a capture file read through the same selection and the same outputs as a live capture. A reader
 * thread takes each frame from the source, keeps the connection requests ({@link ConnectionRequests}, the program's
 * walk in Java) and hands them to the outputs' ring; the outputs are those of a live capture, with the same books.
 *
 * <pre>
 * start: open the outputs -> start their threads -> start the reader
 * stop:  the reader stops at the end of the file (or at once, for a signal, -c or the last output gone) -> the
 *        outputs write what they were handed, for as long as each keeps taking data -> hand each output the books,
 *        flush and close it -> read the books -> close the file
 * </pre>
 *
 * The books read as a live capture's: frames seen, unparsed and connection requests matched by the selection; those
 * the filter expression left out ({@code filtered}); every other request handed on ("emitted" and "read"); none
 * lost in kernel rings. Timestamps are the file's.
 */
public final class Replay extends Run {
    /** At most about this many bytes of slots behind the reader, as for a live capture. */
    private static final long SLOT_BYTES = 32L << 20;
    private static final long FULL_PARK_NANOS = 50_000L;
    private static final long JOIN_MILLIS = 1000;

    private final FrameSource source;
    private final RingBuffer<CaptureEvent> slots;
    private final int snapLength;
    private final StopSignal stop;
    private final Thread readerThread;
    private volatile boolean stopReading;
    private volatile long frames;
    private volatile long matched;
    private volatile long unparsed;
    private volatile long filtered;
    private volatile long received;
    private Capture.Ending ending;
    private Summary books;

    private Replay(FrameSource source, Outputs outputs, RingBuffer<CaptureEvent> slots, int snapLength,
                   StopSignal stop) {
        super(outputs);
        this.source = source;
        this.slots = slots;
        this.snapLength = snapLength;
        this.stop = stop;
        this.readerThread = new Thread(this::read, "xdpdump-file-reader");
        this.readerThread.setDaemon(true);
    }

    /**
     * Opens the outputs and starts reading {@code source}, which the replay owns from here on (it closes it).
     *
     * @param count events each output writes before it is done, 0 for no limit
     * @param snapLength frame bytes each event keeps, as {@code -s}
     */
    public static Replay start(FrameSource source, List<Capture.OutputPlan> plans, long count, int snapLength,
                               StopSignal stop) throws IOException {
        Outputs outputs;
        try {
            outputs = Outputs.open(plans, count, snapLength, Outputs.slotCount(snapLength, SLOT_BYTES), stop);
        } catch (IOException | RuntimeException e) {
            source.close();
            throw e;
        }
        Replay replay = new Replay(source, outputs, outputs.start(), snapLength, stop);
        replay.readerThread.start();
        return replay;
    }

    /** The reader thread: every frame of the file, until its end or until asked to stop. */
    private void read() {
        RawFrame frame = new RawFrame();
        ConnectionRequests.Walk walk = new ConnectionRequests.Walk();
        try {
            while (!stopReading && source.next(frame)) {
                frames++;
                ConnectionRequests.Verdict verdict = ConnectionRequests.classify(frame.bytes(), frame.length(), walk);
                if (verdict == ConnectionRequests.Verdict.UNPARSED) {
                    unparsed++;
                } else if (verdict == ConnectionRequests.Verdict.REQUEST) {
                    matched++;
                    if (!source.selects(frame)) {
                        filtered++; // the expression runs after the selection, as it will in the kernel
                        continue;
                    }
                    long sequence = claim();
                    if (sequence < 0) {
                        break;
                    }
                    CaptureEvent slot = slots.get(sequence);
                    int captured = Math.min(frame.length(), snapLength);
                    System.arraycopy(frame.bytes(), 0, slot.frame(), 0, captured);
                    // A file records no interface, queue or CPU.
                    slot.set(frame.epochNanos(), 0, 0, 0, frame.wireLength(), captured, walk.l3Offset(),
                            walk.l4Offset(), walk.ipVersion());
                    slots.publish(sequence);
                    received++;
                }
            }
            stop.request(StopSignal.Reason.FILE_ENDED);
        } catch (IOException | RuntimeException e) {
            stop.request(StopSignal.Reason.READER_FAILED, e);
        }
    }

    /** The next free slot, waiting while the outputs catch up; -1 once asked to stop. */
    private long claim() {
        while (!stopReading) {
            try {
                return slots.tryNext();
            } catch (InsufficientCapacityException full) { // a preallocated singleton: no allocation
                LockSupport.parkNanos(FULL_PARK_NANOS);
            }
        }
        return -1;
    }

    @Override
    public Capture.Ending ending() {
        return ending;
    }








    @Override
    public void readCounters(Counters into) {
        outputs.readCounters(into);
        long handedOn = received;
        into.setReader(handedOn, 0, 0, 0);
        long[] program = into.program;
        java.util.Arrays.fill(program, 0);
        program[0] = frames;
        program[1] = matched;
        program[2] = handedOn;
        program[6] = unparsed;
        program[7] = filtered;
        into.takeProgram();
    }

    /** Stops reading, lets the outputs write what they were handed, and returns the books. Call once. */
    @Override
    public Summary stop() {
        if (ending != null) {
            return books;
        }
        stopReading = true;
        // A read blocked on a pipe that sends nothing (-r - from a stalled writer) is not waited for long.
        join(readerThread, JOIN_MILLIS);
        ending = drain();
        if (ending == Capture.Ending.SECOND_SIGNAL) {
            outputs.giveUpAll();
        }
        outputs.halt(ending != Capture.Ending.DRAINED);
        outputs.finish(books());
        books = books(); // a last flush or trailer can still fail: count it
        return books;
    }

    private Capture.Ending drain() {
        return drainOutputs(stop, () -> false); // the reader has stopped before the drain begins
    }

    @Override
    long handedToOutputs() {
        return received;
    }

    @Override
    Summary booksSoFar() {
        return books();
    }

    /**
     * The books of a file: every request the selection matched was handed on ("emitted", "read"), except one the
     * reader held when it was told to stop, which is left over; nothing is lost in kernel rings.
     */
    private Summary books() {
        long handedOn = received;
        long requests = matched;
        long leftOut = filtered;
        ProgramCounters program = new ProgramCounters(frames, requests, handedOn, 0, 0, 0, unparsed, leftOut);
        Summary.Reader reader = new Summary.Reader(handedOn, 0, Map.of(), 0, requests - leftOut - handedOn);
        return new Summary(program, reader, outputs.books(handedOn));
    }

    @Override
    void release() {
        if (!readerThread.isAlive()) {
            source.close(); // a read still blocked on a pipe holds the file; the process exit closes it
        }
    }

    private static void join(Thread thread, long millis) {
        try {
            thread.join(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
