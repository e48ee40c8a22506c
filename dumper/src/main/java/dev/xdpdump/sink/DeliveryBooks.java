package dev.xdpdump.sink;

/**
 * The extra books of a sink that hands records to a client which delivers them later (Kafka): records it took but
 * could not deliver, by cause. Such a sink's {@link Sink#recordsWritten()} counts only records the far end
 * acknowledged, so {@code handed == written + refused + unacknowledged + in flight}, and once the sink is closed
 * nothing is in flight. Any thread.
 */
public interface DeliveryBooks {
    /**
     * Records the client refused at once, since the capture is never made to wait: its bounded buffer was full, or it
     * knew no partitions for the topic (no broker had told it, or a broker that went away took them along).
     */
    long refused();

    /** Records the client took but the far end did not acknowledge, after the client's own retries and time limit. */
    long unacknowledged();
}
