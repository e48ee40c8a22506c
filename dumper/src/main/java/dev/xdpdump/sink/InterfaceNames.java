package dev.xdpdump.sink;

import java.util.Arrays;
import java.util.Map;

/**
 * Interface names by ifindex, resolved once by the caller before capture starts, so sinks look names up without
 * system calls or allocation. Immutable; safe to share between threads.
 */
public final class InterfaceNames {
    private static final InterfaceNames NONE = new InterfaceNames(new int[0], new String[0]);

    // Sorted indexes and their names: ifindexes grow without bound on busy hosts, so no array indexed by them.
    private final int[] indexes;
    private final String[] names;

    private InterfaceNames(int[] indexes, String[] names) {
        this.indexes = indexes;
        this.names = names;
    }

    /** @param names ifindex to name, as the caller resolved them */
    public static InterfaceNames of(Map<Integer, String> names) {
        int[] indexes = names.keySet().stream().mapToInt(Integer::intValue).sorted().toArray();
        String[] sorted = new String[indexes.length];
        for (int i = 0; i < indexes.length; i++) {
            sorted[i] = names.get(indexes[i]);
        }
        return new InterfaceNames(indexes, sorted);
    }

    /** A lookup that knows no interface. */
    public static InterfaceNames none() { return NONE; }

    /** The name of {@code ifindex}, or null when it was not resolved. */
    public String nameOf(int ifindex) {
        int at = slotOf(ifindex);
        return at >= 0 ? names[at] : null;
    }

    /** How many names are known; slots run from 0 to this, exclusive. */
    int size() { return names.length; }

    /** The slot of {@code ifindex} (0 to {@link #size()}), or -1: lets a sink keep its own text per name. */
    int slotOf(int ifindex) {
        int at = Arrays.binarySearch(indexes, ifindex);
        return at >= 0 ? at : -1;
    }

    /** The name in {@code slot}. */
    String nameAt(int slot) { return names[slot]; }

    /** The ifindex in {@code slot}. */
    int ifindexAt(int slot) { return indexes[slot]; }
}
