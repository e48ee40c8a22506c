package dev.xdpdump.pcapfile;

import java.io.IOException;

/** A capture file that cannot be read; the message is the one line the user sees. */
public final class UnreadableCaptureException extends IOException {
    /** @param reason libpcap's words, which may begin with the path itself: that is not said twice */
    public UnreadableCaptureException(String name, String reason) {
        super("cannot read " + name + ": " + withoutPrefix(String.valueOf(reason), name + ": "));
    }

    private static String withoutPrefix(String text, String prefix) {
        return text.startsWith(prefix) ? text.substring(prefix.length()) : text;
    }
}
