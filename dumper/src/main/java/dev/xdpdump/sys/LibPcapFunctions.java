package dev.xdpdump.sys;

/**
 * The libpcap functions xdpdump binds: its filter compiler and its filter interpreter. Public only because jnr-ffi
 * generates its implementation in another class loader; the rest of the program uses {@link Libpcap}. Pointers
 * travel as plain addresses ({@code long}).
 */
public interface LibPcapFunctions {
    long pcap_open_dead(int linkType, int snapLength);

    int pcap_compile(long pcap, long program, String expression, int optimize, int netmask);

    String pcap_geterr(long pcap);

    void pcap_freecode(long program);

    void pcap_close(long pcap);

    int bpf_filter(long instructions, long packet, int wireLength, int capturedLength);
}
