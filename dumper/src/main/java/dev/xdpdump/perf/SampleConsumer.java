package dev.xdpdump.perf;

import io.netty.buffer.ByteBuf;

/** Receives the raw data of each PERF_RECORD_SAMPLE, on the reader thread. */
@FunctionalInterface
public interface SampleConsumer {
    /**
     * @param cpu    the ring's CPU
     * @param buffer holds the sample's raw bytes, contiguous, at {@code index}; valid only during this call (it may
     *               be the ring itself, which the kernel reuses as soon as the call returns): copy, never keep
     * @param length raw bytes, including 0-7 bytes of padding the kernel adds: the payload must carry its own length
     */
    void onSample(int cpu, ByteBuf buffer, int index, int length);
}
