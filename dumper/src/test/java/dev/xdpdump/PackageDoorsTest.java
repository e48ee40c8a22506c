package dev.xdpdump;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * Keeps each outside dependency behind its one door (ARCHITECTURE.md): only sys touches jnr, only pipeline the
 * Disruptor, and sinks see nothing but events, so they stay testable with hand-built events.
 */
class PackageDoorsTest {
    private static final Path SOURCES = Path.of("src/main/java/dev/xdpdump");

    /** What each package may import besides the JDK and itself. */
    private static final Map<String, List<String>> ALLOWED = Map.ofEntries(
            Map.entry("sys", List.of("jnr.", "com.kenai.jffi.")),
            Map.entry("bpf", List.of("dev.xdpdump.sys.")),
            Map.entry("perf", List.of("dev.xdpdump.sys.", "io.netty.buffer.")),
            Map.entry("event", List.of("io.netty.buffer.")),
            Map.entry("sink", List.of("dev.xdpdump.event.")),
            Map.entry("pipeline", List.of("com.lmax.disruptor.", "io.netty.buffer.", "dev.xdpdump.bpf.",
                    "dev.xdpdump.perf.", "dev.xdpdump.event.", "dev.xdpdump.sink.", "dev.xdpdump.sys.")),
            Map.entry("lab", List.of("dev.xdpdump.sys.")),
            Map.entry("pcapfile", List.of("org.pcap4j.", "dev.xdpdump.event.")),
            Map.entry("filter", List.of("dev.xdpdump.sys.")),
            Map.entry("kafka", List.of("org.apache.kafka.", "dev.xdpdump.sink.", "dev.xdpdump.event.")),
            Map.entry("serve", List.of("dev.xdpdump.sink.", "dev.xdpdump.event.", "dev.xdpdump.sys.")),
            Map.entry("cli", List.of("sun.misc.Signal", "dev.xdpdump.pipeline.", "dev.xdpdump.bpf.",
                    "dev.xdpdump.sink.", "dev.xdpdump.lab.", "dev.xdpdump.sys.", "dev.xdpdump.pcapfile.", "dev.xdpdump.filter.",
                    "dev.xdpdump.kafka.", "dev.xdpdump.serve.")));

    static Stream<String> packages() throws IOException {
        try (Stream<Path> dirs = Files.list(SOURCES)) {
            return dirs.filter(Files::isDirectory).map(d -> d.getFileName().toString()).collect(Collectors.toList())
                    .stream();
        }
    }

    @ParameterizedTest
    @MethodSource("packages")
    void packageImportsOnlyThroughItsDoors(String pkg) throws IOException {
        List<String> allowed = ALLOWED.get(pkg);
        assertFalse(allowed == null, "package " + pkg + " has no entry in ALLOWED (and in ARCHITECTURE.md)");
        List<String> forbidden;
        try (Stream<Path> files = Files.list(SOURCES.resolve(pkg))) {
            forbidden = files.filter(p -> p.toString().endsWith(".java"))
                    .flatMap(PackageDoorsTest::imports)
                    .filter(name -> !name.startsWith("java.") && !name.startsWith("dev.xdpdump." + pkg + "."))
                    .filter(name -> allowed.stream().noneMatch(name::startsWith))
                    .collect(Collectors.toList());
        }
        assertEquals(List.of(), forbidden, "imports of " + pkg + " outside its doors");
    }

    private static Stream<String> imports(Path file) {
        try {
            return Files.readAllLines(file).stream().map(String::strip)
                    .filter(line -> line.startsWith("import "))
                    .map(line -> line.replaceFirst("^import (static )?", "").replace(";", ""));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
