package dev.xdpdump.filter;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static dev.xdpdump.filter.ClassicInstruction.*;
import static dev.xdpdump.filter.EbpfInstruction.JLE;
import static dev.xdpdump.filter.EbpfInstruction.JLT;
import static dev.xdpdump.filter.EbpfInstruction.JMP32;
import static dev.xdpdump.filter.EbpfInstruction.JNE;
import static dev.xdpdump.filter.EbpfInstruction.MOV;
import static dev.xdpdump.filter.EbpfInstruction.R0;
import static dev.xdpdump.filter.EbpfInstruction.R1;
import static dev.xdpdump.filter.EbpfInstruction.R2;
import static dev.xdpdump.filter.EbpfInstruction.R3;
import static dev.xdpdump.filter.EbpfInstruction.R4;
import static dev.xdpdump.filter.EbpfInstruction.R5;
import static dev.xdpdump.filter.EbpfInstruction.R10;
import static dev.xdpdump.filter.EbpfInstruction.alu32;
import static dev.xdpdump.filter.EbpfInstruction.alu32Register;
import static dev.xdpdump.filter.EbpfInstruction.alu64;
import static dev.xdpdump.filter.EbpfInstruction.alu64Register;
import static dev.xdpdump.filter.EbpfInstruction.exit;
import static dev.xdpdump.filter.EbpfInstruction.load;
import static dev.xdpdump.filter.EbpfInstruction.storeImmediate;
import static dev.xdpdump.filter.EbpfInstruction.store;
import static dev.xdpdump.filter.EbpfInstruction.toBigEndian;

/**
 * Classic BPF (libpcap's output) to an eBPF subprogram the verifier accepts, with libpcap's semantics: a load past
 * the frame's end rejects the frame, as does a division by zero; a shift by X of 32 or more gives 0; the registers
 * and scratch words start at 0. Loads at offsets from 0xfffff000 (Linux socket filters' ancillary data) are loads
 * like any other for libpcap's interpreter, past any frame's end: they reject.
 *
 * <p>Registers: r1 the frame's start (a packet pointer), r2 its end, r3 its length on the wire; A is w0 (so
 * {@code ret a} is a bare exit), X is w4, r5 a temporary, and the 16 scratch words live at r10-64 to r10-4. All
 * arithmetic is 32-bit, as in classic BPF, and jumps compare 32-bit values (JMP32).
 *
 * <p>Packet guards, per basic block: the furthest fixed-offset load of a block is checked once at its start, against
 * r2, before any of the block's loads. That is the same verdict as checking each load where it stands, since a block
 * runs straight through and every failure means "reject". A block whose every path in has already checked that far
 * gets no guard: the verifier tracks the checked length along each path, as this does. Indexed loads ({@code [x +
 * k]}) check their own end, after bounding X + k so the verifier can follow the pointer arithmetic.
 */
public final class FilterTranslator {
    /** The verifier's MAX_PACKET_OFF: no packet range reaches past it, so a load beyond it always rejects. */
    static final int MAX_PACKET_OFFSET = 0xffff;
    private static final int REJECT = -1;
    /** ldx and st offsets are signed 16-bit; past this a load goes through a moved pointer. */
    private static final int MAX_DIRECT_OFFSET = Short.MAX_VALUE;

    private final List<ClassicInstruction> program;
    private final int[] blockOf;
    private final List<int[]> blocks = new ArrayList<>(); // {first, end}
    private final List<EbpfInstruction> code = new ArrayList<>();
    private final List<int[]> fixups = new ArrayList<>(); // {code index, target block or REJECT}

    private FilterTranslator(List<ClassicInstruction> program) {
        this.program = program;
        this.blockOf = new int[program.size()];
    }

    /** The eBPF for {@code program}, or why there can be none. */
    public static List<EbpfInstruction> translate(List<ClassicInstruction> program) throws UnsupportedFilterException {
        if (program.isEmpty()) {
            throw new UnsupportedFilterException("the compiled program is empty");
        }
        FilterTranslator t = new FilterTranslator(program);
        t.check();
        t.splitBlocks();
        return t.emit();
    }

