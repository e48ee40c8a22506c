package dev.xdpdump.serve;

import dev.xdpdump.sink.OutputFormat;

import java.time.Instant;

/**
 * One client's books, for the server's summary.
 *
 * @param sent events taken into the client's buffer (written to it, unless it left with them unsent)
 * @param dropped events its buffer could not take
 * @param left why it left ("closed by the client", "count reached", "stalled", "server stopped", ...); null while
 *     connected
 */
public record ClientBooks(int id, int pid, int uid, OutputFormat format, Instant connectedAt, long sent,
                          long dropped, String left) {
    public String toLine() {
        return "client " + id + " (pid " + pid + ", uid " + uid + ", " + format.word() + ", connected at "
                + connectedAt + "): " + sent + " events sent, " + dropped + " dropped for it, "
                + (left == null ? "still connected" : left);
    }
}
