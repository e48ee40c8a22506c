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
 * xdpdump's XDP program, loaded: its maps ({@code events}, {@code config}, {@code counters}) and the program itself,
 * built from the object in capture-bpf/ that ships inside the jar. Owns every fd it creates; a failure half way
 * closes what was made.
 */
public final class CaptureProgram implements AutoCloseable {
    static final String OBJECT_RESOURCE = "/dev/xdpdump/bpf/xdpdump.bpf.o";
    private static final String PROGRAM_SECTION = "xdp";

    private final Map<String, BpfMap> maps;
    private final FileDescriptorHandle program;
    private final int cpus;
    private final boolean frags;
    private final Bpf.Lookup countersLookup;
    private final byte[] countersRaw;

    private CaptureProgram(Map<String, BpfMap> maps, FileDescriptorHandle program, int cpus, boolean frags) {
        this.maps = maps;
        this.program = program;
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
     * Creates the maps, writes the snap length into {@code config} and loads the program.
     *
     * @param possibleCpus sizes the perf event array: its key is the CPU number
     */
    public static CaptureProgram load(int snapLength, int possibleCpus) throws ErrnoException {
        ObjectFile object = new ObjectFile(readObject(), PROGRAM_SECTION);
        Map<String, BpfMap> maps = new LinkedHashMap<>();
        try {
            for (MapSpec spec : object.maps()) {
                int entries = spec.type() == Bpf.BPF_MAP_TYPE_PERF_EVENT_ARRAY ? possibleCpus : spec.maxEntries();
                maps.put(spec.name(), BpfMap.create(spec, entries));
            }
            maps.get("config").update(0, ProgramConfig.value(snapLength));
            byte[] instructions = object.instructions();
            for (ObjectFile.MapReference ref : object.mapReferences()) {
                BpfMap map = maps.get(ref.mapName());
                // ld_imm64 with src_reg BPF_PSEUDO_MAP_FD: the kernel swaps the fd for the map's address.
                instructions[ref.instructionOffset() + 1] = (byte) ((instructions[ref.instructionOffset() + 1] & 0x0f) | 0x10);
                ByteBuffer.wrap(instructions).order(ByteOrder.LITTLE_ENDIAN)
                        .putInt(ref.instructionOffset() + 4, map.fd().fd());
            }
            boolean frags = true;
            FileDescriptorHandle program;
            try {
                program = Bpf.progLoad(object.programName(), Bpf.BPF_PROG_TYPE_XDP, instructions, object.license(),
                        Bpf.BPF_F_XDP_HAS_FRAGS);
            } catch (ErrnoException e) {
                if (e.errno() != ErrnoException.EINVAL) {
                    throw e;
                }
                // A kernel before 5.18 knows no frags flag and says EINVAL; a program it rejects for another reason
                // fails again below and reports that.
                program = Bpf.progLoad(object.programName(), Bpf.BPF_PROG_TYPE_XDP, instructions, object.license());
                frags = false;
            }
            return new CaptureProgram(maps, program, possibleCpus, frags);
        } catch (ErrnoException | RuntimeException e) {
            maps.values().forEach(BpfMap::close);
            throw e;
        }
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

    public XdpLink attach(String interfaceName, int ifindex, XdpMode mode) throws ErrnoException {
        return XdpLink.attach(program, interfaceName, ifindex, mode);
    }

    /** The kernel's id for this program, as {@code bpftool prog} and {@code ip link} show it. */
    public int id() throws ErrnoException {
        return Bpf.progId(program);
    }

    /** Runs the program once on a crafted frame (BPF_PROG_TEST_RUN); for tests and benchmarks. */
    public Bpf.TestRun testRun(byte[] frame) throws ErrnoException {
        return Bpf.progTestRun(program, frame);
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
        program.close();
        maps.values().forEach(BpfMap::close);
    }
}
