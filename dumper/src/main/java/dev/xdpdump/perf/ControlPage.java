package dev.xdpdump.perf;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The ring's first page, {@code struct perf_event_mmap_page} (linux/perf_event.h). The kernel writes
 * {@code data_head} after it writes a record; we write {@code data_tail} after we have copied records out. The
 * orders below are the ones that header's comment asks of user space: read head with acquire (no record read may
 * move before it), write tail with release (no record read may move after it).
 */
final class ControlPage {
    static final int DATA_HEAD = 1024;
    static final int DATA_TAIL = 1032;
    private static final VarHandle LONGS = MethodHandles.byteBufferViewVarHandle(long[].class, ByteOrder.nativeOrder());

    private final ByteBuffer page;

    ControlPage(ByteBuffer page) {
        this.page = page;
    }

    long loadDataHeadAcquire() {
        return (long) LONGS.getAcquire(page, DATA_HEAD);
    }

    long loadDataTailPlain() {
        return (long) LONGS.get(page, DATA_TAIL);
    }

    void storeDataTailRelease(long tail) {
        LONGS.setRelease(page, DATA_TAIL, tail);
    }
}
