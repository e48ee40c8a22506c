package dev.xdpdump.sink;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** Sinks see events and the JDK only, so they stay testable with hand-built events (no perf, bpf, sys or jnr). */
class SinkImportsTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/xdpdump/sink");
    private static final List<String> ALLOWED = List.of("java.", "dev.xdpdump.event.", "dev.xdpdump.sink.");

    @Test
    void sinkSourcesImportOnlyTheJdkAndEvents() throws IOException {
        List<String> forbidden;
        try (Stream<Path> files = Files.list(SOURCES)) {
            List<Path> sources = files.filter(p -> p.toString().endsWith(".java")).collect(Collectors.toList());
            assertFalse(sources.isEmpty(), "no sources under " + SOURCES.toAbsolutePath());
            forbidden = sources.stream()
                .flatMap(SinkImportsTest::lines)
                .filter(line -> line.startsWith("import "))
                .map(line -> line.replaceFirst("^import (static )?", ""))
                .filter(name -> ALLOWED.stream().noneMatch(name::startsWith))
                .collect(Collectors.toList());
        }
        assertEquals(List.of(), forbidden);
    }

    private static Stream<String> lines(Path file) {
        try {
            return Files.readAllLines(file).stream().map(String::strip);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
