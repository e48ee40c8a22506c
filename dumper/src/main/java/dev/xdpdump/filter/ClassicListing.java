package dev.xdpdump.filter;

import java.util.List;

import static dev.xdpdump.filter.ClassicInstruction.*;

/** Classic BPF as {@code tcpdump -d} prints it: one numbered line per instruction, jump targets by number. */
final class ClassicListing {
    private ClassicListing() {}

    static String of(List<ClassicInstruction> program) {
        StringBuilder out = new StringBuilder();
        for (int pc = 0; pc < program.size(); pc++) {
            out.append(line(pc, program.get(pc))).append('\n');
        }
        return out.toString();
    }

    static String line(int pc, ClassicInstruction insn) {
        String[] parts = parts(pc, insn);
        String line = String.format("(%03d) %-8s %s", pc, parts[0], parts[1]);
        if (insn.isConditionalJump()) {
            line = String.format("(%03d) %-8s %-16s jt %d\tjf %d", pc, parts[0], parts[1], pc + 1 + insn.jt(),
                    pc + 1 + insn.jf());
        }
        return line;
    }

    private static String[] parts(int pc, ClassicInstruction insn) {
        String hexK = "#0x" + Integer.toHexString(insn.k());
        String k = Integer.toUnsignedString(insn.k());
        return switch (insn.instructionClass()) {
            case LD -> switch (insn.mode()) {
                case ABS -> pair("ld" + sizeLetter(insn), "[" + k + "]");
                case IND -> pair("ld" + sizeLetter(insn), "[x + " + k + "]");
                case IMM -> pair("ld", hexK);
                case MEM -> pair("ld", "M[" + k + "]");
                case LEN -> pair("ld", "#pktlen");
                default -> unknown(insn);
            };
            case LDX -> switch (insn.mode()) {
                case IMM -> pair("ldx", hexK);
                case MEM -> pair("ldx", "M[" + k + "]");
                case LEN -> pair("ldx", "#pktlen");
                case MSH -> pair("ldxb", "4*([" + k + "]&0xf)");
                default -> unknown(insn);
            };
            case ST -> pair("st", "M[" + k + "]");
            case STX -> pair("stx", "M[" + k + "]");
            case ALU -> insn.operation() == NEG ? pair("neg", "")
                    : pair(aluName(insn.operation()), insn.source() == X ? "x" : bitwise(insn.operation()) ? hexK
                    : "#" + insn.k());
            case JMP -> insn.operation() == JA ? pair("ja", Integer.toUnsignedString(pc + 1 + insn.k())) // wraps as in C
                    : pair(jumpName(insn.operation()), insn.source() == X ? "x" : hexK);
            case RET -> switch (insn.code() & 0x18) {
                case K -> pair("ret", "#" + k);
                case X -> pair("ret", "x");
                case RET_A -> pair("ret", "a");
                default -> unknown(insn);
            };
            case MISC -> (insn.code() & 0xf8) == TAX ? pair("tax", "") : (insn.code() & 0xf8) == TXA
                    ? pair("txa", "") : unknown(insn);
            default -> unknown(insn);
        };
    }

    /** tcpdump prints the constants of bitwise operations in hex, the others in decimal. */
    private static boolean bitwise(int operation) {
        return operation == AND || operation == OR || operation == XOR;
    }

    static String sizeLetter(ClassicInstruction insn) {
        return insn.size() == H ? "h" : insn.size() == B ? "b" : "";
    }

    static String aluName(int operation) {
        return switch (operation) {
            case ADD -> "add";
            case SUB -> "sub";
            case MUL -> "mul";
            case DIV -> "div";
            case MOD -> "mod";
            case OR -> "or";
            case AND -> "and";
            case XOR -> "xor";
            case LSH -> "lsh";
            case RSH -> "rsh";
            default -> "alu?0x" + Integer.toHexString(operation);
        };
    }

    static String jumpName(int operation) {
        return switch (operation) {
            case JEQ -> "jeq";
            case JGT -> "jgt";
            case JGE -> "jge";
            case JSET -> "jset";
            default -> "jmp?0x" + Integer.toHexString(operation);
        };
    }

    private static String[] pair(String op, String operand) {
        return new String[] {op, operand};
    }

    private static String[] unknown(ClassicInstruction insn) {
        return pair("unknown", "code 0x" + Integer.toHexString(insn.code()));
    }
}
