package dev.xdpdump.sys;

import jnr.ffi.Pointer;

import java.nio.charset.StandardCharsets;

/**
 * The bpf(2) commands xdpdump uses, one method per command, each filling {@code union bpf_attr}
 * (linux/bpf.h) at the offsets the kernel defines. Set-up calls: they allocate, and must not run per event.
 */
public final class Bpf {
    private static final long SYS_BPF = 321; // x86-64

    private static final int BPF_MAP_CREATE = 0;
    private static final int BPF_MAP_LOOKUP_ELEM = 1;
    private static final int BPF_MAP_UPDATE_ELEM = 2;
    private static final int BPF_PROG_LOAD = 5;
    private static final int BPF_PROG_TEST_RUN = 10;
    private static final int BPF_PROG_GET_FD_BY_ID = 13;
    private static final int BPF_OBJ_GET_INFO_BY_FD = 15;
    private static final int BPF_PROG_QUERY = 16;
    private static final int BPF_LINK_CREATE = 28;

    public static final int BPF_MAP_TYPE_ARRAY = 2;
    public static final int BPF_MAP_TYPE_PERF_EVENT_ARRAY = 4;
    public static final int BPF_MAP_TYPE_PERCPU_ARRAY = 6;
    public static final int BPF_PROG_TYPE_SCHED_CLS = 3;
    public static final int BPF_PROG_TYPE_XDP = 6;
    /** prog_flags: the XDP program handles multi-buffer frames (jumbo MTU, LRO), so such drivers accept it (5.18). */
    public static final int BPF_F_XDP_HAS_FRAGS = 1 << 5;
    public static final int BPF_XDP = 37;
    public static final int BPF_TCX_INGRESS = 46;
    /** With no relative program: in front of every program already in the chain (linux/bpf.h, 6.6). */
    private static final int BPF_F_BEFORE = 1 << 3;
    private static final int MAX_QUERIED_PROGRAMS = 64;

    private static final int ATTR_SIZE = 128;
    private static final int OBJ_NAME_LEN = 16;

    private Bpf() {}

    private static long bpf(int cmd, Pointer attr) {
        return Native.LIBC.syscall(SYS_BPF, cmd, attr.address(), ATTR_SIZE, 0, 0);
    }

    public static FileDescriptorHandle mapCreate(String name, int type, int keySize, int valueSize, int maxEntries)
            throws ErrnoException {
        Pointer attr = Native.allocate(ATTR_SIZE);
        attr.putInt(0, type);
        attr.putInt(4, keySize);
        attr.putInt(8, valueSize);
        attr.putInt(12, maxEntries);
        putName(attr, 28, name);
        int fd = (int) Native.check("create map " + name, bpf(BPF_MAP_CREATE, attr));
        return new FileDescriptorHandle("map " + name, fd);
    }

    public static void mapUpdateElem(FileDescriptorHandle map, byte[] key, byte[] value) throws ErrnoException {
        Pointer k = copyIn(key);
        Pointer v = copyIn(value);
        Pointer attr = Native.allocate(ATTR_SIZE);
        attr.putInt(0, map.fd());
        attr.putLong(8, k.address());
        attr.putLong(16, v.address());
        attr.putLong(24, 0); // BPF_ANY
        Native.check("update " + map, bpf(BPF_MAP_UPDATE_ELEM, attr));
    }

    /**
     * A lookup done again and again (the program's counters, for every stats line): its key, value and attribute
     * buffers are made once, so a lookup allocates nothing. Used by one thread at a time.
     */
    public static final class Lookup {
        private final FileDescriptorHandle map;
        private final Pointer key = Native.allocate(4);
        private final Pointer value;
        private final Pointer attr = Native.allocate(ATTR_SIZE);
        private final int valueSize;

        /** @param valueSize the map's value size (times the possible CPUs for a per-CPU map) */
        public Lookup(FileDescriptorHandle map, int valueSize) {
            this.map = map;
            this.valueSize = valueSize;
            this.value = Native.allocate(valueSize);
            attr.putInt(0, map.fd());
            attr.putLong(8, key.address());
            attr.putLong(16, value.address());
        }

        /** Reads the element of {@code intKey} into {@code into}, which holds the value size. */
        public void lookup(int intKey, byte[] into) throws ErrnoException {
            key.putInt(0, intKey);
            if (bpf(BPF_MAP_LOOKUP_ELEM, attr) < 0) {
                throw new ErrnoException("look up " + map, Native.errno());
            }
            value.get(0, into, 0, valueSize);
        }
    }

