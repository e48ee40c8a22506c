package dev.xdpdump.perf;

import io.netty.buffer.ByteBuf;

/**
 * Reads the order key of a raw sample for {@link PerfRingSet#drainInOrder}. The perf package does not know the event
 * layout (EventLayout in package event does), so the caller passes it in.
 */
@FunctionalInterface
public interface SampleTimestamp {
    /** The sample's timestamp in nanoseconds, or {@link Long#MIN_VALUE} when it is too short to have one. */
    long of(ByteBuf buffer, int index, int length);
}
