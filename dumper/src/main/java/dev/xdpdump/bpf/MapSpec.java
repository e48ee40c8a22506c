package dev.xdpdump.bpf;

/** A map as the object file declares it; {@code maxEntries} 0 means "decided at load time" (perf event arrays). */
record MapSpec(String name, int type, int keySize, int valueSize, int maxEntries) {}
