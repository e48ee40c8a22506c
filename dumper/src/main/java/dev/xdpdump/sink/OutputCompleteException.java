package dev.xdpdump.sink;

import java.io.IOException;

/**
 * The output has written all it was asked to: the last file {@code -W} allows with {@code -G} is closed. Not a
 * failure: the output ends as it does at {@code -c}, and the capture stops once no other output is left. Thrown by
 * {@link Sink#write} or {@link Sink#flush} instead of writing the events that would have opened another file.
 */
public final class OutputCompleteException extends IOException {
    public OutputCompleteException(String message) {
        super(message);
    }
}
