package dev.xdpdump.filter;

import dev.xdpdump.sys.Libpcap;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A tcpdump filter expression made ready for the kernel: libpcap compiles it to classic BPF (optimised, for
 * Ethernet, as tcpdump does), and {@link FilterTranslator} turns that into the eBPF subprogram that the capture
 * program runs on every connection request.
 */
public final class FilterExpression {
    private final String text;
    private final byte[] classicBytes;
    private final List<ClassicInstruction> classic;
    private final List<EbpfInstruction> ebpf;

    private FilterExpression(String text, byte[] classicBytes, List<ClassicInstruction> classic,
                             List<EbpfInstruction> ebpf) {
        this.text = text;
        this.classicBytes = classicBytes;
        this.classic = classic;
        this.ebpf = ebpf;
    }

    /**
     * Compiles and translates {@code expression}.
     *
     * @throws Libpcap.CompileException     libpcap refuses the expression (its message says why)
     * @throws Libpcap.UnavailableException the machine has no libpcap
     * @throws UnsupportedFilterException   libpcap's program has what the translator cannot carry over
     */
    public static FilterExpression compile(String expression) throws Libpcap.CompileException,
            Libpcap.UnavailableException, UnsupportedFilterException {
        byte[] raw = Libpcap.compile(expression);
        List<ClassicInstruction> classic = ClassicInstruction.decode(raw);
        return new FilterExpression(expression, raw, classic, FilterTranslator.translate(classic));
    }

    /** libpcap's classic program for {@code expression}, as {@code tcpdump -d} prints it; nothing translated. */
    public static String classicListing(String expression) throws Libpcap.CompileException,
            Libpcap.UnavailableException {
        return ClassicListing.of(ClassicInstruction.decode(Libpcap.compile(expression)));
    }

    public String text() {
        return text;
    }

    /** The eBPF instructions, in the kernel's layout, for {@code CaptureProgram.load}. */
    public byte[] instructions() {
        ByteBuffer out = ByteBuffer.allocate(ebpf.size() * EbpfInstruction.SIZE).order(ByteOrder.LITTLE_ENDIAN);
        ebpf.forEach(insn -> insn.encode(out));
        return out.array();
    }

    /** libpcap's classic program, {@code struct bpf_insn} in host order: what {@code bpf_filter} runs. */
    public byte[] classicInstructions() {
        return classicBytes.clone();
    }

    public int classicLength() {
        return classic.size();
    }

    public int ebpfLength() {
        return ebpf.size();
    }

    /** The classic program as {@code tcpdump -d} prints it. */
    public String classicListing() {
        return ClassicListing.of(classic);
    }

    /** The eBPF subprogram as llvm-objdump prints it, numbered from its first instruction. */
    public String ebpfListing() {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < ebpf.size(); i++) {
            out.append(String.format("%4d: %s%n", i, ebpf.get(i).text(i)));
        }
        return out.toString();
    }
}
