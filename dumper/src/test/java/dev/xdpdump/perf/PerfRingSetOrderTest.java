package dev.xdpdump.perf;

import io.netty.buffer.ByteBuf;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PerfRingSetOrderTest {
    private static final long NEVER = Long.MAX_VALUE;
    /** Test samples start with their timestamp, little-endian, as the program's events do. */
    private static final SampleTimestamp FIRST_LONG = (buffer, index, length) ->
            length < 8 ? Long.MIN_VALUE : buffer.getLongLE(index);

    /** Records (timestamp, cpu) of each sample handed on. */
    private static final class Collected implements SampleConsumer {
        final List<Long> timestamps = new ArrayList<>();
        final List<Integer> cpus = new ArrayList<>();

        @Override
        public void onSample(int cpu, ByteBuf buffer, int index, int length) {
            timestamps.add(buffer.getLongLE(index));
            cpus.add(cpu);
        }
    }

    private static byte[] event(long timestamp, int length) {
        return ByteBuffer.allocate(length).order(ByteOrder.LITTLE_ENDIAN).putLong(0, timestamp).array();
    }

    private static void write(FakeRing ring, long... timestamps) {
        for (long t : timestamps) {
            ring.sample(event(t, 24));
        }
        ring.publish();
    }

    private static List<Long> range(long from, long to) {
        List<Long> out = new ArrayList<>();
        for (long t = from; t <= to; t++) {
            out.add(t);
        }
        return out;
    }

    @Test
    void interleavedTimestampsOnFourRingsComeOutSortedAtTheFinalDrain() throws Exception {
        FakeRing[] fakes = {new FakeRing(8192), new FakeRing(8192), new FakeRing(8192), new FakeRing(8192)};
        // timestamp t goes to ring t % 4, but in runs, so drain order (ring by ring) would be far from sorted
        for (int t = 1; t <= 40; t++) {
            write(fakes[(t / 3) % 4], t);
        }
        Collected got = new Collected();
        try (PerfRingSet set = FakeRing.set(fakes[0].ring(0), fakes[1].ring(1), fakes[2].ring(2), fakes[3].ring(3))) {
            assertEquals(40, set.drainInOrder(got, FIRST_LONG, NEVER, 0));
            assertEquals(0, set.orderGivenUp());
        }
        assertEquals(range(1, 40), got.timestamps);
        for (FakeRing fake : fakes) {
            assertEquals(fake.head(), fake.dataTail(), "every ring released to its head");
        }
    }

    @Test
    void aHeadIsHeldBackUntilItIsOlderThanTheBoundWhileAnotherRingIsEmpty() throws Exception {
        FakeRing a = new FakeRing(8192);
        FakeRing b = new FakeRing(8192);
        write(a, 100, 200, 300);
        Collected got = new Collected();
        try (PerfRingSet set = FakeRing.set(a.ring(0), b.ring(1))) {
            // now 250, bound 100: only 100 is older than 150; ring b is empty, so 200 and 300 must wait
            assertEquals(1, set.drainInOrder(got, FIRST_LONG, 250, 100));
            assertEquals(List.of(100L), got.timestamps);
            // ring b shows an event earlier than the held-back ones: it must come out first
            write(b, 150, 250);
            // both rings have heads: the earliest is safe until one ring runs empty; 300 then waits for the bound
            assertEquals(3, set.drainInOrder(got, FIRST_LONG, 260, 100));
            assertEquals(List.of(100L, 150L, 200L, 250L), got.timestamps);
            assertEquals(0, set.drainInOrder(got, FIRST_LONG, 399, 100));
            assertEquals(1, set.drainInOrder(got, FIRST_LONG, 401, 100));
        }
        assertEquals(List.of(100L, 150L, 200L, 250L, 300L), got.timestamps);
        assertEquals(a.head(), a.dataTail());
        assertEquals(b.head(), b.dataTail());
    }

    @Test
    void aRingMoreThanHalfFullGivesUpOrderAndLosesNothing() throws Exception {
        FakeRing a = new FakeRing(8192);
        FakeRing b = new FakeRing(8192);
        // 24-byte events make 40-byte records: 120 of them are 4800 bytes, more than half of 8 KiB
        long[] late = new long[120];
        for (int i = 0; i < late.length; i++) {
            late[i] = 1000 + i;
        }
        write(a, late);
        write(b, 5);
        Collected got = new Collected();
        try (PerfRingSet set = FakeRing.set(a.ring(0), b.ring(1))) {
            assertEquals(121, set.drainInOrder(got, FIRST_LONG, 0, 75));
            assertEquals(1, set.orderGivenUp());
        }
        assertEquals(121, got.timestamps.size());
        assertEquals(1000L, got.timestamps.get(0), "drain order: ring a first, so 5 comes out late");
        assertEquals(5L, got.timestamps.get(120));
        assertEquals(a.head(), a.dataTail());
    }

    @Test
    void aSampleHeldBackBeforeGivingUpComesOutFirstSoEachRingStaysInOrder() throws Exception {
        FakeRing a = new FakeRing(8192);
        FakeRing b = new FakeRing(8192);
        write(a, 10);
        Collected got = new Collected();
        try (PerfRingSet set = FakeRing.set(a.ring(0), b.ring(1))) {
            assertEquals(0, set.drainInOrder(got, FIRST_LONG, 20, 75)); // 10 held back: b is empty, not old enough
            long[] more = new long[120];
            for (int i = 0; i < more.length; i++) {
                more[i] = 11 + i;
            }
            write(a, more);
            assertEquals(121, set.drainInOrder(got, FIRST_LONG, 20, 75));
            assertEquals(1, set.orderGivenUp());
        }
        assertEquals(range(10, 130), got.timestamps);
    }

    @Test
    void samplesThatWrapTheRingsEndKeepTheirOrderAndContents() throws Exception {
        // start each ring just short of its end so records (and one body) wrap around
        FakeRing a = new FakeRing(8192).startingAt(8192 - 24);
        FakeRing b = new FakeRing(8192).startingAt(8192 - 16);
        Collected got = new Collected();
        try (PerfRingSet set = FakeRing.set(a.ring(0), b.ring(1))) {
            for (int round = 0; round < 3; round++) {
                long base = round * 1000L;
                write(a, base + 1, base + 4, base + 5);
                write(b, base + 2, base + 3, base + 6);
                assertEquals(6, set.drainInOrder(got, FIRST_LONG, NEVER, 0));
            }
        }
        List<Long> want = new ArrayList<>();
        for (int round = 0; round < 3; round++) {
            for (long t = 1; t <= 6; t++) {
                want.add(round * 1000L + t);
            }
        }
        assertEquals(want, got.timestamps);
        assertEquals(List.of(0, 1, 1, 0, 0, 1), got.cpus.subList(0, 6));
    }

    @Test
    void lostRecordsAreCountedWhileMerging() throws Exception {
        FakeRing a = new FakeRing(8192);
        a.sample(event(1, 24)).lost(7).sample(event(2, 24)).publish();
        Collected got = new Collected();
        try (PerfRingSet set = FakeRing.set(a.ring(0))) {
            assertEquals(2, set.drainInOrder(got, FIRST_LONG, NEVER, 0));
            assertEquals(7, set.lostEvents());
            assertEquals(2, set.samples());
        }
    }
}
