package dev.xdpdump.sink;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The README's JSON reference and the man page's JSON FIELDS section list exactly the keys a JSON record has: a key
 * added to the sink and not to both documents fails here.
 */
class JsonFieldsDocumentedTest {
    @Test
    void theReadmeAndTheManPageListEveryKeyOfARecord() throws Exception {
        Set<String> keys = recordKeys();
        assertEquals(keys, readmeKeys(), "README.md, JSON fields");
        assertEquals(keys, manPageKeys(), "packaging/xdpdump.8, JSON FIELDS");
    }

    private static Set<String> recordKeys() throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonSink sink = new JsonSink(Output.of(Channels.newChannel(bytes), "memory"), SampleEvents.NAMES)) {
            sink.write(SampleEvents.ipv4());
        }
        String line = bytes.toString(StandardCharsets.US_ASCII).trim();
        return new TreeSet<>(StrictJson.parseObject(line).keySet());
    }

    /** The keys in the first column of the table under "### JSON fields": `ts`, or `src`, `dst` in one row. */
    private static Set<String> readmeKeys() throws IOException {
        String readme = Files.readString(Path.of("..", "README.md"));
        int start = readme.indexOf("### JSON fields");
        String table = readme.substring(start, readme.indexOf("\n## ", start));
        Set<String> keys = new TreeSet<>();
        for (String row : table.split("\n")) {
            if (row.startsWith("| `")) {
                Matcher key = Pattern.compile("`([a-z0-9_]+)`").matcher(row.substring(0, row.indexOf('|', 1)));
                while (key.find()) {
                    keys.add(key.group(1));
                }
            }
        }
        return keys;
    }

    /** The bold word after each .TP of the man page's JSON FIELDS section. */
    private static Set<String> manPageKeys() throws IOException {
        List<String> lines = Files.readAllLines(Path.of("..", "packaging", "xdpdump.8"));
        List<String> keys = new ArrayList<>();
        boolean inSection = false;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith(".SH ")) {
                inSection = lines.get(i).equals(".SH JSON FIELDS");
            } else if (inSection && lines.get(i).equals(".TP") && lines.get(i + 1).startsWith(".B ")) {
                keys.add(lines.get(i + 1).substring(3).replace("\\-", "-").trim());
            }
        }
        return new TreeSet<>(keys);
    }
}
