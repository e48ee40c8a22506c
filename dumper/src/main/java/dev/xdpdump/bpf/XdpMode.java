package dev.xdpdump.bpf;

/**
 * Where the program runs: at the XDP hook in the driver (native) or in the generic receive path before GRO (skb),
 * at tc ingress after GRO (a tcx link), or the one that costs the watched traffic least (auto).
 */
public enum XdpMode {
    AUTO(0, "auto", "auto"),
    NATIVE(1 << 2, "native", "xdp native"),   // XDP_FLAGS_DRV_MODE
    GENERIC(1 << 1, "generic", "xdp generic"), // XDP_FLAGS_SKB_MODE
    TC(0, "tc", "tc ingress");                 // a tcx link: no XDP flags

    final int flags;
    private final String word;
    private final String hook;

    XdpMode(int flags, String word, String hook) {
        this.flags = flags;
        this.word = word;
        this.hook = hook;
    }

    /** The word users type: {@code auto}, {@code native}, {@code generic}, {@code tc}. */
    public String word() {
        return word;
    }

    /** Where the program runs, as the listening line names it: {@code xdp generic}, {@code tc ingress}. */
    public String hook() {
        return hook;
    }

    public static XdpMode parse(String word) {
        for (XdpMode mode : values()) {
            if (mode.word.equals(word)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("--mode takes auto, tc, generic or native, not '" + word + "'");
    }
}
