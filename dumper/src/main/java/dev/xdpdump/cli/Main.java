package dev.xdpdump.cli;

import dev.xdpdump.serve.ServeException;
import dev.xdpdump.sink.UnwritableOutputException;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.VerifierException;

import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;

/**
 * Entry point: parses the command line, runs the command, and turns every failure into one line on stderr and an exit
 * status (0 done, 1 failed, 2 wrong usage). Stack traces only with {@code -v}.
 */
public final class Main {
    static final int OK = 0;
    static final int FAILED = 1;
    static final int USAGE = 2;

    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args, System.err));
    }

    static int run(String[] args, PrintStream err) {
        if (args.length > 0 && args[0].equals("extcap")) {
            // Wireshark's words, not ours: a protocol of its own, parsed by the command that speaks it.
            List<String> words = Arrays.asList(args).subList(1, args.length);
            return attempt(() -> new ExtcapCommand(words, System.out, err).run(), false, err);
        }
        Options options;
        try {
            options = Options.parse(Arrays.asList(args));
        } catch (UsageException e) {
            err.println("xdpdump: " + e.getMessage());
            return USAGE;
        }
        return attempt(() -> switch (options.command()) {
            case HELP -> {
                System.out.print(Options.HELP);
                System.out.flush();
                yield OK;
            }
            case VERSION -> {
                System.out.println("xdpdump " + version());
                yield OK;
            }
            case CAPTURE -> new CaptureCommand(options, err).run();
            case CONNECT -> new ConnectCommand(options, err).run();
            case DEMO -> new DemoCommand(options, err).run();
            case LIST_INTERFACES -> InterfaceList.print(System.out);
            case PRINT_FILTER -> Expressions.print(options, System.out);
        }, options.verbose(), err);
    }

    /** A command's work, which may fail in any of the ways {@link #attempt} turns into a line and a status. */
    @FunctionalInterface
    private interface Work {
        int run() throws Exception;
    }

    private static int attempt(Work work, boolean verbose, PrintStream err) {
        try {
            return work.run();
        } catch (UsageException e) {
            err.println("xdpdump: " + e.getMessage());
            return USAGE;
        } catch (VerifierException e) {
            err.println("xdpdump: " + e.getMessage() + "; the verifier's last words:");
            err.println(verbose ? e.log() : e.tail(6));
            return FAILED;
        } catch (ErrnoException | UnwritableOutputException | CaptureFailure | ServeException e) {
            err.println("xdpdump: " + e.getMessage());
            if (verbose) {
                e.printStackTrace(err);
            }
            return FAILED;
        } catch (Exception | LinkageError e) {
            err.println("xdpdump: unexpected " + e + (verbose ? "" : " (run with -v for details)"));
            if (verbose) {
                e.printStackTrace(err);
            }
            return FAILED;
        }
    }

    static String version() {
        String version = Main.class.getPackage().getImplementationVersion();
        return version == null ? "(development build)" : version;
    }
}
