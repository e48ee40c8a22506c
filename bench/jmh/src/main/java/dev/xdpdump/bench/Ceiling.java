package dev.xdpdump.bench;

import dev.xdpdump.bpf.XdpMode;
import dev.xdpdump.pipeline.Capture;
import dev.xdpdump.pipeline.StopSignal;
import dev.xdpdump.pipeline.Summary;
import dev.xdpdump.sink.InterfaceNames;
import dev.xdpdump.sink.OutputFormat;
import dev.xdpdump.sink.Sink;
import dev.xdpdump.sys.Cpus;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The pipeline's own ceiling, without a network: the capture program loaded but attached nowhere, run with
 * BPF_PROG_TEST_RUN on a crafted SYN by a generator thread pinned to CPU 0, while the reader and sink threads
 * (pinned to CPU 1) drain the perf rings into a sink, exactly as a real capture does.
 *
 * <pre>
 * java -cp benchmarks.jar dev.xdpdump.bench.Ceiling --rate 3000000 --seconds 5 --format pcap --output /dev/shm/x.pcap
 * </pre>
 *
 * Each call runs the program {@code --burst} times back to back (a burst at the program's own speed, several M/s);
 * calls are paced so the average is {@code --rate} events/s (0: unpaced). Prints one tab-separated line: the rate
 * asked and achieved, events the program matched, written, lost in kernel rings, loss in percent, CPU seconds of the
 * reader and sink threads, GC count. Needs root (CAP_BPF, CAP_PERFMON).
 */
public final class Ceiling {
    private Ceiling() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> o = new LinkedHashMap<>(Map.of("--rate", "1000000", "--seconds", "5", "--burst", "20000",
            "--format", "pcap", "--output", "/dev/null", "--ring-size", String.valueOf(16 << 20), "--snap", "256",
            "--header", "no", "--warmup-seconds", "0"));
        for (int i = 0; i + 1 < args.length; i += 2) {
            if (!o.containsKey(args[i])) {
                throw new IllegalArgumentException("unknown option " + args[i] + "; known: " + o.keySet());
            }
            o.put(args[i], args[i + 1]);
        }
        double rate = Double.parseDouble(o.get("--rate"));
        double seconds = Double.parseDouble(o.get("--seconds"));
        int burst = Integer.parseInt(o.get("--burst"));
        int snap = Integer.parseInt(o.get("--snap"));
        if (o.get("--header").equals("yes")) {
            System.out.println("format\tburst\trate_asked\trate_achieved\tmatched\twritten\tlost\tloss_pct\t"
                + "reader_cpu_s\tsink_cpu_s\tcpu_us_per_event\tjit_cpu_s\tgc_count\twall_s");
        }

        // Threads inherit the creator's affinity: pin first, so the reader and sink threads start on CPU 1.
        Cpus.pinCurrentThread(1);
        Sink sink = OutputFormat.fromWord(o.get("--format")).open(o.get("--output"), snap, false,
            InterfaceNames.none());
        StopSignal stop = new StopSignal();
        Capture capture = Capture.startUnattached(new Capture.Settings(List.of(), XdpMode.AUTO, snap,
            Integer.parseInt(o.get("--ring-size")), 0, null, true), sink, stop);
        // Optional warm-up at the same rate, not counted: lets the JIT compile the hot path first.
        generate(capture, rate, Double.parseDouble(o.get("--warmup-seconds")), burst);
        long matchedBefore = capture.program().counters().matched();
        long lostBefore = capture.program().counters().lostRingFull();
        long gcBefore = gcCount();
        Map<String, Long> cpuBefore = threadCpuNanos();
        long started = System.nanoTime();
        long sent = generate(capture, rate, seconds, burst);
        double generatorSeconds = (System.nanoTime() - started) / 1e9;
        // The reader and sink threads end in stop(): read their CPU once they have gone idle (under 3 % for 200 ms).
        Map<String, Long> cpuAfter = threadCpuNanos();
        for (int idle = 0; idle < 2; ) {
            Thread.sleep(100);
            Map<String, Long> now = threadCpuNanos();
            long busy = delta(cpuAfter, now, "xdpdump-reader") + delta(cpuAfter, now, "xdpdump-sink");
            idle = busy < 3_000_000 ? idle + 1 : 0;
            cpuAfter = now;
        }
        Summary summary = capture.stop();
        double wallSeconds = (System.nanoTime() - started) / 1e9;
        double reader = delta(cpuBefore, cpuAfter, "xdpdump-reader") / 1e9;
        double sinkCpu = delta(cpuBefore, cpuAfter, "xdpdump-sink") / 1e9;
        double jit = (delta(cpuBefore, cpuAfter, "C2 CompilerThre") + delta(cpuBefore, cpuAfter, "C1 CompilerThre"))
            / 1e9;
        long matched = summary.program().matched() - matchedBefore;
        long lost = summary.program().lostRingFull() - lostBefore;
        long written = matched - lost; // every emitted event is written (checked: summary.output().notWritten() == 0)
        if (summary.output().notWritten() != 0 || summary.reader().malformed() != 0 || summary.unaccounted() != 0) {
            throw new IllegalStateException("books do not balance: " + summary);
        }
        System.out.println(String.format(Locale.ROOT,
            "%s\t%d\t%.0f\t%.0f\t%d\t%d\t%d\t%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%d\t%.2f",
            o.get("--format"), burst, rate, sent / generatorSeconds, matched, written, lost,
            100.0 * lost / Math.max(1, matched), reader, sinkCpu, (reader + sinkCpu) * 1e6 / Math.max(1, written),
            jit, gcCount() - gcBefore, wallSeconds));
    }

    /** Runs the program from a thread pinned to CPU 0 for {@code seconds}, paced to {@code rate}; returns runs. */
    private static long generate(Capture capture, double rate, double seconds, int burst) throws InterruptedException {
        long started = System.nanoTime();
        long[] sent = new long[1];
        Throwable[] failed = new Throwable[1];
        Thread generator = new Thread(() -> {
            try {
                Cpus.pinCurrentThread(0);
                byte[] frame = BenchFrames.syn(1);
                long deadline = started + (long) (seconds * 1e9);
                long now;
                while ((now = System.nanoTime()) < deadline) {
                    if (rate > 0) {
                        long due = started + (long) (sent[0] / rate * 1e9);
                        if (due > now) {
                            Thread.sleep((due - now) / 1_000_000, (int) ((due - now) % 1_000_000));
                            continue;
                        }
                    }
                    long before = System.nanoTime();
                    long kernel = capture.program().testRun(frame, burst).durationNanos();
                    if (System.getenv("CEILING_TRACE") != null) {
                        System.err.printf("call %.1f ms, kernel %d ns per run%n", (System.nanoTime() - before) / 1e6,
                            kernel);
                    }
                    sent[0] += burst;
                }
            } catch (Throwable e) {
                failed[0] = e;
            }
        }, "generator");
        generator.start();
        generator.join();
        if (failed[0] != null) {
            throw new IllegalStateException("generator failed", failed[0]);
        }
        return sent[0];
    }

    private static long gcCount() {
        long n = 0;
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            n += Math.max(0, gc.getCollectionCount());
        }
        return n;
    }

    /** CPU time of this process's threads by name, from /proc/self/task/TID/schedstat (ns on CPU). */
    private static Map<String, Long> threadCpuNanos() throws IOException {
        Map<String, Long> cpu = new LinkedHashMap<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : (Iterable<Path>) tasks::iterator) {
                try {
                    String name = Files.readString(task.resolve("comm")).trim();
                    long ns = Long.parseLong(Files.readString(task.resolve("schedstat")).trim().split(" ")[0]);
                    cpu.merge(name, ns, Long::sum);
                } catch (IOException e) {
                    // the thread ended between listing and reading
                }
            }
        }
        return cpu;
    }

    private static long delta(Map<String, Long> before, Map<String, Long> after, String name) {
        return after.getOrDefault(name, 0L) - before.getOrDefault(name, 0L);
    }
}