    /** Every instruction is one this translator knows and every jump lands inside the program, forward. */
    private void check() throws UnsupportedFilterException {
        for (int pc = 0; pc < program.size(); pc++) {
            ClassicInstruction insn = program.get(pc);
            String refusal = refusal(pc, insn);
            if (refusal != null) {
                throw new UnsupportedFilterException("instruction " + pc + " (" + ClassicListing.line(pc, insn)
                        .substring(6).replaceAll("\\s+", " ").trim() + "): " + refusal);
            }
        }
    }

    private String refusal(int pc, ClassicInstruction insn) {
        int last = program.size() - 1;
        switch (insn.instructionClass()) {
            case LD, LDX -> {
                int mode = insn.mode();
                boolean ld = insn.instructionClass() == LD;
                boolean known = ld ? (mode == ABS || mode == IND) && insn.size() != 0x18 || insn.code() == (LD | W | IMM)
                        || insn.code() == (LD | W | MEM) || insn.code() == (LD | W | LEN)
                        : insn.code() == (LDX | W | IMM) || insn.code() == (LDX | W | MEM)
                        || insn.code() == (LDX | W | LEN) || insn.code() == (LDX | B | MSH);
                if (!known) {
                    return "an unknown load (opcode 0x" + Integer.toHexString(insn.code()) + ")";
                }
                if (mode == MEM && Integer.compareUnsigned(insn.k(), MEMORY_WORDS) >= 0) {
                    return "scratch word " + insn.unsignedK() + " does not exist (M[0] to M[15])";
                }
            }
            case ST, STX -> {
                if (insn.code() != insn.instructionClass()) {
                    return "an unknown store (opcode 0x" + Integer.toHexString(insn.code()) + ")";
                }
                if (Integer.compareUnsigned(insn.k(), MEMORY_WORDS) >= 0) {
                    return "scratch word " + insn.unsignedK() + " does not exist (M[0] to M[15])";
                }
            }
            case ALU -> {
                int op = insn.operation();
                if (op > XOR || insn.code() > 0xff || op == NEG && insn.source() == X) {
                    return "an unknown arithmetic operation (opcode 0x" + Integer.toHexString(insn.code()) + ")";
                }
                if ((op == DIV || op == MOD) && insn.source() == K && insn.k() == 0) {
                    return "a division by the constant 0";
                }
                if ((op == LSH || op == RSH) && insn.source() == K && Integer.compareUnsigned(insn.k(), 32) >= 0) {
                    return "a shift by " + insn.unsignedK() + " bits, which 32-bit arithmetic does not define";
                }
            }
            case JMP -> {
                int op = insn.operation();
                if (op > JSET || insn.code() > 0xff || op == JA && insn.source() == X) {
                    return "an unknown jump (opcode 0x" + Integer.toHexString(insn.code()) + ")";
                }
                if (op == JA) {
                    long target = pc + 1 + (long) insn.k(); // signed: a k past 2^31 is libpcap's backward jump
                    if (target <= pc) {
                        return "a backward jump: eBPF's verifier"
                                + " refuses loops; libpcap emits one to walk IPv6 headers for 'protochain' and for"
                                + " 'proto' over IPv6";
                    }
                    if (target > last) {
                        return "a jump past the program's end";
                    }
                } else if (pc + 1 + insn.jt() > last || pc + 1 + insn.jf() > last) {
                    return "a jump past the program's end";
                }
            }
            case RET -> {
                int rval = insn.code() & 0x18;
                if (insn.code() != (RET | rval) || rval == 0x18) {
                    return "an unknown return (opcode 0x" + Integer.toHexString(insn.code()) + ")";
                }
            }
            case MISC -> {
                if (insn.code() != (MISC | TAX) && insn.code() != (MISC | TXA)) {
                    return "a classic BPF extension the translator does not know (opcode 0x"
                            + Integer.toHexString(insn.code()) + ")";
                }
            }
            default -> {
                return "an unknown instruction (opcode 0x" + Integer.toHexString(insn.code()) + ")";
            }
        }
        if (pc == last && insn.instructionClass() != RET && insn.instructionClass() != JMP) {
            return "the program runs off its end";
        }
        return null;
    }

