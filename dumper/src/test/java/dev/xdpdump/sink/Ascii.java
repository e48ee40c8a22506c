package dev.xdpdump.sink;

import java.nio.charset.StandardCharsets;

/** Test shorthand: what a buffer holds, as text. */
final class Ascii {
    private Ascii() {}

    static String of(OutputBuffer buffer) {
        return new String(buffer.toByteArray(), StandardCharsets.US_ASCII);
    }
}
