package dev.xdpdump.bpf;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A compiled BPF object with one program: its instructions, the maps it declares, and which instructions load a map
 * address (to be patched with the map's fd once the map exists).
 */
final class ObjectFile {
    private static final int R_BPF_64_64 = 1;
    private static final int BPF_LD_IMM64 = 0x18;

    record MapReference(int instructionOffset, String mapName) {}

    private final byte[] instructions;
    private final String programName;
    private final String license;
    private final List<MapSpec> maps;
    private final List<MapReference> mapReferences = new ArrayList<>();

    ObjectFile(byte[] image, String programSection) {
        ElfFile elf = new ElfFile(image);
        ElfFile.Section program = elf.section(programSection);
        this.instructions = elf.contents(program);
        this.license = new String(elf.contents(elf.section("license")), StandardCharsets.US_ASCII).replace("\0", "");
        this.maps = new BtfMaps(elf.contents(elf.section(".BTF"))).maps();
        int mapsSection = elf.section(".maps").index();
        List<ElfFile.Symbol> symbols = elf.symbols();
        String name = programSection;
        for (ElfFile.Symbol symbol : symbols) {
            if (symbol.sectionIndex() == program.index() && symbol.value() == 0 && !symbol.name().isEmpty()) {
                name = symbol.name();
            }
        }
        this.programName = name;
        for (ElfFile.Relocation relocation : elf.relocationsFor(program)) {
            ElfFile.Symbol symbol = symbols.get(relocation.symbolIndex());
            int at = Math.toIntExact(relocation.offset());
            if (relocation.type() != R_BPF_64_64 || symbol.sectionIndex() != mapsSection
                    || (instructions[at] & 0xff) != BPF_LD_IMM64) {
                throw new IllegalArgumentException("unsupported relocation of " + symbol.name() + " at instruction "
                        + at / 8 + ": only map references are expected");
            }
            mapReferences.add(new MapReference(at, symbol.name()));
        }
    }

    /** A copy of the program's instructions, for patching. */
    byte[] instructions() {
        return instructions.clone();
    }

    String programName() {
        return programName;
    }

    String license() {
        return license;
    }

    List<MapSpec> maps() {
        return maps;
    }

    List<MapReference> mapReferences() {
        return mapReferences;
    }
}
