package dev.xdpdump.event;

import java.io.IOException;

/** Frames read from somewhere other than an interface: a capture file for {@code -r}. Used by one thread. */
public interface FrameSource extends AutoCloseable {
    /** Reads the next frame into {@code into}; false at the end. */
    boolean next(RawFrame into) throws IOException;

    /**
     * Whether the user's filter expression selects {@code frame} (the one {@link #next} just read); true when there
     * is none.
     */
    default boolean selects(RawFrame frame) {
        return true;
    }

    /** What it reads, for messages: a path, or "standard input". */
    String name();

    @Override
    void close();
}
