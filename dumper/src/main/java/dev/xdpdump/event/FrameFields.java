package dev.xdpdump.event;

/**
 * The header fields of a captured SYN that sinks print, decoded from a {@link CaptureEvent} into this reusable object.
 *
 * <p>Each field is either present or absent: absent when the captured prefix ends before it (a small snap length) or
 * when the event's offsets do not point at a plausible IP/TCP header. {@link #decode} trusts none of the event's
 * numbers: it checks every read against both {@code capturedLength} and the frame array, never throws, and never
 * allocates. One instance belongs to one thread (a sink's); its state is valid until the next {@code decode}.
 */
public final class FrameFields {
    private static final int SOURCE = 1;
    private static final int DESTINATION = 1 << 1;
    private static final int SOURCE_PORT = 1 << 2;
    private static final int DESTINATION_PORT = 1 << 3;
    private static final int SEQ = 1 << 4;
    private static final int FLAGS = 1 << 5;
    private static final int WINDOW = 1 << 6;
    private static final int TTL = 1 << 7;
    private static final int IPV6_EXTENSIONS = 1 << 8;
    private static final int IP_ID = 1 << 9;
    private static final int IP_FLAGS = 1 << 10;
    private static final int TOS = 1 << 11;
    private static final int IP_OPTS = 1 << 12;
    private static final int FLOW = 1 << 13;
    private static final int ACK = 1 << 14;
    private static final int URP = 1 << 15;
    private static final int OPTIONS = 1 << 16;
    private static final int PAYLOAD = 1 << 17;
    private static final int DATA_OFFSET = 1 << 18;

    private static final int IPV4_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int IPPROTO_HOPOPTS = 0;
    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_ROUTING = 43;
    private static final int IPPROTO_FRAGMENT = 44;
    private static final int IPPROTO_AH = 51;
    private static final int IPPROTO_DSTOPTS = 60;
    /** IPV6_MAX_EXTENSIONS in capture-bpf/xdpdump.bpf.c: the program emits no SYN behind a longer chain. */
    public static final int MAX_IPV6_EXTENSIONS = 8;

    private final byte[] sourceAddress = new byte[16];
    private final byte[] destinationAddress = new byte[16];
    private final int[] ipv6Extensions = new int[MAX_IPV6_EXTENSIONS];
    private int ipv6ExtensionCount;
    private int present;
    private int ipVersion;
    private int sourcePort;
    private int destinationPort;
    private long seq;
    private int flags;
    private int window;
    private int ttl;
    private int ipId;
    private int ipFlags;
    private int tos;
    private int ipOptsLength;
    private int flow;
    private long ack;
    private int urp;
    private int dataOffsetByte;
    private int payloadLength;
    private final TcpOptions options = new TcpOptions();

