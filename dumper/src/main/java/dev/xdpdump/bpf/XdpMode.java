package dev.xdpdump.bpf;

/** Where the program runs: in the driver (native), in the generic receive path (skb), or native where possible. */
public enum XdpMode {
    AUTO(0, "auto"),
    NATIVE(1 << 2, "native"),   // XDP_FLAGS_DRV_MODE
    GENERIC(1 << 1, "generic"); // XDP_FLAGS_SKB_MODE

    final int flags;
    private final String word;

    XdpMode(int flags, String word) {
        this.flags = flags;
        this.word = word;
    }

    /** The word users type and read: {@code auto}, {@code native}, {@code generic}. */
    public String word() {
        return word;
    }

    public static XdpMode parse(String word) {
        for (XdpMode mode : values()) {
            if (mode.word.equals(word)) {
                return mode;
            }
        }
        throw new IllegalArgumentException("--mode takes auto, native or generic, not '" + word + "'");
    }
}
