package dev.xdpdump.e2e;

import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code xdpdump demo}: the zero-setup first run captures its four attempts and removes what it made. */
class DemoIT {
    private static final Pattern NAMESPACES = Pattern.compile("^demo: namespaces (\\S+) and (\\S+) joined by veth ");
    private static final Pattern HEADER = Pattern.compile(
            "^\\S+ \\S+ \\S+ -> \\S+ Flags \\[S\\], seq \\d+, win \\d+, ttl \\d+(?:, options \\[[^\\]]*\\])?, length \\d+, caplen \\d+$");

    @Test
    void demoCapturesFourAttemptsAndRemovesItsNamespaces() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.Result demo = Xdpdump.run(null, "demo");
        assertEquals(0, demo.exitCode(), demo.describe());
        List<String> headers = demo.stdoutText().lines().filter(line -> HEADER.matcher(line).matches()).toList();
        assertEquals(4, headers.size(), demo.stdoutText());
        assertEquals(3, headers.stream().filter(h -> h.contains(" 198.18.0.2:")).count(), "IPv4: " + headers);
        assertEquals(1, headers.stream().filter(h -> h.contains(" [2001:db8::2]:")).count(), "IPv6: " + headers);
        assertTrue(demo.stderrLines().contains("4 events written"), demo.stderr());

        Matcher made = NAMESPACES.matcher(demo.stderrLines().get(0));
        assertTrue(made.find(), "the demo names its namespaces first:\n" + demo.stderr());
        Command.Result list = Command.run("ip", "netns", "list");
        assertEquals(0, list.exitCode(), list.describe());
        for (String namespace : List.of(made.group(1), made.group(2))) {
            assertTrue(namespace.startsWith("xdpdump-d"), namespace);
            assertFalse(list.stdoutText().lines().anyMatch(line -> line.split(" ")[0].equals(namespace)),
                    namespace + " left behind:\n" + list.stdoutText());
        }
    }
}
