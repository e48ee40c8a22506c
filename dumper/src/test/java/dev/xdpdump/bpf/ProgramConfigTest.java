package dev.xdpdump.bpf;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The Java mirrors of the C header's limits and structs agree with the header itself. */
class ProgramConfigTest {
    private static final Path HEADER = Path.of("../capture-bpf/xdpdump_event.h");

    private static String define(String header, String name) {
        Matcher m = Pattern.compile("#define " + name + " (.+)").matcher(header);
        assertTrue(m.find(), name + " in " + HEADER);
        return m.group(1).replaceAll("/\\*.*", "").trim();
    }

    @Test
    void limitsAreTheHeaders() throws Exception {
        String header = Files.readString(HEADER);
        assertEquals(String.valueOf(ProgramConfig.DEFAULT_SNAP_LEN), define(header, "XDPDUMP_DEFAULT_SNAP_LEN"));
        assertEquals(String.valueOf(ProgramConfig.MAX_SNAP_LEN), define(header, "XDPDUMP_MAX_SNAP_LEN"));
        assertEquals("(65528 - 8 - 4 - 32)", define(header, "XDPDUMP_MAX_CAP_LEN"));
        assertEquals(65484, ProgramConfig.MAX_CAP_LEN);
    }

    @Test
    void structSizesAreTheHeadersStaticAsserts() throws Exception {
        String header = Files.readString(HEADER);
        assertTrue(header.contains("sizeof(struct xdpdump_config) == " + ProgramConfig.SIZE), "config size");
        assertTrue(header.contains("sizeof(struct xdpdump_counters) == " + ProgramCounters.SIZE), "counters size");
    }

    @Test
    void configValueCarriesTheSnapLengthInHostOrder() {
        assertArrayEquals(new byte[] {0, 1, 0, 0, 0, 0, 0, 0}, ProgramConfig.value(256));
        assertArrayEquals(new byte[8], ProgramConfig.value(0), "0 asks for the program's default");
        assertThrows(IllegalArgumentException.class, () -> ProgramConfig.value(-1));
        assertThrows(IllegalArgumentException.class, () -> ProgramConfig.value(65536));
    }
}
