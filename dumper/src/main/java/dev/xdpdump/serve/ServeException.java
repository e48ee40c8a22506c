package dev.xdpdump.serve;

import java.io.IOException;

/**
 * {@code --serve PATH} cannot start: a live server at the path, not a socket, an unknown group, a directory that
 * cannot be written. The message is one line for the user, naming the path and what to do.
 */
public final class ServeException extends IOException {
    public ServeException(String message, Throwable cause) {
        super(message, cause);
    }
}