    /** Reads one element into {@code value}, whose length must be the map's value size (times CPUs for per-CPU maps). */
    public static void mapLookupElem(FileDescriptorHandle map, byte[] key, byte[] value) throws ErrnoException {
        Pointer k = copyIn(key);
        Pointer v = Native.allocate(value.length);
        Pointer attr = Native.allocate(ATTR_SIZE);
        attr.putInt(0, map.fd());
        attr.putLong(8, k.address());
        attr.putLong(16, v.address());
        Native.check("look up " + map, bpf(BPF_MAP_LOOKUP_ELEM, attr));
        v.get(0, value, 0, value.length);
    }

    /**
     * Loads a program. On a verifier rejection the exception carries the verifier's log.
     *
     * @param instructions the program's instructions, relocations already applied
     */
    public static FileDescriptorHandle progLoad(String name, int type, byte[] instructions, String license)
            throws ErrnoException {
        return progLoad(name, type, instructions, license, 0);
    }

    /** As {@link #progLoad(String, int, byte[], String)} with {@code prog_flags} ({@link #BPF_F_XDP_HAS_FRAGS}). */
    public static FileDescriptorHandle progLoad(String name, int type, byte[] instructions, String license,
                                                int progFlags) throws ErrnoException {
        Pointer insns = copyIn(instructions);
        Pointer lic = copyIn((license + "\0").getBytes(StandardCharsets.US_ASCII));
        Pointer attr = Native.allocate(ATTR_SIZE);
        attr.putInt(0, type);
        attr.putInt(4, instructions.length / 8);
        attr.putLong(8, insns.address());
        attr.putLong(16, lic.address());
        attr.putInt(44, progFlags);
        putName(attr, 48, name);
        long fd = bpf(BPF_PROG_LOAD, attr);
        if (fd >= 0) {
            return new FileDescriptorHandle("program " + name, (int) fd);
        }
        int errno = Native.errno();
        // Load again with a log only on failure: the log costs verifier time and memory on every success.
        int logSize = 1 << 22;
        Pointer log = Native.allocate(logSize);
        attr.putInt(24, 1);
        attr.putInt(28, logSize);
        attr.putLong(32, log.address());
        fd = bpf(BPF_PROG_LOAD, attr);
        if (fd >= 0) {
            return new FileDescriptorHandle("program " + name, (int) fd);
        }
        throw new VerifierException("load program " + name, Native.errno() == 0 ? errno : Native.errno(),
                log.getString(0, logSize, StandardCharsets.US_ASCII));
    }

    /** Attaches an XDP program to an interface through a BPF link; closing the link detaches it. */
    public static FileDescriptorHandle linkCreateXdp(FileDescriptorHandle program, int ifindex, int xdpFlags)
            throws ErrnoException {
        Pointer attr = Native.allocate(ATTR_SIZE);
        attr.putInt(0, program.fd());
        attr.putInt(4, ifindex);
        attr.putInt(8, BPF_XDP);
        attr.putInt(12, xdpFlags);
        int fd = (int) Native.check("attach xdp to ifindex " + ifindex, bpf(BPF_LINK_CREATE, attr));
        return new FileDescriptorHandle("xdp link on ifindex " + ifindex, fd);
    }

    /**
     * Attaches a SCHED_CLS program at tc ingress through a tcx link (Linux 6.6), in front of any program already in
     * the interface's tcx chain; closing the link detaches it. A kernel without tcx says EINVAL.
     */
    public static FileDescriptorHandle linkCreateTcxIngress(FileDescriptorHandle program, int ifindex)
            throws ErrnoException {
        Pointer attr = Native.allocate(ATTR_SIZE);
        attr.putInt(0, program.fd());
        attr.putInt(4, ifindex);
        attr.putInt(8, BPF_TCX_INGRESS);
        attr.putInt(12, BPF_F_BEFORE); // tcx.relative_fd (16) stays 0: before all of them
        int fd = (int) Native.check("attach tcx ingress to ifindex " + ifindex, bpf(BPF_LINK_CREATE, attr));
        return new FileDescriptorHandle("tcx ingress link on ifindex " + ifindex, fd);
    }

