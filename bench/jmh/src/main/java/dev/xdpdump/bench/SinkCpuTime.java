package dev.xdpdump.bench;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.sink.InterfaceNames;
import dev.xdpdump.sink.Output;
import dev.xdpdump.sink.OutputFormat;
import dev.xdpdump.sink.Sink;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.Map;

/**
 * SinkBenchmark's loop (128 SYNs, then a flush) timed by the thread's CPU time instead of the wall clock, so time
 * spent descheduled on a shared, loaded machine does not count; a cross-check for JMH's ns/op there, not a
 * replacement. {@code java -cp bench/jmh/target/benchmarks.jar dev.xdpdump.bench.SinkCpuTime [format]} prints the
 * min, median and max of 15 rounds of 2.56 million events after 8 rounds of warm-up.
 */
public final class SinkCpuTime {
    private static final int ROUNDS = 15;
    private static final int WARMUP_ROUNDS = 8;
    private static final int BATCHES = 20_000;

    private SinkCpuTime() {
    }

    public static void main(String[] args) throws IOException {
        String format = args.length > 0 ? args[0] : "json";
        CaptureEvent[] events = new CaptureEvent[SinkBenchmark.BATCH];
        for (int i = 0; i < events.length; i++) {
            events[i] = BenchFrames.event(i, 256);
        }
        Sink sink = OutputFormat.fromWord(format).build(Output.of(new DiscardingChannel(), "discard"), 256, false,
            InterfaceNames.of(Map.of(BenchFrames.IFINDEX, "veth-cap")));
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        double[] nanosPerEvent = new double[ROUNDS];
        for (int round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
            long start = threads.getCurrentThreadCpuTime();
            for (int batch = 0; batch < BATCHES; batch++) {
                for (CaptureEvent event : events) {
                    sink.write(event);
                }
                sink.flush();
            }
            long used = threads.getCurrentThreadCpuTime() - start;
            if (round >= 0) {
                nanosPerEvent[round] = used / (double) ((long) BATCHES * events.length);
            }
        }
        sink.close();
        Arrays.sort(nanosPerEvent);
        System.out.printf("%s: min %.1f median %.1f max %.1f ns/event (thread CPU time)%n", format, nanosPerEvent[0],
            nanosPerEvent[ROUNDS / 2], nanosPerEvent[ROUNDS - 1]);
    }
}
