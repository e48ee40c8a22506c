package dev.xdpdump.bpf;

import dev.xdpdump.sys.Bpf;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.FileDescriptorHandle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * xdpdump's capture program, loaded: its shared maps ({@code events}, {@code config}) and, for each interface of the
 * capture, its own {@code counters} map and its own two entry points (one for the XDP hook, one for tc ingress)
 * whose counter lookups point at that map. So the books come per interface at no cost per frame: the program still
 * looks up key 0, and the loader decides which map that is. Built from the object in capture-bpf/ that ships inside
 * the jar. Owns every fd it creates; a failure half way closes what was made.
 */
public final class CaptureProgram implements AutoCloseable {
    static final String OBJECT_RESOURCE = "/dev/xdpdump/bpf/xdpdump.bpf.o";
    private static final String COUNTERS = "counters";

    /** The program's entry points, by the hook they run at. */
    public enum Entry {
        /** {@code SEC("xdp")}, for native and generic mode; returns XDP_PASS (2). */
        XDP("xdp"),
        /** {@code SEC("tc")}, for tc ingress; returns TCX_NEXT (-1): no verdict. */
        TC("tc");

        private final String section;

        Entry(String section) {
            this.section = section;
        }
    }

    /** One interface's part: its counters and the entry points that count into them. */
    private record Slot(BpfMap counters, FileDescriptorHandle xdp, FileDescriptorHandle tc, Bpf.Lookup lookup) {
        void close() {
            tc.close();
            xdp.close();
            counters.close();
        }
    }

    private final Map<String, BpfMap> shared;
    private final List<Slot> slots;
    private final int cpus;
    private final boolean frags;
    private final byte[] countersRaw;
    private final long[] slotSums = new long[ProgramCounters.FIELDS];

    private CaptureProgram(Map<String, BpfMap> shared, List<Slot> slots, int cpus, boolean frags) {
        this.shared = shared;
        this.slots = List.copyOf(slots);
        this.cpus = cpus;
        this.frags = frags;
        this.countersRaw = new byte[ProgramCounters.SIZE * cpus];
    }

    /**
     * True when the program was loaded with the XDP multi-buffer (frags) flag; without it, drivers running a jumbo
     * MTU refuse native mode.
     */
    public boolean handlesFrags() {
        return frags;
    }

    /** As {@link #load(int, int, byte[], int)} for one interface and no filter expression. */
    public static CaptureProgram load(int snapLength, int possibleCpus) throws ErrnoException {
        return load(snapLength, possibleCpus, null, 1);
    }

    /** As {@link #load(int, int, byte[], int)} for one interface. */
    public static CaptureProgram load(int snapLength, int possibleCpus, byte[] filter) throws ErrnoException {
        return load(snapLength, possibleCpus, filter, 1);
    }