    private void splitBlocks() {
        boolean[] leader = new boolean[program.size() + 1];
        leader[0] = true;
        for (int pc = 0; pc < program.size(); pc++) {
            ClassicInstruction insn = program.get(pc);
            if (insn.instructionClass() == JMP) {
                for (int target : targets(pc)) {
                    leader[target] = true;
                }
            }
            if (insn.instructionClass() == JMP || insn.instructionClass() == RET) {
                leader[pc + 1] = true;
            }
        }
        for (int pc = 0; pc < program.size(); pc++) {
            if (leader[pc]) {
                blocks.add(new int[] {pc, pc + 1});
            } else {
                blocks.get(blocks.size() - 1)[1] = pc + 1;
            }
            blockOf[pc] = blocks.size() - 1;
        }
    }

    /** Where the instruction at {@code pc} may go next; none for a return. */
    private int[] targets(int pc) {
        ClassicInstruction insn = program.get(pc);
        if (insn.instructionClass() == RET) {
            return new int[0];
        }
        if (insn.instructionClass() != JMP) {
            return new int[] {pc + 1};
        }
        if (insn.operation() == JA) {
            return new int[] {pc + 1 + insn.k()};
        }
        return new int[] {pc + 1 + insn.jt(), pc + 1 + insn.jf()};
    }

    /** The furthest end of the block's fixed-offset loads, or 0 for none. */
    private long guardOf(int[] block) {
        long end = 0;
        for (int pc = block[0]; pc < block[1]; pc++) {
            ClassicInstruction insn = program.get(pc);
            int c = insn.instructionClass();
            if (c == LD && insn.mode() == ABS) {
                end = Math.max(end, insn.unsignedK() + bytes(insn.size()));
            } else if (c == LDX && insn.mode() == MSH) {
                end = Math.max(end, insn.unsignedK() + 1);
            }
        }
        return end;
    }

    /** True when the block cannot get through: one of its loads reaches past any frame the verifier allows. */
    private boolean alwaysRejects(int[] block) {
        if (guardOf(block) > MAX_PACKET_OFFSET) {
            return true;
        }
        for (int pc = block[0]; pc < block[1]; pc++) {
            ClassicInstruction insn = program.get(pc);
            if (insn.instructionClass() == LD && insn.mode() == IND
                    && insn.unsignedK() + bytes(insn.size()) > MAX_PACKET_OFFSET) {
                return true;
            }
        }
        return false;
    }

    private List<EbpfInstruction> emit() {
        int n = blocks.size();
        boolean[] rejects = new boolean[n];
        boolean[] reachable = new boolean[n];
        long[] checkedIn = new long[n];
        Arrays.fill(checkedIn, Long.MAX_VALUE);
        reachable[0] = true;
        checkedIn[0] = 0;
        long[] guard = new long[n];
        for (int b = 0; b < n; b++) {
            if (!reachable[b]) {
                continue;
            }
            int[] block = blocks.get(b);
            rejects[b] = alwaysRejects(block);
            guard[b] = guardOf(block);
            long checkedOut = Math.max(checkedIn[b], guard[b]);
            if (!rejects[b]) {
                for (int target : targets(block[1] - 1)) {
                    int next = blockOf[target];
                    reachable[next] = true;
                    checkedIn[next] = Math.min(checkedIn[next], checkedOut);
                }
            }
        }

        prologue();
        int[] blockStart = new int[n];
        for (int b = 0; b < n; b++) {
            if (!reachable[b]) {
                continue;
            }
            blockStart[b] = code.size();
            if (rejects[b]) {
                jump(REJECT);
                continue;
            }
            int[] block = blocks.get(b);
            if (guard[b] > checkedIn[b]) {
                // r5 = frame start + the block's furthest end; past the frame's end means reject.
                code.add(alu64Register(MOV, R5, R1));
                code.add(alu64(ClassicInstruction.ADD, R5, (int) guard[b]));
                jumpIf(EbpfInstruction.JMP | ClassicInstruction.JGT | EbpfInstruction.X, R5, R2, 0, REJECT);
            }
            for (int pc = block[0]; pc < block[1]; pc++) {
                translate(program.get(pc));
            }
            terminate(block[1] - 1, b + 1 < n && reachable[b + 1] ? b + 1 : -2);
        }
        int rejectStart = code.size();
        boolean rejectUsed = fixups.stream().anyMatch(f -> f[1] == REJECT);
        if (rejectUsed) {
            code.add(alu32(MOV, R0, 0));
            code.add(exit());
        }
        for (int[] f : fixups) {
            int target = f[1] == REJECT ? rejectStart : blockStart[f[1]];
            code.set(f[0], code.get(f[0]).withOffset(target - (f[0] + 1)));
        }
        return List.copyOf(code);
    }

