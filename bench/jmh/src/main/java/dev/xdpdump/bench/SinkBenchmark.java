package dev.xdpdump.bench;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.sink.InterfaceNames;
import dev.xdpdump.sink.Output;
import dev.xdpdump.sink.OutputFormat;
import dev.xdpdump.sink.Sink;
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

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Each sink as the sink thread drives it: {@value #BATCH} events written, then one flush (the Disruptor's end of
 * batch). One operation is one event. {@code output=discard} measures formatting alone; {@code output=devnull} adds
 * the write system calls to /dev/null; {@code output=file} adds a real file under /dev/shm (tmpfs, as the harness).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"-XX:+UseSerialGC"})
public class SinkBenchmark {
    static final int BATCH = 128;
    private static final int SNAP_LENGTH = 256;

    @Param({"pcap", "pcapng", "json", "hex"})
    public String format;

    @Param({"discard"})
    public String output;

    private final CaptureEvent[] events = new CaptureEvent[BATCH];
    private Sink sink;
    private Path file;

    @Setup(Level.Trial)
    public void open() throws IOException {
        for (int i = 0; i < BATCH; i++) {
            events[i] = BenchFrames.event(i, SNAP_LENGTH);
        }
        InterfaceNames names = InterfaceNames.of(Map.of(BenchFrames.IFINDEX, "veth-cap"));
        Output out;
        switch (output) {
            case "discard":
                out = Output.of(new DiscardingChannel(), "discard");
                break;
            case "devnull":
                out = Output.open("/dev/null");
                break;
            case "file":
                file = Files.createTempFile(Path.of("/dev/shm"), "xdpdump-jmh", "." + format);
                out = Output.open(file.toString());
                break;
            default:
                throw new IllegalArgumentException("output " + output);
        }
        sink = OutputFormat.fromWord(format).build(out, SNAP_LENGTH, false, names);
    }

    @TearDown(Level.Trial)
    public void close() throws IOException {
        sink.close();
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }

    @Benchmark
    @OperationsPerInvocation(BATCH)
    public void writeBatch() throws IOException {
        for (int i = 0; i < BATCH; i++) {
            sink.write(events[i]);
        }
        sink.flush();
    }
}
