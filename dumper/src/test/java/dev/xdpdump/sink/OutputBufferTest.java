package dev.xdpdump.sink;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

class OutputBufferTest {
    private final OutputBuffer out = new OutputBuffer(16);

    @Test
    void writesDecimalsIncludingTheExtremes() {
        out.writeDecimal(0).writeByte(' ').writeDecimal(7).writeByte(' ').writeDecimal(10).writeByte(' ')
            .writeDecimal(-42).writeByte(' ').writeDecimal(4294967295L).writeByte(' ')
            .writeDecimal(Long.MAX_VALUE).writeByte(' ').writeDecimal(Long.MIN_VALUE);
        assertEquals("0 7 10 -42 4294967295 9223372036854775807 -9223372036854775808", Ascii.of(out));
    }

    @Test
    void padsDecimalsWithZerosToTheWidth() {
        out.writeDecimalPadded(5, 4).writeByte(' ').writeDecimalPadded(123, 4).writeByte(' ')
            .writeDecimalPadded(12345, 4).writeByte(' ').writeDecimalPadded(0, 9).writeByte(' ')
            .writeDecimalPadded(123456789, 9).writeByte(' ').writeDecimalPadded(1000, 4);
        assertEquals("0005 0123 12345 000000000 123456789 1000", Ascii.of(out));
    }

    @Test
    void writesLowercaseHex() {
        out.writeHex(0x4a, 8).writeByte(' ').writeHex(-1, 2).writeByte(' ').writeHexUnpadded(0)
            .writeByte(' ').writeHexUnpadded(0xdb8).writeByte(' ').writeHexUnpadded(0xffff).writeByte(' ')
            .writeHexBytes(new byte[] {0x00, (byte) 0xab, 0x7f, (byte) 0x80}, 0, 4);
        assertEquals("0000004a ff 0 db8 ffff 00ab7f80", Ascii.of(out));
    }

    @Test
    void writesLittleEndianIntegers() {
        out.writeIntLE(0xa1b2c3d4).writeShortLE(0x0204);
        assertArrayEquals(new byte[] {(byte) 0xd4, (byte) 0xc3, (byte) 0xb2, (byte) 0xa1, 0x04, 0x02},
            out.toByteArray());
    }

    @Test
    void replacesNonAsciiCharactersWithQuestionMarks() {
        out.writeAscii("eth0 é");
        assertEquals("eth0 ?", Ascii.of(out));
    }

    @Test
    void growsPastItsInitialCapacityAndDrainsEverything() throws Exception {
        for (int i = 0; i < 10_000; i++) {
            out.writeDecimal(i % 10);
        }
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        out.drainTo(Channels.newChannel(sink));
        assertEquals(10_000, sink.size());
        assertEquals(0, out.size());
        assertEquals('9', sink.toByteArray()[9_999]);
    }
}
