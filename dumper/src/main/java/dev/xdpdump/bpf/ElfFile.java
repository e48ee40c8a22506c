package dev.xdpdump.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** The parts of a little-endian ELF64 relocatable object a BPF loader reads: sections, symbols, REL entries. */
final class ElfFile {
    static final int SHT_SYMTAB = 2;
    private static final int STT_FUNC = 2;
    static final int SHT_REL = 9;

    record Section(int index, String name, int type, int offset, int size, int link, int info) {}

    /** A symbol-table entry; {@code function} for STT_FUNC, whose {@code size} is the function's length in bytes. */
    record Symbol(String name, int sectionIndex, long value, long size, boolean function) {}

    record Relocation(long offset, int symbolIndex, int type) {}

    private final ByteBuffer bytes;
    private final List<Section> sections = new ArrayList<>();

    ElfFile(byte[] image) {
        this.bytes = ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN);
        if (image.length < 64 || bytes.getInt(0) != 0x464c457f || image[4] != 2 || image[5] != 1) {
            throw new IllegalArgumentException("not a little-endian ELF64 object");
        }
        int shoff = Math.toIntExact(bytes.getLong(0x28));
        int shentsize = bytes.getShort(0x3a) & 0xffff;
        int shnum = bytes.getShort(0x3c) & 0xffff;
        int shstrndx = bytes.getShort(0x3e) & 0xffff;
        int namesOffset = Math.toIntExact(bytes.getLong(shoff + shstrndx * shentsize + 24));
        for (int i = 0; i < shnum; i++) {
            int at = shoff + i * shentsize;
            sections.add(new Section(i, string(namesOffset + bytes.getInt(at)), bytes.getInt(at + 4),
                    Math.toIntExact(bytes.getLong(at + 24)), Math.toIntExact(bytes.getLong(at + 32)),
                    bytes.getInt(at + 40), bytes.getInt(at + 44)));
        }
    }

    Section section(String name) {
        for (Section s : sections) {
            if (s.name().equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no section " + name + " in the BPF object");
    }

    List<Section> sections() {
        return sections;
    }

    byte[] contents(Section section) {
        byte[] out = new byte[section.size()];
        bytes.get(section.offset(), out);
        return out;
    }

    List<Symbol> symbols() {
        for (Section s : sections) {
            if (s.type() == SHT_SYMTAB) {
                int names = sections.get(s.link()).offset();
                List<Symbol> symbols = new ArrayList<>();
                for (int at = s.offset(); at + 24 <= s.offset() + s.size(); at += 24) {
                    symbols.add(new Symbol(string(names + bytes.getInt(at)), bytes.getShort(at + 6) & 0xffff,
                            bytes.getLong(at + 8), bytes.getLong(at + 16), (bytes.get(at + 4) & 0xf) == STT_FUNC));
                }
                return symbols;
            }
        }
        throw new IllegalArgumentException("BPF object has no symbol table");
    }

    /** The REL entries that apply to {@code target}, or none. */
    List<Relocation> relocationsFor(Section target) {
        List<Relocation> out = new ArrayList<>();
        for (Section s : sections) {
            if (s.type() == SHT_REL && s.info() == target.index()) {
                for (int at = s.offset(); at + 16 <= s.offset() + s.size(); at += 16) {
                    long info = bytes.getLong(at + 8);
                    out.add(new Relocation(bytes.getLong(at), (int) (info >>> 32), (int) info));
                }
            }
        }
        return out;
    }

    private String string(int offset) {
        int end = offset;
        while (bytes.get(end) != 0) {
            end++;
        }
        return new String(bytes.array(), offset, end - offset, StandardCharsets.US_ASCII);
    }
}
