package dev.xdpdump.event;

import java.util.Objects;

/**
 * The XDP program's frame walk and connection-request test (capture-bpf/xdpdump.bpf.c), in Java, for frames read
 * from a capture file: the same tags, headers, bounds and verdicts. Allocation-free; one Walk per thread.
 *
 * <p>Each private method mirrors the C helper of the same name, check for check and in the same order; {@code length}
 * plays {@code data_end}, an offset into the frame plays the cursor, and a bound check {@code (void *)(h + 1) >
 * data_end} reads {@code at + sizeof(h) > length}. The kernel's differential test
 * (ConnectionRequestsDifferentialKernelTest) runs both on the same frames.
 */
public final class ConnectionRequests {
    /** How the program counts a frame: {@code matched}, neither counter, or {@code unparsed}. */
    public enum Verdict {
        /** A TCP connection request (SYN set, ACK clear) whose headers lie in the frame: counted as matched. */
        REQUEST,
        /** A verdict that the frame is no connection request (enum parse's PARSE_OTHER). */
        NOT_A_REQUEST,
        /** No verdict: the walk could not reach one (PARSE_UNPARSED); a SYN may hide in the frame. */
        UNPARSED
    }

    /** enum parse in xdpdump.bpf.c. */
    private static final int PARSE_OK = 0;
    private static final int PARSE_OTHER = 1;
    private static final int PARSE_UNPARSED = 2;

    private static final int ETH_HLEN = 14;
    private static final int VLAN_TAG = 4;
    private static final int IPV4_HEADER = 20;
    private static final int IPV6_HEADER = 40;
    private static final int TCP_HEADER = 20;
    private static final int IPV6_OPT_HEADER = 2;
    private static final int IPV6_FRAGMENT_HEADER = 8;

    private static final int ETH_P_IP = 0x0800;
    private static final int ETH_P_IPV6 = 0x86dd;
    private static final int ETH_P_8021Q = 0x8100;
    private static final int ETH_P_8021AD = 0x88a8;
    private static final int ETH_P_QINQ_OLD = 0x9100;

    private static final int IPPROTO_HOPOPTS = 0;
    private static final int IPPROTO_TCP = 6;
    private static final int IPPROTO_ROUTING = 43;
    private static final int IPPROTO_FRAGMENT = 44;
    private static final int IPPROTO_ESP = 50;
    private static final int IPPROTO_AH = 51;
    private static final int IPPROTO_DSTOPTS = 60;

    private static final int IP_FRAGMENT_OFFSET_MASK = 0x1fff;
    private static final int IPV6_FRAGMENT_OFFSET_MASK = 0xfff8;
    private static final int TCP_SYN = 0x02;
    private static final int TCP_ACK = 0x10;

    /** VLAN_MAX_TAGS. */
    static final int VLAN_MAX_TAGS = 3;
    /** IPV6_MAX_EXTENSIONS. */
    static final int IPV6_MAX_EXTENSIONS = 8;
    /** IPV6_CHAIN_END_MAX. */
    private static final int IPV6_CHAIN_END_MAX = ETH_HLEN + VLAN_MAX_TAGS * VLAN_TAG + IPV6_HEADER
            + IPV6_MAX_EXTENSIONS * 2048;

    private ConnectionRequests() {}

    /**
     * Where the headers of a connection request are; valid after classify returned REQUEST. After another verdict it
     * holds what the program's {@code struct walk} holds then. Reused by every {@link #classify} call; one per thread.
     */
    public static final class Walk {
        private int l3Offset;
        private int l4Offset;
        private int ipVersion;
        /** The C code's cursor, as an offset from the frame's start. */
        private int cursor;
        /** parse_ethernet's *proto: the EtherType after the tags. */
        private int proto;
        /** parse_ipv6's offset and next, which parse_ipv6_extension updates through pointers. */
        private int offset;
        private int next;

        /** The IP header's offset from the frame's start: the event's l3_offset. */
        public int l3Offset() { return l3Offset; }

        /** The TCP header's offset from the frame's start: the event's l4_offset. */
        public int l4Offset() { return l4Offset; }

        /** 4 or 6: the event's ip_version. */
        public int ipVersion() { return ipVersion; }
    }

