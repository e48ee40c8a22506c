package dev.xdpdump.e2e;

import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Filter expressions with {@code -r}, against libpcap itself: for each expression, the connection requests xdpdump
 * writes are exactly the connection requests of the corpus that {@code tcpdump -r corpus.pcap EXPR} prints. Which
 * frames are requests comes from how the test built them, not from either tool.
 */
class FilterExpressionIT {
    private static final Pattern SPORT = Pattern.compile("\"sport\":(\\d+),");

    private static Path corpusFile;

    @TempDir
    static Path directory;

    @BeforeAll
    static void writeCorpus() throws Exception {
        corpusFile = FilterCorpus.SENT.write(directory.resolve("corpus.pcap"));
        // for nobody: the directory JUnit made is root's alone
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(corpusFile, PosixFilePermissions.fromString("rw-r--r--"));
    }

    private static Set<Integer> whatLibpcapSelects(String expression) throws Exception {
        return FilterCorpus.SENT.whatLibpcapSelects(corpusFile, expression);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("dev.xdpdump.e2e.FilterCorpus#expressions")
    void writesExactlyTheConnectionRequestsLibpcapSelects(String expression) throws Exception {
        Set<Integer> expected = whatLibpcapSelects(expression);
        Command.Result run = Xdpdump.run(null, "-r", corpusFile.toString(), "json", expression);
        assertEquals(0, run.exitCode(), run.describe());
        Set<Integer> written = new TreeSet<>();
        for (String line : run.stdoutText().lines().toList()) {
            Matcher m = SPORT.matcher(line);
            assertTrue(m.find(), line);
            written.add(Integer.parseInt(m.group(1)));
        }
        assertEquals(expected, written, "'" + expression + "'");
        assertEquals(expected.size(), run.stdoutText().lines().count(), "each request once: " + run.stdoutText());
        Books books = Books.of(run.stderrLines());
        long requests = FilterCorpus.SENT.requests();
        assertEquals(requests, books.matched(), run.stderr());
        assertEquals(requests - expected.size(), books.filtered(), run.stderr());
        assertTrue(books.balance(), run.stderr());
    }

    /** The source ports of the JSON lines of {@code run}, which must have ended well, each request once. */
    private static Set<Integer> written(Command.Result run) {
        assertEquals(0, run.exitCode(), run.describe());
        Set<Integer> written = new TreeSet<>();
        for (String line : run.stdoutText().lines().toList()) {
            Matcher m = SPORT.matcher(line);
            assertTrue(m.find(), line);
            assertTrue(written.add(Integer.parseInt(m.group(1))), "written twice: " + line);
        }
        Books books = Books.of(run.stderrLines());
        assertEquals(FilterCorpus.SENT.requests() - written.size(), books.filtered(), run.stderr());
        assertTrue(books.balance(), run.stderr());
        return written;
    }

    @Test
    void standardInputIsFilteredAsTheFileIs() throws Exception {
        String expression = "tcp dst port 80 and not vlan";
        Command.Result run = Command.run(Command.DEFAULT_TIMEOUT, null, "bash", "-c",
                "\"$0\" -r - json \"$2\" < \"$1\"", Lab.launcher(), corpusFile.toString(), expression);
        assertEquals(whatLibpcapSelects(expression), written(run));
    }

    @Test
    void unprivilegedUserFiltersAFile() throws Exception {
        Privileges.requireCaptureCapabilities(); // root, to become nobody
        String expression = "(vlan 100 or ip6) and tcp[13] & 2 != 0";
        Command.Result run = Command.run(Command.DEFAULT_TIMEOUT, null, "setpriv", "--reuid=65534",
                "--regid=65534", "--clear-groups", "--inh-caps=-all", Lab.launcher(), "-r", corpusFile.toString(),
                "json", expression);
        assertEquals(whatLibpcapSelects(expression), written(run));
    }

    @Test
    void badExpressionIsLibpcapsOneLineAndStatusTwo() throws Exception {
        Command.Result run = Xdpdump.run(null, "-r", corpusFile.toString(), "json", "tcp", "prot", "80");
        assertEquals(2, run.exitCode(), run.describe());
        assertEquals(1, run.stderrLines().size(), run.stderr());
        assertTrue(run.stderrLines().get(0).startsWith("xdpdump: bad filter expression 'tcp prot 80': "),
                run.stderr());
    }

    @Test
    void expressionFromAFileWorksLikeOnTheCommandLine() throws Exception {
        Path file = Files.writeString(directory.resolve("expr.txt"), "tcp dst port 80\n  and not ip6\n");
        Command.Result run = Xdpdump.run(null, "-r", corpusFile.toString(), "-F", file.toString(), "json");
        assertEquals(0, run.exitCode(), run.describe());
        assertEquals(whatLibpcapSelects("tcp dst port 80 and not ip6").size(), run.stdoutText().lines().count(),
                run.stdoutText());
    }
}