    /**
     * Creates the maps, writes the snap length into {@code config} and loads both entry points for each of
     * {@code interfaces} interfaces: the verifier takes a few milliseconds for each, and the mode is not known until
     * attach (auto picks it per interface).
     *
     * @param possibleCpus sizes the perf event array: its key is the CPU number
     * @param filter the filter expression translated to eBPF (the kernel's instruction layout), run on every
     *               connection request before it is emitted, the requests it leaves out counted as {@code filtered}:
     *               it gets the frame's start in r1, its end in r2 and its length on the wire in r3, and returns
     *               non-zero in r0 to keep the request. Null for none: every request is kept, at no cost.
     * @param interfaces how many interfaces the capture attaches to, each with its own counters; at least 1
     */
    public static CaptureProgram load(int snapLength, int possibleCpus, byte[] filter, int interfaces)
            throws ErrnoException {
        if (interfaces < 1) {
            throw new IllegalArgumentException("a capture program serves at least one interface, not " + interfaces);
        }
        ObjectFile object = new ObjectFile(readObject());
        Map<String, BpfMap> shared = new LinkedHashMap<>();
        List<Slot> slots = new ArrayList<>();
        try {
            MapSpec countersSpec = null;
            for (MapSpec spec : object.maps()) {
                if (spec.name().equals(COUNTERS)) {
                    countersSpec = spec;
                    continue;
                }
                int entries = spec.type() == Bpf.BPF_MAP_TYPE_PERF_EVENT_ARRAY ? possibleCpus : spec.maxEntries();
                shared.put(spec.name(), BpfMap.create(spec, entries));
            }
            if (countersSpec == null) {
                throw new IllegalStateException("the capture object declares no " + COUNTERS + " map");
            }
            shared.get("config").update(0, ProgramConfig.value(snapLength));
            ObjectFile.Program xdp = object.program(Entry.XDP.section);
            ObjectFile.Program tc = object.program(Entry.TC.section);
            boolean frags = true;
            for (int i = 0; i < interfaces; i++) {
                BpfMap counters = BpfMap.create(countersSpec, countersSpec.maxEntries());
                FileDescriptorHandle xdpFd = null;
                try {
                    Map<String, BpfMap> maps = new LinkedHashMap<>(shared);
                    maps.put(COUNTERS, counters);
                    byte[] xdpCode = FilterLink.link(xdp, relocated(xdp, maps), filter);
                    if (frags) {
                        try {
                            xdpFd = Bpf.progLoad(xdp.name(), Bpf.BPF_PROG_TYPE_XDP, xdpCode, object.license(),
                                    Bpf.BPF_F_XDP_HAS_FRAGS);
                        } catch (ErrnoException e) {
                            if (e.errno() != ErrnoException.EINVAL) {
                                throw e;
                            }
                            // A kernel before 5.18 knows no frags flag and says EINVAL; a program it rejects for
                            // another reason fails again below and reports that.
                            frags = false;
                        }
                    }
                    if (xdpFd == null) {
                        xdpFd = Bpf.progLoad(xdp.name(), Bpf.BPF_PROG_TYPE_XDP, xdpCode, object.license());
                    }
                    FileDescriptorHandle tcFd = Bpf.progLoad(tc.name(), Bpf.BPF_PROG_TYPE_SCHED_CLS,
                            FilterLink.link(tc, relocated(tc, maps), filter), object.license());
                    slots.add(new Slot(counters, xdpFd, tcFd, counters.lookup(ProgramCounters.SIZE * possibleCpus)));
                } catch (ErrnoException | RuntimeException e) {
                    if (xdpFd != null) {
                        xdpFd.close();
                    }
                    counters.close();
                    throw e;
                }
            }
            return new CaptureProgram(shared, slots, possibleCpus, frags);
        } catch (ErrnoException | RuntimeException e) {
            slots.forEach(Slot::close);
            shared.values().forEach(BpfMap::close);
            throw e;
        }
    }

    /** The program's instructions with every map reference pointing at the map's fd. */
    private static byte[] relocated(ObjectFile.Program program, Map<String, BpfMap> maps) {
        byte[] instructions = program.instructions();
        for (ObjectFile.MapReference ref : program.mapReferences()) {
            BpfMap map = maps.get(ref.mapName());
            // ld_imm64 with src_reg BPF_PSEUDO_MAP_FD: the kernel swaps the fd for the map's address.
            instructions[ref.instructionOffset() + 1] = (byte) ((instructions[ref.instructionOffset() + 1] & 0x0f) | 0x10);
            ByteBuffer.wrap(instructions).order(ByteOrder.LITTLE_ENDIAN)
                    .putInt(ref.instructionOffset() + 4, map.fd().fd());
        }
        return instructions;
    }

