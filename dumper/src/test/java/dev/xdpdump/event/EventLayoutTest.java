package dev.xdpdump.event;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Golden bytes of struct xdpdump_event (capture-bpf/xdpdump_event.h) as the program writes them on x86-64. */
class EventLayoutTest {
    private static ByteBuf sample(long ts, int ifindex, int queue, int wireLen, int capLen, int l3, int l4, int version,
                                  int frameBytes, int padding) {
        ByteBuf b = Unpooled.buffer();
        b.writeLongLE(ts).writeIntLE(ifindex).writeIntLE(queue).writeIntLE(wireLen).writeIntLE(capLen)
                .writeShortLE(l3).writeShortLE(l4).writeByte(version).writeZero(3);
        for (int i = 0; i < frameBytes; i++) {
            b.writeByte(i);
        }
        return b.writeZero(padding);
    }

    @Test
    void headerIsThirtyTwoBytesAsTheStaticAssertSays() {
        assertEquals(32, EventLayout.HEADER_SIZE);
        assertEquals(32, sample(0, 0, 0, 0, 0, 0, 0, 0, 0, 0).readableBytes());
    }

    @Test
    void copyDecodesEveryFieldAndTheFrame() {
        ByteBuf s = sample(1_000_000_123L, 7, 3, 1514, 74, 14, 34, 4, 74, 6);
        CaptureEvent slot = new CaptureEvent(256);
        int cap = EventLayout.capturedLength(s, 0, s.readableBytes(), slot.capacity());
        assertEquals(74, cap);

        EventLayout.copy(s, 0, cap, 1, 5_000_000_000L, slot);

        assertEquals(6_000_000_123L, slot.wallClockNanos());
        assertEquals(1, slot.cpu());
        assertEquals(7, slot.ifindex());
        assertEquals(3, slot.rxQueue());
        assertEquals(1514, slot.wireLength());
        assertEquals(74, slot.capturedLength());
        assertEquals(14, slot.l3Offset());
        assertEquals(34, slot.l4Offset());
        assertEquals(4, slot.ipVersion());
        byte[] expected = new byte[74];
        for (int i = 0; i < 74; i++) {
            expected[i] = (byte) i;
        }
        assertArrayEquals(expected, java.util.Arrays.copyOf(slot.frame(), 74));
    }

    @Test
    void readsAtAnIndexInsideALargerBuffer() {
        ByteBuf s = Unpooled.buffer().writeZero(100).writeBytes(sample(9, 2, 0, 60, 60, 14, 34, 6, 60, 4));
        CaptureEvent slot = new CaptureEvent(256);
        assertEquals(60, EventLayout.capturedLength(s, 100, 96, 256));
        EventLayout.copy(s, 100, 60, 0, 0, slot);
        assertEquals(6, slot.ipVersion());
        assertEquals(2, slot.ifindex());
    }

    @Test
    void rejectsSampleShorterThanTheHeader() {
        ByteBuf s = sample(0, 1, 0, 60, 0, 14, 34, 4, 0, 0);
        assertEquals(-1, EventLayout.capturedLength(s, 0, 31, 256));
    }

    @Test
    void rejectsCapturedLengthBeyondTheSample() {
        ByteBuf s = sample(0, 1, 0, 100, 100, 14, 34, 4, 60, 0);
        assertEquals(-1, EventLayout.capturedLength(s, 0, s.readableBytes(), 256));
    }

    @Test
    void rejectsCapturedLengthBeyondTheWireLength() {
        ByteBuf s = sample(0, 1, 0, 50, 60, 14, 34, 4, 60, 0);
        assertEquals(-1, EventLayout.capturedLength(s, 0, s.readableBytes(), 256));
    }

    @Test
    void rejectsCapturedLengthBeyondTheSlot() {
        ByteBuf s = sample(0, 1, 0, 300, 300, 14, 34, 4, 300, 0);
        assertEquals(-1, EventLayout.capturedLength(s, 0, s.readableBytes(), 256));
    }

    @Test
    void rejectsCapturedLengthThatIsNegativeAsSigned() {
        ByteBuf s = sample(0, 1, 0, -1, -1, 14, 34, 4, 0, 0);
        assertEquals(-1, EventLayout.capturedLength(s, 0, s.readableBytes(), 256));
    }
}
