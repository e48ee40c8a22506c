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

    /**
     * The books so far, while capturing, for a sink that writes them before its end (pcapng's statistics blocks in
     * each file it rotates out). Built by the pipeline, called on the sink's thread when a file closes; allocates.
     */
    @FunctionalInterface
    interface Source {
        /** A snapshot of the books now, or null when they cannot be read (the run is not started or has ended). */
        Totals now();
    }

    /**
     * The program's books for one interface: frames it saw there, connection requests that passed the filter
     * expression (all of them without one), events lost in the kernel rings.
     */
    record InterfaceTotals(long framesSeen, long accepted, long lost) {}

    /** The books of the interface {@code ifindex}, or null when there are none per interface (a file). */
    default InterfaceTotals interfaceTotals(int ifindex) {
        return null;
    }
}
