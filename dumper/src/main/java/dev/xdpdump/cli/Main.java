package dev.xdpdump.cli;

import dev.xdpdump.serve.ServeException;
import dev.xdpdump.sink.UnwritableOutputException;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.VerifierException;

import java.io.PrintStream;
import java.util.Arrays;

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
        Options options;
        try {
            options = Options.parse(Arrays.asList(args));
        } catch (UsageException e) {
            err.println("xdpdump: " + e.getMessage());
            return USAGE;
        }
        try {
            return switch (options.command()) {
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
            };
        } catch (UsageException e) {
            err.println("xdpdump: " + e.getMessage());
            return USAGE;
        } catch (VerifierException e) {
            err.println("xdpdump: " + e.getMessage() + "; the verifier's last words:");
            err.println(options.verbose() ? e.log() : e.tail(6));
            return FAILED;
        } catch (ErrnoException | UnwritableOutputException | CaptureFailure | ServeException e) {
            err.println("xdpdump: " + e.getMessage());
            if (options.verbose()) {
                e.printStackTrace(err);
            }
            return FAILED;
        } catch (Exception | LinkageError e) {
            err.println("xdpdump: unexpected " + e + (options.verbose() ? "" : " (run with -v for details)"));
            if (options.verbose()) {
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
