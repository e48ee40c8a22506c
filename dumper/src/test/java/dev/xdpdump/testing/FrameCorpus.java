package dev.xdpdump.testing;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static dev.xdpdump.testing.Frames.*;

/**
 * The frames the kernel tests build (ConnectionRequestKernelTest, Ipv6ExtensionHeaderKernelTest,
 * MalformedFrameKernelTest, TcEntryKernelTest), whole, for tests that compare two walks of the same frames: connection
 * requests, other segments and protocols, tags, IPv4 options and fragments, IPv6 extension chains and fragments, ESP,
 * lying lengths. Every call builds new arrays; the order is fixed.
 */
public final class FrameCorpus {
    private FrameCorpus() {}

    /** Every frame, each at its full length (at most 2214 bytes: the 2048-byte extension header). */
    public static List<byte[]> kernelTestFrames() {
        List<byte[]> frames = new ArrayList<>();
        // ConnectionRequestKernelTest and TcEntryKernelTest
        frames.add(ipv4Syn());
        frames.add(ipv6Syn());
        frames.add(taggedIpv4Syn(SYN));
        frames.add(taggedIpv4Syn(SYN | ACK));
        for (int flags : new int[] {SYN, SYN | ECE | CWR, SYN | ACK, ACK, RST, RST | ACK, FIN, FIN | ACK, PSH | ACK, 0}) {
            frames.add(ipv4Tcp(flags));
            frames.add(ipv6Tcp(flags));
        }
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().protocol(IPPROTO_UDP).wrap(udp(32))));
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().nextHeader(IPPROTO_UDP).wrap(udp(32))));
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().protocol(IPPROTO_ICMP).wrap(icmpEcho(8, 32))));
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().nextHeader(IPPROTO_ICMPV6).wrap(icmpEcho(128, 32))));
        frames.add(ethernet(ETH_P_ARP).wrap(arpRequest()));
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().version(6).wrap(tcp().bytes())));
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().version(4).wrap(tcp().bytes())));
        for (int ihl = 0; ihl <= 15; ihl++) {
            frames.add(ihl < 5 ? ethernet(ETH_P_IP).wrap(ipv4().ihl(ihl).headerBytes(20).wrap(tcp().bytes()))
                    : ethernet(ETH_P_IP).wrap(ipv4().ihl(ihl).wrap(tcp().bytes())));
        }
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().ihl(15).headerBytes(20).wrap(tcp().dataOffset(5).bytes())));
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().fragment(true, 1).wrap(tcp().bytes())));
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().fragment(false, 185).wrap(tcp().bytes())));
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().fragment(true, 0x1fff).wrap(tcp().bytes())));
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().fragment(false, 8).wrap(tcp().bytes())));
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().fragment(true, 0).wrap(tcp().payload(64).bytes())));
        for (int tpid : new int[] {ETH_P_8021Q, ETH_P_QINQ_OLD}) {
            frames.add(ethernet(ETH_P_IP).tag(tpid, 100).wrap(ipv4().wrap(tcp().bytes())));
            frames.add(ethernet(ETH_P_IPV6).tag(tpid, 100).wrap(ipv6().wrap(tcp().bytes())));
            frames.add(ethernet(ETH_P_IP).tag(tpid, 10).tag(ETH_P_8021Q, 100).wrap(ipv4().wrap(tcp().bytes())));
        }
        frames.add(ethernet(ETH_P_IPV6).tag(ETH_P_8021AD, 10).tag(ETH_P_8021Q, 100).wrap(ipv6().wrap(tcp().bytes())));
        frames.add(ethernet(ETH_P_IP).tag(ETH_P_8021AD, 10).tag(ETH_P_8021Q, 100).tag(ETH_P_8021Q, 200)
                .wrap(ipv4().wrap(tcp().bytes())));
        frames.add(ethernet(ETH_P_IPV6).tag(ETH_P_8021Q, 10).tag(ETH_P_QINQ_OLD, 100).tag(ETH_P_8021AD, 200)
                .wrap(ipv6().wrap(tcp().bytes())));
        frames.add(ethernet(ETH_P_IP).tag(ETH_P_8021AD, 10).tag(ETH_P_8021Q, 100).tag(ETH_P_8021Q, 200)
                .tag(ETH_P_8021Q, 300).wrap(ipv4().wrap(tcp().bytes())));
        frames.add(ethernet(ETH_P_IPV6).tag(ETH_P_QINQ_OLD, 10).tag(ETH_P_8021Q, 100).tag(ETH_P_8021Q, 200)
                .tag(ETH_P_8021AD, 300).wrap(ipv6().wrap(tcp().bytes())));
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().payload(12).bytes())));
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp().payload(12).bytes())));
        frames.add(ethernet(ETH_P_IP).tag(ETH_P_8021AD, 10).tag(ETH_P_8021Q, 100)
                .wrap(ipv4().ihl(6).wrap(tcp().dataOffset(6).bytes())));
        for (int dataOffset = 0; dataOffset < 5; dataOffset++) {
            frames.add(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().dataOffset(dataOffset).headerBytes(20).payload(40)
                    .bytes())));
            frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp().dataOffset(dataOffset).headerBytes(20).payload(40)
                    .bytes())));
        }
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().dataOffset(15).headerBytes(20).payload(39).bytes())));
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp().dataOffset(15).headerBytes(20).payload(39).bytes())));
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().dataOffset(15).headerBytes(20).payload(40).bytes())));
        for (int ihl : new int[] {5, 8, 15}) {
            int least = ihl * 4 + TCP_HEADER;
            for (int totalLength : new int[] {least - 1, ihl * 4, 0, least}) {
                frames.add(ethernet(ETH_P_IP).wrap(ipv4().ihl(ihl).totalLength(totalLength).wrap(tcp().bytes())));
            }
        }
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().linuxSynOptions().payload(400).bytes())));
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().linuxSynOptions().payload(1400).bytes())));

        // MalformedFrameKernelTest (the frames of at most a page)
        for (int totalLength : new int[] {75, 1500, 65535}) {
            frames.add(ethernet(ETH_P_IP).wrap(ipv4().totalLength(totalLength).wrap(tcp().bytes())));
        }
        byte[] ip = ipv4().wrap(tcp().bytes());
        frames.add(ethernet(ETH_P_IP).wrap(Arrays.copyOf(ip, ip.length + 26)));
        byte[] zeroLengthOptions = tcp().dataOffset(15).bytes();
        for (int i = TCP_HEADER; i < 60; i += 2) {
            zeroLengthOptions[i] = 2;
            zeroLengthOptions[i + 1] = 0;
        }
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().ihl(15).wrap(zeroLengthOptions)));

        // Ipv6ExtensionHeaderKernelTest
        int[][] singles = {{0, 8}, {0, 16}, {0, 2048}, {43, 8}, {43, 24}, {43, 2048}, {60, 8}, {60, 40}, {60, 2048},
            {44, 8}, {51, 12}, {51, 16}, {51, 24}, {51, 1028}};
        for (int[] single : singles) {
            frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().extension(single[0], single[1])
                    .wrap(tcp().ports(41000 + single[0], 443).seq(0x10000000L + single[1]).bytes())));
        }
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().fragment(true, 0).wrap(tcp().ports(41044, 22).seq(7).payload(64)
                .bytes())));
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_HOPOPTS, 8).extension(IPPROTO_DSTOPTS, 16)
                .extension(IPPROTO_ROUTING, 24).fragment(true, 0).extension(IPPROTO_AH, 24)
                .extension(IPPROTO_DSTOPTS, 8).wrap(tcp().bytes())));
        frames.add(ethernet(ETH_P_IPV6).wrap(chainOf(8, IPPROTO_TCP).wrap(tcp().bytes())));
        frames.add(ethernet(ETH_P_IPV6).wrap(chainOf(9, IPPROTO_TCP).wrap(tcp().bytes())));
        frames.add(ethernet(ETH_P_IPV6).wrap(chainOf(9, IPPROTO_UDP).wrap(udp(16))));
        for (int[] later : new int[][] {{1, 1}, {0, 185}, {1, 8191}, {0, 4}}) {
            frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().fragment(later[0] == 1, later[1]).wrap(tcp().bytes())));
            frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_HOPOPTS).fragment(later[0] == 1, later[1])
                    .wrap(tcp().bytes())));
        }
        byte[] esp = concat(new byte[] {0, 0, 1, 0, 0, 0, 0, 1}, tcp().bytes());
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().nextHeader(IPPROTO_ESP).wrap(esp)));
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_HOPOPTS).extension(IPPROTO_DSTOPTS)
                .nextHeader(IPPROTO_ESP).wrap(esp)));
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().nextHeader(IPPROTO_ESP).wrap(new byte[40])));
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_HOPOPTS).nextHeader(IPPROTO_UDP).wrap(udp(32))));
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_HOPOPTS).nextHeader(IPPROTO_ICMPV6)
                .wrap(icmpEcho(143, 20))));
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().nextHeader(IPPROTO_NONE).wrap(new byte[0])));
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_DSTOPTS).nextHeader(IPPROTO_NONE)
                .wrap(tcp().bytes())));
        for (int flags : new int[] {SYN, SYN | ACK, ACK, RST, FIN | ACK}) {
            frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_DSTOPTS).extension(IPPROTO_AH)
                    .wrap(tcp().flags(flags).bytes())));
        }
        byte[] longDstOpts = ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_DSTOPTS).wrap(tcp().bytes()));
        longDstOpts[ETHERNET_HEADER + IPV6_HEADER + 1] = (byte) 255;
        frames.add(longDstOpts);
        byte[] longAh = ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_AH).wrap(tcp().bytes()));
        longAh[ETHERNET_HEADER + IPV6_HEADER + 1] = (byte) 255;
        frames.add(longAh);
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_HOPOPTS, 8).extension(IPPROTO_ROUTING, 24)
                .fragment(false, 0).extension(IPPROTO_AH, 16).wrap(tcp().dataOffset(6).payload(8).bytes())));
        frames.add(ethernet(ETH_P_IPV6).tag(ETH_P_QINQ_OLD, 7).wrap(ipv6().extension(IPPROTO_HOPOPTS)
                .extension(IPPROTO_DSTOPTS).wrap(tcp().bytes())));
        for (int[] types : new int[][] {{IPPROTO_HOPOPTS}, {IPPROTO_DSTOPTS}, {IPPROTO_AH},
            {IPPROTO_HOPOPTS, IPPROTO_ROUTING, IPPROTO_FRAGMENT, IPPROTO_DSTOPTS}, {IPPROTO_HOPOPTS, IPPROTO_DSTOPTS}}) {
            frames.add(ipv6Syn(types));
        }
        return frames;
    }

    /** An IPv6 header with {@code length} extension headers cycling through every type the program walks. */
    public static Ipv6 chainOf(int length, int nextHeader) {
        int[] cycle = {IPPROTO_HOPOPTS, IPPROTO_DSTOPTS, IPPROTO_ROUTING, IPPROTO_FRAGMENT, IPPROTO_AH};
        Ipv6 ip = ipv6().nextHeader(nextHeader);
        for (int i = 0; i < length; i++) {
            ip.extension(cycle[i % cycle.length]);
        }
        return ip;
    }

    /**
     * {@code count} copies of frames drawn from {@code frames} by a {@link Random} of {@code seed}, each with one to
     * four bytes among its first {@code headerBytes} overwritten: random bytes, or one of the values the walk tests
     * for (TPIDs, EtherTypes, next-header numbers, version nibbles, flag bits).
     */
    public static List<byte[]> mutations(List<byte[]> frames, int count, long seed, int headerBytes) {
        int[] interesting = {0x00, 0x01, 0x02, 0x04, 0x06, 0x08, 0x10, 0x11, 0x12, 0x20, 0x2b, 0x2c, 0x32, 0x33, 0x3a,
            0x3b, 0x3c, 0x40, 0x45, 0x4f, 0x50, 0x60, 0x81, 0x86, 0x88, 0x91, 0xa8, 0xdd, 0xf8, 0xff};
        Random random = new Random(seed);
        List<byte[]> mutated = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            byte[] frame = frames.get(random.nextInt(frames.size())).clone();
            int flips = 1 + random.nextInt(4);
            for (int f = 0; f < flips; f++) {
                int at = random.nextInt(Math.min(headerBytes, frame.length));
                frame[at] = (byte) (random.nextBoolean() ? random.nextInt(256)
                        : interesting[random.nextInt(interesting.length)]);
            }
            mutated.add(frame);
        }
        return mutated;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] all = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
