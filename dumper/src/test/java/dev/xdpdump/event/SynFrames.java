package dev.xdpdump.event;

import java.io.ByteArrayOutputStream;

/** Real TCP SYN frames built byte by byte, and events holding them, for tests of decoders and sinks. */
public final class SynFrames {
    public static final int ETHERNET_HEADER = 14;
    public static final int VLAN_TAG = 4;
    /** 2026-11-22T03:49:44.123456789Z */
    public static final long WALL_CLOCK_NANOS = 1_795_319_384_123_456_789L;
    public static final int IFINDEX = 2;
    public static final long SEQ = 0x8badf00dL;
    public static final int SOURCE_PORT = 43910;
    public static final int DESTINATION_PORT = 80;
    public static final int WINDOW = 64240;

    private SynFrames() {}

    /** Ethernet, IPv4 192.0.2.1 -> 198.51.100.7 (ttl 64), TCP SYN with MSS, SACK-permitted, timestamps, window scale. */
    public static byte[] ipv4Syn() {
        return ipv4Syn(false, 0x02);
    }

    /** As {@link #ipv4Syn()}, optionally behind an 802.1Q tag (VLAN 100), with the given TCP flags byte. */
    public static byte[] ipv4Syn(boolean vlan, int tcpFlags) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        ethernet(frame, vlan, 0x0800);
        byte[] tcp = tcp(tcpFlags);
        byte[] ip = {
            0x45, 0x00, 0, 0, 0x1c, 0x46, 0x40, 0x00, 64, 6, 0, 0,
            (byte) 192, 0, 2, 1,
            (byte) 198, 51, 100, 7};
        int total = ip.length + tcp.length;
        ip[2] = (byte) (total >> 8);
        ip[3] = (byte) total;
        int sum = checksum(ip, 0, ip.length, 0);
        ip[10] = (byte) (sum >> 8);
        ip[11] = (byte) sum;
        // TCP checksum over the IPv4 pseudo header: addresses, protocol, TCP length.
        int pseudo = sumWords(ip, 12, 8) + 6 + tcp.length;
        int tcpSum = checksum(tcp, 0, tcp.length, pseudo);
        tcp[16] = (byte) (tcpSum >> 8);
        tcp[17] = (byte) tcpSum;
        frame.writeBytes(ip);
        frame.writeBytes(tcp);
        return frame.toByteArray();
    }

    /** Ethernet, IPv6 2001:db8::1 -> 2001:db8:0:1::80 (hop limit 57), the same TCP SYN. */
    public static byte[] ipv6Syn() {
        return ipv6Syn(new int[0]);
    }

    /**
     * As {@link #ipv6Syn()}, with IPv6 extension headers of the given types (next-header numbers) before TCP, in
     * order: 8 bytes each (Hop-by-Hop and Destination Options holding one PadN option, Routing type 4 with no
     * segments left, Fragment offset 0) except AH, 16 bytes (4-byte units: length byte 2).
     */
    public static byte[] ipv6Syn(int... extensions) {
        ByteArrayOutputStream frame = new ByteArrayOutputStream();
        ethernet(frame, false, 0x86dd);
        byte[] tcp = tcp(0x02);
        ByteArrayOutputStream chain = new ByteArrayOutputStream();
        for (int i = 0; i < extensions.length; i++) {
            byte[] h = new byte[extensions[i] == 51 ? 16 : 8];
            h[0] = (byte) (i + 1 < extensions.length ? extensions[i + 1] : 6);
            switch (extensions[i]) {
                case 0, 60 -> {
                    h[2] = 1; // PadN over the last four bytes
                    h[3] = 4;
                }
                case 43 -> h[2] = 4;
                case 44 -> h[7] = 0x2a; // identification
                case 51 -> {
                    h[1] = 2;
                    h[7] = 1; // SPI 1
                }
                default -> throw new IllegalArgumentException("extension header " + extensions[i]);
            }
            chain.writeBytes(h);
        }
        byte[] ip = new byte[40];
        ip[0] = 0x60;
        int payload = chain.size() + tcp.length;
        ip[4] = (byte) (payload >> 8);
        ip[5] = (byte) payload;
        ip[6] = (byte) (extensions.length > 0 ? extensions[0] : 6);
        ip[7] = 57;
        byte[] source = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
        byte[] destination = {0x20, 0x01, 0x0d, (byte) 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, (byte) 0x80};
        System.arraycopy(source, 0, ip, 8, 16);
        System.arraycopy(destination, 0, ip, 24, 16);
        int pseudo = sumWords(ip, 8, 32) + 6 + tcp.length;
        int tcpSum = checksum(tcp, 0, tcp.length, pseudo);
        tcp[16] = (byte) (tcpSum >> 8);
        tcp[17] = (byte) tcpSum;
        frame.writeBytes(ip);
        frame.writeBytes(chain.toByteArray());
        frame.writeBytes(tcp);
        return frame.toByteArray();
    }

    /** An event holding {@code frame} captured whole, with offsets for a plain (untagged) Ethernet frame. */
    public static CaptureEvent event(byte[] frame, int ipVersion) {
        return event(frame, frame.length, ETHERNET_HEADER, ipVersion);
    }

    /** An event holding the first {@code snapLength} bytes of {@code frame}; its IP header starts at {@code l3}. */
    public static CaptureEvent event(byte[] frame, int snapLength, int l3, int ipVersion) {
        return event(frame, snapLength, l3, l3 + (ipVersion == 4 ? (frame[l3] & 0x0f) * 4 : 40), ipVersion);
    }

    /** As {@link #event(byte[], int, int, int)}, its TCP header at {@code l4} (behind IPv6 extension headers). */
    public static CaptureEvent event(byte[] frame, int snapLength, int l3, int l4, int ipVersion) {
        int captured = Math.min(snapLength, frame.length);
        CaptureEvent event = new CaptureEvent(snapLength);
        System.arraycopy(frame, 0, event.frame(), 0, captured);
        return event.set(WALL_CLOCK_NANOS, 1, IFINDEX, 0, frame.length, captured, l3, l4, ipVersion);
    }

    private static void ethernet(ByteArrayOutputStream frame, boolean vlan, int etherType) {
        frame.writeBytes(new byte[] {0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01});
        if (vlan) {
            frame.writeBytes(new byte[] {(byte) 0x81, 0x00, 0x00, 100});
        }
        frame.write(etherType >> 8);
        frame.write(etherType);
    }

    private static byte[] tcp(int flags) {
        return new byte[] {
            (byte) (SOURCE_PORT >> 8), (byte) SOURCE_PORT, 0, (byte) DESTINATION_PORT,
            (byte) 0x8b, (byte) 0xad, (byte) 0xf0, 0x0d, // seq
            0, 0, 0, 0, // ack
            (byte) 0xa0, (byte) flags, (byte) (WINDOW >> 8), (byte) WINDOW, // data offset 10 words, flags, window
            0, 0, 0, 0, // checksum, urgent pointer
            0x02, 0x04, 0x05, (byte) 0xb4, // MSS 1460
            0x04, 0x02, // SACK permitted
            0x08, 0x0a, 0x00, 0x01, (byte) 0xe2, 0x40, 0, 0, 0, 0, // timestamps 123456 / 0
            0x01, // NOP
            0x03, 0x03, 0x07}; // window scale 7
    }

    private static int sumWords(byte[] bytes, int offset, int length) {
        int sum = 0;
        for (int i = offset; i < offset + length; i += 2) {
            sum += (bytes[i] & 0xff) << 8 | (i + 1 < offset + length ? bytes[i + 1] & 0xff : 0);
        }
        return sum;
    }

    private static int checksum(byte[] bytes, int offset, int length, int initial) {
        int sum = initial + sumWords(bytes, offset, length);
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return ~sum & 0xffff;
    }
}
