package dev.xdpdump.filter;

import dev.xdpdump.sys.Bpf;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.FileDescriptorHandle;

import java.io.Closeable;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static dev.xdpdump.filter.EbpfInstruction.*;

/**
 * A translated filter alone in an XDP program, so a test can ask the kernel what the filter decides without the
 * capture program around it. A short main program sets up the subprogram's calling convention (r1 frame start, r2
 * frame end, r3 length on the wire), calls it and turns its answer into a verdict: XDP_PASS keeps, XDP_DROP rejects.
 * Owns the program's fd; needs CAP_BPF (or root).
 */
final class TranslatedFilterHarness implements Closeable {
    private static final int XDP_DROP = 1;
    private static final int XDP_PASS = 2;
    private static final int CALL = JMP | 0x80;
    private static final int BPF_PSEUDO_CALL = 1;
    private static final int BPF_FUNC_XDP_GET_BUFF_LEN = 188;
    private static final int R6 = 6;

    private final FileDescriptorHandle program;

    private TranslatedFilterHarness(FileDescriptorHandle program) {
        this.program = program;
    }

    /**
     * Loads {@code filter}'s eBPF behind the main program.
     *
     * @throws dev.xdpdump.sys.VerifierException the verifier refused it; its log says where
     */
    static TranslatedFilterHarness load(FilterExpression filter) throws ErrnoException {
        return load(filter.instructions());
    }

    /** As {@link #load(FilterExpression)}, for a subprogram's instructions in the kernel's layout. */
    static TranslatedFilterHarness load(byte[] subprogram) throws ErrnoException {
        List<EbpfInstruction> main = mainProgram();
        ByteBuffer out = ByteBuffer.allocate(main.size() * SIZE + subprogram.length).order(ByteOrder.LITTLE_ENDIAN);
        main.forEach(insn -> insn.encode(out));
        out.put(subprogram);
        return new TranslatedFilterHarness(Bpf.progLoad("filter_harness", Bpf.BPF_PROG_TYPE_XDP, out.array(), "GPL"));
    }

    private static List<EbpfInstruction> mainProgram() {
        List<EbpfInstruction> main = new ArrayList<>();
        main.add(alu64Register(MOV, R6, R1)); // the helper call clobbers r1 to r5
        main.add(new EbpfInstruction(CALL, 0, 0, 0, BPF_FUNC_XDP_GET_BUFF_LEN));
        main.add(alu64Register(MOV, R3, R0));
        main.add(EbpfInstruction.load(ClassicInstruction.W, R1, R6, 0)); // ctx->data
        main.add(EbpfInstruction.load(ClassicInstruction.W, R2, R6, 4)); // ctx->data_end
        int call = main.size();
        main.add(null); // the call, once the distance to the subprogram is known
        main.add(new EbpfInstruction(JMP32 | JNE | K, R0, 0, 2, 0));
        main.add(alu32(MOV, R0, XDP_DROP));
        main.add(exit());
        main.add(alu32(MOV, R0, XDP_PASS));
        main.add(exit());
        main.set(call, new EbpfInstruction(CALL, 0, BPF_PSEUDO_CALL, 0, main.size() - (call + 1)));
        return main;
    }

    /**
     * True when the filter keeps {@code frame}, run once with BPF_PROG_TEST_RUN in the calling thread.
     *
     * @throws ErrnoException the kernel refused the test run; EINVAL for a frame shorter than an Ethernet header
     */
    boolean keeps(byte[] frame) throws ErrnoException {
        int verdict = Bpf.progTestRun(program, frame).returnValue();
        if (verdict != XDP_PASS && verdict != XDP_DROP) {
            throw new IllegalStateException("the harness returned " + verdict + ", neither XDP_PASS nor XDP_DROP");
        }
        return verdict == XDP_PASS;
    }

    @Override
    public void close() {
        program.close();
    }
}
