package dev.xdpdump.filter;

import java.nio.ByteBuffer;

/**
 * One eBPF instruction as the kernel takes it ({@code struct bpf_insn} of linux/bpf.h): opcode, destination and
 * source register, a signed 16-bit offset and a 32-bit immediate. Only the forms the translator emits have names
 * here, and {@link #text} prints them the way llvm-objdump does.
 */
record EbpfInstruction(int opcode, int dst, int src, int offset, int imm) {
    static final int SIZE = 8;

    // Classes.
    static final int LDX = 0x01;
    static final int ST = 0x02;
    static final int STX = 0x03;
    static final int ALU = 0x04;
    static final int JMP = 0x05;
    static final int JMP32 = 0x06;
    static final int ALU64 = 0x07;
    // Modes, sources and the operations beyond classic BPF's.
    static final int MEM = 0x60;
    static final int K = 0x00;
    static final int X = 0x08;
    static final int MOV = 0xb0;
    static final int END = 0xd0;
    static final int JNE = 0x50;
    static final int JLT = 0xa0;
    static final int JLE = 0xb0;
    static final int EXIT = 0x90;
    /** BPF_TO_BE: with BPF_END, converts between host order and big endian, zero-extending the result. */
    static final int TO_BE = 0x08;

    static final int R0 = 0;
    static final int R1 = 1;
    static final int R2 = 2;
    static final int R3 = 3;
    static final int R4 = 4;
    static final int R5 = 5;
    static final int R10 = 10;

    EbpfInstruction {
        if (offset < Short.MIN_VALUE || offset > Short.MAX_VALUE) {
            throw new IllegalArgumentException("jump offset " + offset + " does not fit an eBPF instruction");
        }
    }

    static EbpfInstruction alu32(int operation, int dst, int imm) {
        return new EbpfInstruction(ALU | operation | K, dst, 0, 0, imm);
    }

    static EbpfInstruction alu32Register(int operation, int dst, int src) {
        return new EbpfInstruction(ALU | operation | X, dst, src, 0, 0);
    }

    static EbpfInstruction alu64(int operation, int dst, int imm) {
        return new EbpfInstruction(ALU64 | operation | K, dst, 0, 0, imm);
    }

    static EbpfInstruction alu64Register(int operation, int dst, int src) {
        return new EbpfInstruction(ALU64 | operation | X, dst, src, 0, 0);
    }

    /** {@code dst = be16/be32 dst}: a big-endian value loaded from the frame, as a number. */
    static EbpfInstruction toBigEndian(int dst, int bits) {
        return new EbpfInstruction(ALU | END | TO_BE, dst, 0, 0, bits);
    }

    static EbpfInstruction load(int size, int dst, int base, int offset) {
        return new EbpfInstruction(LDX | MEM | size, dst, base, offset, 0);
    }

    static EbpfInstruction storeImmediate(int base, int offset, int imm) {
        return new EbpfInstruction(ST | MEM | ClassicInstruction.W, base, 0, offset, imm);
    }

    static EbpfInstruction store(int base, int offset, int src) {
        return new EbpfInstruction(STX | MEM | ClassicInstruction.W, base, src, offset, 0);
    }

    static EbpfInstruction exit() {
        return new EbpfInstruction(JMP | EXIT, 0, 0, 0, 0);
    }

    EbpfInstruction withOffset(int newOffset) {
        return new EbpfInstruction(opcode, dst, src, newOffset, imm);
    }

    int instructionClass() {
        return opcode & 0x07;
    }

    boolean isJump() {
        int c = instructionClass();
        return (c == JMP || c == JMP32) && (opcode & 0xf0) != EXIT;
    }

    void encode(ByteBuffer out) {
        out.put((byte) opcode).put((byte) (src << 4 | dst)).putShort((short) offset).putInt(imm);
    }

    /** This instruction as llvm-objdump prints it; {@code index} numbers jump targets. */
    String text(int index) {
        int c = instructionClass();
        int op = opcode & 0xf0;
        boolean reg = (opcode & X) != 0;
        switch (c) {
            case ALU, ALU64 -> {
                String d = (c == ALU ? "w" : "r") + dst;
                String s = reg ? (c == ALU ? "w" : "r") + src : hex(imm);
                if (op == END) {
                    return "r" + dst + " = be" + imm + " r" + dst;
                }
                if (op == ClassicInstruction.NEG) {
                    return d + " = -" + d;
                }
                if (op == MOV) {
                    return d + " = " + s;
                }
                return d + " " + aluSymbol(op) + "= " + s;
            }
            case LDX -> {
                return "r" + dst + " = *(" + sizeName(opcode & 0x18) + " *)(" + address(src, offset) + ")";
            }
            case ST -> {
                return "*(u32 *)(" + address(dst, offset) + ") = " + imm;
            }
            case STX -> {
                return "*(u32 *)(" + address(dst, offset) + ") = w" + src;
            }
            default -> {
                if (op == EXIT) {
                    return "exit";
                }
                int target = index + 1 + offset;
                if (op == ClassicInstruction.JA) {
                    return "goto " + target;
                }
                String w = c == JMP32 ? "w" : "r";
                String s = reg ? w + src : hex(imm);
                return "if " + w + dst + " " + jumpSymbol(op) + " " + s + " goto " + target;
            }
        }
    }

    private static String address(int base, int offset) {
        return "r" + base + (offset < 0 ? " - " + -offset : " + " + offset);
    }

    private static String hex(int imm) {
        return imm >= 0 && imm < 10 ? Integer.toString(imm) : "0x" + Integer.toHexString(imm);
    }

    private static String sizeName(int size) {
        return size == ClassicInstruction.W ? "u32" : size == ClassicInstruction.H ? "u16" : "u8";
    }

    private static String aluSymbol(int op) {
        return switch (op) {
            case ClassicInstruction.ADD -> "+";
            case ClassicInstruction.SUB -> "-";
            case ClassicInstruction.MUL -> "*";
            case ClassicInstruction.DIV -> "/";
            case ClassicInstruction.MOD -> "%";
            case ClassicInstruction.OR -> "|";
            case ClassicInstruction.AND -> "&";
            case ClassicInstruction.XOR -> "^";
            case ClassicInstruction.LSH -> "<<";
            case ClassicInstruction.RSH -> ">>";
            default -> "?";
        };
    }

    private static String jumpSymbol(int op) {
        return switch (op) {
            case ClassicInstruction.JEQ -> "==";
            case JNE -> "!=";
            case ClassicInstruction.JGT -> ">";
            case ClassicInstruction.JGE -> ">=";
            case JLT -> "<";
            case JLE -> "<=";
            case ClassicInstruction.JSET -> "&";
            default -> "?";
        };
    }
}
