package dev.xdpdump.sink;

/**
 * The books of a capture as a sink sees them at its end: named counters, for a trailer (JSON's stats record, pcapng's
 * statistics blocks). Built by the pipeline; sinks only read it.
 */
public interface Totals {
    /** Receives each counter in stage order. */
    @FunctionalInterface
    interface Visitor {
        void counter(String name, long value);
    }

    void forEachCounter(Visitor visitor);
}
