package dev.xdpdump.filter;

import dev.xdpdump.testing.Frames;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.xdpdump.testing.Frames.*;

/**
 * Random frames for comparing filters: mostly well-formed Ethernet frames (untagged, 802.1Q, QinQ, old QinQ) with
 * IPv4 (options, fragments) or IPv6 (extension headers, fragments) carrying TCP, UDP, ICMP or something else, plus
 * ARP and other EtherTypes; then some of those with a few bytes changed, some cut short, and some random bytes.
 * Addresses, ports and VLAN ids come from small pools, which {@link RandomExpressions} draws from too, so that
 * expressions match some frames and miss others. Every frame holds at least an Ethernet header: BPF_PROG_TEST_RUN
 * refuses shorter ones (EINVAL), and XDP never sees them.
 */
final class RandomFrames {
    static final List<String> IPV4_ADDRESSES = List.of("198.18.0.1", "198.18.0.2", "198.18.1.7", "198.19.255.254",
            "198.19.0.0");
    static final List<String> IPV6_ADDRESSES = List.of("2001:db8::1", "2001:db8::2", "2001:db8:0:1::80",
            "2001:db8:ffff:ffff::ffff");
    static final List<String> MACS = List.of("02:00:00:00:00:01", "02:00:00:00:00:02", "ff:ff:ff:ff:ff:ff",
            "01:00:5e:00:00:fb", "33:33:00:00:00:01");
    static final List<Integer> PORTS = List.of(0, 1, 22, 53, 80, 443, 1023, 1024, 8080, 65534, 65535);
    static final List<Integer> VLAN_IDS = List.of(0, 1, 10, 100, 200, 4095);
    private static final int[] TPIDS = {ETH_P_8021Q, ETH_P_8021AD, ETH_P_QINQ_OLD};
    private static final int[] IPV6_EXTENSIONS = {IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING,
            IPPROTO_FRAGMENT, IPPROTO_AH};
    private static final int[] OTHER_ETHER_TYPES = {ETH_P_ARP, 0x88cc, 0x8847, 0x0842, 0x0600};
    private static final int[] OTHER_IP_PROTOCOLS = {IPPROTO_ESP, 47, 132, 255, IPPROTO_NONE};
    private static final int MAX_RANDOM_LENGTH = 300;

    private final Random random;

    RandomFrames(Random random) {
        this.random = random;
    }