    /** A and X start at 0, as do the scratch words a load may read before any store. */
    private void prologue() {
        code.add(alu32(MOV, R0, 0));
        code.add(alu32(MOV, R4, 0));
        boolean[] read = new boolean[MEMORY_WORDS];
        for (ClassicInstruction insn : program) {
            if ((insn.instructionClass() == LD || insn.instructionClass() == LDX) && insn.mode() == MEM) {
                read[insn.k()] = true;
            }
        }
        for (int i = 0; i < MEMORY_WORDS; i++) {
            if (read[i]) {
                code.add(storeImmediate(R10, scratch(i), 0));
            }
        }
    }

    private static int scratch(int word) {
        return -(MEMORY_WORDS - word) * 4;
    }

    private void translate(ClassicInstruction insn) {
        int k = insn.k();
        switch (insn.instructionClass()) {
            case LD -> {
                switch (insn.mode()) {
                    case ABS -> loadAbsolute(insn.size(), R0, k);
                    case IND -> loadIndexed(insn.size(), k);
                    case IMM -> code.add(alu32(MOV, R0, k));
                    case MEM -> code.add(load(W, R0, R10, scratch(k)));
                    default -> code.add(alu32Register(MOV, R0, R3)); // LEN
                }
            }
            case LDX -> {
                switch (insn.mode()) {
                    case IMM -> code.add(alu32(MOV, R4, k));
                    case MEM -> code.add(load(W, R4, R10, scratch(k)));
                    case LEN -> code.add(alu32Register(MOV, R4, R3));
                    default -> { // MSH: X = 4 * (the low nibble of the byte at k), an IPv4 header's length
                        loadAbsolute(B, R4, k);
                        code.add(alu32(ClassicInstruction.AND, R4, 0xf));
                        code.add(alu32(ClassicInstruction.LSH, R4, 2));
                    }
                }
            }
            case ST -> code.add(store(R10, scratch(k), R0));
            case STX -> code.add(store(R10, scratch(k), R4));
            case ALU -> {
                int op = insn.operation();
                if (op == NEG) {
                    code.add(new EbpfInstruction(EbpfInstruction.ALU | NEG, R0, 0, 0, 0));
                } else if (insn.source() == X) {
                    if (op == DIV || op == MOD) {
                        jumpIf(JMP32 | ClassicInstruction.JEQ | EbpfInstruction.K, R4, 0, 0, REJECT);
                    }
                    if (op == LSH || op == RSH) {
                        // libpcap shifts by X only below 32 and makes A 0 otherwise; eBPF would shift by X mod 32.
                        code.add(new EbpfInstruction(JMP32 | JLT | EbpfInstruction.K, R4, 0, 2, 32));
                        code.add(alu32(MOV, R0, 0));
                        code.add(new EbpfInstruction(EbpfInstruction.JMP | ClassicInstruction.JA, 0, 0, 1, 0));
                    }
                    code.add(alu32Register(op, R0, R4));
                } else {
                    code.add(alu32(op, R0, k));
                }
            }
            case MISC -> code.add((insn.code() & 0xf8) == TAX ? alu32Register(MOV, R4, R0) : alu32Register(MOV, R0, R4));
            default -> { } // jumps and returns end their block: see terminate
        }
    }

