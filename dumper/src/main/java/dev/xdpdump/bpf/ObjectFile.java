package dev.xdpdump.bpf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled BPF object: the maps it declares and, for each program section asked for, its instructions and which
 * of them load a map address (to be patched with the map's fd once the map exists). Relocations are per section.
 */
final class ObjectFile {
    private static final int R_BPF_64_64 = 1;
    private static final int BPF_LD_IMM64 = 0x18;

    record MapReference(int instructionOffset, String mapName) {}

    /** One program section: its function's name, its instructions and its map references. */
    static final class Program {
        private final String name;
        private final byte[] instructions;
        private final List<MapReference> mapReferences;

        private Program(String name, byte[] instructions, List<MapReference> mapReferences) {
            this.name = name;
            this.instructions = instructions;
            this.mapReferences = List.copyOf(mapReferences);
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
            if (symbol.sectionIndex() == program.index() && symbol.value() == 0 && !symbol.name().isEmpty()) {
                name = symbol.name();
            }
        }
        List<MapReference> references = new ArrayList<>();
        for (ElfFile.Relocation relocation : elf.relocationsFor(program)) {
            ElfFile.Symbol symbol = symbols.get(relocation.symbolIndex());
            int at = Math.toIntExact(relocation.offset());
            if (relocation.type() != R_BPF_64_64 || symbol.sectionIndex() != mapsSection
                    || (instructions[at] & 0xff) != BPF_LD_IMM64) {
                throw new IllegalArgumentException("unsupported relocation of " + symbol.name() + " at instruction "
                        + at / 8 + " in section " + section + ": only map references are expected");
            }
            references.add(new MapReference(at, symbol.name()));
        }
        return new Program(name, instructions, references);
    }

    String license() {
        return license;
    }

    List<MapSpec> maps() {
        return maps;
    }
}
