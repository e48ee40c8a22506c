package dev.xdpdump.testing;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Frames crafted byte by byte for every test tier. Each builder writes the fields a test names and plain defaults
 * for the rest; a header builder wraps the bytes of the layer above it. Checksums stay zero unless asked for
 * ({@link Ipv4#checksummed()}, {@link Ipv6#checksummed()}): the program never reads them, but tools that show a frame
 * (hexdump, pcap readers) and the golden texts of the sink tests do. {@link #ipv4Syn()} and {@link #ipv6Syn(int...)}
 * are those golden frames: SYNs as Linux sends them, checksums correct.
 *
 * <pre>{@code ethernet(ETH_P_IP).tag(ETH_P_8021Q, 100).wrap(ipv4().ihl(6).wrap(tcp().flags(SYN).bytes()))}</pre>
 */
public final class Frames {
    public static final int ETH_P_IP = 0x0800;
    public static final int ETH_P_IPV6 = 0x86dd;
    public static final int ETH_P_ARP = 0x0806;
    public static final int ETH_P_8021Q = 0x8100;
    public static final int ETH_P_8021AD = 0x88a8;
    /** The TPID of 802.1ad tags before 0x88a8 was assigned ("old QinQ"). */
    public static final int ETH_P_QINQ_OLD = 0x9100;

    public static final int IPPROTO_ICMP = 1;
    public static final int IPPROTO_TCP = 6;
    public static final int IPPROTO_UDP = 17;
    public static final int IPPROTO_ICMPV6 = 58;
    public static final int IPPROTO_HOPOPTS = 0;
    public static final int IPPROTO_ROUTING = 43;
    public static final int IPPROTO_FRAGMENT = 44;
    public static final int IPPROTO_ESP = 50;
    public static final int IPPROTO_AH = 51;
    public static final int IPPROTO_NONE = 59;
    public static final int IPPROTO_DSTOPTS = 60;

    public static final int FIN = 0x01;
    public static final int SYN = 0x02;
    public static final int RST = 0x04;
    public static final int PSH = 0x08;
    public static final int ACK = 0x10;
    public static final int ECE = 0x40;
    public static final int CWR = 0x80;

    public static final int ETHERNET_HEADER = 14;
    public static final int VLAN_TAG = 4;
    public static final int IPV4_HEADER = 20;
    public static final int IPV6_HEADER = 40;
    public static final int TCP_HEADER = 20;

    /** IPv4 "more fragments" flag, in the flags/fragment-offset word. */
    public static final int MORE_FRAGMENTS = 0x2000;
    /** IPv4 "don't fragment" flag, in the flags/fragment-offset word. */
    public static final int DONT_FRAGMENT = 0x4000;

    /** The TCP defaults of {@link #tcp()}. */
    public static final int SOURCE_PORT = 43910;
    public static final int DESTINATION_PORT = 80;
    public static final long SEQ = 0x8badf00dL;
    public static final int WINDOW = 64240;

    private Frames() {}

    public static Ethernet ethernet(int etherType) {
        return new Ethernet(etherType);
    }

    public static Ipv4 ipv4() {
        return new Ipv4();
    }

    public static Ipv6 ipv6() {
        return new Ipv6();
    }

    public static Tcp tcp() {
        return new Tcp();
    }

    /** Ethernet, IPv4 (no options), TCP with the given flags and 20 bytes of options. */
    public static byte[] ipv4Tcp(int flags) {
        return ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().flags(flags).bytes()));
    }

    /** Ethernet, IPv6, TCP with the given flags and 20 bytes of options. */
    public static byte[] ipv6Tcp(int flags) {
        return ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp().flags(flags).bytes()));
    }

    /**
     * Ethernet, IPv4 192.0.2.1 -> 198.51.100.7 (TTL 64, don't fragment), TCP SYN with {@link Tcp#linuxSynOptions()},
     * IPv4 and TCP checksums correct.
     */
    public static byte[] ipv4Syn() {
        return ipv4Syn(ethernet(ETH_P_IP), SYN);
    }

    /** As {@link #ipv4Syn()} behind an 802.1Q tag (VLAN 100), with the given TCP flags byte. */
    public static byte[] taggedIpv4Syn(int tcpFlags) {
        return ipv4Syn(ethernet(ETH_P_IP).tag(ETH_P_8021Q, 100), tcpFlags);
    }

    private static byte[] ipv4Syn(Ethernet ethernet, int tcpFlags) {
        return ethernet.wrap(ipv4().dontFragment().checksummed().wrap(tcp().flags(tcpFlags).linuxSynOptions().bytes()));
    }

    /**
     * Ethernet, IPv6 2001:db8::1 -> 2001:db8:0:1::80 (hop limit 57), the TCP SYN of {@link #ipv4Syn()} with its
     * checksum correct, behind extension headers of the given types in order, each of its default size
     * ({@link Ipv6#extension(int)}).
     */
    public static byte[] ipv6Syn(int... extensionTypes) {
        Ipv6 ip = ipv6().checksummed();
        for (int type : extensionTypes) {
            ip.extension(type);
        }
        return ethernet(ETH_P_IPV6).wrap(ip.wrap(tcp().linuxSynOptions().bytes()));
    }

    /** UDP 5353 -> 53 carrying {@code payload} bytes. */
    public static byte[] udp(int payload) {
        byte[] udp = new byte[8 + payload];
        putShort(udp, 0, 5353);
        putShort(udp, 2, 53);
        putShort(udp, 4, udp.length);
        return udp;
    }

    /** ICMP (or ICMPv6) echo request, identifier 1, sequence 1, with {@code payload} bytes. */
    public static byte[] icmpEcho(int type, int payload) {
        byte[] icmp = new byte[8 + payload];
        icmp[0] = (byte) type;
        putShort(icmp, 4, 1);
        putShort(icmp, 6, 1);
        return icmp;
    }

    /** ARP request (Ethernet/IPv4) for 192.0.2.7 from 192.0.2.1: the body of an {@link #ETH_P_ARP} frame. */
    public static byte[] arpRequest() {
        byte[] arp = new byte[28];
        putShort(arp, 0, 1);          // hardware type Ethernet
        putShort(arp, 2, ETH_P_IP);   // protocol type
        arp[4] = 6;
        arp[5] = 4;
        putShort(arp, 6, 1);          // request
        System.arraycopy(Ethernet.SOURCE, 0, arp, 8, 6);
        System.arraycopy(new byte[] {(byte) 192, 0, 2, 1}, 0, arp, 14, 4);
        System.arraycopy(new byte[] {(byte) 192, 0, 2, 7}, 0, arp, 24, 4);
        return arp;
    }

    /** The first {@code length} bytes of {@code frame}. */
    public static byte[] cut(byte[] frame, int length) {
        return Arrays.copyOf(frame, length);
    }

    /** Destination, source, then the tags in the order added (outermost first), then the EtherType. */
    public static final class Ethernet {
        private static final byte[] DESTINATION = {0x02, 0, 0, 0, 0, 0x02};
        private static final byte[] SOURCE = {0x02, 0, 0, 0, 0, 0x01};
        private final ByteArrayOutputStream tags = new ByteArrayOutputStream();
        private final int etherType;

        private Ethernet(int etherType) {
            this.etherType = etherType;
        }

        /** Adds a VLAN tag (TPID 0x8100, 0x88a8 or 0x9100) inside the ones added before. */
        public Ethernet tag(int tpid, int vlanId) {
            byte[] tag = new byte[4];
            putShort(tag, 0, tpid);
            putShort(tag, 2, vlanId & 0x0fff);
            tags.writeBytes(tag);
            return this;
        }

        public byte[] wrap(byte[] payload) {
            ByteArrayOutputStream frame = new ByteArrayOutputStream();
            frame.writeBytes(DESTINATION);
            frame.writeBytes(SOURCE);
            frame.writeBytes(tags.toByteArray());
            frame.write(etherType >> 8);
            frame.write(etherType);
            frame.writeBytes(payload);
            return frame.toByteArray();
        }
    }

    /** 192.0.2.1 -> 198.51.100.7, TTL 64, protocol TCP, total length computed unless set, checksums zero. */
    public static final class Ipv4 {
        private int version = 4;
        private int ihl = 5;
        private int headerBytes = -1;
        private int totalLength = -1;
        private int flagsAndOffset;
        private int protocol = IPPROTO_TCP;
        private boolean checksummed;

        /** The header length field, in 32-bit words; as many header bytes are written (options are NOPs). */
        public Ipv4 ihl(int words) {
            this.ihl = words;
            return this;
        }

        /** Writes this many header bytes whatever the IHL field says (at least 20, so the fixed fields exist). */
        public Ipv4 headerBytes(int bytes) {
            this.headerBytes = bytes;
            return this;
        }

        public Ipv4 version(int version) {
            this.version = version;
            return this;
        }

        public Ipv4 totalLength(int totalLength) {
            this.totalLength = totalLength;
            return this;
        }

        /** @param offsetUnits the fragment offset in 8-byte units */
        public Ipv4 fragment(boolean moreFragments, int offsetUnits) {
            this.flagsAndOffset = (flagsAndOffset & DONT_FRAGMENT) | (moreFragments ? MORE_FRAGMENTS : 0)
                    | (offsetUnits & 0x1fff);
            return this;
        }

        public Ipv4 protocol(int protocol) {
            this.protocol = protocol;
            return this;
        }

        public Ipv4 dontFragment() {
            this.flagsAndOffset |= DONT_FRAGMENT;
            return this;
        }

        /** Writes the header checksum and, when the payload is TCP, the TCP checksum over the pseudo header. */
        public Ipv4 checksummed() {
            this.checksummed = true;
            return this;
        }

        public byte[] wrap(byte[] payload) {
            int length = Math.max(IPV4_HEADER, headerBytes >= 0 ? headerBytes : ihl * 4);
            byte[] ip = new byte[length + payload.length];
            Arrays.fill(ip, IPV4_HEADER, length, (byte) 0x01); // NOP options
            ip[0] = (byte) (version << 4 | (ihl & 0x0f));
            putShort(ip, 2, totalLength >= 0 ? totalLength : ip.length);
            putShort(ip, 4, 0x1c46);
            putShort(ip, 6, flagsAndOffset);
            ip[8] = 64;
            ip[9] = (byte) protocol;
            System.arraycopy(new byte[] {(byte) 192, 0, 2, 1, (byte) 198, 51, 100, 7}, 0, ip, 12, 8);
            System.arraycopy(payload, 0, ip, length, payload.length);
            if (checksummed) {
                putShort(ip, 10, checksum(ip, 0, length, 0));
                if (protocol == IPPROTO_TCP) {
                    putTcpChecksum(ip, length, payload.length, sumWords(ip, 12, 8));
                }
            }
            return ip;
        }
    }

    /**
     * 2001:db8::1 -> 2001:db8:0:1::80, hop limit 57, payload length computed. Extension headers come in the order
     * added, each naming the next; the last names {@link #nextHeader} (TCP unless set), and so does the fixed header
     * when there are none. No checksum unless {@link #checksummed()}.
     */
    public static final class Ipv6 {
        private int version = 6;
        private int nextHeader = IPPROTO_TCP;
        private boolean checksummed;
        private final List<byte[]> extensions = new ArrayList<>();
        private final List<Integer> extensionTypes = new ArrayList<>();

        public Ipv6 version(int version) {
            this.version = version;
            return this;
        }

        public Ipv6 nextHeader(int nextHeader) {
            this.nextHeader = nextHeader;
            return this;
        }

        /** Writes the TCP checksum over the pseudo header when the payload is TCP. */
        public Ipv6 checksummed() {
            this.checksummed = true;
            return this;
        }

        /** Adds an 8-byte extension header of {@code type} (Fragment: offset 0, no more fragments; AH: 16 bytes). */
        public Ipv6 extension(int type) {
            return extension(type, type == IPPROTO_AH ? 16 : 8);
        }

        /**
         * Adds an extension header of {@code type} and {@code length} bytes: Hop-by-Hop and Destination Options
         * filled with padding options, Routing of type 4 with no segments left, AH with SPI 0x100 and a zero ICV. The
         * length field is written in the type's own units: 8 bytes (minus the first 8), AH 4 bytes (minus 8).
         */
        public Ipv6 extension(int type, int length) {
            byte[] h = new byte[length];
            switch (type) {
                case IPPROTO_HOPOPTS, IPPROTO_DSTOPTS -> {
                    h[1] = (byte) (length / 8 - 1);
                    for (int at = 2; at < length; ) { // PadN options of at most 255 data bytes; Pad1 for one byte
                        int rest = length - at;
                        if (rest == 1) {
                            at++;
                            continue;
                        }
                        int data = Math.min(255, rest - 2);
                        h[at] = 1;
                        h[at + 1] = (byte) data;
                        at += 2 + data;
                    }
                }
                case IPPROTO_ROUTING -> {
                    h[1] = (byte) (length / 8 - 1);
                    h[2] = 4;
                }
                case IPPROTO_AH -> {
                    h[1] = (byte) (length / 4 - 2);
                    h[6] = 1; // SPI 0x100
                    h[11] = 1; // sequence number 1
                }
                case IPPROTO_FRAGMENT -> h[7] = 0x2a; // identification
                default -> throw new IllegalArgumentException("extension header " + type);
            }
            extensions.add(h);
            extensionTypes.add(type);
            return this;
        }

        /** Adds a fragment header; {@code offsetUnits} in 8-byte units. */
        public Ipv6 fragment(boolean moreFragments, int offsetUnits) {
            extension(IPPROTO_FRAGMENT, 8);
            byte[] h = extensions.get(extensions.size() - 1);
            putShort(h, 2, (offsetUnits & 0x1fff) << 3 | (moreFragments ? 1 : 0));
            return this;
        }

        /** Bytes of all extension headers added so far. */
        public int extensionBytes() {
            int length = 0;
            for (byte[] h : extensions) {
                length += h.length;
            }
            return length;
        }

        public byte[] wrap(byte[] payload) {
            int chain = extensionBytes();
            byte[] ip = new byte[IPV6_HEADER + chain + payload.length];
            ip[0] = (byte) (version << 4);
            putShort(ip, 4, chain + payload.length);
            ip[6] = (byte) (extensions.isEmpty() ? nextHeader : extensionTypes.get(0));
            ip[7] = 57;
            ip[8] = 0x20;
            ip[9] = 0x01;
            ip[10] = 0x0d;
            ip[11] = (byte) 0xb8;
            ip[23] = 1;
            System.arraycopy(ip, 8, ip, 24, 8);
            ip[31] = 1;
            ip[39] = (byte) 0x80;
            int at = IPV6_HEADER;
            for (int i = 0; i < extensions.size(); i++) {
                byte[] h = extensions.get(i);
                System.arraycopy(h, 0, ip, at, h.length);
                ip[at] = (byte) (i + 1 < extensions.size() ? extensionTypes.get(i + 1) : nextHeader);
                at += h.length;
            }
            System.arraycopy(payload, 0, ip, at, payload.length);
            if (checksummed && nextHeader == IPPROTO_TCP) {
                putTcpChecksum(ip, at, payload.length, sumWords(ip, 8, 32));
            }
            return ip;
        }
    }

    /**
     * 43910 -> 80 and seq 0x8badf00d unless set, ack 0, window 64240, flags SYN, data offset 10 (MSS 1460 then NOPs
     * unless {@link #linuxSynOptions()}), no payload, checksum zero (the IP layer writes it when checksummed).
     */
    public static final class Tcp {
        private static final byte[] LINUX_SYN_OPTIONS = {
            0x02, 0x04, 0x05, (byte) 0xb4,
            0x04, 0x02,
            0x08, 0x0a, 0x00, 0x01, (byte) 0xe2, 0x40, 0, 0, 0, 0,
            0x01,
            0x03, 0x03, 0x07};
        private int sourcePort = SOURCE_PORT;
        private int destinationPort = DESTINATION_PORT;
        private long seq = SEQ;
        private int flags = SYN;
        private int dataOffset = 10;
        private int headerBytes = -1;
        private int payload;
        private boolean linuxSynOptions;

        public Tcp flags(int flags) {
            this.flags = flags;
            return this;
        }

        public Tcp ports(int source, int destination) {
            this.sourcePort = source;
            this.destinationPort = destination;
            return this;
        }

        public Tcp seq(long seq) {
            this.seq = seq;
            return this;
        }

        /** The data offset field, in 32-bit words; as many header bytes are written unless {@link #headerBytes}. */
        public Tcp dataOffset(int words) {
            this.dataOffset = words;
            return this;
        }

        /** Writes this many header bytes whatever the data offset says (at least 20, so the fixed fields exist). */
        public Tcp headerBytes(int bytes) {
            this.headerBytes = bytes;
            return this;
        }

        /**
         * The options Linux puts in a SYN (MSS 1460, SACK permitted, timestamps 123456 / 0, NOP, window scale 7)
         * instead of MSS and NOPs; they fill the default 40-byte header.
         */
        public Tcp linuxSynOptions() {
            this.linuxSynOptions = true;
            return this;
        }

        /** Bytes of data after the header (a SYN may carry data: TCP Fast Open). */
        public Tcp payload(int bytes) {
            this.payload = bytes;
            return this;
        }

        public byte[] bytes() {
            int length = Math.max(TCP_HEADER, headerBytes >= 0 ? headerBytes : dataOffset * 4);
            byte[] tcp = new byte[length + payload];
            putShort(tcp, 0, sourcePort);
            putShort(tcp, 2, destinationPort);
            putShort(tcp, 4, (int) (seq >>> 16));
            putShort(tcp, 6, (int) seq);
            tcp[12] = (byte) ((dataOffset & 0x0f) << 4);
            tcp[13] = (byte) flags;
            putShort(tcp, 14, WINDOW);
            Arrays.fill(tcp, TCP_HEADER, length, (byte) 0x01); // NOP options
            if (linuxSynOptions) {
                System.arraycopy(LINUX_SYN_OPTIONS, 0, tcp, TCP_HEADER, Math.min(LINUX_SYN_OPTIONS.length,
                        length - TCP_HEADER));
            } else if (length >= TCP_HEADER + 4) {
                tcp[20] = 2; // MSS 1460
                tcp[21] = 4;
                putShort(tcp, 22, 1460);
            }
            for (int i = 0; i < payload; i++) {
                tcp[length + i] = (byte) ('a' + i % 26);
            }
            return tcp;
        }
    }

    /** The TCP checksum of the segment at {@code at}, given the sum of the pseudo header's addresses. */
    private static void putTcpChecksum(byte[] packet, int at, int length, int addressSum) {
        putShort(packet, at + 16, checksum(packet, at, length, addressSum + IPPROTO_TCP + length));
    }

    /** The Internet checksum (RFC 1071) of {@code length} bytes, starting from {@code initial}. */
    private static int checksum(byte[] bytes, int offset, int length, int initial) {
        int sum = initial + sumWords(bytes, offset, length);
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~sum & 0xffff;
    }

    /** The sum of the big-endian 16-bit words, an odd last byte padded with zero. */
    private static int sumWords(byte[] bytes, int offset, int length) {
        int sum = 0;
        for (int i = offset; i < offset + length; i += 2) {
            sum += (bytes[i] & 0xff) << 8 | (i + 1 < offset + length ? bytes[i + 1] & 0xff : 0);
        }
        return sum;
    }

    private static void putShort(byte[] bytes, int at, int value) {
        bytes[at] = (byte) (value >> 8);
        bytes[at + 1] = (byte) value;
    }
}
