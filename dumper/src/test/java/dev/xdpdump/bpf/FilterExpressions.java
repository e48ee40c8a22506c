package dev.xdpdump.bpf;

import java.util.List;

/** Expressions that exercise libpcap's language, for the kernel tests of the translated filter. */
final class FilterExpressions {
    private FilterExpressions() {}

    static final List<String> ALL = List.of("tcp", "ip", "ip6", "tcp port 80", "tcp dst port 80", "src port 41003",
            "dst port 443", "portrange 8000-9000", "tcp dst portrange 1-1024", "host 198.18.0.2",
            "src host 198.18.0.2", "dst host 198.18.0.1", "net 198.18.0.0/24", "src net 198.19.0.0/16",
            "not src net 198.18.0.0/24", "dst net 198.18.0.0/15", "host 2001:db8::2", "src net 2001:db8::/32",
            "ip6 and dst port 80", "vlan", "vlan 100", "vlan and tcp dst port 22", "not vlan", "tcp[13] & 2 != 0",
            "tcp[tcpflags] & tcp-syn != 0", "tcp[tcpflags] & (tcp-ece|tcp-cwr) != 0", "tcp[tcpflags] == tcp-syn",
            "len > 80", "len <= 74", "greater 100", "less 70", "port 80 or port 443",
            "port 80 and not src host 198.18.0.3", "(src host 198.18.0.2 or src host 198.18.0.3) and dst port 80",
            "not port 80", "dst port 80 or ip6", "ip and tcp", "tcp dst portrange 440-450", "ether proto 0x0800",
            "ether proto 0x86dd", "ip proto 6", "ip6 proto 6", "tcp src port 41001 or tcp src port 41007",
            "dst port 65535 or dst port 1", "tcp[0:2] > 1024", "tcp[2:2] % 7 = 3", "ip[0] & 0xf > 5",
            "tcp[12] / 16 > 5", "ip[8] * 2 > 100", "tcp[4:4] - 1 = 0", "ip[2:2] - 20 > 20",
            "ether[0] & 1 = 0", "ether host 02:00:00:00:00:01", "ether src 02:00:00:00:00:02",
            "ip[6:2] & 0x1fff = 0", "ip6[6] = 6", "tcp[tcpflags] & (tcp-syn|tcp-ack) = tcp-syn",
            "ether[12:2] = 0x8100 and ether[14:2] & 0xfff = 100", "tcp[13] ^ 0x02 = 0", "tcp[13] | 0x10 = 0x12",
            "tcp[13] << 2 = 8", "tcp[13] >> 1 = 1", "ether[ip[0] & 0xf] > 0", "tcp[(tcp[12] >> 4) * 4 - 1] >= 0");
}
