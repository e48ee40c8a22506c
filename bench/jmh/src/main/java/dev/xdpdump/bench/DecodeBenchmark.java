package dev.xdpdump.bench;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.EventLayout;
import dev.xdpdump.event.FrameFields;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;

/**
 * Event decoding, one operation per event: {@code copyIntoSlot} is what the reader does per sample (check lengths,
 * copy header and frame from a direct buffer into a slot); {@code frameFields} is what hex and JSON do first.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC"})
public class DecodeBenchmark {
    private static final int COUNT = 64;
    private static final int SNAP_LENGTH = 256;

    private final int[] index = new int[COUNT];
    private final int[] length = new int[COUNT];
    private final CaptureEvent[] slots = new CaptureEvent[COUNT];
    private final FrameFields fields = new FrameFields();
    private ByteBuf samples;

    @Setup
    public void build() {
        samples = Unpooled.wrappedBuffer(ByteBuffer.allocateDirect(COUNT * 128));
        samples.clear();
        for (int i = 0; i < COUNT; i++) {
            byte[] raw = BenchFrames.rawSample(i);
            index[i] = samples.writerIndex();
            length[i] = raw.length;
            samples.writeBytes(raw);
            samples.writerIndex((samples.writerIndex() + 7) & ~7); // 4-byte aligned raw data, as in a ring
            slots[i] = new CaptureEvent(SNAP_LENGTH);
        }
    }

    @Benchmark
    @OperationsPerInvocation(COUNT)
    public void copyIntoSlot() {
        for (int i = 0; i < COUNT; i++) {
            int captured = EventLayout.capturedLength(samples, index[i], length[i], SNAP_LENGTH);
            EventLayout.copy(samples, index[i], captured, 1, 7L, slots[i]);
        }
    }

    @Benchmark
    @OperationsPerInvocation(COUNT)
    public void frameFields(Blackhole hole) {
        for (int i = 0; i < COUNT; i++) {
            hole.consume(fields.decode(slots[i]).seq());
        }
    }
}