    /** Replaces this object's fields with those of {@code event}; fields the bytes do not reach become absent. */
    public FrameFields decode(CaptureEvent event) {
        present = 0;
        ipVersion = 0;
        sourcePort = destinationPort = flags = window = ttl = ipv6ExtensionCount = 0;
        seq = ack = 0;
        ipId = ipFlags = tos = ipOptsLength = flow = urp = dataOffsetByte = payloadLength = 0;

        byte[] frame = event.frame();
        int limit = event.capturedLength();
        int l3 = event.l3Offset();
        int version = event.ipVersion();
        // The version nibble must agree with the event: otherwise l3Offset points at something that is not this header.
        if ((version != 4 && version != 6) || !fits(l3, 1, limit) || (frame[l3] & 0xff) >>> 4 != version) {
            return this;
        }
        ipVersion = version;
        int addressLength = version == 4 ? 4 : 16;
        int sourceAt = version == 4 ? l3 + 12 : l3 + 8;
        int destinationAt = version == 4 ? l3 + 16 : l3 + 24;
        if (fits(sourceAt, addressLength, limit)) {
            System.arraycopy(frame, sourceAt, sourceAddress, 0, addressLength);
            present |= SOURCE;
        }
        if (fits(destinationAt, addressLength, limit)) {
            System.arraycopy(frame, destinationAt, destinationAddress, 0, addressLength);
            present |= DESTINATION;
        }
        int ttlAt = version == 4 ? l3 + 8 : l3 + 7;
        if (fits(ttlAt, 1, limit)) {
            ttl = frame[ttlAt] & 0xff;
            present |= TTL;
        }
        // The IP length the header declares, -1 when it is not captured: the payload length is computed from it.
        int ipEnd = -1;
        if (version == 4 && fits(l3, 8, limit)) {
            tos = frame[l3 + 1] & 0xff;
            ipEnd = l3 + u16(frame, l3 + 2);
            ipId = u16(frame, l3 + 4);
            ipFlags = (frame[l3 + 6] & 0xff) >>> 5;
            ipOptsLength = ((frame[l3] & 0x0f) << 2) - IPV4_HEADER;
            present |= TOS | IP_ID | IP_FLAGS | (ipOptsLength >= 0 ? IP_OPTS : 0);
        } else if (version == 6 && fits(l3, 6, limit)) {
            int first = u16(frame, l3) << 16 | u16(frame, l3 + 2);
            tos = (first >>> 20) & 0xff;
            flow = first & 0xfffff;
            ipEnd = l3 + IPV6_HEADER + u16(frame, l3 + 4);
            present |= TOS | FLOW;
        }

        int l4 = event.l4Offset();
        // A TCP header cannot start inside the fixed IP header; IPv6 extension headers may push it further.
        if (l4 < l3 + (version == 4 ? IPV4_HEADER : IPV6_HEADER)) {
            return this;
        }
        if (version == 6 && walkIpv6Extensions(frame, l3, l4, limit)) {
            present |= IPV6_EXTENSIONS;
            ipOptsLength = l4 - l3 - IPV6_HEADER;
            present |= IP_OPTS;
        }
        if (fits(l4, 2, limit)) {
            sourcePort = u16(frame, l4);
            present |= SOURCE_PORT;
        }
        if (fits(l4 + 2, 2, limit)) {
            destinationPort = u16(frame, l4 + 2);
            present |= DESTINATION_PORT;
        }
        if (fits(l4 + 4, 4, limit)) {
            seq = ((long) u16(frame, l4 + 4) << 16) | u16(frame, l4 + 6);
            present |= SEQ;
        }
        if (fits(l4 + 13, 1, limit)) {
            flags = frame[l4 + 13] & 0xff;
            present |= FLAGS;
        }
        if (fits(l4 + 14, 2, limit)) {
            window = u16(frame, l4 + 14);
            present |= WINDOW;
        }
        if (fits(l4 + 8, 4, limit)) {
            ack = ((long) u16(frame, l4 + 8) << 16) | u16(frame, l4 + 10);
            present |= ACK;
        }
        if (fits(l4 + 18, 2, limit)) {
            urp = u16(frame, l4 + 18);
            present |= URP;
        }
        if (fits(l4 + 12, 1, limit)) {
            dataOffsetByte = frame[l4 + 12] & 0xff;
            int tcpHeader = (dataOffsetByte >>> 4) << 2;
            if (tcpHeader >= 20) {
                present |= DATA_OFFSET;
                if (ipEnd >= 0 && ipEnd - l4 - tcpHeader >= 0) {
                    payloadLength = ipEnd - l4 - tcpHeader;
                    present |= PAYLOAD;
                }
                // Options only when every one of their bytes was captured: a partial walk would give a wrong layout.
                if (fits(l4, tcpHeader, limit) && (present & FLAGS) != 0) {
                    options.walk(frame, l4 + 20, l4 + tcpHeader, (flags & 0x12) == 0x02);
                    present |= OPTIONS;
                }
            }
        }
        return this;
    }

    /**
     * Walks the IPv6 extension headers from the fixed header at {@code l3} to the TCP header at {@code l4}, recording
     * each one's type. True only when the captured bytes hold every next-header and length byte on the way, the
     * chain ends exactly at {@code l4} with TCP next, and it has at most {@link #MAX_IPV6_EXTENSIONS} headers, the
     * same types and lengths the program walks.
     */
    private boolean walkIpv6Extensions(byte[] frame, int l3, int l4, int limit) {
        if (!fits(l3 + 6, 1, limit)) {
            return false;
        }
        int next = frame[l3 + 6] & 0xff;
        int at = l3 + IPV6_HEADER;
        int count = 0;
        while (at < l4) {
            if (count == MAX_IPV6_EXTENSIONS || !isIpv6Extension(next) || !fits(at, 2, limit)) {
                return false;
            }
            int lengthByte = frame[at + 1] & 0xff;
            int length = next == IPPROTO_FRAGMENT ? 8 : next == IPPROTO_AH ? (lengthByte + 2) * 4 : (lengthByte + 1) * 8;
            ipv6Extensions[count++] = next;
            next = frame[at] & 0xff;
            at += length;
        }
        ipv6ExtensionCount = count;
        return at == l4 && next == IPPROTO_TCP;
    }

    private static boolean isIpv6Extension(int type) {
        return type == IPPROTO_HOPOPTS || type == IPPROTO_ROUTING || type == IPPROTO_FRAGMENT || type == IPPROTO_AH
                || type == IPPROTO_DSTOPTS;
    }

    /** 4 or 6 when an IP header of the event's version starts at its l3 offset, else 0 and every field is absent. */
    public int ipVersion() { return ipVersion; }