    /**
     * Walks frame[0, length) as the program walks a frame of that length.
     *
     * @throws IndexOutOfBoundsException when {@code length} is negative or beyond the array
     */
    public static Verdict classify(byte[] frame, int length, Walk into) {
        Objects.checkFromIndexSize(0, length, frame.length);
        return verdict(parseFrame(frame, length, into));
    }

    /** The counter parse_frame increments for its result. */
    private static Verdict verdict(int result) {
        if (result == PARSE_UNPARSED) {
            return Verdict.UNPARSED;
        }
        return result == PARSE_OK ? Verdict.REQUEST : Verdict.NOT_A_REQUEST;
    }

    /** parse_frame: Ethernet and tags, then IPv4, IPv6 or a verdict on anything else, then TCP. */
    private static int parseFrame(byte[] frame, int dataEnd, Walk walk) {
        walk.cursor = 0;
        walk.proto = 0;
        int result = parseEthernet(frame, dataEnd, walk);
        walk.l3Offset = walk.cursor;
        walk.ipVersion = 0;
        if (result == PARSE_OK) {
            if (walk.proto == ETH_P_IP) {
                result = parseIpv4(frame, dataEnd, walk);
                walk.ipVersion = 4;
            } else if (walk.proto == ETH_P_IPV6) {
                result = parseIpv6(frame, dataEnd, walk);
                walk.ipVersion = 6;
            } else {
                result = PARSE_OTHER; // not IP: ARP, LLDP and the rest
            }
        }
        walk.l4Offset = walk.cursor;
        if (result == PARSE_OK) {
            result = parseTcp(frame, walk.cursor, dataEnd);
        }
        return result;
    }

    /** is_vlan_tpid. */
    private static boolean isVlanTpid(int proto) {
        return proto == ETH_P_8021Q || proto == ETH_P_8021AD || proto == ETH_P_QINQ_OLD;
    }

    /** parse_ethernet: the Ethernet header and up to VLAN_MAX_TAGS tags; on PARSE_OK walk.proto is the EtherType. */
    private static int parseEthernet(byte[] frame, int dataEnd, Walk walk) {
        int eth = walk.cursor;
        if (eth + ETH_HLEN > dataEnd) {
            return PARSE_UNPARSED; // shorter than an Ethernet header
        }
        walk.cursor = eth + ETH_HLEN;
        int type = u16(frame, eth + 12);
        for (int i = 0; i < VLAN_MAX_TAGS; i++) {
            if (!isVlanTpid(type)) {
                break;
            }
            int tag = walk.cursor;
            if (tag + VLAN_TAG > dataEnd) {
                return PARSE_UNPARSED; // VLAN tag cut short
            }
            walk.cursor = tag + VLAN_TAG;
            type = u16(frame, tag + 2);
        }
        if (isVlanTpid(type)) {
            return PARSE_UNPARSED; // more VLAN tags than the program walks
        }
        walk.proto = type;
        return PARSE_OK;
    }

    /** parse_ipv4: PARSE_OK for the first (or only) fragment of a TCP segment, the cursor after the options. */
    private static int parseIpv4(byte[] frame, int dataEnd, Walk walk) {
        int ip = walk.cursor;
        if (ip + IPV4_HEADER > dataEnd) {
            return PARSE_UNPARSED; // shorter than a minimal IPv4 header
        }
        int version = (frame[ip] & 0xff) >>> 4;
        int ihl = frame[ip] & 0x0f;
        if (version != 4 || ihl < 5) {
            return PARSE_OTHER; // not IPv4, or a header length below the minimum
        }
        int headerLength = ihl * 4;
        if (ip + headerLength > dataEnd) {
            return PARSE_UNPARSED; // options run past the frame
        }
        if (u16(frame, ip + 2) < headerLength + TCP_HEADER) {
            return PARSE_OTHER; // total length too short to hold a TCP header
        }
        if ((u16(frame, ip + 6) & IP_FRAGMENT_OFFSET_MASK) != 0) {
            return PARSE_OTHER; // a later fragment: no TCP header in it
        }
        if ((frame[ip + 9] & 0xff) != IPPROTO_TCP) {
            return PARSE_OTHER; // UDP, ICMP and the rest
        }
        walk.cursor = ip + headerLength;
        return PARSE_OK;
    }

