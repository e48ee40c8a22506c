package dev.xdpdump.e2e;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/** The frames of a classic pcap file (either byte order, micro- or nanoseconds), read with no library. */
final class PcapRecords {
    private PcapRecords() {}

    /** Each record's bytes in file order; fails on a file that is not pcap, a cut record, or a frame cut short. */
    static List<byte[]> frames(byte[] file) {
        return read(file, false);
    }

    /** The whole records of a file still being written: a record cut at the end is left out. */
    static List<byte[]> framesSoFar(byte[] file) {
        return read(file, true);
    }

    private static List<byte[]> read(byte[] file, boolean growing) {
        assertTrue(file.length >= 24, "a pcap file of " + file.length + " bytes");
        ByteBuffer b = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        int magic = b.getInt(0);
        if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
            b.order(ByteOrder.BIG_ENDIAN);
        } else if (magic != 0xa1b2c3d4 && magic != 0xa1b23c4d) {
            fail(String.format("not a pcap file: magic %08x", magic));
        }
        List<byte[]> frames = new ArrayList<>();
        for (int at = 24; at < file.length; ) {
            if (growing && (at + 16 > file.length || at + 16 + b.getInt(at + 8) > file.length)) {
                break;
            }
            assertTrue(at + 16 <= file.length, "record header cut at byte " + at);
            int captured = b.getInt(at + 8);
            int wire = b.getInt(at + 12);
            assertTrue(at + 16 + captured <= file.length, "record cut at byte " + at);
            assertEquals(wire, captured, "record at byte " + at + " holds part of its frame");
            frames.add(Arrays.copyOfRange(file, at + 16, at + 16 + captured));
            at += 16 + captured;
        }
        return frames;
    }
}
