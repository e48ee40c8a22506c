package dev.xdpdump.pcapfile;

/** A filter expression libpcap does not compile; the message is libpcap's, on one line. */
public final class BadExpressionException extends Exception {
    public BadExpressionException(String expression, String libpcapSays) {
        super("bad filter expression '" + expression + "': " + libpcapSays);
    }
}
