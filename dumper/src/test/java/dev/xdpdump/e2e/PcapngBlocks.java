package dev.xdpdump.e2e;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a test needs from a one-section, little-endian pcapng file, read by walking its blocks without xdpdump's code:
 * each interface description's {@code if_name}, how many enhanced packets name each interface, and each interface
 * statistics block's options by code (tshark prints none of them per interface).
 *
 * @param names {@code if_name} of each Interface Description Block, in file order (the interface id); null for none
 * @param packets Enhanced Packet Blocks per interface id
 * @param statistics per interface id, the options of its Interface Statistics Block by code; an interface without
 *     one is absent. Timestamps (codes 2 and 3) as {@code high << 32 | low}, the other values as u64
 */
record PcapngBlocks(List<String> names, Map<Integer, Long> packets, Map<Integer, Map<Integer, Long>> statistics) {
    static final int ISB_IFRECV = 4;
    static final int ISB_IFDROP = 5;
    static final int ISB_FILTERACCEPT = 6;
    static final int ISB_USRDELIV = 8;
    private static final int SHB = 0x0A0D0D0A;
    private static final int IDB = 1;
    private static final int ISB = 5;
    private static final int EPB = 6;
    private static final int IF_NAME = 2;

    static PcapngBlocks read(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        assertTrue(bytes.length >= 28 && b.getInt(0) == SHB && b.getInt(8) == 0x1A2B3C4D,
                "a little-endian section header first");
        List<String> names = new ArrayList<>();
        Map<Integer, Long> packets = new HashMap<>();
        Map<Integer, Map<Integer, Long>> statistics = new HashMap<>();
        int blocks = 0;
        for (int at = 0; at + 12 <= bytes.length && blocks < 1_000_000; blocks++) {
            int type = b.getInt(at);
            int length = b.getInt(at + 4);
            assertTrue(length >= 12 && length % 4 == 0 && at + length <= bytes.length,
                    "block of type " + type + " at " + at + " has length " + length);
            assertEquals(length, b.getInt(at + length - 4), "trailing length of the block at " + at);
            int end = at + length - 4;
            switch (type) {
                case IDB -> names.add(stringOption(b, at + 16, end, IF_NAME));
                case EPB -> packets.merge(b.getInt(at + 8), 1L, Long::sum);
                case ISB -> {
                    Map<Integer, Long> options = new HashMap<>();
                    for (int o = at + 20; o + 4 <= end; ) {
                        int code = b.getShort(o) & 0xffff;
                        int size = b.getShort(o + 2) & 0xffff;
                        if (code == 0) {
                            break;
                        }
                        options.put(code, code == 2 || code == 3
                                ? ((long) b.getInt(o + 4) << 32) | (b.getInt(o + 8) & 0xffffffffL)
                                : b.getLong(o + 4));
                        o += 4 + ((size + 3) & ~3);
                    }
                    Map<Integer, Long> before = statistics.put(b.getInt(at + 8), options);
                    assertEquals(null, before, "one statistics block for interface " + b.getInt(at + 8));
                }
                default -> { }
            }
            at += length;
        }
        return new PcapngBlocks(names, packets, statistics);
    }

    private static String stringOption(ByteBuffer b, int from, int end, int wanted) {
        for (int o = from; o + 4 <= end; ) {
            int code = b.getShort(o) & 0xffff;
            int size = b.getShort(o + 2) & 0xffff;
            if (code == 0) {
                break;
            }
            if (code == wanted) {
                byte[] text = new byte[size];
                b.get(o + 4, text);
                return new String(text, StandardCharsets.UTF_8);
            }
            o += 4 + ((size + 3) & ~3);
        }
        return null;
    }

    /** The interface id whose description names {@code name}; fails when none or several do. */
    int idOf(String name) {
        int id = names.indexOf(name);
        assertTrue(id >= 0 && names.lastIndexOf(name) == id, "one interface description names " + name + ": "
                + names);
        return id;
    }
}
