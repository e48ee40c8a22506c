package dev.xdpdump.kafka;

import java.io.IOException;

/**
 * The Kafka output cannot start: no broker answered in time, the topic is not there, or the client refused its
 * settings. The message is one line for the user.
 */
public final class BrokerUnreachableException extends IOException {
    public BrokerUnreachableException(String message, Throwable cause) {
        super(message, cause);
    }
}
