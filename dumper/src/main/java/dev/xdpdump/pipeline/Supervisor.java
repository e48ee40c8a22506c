package dev.xdpdump.pipeline;

import dev.xdpdump.sink.OutputBuffer;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.InterfaceWatch;
import dev.xdpdump.sys.Pipes;

import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The one place that waits for a running capture to end, then stops it. Stop reasons come from small sources: a
 * signal, {@code -c} and the last output gone (all through the {@link StopSignal}), the last interface deleted or set
 * down (one of several going ends only its part), and the pipe behind standard output losing its reader (which ends
 * that output only). Meanwhile it prints a
 * stats line every N seconds and gives up on an output that stalled while others still take data. Runs on the
 * caller's thread; the checks and the stats lines allocate nothing.
 */
public final class Supervisor {
    /** Receives one stats line, newline included; the buffer is reused for the next line. */
    @FunctionalInterface
    public interface StatsLine {
        void print(OutputBuffer line);
    }

    /** Hears of an interface deleted or set down while capturing, once per interface. */
    @FunctionalInterface
    public interface InterfaceLost {
        /**
         * @param i the interface's place among the watched ones
         * @param last true when no interface is left: the capture stops with that reason
         */
        void lost(int i, InterfaceWatch.State state, boolean last);
    }

    /** How often the interfaces, the pipe and the outputs are checked. */
    private static final int CHECK_MILLIS = 250;
    private static final int STDOUT_FD = 1;

    private final Run capture;
    private final StopSignal stop;
    private final List<InterfaceWatch> interfaceWatches;
    private final boolean[] lost;
    private int interfacesLeft;
    private final InterfaceLost onLost;
    private final int stdoutPipe;
    private final long statsNanos;
    private final StatsLine stats;
    private final Counters counters;
    private final OutputBuffer line = new OutputBuffer(1024);

    /**
     * @param interfaceWatches the interfaces to watch, in capture order; none when reading a file
     * @param onLost told of each interface that goes away or down
     * @param stdoutPipe the index of the output that writes to a pipe on standard output, or -1: without the check an
     *     idle capture would learn only at its next write that `| head` has gone
     * @param statsSeconds 0 for no stats lines
     */
    public Supervisor(Run capture, StopSignal stop, List<InterfaceWatch> interfaceWatches, InterfaceLost onLost,
                      int stdoutPipe, int statsSeconds, StatsLine stats) {
        this.capture = capture;
        this.stop = stop;
        this.interfaceWatches = List.copyOf(interfaceWatches);
        this.lost = new boolean[interfaceWatches.size()];
        this.interfacesLeft = interfaceWatches.size();
        this.onLost = onLost;
        this.stdoutPipe = stdoutPipe;
        this.statsNanos = TimeUnit.SECONDS.toNanos(statsSeconds);
        this.stats = stats;
        this.counters = capture.newCounters();
    }

    /** Blocks until a stop reason comes, then stops the capture and returns its books. */
    public Summary run() throws ErrnoException {
        long nextStats = System.nanoTime() + statsNanos;
        try {
            while (!stop.await(waitMillis(nextStats))) {
                if (statsNanos > 0 && System.nanoTime() - nextStats >= 0) {
                    nextStats += statsNanos;
                    capture.readCounters(counters);
                    line.clear();
                    counters.writeStatsLine(line);
                    stats.print(line);
                }
                check();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop.request(StopSignal.Reason.SIGNAL);
        }
        return capture.stop();
    }

    private void check() {
        for (int i = 0; i < lost.length; i++) {
            InterfaceWatch.State state = lost[i] ? InterfaceWatch.State.UP : interfaceWatches.get(i).check();
            if (state == InterfaceWatch.State.UP) {
                continue;
            }
            lost[i] = true;
            interfacesLeft--;
            onLost.lost(i, state, interfacesLeft == 0);
            if (interfacesLeft == 0) {
                stop.request(state == InterfaceWatch.State.GONE ? StopSignal.Reason.INTERFACE_GONE
                        : StopSignal.Reason.INTERFACE_DOWN);
            }
        }
        if (stdoutPipe >= 0 && Pipes.readerGone(STDOUT_FD)) {
            capture.outputReaderGone(stdoutPipe);
        }
        capture.giveUpOnStalledOutputs();
    }

    /** Until the next check, or the next stats line when that comes sooner. */
    private long waitMillis(long nextStats) {
        if (statsNanos == 0) {
            return CHECK_MILLIS;
        }
        long untilStats = TimeUnit.NANOSECONDS.toMillis(nextStats - System.nanoTime());
        return Math.max(1, Math.min(CHECK_MILLIS, untilStats));
    }
}
