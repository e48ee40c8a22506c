package dev.xdpdump.cli;

/** Capture could not start or ended badly; the message is the one line the user sees. */
final class CaptureFailure extends Exception {
    CaptureFailure(String message) {
        super(message);
    }

    CaptureFailure(String message, Throwable cause) {
        super(message, cause);
    }
}
