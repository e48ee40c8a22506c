package dev.xdpdump.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads BTF-style map definitions ({@code struct { __uint(type, ...); ... } name SEC(".maps")}) from the object's
 * .BTF section. clang keeps these definitions only in BTF: the .maps section itself is all zeros.
 *
 * <p>Each definition is a struct whose members are pointers: {@code __uint(name, N)} is a pointer to an array of N
 * elements, {@code __type(name, T)} a pointer to T, whose size is the key or value size.
 */
final class BtfMaps {
    private static final int KIND_INT = 1, KIND_PTR = 2, KIND_ARRAY = 3, KIND_STRUCT = 4, KIND_UNION = 5,
            KIND_ENUM = 6, KIND_FWD = 7, KIND_TYPEDEF = 8, KIND_VOLATILE = 9, KIND_CONST = 10, KIND_RESTRICT = 11,
            KIND_FUNC = 12, KIND_FUNC_PROTO = 13, KIND_VAR = 14, KIND_DATASEC = 15, KIND_FLOAT = 16,
            KIND_DECL_TAG = 17, KIND_TYPE_TAG = 18, KIND_ENUM64 = 19;

    private final ByteBuffer btf;
    private final int strings;
    /** Byte offset of each type's record, by type id; id 0 is void. */
    private final List<Integer> types = new ArrayList<>();

    BtfMaps(byte[] section) {
        btf = ByteBuffer.wrap(section).order(ByteOrder.LITTLE_ENDIAN);
        if ((btf.getShort(0) & 0xffff) != 0xeb9f) {
            throw new IllegalArgumentException("the .BTF section has no BTF magic");
        }
        int headerLength = btf.getInt(4);
        int typeStart = headerLength + btf.getInt(8);
        int typeEnd = typeStart + btf.getInt(12);
        strings = headerLength + btf.getInt(16);
        types.add(-1);
        for (int at = typeStart; at < typeEnd; at += recordSize(at)) {
            types.add(at);
        }
    }

    /** Every map in the DATASEC named {@code .maps}, in declaration order. */
    List<MapSpec> maps() {
        for (int id = 1; id < types.size(); id++) {
            int at = types.get(id);
            if (kind(at) == KIND_DATASEC && name(at).equals(".maps")) {
                List<MapSpec> maps = new ArrayList<>();
                for (int i = 0; i < vlen(at); i++) {
                    int variable = types.get(btf.getInt(at + 12 + i * 12));
                    maps.add(mapSpec(name(variable), btf.getInt(variable + 8)));
                }
                return maps;
            }
        }
        throw new IllegalArgumentException("the BPF object declares no maps in .maps");
    }

    private MapSpec mapSpec(String name, int structId) {
        int struct = types.get(resolve(structId));
        int type = 0, keySize = 0, valueSize = 0, maxEntries = 0;
        for (int i = 0; i < vlen(struct); i++) {
            int member = struct + 12 + i * 12;
            String field = string(btf.getInt(member));
            int pointer = types.get(resolve(btf.getInt(member + 4)));
            if (kind(pointer) != KIND_PTR) {
                throw new IllegalArgumentException("map " + name + " field " + field + " is not a BTF map field");
            }
            int target = btf.getInt(pointer + 8);
            switch (field) {
                case "type" -> type = arrayLength(target);
                case "key_size" -> keySize = arrayLength(target);
                case "value_size" -> valueSize = arrayLength(target);
                case "max_entries" -> maxEntries = arrayLength(target);
                case "key" -> keySize = sizeOf(target);
                case "value" -> valueSize = sizeOf(target);
                default -> throw new IllegalArgumentException("map " + name + " has unsupported field " + field);
            }
        }
        return new MapSpec(name, type, keySize, valueSize, maxEntries);
    }

    private int arrayLength(int arrayId) {
        int at = types.get(arrayId);
        if (kind(at) != KIND_ARRAY) {
            throw new IllegalArgumentException("BTF type " + arrayId + " is not an array");
        }
        return btf.getInt(at + 20);
    }

    private int sizeOf(int id) {
        int at = types.get(resolve(id));
        return switch (kind(at)) {
            case KIND_INT, KIND_STRUCT, KIND_UNION, KIND_ENUM, KIND_ENUM64, KIND_FLOAT, KIND_DATASEC -> btf.getInt(at + 8);
            case KIND_PTR -> 8;
            case KIND_ARRAY -> btf.getInt(at + 20) * sizeOf(btf.getInt(at + 12));
            default -> throw new IllegalArgumentException("BTF type " + id + " has no size");
        };
    }

    /** Follows typedefs and qualifiers to the type they name. */
    private int resolve(int id) {
        for (int hops = 0; hops < 32; hops++) {
            int kind = kind(types.get(id));
            if (kind != KIND_TYPEDEF && kind != KIND_VOLATILE && kind != KIND_CONST && kind != KIND_RESTRICT
                    && kind != KIND_TYPE_TAG) {
                return id;
            }
            id = btf.getInt(types.get(id) + 8);
        }
        throw new IllegalArgumentException("BTF type chain too long at " + id);
    }

    private int recordSize(int at) {
        int vlen = vlen(at);
        return 12 + switch (kind(at)) {
            case KIND_INT, KIND_VAR, KIND_DECL_TAG -> 4;
            case KIND_ARRAY -> 12;
            case KIND_STRUCT, KIND_UNION, KIND_DATASEC, KIND_ENUM64 -> 12 * vlen;
            case KIND_ENUM, KIND_FUNC_PROTO -> 8 * vlen;
            case KIND_PTR, KIND_FWD, KIND_TYPEDEF, KIND_VOLATILE, KIND_CONST, KIND_RESTRICT, KIND_FUNC, KIND_FLOAT,
                    KIND_TYPE_TAG -> 0;
            default -> throw new IllegalArgumentException("unknown BTF kind " + kind(at));
        };
    }

    private int kind(int at) {
        return (btf.getInt(at + 4) >>> 24) & 0x1f;
    }

    private int vlen(int at) {
        return btf.getInt(at + 4) & 0xffff;
    }

    private String name(int at) {
        return string(btf.getInt(at));
    }

    private String string(int offset) {
        int start = strings + offset;
        int end = start;
        while (btf.get(end) != 0) {
            end++;
        }
        return new String(btf.array(), start, end - start, StandardCharsets.US_ASCII);
    }
}
