package dev.xdpdump.perf;

import dev.xdpdump.sys.ErrnoException;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * A perf ring in plain memory that tests write records into the way the kernel does, wrapping at the end. One thread
 * writes; a reader may drain concurrently, as long as the writer keeps {@code head() - dataTail()} within the ring.
 */
public final class FakeRing {
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    static final int PAGE = 4096;

    final ByteBuffer region;
    final int dataSize;
    private long head;

    public FakeRing(int dataSize) {
        this.dataSize = dataSize;
        this.region = ByteBuffer.allocateDirect(PAGE + dataSize).order(ByteOrder.nativeOrder());
    }

    /** Starts the ring as if {@code position} bytes had already been written and consumed. */
    public FakeRing startingAt(long position) {
        head = position;
        region.putLong(ControlPage.DATA_HEAD, position);
        region.putLong(ControlPage.DATA_TAIL, position);
        return this;
    }

    PerfRing ring() {
        return ring(3);
    }

    /** A reader of this ring that reports its samples as {@code cpu}'s. */
    public PerfRing ring(int cpu) {
        return new PerfRing(cpu, region, PAGE, null, null);
    }

    /** A ring set over {@code rings}, with an epoll instance that watches nothing: its await only times out. */
    public static PerfRingSet set(PerfRing... rings) throws ErrnoException {
        return PerfRingSet.over(List.of(rings));
    }

    /** Appends a PERF_RECORD_SAMPLE with {@code raw} padded so the record stays 8-byte aligned, as the kernel does. */
    public FakeRing sample(byte[] raw) {
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

    /** Makes what was appended visible to a reader, with the release store the kernel's write of data_head is. */
    public FakeRing publish() {
        LONGS.setRelease(region, ControlPage.DATA_HEAD, head);
        return this;
    }

    public long dataTail() {
        return (long) LONGS.getAcquire(region, ControlPage.DATA_TAIL);
    }

    public long head() {
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