    List<byte[]> take(int count) {
        List<byte[]> frames = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            frames.add(next());
        }
        return frames;
    }

    byte[] next() {
        int kind = random.nextInt(100);
        if (kind < 60) {
            return wellFormed();
        }
        if (kind < 72) {
            byte[] frame = wellFormed();
            for (int flips = 1 + random.nextInt(3); flips > 0; flips--) {
                frame[random.nextInt(Math.min(frame.length, 80))] = (byte) random.nextInt(256);
            }
            return frame;
        }
        if (kind < 88) {
            byte[] frame = wellFormed();
            return cut(frame, ETHERNET_HEADER + random.nextInt(frame.length - ETHERNET_HEADER + 1));
        }
        byte[] frame = new byte[ETHERNET_HEADER + random.nextInt(MAX_RANDOM_LENGTH - ETHERNET_HEADER)];
        random.nextBytes(frame);
        if (random.nextBoolean()) { // an EtherType the expressions know, so their tests reach past it
            putShort(frame, 12, new int[] {ETH_P_IP, ETH_P_IPV6, ETH_P_8021Q}[random.nextInt(3)]);
        }
        return frame;
    }

    private byte[] wellFormed() {
        int network = random.nextInt(100);
        int etherType = network < 50 ? ETH_P_IP : network < 90 ? ETH_P_IPV6 : pick(OTHER_ETHER_TYPES);
        Ethernet ethernet = ethernet(etherType);
        int tags = random.nextInt(100);
        if (tags >= 55) {
            ethernet.tag(tags < 75 ? ETH_P_8021Q : pick(TPIDS), pick(VLAN_IDS));
        }
        if (tags >= 75) {
            ethernet.tag(ETH_P_8021Q, pick(VLAN_IDS));
        }
        if (tags >= 95) {
            ethernet.tag(ETH_P_8021Q, pick(VLAN_IDS));
        }
        byte[] payload = switch (etherType) {
            case ETH_P_IP -> ipv4();
            case ETH_P_IPV6 -> ipv6();
            case ETH_P_ARP -> arpRequest();
            default -> randomBytes(random.nextInt(60));
        };
        byte[] frame = ethernet.wrap(payload);
        System.arraycopy(mac(pick(MACS)), 0, frame, 0, 6);
        System.arraycopy(mac(pick(MACS)), 0, frame, 6, 6);
        return frame;
    }

    private byte[] ipv4() {
        int protocol = protocol(IPPROTO_ICMP);
        Ipv4 ip = Frames.ipv4().protocol(protocol);
        int shape = random.nextInt(20);
        if (shape < 4) {
            ip.ihl(6 + random.nextInt(10)); // options
        } else if (shape == 4) {
            ip.ihl(random.nextInt(5)).headerBytes(IPV4_HEADER); // an IHL shorter than the fixed header
        }
        if (random.nextInt(6) == 0) {
            ip.fragment(random.nextBoolean(), random.nextBoolean() ? 0 : random.nextInt(0x2000));
        }
        if (random.nextInt(4) == 0) {
            ip.dontFragment();
        }
        byte[] packet = ip.wrap(transport(protocol, 8));
        packet[1] = (byte) random.nextInt(256); // type of service
        packet[8] = (byte) random.nextInt(256); // time to live
        System.arraycopy(address(pick(IPV4_ADDRESSES)), 0, packet, 12, 4);
        System.arraycopy(address(pick(IPV4_ADDRESSES)), 0, packet, 16, 4);
        return packet;
    }

    private byte[] ipv6() {
        int protocol = protocol(IPPROTO_ICMPV6);
        Ipv6 ip = Frames.ipv6().nextHeader(protocol);
        if (random.nextInt(3) == 0) {
            for (int n = 1 + random.nextInt(3); n > 0; n--) {
                int type = pick(IPV6_EXTENSIONS);
                if (type == IPPROTO_FRAGMENT) {
                    ip.fragment(random.nextBoolean(), random.nextBoolean() ? 0 : random.nextInt(0x2000));
                } else if (type == IPPROTO_HOPOPTS || type == IPPROTO_DSTOPTS) {
                    ip.extension(type, 8 * (1 + random.nextInt(3)));
                } else {
                    ip.extension(type);
                }
            }
        }
        byte[] packet = ip.wrap(transport(protocol, 128));
        packet[7] = (byte) random.nextInt(256); // hop limit
        System.arraycopy(address(pick(IPV6_ADDRESSES)), 0, packet, 8, 16);
        System.arraycopy(address(pick(IPV6_ADDRESSES)), 0, packet, 24, 16);
        return packet;
    }

    /** TCP, UDP, the given ICMP or another protocol, most often TCP. */
    private int protocol(int icmp) {
        int p = random.nextInt(100);
        return p < 55 ? IPPROTO_TCP : p < 80 ? IPPROTO_UDP : p < 90 ? icmp : pick(OTHER_IP_PROTOCOLS);
    }

    private byte[] transport(int protocol, int echoRequest) {
        if (protocol == IPPROTO_TCP) {
            Tcp tcp = tcp().ports(pick(PORTS), pick(PORTS)).flags(random.nextInt(256))
                    .seq(random.nextLong() & 0xffffffffL);
            if (random.nextInt(10) == 0) {
                tcp.dataOffset(random.nextInt(5)).headerBytes(TCP_HEADER); // shorter than the fixed header
            } else {
                tcp.dataOffset(5 + random.nextInt(11));
            }
            return tcp.payload(random.nextInt(4) == 0 ? random.nextInt(60) : 0).bytes();
        }
        if (protocol == IPPROTO_UDP) {
            byte[] udp = udp(random.nextInt(40));
            putShort(udp, 0, pick(PORTS));
            putShort(udp, 2, pick(PORTS));
            return udp;
        }
        if (protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6) {
            int[] types = {echoRequest, echoRequest + 1, 0, 3, 11, 135};
            return icmpEcho(pick(types), random.nextInt(40));
        }
        return randomBytes(random.nextInt(40));
    }

    private byte[] randomBytes(int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    private int pick(int[] values) {
        return values[random.nextInt(values.length)];
    }

    private <T> T pick(List<T> values) {
        return values.get(random.nextInt(values.size()));
    }

    /** The bytes of a numeric address literal (no name lookup happens for a literal). */
    static byte[] address(String literal) {
        try {
            return InetAddress.getByName(literal).getAddress();
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(literal, e);
        }
    }

    private static byte[] mac(String text) {
        String[] parts = text.split(":");
        byte[] mac = new byte[parts.length];
        for (int i = 0; i < parts.length; i++) {
            mac[i] = (byte) Integer.parseInt(parts[i], 16);
        }
        return mac;
    }

    private static void putShort(byte[] bytes, int at, int value) {
        bytes[at] = (byte) (value >> 8);
        bytes[at + 1] = (byte) value;
    }
}
