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
 * ({@code written_pcap}, {@code written_json}); with several interfaces, the program's counters come again for each,
 * carrying its name ({@code matched_eth0}). Used by one thread at a time.
 */
public final class Counters implements Totals {
    /** Program and reader counters, in this order, then {@link #PER_OUTPUT} for each output. */
    private static final String[] STAGE_NAMES = {"frames_seen", "unparsed", "matched", "filtered", "emitted", "lost",
        "lost_no_ring", "lost_other", "read", "reported_lost", "malformed", "left_in_rings",
        "order_given_up"};
    /** Where the reader's counters start among the names. */
    private static final int READER = 8;
    private static final String[] PER_OUTPUT = {"written", "not_written", "write_errors"};
    /** After {@link #PER_OUTPUT}, for an output that delivers later (Kafka): what it handed on and was not delivered. */
    private static final String[] PER_DELIVERY = {"not_delivered_refused", "not_delivered_unacked"};
    /** The program's counters among the stage names: the part each interface has of its own. */
    private static final int PROGRAM_NAMES = READER;
    private static final byte[] STATS = "stats:".getBytes(StandardCharsets.US_ASCII);

    /** Values in {@link #names} order. */
    private final long[] values;
    private final String[] names;
    /** " name=" as bytes, for the stats line. */
    private final byte[][] labels;
    /** The program's counters in {@link ProgramCounters#FIELDS} order, as the lookup fills them. */
    final long[] program = new long[ProgramCounters.FIELDS];
    /** Each interface's program counters, likewise; empty unless there are several interfaces. */
    final long[][] interfacePrograms;
    private final int firstInterface;
    /** Where each output's counters start among the names. */
    private final int[] outputAt;

    /** @param kinds each output's format word, in output order */
    public Counters(List<String> kinds) {
        this(kinds, List.of());
    }

    /**
     * @param kinds each output's format word, in output order
     * @param interfaces the interfaces' names, in capture order: each gets its own program counters when there are
     *     several
     */
    public Counters(List<String> kinds, List<String> interfaces) {
        List<String> all = new ArrayList<>(List.of(STAGE_NAMES));
        outputAt = new int[kinds.size()];
        for (int o = 0; o < kinds.size(); o++) {
            String kind = kinds.get(o);
            outputAt[o] = all.size();
            for (String name : PER_OUTPUT) {
                all.add(kinds.size() > 1 ? name + "_" + kind : name);
            }
            if (Summary.DELIVERING_KIND.equals(kind)) {
                for (String name : PER_DELIVERY) {
                    all.add(kinds.size() > 1 ? name + "_" + kind : name);
                }
            }
        }
        firstInterface = all.size();
        int perInterface = interfaces.size() > 1 ? interfaces.size() : 0;
        interfacePrograms = new long[perInterface][ProgramCounters.FIELDS];
        for (int i = 0; i < perInterface; i++) {
            for (int n = 0; n < PROGRAM_NAMES; n++) {
                all.add(STAGE_NAMES[n] + "_" + interfaces.get(i));
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
        Counters counters = new Counters(books.outputs().stream().map(Summary.Output::kind).toList(),
                books.interfaces().stream().map(Summary.Interface::name).toList());
        fields(books.program(), counters.program);
        for (int i = 0; i < counters.interfacePrograms.length; i++) {
            fields(books.interfaces().get(i).program(), counters.interfacePrograms[i]);
        }
        counters.takeProgram();
        Summary.Reader r = books.reader();
        counters.setReader(r.read(), r.reportedLost(), r.malformed(), r.leftInRings(), r.orderGivenUp());
        for (int i = 0; i < books.outputs().size(); i++) {
            Summary.Output o = books.outputs().get(i);
            counters.setOutput(i, o.written(), o.notWritten(), o.writeErrors());
            if (o.delivers()) {
                counters.setDelivery(i, o.refused(), o.unacknowledged());
            }
        }
        return counters;
    }

    private static void fields(ProgramCounters p, long[] into) {
        long[] fields = {p.frames(), p.matched(), p.emitted(), p.lostRingFull(), p.lostNoRing(), p.lostOther(),
            p.unparsed(), p.filtered()};
        System.arraycopy(fields, 0, into, 0, fields.length);
    }

    /**
     * Takes {@link #program} and {@link #interfacePrograms}, just filled in the struct's order, into the stage order
     * of the names.
     */
    void takeProgram() {
        take(program, 0);
        for (int i = 0; i < interfacePrograms.length; i++) {
            take(interfacePrograms[i], firstInterface + i * PROGRAM_NAMES);
        }
    }

    private void take(long[] struct, int at) {
        values[at] = struct[0]; // frames_seen
        values[at + 1] = struct[6]; // unparsed
        values[at + 2] = struct[1]; // matched
        values[at + 3] = struct[7]; // filtered
        values[at + 4] = struct[2]; // emitted
        values[at + 5] = struct[3]; // lost: the ring was full
        values[at + 6] = struct[4]; // lost_no_ring
        values[at + 7] = struct[5]; // lost_other
    }

    void setReader(long read, long reportedLost, long malformed, long leftInRings) {
        setReader(read, reportedLost, malformed, leftInRings, 0);
    }

    /**
     * @param orderGivenUp drains that handed on events out of time order because a ring was more than half full:
     *     not a term of the books (nothing is dropped), shown so the user knows the order was not kept
     */
    void setReader(long read, long reportedLost, long malformed, long leftInRings, long orderGivenUp) {
        values[READER] = read;
        values[READER + 1] = reportedLost;
        values[READER + 2] = malformed;
        values[READER + 3] = leftInRings;
        values[READER + 4] = orderGivenUp;
    }

    void setOutput(int output, long written, long notWritten, long writeErrors) {
        int at = outputAt[output];
        values[at] = written;
        values[at + 1] = notWritten;
        values[at + 2] = writeErrors;
    }

    /** For an output of {@link Summary#DELIVERING_KIND}: handed on and not delivered, by cause. */
    void setDelivery(int output, long refused, long unacknowledged) {
        int at = outputAt[output] + PER_OUTPUT.length;
        values[at] = refused;
        values[at + 1] = unacknowledged;
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
