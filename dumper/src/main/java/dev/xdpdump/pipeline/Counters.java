package dev.xdpdump.pipeline;

import dev.xdpdump.bpf.ProgramCounters;
import dev.xdpdump.sink.OutputBuffer;
import dev.xdpdump.sink.Totals;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The books as named counters, in stage order: the one place that names each counter, from the C program's struct
 * to the stats line and JSON's stats record. A snapshot that {@link Capture#readCounters} fills in place, so a
 * stats line allocates nothing once this object is made. With several outputs, each output's counters carry its kind
 * ({@code written_pcap}, {@code written_json}). Used by one thread at a time.
 */
public final class Counters implements Totals {
    /** Program and reader counters, in this order, then {@link #PER_OUTPUT} for each output. */
    private static final String[] STAGE_NAMES = {"frames_seen", "unparsed", "matched", "filtered", "emitted", "lost",
        "lost_no_ring", "lost_other", "read", "reported_lost", "malformed", "left_in_rings"};
    /** Where the reader's counters start among the names. */
    private static final int READER = 8;
    private static final String[] PER_OUTPUT = {"written", "not_written", "write_errors"};
    private static final byte[] STATS = "stats:".getBytes(StandardCharsets.US_ASCII);

    /** Values in {@link #names} order. */
    private final long[] values;
    private final String[] names;
    /** " name=" as bytes, for the stats line. */
    private final byte[][] labels;
    /** The program's counters in {@link ProgramCounters#FIELDS} order, as the lookup fills them. */
    final long[] program = new long[ProgramCounters.FIELDS];

    /** @param kinds each output's format word, in output order */
    public Counters(List<String> kinds) {
        List<String> all = new ArrayList<>(List.of(STAGE_NAMES));
        for (String kind : kinds) {
            for (String name : PER_OUTPUT) {
                all.add(kinds.size() > 1 ? name + "_" + kind : name);
            }
        }
        names = all.toArray(String[]::new);
        values = new long[names.length];
        labels = new byte[names.length][];
        for (int i = 0; i < names.length; i++) {
            labels[i] = (" " + names[i] + "=").getBytes(StandardCharsets.US_ASCII);
        }
    }

    /** The same counters as a finished capture's books. */
    static Counters of(Summary books) {
        Counters counters = new Counters(books.outputs().stream().map(Summary.Output::kind).toList());
        ProgramCounters p = books.program();
        long[] program = {p.frames(), p.matched(), p.emitted(), p.lostRingFull(), p.lostNoRing(), p.lostOther(),
            p.unparsed(), p.filtered()};
        System.arraycopy(program, 0, counters.program, 0, program.length);
        counters.takeProgram();
        Summary.Reader r = books.reader();
        counters.setReader(r.read(), r.reportedLost(), r.malformed(), r.leftInRings());
        for (int i = 0; i < books.outputs().size(); i++) {
            Summary.Output o = books.outputs().get(i);
            counters.setOutput(i, o.written(), o.notWritten(), o.writeErrors());
        }
        return counters;
    }

    /** Takes {@link #program}, just filled in the struct's order, into the stage order of the names. */
    void takeProgram() {
        values[0] = program[0]; // frames_seen
        values[1] = program[6]; // unparsed
        values[2] = program[1]; // matched
        values[3] = program[7]; // filtered
        values[4] = program[2]; // emitted
        values[5] = program[3]; // lost: the ring was full
        values[6] = program[4]; // lost_no_ring
        values[7] = program[5]; // lost_other
    }

    void setReader(long read, long reportedLost, long malformed, long leftInRings) {
        values[READER] = read;
        values[READER + 1] = reportedLost;
        values[READER + 2] = malformed;
        values[READER + 3] = leftInRings;
    }

    void setOutput(int output, long written, long notWritten, long writeErrors) {
        int at = STAGE_NAMES.length + output * PER_OUTPUT.length;
        values[at] = written;
        values[at + 1] = notWritten;
        values[at + 2] = writeErrors;
    }

    @Override
    public void forEachCounter(Visitor visitor) {
        for (int i = 0; i < names.length; i++) {
            visitor.counter(names[i], values[i]);
        }
    }

    /** Appends {@code stats: frames_seen=... write_errors=...} and a newline; allocates nothing. */
    public void writeStatsLine(OutputBuffer line) {
        line.writeBytes(STATS);
        for (int i = 0; i < names.length; i++) {
            line.writeBytes(labels[i]).writeDecimal(values[i]);
        }
        line.writeByte('\n');
    }
}
