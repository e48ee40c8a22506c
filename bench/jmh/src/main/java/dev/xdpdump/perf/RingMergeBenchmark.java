package dev.xdpdump.perf;

import dev.xdpdump.bench.BenchFrames;
import dev.xdpdump.event.EventLayout;
import dev.xdpdump.sys.ErrnoException;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * {@link PerfRingSet#drainInOrder} (the time-order merge) against {@link PerfRingSet#drain} over the same rings in
 * direct memory: before each invocation the setup appends {@value #RECORDS} SYN samples spread over {@code rings}
 * rings with interleaved timestamps (not timed); the invocation hands them all into slots as the reader does. One
 * operation is one event. The rings (1 MiB each) stay far below half full, so the merge never gives up order here.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC"})
public class RingMergeBenchmark {
    static final int RECORDS = 1024;
    private static final int PAGE = 4096;
    private static final int DATA_SIZE = 1 << 20;
    private static final SampleTimestamp KERNEL_TIME = EventLayout::timestamp;

    @Param({"2", "4"})
    public int rings;

    private ByteBuffer[] regions;
    private long[] heads;
    private PerfRingSet set;
    private byte[][] records;
    private long timestamp;
    private final RingDrainBenchmark.SlotCopier copier = new RingDrainBenchmark.SlotCopier();

    @Setup(Level.Trial)
    public void open() throws ErrnoException {
        regions = new ByteBuffer[rings];
        heads = new long[rings];
        List<PerfRing> list = new ArrayList<>();
        for (int r = 0; r < rings; r++) {
            regions[r] = ByteBuffer.allocateDirect(PAGE + DATA_SIZE).order(ByteOrder.nativeOrder());
            list.add(new PerfRing(r, regions[r], PAGE, null, null));
        }
        set = PerfRingSet.over(list);
        records = new byte[64][];
        for (int i = 0; i < records.length; i++) {
            byte[] raw = BenchFrames.rawSample(i);
            int body = (4 + raw.length + 7) & ~7;
            ByteBuffer rec = ByteBuffer.allocate(8 + body).order(ByteOrder.nativeOrder());
            rec.putInt(PerfRing.PERF_RECORD_SAMPLE).putShort((short) 0).putShort((short) (8 + body)).putInt(body - 4)
                    .put(raw);
            records[i] = rec.array();
        }
    }

    @TearDown(Level.Trial)
    public void close() {
        set.close();
    }

    /** Event i goes to ring (i / 3) % rings: runs of three, so drain order is not time order. */
    @Setup(Level.Invocation)
    public void produce() {
        for (int i = 0; i < RECORDS; i++) {
            int r = (i / 3) % rings;
            byte[] record = records[i & (records.length - 1)];
            ByteBuffer.wrap(record).order(ByteOrder.LITTLE_ENDIAN).putLong(12, ++timestamp); // the event's ts_ns
            for (int b = 0; b < record.length; b++) {
                regions[r].put(PAGE + (int) ((heads[r] + b) & (DATA_SIZE - 1)), record[b]);
            }
            heads[r] += record.length;
        }
        for (int r = 0; r < rings; r++) {
            regions[r].putLong(ControlPage.DATA_HEAD, heads[r]);
        }
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public int drain() {
        return set.drain(copier);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public int drainInOrder() {
        // every event is old enough: all of them come out, in timestamp order, through the heap
        return set.drainInOrder(copier, KERNEL_TIME, timestamp + 1, 0);
    }
}
