package dev.xdpdump.e2e;

import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.EthernetPacket;
import org.pcap4j.packet.IllegalRawDataException;
import org.pcap4j.packet.IpV4Packet;
import org.pcap4j.packet.IpV6Packet;
import org.pcap4j.packet.TcpPacket;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * One record of a pcap file as libpcap (through pcap4j) reads it, decoded by pcap4j's parser: an implementation
 * independent of xdpdump's own decoder.
 */
record Frame(Instant timestamp, byte[] bytes, int wireLength) {
    private static final int MAX_RECORDS = 10_000;

    /** Every record of a pcap file, in file order, with nanosecond timestamps. */
    static List<Frame> readPcap(Path file) throws Exception {
        PcapHandle handle = Pcaps.openOffline(file.toString(), PcapHandle.TimestampPrecision.NANO);
        try {
            List<Frame> frames = new ArrayList<>();
            for (byte[] bytes; frames.size() < MAX_RECORDS && (bytes = handle.getNextRawPacket()) != null; ) {
                frames.add(new Frame(handle.getTimestamp().toInstant(), bytes, handle.getOriginalLength()));
            }
            return frames;
        } finally {
            handle.close();
        }
    }

    /** The one frame with this TCP source port; fails the test when there is none. */
    static Frame withSourcePort(List<Frame> frames, int sourcePort) throws IllegalRawDataException {
        for (Frame frame : frames) {
            if (frame.tcp().getHeader().getSrcPort().valueAsInt() == sourcePort) {
                return frame;
            }
        }
        assertNotNull(null, "no frame from source port " + sourcePort + " among " + frames.size());
        return null;
    }

    private EthernetPacket ethernet() throws IllegalRawDataException {
        return EthernetPacket.newPacket(bytes, 0, bytes.length);
    }

    TcpPacket tcp() throws IllegalRawDataException {
        TcpPacket tcp = ethernet().get(TcpPacket.class);
        assertNotNull(tcp, "pcap4j finds no TCP header in the frame");
        return tcp;
    }

    int ipVersion() throws IllegalRawDataException {
        return ethernet().contains(IpV6Packet.class) ? 6 : 4;
    }

    InetAddress source() throws IllegalRawDataException {
        EthernetPacket ethernet = ethernet();
        IpV4Packet v4 = ethernet.get(IpV4Packet.class);
        return v4 != null ? v4.getHeader().getSrcAddr() : ethernet.get(IpV6Packet.class).getHeader().getSrcAddr();
    }

    InetAddress destination() throws IllegalRawDataException {
        EthernetPacket ethernet = ethernet();
        IpV4Packet v4 = ethernet.get(IpV4Packet.class);
        return v4 != null ? v4.getHeader().getDstAddr() : ethernet.get(IpV6Packet.class).getHeader().getDstAddr();
    }

    int sourcePort() throws IllegalRawDataException {
        return tcp().getHeader().getSrcPort().valueAsInt();
    }

    int destinationPort() throws IllegalRawDataException {
        return tcp().getHeader().getDstPort().valueAsInt();
    }

    long seq() throws IllegalRawDataException {
        return tcp().getHeader().getSequenceNumberAsLong();
    }

    int window() throws IllegalRawDataException {
        return tcp().getHeader().getWindowAsInt();
    }

    /** IPv4 TTL or IPv6 hop limit. */
    int ttl() throws IllegalRawDataException {
        EthernetPacket ethernet = ethernet();
        IpV4Packet v4 = ethernet.get(IpV4Packet.class);
        return v4 != null ? v4.getHeader().getTtlAsInt() : ethernet.get(IpV6Packet.class).getHeader().getHopLimitAsInt();
    }
}
