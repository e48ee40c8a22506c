package dev.xdpdump.sink;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.EventLayout;
import dev.xdpdump.testing.Frames;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Arbitrary perf samples through the reader's decoder into a slot and out through every sink: a sample is either
 * refused or becomes exactly one well-formed record in each format, whose values match the sample's bytes.
 *
 * <p>Input layout (so the fuzzer can steer each part): bytes 0-1 the slot capacity (1 + n % 512), 2-3 the pcap snap
 * length (1 + n % 512), 4 where the sample sits in the ring buffer (n % 16), then the raw sample (header, frame,
 * padding). {@code mvn verify} replays the committed inputs in {@code EventBytesFuzzTestInputs/} and runs a fixed
 * number of generated samples; {@code JAZZER_FUZZ=1 mvn test -Dtest=EventBytesFuzzTest} fuzzes.
 */
class EventBytesFuzzTest {
    /** What the reader adds to the kernel's CLOCK_MONOTONIC stamp; any value, the arithmetic may wrap. */
    private static final long WALL_CLOCK_OFFSET = 1_795_000_000_000_000_000L;
    private static final int CPU = 1;
    private static final InterfaceNames NAMES = InterfaceNames.of(Map.of(2, "eth0", 3, "v\"e\\th\u00e9"));

    @FuzzTest(maxDuration = "2m")
    void anySampleIsRefusedOrBecomesOneWellFormedRecordPerFormat(byte[] input) throws IOException {
        check(input);
    }

    /** The same check over samples generated near the interesting boundaries, so CI covers more than the corpus. */
    @Test
    @Timeout(value = 2, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void generatedSamplesAreRefusedOrBecomeWellFormedRecords() throws IOException {
        Random random = new Random(20261122);
        int written = 0;
        for (int i = 0; i < 3_000; i++) {
            written += check(generated(random)) ? 1 : 0;
        }
        assertTrue(written > 750, "most generated samples are events, so the sinks are exercised: " + written);
    }

    /** Returns whether the sample was accepted as an event. */
    static boolean check(byte[] input) throws IOException {
        if (input.length < 5) {
            return false;
        }
        ByteBuffer header = ByteBuffer.wrap(input).order(ByteOrder.BIG_ENDIAN);
        int capacity = 1 + (header.getShort(0) & 0xffff) % 512;
        int snapLength = 1 + (header.getShort(2) & 0xffff) % 512;
        int index = (input[4] & 0xff) % 16;
        byte[] sample = Arrays.copyOfRange(input, 5, input.length);

        // The sample sits inside a larger buffer, as in the ring; bytes around it are not its own.
        ByteBuf ring = Unpooled.buffer(index + sample.length + 16).writerIndex(index + sample.length + 16);
        for (int i = 0; i < ring.capacity(); i++) {
            ring.setByte(i, 0xee);
        }
        ring.setBytes(index, sample);

        int captured = EventLayout.capturedLength(ring, index, sample.length, capacity);
        if (captured < 0) {
            assertEquals(-1, captured);
            assertTrue(sample.length < EventLayout.HEADER_SIZE || refusable(sample, capacity),
                    "refused a consistent sample: " + Arrays.toString(input));
            return false;
        }
        ByteBuffer raw = ByteBuffer.wrap(sample).order(ByteOrder.LITTLE_ENDIAN);
        long wire = raw.getInt(16) & 0xffffffffL;
        assertEquals(raw.getInt(20) & 0xffffffffL, captured, "captured length is the sample's cap_len");
        assertTrue(captured <= sample.length - EventLayout.HEADER_SIZE && captured <= capacity && captured <= wire);

        CaptureEvent slot = new CaptureEvent(capacity);
        Arrays.fill(slot.frame(), (byte) 0x77); // what a previous event left behind
        EventLayout.copy(ring, index, captured, CPU, WALL_CLOCK_OFFSET, slot);
        assertArrayEquals(Arrays.copyOfRange(sample, 32, 32 + captured), Arrays.copyOf(slot.frame(), captured));
        assertEquals(raw.getLong(0) + WALL_CLOCK_OFFSET, slot.wallClockNanos());
        assertEquals(raw.getShort(24) & 0xffff, slot.l3Offset());
        assertEquals(raw.getShort(26) & 0xffff, slot.l4Offset());
        assertEquals(sample[28] & 0xff, slot.ipVersion());

        RecordChecks.checkJson(write(OutputFormat.JSON, slot, snapLength, false), slot, NAMES);
        RecordChecks.checkHex(write(OutputFormat.HEX, slot, snapLength, false), slot, NAMES);
        RecordChecks.checkPcap(write(OutputFormat.PCAP, slot, snapLength, false), slot, snapLength, false);
        RecordChecks.checkPcap(write(OutputFormat.PCAP, slot, snapLength, true), slot, snapLength, true);
        return true;
    }

    private static boolean refusable(byte[] sample, int capacity) {
        ByteBuffer raw = ByteBuffer.wrap(sample).order(ByteOrder.LITTLE_ENDIAN);
        long wire = raw.getInt(16) & 0xffffffffL;
        long capLen = raw.getInt(20) & 0xffffffffL;
        return capLen > sample.length - EventLayout.HEADER_SIZE || capLen > capacity || capLen > wire;
    }

    private static byte[] write(OutputFormat format, CaptureEvent event, int snapLength, boolean nanoseconds)
            throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (Sink sink = format.build(Output.of(Channels.newChannel(bytes), "memory"), snapLength, nanoseconds, NAMES)) {
            sink.write(event);
            sink.flush();
        }
        return bytes.toByteArray();
    }

