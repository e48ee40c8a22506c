package dev.xdpdump.sink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;

/**
 * A growable byte array that sinks format into: ASCII text (decimal, lowercase hex) and little-endian binary.
 *
 * <p>It grows by doubling and never shrinks, so once it has seen the largest batch it stops allocating. Not thread
 * safe: one buffer belongs to one sink.
 */
public final class OutputBuffer {
    static final byte[] HEX_DIGITS = {
        '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'a', 'b', 'c', 'd', 'e', 'f'};
    /** "00" to "99": two digits per step when writing decimals. */
    static final byte[] DIGIT_PAIRS = new byte[200];
    /** "00" to "ff": two hex digits per byte. */
    static final byte[] HEX_PAIRS = new byte[512];
    private static final int[] POWERS_OF_TEN = {
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000};

    static {
        for (int i = 0; i < 100; i++) {
            DIGIT_PAIRS[i * 2] = (byte) ('0' + i / 10);
            DIGIT_PAIRS[i * 2 + 1] = (byte) ('0' + i % 10);
        }
        for (int i = 0; i < 256; i++) {
            HEX_PAIRS[i * 2] = HEX_DIGITS[i >>> 4];
            HEX_PAIRS[i * 2 + 1] = HEX_DIGITS[i & 0xf];
        }
    }

    private byte[] bytes;
    private ByteBuffer view;
    private int size;

    public OutputBuffer(int initialCapacity) {
        bytes = new byte[Math.max(16, initialCapacity)];
        view = ByteBuffer.wrap(bytes);
    }

    /** Bytes written since the last {@link #clear} or {@link #drainTo}. */
    public int size() { return size; }

    /** The byte at {@code index}, which must be below {@link #size()}. */
    public byte get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException(index);
        }
        return bytes[index];
    }

    public void clear() { size = 0; }

    /** A copy of the content; allocates, so for tests and start-up only. */
    public byte[] toByteArray() {
        byte[] copy = new byte[size];
        System.arraycopy(bytes, 0, copy, 0, size);
        return copy;
    }

    /**
     * Writes the whole content to {@code channel}, then empties this buffer. Blocks as long as the channel's writes
     * block; on an {@link IOException} the content is kept, since how much of it reached the channel is unknown.
     */
    public void drainTo(WritableByteChannel channel) throws IOException {
        drainTo(channel, Integer.MAX_VALUE, IGNORE_PROGRESS);
    }

    private static final Progress IGNORE_PROGRESS = bytes -> { };

    /** Takes note of bytes a channel accepted. */
    @FunctionalInterface
    public interface Progress {
        void took(int bytes);
    }

    /**
     * As {@link #drainTo(WritableByteChannel)}, handing the channel at most {@code chunk} bytes per write and telling
     * {@code progress} after each.
     */
    public void drainTo(WritableByteChannel channel, int chunk, Progress progress) throws IOException {
        int position = 0;
        while (position < size) {
            view.limit(position + Math.min(chunk, size - position)).position(position);
            int taken = channel.write(view);
            position += taken;
            progress.took(taken);
        }
        size = 0;
    }

    /** Writes the content to {@code out} in one call; this buffer is unchanged. */
    public void writeTo(java.io.OutputStream out) throws IOException {
        out.write(bytes, 0, size);
    }

    /** Copies {@code length} bytes from {@code from} into {@code target} at {@code at}; this buffer is unchanged. */
    public void copyOut(int from, int length, byte[] target, int at) {
        if (from < 0 || length < 0 || from + length > size) {
            throw new IndexOutOfBoundsException(from + length);
        }
        System.arraycopy(bytes, from, target, at, length);
    }

    /** Appends this buffer's content to {@code target}; this buffer is unchanged. */
    public void copyTo(OutputBuffer target) {
        target.writeBytes(bytes, 0, size);
    }

    public OutputBuffer writeByte(int value) {
        ensure(1);
        bytes[size++] = (byte) value;
        return this;
    }

    /** Writes all of {@code source}: for constant text kept as bytes. */
    public OutputBuffer writeBytes(byte[] source) {
        return writeBytes(source, 0, source.length);
    }

    public OutputBuffer writeBytes(byte[] source, int offset, int length) {
        ensure(length);
        System.arraycopy(source, offset, bytes, size, length);
        size += length;
        return this;
    }

    /** Writes each char as one byte; meant for ASCII constants and names, anything above 0x7e becomes '?'. */
    public OutputBuffer writeAscii(CharSequence text) {
        int length = text.length();
        ensure(length);
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            bytes[size++] = (byte) (c < 0x7f ? c : '?');
        }
        return this;
    }

    /**
     * Makes room for exactly {@code length} bytes, counts them as written and returns where they start in
     * {@link #array()}; the caller must fill all of them before the next call on this buffer. For layouts of a
     * known size (a hexdump line) that write straight into the array, with one capacity check instead of one per
     * byte.
     */
    int claim(int length) {
        ensure(length);
        int at = size;
        size += length;
        return at;
    }

    /**
     * Makes room for at least {@code maxLength} more bytes and returns {@link #size()}, where the caller starts
     * writing into {@link #array()}; {@link #advanceTo} then counts what it wrote. For a record of many short values
     * (a JSON line) whose upper bound is known: one capacity check for the record instead of one per value.
     */
    int reserve(int maxLength) {
        ensure(maxLength);
        return size;
    }

    /** Counts the bytes up to {@code end} as written, after a {@link #reserve} whose room they fit in. */
    void advanceTo(int end) {
        if (end < size || end > bytes.length) {
            throw new IndexOutOfBoundsException(end);
        }
        size = end;
    }

    /** The backing array, valid until the next write (which may grow it); see {@link #claim} and {@link #reserve}. */
    byte[] array() { return bytes; }

    /** Writes {@code value} in decimal, with a leading '-' when negative. */
    public OutputBuffer writeDecimal(long value) {
        if (value >= 0 && value <= Integer.MAX_VALUE) {
            return writeDecimal((int) value);
        }
        // Digits are produced from a non-positive value so Long.MIN_VALUE needs no special case.
        long negative = value < 0 ? value : -value;
        int digits = 1;
        for (long rest = negative / 10; rest != 0; rest /= 10) {
            digits++;
        }
        int length = value < 0 ? digits + 1 : digits;
        ensure(length);
        if (value < 0) {
            bytes[size] = '-';
        }
        int at = size + length - 1;
        do {
            bytes[at--] = (byte) ('0' - (negative % 10));
            negative /= 10;
        } while (negative != 0);
        size += length;
        return this;
    }

    /** Writes a non-negative {@code value} in decimal, two digits per step from a table. */
    private OutputBuffer writeDecimal(int value) {
        int length = decimalDigits(value);
        ensure(length);
        writeDigits(bytes, size + length, value);
        size += length;
        return this;
    }

    /** Writes {@code value} in decimal, left-padded with zeros to at least {@code width} digits; value must be >= 0. */
    public OutputBuffer writeDecimalPadded(long value, int width) {
        if (value >= 0 && value <= Integer.MAX_VALUE && width <= 10) {
            int length = Math.max(width, decimalDigits((int) value));
            ensure(length);
            int end = size + length;
            int at = writeDigits(bytes, end, (int) value);
            while (at > size) {
                bytes[--at] = '0';
            }
            size = end;
            return this;
        }
        for (long limit = 10, digits = 1; digits < width; digits++, limit *= 10) {
            if (value < limit) {
                writeByte('0');
            }
        }
        return writeDecimal(value);
    }

    /** Digits of a non-negative int in decimal (1 for 0). */
    static int decimalDigits(int value) {
        int digits = 1;
        while (digits < 10 && value >= POWERS_OF_TEN[digits]) {
            digits++;
        }
        return digits;
    }

    /**
     * Writes the decimal digits of non-negative {@code value} so that the last one lands just before {@code end};
     * returns the index of the first digit. The caller has made room.
     */
    static int writeDigits(byte[] target, int end, int value) {
        int at = end;
        while (value >= 100) {
            int pair = (value % 100) * 2;
            value /= 100;
            target[--at] = DIGIT_PAIRS[pair + 1];
            target[--at] = DIGIT_PAIRS[pair];
        }
        if (value >= 10) {
            target[--at] = DIGIT_PAIRS[value * 2 + 1];
            target[--at] = DIGIT_PAIRS[value * 2];
        } else {
            target[--at] = (byte) ('0' + value);
        }
        return at;
    }

    /** Writes the low {@code digits} nibbles of {@code value} as lowercase hex, most significant first. */
    public OutputBuffer writeHex(long value, int digits) {
        ensure(digits);
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            bytes[size++] = HEX_DIGITS[(int) (value >>> shift) & 0xf];
        }
        return this;
    }

    /** Writes {@code value} as lowercase hex without leading zeros ("0" for zero). */
    public OutputBuffer writeHexUnpadded(int value) {
        int digits = Math.max(1, (32 - Integer.numberOfLeadingZeros(value) + 3) / 4);
        return writeHex(value, digits);
    }

    /** Writes two lowercase hex digits per source byte. */
    public OutputBuffer writeHexBytes(byte[] source, int offset, int length) {
        ensure(length * 2);
        byte[] target = bytes;
        int at = size;
        for (int i = offset, end = offset + length; i < end; i++) {
            int pair = (source[i] & 0xff) * 2;
            target[at++] = HEX_PAIRS[pair];
            target[at++] = HEX_PAIRS[pair + 1];
        }
        size = at;
        return this;
    }

    public OutputBuffer writeShortLE(int value) {
        ensure(2);
        bytes[size++] = (byte) value;
        bytes[size++] = (byte) (value >>> 8);
        return this;
    }

    public OutputBuffer writeIntLE(int value) {
        ensure(4);
        bytes[size++] = (byte) value;
        bytes[size++] = (byte) (value >>> 8);
        bytes[size++] = (byte) (value >>> 16);
        bytes[size++] = (byte) (value >>> 24);
        return this;
    }

    private void ensure(int more) {
        if (more > bytes.length - size) {
            grow(more);
        }
    }

    private void grow(int more) {
        long wanted = Math.max((long) bytes.length * 2, (long) size + more);
        if (wanted > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("output buffer would exceed 2 GiB; flush more often");
        }
        byte[] larger = new byte[(int) wanted];
        System.arraycopy(bytes, 0, larger, 0, size);
        bytes = larger;
        view = ByteBuffer.wrap(larger);
    }
}
