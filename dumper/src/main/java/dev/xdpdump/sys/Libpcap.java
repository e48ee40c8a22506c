package dev.xdpdump.sys;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;

import java.lang.ref.Reference;

/**
 * libpcap's filter compiler, as tcpdump runs it on an Ethernet capture, and its classic BPF interpreter. Classic
 * instructions travel as {@code struct bpf_insn} arrays in host byte order: 8 bytes each, {@code u16 code, u8 jt,
 * u8 jf, u32 k}. libpcap is loaded on first use, so a machine without it runs every capture that has no expression.
 */
public final class Libpcap {
    /** {@code DLT_EN10MB}. */
    private static final int ETHERNET = 1;
    /** tcpdump's default snap length: libpcap compiles {@code len} and loads against it. */
    private static final int SNAP_LENGTH = 262144;
    /** {@code PCAP_NETMASK_UNKNOWN}: only "ip broadcast" needs a netmask, and then fails to compile. */
    private static final int NETMASK_UNKNOWN = 0xffffffff;
    /** {@code sizeof(struct bpf_program)} on a 64-bit machine: u_int bf_len, padding, struct bpf_insn *bf_insns. */
    private static final int PROGRAM_SIZE = 16;
    public static final int INSTRUCTION_SIZE = 8;
    /** What apt-get installs the shared library from (Debian's name for libpcap 1.x). */
    public static final String PACKAGE = "libpcap0.8";

    private Libpcap() {}

    /** libpcap refused an expression; the message is libpcap's own. */
    public static final class CompileException extends Exception {
        public CompileException(String message) {
            super(message);
        }
    }

    /** The machine has no libpcap shared library. */
    public static final class UnavailableException extends Exception {
        UnavailableException(Throwable cause) {
            super("libpcap is not installed (apt-get install " + PACKAGE + ")", cause);
        }
    }

    private static final class Loaded {
        static final LibPcapFunctions PCAP = load();

        private static LibPcapFunctions load() {
            Native.RUNTIME.hashCode(); // jnr-ffi's settings (Native's static block) precede any loading
            return LibraryLoader.create(LibPcapFunctions.class).failImmediately().load("pcap");
        }
    }

    private static LibPcapFunctions pcap() throws UnavailableException {
        try {
            return Loaded.PCAP;
        } catch (LinkageError e) {
            throw new UnavailableException(e);
        }
    }

    /**
     * Compiles {@code expression} with the optimiser, for Ethernet frames, as {@code tcpdump -d} does; returns the
     * classic BPF program. libpcap 1.8 and later compile on any thread; the lock keeps older ones safe.
     */
    public static synchronized byte[] compile(String expression) throws CompileException, UnavailableException {
        LibPcapFunctions pcap = pcap();
        long handle = pcap.pcap_open_dead(ETHERNET, SNAP_LENGTH);
        if (handle == 0) {
            throw new IllegalStateException("pcap_open_dead failed: out of memory");
        }
        try {
            Pointer program = Native.allocate(PROGRAM_SIZE);
            if (pcap.pcap_compile(handle, program.address(), expression, 1, NETMASK_UNKNOWN) != 0) {
                throw new CompileException(pcap.pcap_geterr(handle));
            }
            try {
                int count = program.getInt(0);
                byte[] instructions = new byte[count * INSTRUCTION_SIZE];
                Pointer.wrap(Native.RUNTIME, program.getAddress(8)).get(0, instructions, 0, instructions.length);
                return instructions;
            } finally {
                pcap.pcap_freecode(program.address());
                Reference.reachabilityFence(program); // freed by the collector: not before libpcap is done with it
            }
        } finally {
            pcap.pcap_close(handle);
        }
    }

    /**
     * Runs a classic program on a frame with libpcap's own interpreter ({@code bpf_filter}), as libpcap filters a
     * captured frame: {@code capturedLength} bytes of {@code frame} are there, the frame was {@code wireLength}
     * long. Returns the program's result: 0 rejects, anything else keeps. Allocates; for tests and tools.
     */
    public static int run(byte[] program, byte[] frame, int capturedLength, int wireLength)
            throws UnavailableException {
        if (program.length == 0 || program.length % INSTRUCTION_SIZE != 0 || capturedLength > frame.length) {
            throw new IllegalArgumentException("not a classic program, or a frame shorter than its captured length");
        }
        LibPcapFunctions pcap = pcap();
        Pointer code = Native.allocate(program.length);
        code.put(0, program, 0, program.length);
        Pointer packet = Native.allocate(Math.max(1, capturedLength));
        packet.put(0, frame, 0, capturedLength);
        int result = pcap.bpf_filter(code.address(), packet.address(), wireLength, capturedLength);
        Reference.reachabilityFence(code);
        Reference.reachabilityFence(packet);
        return result;
    }
}