    /**
     * A fuzz input whose sample is mostly plausible: a real or random frame, offsets near the real ones, lengths on
     * either side of every bound, padding, and any timestamp.
     */
    static byte[] generated(Random random) {
        byte[] frame;
        int chain = 0; // bytes of IPv6 extension headers in front of TCP
        switch (random.nextInt(5)) {
            case 0: frame = Frames.ipv4Syn(); break;
            case 1: frame = Frames.ipv6Syn(); break;
            case 2: frame = Frames.taggedIpv4Syn(random.nextInt(256)); break;
            case 3: {
                int[] walked = {0, 43, 44, 51, 60};
                int[] types = new int[random.nextInt(10)];
                for (int i = 0; i < types.length; i++) {
                    types[i] = walked[random.nextInt(walked.length)];
                    chain += types[i] == 51 ? 16 : 8;
                }
                frame = Frames.ipv6Syn(types);
                break;
            }
            default:
                frame = new byte[random.nextInt(300)];
                random.nextBytes(frame);
        }
        for (int flips = random.nextInt(4); flips > 0 && frame.length > 0; flips--) {
            frame[random.nextInt(frame.length)] = (byte) random.nextInt(256);
        }
        int capacity = 1 + random.nextInt(random.nextBoolean() ? 96 : 512);
        int capLen = pick(random, Math.min(frame.length, capacity));
        int wire = random.nextInt(8) == 0 ? random.nextInt() : Math.max(0, capLen + pick(random, 40) - 8);
        int padding = random.nextInt(8);
        boolean v6 = chain > 0 || random.nextBoolean();
        ByteBuffer sample = ByteBuffer.allocate(5 + 32 + capLen + padding).order(ByteOrder.LITTLE_ENDIAN);
        sample.put(0, (byte) ((capacity - 1) >> 8)).put(1, (byte) (capacity - 1));
        int snap = 1 + random.nextInt(512);
        sample.put(2, (byte) ((snap - 1) >> 8)).put(3, (byte) (snap - 1)).put(4, (byte) random.nextInt(16));
        sample.putLong(5, random.nextInt(4) == 0 ? random.nextLong() : random.nextInt(Integer.MAX_VALUE) * 1000L);
        sample.putInt(5 + 8, 1 + random.nextInt(4));
        sample.putInt(5 + 12, random.nextInt(4) == 0 ? random.nextInt() : random.nextInt(4));
        sample.putInt(5 + 16, wire);
        sample.putInt(5 + 20, random.nextInt(16) == 0 ? capLen + 1 + random.nextInt(600) : capLen);
        int l3 = random.nextInt(8) == 0 ? random.nextInt(65536) : 14 + 4 * random.nextInt(3) - (random.nextInt(10) == 0 ? 1 : 0);
        int l4 = random.nextInt(8) == 0 ? random.nextInt(65536) : l3 + (v6 ? 40 + chain : 20 + 4 * random.nextInt(11)) - random.nextInt(2);
        sample.putShort(5 + 24, (short) l3).putShort(5 + 26, (short) l4);
        sample.put(5 + 28, (byte) (random.nextInt(8) == 0 ? random.nextInt(256) : v6 ? 6 : 4));
        for (int i = 0; i < capLen; i++) {
            sample.put(5 + 32 + i, frame[i]);
        }
        return sample.array();
    }

    /** A number in [0, bound], often at the bound or one below it. */
    private static int pick(Random random, int bound) {
        switch (random.nextInt(4)) {
            case 0: return bound;
            case 1: return Math.max(0, bound - 1);
            default: return random.nextInt(bound + 1);
        }
    }
}
