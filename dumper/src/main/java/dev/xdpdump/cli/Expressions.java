package dev.xdpdump.cli;

import dev.xdpdump.filter.FilterExpression;
import dev.xdpdump.filter.UnsupportedFilterException;
import dev.xdpdump.sys.Libpcap;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;

/** The filter expression of a command line: its text (the words, or {@code -F FILE}), compiled, or printed by -d. */
final class Expressions {
    private Expressions() {}

    /** The filter expression from the command line or from {@code -F FILE}, or null for none. */
    static String text(Options options) throws UsageException {
        if (options.expressionFile() == null) {
            return options.expression();
        }
        try {
            String text = Files.readString(Path.of(options.expressionFile())).replaceAll("\\s+", " ").trim();
            if (text.isEmpty()) {
                throw new UsageException("-F " + options.expressionFile() + " holds no filter expression");
            }
            return text;
        } catch (IOException | UncheckedIOException | InvalidPathException e) {
            throw new UsageException("-F " + options.expressionFile() + ": cannot read it (" + e.getMessage() + ")");
        }
    }

    /** {@code text} compiled by libpcap and translated for the kernel; each refusal is one line for the user. */
    static FilterExpression compile(String text) throws UsageException, CaptureFailure {
        try {
            return FilterExpression.compile(text);
        } catch (Libpcap.CompileException e) {
            throw new UsageException("bad filter expression '" + text + "': " + e.getMessage()
                    + " (see pcap-filter(7))");
        } catch (UnsupportedFilterException e) {
            throw new UsageException("filter expression '" + text + "' cannot run in the kernel: "
                    + e.getMessage() + "; 'xdpdump -d EXPR' shows the program, -r FILE runs any expression");
        } catch (Libpcap.UnavailableException e) {
            throw new CaptureFailure(e.getMessage() + ", which compiles filter expressions", e);
        }
    }

    /**
     * {@code -d}: the classic program libpcap compiles, as {@code tcpdump -d} prints it, then the eBPF the kernel
     * runs on each connection request. No expression prints the program that keeps everything, as tcpdump does.
     */
    static int print(Options options, PrintStream out) throws UsageException, CaptureFailure {
        String text = text(options) == null ? "" : text(options);
        FilterExpression expression;
        try {
            expression = compile(text);
        } catch (UsageException refused) {
            printClassicIfCompiles(text, out); // what libpcap made of it, if only the translation failed
            throw refused;
        }
        out.print(expression.classicListing());
        out.println();
        out.println("; eBPF run on each connection request: r1 frame start, r2 frame end, r3 length on the wire;"
                + " w0 != 0 keeps it (" + expression.classicLength() + " classic, " + expression.ebpfLength()
                + " eBPF instructions)");
        out.print(expression.ebpfListing());
        out.flush();
        return Main.OK;
    }

    private static void printClassicIfCompiles(String text, PrintStream out) {
        try {
            out.print(FilterExpression.classicListing(text));
            out.flush();
        } catch (Libpcap.CompileException | Libpcap.UnavailableException e) {
            // the refusal being thrown says it
        }
    }
}
