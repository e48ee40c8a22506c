package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.CaptureEvents;
import dev.xdpdump.testing.Frames;

import java.util.List;
import java.util.Map;

/** The events every sink test writes: whole SYNs of each kind, truncated captures and an event with garbage offsets. */
final class SampleEvents {
    static final InterfaceNames NAMES = InterfaceNames.of(Map.of(CaptureEvents.IFINDEX, "eth0"));

    private SampleEvents() {}

    static CaptureEvent ipv4() {
        return CaptureEvents.of(Frames.ipv4Syn(), 4);
    }

    static CaptureEvent ipv6() {
        return CaptureEvents.of(Frames.ipv6Syn(), 6);
    }

    /** IPv6 behind Hop-by-Hop and Destination Options headers (8 bytes each): TCP at 14 + 40 + 16. */
    static CaptureEvent ipv6Extensions() {
        byte[] frame = Frames.ipv6Syn(0, 60);
        return CaptureEvents.of(frame, frame.length, Frames.ETHERNET_HEADER, Frames.ETHERNET_HEADER + 56, 6);
    }

    /** 802.1Q tagged, SYN with ECE and CWR. */
    static CaptureEvent vlanEcn() {
        byte[] frame = Frames.taggedIpv4Syn(0xc2);
        return CaptureEvents.of(frame, frame.length, Frames.ETHERNET_HEADER + Frames.VLAN_TAG, 4);
    }

    /** Snap length 38: addresses and ports, no sequence number, flags or window. */
    static CaptureEvent truncatedAfterPorts() {
        return CaptureEvents.of(Frames.ipv4Syn(), 38, Frames.ETHERNET_HEADER, 4);
    }

    /** Snap length 20: only the Ethernet header and the start of IP. */
    static CaptureEvent truncatedInIpHeader() {
        return CaptureEvents.of(Frames.ipv4Syn(), 20, Frames.ETHERNET_HEADER, 4);
    }

    /** Offsets and lengths no real event has. */
    static CaptureEvent garbage() {
        CaptureEvent event = CaptureEvents.of(Frames.ipv4Syn(), 4);
        return event.set(-1, 99, -7, 12345, -1, event.capacity(), -14, Integer.MAX_VALUE, 9);
    }

    static List<CaptureEvent> all() {
        return List.of(ipv4(), ipv6(), ipv6Extensions(), vlanEcn(), truncatedAfterPorts(), truncatedInIpHeader(), garbage());
    }
}
