package dev.xdpdump.testing;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The CI rule, and that no test skips except through {@link Ci}, so under CI no test can pass by not running. */
class CiTest {
    private static final Path TESTS = Path.of("src/test/java");

    /** JUnit's ways to skip or disable a test without failing it, imported or spelled out in full. */
    private static final Pattern GIVING_UP = Pattern.compile(
            "Assumptions|assume(True|False)|assumingThat|TestAbortedException|\\bDisabled|\\bEnabled(If|On|For)");

    @Test
    void ciIsAnyValueButUnsetEmptyOrFalse() {
        assertFalse(Ci.isCiValue(null));
        assertFalse(Ci.isCiValue(""));
        assertFalse(Ci.isCiValue("false"));
        assertTrue(Ci.isCiValue("true"));
        assertTrue(Ci.isCiValue("1"));
        assertTrue(Ci.isCiValue("yes"));
    }

    @Test
    void onlyCiSkipsOrDisablesTests() throws IOException {
        List<String> offenders;
        try (Stream<Path> files = Files.walk(TESTS)) {
            offenders = files.filter(p -> p.toString().endsWith(".java"))
                    .filter(p -> !p.getParent().endsWith("dev/xdpdump/testing")
                            || !List.of("Ci.java", "CiTest.java").contains(p.getFileName().toString()))
                    .filter(p -> GIVING_UP.matcher(read(p)).find())
                    .map(Path::toString)
                    .toList();
        }
        assertEquals(List.of(), offenders, "tests that skip or are disabled without going through Ci.skipOrFail");
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
