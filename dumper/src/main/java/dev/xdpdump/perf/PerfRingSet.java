package dev.xdpdump.perf;

import dev.xdpdump.sys.Cpus;
import dev.xdpdump.sys.Epoll;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.FileDescriptorHandle;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One perf ring per possible CPU, watched by one epoll instance. Owned and drained by the reader thread; the
 * counters may be read by any thread and are current as of each ring's last drain.
 */
public final class PerfRingSet implements AutoCloseable {
    /** Where each ring's perf event fd must go: the program's perf event array, keyed by CPU. */
    @FunctionalInterface
    public interface Installer {
        void install(int cpu, FileDescriptorHandle perfEvent) throws ErrnoException;
    }

    private final List<PerfRing> rings;
    private final Epoll epoll;
    /** The merge's heap of ring indexes, keyed by each ring's pending timestamp; fixed size, so nothing per event. */
    private final int[] heap;
    private long orderGivenUp;
    private long earliestHeldBack = Long.MAX_VALUE;
    private volatile long orderGivenUpPublished;

    private PerfRingSet(List<PerfRing> rings, Epoll epoll) {
        this.rings = rings;
        this.epoll = epoll;
        this.heap = new int[rings.size()];
    }

    /**
     * Opens a ring of {@code bytesPerCpu} (a power of two, at least two pages) on every CPU and installs each. A
     * reader is woken when a quarter of a ring is full, or by the caller's timeout at low rates.
     */
    public static PerfRingSet open(int cpus, int bytesPerCpu, Installer installer) throws ErrnoException {
        if (Integer.bitCount(bytesPerCpu) != 1 || bytesPerCpu < 8192) {
            throw new IllegalArgumentException("ring size must be a power of two of at least 8 KiB, not " + bytesPerCpu);
        }
        List<PerfRing> rings = new ArrayList<>();
        Epoll epoll = new Epoll(cpus);
        try {
            for (int cpu = 0; cpu < cpus; cpu++) {
                PerfRing ring;
                try {
                    ring = PerfRing.open(cpu, bytesPerCpu, bytesPerCpu / 4);
                } catch (ErrnoException e) {
                    boolean offline = (e.errno() == ErrnoException.ENODEV || e.errno() == ErrnoException.EINVAL)
                            && !Cpus.online(cpu);
                    if (offline) {
                        // The program cannot run there now. If the CPU comes online later, its events find no
                        // ring and the program counts them as lost_no_ring.
                        continue;
                    }
                    throw e;
                }
                rings.add(ring);
                epoll.add(ring.event());
                installer.install(cpu, ring.event());
            }
            if (rings.isEmpty()) {
                throw new ErrnoException("open a perf ring on any of " + cpus + " possible CPUs",
                        ErrnoException.ENODEV, "no CPU is online according to /sys/devices/system/cpu/online");
            }
            return new PerfRingSet(rings, epoll);
        } catch (ErrnoException | RuntimeException e) {
            rings.forEach(PerfRing::close);
            epoll.close();
            throw e;
        }
    }

    /**
     * For tests: a set over rings built in memory, watched by an epoll instance with no descriptors, so
     * {@link #await} only times out. Takes ownership of the rings.
     */
    static PerfRingSet over(List<PerfRing> rings) throws ErrnoException {
        return new PerfRingSet(List.copyOf(rings), new Epoll(Math.max(1, rings.size())));
    }

    /** Blocks until some ring has reached its watermark or {@code timeoutMillis} passed. */
    public void await(int timeoutMillis) throws ErrnoException {
        epoll.await(timeoutMillis);
    }

    /** Drains every ring once, in drain order; returns the number of records read. */
    public int drain(SampleConsumer consumer) {
        earliestHeldBack = Long.MAX_VALUE;
        int records = 0;
        for (int i = 0; i < rings.size(); i++) {
            records += rings.get(i).drain(consumer);
        }
        return records;
    }