    private static byte[] readObject() {
        try (InputStream in = CaptureProgram.class.getResourceAsStream(OBJECT_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + OBJECT_RESOURCE + "; rebuild with 'mvn package'");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The perf event array the program writes events to; the reader installs one perf event fd per CPU in it. */
    public void installPerfEvent(int cpu, FileDescriptorHandle perfEvent) throws ErrnoException {
        Bpf.mapUpdateElem(shared.get("events").fd(), intBytes(cpu), intBytes(perfEvent.fd()));
    }

    /** How many interfaces the program was loaded for. */
    public int interfaces() {
        return slots.size();
    }

    /** Attaches interface {@code slot}'s entry point that {@code mode} calls for; see {@link Attachment#attach}. */
    public Attachment attach(int slot, String interfaceName, int ifindex, XdpMode mode) throws ErrnoException {
        Slot s = slots.get(slot);
        return Attachment.attach(s.xdp(), s.tc(), interfaceName, ifindex, mode);
    }

    /** The kernel's id for the first interface's XDP entry point, as {@code bpftool prog} and {@code ip link} show it. */
    public int id() throws ErrnoException {
        return id(Entry.XDP);
    }

    /** The kernel's id for the first interface's {@code entry}. */
    public int id(Entry entry) throws ErrnoException {
        return Bpf.progId(entry(0, entry));
    }

    /** Runs the first interface's XDP entry point once on a crafted frame (BPF_PROG_TEST_RUN); for tests and benchmarks. */
    public Bpf.TestRun testRun(byte[] frame) throws ErrnoException {
        return Bpf.progTestRun(entry(0, Entry.XDP), frame);
    }

    /**
     * Runs {@code entry} once on a crafted frame (BPF_PROG_TEST_RUN). The tc entry gets an skb the kernel builds from
     * the frame, as received on the loopback device: data at the Ethernet header, like tc ingress.
     */
    public Bpf.TestRun testRun(Entry entry, byte[] frame) throws ErrnoException {
        return testRun(0, entry, frame);
    }

    /** As {@link #testRun(Entry, byte[])}, for interface {@code slot}'s entry point: it counts into that slot. */
    public Bpf.TestRun testRun(int slot, Entry entry, byte[] frame) throws ErrnoException {
        return Bpf.progTestRun(entry(slot, entry), frame);
    }

    /** Runs the program {@code repeat} times on {@code frame} in one call: a burst of events, for benchmarks. */
    public Bpf.TestRun testRun(byte[] frame, int repeat) throws ErrnoException {
        return Bpf.progTestRun(entry(0, Entry.XDP), frame, repeat);
    }

    private FileDescriptorHandle entry(int slot, Entry entry) {
        Slot s = slots.get(slot);
        return entry == Entry.TC ? s.tc() : s.xdp();
    }

    /** The program's counters, summed over CPUs and interfaces; allocates the record, so for summaries. Any thread. */
    public synchronized ProgramCounters counters() throws ErrnoException {
        long[] sums = new long[ProgramCounters.FIELDS];
        readCounters(sums);
        return ProgramCounters.of(sums);
    }

    /** Interface {@code slot}'s counters, summed over CPUs; allocates the record, so for summaries. Any thread. */
    public synchronized ProgramCounters counters(int slot) throws ErrnoException {
        long[] sums = new long[ProgramCounters.FIELDS];
        readCounters(slot, sums);
        return ProgramCounters.of(sums);
    }

    /**
     * The program's counters summed over CPUs and interfaces into {@code sums}, in {@link ProgramCounters#FIELDS}
     * order; allocates nothing, for stats lines. Any thread.
     */
    public synchronized void readCounters(long[] sums) throws ErrnoException {
        Arrays.fill(sums, 0, ProgramCounters.FIELDS, 0);
        for (int slot = 0; slot < slots.size(); slot++) {
            readCounters(slot, slotSums);
            for (int i = 0; i < ProgramCounters.FIELDS; i++) {
                sums[i] += slotSums[i];
            }
        }
    }

    /** Interface {@code slot}'s counters summed over CPUs into {@code sums}; allocates nothing. Any thread. */
    public synchronized void readCounters(int slot, long[] sums) throws ErrnoException {
        slots.get(slot).lookup().lookup(0, countersRaw);
        ProgramCounters.sumInto(countersRaw, cpus, sums);
    }

    private static byte[] intBytes(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    @Override
    public void close() {
        slots.forEach(Slot::close);
        shared.values().forEach(BpfMap::close);
    }
}
