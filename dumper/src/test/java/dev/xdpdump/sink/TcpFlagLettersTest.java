package dev.xdpdump.sink;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class TcpFlagLettersTest {

    @ParameterizedTest(name = "0x{0} -> {1}")
    @CsvSource({
        "02, S",
        "c2, SEW",
        "42, SE",
        "12, S.",
        "ff, FSRP.UEW",
        "11, F.",
        "00, none",
    })
    void writesTcpdumpLettersInTcpdumpOrder(String hex, String expected) {
        OutputBuffer out = new OutputBuffer(16);
        TcpFlagLetters.write(out, Integer.parseInt(hex, 16));
        assertEquals(expected, Ascii.of(out));
    }
}
