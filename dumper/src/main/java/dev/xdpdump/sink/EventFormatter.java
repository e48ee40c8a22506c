package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;

/**
 * Formats one event into a buffer, for an output that sends each record as a message of its own instead of
 * writing a byte stream (Kafka): the same text as the stream output's record. One thread; must not allocate.
 */
@FunctionalInterface
public interface EventFormatter {
    void format(CaptureEvent event, OutputBuffer out);
}
