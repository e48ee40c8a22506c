package dev.xdpdump.serve;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ClientBufferTest {
    @Test
    void aChunkThatDoesNotFitWholeIsDroppedAndItsEventsCounted() {
        ClientBuffer buffer = new ClientBuffer(4096);
        assertTrue(buffer.offer(ByteBuffer.allocate(4000), 10));
        assertFalse(buffer.offer(ByteBuffer.allocate(97), 3), "96 bytes left, 97 do not fit");
        assertTrue(buffer.offer(ByteBuffer.allocate(96), 1), "96 do");
        assertFalse(buffer.offer(ByteBuffer.allocate(1), 2));
        assertEquals(11, buffer.eventsTaken());
        assertEquals(5, buffer.eventsDropped());
        assertEquals(4096, buffer.pending());
        assertEquals(5, buffer.takeDroppedSinceNotice());
        assertEquals(0, buffer.droppedSinceNotice());

        ByteBuffer out = ByteBuffer.allocate(1000);
        assertEquals(1000, buffer.peek(out));
        buffer.consumed(1000);
        assertTrue(buffer.fits(1000));
        assertFalse(buffer.fits(1001));
        assertTrue(buffer.offer(ByteBuffer.allocate(1000), 1));
        assertEquals(5, buffer.eventsDropped(), "drops stay counted");
    }

    @Test
    void bytesComeOutInOrderAcrossTheEndOfTheArray() {
        ClientBuffer buffer = new ClientBuffer(4096);
        SplittableRandom random = new SplittableRandom(12);
        byte next = 0;
        byte expected = 0;
        ByteBuffer out = ByteBuffer.allocate(8192);
        for (int round = 0; round < 10_000; round++) {
            int length = random.nextInt(1, 3000);
            ByteBuffer chunk = ByteBuffer.allocate(length);
            byte start = next;
            for (int i = 0; i < length; i++) {
                chunk.put(i, next++);
            }
            chunk.position(0);
            if (!buffer.offer(chunk, 1)) {
                next = start; // not taken: the next chunk carries these bytes again
            }
            assertEquals(0, chunk.position(), "offer leaves the source's position alone");
            out.clear().limit(random.nextInt(1, 8192));
            int n = buffer.peek(out);
            int take = random.nextInt(0, n + 1);
            for (int i = 0; i < take; i++) {
                assertEquals(expected++, out.get(i), "byte " + i + " of round " + round);
            }
            buffer.consumed(take);
        }
        assertTrue(buffer.eventsDropped() > 0 && buffer.eventsTaken() > 0, "the rounds both filled and drained");
    }

    @Test
    void consumingMoreThanIsPendingIsAMistake() {
        ClientBuffer buffer = new ClientBuffer(4096);
        buffer.offer(ByteBuffer.allocate(10), 1);
        assertThrows(IllegalArgumentException.class, () -> buffer.consumed(11));
        assertThrows(IllegalArgumentException.class, () -> new ClientBuffer(5000));
        assertThrows(IllegalArgumentException.class, () -> new ClientBuffer(2048));
    }

    /**
     * A producer thread offers numbered chunks as fast as it can, a consumer thread drains slowly: every chunk is
     * either received whole, in order, or counted as dropped, and the two add up to what was offered.
     */
    @Test
    void underConcurrencyEveryChunkIsReceivedWholeOrCountedDropped() throws Exception {
        ClientBuffer buffer = new ClientBuffer(1 << 14);
        int chunks = 200_000;
        int chunkBytes = 64;
        AtomicBoolean producing = new AtomicBoolean(true);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        long[] received = new long[1];
        Thread consumer = new Thread(() -> {
            ByteBuffer out = ByteBuffer.allocate(1 << 12);
            long lastSequence = -1;
            ByteBuffer partial = ByteBuffer.allocate(chunkBytes);
            try {
                while (producing.get() || buffer.pending() > 0) {
                    out.clear();
                    int n = buffer.peek(out);
                    buffer.consumed(n);
                    for (int i = 0; i < n; i++) {
                        partial.put(out.get(i));
                        if (!partial.hasRemaining()) {
                            long sequence = partial.getLong(0);
                            if (sequence <= lastSequence) {
                                throw new AssertionError("chunk " + sequence + " after " + lastSequence);
                            }
                            for (int b = 8; b < chunkBytes; b++) {
                                if (partial.get(b) != (byte) sequence) {
                                    throw new AssertionError("chunk " + sequence + " torn at byte " + b);
                                }
                            }
                            lastSequence = sequence;
                            received[0]++;
                            partial.clear();
                        }
                    }
                    if ((received[0] & 7) == 0) {
                        Thread.onSpinWait();
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        }, "client-buffer-test-consumer");
        consumer.start();
        ByteBuffer chunk = ByteBuffer.allocate(chunkBytes);
        for (long sequence = 0; sequence < chunks; sequence++) {
            chunk.putLong(0, sequence);
            for (int b = 8; b < chunkBytes; b++) {
                chunk.put(b, (byte) sequence);
            }
            buffer.offer(chunk, 1);
        }
        producing.set(false);
        consumer.join(30_000);
        assertFalse(consumer.isAlive(), "the consumer finished");
        assertNull(failure.get());
        assertEquals(chunks, buffer.eventsTaken() + buffer.eventsDropped());
        assertEquals(buffer.eventsTaken(), received[0], "every chunk taken was received");
    }
}
