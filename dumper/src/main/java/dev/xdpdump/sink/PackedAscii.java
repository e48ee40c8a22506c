package dev.xdpdump.sink;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;

/**
 * A short constant ASCII text (a JSON key with its quotes and colon, a p0f word) packed into little-endian longs, so
 * writing it is one 8-byte store per 8 bytes. {@code System.arraycopy} of a short array whose length the compiler
 * does not fold calls a copy stub each time, which costs more than the bytes; a JSON record writes about 40 of them.
 *
 * <p>{@link #put} stores whole longs, so it may write up to {@link #OVERHANG} bytes past the text's end: the caller's
 * reserve must leave that much room, and what follows overwrites them. Immutable, shared by all threads.
 */
final class PackedAscii {
    /** Bytes past its end that {@link #put} may write. */
    static final int OVERHANG = 7;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final long[] words;
    private final int length;

    private PackedAscii(byte[] text) {
        words = new long[(text.length + 7) / 8];
        for (int i = 0; i < text.length; i++) {
            words[i / 8] |= (long) (text[i] & 0xff) << (8 * (i % 8));
        }
        length = text.length;
    }

    static PackedAscii of(String text) {
        return new PackedAscii(text.getBytes(StandardCharsets.US_ASCII));
    }

    int length() { return length; }

    /** Writes the text at {@code at} (with {@link #OVERHANG} more bytes free); returns the index after the text. */
    int put(byte[] target, int at) {
        for (int i = 0; i < words.length; i++) {
            LONGS.set(target, at + 8 * i, words[i]);
        }
        return at + length;
    }
}