    /** {@code dst = frame[k..k+size)} as a number; the block's guard has checked that far. */
    private void loadAbsolute(int size, int dst, int k) {
        if (k <= MAX_DIRECT_OFFSET) {
            code.add(load(size, dst, R1, k));
        } else {
            code.add(alu64Register(MOV, R5, R1));
            code.add(alu64(ClassicInstruction.ADD, R5, k));
            code.add(load(size, dst, R5, 0));
        }
        swap(size, dst);
    }

    /**
     * {@code A = frame[X+k..X+k+size)}: X + k is bounded first (so the verifier knows the pointer stays inside a
     * packet range), then the end of the load is checked against the frame's end.
     */
    private void loadIndexed(int size, int k) {
        int bytes = bytes(size);
        code.add(alu64Register(MOV, R5, R4));
        code.add(alu64(ClassicInstruction.ADD, R5, k));
        jumpIf(EbpfInstruction.JMP | ClassicInstruction.JGT | EbpfInstruction.K, R5, 0, MAX_PACKET_OFFSET - bytes, REJECT);
        code.add(alu64Register(MOV, R0, R1));
        code.add(alu64Register(ClassicInstruction.ADD, R0, R5));
        code.add(alu64Register(MOV, R5, R0));
        code.add(alu64(ClassicInstruction.ADD, R5, bytes));
        jumpIf(EbpfInstruction.JMP | ClassicInstruction.JGT | EbpfInstruction.X, R5, R2, 0, REJECT);
        code.add(load(size, R0, R0, 0));
        swap(size, R0);
    }

    private void swap(int size, int dst) {
        if (size != B) {
            code.add(toBigEndian(dst, size == W ? 32 : 16));
        }
    }

    /** Ends block {@code pc}'s: its jump or return, or nothing when it falls into {@code next} (-2: none). */
    private void terminate(int pc, int next) {
        ClassicInstruction insn = program.get(pc);
        switch (insn.instructionClass()) {
            case RET -> {
                int rval = insn.code() & 0x18;
                if (rval == ClassicInstruction.K) {
                    code.add(alu32(MOV, R0, insn.k()));
                } else if (rval == X) {
                    code.add(alu32Register(MOV, R0, R4));
                }
                code.add(exit());
            }
            case JMP -> {
                int[] to = targets(pc);
                int whenTrue = blockOf[to[0]];
                if (insn.operation() == JA) {
                    if (whenTrue != next) {
                        jump(whenTrue);
                    }
                    return;
                }
                int whenFalse = blockOf[to[1]];
                int src = insn.source() == X ? R4 : 0;
                int opcode = JMP32 | insn.operation() | insn.source();
                if (whenTrue == whenFalse) {
                    if (whenTrue != next) {
                        jump(whenTrue);
                    }
                } else if (whenTrue == next && insn.operation() != ClassicInstruction.JSET) {
                    jumpIf(JMP32 | negated(insn.operation()) | insn.source(), R0, src, insn.k(), whenFalse);
                } else {
                    jumpIf(opcode, R0, src, insn.k(), whenTrue);
                    if (whenFalse != next) {
                        jump(whenFalse);
                    }
                }
            }
            default -> { } // falls into the next block, which is the next one laid out
        }
    }

    private static int negated(int operation) {
        return switch (operation) {
            case ClassicInstruction.JEQ -> JNE;
            case ClassicInstruction.JGT -> JLE;
            default -> JLT; // JGE
        };
    }

    private void jump(int target) {
        jumpIf(EbpfInstruction.JMP | ClassicInstruction.JA, 0, 0, 0, target);
    }

    private void jumpIf(int opcode, int dst, int src, int imm, int target) {
        fixups.add(new int[] {code.size(), target});
        code.add(new EbpfInstruction(opcode, dst, src, 0, imm));
    }
}
