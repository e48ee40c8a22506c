package dev.xdpdump.serve;

import dev.xdpdump.sink.OutputFormat;

import java.nio.charset.StandardCharsets;

/**
 * The request and answer lines of the sharing protocol, version 1. Small enough to type into {@code socat -
 * UNIX-CONNECT:PATH}:
 *
 * <pre>
 * client: xdpdump/1 FORMAT [count N]\n        FORMAT: json, hex, pcap or pcapng; N: stop after N events
 * server: xdpdump/1 ok FORMAT\n               then the stream, headers first (pcap header; pcapng SHB and IDBs)
 *     or: xdpdump/1 refused WHY\n             and the connection closes
 * </pre>
 *
 * Words are separated by single spaces or tabs, a carriage return before the newline is allowed (telnet, nc -C),
 * and the whole request, newline included, fits in {@link #MAX_REQUEST_BYTES}. The version word comes first so a
 * later version can change everything after it; a server refuses a version it does not speak, naming its own.
 */
public final class Protocol {
    public static final String VERSION = "xdpdump/1";
    /** Generous for the grammar above (under 40 bytes), small enough that a client cannot make the server hold much. */
    public static final int MAX_REQUEST_BYTES = 256;

    private Protocol() {}

    /** What a client asked for: a format and at most {@code count} events (0: no limit). */
    public record Request(OutputFormat format, long count) {}

    /** A request the server does not serve; {@link #getMessage()} is the WHY of the refusal line. */
    public static final class BadRequestException extends Exception {
        public BadRequestException(String why) {
            super(why);
        }
    }

    /**
     * Parses one request line, without its newline (a trailing carriage return is dropped).
     *
     * @throws BadRequestException naming what is wrong, in words fit for the refusal line
     */
    public static Request parseRequest(String line) throws BadRequestException {
        String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 && c != '\t' || c > 0x7e) {
                throw new BadRequestException("the request is not a line of printable ASCII; send '" + VERSION
                        + " json' (or hex, pcap, pcapng)");
            }
        }
        String[] words = text.strip().split("[ \t]+");
        if (words.length == 0 || words[0].isEmpty()) {
            throw new BadRequestException("empty request; send '" + VERSION + " json' (or hex, pcap, pcapng)");
        }
        if (!words[0].equals(VERSION)) {
            throw new BadRequestException(words[0].startsWith("xdpdump/")
                    ? "this server speaks " + VERSION + ", not " + words[0]
                    : "a request starts with '" + VERSION + "'; send '" + VERSION + " json' (or hex, pcap, pcapng)");
        }
        if (words.length < 2) {
            throw new BadRequestException("no format; send '" + VERSION + " json' (or hex, pcap, pcapng)");
        }
        OutputFormat format;
        try {
            format = OutputFormat.fromWord(words[1]);
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("unknown format '" + words[1] + "'; pick one of hex, json, pcap, pcapng");
        }
        long count = 0;
        if (words.length >= 3) {
            if (!words[2].equals("count") || words.length != 4) {
                throw new BadRequestException("after the format only 'count N' may follow, not '"
                        + String.join(" ", java.util.Arrays.copyOfRange(words, 2, words.length)) + "'");
            }
            count = positive(words[3]);
        }
        return new Request(format, count);
    }

    private static long positive(String word) throws BadRequestException {
        try {
            long n = Long.parseLong(word);
            if (n > 0 && word.charAt(0) != '+') {
                return n;
            }
        } catch (NumberFormatException e) {
            // fall through to the refusal
        }
        throw new BadRequestException("count takes a whole number from 1 to " + Long.MAX_VALUE + ", not '" + word
                + "'");
    }

    /** The request line a client sends, newline included. */
    public static byte[] request(OutputFormat format, long count) {
        String line = VERSION + " " + format.word() + (count > 0 ? " count " + count : "") + "\n";
        return line.getBytes(StandardCharsets.US_ASCII);
    }

    /** The server's answer when it serves the request, newline included. */
    public static byte[] accepted(OutputFormat format) {
        return (VERSION + " ok " + format.word() + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** The server's answer when it does not; {@code why} is one line (line breaks become spaces). */
    public static byte[] refused(String why) {
        return (VERSION + " refused " + why.replaceAll("[\r\n]+", " ") + "\n").getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * Reads the server's answer line (without its newline): the format it serves.
     *
     * @throws BadRequestException with the server's WHY when it refused, or saying the answer is not this protocol
     */
    public static OutputFormat parseAnswer(String line, OutputFormat asked) throws BadRequestException {
        String text = line.endsWith("\r") ? line.substring(0, line.length() - 1) : line;
        String refusedPrefix = VERSION + " refused ";
        if (text.startsWith(refusedPrefix)) {
            throw new BadRequestException(text.substring(refusedPrefix.length()));
        }
        if (!text.equals(VERSION + " ok " + asked.word())) {
            throw new BadRequestException("the server did not answer in " + VERSION + " (got '"
                    + (text.length() > 80 ? text.substring(0, 80) + "..." : text) + "')");
        }
        return asked;
    }
}
