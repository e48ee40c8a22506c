package dev.xdpdump.pipeline;

import dev.xdpdump.sink.OutputBuffer;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One {@code --stats} line with two outputs, the way the Supervisor makes it: the counters set into the reused
 * snapshot (as {@link Capture#readCounters} does after its map lookup) and the line formatted into a reused buffer.
 * {@code -prof gc} shows what a line allocates: it should be about 0 B/op. The BPF map lookup itself needs a loaded
 * program; it reuses its buffers too (Bpf.Lookup). Lives in package {@code pipeline} because the setters are
 * package-private.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC"})
public class StatsLineBenchmark {
    private final Counters counters = new Counters(List.of("pcap", "json"));
    private final OutputBuffer line = new OutputBuffer(1024);
    private long tick;

    @Benchmark
    public int statsLine() {
        tick++;
        counters.setOutput(0, tick, 0, 0);
        counters.setOutput(1, tick - 3, 3, 1);
        counters.setReader(tick, 0, 0, 0);
        counters.program[0] = tick * 4;
        counters.program[1] = tick;
        counters.program[2] = tick;
        counters.takeProgram();
        line.clear();
        counters.writeStatsLine(line);
        return line.size();
    }
}
