package dev.xdpdump.e2e;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.fail;

/** The counters of xdpdump's exit summary, read back from its stderr lines the way a script would. */
record Books(long written, long lost, long matched, long framesSeen, long unparsed, long emitted, long lostNoRing,
             long lostOther, long read, long reportedLost, long malformed, long leftInRings, long notWritten,
             long writeErrors) {
    private static final Pattern LINE = Pattern.compile("(\\d+) (.+)");

    static Books of(List<String> stderr) {
        return new Books(
                counter(stderr, "events written"),
                counter(stderr, "events lost in kernel rings"),
                counter(stderr, "connection requests matched by the program"),
                counter(stderr, "frames seen by the program"),
                counter(stderr, "frames the program could not parse (cut short, or too many VLAN tags or IPv6"
                        + " extension headers)"),
                counter(stderr, "events emitted by the program"),
                counter(stderr, "events lost: no perf ring on their CPU"),
                counter(stderr, "events lost: perf output failed otherwise"),
                counter(stderr, "events read from the rings"),
                counter(stderr, "events reported lost by the rings (PERF_RECORD_LOST)"),
                counter(stderr, "malformed ring records skipped"),
                counter(stderr, "events left in the rings when xdpdump gave up"),
                counter(stderr, "events received but not written (count reached, output closed or given up)"),
                counter(stderr, "write errors"));
    }

    private static long counter(List<String> stderr, String words) {
        for (String line : stderr) {
            Matcher m = LINE.matcher(line);
            if (m.matches() && m.group(2).equals(words)) {
                return Long.parseLong(m.group(1));
            }
        }
        return fail("no summary line '<N> " + words + "' in stderr:\n" + String.join("\n", stderr));
    }

    /** True when every matched connection request is written, lost, not written, left behind or malformed. */
    boolean balance() {
        return matched == written + lost + lostNoRing + lostOther + notWritten + leftInRings + malformed;
    }
}