    /**
     * The ids of the programs in an interface's tcx ingress chain, first to run first (BPF_PROG_QUERY); empty when
     * there are none. A kernel without tcx says EINVAL.
     */
    public static int[] progQueryTcxIngress(int ifindex) throws ErrnoException {
        Pointer ids = Native.allocate(4 * MAX_QUERIED_PROGRAMS);
        Pointer attr = Native.allocate(ATTR_SIZE);
        attr.putInt(0, ifindex);
        attr.putInt(4, BPF_TCX_INGRESS);
        attr.putLong(16, ids.address());
        attr.putInt(24, MAX_QUERIED_PROGRAMS);
        Native.check("query tcx ingress of ifindex " + ifindex, bpf(BPF_PROG_QUERY, attr));
        int[] result = new int[Math.min(attr.getInt(24), MAX_QUERIED_PROGRAMS)];
        for (int i = 0; i < result.length; i++) {
            result[i] = ids.getInt(4L * i);
        }
        return result;
    }

    /**
     * The name a loaded program was given ({@code struct bpf_prog_info.name}, at most 15 characters), by its id, as
     * {@code bpftool prog show id N} shows it. Needs CAP_SYS_ADMIN (or CAP_BPF).
     */
    public static String progName(int id) throws ErrnoException {
        Pointer attr = Native.allocate(ATTR_SIZE);
        attr.putInt(0, id);
        int fd = (int) Native.check("open program id " + id, bpf(BPF_PROG_GET_FD_BY_ID, attr));
        try (FileDescriptorHandle program = new FileDescriptorHandle("program id " + id, fd)) {
            int infoLen = 80; // through name[16] at offset 64 of struct bpf_prog_info
            Pointer info = Native.allocate(infoLen);
            Pointer infoAttr = Native.allocate(ATTR_SIZE);
            infoAttr.putInt(0, program.fd());
            infoAttr.putInt(4, infoLen);
            infoAttr.putLong(8, info.address());
            Native.check("get info of " + program, bpf(BPF_OBJ_GET_INFO_BY_FD, infoAttr));
            return info.getString(64, 16, StandardCharsets.US_ASCII);
        }
    }

    /** The kernel's id of a loaded program ({@code struct bpf_prog_info.id}). */
    public static int progId(FileDescriptorHandle program) throws ErrnoException {
        int infoLen = 8; // type, id: the kernel fills no more than we ask for
        Pointer info = Native.allocate(infoLen);
        Pointer attr = Native.allocate(ATTR_SIZE);
        attr.putInt(0, program.fd());
        attr.putInt(4, infoLen);
        attr.putLong(8, info.address());
        Native.check("get info of " + program, bpf(BPF_OBJ_GET_INFO_BY_FD, attr));
        return info.getInt(4);
    }

    /**
     * What one BPF_PROG_TEST_RUN returned.
     *
     * @param durationNanos the kernel's average run time per repetition ({@code test.duration})
     */
    public record TestRun(int returnValue, byte[] dataOut, long durationNanos) {}

    /** Runs the program once on {@code frame} in the calling thread, on the CPU it runs on. */
    public static TestRun progTestRun(FileDescriptorHandle program, byte[] frame) throws ErrnoException {
        return progTestRun(program, frame, 1);
    }

    /**
     * Runs the program {@code repeat} times on {@code frame} in one BPF_PROG_TEST_RUN, in the calling thread on the
     * CPU it runs on: a burst of events for benchmarks. The kernel's run time per repetition is in
     * {@link TestRun#durationNanos()}.
     */
    public static TestRun progTestRun(FileDescriptorHandle program, byte[] frame, int repeat) throws ErrnoException {
        if (repeat < 1) {
            throw new IllegalArgumentException("repeat must be at least 1, not " + repeat);
        }
        Pointer in = copyIn(frame);
        int outSize = frame.length + 256;
        Pointer out = Native.allocate(outSize);
        Pointer attr = Native.allocate(ATTR_SIZE);
        attr.putInt(0, program.fd());
        attr.putInt(8, frame.length);
        attr.putInt(12, outSize);
        attr.putLong(16, in.address());
        attr.putLong(24, out.address());
        attr.putInt(32, repeat);
        Native.check("test run " + program, bpf(BPF_PROG_TEST_RUN, attr));
        byte[] dataOut = new byte[attr.getInt(12)];
        out.get(0, dataOut, 0, dataOut.length);
        return new TestRun(attr.getInt(4), dataOut, attr.getInt(36) & 0xffffffffL);
    }

    private static Pointer copyIn(byte[] bytes) {
        Pointer p = Native.allocate(Math.max(1, bytes.length));
        p.put(0, bytes, 0, bytes.length);
        return p;
    }

    private static void putName(Pointer attr, int offset, String name) {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        attr.put(offset, bytes, 0, Math.min(bytes.length, OBJ_NAME_LEN - 1));
    }
}