    /** 4 for IPv4, 16 for IPv6, 0 when no IP header was recognized. */
    public int addressLength() {
        return ipVersion == 4 ? 4 : ipVersion == 6 ? 16 : 0;
    }

    public boolean hasSource() { return (present & SOURCE) != 0; }

    /** The source address in network order, its first {@link #addressLength()} bytes valid; owned by this object. */
    public byte[] sourceAddress() { return sourceAddress; }

    public boolean hasDestination() { return (present & DESTINATION) != 0; }

    /** The destination address in network order, its first {@link #addressLength()} bytes valid; owned by this object. */
    public byte[] destinationAddress() { return destinationAddress; }

    public boolean hasSourcePort() { return (present & SOURCE_PORT) != 0; }
    public int sourcePort() { return sourcePort; }

    public boolean hasDestinationPort() { return (present & DESTINATION_PORT) != 0; }
    public int destinationPort() { return destinationPort; }

    public boolean hasSeq() { return (present & SEQ) != 0; }
    /** The TCP sequence number, unsigned. */
    public long seq() { return seq; }

    public boolean hasFlags() { return (present & FLAGS) != 0; }
    /** TCP header byte 13: CWR ECE URG ACK PSH RST SYN FIN, most significant bit first. */
    public int flags() { return flags; }

    public boolean hasWindow() { return (present & WINDOW) != 0; }
    /** The raw window field, not scaled. */
    public int window() { return window; }

    /**
     * True for IPv6 when the chain of extension headers between the IPv6 and TCP headers could be read whole from the
     * captured bytes (see {@link #decode}); then {@link #ipv6ExtensionCount()} headers, 0 for none.
     */
    public boolean hasIpv6Extensions() { return (present & IPV6_EXTENSIONS) != 0; }
    public int ipv6ExtensionCount() { return hasIpv6Extensions() ? ipv6ExtensionCount : 0; }
    /** The next-header number of the {@code index}th extension header, in wire order (0 Hop-by-Hop, 60 ...). */
    public int ipv6Extension(int index) {
        if (index < 0 || index >= ipv6ExtensionCount()) {
            throw new IndexOutOfBoundsException(index);
        }
        return ipv6Extensions[index];
    }

    public boolean hasTtl() { return (present & TTL) != 0; }
    /** The IPv4 TTL or the IPv6 hop limit. */
    public int ttl() { return ttl; }

    public boolean hasIpId() { return (present & IP_ID) != 0; }
    /** The IPv4 identification field. */
    public int ipId() { return ipId; }

    public boolean hasIpFlags() { return (present & IP_FLAGS) != 0; }
    /** The IPv4 flags, 3 bits: reserved ("must be zero"), DF, MF. */
    public int ipFlags() { return ipFlags; }
    /** IPv4 Don't Fragment; meaningful when {@link #hasIpFlags()}. */
    public boolean df() { return (ipFlags & 0b010) != 0; }

    public boolean hasTos() { return (present & TOS) != 0; }
    /** The IPv4 TOS byte or the IPv6 traffic class: DSCP in the upper 6 bits, ECN in the lower 2. */
    public int tos() { return tos; }

    public boolean hasIpOptsLength() { return (present & IP_OPTS) != 0; }
    /** IPv4 options' length, or the IPv6 extension headers' total length, in bytes. */
    public int ipOptsLength() { return ipOptsLength; }

    public boolean hasFlow() { return (present & FLOW) != 0; }
    /** The IPv6 flow label, 20 bits. */
    public int flow() { return flow; }

    public boolean hasAck() { return (present & ACK) != 0; }
    /** The TCP acknowledgment number, unsigned. */
    public long ack() { return ack; }

    public boolean hasUrp() { return (present & URP) != 0; }
    public int urp() { return urp; }

    public boolean hasDataOffset() { return (present & DATA_OFFSET) != 0; }
    /** TCP header byte 12: the data offset in the upper nibble, the reserved bits and NS below. */
    public int dataOffsetByte() { return dataOffsetByte; }

    public boolean hasPayloadLength() { return (present & PAYLOAD) != 0; }
    /** The TCP payload length the IP length field declares (which the snap length may have cut). */
    public int payloadLength() { return payloadLength; }

    /** True when the TCP header with all its options lies inside the captured bytes; then {@link #options()}. */
    public boolean hasOptions() { return (present & OPTIONS) != 0; }
    /** The walked options, owned by this object; meaningful only when {@link #hasOptions()}. */
    public TcpOptions options() { return options; }

    // Written so that garbage offsets near Integer.MAX_VALUE cannot overflow into a passing check.
    private static boolean fits(int offset, int length, int limit) {
        return offset >= 0 && offset <= limit - length;
    }

    private static int u16(byte[] frame, int at) {
        return (frame[at] & 0xff) << 8 | (frame[at + 1] & 0xff);
    }
}
