package dev.xdpdump.sink;

import java.io.IOException;

/**
 * The output named on the command line cannot be opened for writing. The message is one line meant for the user:
 * {@code cannot write /x/y.pcap: No such file or directory; pick a writable path}.
 */
public final class UnwritableOutputException extends IOException {
    private final String target;
    private final String reason;

    public UnwritableOutputException(String target, String reason, Throwable cause) {
        super("cannot write " + target + ": " + reason + "; pick a writable path", cause);
        this.target = target;
        this.reason = reason;
    }

    /** The path as the user gave it. */
    public String target() { return target; }

    /** What the system said, e.g. "Permission denied". */
    public String reason() { return reason; }
}
