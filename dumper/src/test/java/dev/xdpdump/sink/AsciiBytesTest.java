package dev.xdpdump.sink;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AsciiBytesTest {
    private final byte[] target = new byte[64];

    private String text(int end) {
        return new String(target, 0, end, StandardCharsets.US_ASCII);
    }

    @Test
    void decimalsAtEveryDigitCountBoundaryMatchJavasOwn() {
        for (long value = 1; value <= 1_000_000_000_000L; value *= 10) {
            for (long v : new long[] {value - 1, value, value + 1}) {
                assertEquals(Long.toString(v), text(AsciiBytes.putDecimal(target, 0, v)));
                if (v <= Integer.MAX_VALUE) {
                    assertEquals(Long.toString(v), text(AsciiBytes.putDecimal(target, 0, (int) v)));
                }
            }
        }
        assertEquals("4294967295", text(AsciiBytes.putDecimal(target, 0, 0xffffffffL)));
        assertEquals("2147483647", text(AsciiBytes.putDecimal(target, 0, Integer.MAX_VALUE)));
    }

    @Test
    void signedDecimalsKeepTheirMinus() {
        assertEquals("-1", text(AsciiBytes.putSignedDecimal(target, 0, -1)));
        assertEquals("-2147483648", text(AsciiBytes.putSignedDecimal(target, 0, Integer.MIN_VALUE)));
        assertEquals("7", text(AsciiBytes.putSignedDecimal(target, 0, 7)));
    }

    @Test
    void paddedAndHexForms() {
        assertEquals("000000042", text(AsciiBytes.putPadded(target, 0, 42, 9)));
        assertEquals("0", text(AsciiBytes.putHexUnpadded(target, 0, 0)));
        assertEquals("fe80", text(AsciiBytes.putHexUnpadded(target, 0, 0xfe80)));
        assertEquals("00ff10", text(AsciiBytes.putHex(target, 0, new byte[] {0, (byte) 0xff, 0x10}, 0, 3)));
    }

    @Test
    void packedTextWritesItsBytesAndReturnsItsLength() {
        int end = PackedAscii.of(",\"payload_len\":").put(target, 3);
        assertEquals(3 + 15, end);
        assertEquals(",\"payload_len\":", new String(target, 3, 15, StandardCharsets.US_ASCII));
    }
}