    /**
     * Hands on, in timestamp order across the rings, every sample that is older than {@code nowNanos - horizonNanos}
     * or earlier than every other ring's next sample; holds the rest back for a later call. Each ring is in order on
     * its own, so this is a k-way merge of the rings' heads. A sample in an empty ring's future could still be
     * earlier than another ring's head, which is why a head is held back until it is old enough or every ring has a
     * later one. With {@code nowNanos == Long.MAX_VALUE} everything read is handed on (the final drain).
     *
     * <p>Never loses an event for the sake of order: when a ring is more than half full, this drain hands on all that
     * every ring holds in drain order and counts it in {@link #orderGivenUp}.
     *
     * @return the number of samples handed on
     */
    public int drainInOrder(SampleConsumer consumer, SampleTimestamp timestamps, long nowNanos, long horizonNanos) {
        int n = rings.size();
        boolean giveUp = false;
        for (int i = 0; i < n; i++) {
            PerfRing ring = rings.get(i);
            ring.refresh();
            giveUp |= ring.moreThanHalfFull();
        }
        if (giveUp) {
            earliestHeldBack = Long.MAX_VALUE;
            orderGivenUp++;
            orderGivenUpPublished = orderGivenUp;
            return drain(consumer);
        }
        int size = 0;
        for (int i = 0; i < n; i++) {
            if (rings.get(i).peek(timestamps)) {
                heap[size] = i;
                siftUp(size++);
            }
        }
        long releaseBefore = nowNanos == Long.MAX_VALUE ? Long.MAX_VALUE : nowNanos - horizonNanos;
        int handedOn = 0;
        while (size > 0) {
            PerfRing first = rings.get(heap[0]);
            if (first.pendingTimestamp() >= releaseBefore && size < n) {
                break; // an empty ring may still show an earlier sample
            }
            first.deliverPending(consumer);
            handedOn++;
            if (first.peek(timestamps)) {
                siftDown(0, size);
            } else {
                heap[0] = heap[--size];
                siftDown(0, size);
            }
        }
        earliestHeldBack = size > 0 ? rings.get(heap[0]).pendingTimestamp() : Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            rings.get(i).endRound();
        }
        return handedOn;
    }

    private long key(int slot) {
        return rings.get(heap[slot]).pendingTimestamp();
    }

    private void siftUp(int slot) {
        while (slot > 0) {
            int parent = (slot - 1) / 2;
            if (key(parent) <= key(slot)) {
                return;
            }
            swap(slot, parent);
            slot = parent;
        }
    }

    private void siftDown(int slot, int size) {
        while (true) {
            int least = slot;
            int left = 2 * slot + 1;
            if (left < size && key(left) < key(least)) {
                least = left;
            }
            if (left + 1 < size && key(left + 1) < key(least)) {
                least = left + 1;
            }
            if (least == slot) {
                return;
            }
            swap(slot, least);
            slot = least;
        }
    }

    private void swap(int a, int b) {
        int t = heap[a];
        heap[a] = heap[b];
        heap[b] = t;
    }

    /**
     * The timestamp of the earliest sample the last {@link #drainInOrder} held back, or Long.MAX_VALUE if it held
     * none; reader thread only.
     */
    public long earliestHeldBack() {
        return earliestHeldBack;
    }

    /** How many drains gave up time order because a ring was more than half full; any thread. */
    public long orderGivenUp() {
        return orderGivenUpPublished;
    }

    /** PERF_RECORD_LOST totals per CPU, in CPU order; allocates, so for summaries and stats lines. */
    public Map<Integer, Long> lostEventsByCpu() {
        Map<Integer, Long> byCpu = new TreeMap<>();
        rings.forEach(ring -> byCpu.put(ring.cpu(), ring.lostEvents()));
        return Collections.unmodifiableMap(byCpu);
    }

    // The sums below run for every stats line and every poll of a stop: indexed loops, no streams, no allocation.

    /** PERF_RECORD_LOST totals over all rings; any thread. */
    public long lostEvents() {
        long sum = 0;
        for (int i = 0; i < rings.size(); i++) {
            sum += rings.get(i).lostEvents();
        }
        return sum;
    }

    /** Records skipped over all rings; any thread. */
    public long malformedRecords() {
        long sum = 0;
        for (int i = 0; i < rings.size(); i++) {
            sum += rings.get(i).malformedRecords();
        }
        return sum;
    }

    /** Samples handed on over all rings; any thread. */
    public long samples() {
        long sum = 0;
        for (int i = 0; i < rings.size(); i++) {
            sum += rings.get(i).samples();
        }
        return sum;
    }

    @Override
    public void close() {
        rings.forEach(PerfRing::close);
        epoll.close();
    }
}
