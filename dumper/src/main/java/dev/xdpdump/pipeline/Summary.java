package dev.xdpdump.pipeline;

import dev.xdpdump.bpf.ProgramCounters;
import dev.xdpdump.sink.OutputBuffer;
import dev.xdpdump.sink.Totals;

import java.nio.charset.StandardCharsets;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The books of one capture, stage by stage: the program's counters, the reader's, and each output's.
 *
 * <p>Read after everything stopped, the books balance exactly, for every output:
 * {@code matched == written + lost (ring full, no ring, other) + notWritten + leftInRings + malformed + filtered}. Read while
 * capturing (a stats line), events still in the rings or queued are in none of the last three, so only
 * {@code matched >=} the sum holds.
 *
 * @param program the XDP program's counters, summed over CPUs and interfaces
 * @param reader what the reader thread took out of the rings
 * @param outputs what each output took, in the order the command line gave them
 * @param interfaces the program's counters of each interface, in the order the command line gave them; none for a
 *     file
 */
public record Summary(ProgramCounters program, Reader reader, List<Output> outputs, List<Interface> interfaces)
        implements Totals {

    public Summary {
        outputs = List.copyOf(outputs);
        interfaces = List.copyOf(interfaces);
        if (outputs.isEmpty()) {
            throw new IllegalArgumentException("a capture has at least one output");
        }
    }

    /** Books without interfaces: a file read with -r. */
    public Summary(ProgramCounters program, Reader reader, List<Output> outputs) {
        this(program, reader, outputs, List.of());
    }

    /** One interface's part of the program's books. */
    public record Interface(String name, int ifindex, ProgramCounters program) {}

    /**
     * The reader's stage.
     *
     * @param read samples taken out of the rings
     * @param reportedLost the kernel's PERF_RECORD_LOST total
     * @param reportedLostByCpu the same per CPU, in CPU order
     * @param malformed records and samples whose lengths made no sense, skipped
     * @param leftInRings events the program emitted that were never handed on: still in the rings (or in the
     *     reader's hands, or held back for time order) when a second signal stopped the capture at once; 0 on
     *     every other stop
     * @param orderGivenUp drains that handed events on out of time order because a ring was more than half full
     *     (never a loss: not a term of the books)
     */
    public record Reader(long read, long reportedLost, Map<Integer, Long> reportedLostByCpu, long malformed,
                         long leftInRings, long orderGivenUp) {
        public Reader(long read, long reportedLost, Map<Integer, Long> reportedLostByCpu, long malformed,
                      long leftInRings) {
            this(read, reportedLost, reportedLostByCpu, malformed, leftInRings, 0);
        }

        public Reader {
            reportedLostByCpu = Collections.unmodifiableMap(new TreeMap<>(reportedLostByCpu));
        }
    }

    /**
     * One output's stage.
     *
     * @param name for the summary: a path, or "standard output"
     * @param kind the format's word (pcap, json, hex): names the output's counters when there are several
     * @param written events the output took: records in the file, lines on the pipe
     * @param notWritten events handed to the output stage but not taken: after {@code -c}, after the output closed,
     *     failed or was given up on, or queued when a second signal came
     * @param writeErrors writes that failed
     */
    public record Output(String name, String kind, long written, long notWritten, long writeErrors, long refused,
                         long unacknowledged) {
        /** An output that writes what it takes (every kind but Kafka): nothing refused or unacknowledged. */
        public Output(String name, String kind, long written, long notWritten, long writeErrors) {
            this(name, kind, written, notWritten, writeErrors, 0, 0);
        }

        /** Kafka: written means acknowledged, and these two name what was handed on and not delivered. */
        boolean delivers() {
            return DELIVERING_KIND.equals(kind);
        }
    }

    /** The output kind whose books carry not-delivered terms ({@link Counters} names them). */
    static final String DELIVERING_KIND = "kafka";

    /** The only output, or the first. */
    public Output output() {
        return outputs.get(0);
    }

    /** What the books say is missing for {@code output}: matched minus everything accounted for; 0 when balanced. */
    public long unaccounted(Output output) {
        return program.matched() - output.written() - output.refused() - output.unacknowledged() - program.lost()
                - output.notWritten() - reader.leftInRings()
                - reader.malformed() - program.filtered();
    }

    /** What the books say is missing for the first output. */
    public long unaccounted() {
        return unaccounted(output());
    }

    /** True when every output's books balance. */
    public boolean balances() {
        return outputs.stream().allMatch(o -> unaccounted(o) == 0);
    }

    /**
     * tcpdump-style lines for stderr, plain numbers first so scripts can read them. The first lines never change:
     * events written (one line per output, "to NAME" when there are several), lost in kernel rings, connection
     * requests matched. Then one line for each counter that shows a problem and is not zero, so a clean run prints
     * just those three; {@code verbose} prints every counter, and the PERF_RECORD_LOST total of each CPU's ring.
     */
    public String toText(boolean verbose) {
        StringBuilder text = new StringBuilder();
        for (Output o : outputs) {
            text.append(o.written()).append(" events written").append(suffix(o, " to ")).append('\n');
        }
        text.append(program.lostRingFull()).append(" events lost in kernel rings\n");
        text.append(program.matched()).append(" connection requests matched by the program\n");
        line(text, verbose, true, program.frames(), "frames seen by the program");
        line(text, verbose, false, program.unparsed(), "frames the program could not parse (cut short, or too many"
                + " VLAN tags or IPv6 extension headers)");
        line(text, verbose, false, program.filtered(), "connection requests left out by the filter expression");
        line(text, verbose, true, program.emitted(), "events emitted by the program");
        line(text, verbose, false, program.lostNoRing(), "events lost: no perf ring on their CPU");
        line(text, verbose, false, program.lostOther(), "events lost: perf output failed otherwise");
        if (verbose && interfaces.size() > 1) {
            for (Interface i : interfaces) {
                ProgramCounters p = i.program();
                String on = " on " + i.name() + "\n";
                text.append(p.frames()).append(" frames seen by the program").append(on);
                text.append(p.unparsed()).append(" frames the program could not parse").append(on);
                text.append(p.matched()).append(" connection requests matched by the program").append(on);
                text.append(p.filtered()).append(" connection requests left out by the filter expression").append(on);
                text.append(p.emitted()).append(" events emitted by the program").append(on);
                text.append(p.lost()).append(" events lost in kernel rings (all causes)").append(on);
            }
        }
        line(text, verbose, true, reader.read(), "events read from the rings");
        line(text, verbose, true, reader.reportedLost(), "events reported lost by the rings (PERF_RECORD_LOST)");
        if (verbose) {
            reader.reportedLostByCpu().forEach((cpu, lost) ->
                    text.append(lost).append(" events reported lost by the ring of cpu ").append(cpu).append('\n'));
        }
        line(text, verbose, false, reader.malformed(), "malformed ring records skipped");
        line(text, verbose, false, reader.leftInRings(), "events left in the rings when xdpdump gave up");
        line(text, verbose, false, reader.orderGivenUp(), "drains that wrote events out of time order (a ring was"
                + " more than half full)");
        for (Output o : outputs) {
            line(text, verbose, false, o.notWritten(), "events received but not written (count reached, output"
                    + " closed or given up)" + suffix(o, ": "));
            line(text, verbose, false, o.writeErrors(), "write errors" + suffix(o, ": "));
            if (o.delivers()) {
                line(text, verbose, false, o.refused(), "events not delivered: refused by the Kafka client (buffer"
                        + " full or no broker)" + suffix(o, ": "));
                line(text, verbose, false, o.unacknowledged(), "events not delivered: the broker did not acknowledge"
                        + " them" + suffix(o, ": "));
            }
        }
        return text.toString();
    }

    private String suffix(Output o, String joiner) {
        return outputs.size() > 1 ? joiner + o.name() : "";
    }

    /** Informational counters (they restate the books) show only with -v; the others whenever they are not zero. */
    private static void line(StringBuilder text, boolean verbose, boolean informational, long value, String words) {
        if (verbose || (!informational && value != 0)) {
            text.append(value).append(' ').append(words).append('\n');
        }
    }

    /** The same counters on one line, as {@code --stats} prints them: {@code stats: frames_seen=... write_errors=...}. */
    public String toStatsLine() {
        OutputBuffer line = new OutputBuffer(512);
        Counters.of(this).writeStatsLine(line);
        return new String(line.toByteArray(), 0, line.size() - 1, StandardCharsets.US_ASCII);
    }

    /** The program's books for the interface {@code ifindex}, for pcapng's statistics blocks; null if none. */
    @Override
    public InterfaceTotals interfaceTotals(int ifindex) {
        for (Interface i : interfaces) {
            if (i.ifindex() == ifindex) {
                ProgramCounters p = i.program();
                return new InterfaceTotals(p.frames(), p.matched() - p.filtered(), p.lost());
            }
        }
        return null;
    }

    /** The counters under their stats names, in stage order ({@link Counters} names them). */
    @Override
    public void forEachCounter(Visitor visitor) {
        Counters.of(this).forEachCounter(visitor);
    }
}
