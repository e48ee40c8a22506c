package dev.xdpdump.sys;

/** The verifier rejected a program; {@link #log()} holds its whole log, {@link #tail(int)} the useful end of it. */
public final class VerifierException extends ErrnoException {
    private final String log;

    VerifierException(String operation, int errno, String log) {
        super(operation, errno, "the verifier rejected it");
        this.log = log;
    }

    public String log() {
        return log;
    }

    /** The last {@code lines} non-empty lines of the log: where the verifier stopped and why. */
    public String tail(int lines) {
        String[] all = log.strip().split("\n");
        int from = Math.max(0, all.length - lines);
        return String.join("\n", java.util.Arrays.copyOfRange(all, from, all.length));
    }
}
