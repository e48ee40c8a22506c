package dev.xdpdump.sink;

import dev.xdpdump.testing.Frames;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class HexDumpLayoutTest {
    private static final Path HEXDUMP = Path.of("/usr/bin/hexdump");

    @BeforeAll
    static void needsHexdump() {
        ExternalTool.requireInstalled(HEXDUMP.toString());
    }

    @Test
    void matchesHexdumpOnSynFrames() throws Exception {
        assertSameAsHexdump(Frames.ipv4Syn());
        assertSameAsHexdump(Frames.ipv6Syn());
        assertSameAsHexdump(Frames.taggedIpv4Syn(0xc2));
    }

    @Test
    void matchesHexdumpOnEveryLengthAroundLineEdges() throws Exception {
        Random random = new Random(7);
        for (int length = 0; length <= 50; length++) {
            byte[] bytes = new byte[length];
            random.nextBytes(bytes);
            assertSameAsHexdump(bytes);
        }
    }

    @Test
    void matchesHexdumpWhereRepeatedLinesAreSqueezed() throws Exception {
        assertSameAsHexdump(new byte[16]);
        assertSameAsHexdump(new byte[32]);
        assertSameAsHexdump(new byte[70]);
        assertSameAsHexdump(new byte[80]);
        byte[] runs = new byte[200];
        runs[40] = 'A';
        for (int i = 100; i < 180; i++) {
            runs[i] = (byte) (i % 2 == 0 ? 0x20 : 0x7e);
        }
        assertSameAsHexdump(runs);
        byte[] allValues = new byte[512];
        for (int i = 0; i < allValues.length; i++) {
            allValues[i] = (byte) i;
        }
        assertSameAsHexdump(allValues);
    }

    @Test
    void writesNothingForNoBytes() {
        OutputBuffer out = new OutputBuffer(16);
        HexDumpLayout.write(out, new byte[4], 0, 0);
        assertEquals(0, out.size());
    }

    @Test
    void padsAShortLastLineSoTheBarsAlign() {
        OutputBuffer out = new OutputBuffer(16);
        HexDumpLayout.write(out, "abc".getBytes(), 0, 3);
        String[] lines = Ascii.of(out).split("\n");
        assertEquals("00000000  61 62 63" + " ".repeat(42) + "|abc|", lines[0]);
        assertEquals(60, lines[0].indexOf('|'));
        assertEquals("00000003", lines[1]);
    }

    private static void assertSameAsHexdump(byte[] bytes) throws Exception {
        OutputBuffer out = new OutputBuffer(64);
        byte[] padded = new byte[bytes.length + 5];
        System.arraycopy(bytes, 0, padded, 3, bytes.length);
        HexDumpLayout.write(out, padded, 3, bytes.length);
        byte[] expected = hexdump(bytes);
        assertArrayEquals(expected, out.toByteArray(),
            () -> "length " + bytes.length + "\nexpected:\n" + new String(expected) + "\nactual:\n" + Ascii.of(out));
    }

    private static byte[] hexdump(byte[] input) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(HEXDUMP.toString(), "-C").redirectErrorStream(true).start();
        try (OutputStream stdin = process.getOutputStream()) {
            stdin.write(input);
        }
        ByteArrayOutputStream stdout = new ByteArrayOutputStream();
        try (InputStream in = process.getInputStream()) {
            in.transferTo(stdout);
        }
        assertTrue(process.waitFor(10, TimeUnit.SECONDS), "hexdump did not finish");
        assertEquals(0, process.exitValue());
        return stdout.toByteArray();
    }
}
