package dev.xdpdump.pipeline;

import dev.xdpdump.bpf.ProgramCounters;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * The books of one capture, stage by stage: the program's counters, the reader's and the output's.
 *
 * <p>Read after everything stopped, the books balance exactly:
 * {@code matched == written + lost (ring full, no ring, other) + notWritten + leftInRings + malformed}. Read while
 * capturing (a stats line), events still in the rings or queued are in none of the last three, so only
 * {@code matched >=} the sum holds.
 *
 * @param program the XDP program's counters, summed over CPUs
 * @param reader what the reader thread took out of the rings
 * @param output what the output took
 */
public record Summary(ProgramCounters program, Reader reader, Output output) {

    /**
     * The reader's stage.
     *
     * @param read samples taken out of the rings
     * @param reportedLost the kernel's PERF_RECORD_LOST total
     * @param reportedLostByCpu the same per CPU, in CPU order
     * @param malformed records and samples whose lengths made no sense, skipped
     * @param leftInRings events the program emitted that were never handed on: still in the rings (or in the
     *     reader's hands) when the capture gave up on a stalled output or a second signal; 0 on every other stop
     */
    public record Reader(long read, long reportedLost, Map<Integer, Long> reportedLostByCpu, long malformed,
                         long leftInRings) {
        public Reader {
            reportedLostByCpu = Collections.unmodifiableMap(new TreeMap<>(reportedLostByCpu));
        }
    }

    /**
     * The output's stage.
     *
     * @param written events the output took: records in the file, lines on the pipe
     * @param notWritten events handed to the output stage but not taken: after {@code -c}, after the output closed
     *     or failed, or queued when the capture gave up on it
     * @param writeErrors writes that failed
     */
    public record Output(long written, long notWritten, long writeErrors) {}

    /** What the books say is missing: matched minus everything accounted for; 0 when a stopped capture balances. */
    public long unaccounted() {
        return program.matched() - output.written() - program.lost() - output.notWritten() - reader.leftInRings()
                - reader.malformed();
    }

    /**
     * tcpdump-style lines for stderr, one counter each, plain numbers first so scripts can read them. The first three
     * lines never change. {@code verbose} adds the PERF_RECORD_LOST total of each CPU's ring.
     */
    public String toText(boolean verbose) {
        StringBuilder text = new StringBuilder();
        text.append(output.written()).append(" events written\n");
        text.append(program.lostRingFull()).append(" events lost in kernel rings\n");
        text.append(program.matched()).append(" connection requests matched by the program\n");
        text.append(program.frames()).append(" frames seen by the program\n");
        text.append(program.unparsed()).append(" frames the program could not parse (cut short, or too many VLAN"
                + " tags or IPv6 extension headers)\n");
        text.append(program.emitted()).append(" events emitted by the program\n");
        text.append(program.lostNoRing()).append(" events lost: no perf ring on their CPU\n");
        text.append(program.lostOther()).append(" events lost: perf output failed otherwise\n");
        text.append(reader.read()).append(" events read from the rings\n");
        text.append(reader.reportedLost()).append(" events reported lost by the rings (PERF_RECORD_LOST)\n");
        if (verbose) {
            reader.reportedLostByCpu().forEach((cpu, lost) ->
                    text.append(lost).append(" events reported lost by the ring of cpu ").append(cpu).append('\n'));
        }
        text.append(reader.malformed()).append(" malformed ring records skipped\n");
        text.append(reader.leftInRings()).append(" events left in the rings when xdpdump gave up\n");
        text.append(output.notWritten()).append(" events received but not written (count reached, output closed or"
                + " given up)\n");
        text.append(output.writeErrors()).append(" write errors\n");
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
        visitor.visit("frames_seen", program.frames());
        visitor.visit("unparsed", program.unparsed());
        visitor.visit("matched", program.matched());
        visitor.visit("emitted", program.emitted());
        visitor.visit("lost", program.lostRingFull());
        visitor.visit("lost_no_ring", program.lostNoRing());
        visitor.visit("lost_other", program.lostOther());
        visitor.visit("read", reader.read());
        visitor.visit("reported_lost", reader.reportedLost());
        visitor.visit("malformed", reader.malformed());
        visitor.visit("left_in_rings", reader.leftInRings());
        visitor.visit("written", output.written());
        visitor.visit("not_written", output.notWritten());
        visitor.visit("write_errors", output.writeErrors());
    }
}