    /** is_ipv6_extension. */
    private static boolean isIpv6Extension(int type) {
        return type == IPPROTO_HOPOPTS || type == IPPROTO_ROUTING || type == IPPROTO_FRAGMENT
                || type == IPPROTO_DSTOPTS || type == IPPROTO_AH;
    }

    /** parse_ipv6_extension: one extension header of type walk.next at walk.offset; advances both. */
    private static int parseIpv6Extension(byte[] frame, int dataEnd, Walk walk) {
        if (walk.offset > IPV6_CHAIN_END_MAX) {
            return PARSE_UNPARSED; // cannot happen; the C code bounds the offset for the verifier
        }
        int ext = walk.offset;
        if (ext + IPV6_OPT_HEADER > dataEnd) {
            return PARSE_UNPARSED; // extension header cut short before its length
        }
        int length;
        if (walk.next == IPPROTO_FRAGMENT) {
            if (ext + IPV6_FRAGMENT_HEADER > dataEnd) {
                return PARSE_UNPARSED; // fragment header cut short
            }
            if ((u16(frame, ext + 2) & IPV6_FRAGMENT_OFFSET_MASK) != 0) {
                return PARSE_OTHER; // a later fragment: no TCP header in it
            }
            length = IPV6_FRAGMENT_HEADER;
        } else if (walk.next == IPPROTO_AH) {
            length = ((frame[ext + 1] & 0xff) + 2) * 4;
        } else {
            length = ((frame[ext + 1] & 0xff) + 1) * 8;
        }
        if (ext + length > dataEnd) {
            return PARSE_UNPARSED; // extension header runs past the frame
        }
        walk.next = frame[ext] & 0xff;
        walk.offset += length;
        return PARSE_OK;
    }

    /** parse_ipv6: the fixed header and up to IPV6_MAX_EXTENSIONS extension headers; PARSE_OK when TCP follows. */
    private static int parseIpv6(byte[] frame, int dataEnd, Walk walk) {
        int ip6 = walk.cursor;
        if (ip6 + IPV6_HEADER > dataEnd) {
            return PARSE_UNPARSED; // shorter than the fixed IPv6 header
        }
        if ((frame[ip6] & 0xff) >>> 4 != 6) {
            return PARSE_OTHER; // EtherType says IPv6, the header does not
        }
        walk.offset = ip6 + IPV6_HEADER;
        walk.next = frame[ip6 + 6] & 0xff;
        for (int i = 0; i < IPV6_MAX_EXTENSIONS; i++) {
            if (!isIpv6Extension(walk.next)) {
                break;
            }
            int step = parseIpv6Extension(frame, dataEnd, walk);
            if (step != PARSE_OK) {
                return step; // cut short, or a later fragment
            }
        }
        if (isIpv6Extension(walk.next)) {
            return PARSE_UNPARSED; // more extension headers than the program walks
        }
        if (walk.next == IPPROTO_ESP) {
            return PARSE_UNPARSED; // ESP: whatever follows is encrypted
        }
        if (walk.next != IPPROTO_TCP) {
            return PARSE_OTHER; // UDP, ICMPv6, No Next Header (59) and the rest
        }
        if (walk.offset > IPV6_CHAIN_END_MAX) {
            return PARSE_UNPARSED; // cannot happen; the C code bounds the offset for the verifier
        }
        walk.cursor = walk.offset;
        return PARSE_OK;
    }

    /** parse_tcp: PARSE_OK when the TCP header, options included, fits and has SYN set and ACK clear. */
    private static int parseTcp(byte[] frame, int tcp, int dataEnd) {
        if (tcp + TCP_HEADER > dataEnd) {
            return PARSE_UNPARSED; // TCP header cut short
        }
        int dataOffset = (frame[tcp + 12] & 0xff) >>> 4;
        if (dataOffset < 5) {
            return PARSE_OTHER; // data offset below the minimal header: malformed
        }
        if (tcp + dataOffset * 4 > dataEnd) {
            return PARSE_UNPARSED; // options run past the frame
        }
        int flags = frame[tcp + 13] & 0xff;
        if ((flags & TCP_SYN) == 0 || (flags & TCP_ACK) != 0) {
            return PARSE_OTHER; // any segment but a connection request
        }
        return PARSE_OK;
    }

    private static int u16(byte[] frame, int at) {
        return (frame[at] & 0xff) << 8 | (frame[at + 1] & 0xff);
    }
}
