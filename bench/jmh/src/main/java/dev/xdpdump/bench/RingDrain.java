package dev.xdpdump.bench;

import dev.xdpdump.perf.PerfRingSet;
import dev.xdpdump.perf.SampleConsumer;
import dev.xdpdump.sys.Cpus;

/**
 * Empties a set of perf rings from a thread of its own, pinned to one CPU, and throws the samples away: what a
 * benchmark of the program's emission needs so that bpf_perf_event_output finds room (a full ring fails fast with
 * ENOSPC and would make emission look cheap). Owns the thread, not the rings: close this before the rings.
 */
final class RingDrain implements AutoCloseable {
    private static final SampleConsumer DISCARD = (cpu, buffer, index, length) -> { };

    private final PerfRingSet rings;
    private final Thread thread;
    private volatile boolean stopping;
    private volatile Throwable failure;

    private RingDrain(PerfRingSet rings, int cpu) {
        this.rings = rings;
        this.thread = new Thread(() -> run(cpu), "ring-drain");
        this.thread.setDaemon(true);
    }

    static RingDrain start(PerfRingSet rings, int cpu) {
        RingDrain drain = new RingDrain(rings, cpu);
        drain.thread.start();
        return drain;
    }

    private void run(int cpu) {
        try {
            Cpus.pinCurrentThread(cpu);
            while (!stopping) {
                if (rings.drain(DISCARD) == 0) {
                    // Idle or between calls: sleep in epoll until a ring is a quarter full rather than spin on a
                    // CPU other sessions share; a quarter of the ring is ample head room at one writer's speed.
                    rings.await(1);
                }
            }
        } catch (Throwable e) {
            failure = e;
        }
    }

    /** Fails when the thread did: a drain that stopped early would show up as ring-full losses, not as an error. */
    void check() {
        if (failure != null) {
            throw new IllegalStateException("ring drain failed", failure);
        }
    }

    @Override
    public void close() throws InterruptedException {
        stopping = true;
        thread.join();
        check();
    }
}
