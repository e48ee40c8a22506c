package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The default output: a summary line per connection request, then the frame in {@code hexdump -C} layout. */
class HexOutputIT {
    private static final Pattern HEADER = Pattern.compile(
            "^(\\S+) (\\S+) (\\S+) -> (\\S+) Flags \\[S\\], seq (\\d+), win (\\d+), ttl (\\d+)(?:, options \\[[^\\]]*\\])?, length (\\d+), caplen (\\d+)$");
    private static final Pattern HEX_LINE = Pattern.compile("^([0-9a-f]{8})  ((?:[0-9a-f]{2} {1,2}){1,16}) *\\|.{1,16}\\|$");
    private static final Pattern END_OFFSET = Pattern.compile("^[0-9a-f]{8}$");

    @Test
    void hexShowsASummaryLineAndTheFrameBytesOfEachRequest(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        List<Frame> reference;
        String output;
        String captureInterface;
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "hex");
             ReferenceCapture tcpdump = ReferenceCapture.start(lab, Lab.MIXED.size(), directory.resolve("ref.pcap"))) {
            captureInterface = lab.captureInterface();
            Lab.attempt(lab, Lab.MIXED);
            reference = tcpdump.frames();
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            output = xdpdump.stdoutText();
        }

        List<List<String>> blocks = blocks(output);
        assertEquals(Lab.MIXED.size(), blocks.size(), "one block per connection request:\n" + output);
        for (Lab.Attempt attempt : Lab.MIXED) {
            String endpoints = attempt.ipVersion() == 6
                    ? "[" + attempt.sourceAddress() + "]:" + attempt.sourcePort() + " -> [" + attempt.address() + "]:"
                        + attempt.port()
                    : attempt.sourceAddress() + ":" + attempt.sourcePort() + " -> " + attempt.address() + ":"
                        + attempt.port();
            List<String> block = blocks.stream().filter(b -> b.get(0).contains(" " + endpoints + " "))
                    .findFirst().orElseThrow(() -> new AssertionError("no header with " + endpoints + ":\n" + output));
            Matcher header = HEADER.matcher(block.get(0));
            assertTrue(header.matches(), "header layout: " + block.get(0));
            Frame frame = Frame.withSourcePort(reference, attempt.sourcePort());
            assertEquals(captureInterface, header.group(2));
            assertEquals(Long.toString(frame.seq()), header.group(5), "seq");
            assertEquals(Integer.toString(frame.window()), header.group(6), "win");
            assertEquals(Integer.toString(frame.ttl()), header.group(7), "ttl");
            assertEquals(Integer.toString(frame.wireLength()), header.group(8), "length");
            assertEquals(Integer.toString(frame.bytes().length), header.group(9), "caplen");
            assertArrayEquals(frame.bytes(), hexdumpBytes(block.subList(1, block.size())), block.get(0));
        }
    }

    /** Splits the output at its empty lines: a header line, hexdump lines, the end offset. */
    private static List<List<String>> blocks(String output) {
        List<List<String>> blocks = new ArrayList<>();
        List<String> block = new ArrayList<>();
        for (String line : output.lines().toList()) {
            if (line.isEmpty()) {
                blocks.add(block);
                block = new ArrayList<>();
            } else {
                block.add(line);
            }
        }
        assertTrue(block.isEmpty(), "output ends with an empty line");
        return blocks;
    }

    /** The bytes of {@code hexdump -C} lines, checking each line's offset and the final offset line. */
    private static byte[] hexdumpBytes(List<String> lines) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (String line : lines.subList(0, lines.size() - 1)) {
            Matcher hex = HEX_LINE.matcher(line);
            assertTrue(hex.matches(), "hexdump -C line: '" + line + "'");
            assertEquals(bytes.size(), Integer.parseInt(hex.group(1), 16), "offset of " + line);
            bytes.writeBytes(HexFormat.of().parseHex(hex.group(2).replace(" ", "")));
        }
        String last = lines.get(lines.size() - 1);
        assertTrue(END_OFFSET.matcher(last).matches(), "final offset line: '" + last + "'");
        assertEquals(bytes.size(), Integer.parseInt(last, 16), "final offset");
        return bytes.toByteArray();
    }
}
