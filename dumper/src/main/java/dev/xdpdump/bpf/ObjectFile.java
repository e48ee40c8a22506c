package dev.xdpdump.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * A compiled BPF object: the maps it declares and, for each program section asked for, its instructions, which of
 * them load a map address (to be patched with the map's fd once the map exists) and which call a function of
 * {@code .text} (a {@code __noinline} static function, which the loader links in). Relocations are per section.
 */
final class ObjectFile {
    private static final int R_BPF_64_64 = 1;
    private static final int R_BPF_64_32 = 10;
    private static final int BPF_LD_IMM64 = 0x18;
    private static final int BPF_CALL = 0x85;
    private static final int INSTRUCTION = 8;

    record MapReference(int instructionOffset, String mapName) {}

    /** A BPF-to-BPF call at {@code instructionOffset} (bytes) to the {@code .text} function {@code function}. */
    record Call(int instructionOffset, String function) {}

    /** One program section: its function's name, its instructions and its map references. */
    static final class Program {
        private final String name;
        private final byte[] instructions;
        private final List<MapReference> mapReferences;
        private final List<Call> calls;

        private Program(String name, byte[] instructions, List<MapReference> mapReferences, List<Call> calls) {
            this.name = name;
            this.instructions = instructions;
            this.mapReferences = List.copyOf(mapReferences);
            this.calls = List.copyOf(calls);
        }

        String name() {
            return name;
        }

        /** A copy of the program's instructions, for patching. */
        byte[] instructions() {
            return instructions.clone();
        }

        List<MapReference> mapReferences() {
            return mapReferences;
        }

        /** The program's calls into {@code .text}, in instruction order. */
        List<Call> calls() {
            return calls;
        }
    }

    private final ElfFile elf;
    private final String license;
    private final List<MapSpec> maps;
    private final int mapsSection;

    ObjectFile(byte[] image) {
        this.elf = new ElfFile(image);
        this.license = new String(elf.contents(elf.section("license")), StandardCharsets.US_ASCII).replace("\0", "");
        this.maps = new BtfMaps(elf.contents(elf.section(".BTF"))).maps();
        this.mapsSection = elf.section(".maps").index();
    }

    /** The program in {@code section} ("xdp", "tc"). */
    Program program(String section) {
        ElfFile.Section program = elf.section(section);
        byte[] instructions = elf.contents(program);
        List<ElfFile.Symbol> symbols = elf.symbols();
        String name = section;
        for (ElfFile.Symbol symbol : symbols) {
            if (symbol.function() && symbol.sectionIndex() == program.index() && symbol.value() == 0) {
                name = symbol.name();
            }
        }
        List<MapReference> references = new ArrayList<>();
        List<Call> calls = new ArrayList<>();
        for (ElfFile.Relocation relocation : elf.relocationsFor(program)) {
            ElfFile.Symbol symbol = symbols.get(relocation.symbolIndex());
            int at = Math.toIntExact(relocation.offset());
            int opcode = instructions[at] & 0xff;
            if (relocation.type() == R_BPF_64_64 && symbol.sectionIndex() == mapsSection && opcode == BPF_LD_IMM64) {
                references.add(new MapReference(at, symbol.name()));
            } else if (relocation.type() == R_BPF_64_32 && opcode == BPF_CALL && isText(symbol)) {
                calls.add(new Call(at, textFunction(symbol, instructions, at, symbols)));
            } else {
                throw new IllegalArgumentException("unsupported relocation of " + symbol.name() + " at instruction "
                        + at / INSTRUCTION + " in section " + section
                        + ": only map references and calls into .text are expected");
            }
        }
        calls.sort(Comparator.comparingInt(Call::instructionOffset));
        return new Program(name, instructions, references, calls);
    }

    private boolean isText(ElfFile.Symbol symbol) {
        return elf.sections().get(symbol.sectionIndex()).name().equals(".text");
    }

    /**
     * The function a call relocated against {@code .text} lands on: the symbol's value plus the call's own immediate
     * (clang leaves imm -1 for a call to the section's start, so the target is value + (imm + 1) instructions).
     */
    private String textFunction(ElfFile.Symbol symbol, byte[] instructions, int at, List<ElfFile.Symbol> symbols) {
        int imm = ByteBuffer.wrap(instructions).order(ByteOrder.LITTLE_ENDIAN).getInt(at + 4);
        long target = symbol.value() + (long) (imm + 1) * INSTRUCTION;
        for (ElfFile.Symbol s : symbols) {
            if (s.function() && s.sectionIndex() == symbol.sectionIndex() && s.value() == target) {
                return s.name();
            }
        }
        throw new IllegalArgumentException("a call at instruction " + at / INSTRUCTION
                + " lands on no function of .text");
    }

    String license() {
        return license;
    }

    List<MapSpec> maps() {
        return maps;
    }
}
