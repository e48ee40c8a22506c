package dev.xdpdump.filter;

/** A compiled expression the translator cannot turn into eBPF the verifier accepts; the message names why. */
public final class UnsupportedFilterException extends Exception {
    UnsupportedFilterException(String message) {
        super(message);
    }
}
