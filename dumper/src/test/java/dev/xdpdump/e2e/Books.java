package dev.xdpdump.e2e;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/**
 * The counters of xdpdump's exit summary, read back from its stderr lines the way a script would. The first three
 * lines are always there; the others only when not zero (or with -v), so an absent one reads as 0.
 */
record Books(long written, long lost, long matched, long filtered, long framesSeen, long unparsed, long emitted,
             long lostNoRing,
             long lostOther, long read, long reportedLost, long malformed, long leftInRings, long notWritten,
             long writeErrors) {
    private static final Pattern LINE = Pattern.compile("(\\d+) (.+)");

    static Books of(List<String> stderr) {
        return of(stderr, "", "");
    }

    /** The books of {@code output} (a path, or "standard output") when the capture had several outputs. */
    static Books ofOutput(List<String> stderr, String output) {
        return of(stderr, " to " + output, ": " + output);
    }

    /** @param to what ends the written line, @param colon what ends the other per-output lines */
    private static Books of(List<String> stderr, String to, String colon) {
        return new Books(
                required(stderr, "events written" + to),
                required(stderr, "events lost in kernel rings"),
                required(stderr, "connection requests matched by the program"),
                optional(stderr, "connection requests left out by the filter expression"),
                optional(stderr, "frames seen by the program"),
                optional(stderr, "frames the program could not parse (cut short, or too many VLAN tags or IPv6"
                        + " extension headers)"),
                optional(stderr, "events emitted by the program"),
                optional(stderr, "events lost: no perf ring on their CPU"),
                optional(stderr, "events lost: perf output failed otherwise"),
                optional(stderr, "events read from the rings"),
                optional(stderr, "events reported lost by the rings (PERF_RECORD_LOST)"),
                optional(stderr, "malformed ring records skipped"),
                optional(stderr, "events left in the rings when xdpdump gave up"),
                optional(stderr, "events received but not written (count reached, output closed or given up)"
                        + colon),
                optional(stderr, "write errors" + colon));
    }

    private static long required(List<String> stderr, String words) {
        long value = counter(stderr, words);
        return value >= 0 ? value : fail("no summary line '<N> " + words + "' in stderr:\n"
                + String.join("\n", stderr));
    }

    /** The counter on the line that reads {@code <N> words}, or -1 when there is none. */
    private static long counter(List<String> stderr, String words) {
        for (String line : stderr) {
            Matcher m = LINE.matcher(line);
            if (m.matches() && m.group(2).equals(words)) {
                return Long.parseLong(m.group(1));
            }
        }
        return -1;
    }

    private static long optional(List<String> stderr, String words) {
        return Math.max(0, counter(stderr, words));
    }

    /** True when every matched connection request is written, lost, not written, left behind or malformed. */
    boolean balance() {
        return matched == written + lost + lostNoRing + lostOther + notWritten + leftInRings + malformed + filtered;
    }

    /**
     * One interface's part of the program's books, from the lines {@code -v} prints per interface when there are
     * several ({@code <N> WORDS on IFACE}); every line must be there.
     */
    record OnInterface(String iface, long framesSeen, long unparsed, long matched, long filtered, long emitted,
                       long lost) {
        static OnInterface of(List<String> stderr, String iface) {
            String on = " on " + iface;
            return new OnInterface(iface,
                    required(stderr, "frames seen by the program" + on),
                    required(stderr, "frames the program could not parse" + on),
                    required(stderr, "connection requests matched by the program" + on),
                    required(stderr, "connection requests left out by the filter expression" + on),
                    required(stderr, "events emitted by the program" + on),
                    required(stderr, "events lost in kernel rings (all causes)" + on));
        }
    }
}
