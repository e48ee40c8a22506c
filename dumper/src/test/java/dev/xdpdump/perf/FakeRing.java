package dev.xdpdump.perf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** A perf ring in plain memory that tests write records into the way the kernel does, wrapping at the end. */
final class FakeRing {
    static final int PAGE = 4096;

    final ByteBuffer region;
    final int dataSize;
    private long head;

    FakeRing(int dataSize) {
        this.dataSize = dataSize;
        this.region = ByteBuffer.allocateDirect(PAGE + dataSize).order(ByteOrder.nativeOrder());
    }

    /** Starts the ring as if {@code position} bytes had already been written and consumed. */
    FakeRing startingAt(long position) {
        head = position;
        region.putLong(ControlPage.DATA_HEAD, position);
        region.putLong(ControlPage.DATA_TAIL, position);
        return this;
    }

    PerfRing ring() {
        return new PerfRing(3, region, PAGE, null, null);
    }

    /** Appends a PERF_RECORD_SAMPLE with {@code raw} padded so the record stays 8-byte aligned, as the kernel does. */
    FakeRing sample(byte[] raw) {
        int size = 8 + align8(4 + raw.length);
        byte[] body = new byte[size - 8];
        ByteBuffer.wrap(body).order(ByteOrder.nativeOrder()).putInt(0, raw.length + (align8(4 + raw.length) - 4 - raw.length));
        System.arraycopy(raw, 0, body, 4, raw.length);
        return record(PerfRing.PERF_RECORD_SAMPLE, size, body);
    }

    FakeRing lost(long count) {
        byte[] body = new byte[16];
        ByteBuffer.wrap(body).order(ByteOrder.nativeOrder()).putLong(0, 77).putLong(8, count);
        return record(PerfRing.PERF_RECORD_LOST, 24, body);
    }

    /** Appends a record with any header and body: for lying lengths. */
    FakeRing record(int type, int size, byte[] body) {
        put(head, intBytes(type));
        put(head + 4, new byte[] {0, 0, (byte) size, (byte) (size >>> 8)});
        put(head + 8, body);
        head += 8 + body.length;
        head = (head + 7) & ~7L;
        return this;
    }

    /** Appends {@code bytes} as they are, whatever records they make up: for arbitrary ring contents. */
    FakeRing raw(byte[] bytes) {
        put(head, bytes);
        head += bytes.length;
        return this;
    }

    FakeRing publish() {
        region.putLong(ControlPage.DATA_HEAD, head);
        return this;
    }

    long dataTail() {
        return region.getLong(ControlPage.DATA_TAIL);
    }

    long head() {
        return head;
    }

    private void put(long position, byte[] bytes) {
        for (int i = 0; i < bytes.length; i++) {
            region.put(PAGE + (int) ((position + i) % dataSize), bytes[i]);
        }
    }

    private static byte[] intBytes(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(v).array();
    }

    private static int align8(int n) {
        return (n + 7) & ~7;
    }
}
