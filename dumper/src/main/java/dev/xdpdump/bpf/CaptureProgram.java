package dev.xdpdump.bpf;

import dev.xdpdump.sys.Bpf;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.FileDescriptorHandle;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * xdpdump's capture program, loaded: its maps ({@code events}, {@code config}, {@code counters}) and its two entry
 * points, one for the XDP hook and one for tc ingress, which share the maps; built from the object in capture-bpf/
 * that ships inside the jar. Owns every fd it creates; a failure half way closes what was made.
 */
public final class CaptureProgram implements AutoCloseable {
    static final String OBJECT_RESOURCE = "/dev/xdpdump/bpf/xdpdump.bpf.o";

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

    private final Map<String, BpfMap> maps;
    private final FileDescriptorHandle program;
    private final FileDescriptorHandle tcProgram;
    private final int cpus;
    private final boolean frags;
    private final Bpf.Lookup countersLookup;
    private final byte[] countersRaw;

    private CaptureProgram(Map<String, BpfMap> maps, FileDescriptorHandle program, FileDescriptorHandle tcProgram,
                           int cpus, boolean frags) {
        this.maps = maps;
        this.program = program;
        this.tcProgram = tcProgram;
        this.cpus = cpus;
        this.frags = frags;
        this.countersRaw = new byte[ProgramCounters.SIZE * cpus];
        this.countersLookup = maps.get("counters").lookup(countersRaw.length);
    }

    /**
     * True when the program was loaded with the XDP multi-buffer (frags) flag; without it, drivers running a jumbo
     * MTU refuse native mode.
     */
    public boolean handlesFrags() {
        return frags;
    }

    /**
     * Creates the maps, writes the snap length into {@code config} and loads both entry points: the verifier takes a
     * few milliseconds for each, and the mode is not known until attach (auto picks it per interface).
     *
     * @param possibleCpus sizes the perf event array: its key is the CPU number
     */
    public static CaptureProgram load(int snapLength, int possibleCpus) throws ErrnoException {
        return load(snapLength, possibleCpus, null);
    }

    /**
     * As {@link #load(int, int)}, with a filter expression that runs on every connection request before it is
     * emitted; the requests it leaves out count as {@code filtered}.
     *
     * @param filter the expression translated to eBPF (the kernel's instruction layout): it gets the frame's start
     *               in r1, its end in r2 and its length on the wire in r3, and returns non-zero in r0 to keep the
     *               request. Null for none: every request is kept, at no cost.
     */
    public static CaptureProgram load(int snapLength, int possibleCpus, byte[] filter) throws ErrnoException {
        ObjectFile object = new ObjectFile(readObject());
        Map<String, BpfMap> maps = new LinkedHashMap<>();
        FileDescriptorHandle program = null;
        try {
            for (MapSpec spec : object.maps()) {
                int entries = spec.type() == Bpf.BPF_MAP_TYPE_PERF_EVENT_ARRAY ? possibleCpus : spec.maxEntries();
                maps.put(spec.name(), BpfMap.create(spec, entries));
            }
            maps.get("config").update(0, ProgramConfig.value(snapLength));
            ObjectFile.Program xdp = object.program(Entry.XDP.section);
            byte[] instructions = FilterLink.link(xdp, relocated(xdp, maps), filter);
            boolean frags = true;
            try {
                program = Bpf.progLoad(xdp.name(), Bpf.BPF_PROG_TYPE_XDP, instructions, object.license(),
                        Bpf.BPF_F_XDP_HAS_FRAGS);
            } catch (ErrnoException e) {
                if (e.errno() != ErrnoException.EINVAL) {
                    throw e;
                }
                // A kernel before 5.18 knows no frags flag and says EINVAL; a program it rejects for another reason
                // fails again below and reports that.
                program = Bpf.progLoad(xdp.name(), Bpf.BPF_PROG_TYPE_XDP, instructions, object.license());
                frags = false;
            }
            ObjectFile.Program tc = object.program(Entry.TC.section);
            FileDescriptorHandle tcProgram = Bpf.progLoad(tc.name(), Bpf.BPF_PROG_TYPE_SCHED_CLS,
                    FilterLink.link(tc, relocated(tc, maps), filter), object.license());
            return new CaptureProgram(maps, program, tcProgram, possibleCpus, frags);
        } catch (ErrnoException | RuntimeException e) {
            if (program != null) {
                program.close();
            }
            maps.values().forEach(BpfMap::close);
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
        Bpf.mapUpdateElem(maps.get("events").fd(), intBytes(cpu), intBytes(perfEvent.fd()));
    }

    /** Attaches the entry point {@code mode} calls for; see {@link Attachment#attach}. */
    public Attachment attach(String interfaceName, int ifindex, XdpMode mode) throws ErrnoException {
        return Attachment.attach(program, tcProgram, interfaceName, ifindex, mode);
    }

    /** The kernel's id for the XDP entry point, as {@code bpftool prog} and {@code ip link} show it. */
    public int id() throws ErrnoException {
        return Bpf.progId(program);
    }

    /** The kernel's id for {@code entry}. */
    public int id(Entry entry) throws ErrnoException {
        return Bpf.progId(entry == Entry.TC ? tcProgram : program);
    }

    /** Runs the XDP entry point once on a crafted frame (BPF_PROG_TEST_RUN); for tests and benchmarks. */
    public Bpf.TestRun testRun(byte[] frame) throws ErrnoException {
        return Bpf.progTestRun(program, frame);
    }

    /**
     * Runs {@code entry} once on a crafted frame (BPF_PROG_TEST_RUN). The tc entry gets an skb the kernel builds from
     * the frame, as received on the loopback device: data at the Ethernet header, like tc ingress.
     */
    public Bpf.TestRun testRun(Entry entry, byte[] frame) throws ErrnoException {
        return Bpf.progTestRun(entry == Entry.TC ? tcProgram : program, frame);
    }

    /** Runs the program {@code repeat} times on {@code frame} in one call: a burst of events, for benchmarks. */
    public Bpf.TestRun testRun(byte[] frame, int repeat) throws ErrnoException {
        return Bpf.progTestRun(program, frame, repeat);
    }

    /** The program's counters, summed over CPUs; allocates the record, so for summaries. Any thread. */
    public synchronized ProgramCounters counters() throws ErrnoException {
        countersLookup.lookup(0, countersRaw);
        return ProgramCounters.sumOf(countersRaw, cpus);
    }

    /**
     * The program's counters summed over CPUs into {@code sums}, in {@link ProgramCounters#FIELDS} order; allocates
     * nothing, for stats lines. Any thread.
     */
    public synchronized void readCounters(long[] sums) throws ErrnoException {
        countersLookup.lookup(0, countersRaw);
        ProgramCounters.sumInto(countersRaw, cpus, sums);
    }

    private static byte[] intBytes(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    @Override
    public void close() {
        tcProgram.close();
        program.close();
        maps.values().forEach(BpfMap::close);
    }
}
