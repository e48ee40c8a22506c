package dev.xdpdump.bpf;

/**
 * The program's counters summed over CPUs ({@code struct xdpdump_counters} in capture-bpf/xdpdump_event.h).
 * Invariant kept by the program: {@code matched == emitted + emitFailed}.
 */
public record ProgramCounters(long frames, long matched, long emitted, long emitFailed) {}
