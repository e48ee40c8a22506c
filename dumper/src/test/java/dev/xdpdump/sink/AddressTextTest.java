package dev.xdpdump.sink;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;

class AddressTextTest {

    @Test
    void writesIpv4DottedDecimal() {
        OutputBuffer out = new OutputBuffer(32);
        AddressText.writeIpv4(out, new byte[] {9, 9, (byte) 192, 0, 2, (byte) 255}, 2);
        assertEquals("192.0.2.255", Ascii.of(out));
    }

    // Examples from RFC 5952 sections 4.1 to 4.3 and 5, and the edges of "::".
    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "2001:0db8:0000:0000:0000:0000:0002:0001, 2001:db8::2:1",
        "2001:db8:0:0:0:0:2:1, 2001:db8::2:1",
        "2001:db8:0000:1:1:1:1:1, 2001:db8:0:1:1:1:1:1",
        "2001:0:0:1:0:0:0:1, 2001:0:0:1::1",
        "2001:db8:0:0:1:0:0:1, 2001:db8::1:0:0:1",
        "2001:DB8:AAAA:BBBB:CCCC:DDDD:EEEE:000F, 2001:db8:aaaa:bbbb:cccc:dddd:eeee:f",
        "0:0:0:0:0:0:0:0, ::",
        "0:0:0:0:0:0:0:1, ::1",
        "1:0:0:0:0:0:0:0, 1::",
        "fe80:0:0:0:0:0:0:1, fe80::1",
        "0:0:1:0:0:0:1:0, 0:0:1::1:0",
        "1:0:1:0:1:0:1:0, 1:0:1:0:1:0:1:0",
        "0:0:0:0:0:ffff:c000:0201, ::ffff:c000:201",
        "2001:db8:0:1:0:0:0:80, 2001:db8:0:1::80",
    })
    void writesIpv6InRfc5952Form(String eightGroups, String expected) {
        OutputBuffer out = new OutputBuffer(8);
        // Placed at an offset to prove the writer reads where it is told.
        byte[] bytes = new byte[20];
        String[] groups = eightGroups.split(":");
        assertEquals(8, groups.length);
        for (int i = 0; i < 8; i++) {
            int group = Integer.parseInt(groups[i], 16);
            bytes[4 + 2 * i] = (byte) (group >> 8);
            bytes[4 + 2 * i + 1] = (byte) group;
        }
        AddressText.writeIpv6(out, bytes, 4);
        assertEquals(expected, Ascii.of(out));
    }
}
