package dev.xdpdump.filter;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * One classic BPF instruction, {@code struct bpf_insn} of linux/filter.h and pcap/bpf.h: an opcode, the two jump
 * offsets of a conditional jump and the constant {@code k} (unsigned 32 bits, held in an int).
 */
record ClassicInstruction(int code, int jt, int jf, int k) {
    static final int SIZE = 8;

    // Instruction classes.
    static final int LD = 0x00;
    static final int LDX = 0x01;
    static final int ST = 0x02;
    static final int STX = 0x03;
    static final int ALU = 0x04;
    static final int JMP = 0x05;
    static final int RET = 0x06;
    static final int MISC = 0x07;
    // Load sizes and modes.
    static final int W = 0x00;
    static final int H = 0x08;
    static final int B = 0x10;
    static final int IMM = 0x00;
    static final int ABS = 0x20;
    static final int IND = 0x40;
    static final int MEM = 0x60;
    static final int LEN = 0x80;
    static final int MSH = 0xa0;
    // ALU and jump operations, and the operand source.
    static final int ADD = 0x00;
    static final int SUB = 0x10;
    static final int MUL = 0x20;
    static final int DIV = 0x30;
    static final int OR = 0x40;
    static final int AND = 0x50;
    static final int LSH = 0x60;
    static final int RSH = 0x70;
    static final int NEG = 0x80;
    static final int MOD = 0x90;
    static final int XOR = 0xa0;
    static final int JA = 0x00;
    static final int JEQ = 0x10;
    static final int JGT = 0x20;
    static final int JGE = 0x30;
    static final int JSET = 0x40;
    static final int K = 0x00;
    static final int X = 0x08;
    // Return values and register transfers.
    static final int RET_A = 0x10;
    static final int TAX = 0x00;
    static final int TXA = 0x80;
    /** Scratch memory words M[0] to M[15]. */
    static final int MEMORY_WORDS = 16;
    /**
     * Loads at or past this offset ask Linux's socket filter for ancillary data (SKF_AD_OFF, SKF_LL_OFF...); libpcap
     * emits none for a dead handle, and its interpreter reads them as offsets past the frame.
     */
    static final int ANCILLARY_OFFSET = -0x1000 & 0xffffffff;

    /** The instructions of a {@code struct bpf_insn} array in host byte order. */
    static List<ClassicInstruction> decode(byte[] raw) {
        if (raw.length % SIZE != 0) {
            throw new IllegalArgumentException(raw.length + " bytes are not whole classic instructions");
        }
        ByteBuffer in = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        List<ClassicInstruction> out = new ArrayList<>(raw.length / SIZE);
        while (in.hasRemaining()) {
            out.add(new ClassicInstruction(in.getShort() & 0xffff, in.get() & 0xff, in.get() & 0xff, in.getInt()));
        }
        return out;
    }

    int instructionClass() {
        return code & 0x07;
    }

    int size() {
        return code & 0x18;
    }

    int mode() {
        return code & 0xe0;
    }

    int operation() {
        return code & 0xf0;
    }

    int source() {
        return code & 0x08;
    }

    /** The k of loads and jumps as the unsigned number it is. */
    long unsignedK() {
        return Integer.toUnsignedLong(k);
    }

    boolean isConditionalJump() {
        return instructionClass() == JMP && operation() != JA;
    }

    /** Bytes a load of this size reads. */
    static int bytes(int size) {
        return size == W ? 4 : size == H ? 2 : 1;
    }
}
