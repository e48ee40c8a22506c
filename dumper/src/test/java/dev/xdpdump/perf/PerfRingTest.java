package dev.xdpdump.perf;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class PerfRingTest {
    /** Collects what the ring hands over, copied, with the padding the kernel added cut back to the payload. */
    private static final class Collected implements SampleConsumer {
        final List<byte[]> samples = new ArrayList<>();
        final List<Integer> cpus = new ArrayList<>();

        @Override
        public void onSample(int cpu, ByteBuf buffer, int index, int length) {
            byte[] copy = new byte[length];
            buffer.getBytes(index, copy);
            samples.add(copy);
            cpus.add(cpu);
        }
    }

    private static byte[] payload(int length, int seed) {
        byte[] b = new byte[length];
        for (int i = 0; i < length; i++) {
            b[i] = (byte) (seed + i);
        }
        return b;
    }

    private static byte[] prefix(byte[] sample, int length) {
        return java.util.Arrays.copyOf(sample, length);
    }

    @Test
    void drainDeliversSamplesInOrderAndReleasesTheTail() {
        FakeRing fake = new FakeRing(4096).sample(payload(60, 1)).sample(payload(100, 2)).publish();
        PerfRing ring = fake.ring();
        Collected got = new Collected();

        assertEquals(2, ring.drain(got));

        assertArrayEquals(payload(60, 1), prefix(got.samples.get(0), 60));
        assertArrayEquals(payload(100, 2), prefix(got.samples.get(1), 100));
        assertEquals(List.of(3, 3), got.cpus);
        assertEquals(fake.head(), fake.dataTail());
        assertEquals(2, ring.samples());
    }

    @Test
    void drainReportsPaddingInTheRawSizeSoEventsMustCarryTheirOwnLength() {
        FakeRing fake = new FakeRing(4096).sample(payload(61, 1)).publish();
        Collected got = new Collected();
        fake.ring().drain(got);
        assertEquals(0, (4 + got.samples.get(0).length) % 8);
    }

    @Test
    void drainReadsNothingWhenHeadEqualsTail() {
        FakeRing fake = new FakeRing(4096).startingAt(800);
        Collected got = new Collected();
        assertEquals(0, fake.ring().drain(got));
        assertEquals(0, got.samples.size());
    }

    @Test
    void drainCopiesRecordThatWrapsRingEnd() {
        // Record starts 40 bytes before the end: header and raw size fit, the body runs on at offset 0.
        FakeRing fake = new FakeRing(4096).startingAt(3 * 4096 + 4096 - 40).sample(payload(200, 9)).publish();
        Collected got = new Collected();

        assertEquals(1, fake.ring().drain(got));

        assertArrayEquals(payload(200, 9), prefix(got.samples.get(0), 200));
        assertEquals(fake.head(), fake.dataTail());
    }

    @Test
    void drainReadsRecordWhoseHeaderEndsExactlyAtRingEnd() {
        FakeRing fake = new FakeRing(4096).startingAt(4096 - 8).sample(payload(50, 4)).publish();
        Collected got = new Collected();
        assertEquals(1, fake.ring().drain(got));
        assertArrayEquals(payload(50, 4), prefix(got.samples.get(0), 50));
    }

    @Test
    void drainCountsLostRecords() {
        FakeRing fake = new FakeRing(4096).sample(payload(40, 1)).lost(17).lost(5).sample(payload(40, 2)).publish();
        PerfRing ring = fake.ring();
        Collected got = new Collected();

        assertEquals(4, ring.drain(got));

        assertEquals(2, got.samples.size());
        assertEquals(22, ring.lostEvents());
    }

    @Test
    void drainSkipsSampleWhoseRawSizeOverrunsItsRecord() {
        byte[] body = new byte[24];
        body[0] = (byte) 200; // raw size 200 in a 32-byte record
        FakeRing fake = new FakeRing(4096).record(PerfRing.PERF_RECORD_SAMPLE, 32, body).sample(payload(40, 3)).publish();
        PerfRing ring = fake.ring();
        Collected got = new Collected();

        ring.drain(got);

        assertEquals(1, got.samples.size());
        assertArrayEquals(payload(40, 3), prefix(got.samples.get(0), 40));
        assertEquals(1, ring.malformedRecords());
    }

    @Test
    void drainStopsAtImpossibleRecordSizeAndSkipsToHead() {
        FakeRing fake = new FakeRing(4096).sample(payload(40, 1)).record(PerfRing.PERF_RECORD_SAMPLE, 4, new byte[0])
                .sample(payload(40, 2)).publish();
        PerfRing ring = fake.ring();
        Collected got = new Collected();

        ring.drain(got);

        assertEquals(1, got.samples.size());
        assertEquals(1, ring.malformedRecords());
        assertEquals(fake.head(), fake.dataTail());
    }

    @Test
    void drainStopsAtRecordClaimingMoreThanWasWritten() {
        FakeRing fake = new FakeRing(4096).record(PerfRing.PERF_RECORD_SAMPLE, 4000, new byte[8]).publish();
        PerfRing ring = fake.ring();
        Collected got = new Collected();

        ring.drain(got);

        assertEquals(0, got.samples.size());
        assertEquals(1, ring.malformedRecords());
    }

    @Test
    void drainIgnoresOtherRecordTypes() {
        FakeRing fake = new FakeRing(4096).record(3, 16, new byte[8]).sample(payload(40, 5)).publish();
        Collected got = new Collected();
        PerfRing ring = fake.ring();
        assertEquals(2, ring.drain(got));
        assertEquals(1, got.samples.size());
        assertEquals(0, ring.malformedRecords());
    }

    @Test
    void drainAfterMoreRecordsArriveContinuesFromTheTail() {
        FakeRing fake = new FakeRing(4096).sample(payload(40, 1)).publish();
        PerfRing ring = fake.ring();
        Collected got = new Collected();
        ring.drain(got);
        fake.sample(payload(40, 2)).publish();
        ring.drain(got);
        assertEquals(2, got.samples.size());
        assertArrayEquals(payload(40, 2), prefix(got.samples.get(1), 40));
    }

    @Test
    void drainSurvivesManyTripsAroundTheRing() {
        FakeRing fake = new FakeRing(8192);
        PerfRing ring = fake.ring();
        Collected got = new Collected();
        for (int i = 0; i < 500; i++) {
            fake.sample(payload(70 + i % 13, i)).publish();
            ring.drain(got);
        }
        assertEquals(500, got.samples.size());
        for (int i = 0; i < 500; i++) {
            assertArrayEquals(payload(70 + i % 13, i), prefix(got.samples.get(i), 70 + i % 13));
        }
    }
}
