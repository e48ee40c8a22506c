package dev.xdpdump.perf;

import dev.xdpdump.bench.BenchFrames;
import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.EventLayout;
import io.netty.buffer.ByteBuf;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.TimeUnit;

/**
 * {@link PerfRing#drain} over a ring in direct memory, laid out as the kernel writes it (control page, then a
 * power-of-two data area whose records wrap at its end). Before each invocation the setup appends {@value #RECORDS}
 * SYN samples at the head, as the XDP program would (not timed); the invocation drains them all into slots the way
 * the reader does (lengths checked, header and frame copied). One operation is one event. Lives in package
 * {@code perf} because the ring's constructor over a plain buffer is package-private, as for the unit tests.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC"})
public class RingDrainBenchmark {
    static final int RECORDS = 1024;
    private static final int PAGE = 4096;
    private static final int DATA_SIZE = 1 << 20;
    private static final int SNAP_LENGTH = 256;

    private ByteBuffer region;
    private PerfRing ring;
    private byte[][] records;
    private long head;
    private final SlotCopier copier = new SlotCopier();

    /** Copies each sample into the next of 1024 slots, like the reader into Disruptor slots. */
    static final class SlotCopier implements SampleConsumer {
        final CaptureEvent[] slots = new CaptureEvent[1024];
        int next;
        long copied;

        SlotCopier() {
            for (int i = 0; i < slots.length; i++) {
                slots[i] = new CaptureEvent(SNAP_LENGTH);
            }
        }

        @Override
        public void onSample(int cpu, ByteBuf buffer, int index, int length) {
            int captured = EventLayout.capturedLength(buffer, index, length, SNAP_LENGTH);
            if (captured >= 0) {
                EventLayout.copy(buffer, index, captured, cpu, 0L, slots[next]);
                next = (next + 1) & (slots.length - 1);
                copied++;
            }
        }
    }

    @Setup(Level.Trial)
    public void open() {
        region = ByteBuffer.allocateDirect(PAGE + DATA_SIZE).order(ByteOrder.nativeOrder());
        ring = new PerfRing(0, region, PAGE, null, null);
        records = new byte[64][];
        for (int i = 0; i < records.length; i++) {
            records[i] = sampleRecord(BenchFrames.rawSample(i));
        }
    }

    /** A PERF_RECORD_SAMPLE: header {type, misc, size}, u32 raw size, raw bytes padded so the record is 8-aligned. */
    private static byte[] sampleRecord(byte[] raw) {
        int body = (4 + raw.length + 7) & ~7;
        ByteBuffer r = ByteBuffer.allocate(8 + body).order(ByteOrder.nativeOrder());
        r.putInt(PerfRing.PERF_RECORD_SAMPLE).putShort((short) 0).putShort((short) (8 + body)).putInt(body - 4).put(raw);
        return r.array();
    }

    @Setup(Level.Invocation)
    public void produce() {
        for (int i = 0; i < RECORDS; i++) {
            byte[] record = records[i & (records.length - 1)];
            for (int b = 0; b < record.length; b++) {
                region.put(PAGE + (int) ((head + b) & (DATA_SIZE - 1)), record[b]);
            }
            head += record.length;
        }
        region.putLong(ControlPage.DATA_HEAD, head);
    }

    @Benchmark
    @OperationsPerInvocation(RECORDS)
    public int drain() {
        return ring.drain(copier);
    }
}
