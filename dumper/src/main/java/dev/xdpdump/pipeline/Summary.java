package dev.xdpdump.pipeline;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The books of one capture, stage by stage: the program ({@code framesSeen}, {@code matched}, {@code emitted},
 * {@code lostInKernel} = emit failures on a full perf ring), the reader ({@code recordsRead} samples,
 * {@code lostRecordsReported} from PERF_RECORD_LOST, {@code malformed} records skipped) and the sink
 * ({@code written}, {@code notWritten} after {@code -c} or a failed output, {@code writeErrors}).
 *
 * <p>Read after everything stopped, the books balance exactly: {@code matched == written + lostInKernel + notWritten
 * + malformed}. Read while capturing (a stats line), events still in the rings or queued are in none of the last
 * three, so only {@code matched >= written + lostInKernel + notWritten + malformed} holds.
 *
 * @param lostRecordsByCpu PERF_RECORD_LOST totals per CPU, in CPU order
 */
public record Summary(long framesSeen, long matched, long emitted, long lostInKernel, long recordsRead,
                      long lostRecordsReported, Map<Integer, Long> lostRecordsByCpu, long malformed, long written,
                      long notWritten, long writeErrors) {

    public Summary {
        lostRecordsByCpu = Collections.unmodifiableMap(new TreeMap<>(lostRecordsByCpu));
    }

    /** What the books say is missing: matched minus everything accounted for; 0 when a stopped capture balances. */
    public long unaccounted() {
        return matched - written - lostInKernel - notWritten - malformed;
    }

    /**
     * tcpdump-style lines for stderr, one counter each, plain numbers first so scripts can read them. The first three
     * lines never change. {@code verbose} adds the PERF_RECORD_LOST total of each CPU's ring.
     */
    public String toText(boolean verbose) {
        StringBuilder text = new StringBuilder();
        text.append(written).append(" events written\n");
        text.append(lostInKernel).append(" events lost in kernel rings\n");
        text.append(matched).append(" connection requests matched by the program\n");
        text.append(framesSeen).append(" frames seen by the program\n");
        text.append(emitted).append(" events emitted by the program\n");
        text.append(recordsRead).append(" events read from the rings\n");
        text.append(lostRecordsReported).append(" events reported lost by the rings (PERF_RECORD_LOST)\n");
        if (verbose) {
            lostRecordsByCpu.forEach((cpu, lost) ->
                    text.append(lost).append(" events reported lost by the ring of cpu ").append(cpu).append('\n'));
        }
        text.append(malformed).append(" malformed ring records skipped\n");
        text.append(notWritten).append(" events received but not written (count reached or output closed)\n");
        text.append(writeErrors).append(" write errors\n");
        return text.toString();
    }

    /** The same counters on one line, for {@code --stats}: {@code stats: frames_seen=... write_errors=...}. */
    public String toStatsLine() {
        StringBuilder line = new StringBuilder("stats:");
        forEachCounter((name, value) -> line.append(' ').append(name).append('=').append(value));
        return line.toString();
    }

    /** The same counters as one flat JSON object, {@code {"type":"stats",...}}, numbers as numbers, no newline. */
    public String toJson() {
        StringBuilder json = new StringBuilder("{\"type\":\"stats\"");
        forEachCounter((name, value) -> json.append(",\"").append(name).append("\":").append(value));
        return json.append('}').toString();
    }

    private interface CounterVisitor {
        void visit(String name, long value);
    }

    /** The counters' names in stats lines and JSON, in stage order. */
    private void forEachCounter(CounterVisitor visitor) {
        visitor.visit("frames_seen", framesSeen);
        visitor.visit("matched", matched);
        visitor.visit("emitted", emitted);
        visitor.visit("lost", lostInKernel);
        visitor.visit("read", recordsRead);
        visitor.visit("reported_lost", lostRecordsReported);
        visitor.visit("malformed", malformed);
        visitor.visit("written", written);
        visitor.visit("not_written", notWritten);
        visitor.visit("write_errors", writeErrors);
    }
}
