package dev.xdpdump.perf;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Whatever the kernel (or a corrupt ring) wrote between tail and head, {@link PerfRing#drain} never throws, hands out
 * only bytes that were written (in order, never beyond head, never outside the buffer it passes) and leaves the tail
 * at the head.
 *
 * <p>Input layout: byte 0 the data size (64 << n % 7, so 64 to 4096 bytes), bytes 1-4 where the tail starts (times 8:
 * the kernel keeps data_head 8-byte aligned), byte 5 whether the bytes arrive in one publish or two, then the bytes
 * written, at most one ring's worth and cut to a multiple of 8. {@code mvn verify} replays the committed inputs in
 * {@code RingContentsFuzzTestInputs/} and a fixed number of generated rings; {@code JAZZER_FUZZ=1} fuzzes.
 */
class RingContentsFuzzTest {
    @FuzzTest(maxDuration = "2m")
    void drainOfAnyContentsDeliversOnlyWrittenBytesAndEndsAtHead(byte[] input) {
        check(input);
    }

    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void drainOfGeneratedRingsDeliversOnlyWrittenBytesAndEndsAtHead() {
        Random random = new Random(20261122);
        long delivered = 0;
        for (int i = 0; i < 3_000; i++) {
            delivered += check(generated(random));
        }
        assertTrue(delivered > 3_000, "generated rings hold samples the drain delivers: " + delivered);
    }

    /** Returns how many samples the drains delivered. */
    static int check(byte[] input) {
        if (input.length < 6) {
            return 0;
        }
        int dataSize = 64 << ((input[0] & 0xff) % 7);
        long start = (ByteBuffer.wrap(input, 1, 4).getInt() & 0xffffffffL) * 8;
        boolean twoPublishes = (input[5] & 1) != 0;
        byte[] written = Arrays.copyOfRange(input, 6, 6 + (Math.min(input.length - 6, dataSize) & ~7));

        FakeRing fake = new FakeRing(dataSize).startingAt(start);
        PerfRing ring = fake.ring();
        Delivered delivered = new Delivered(written);
        int first = twoPublishes ? (written.length / 2) & ~7 : written.length;
        fake.raw(Arrays.copyOf(written, first)).publish();
        ring.drain(delivered);
        assertEquals(start + first, fake.dataTail(), "tail at head after the first drain");
        // The kernel only ever writes into space the reader released: the rest goes in once the first part is read.
        fake.raw(Arrays.copyOfRange(written, first, written.length)).publish();
        ring.drain(delivered);
        assertEquals(start + written.length, fake.dataTail(), "tail at head");
        int samples = delivered.count;
        assertEquals(0, ring.drain(delivered), "nothing left to read");
        assertEquals(samples, delivered.count);
        assertEquals(samples, ring.samples(), "samples counted as delivered");
        return samples;
    }

    /** Checks each sample against the bytes written: contiguous in them, after the previous sample, before head. */
    private static final class Delivered implements SampleConsumer {
        private final byte[] written;
        private int cursor;
        int count;

        Delivered(byte[] written) {
            this.written = written;
        }

        @Override
        public void onSample(int cpu, ByteBuf buffer, int index, int length) {
            assertEquals(3, cpu);
            assertTrue(index >= 0 && length >= 0 && index <= buffer.capacity() - length,
                    "sample [" + index + ", +" + length + ") inside a buffer of " + buffer.capacity());
            byte[] sample = new byte[length];
            buffer.getBytes(index, sample);
            // The sample follows its 12 bytes of record header and raw size, at the earliest after the last sample.
            int at = find(sample, cursor + 12);
            assertTrue(at >= 0, "a sample of " + length + " bytes that was not written after byte " + cursor);
            cursor = at + length;
            count++;
        }

        private int find(byte[] sample, int from) {
            for (int at = from; at + sample.length <= written.length; at++) {
                if (Arrays.equals(written, at, at + sample.length, sample, 0, sample.length)) {
                    return at;
                }
            }
            return -1;
        }
    }

    /** Rings of plausible records (samples of any size, lost records, lying headers) and junk, anywhere in the ring. */
    static byte[] generated(Random random) {
        int sizeCode = random.nextInt(7);
        int dataSize = 64 << sizeCode;
        ByteArrayOutputStream records = new ByteArrayOutputStream();
        while (records.size() < dataSize && random.nextInt(12) != 0) {
            switch (random.nextInt(10)) {
                case 0:
                    records.writeBytes(record(2, 24, random, 16)); // PERF_RECORD_LOST
                    break;
                case 1: { // a header whose size lies
                    int size = random.nextBoolean() ? random.nextInt(65536) : 8 * random.nextInt(8) + random.nextInt(2);
                    records.writeBytes(record(random.nextInt(12), size, random, 8 * random.nextInt(4)));
                    break;
                }
                case 2: { // a sample whose raw size lies
                    byte[] r = record(9, 32, random, 24);
                    ByteBuffer.wrap(r).order(ByteOrder.nativeOrder()).putInt(8, random.nextInt(8) == 0 ? random.nextInt() : 20 + random.nextInt(8));
                    records.writeBytes(r);
                    break;
                }
                default: { // a well-formed sample, 4 + raw padded to 8
                    int raw = random.nextInt(Math.min(300, dataSize));
                    int size = 8 + ((4 + raw + 7) & ~7);
                    byte[] r = record(9, size, random, size - 8);
                    ByteBuffer.wrap(r).order(ByteOrder.nativeOrder()).putInt(8, size - 12);
                    records.writeBytes(r);
                }
            }
        }
        ByteBuffer input = ByteBuffer.allocate(6 + records.size());
        input.put((byte) sizeCode);
        input.putInt(random.nextBoolean() ? random.nextInt(dataSize / 8 * 3) : random.nextInt());
        input.put((byte) random.nextInt(2));
        input.put(records.toByteArray());
        return input.array();
    }

    private static byte[] record(int type, int size, Random random, int bodyLength) {
        byte[] r = new byte[8 + bodyLength];
        random.nextBytes(r);
        ByteBuffer.wrap(r).order(ByteOrder.nativeOrder()).putInt(0, type).putShort(4, (short) 0).putShort(6, (short) size);
        return r;
    }
}
