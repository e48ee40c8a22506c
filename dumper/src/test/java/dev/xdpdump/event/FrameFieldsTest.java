package dev.xdpdump.event;

import dev.xdpdump.testing.Frames;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FrameFieldsTest {
    private final FrameFields fields = new FrameFields();

    @Test
    void decodesEveryFieldOfAnIpv4Syn() {
        fields.decode(CaptureEvents.of(Frames.ipv4Syn(), 4));

        assertEquals(4, fields.ipVersion());
        assertEquals(4, fields.addressLength());
        assertAllPresent();
        assertArrayEquals(new byte[] {(byte) 192, 0, 2, 1}, Arrays.copyOf(fields.sourceAddress(), 4));
        assertArrayEquals(new byte[] {(byte) 198, 51, 100, 7}, Arrays.copyOf(fields.destinationAddress(), 4));
        assertEquals(Frames.SOURCE_PORT, fields.sourcePort());
        assertEquals(Frames.DESTINATION_PORT, fields.destinationPort());
        assertEquals(Frames.SEQ, fields.seq());
        assertEquals(0x02, fields.flags());
        assertEquals(Frames.WINDOW, fields.window());
        assertEquals(64, fields.ttl());
    }

    @Test
    void decodesEveryFieldOfAnIpv6Syn() {
        fields.decode(CaptureEvents.of(Frames.ipv6Syn(), 6));

        assertEquals(6, fields.ipVersion());
        assertEquals(16, fields.addressLength());
        assertAllPresent();
        assertEquals(0x20, fields.sourceAddress()[0]);
        assertEquals(1, fields.sourceAddress()[15]);
        assertEquals((byte) 0x80, fields.destinationAddress()[15]);
        assertEquals(Frames.SOURCE_PORT, fields.sourcePort());
        assertEquals(Frames.SEQ, fields.seq());
        assertEquals(57, fields.ttl());
    }

    @Test
    void listsNoExtensionHeadersForAPlainIpv6SynAndNoneAtAllForIpv4() {
        fields.decode(CaptureEvents.of(Frames.ipv6Syn(), 6));
        assertTrue(fields.hasIpv6Extensions());
        assertEquals(0, fields.ipv6ExtensionCount());

        fields.decode(CaptureEvents.of(Frames.ipv4Syn(), 4));
        assertFalse(fields.hasIpv6Extensions());
        assertEquals(0, fields.ipv6ExtensionCount());
    }

    @Test
    void decodesTheTcpFieldsAndTheChainOfAnIpv6SynBehindExtensionHeaders() {
        // Hop-by-Hop 8, Destination Options 8, AH 16, Routing 8, Fragment 8 bytes: TCP at 14 + 40 + 48.
        byte[] frame = Frames.ipv6Syn(0, 60, 51, 43, 44);
        fields.decode(CaptureEvents.of(frame, frame.length, 14, 102, 6));

        assertAllPresent();
        assertEquals(Frames.SOURCE_PORT, fields.sourcePort());
        assertEquals(Frames.DESTINATION_PORT, fields.destinationPort());
        assertEquals(Frames.SEQ, fields.seq());
        assertEquals(0x02, fields.flags());
        assertEquals(Frames.WINDOW, fields.window());
        assertTrue(fields.hasIpv6Extensions());
        assertEquals(5, fields.ipv6ExtensionCount());
        int[] chain = new int[5];
        for (int i = 0; i < chain.length; i++) {
            chain[i] = fields.ipv6Extension(i);
        }
        assertArrayEquals(new int[] {0, 60, 51, 43, 44}, chain);
    }

    @Test
    void leavesTheChainAbsentWhenTheCaptureEndsInsideIt() {
        byte[] frame = Frames.ipv6Syn(0, 60);
        // The second header's next-header byte is at 14 + 40 + 8: one byte short of it.
        fields.decode(CaptureEvents.of(frame, 62, 14, 70, 6));
        assertFalse(fields.hasIpv6Extensions());
        assertEquals(0, fields.ipv6ExtensionCount());
        assertTrue(fields.hasSource());
        // Only the first byte of the fixed header: not even the first next-header byte.
        fields.decode(CaptureEvents.of(Frames.ipv6Syn(), 15, 14, 54, 6));
        assertFalse(fields.hasIpv6Extensions());
    }

    @Test
    void leavesTheChainAbsentWhenItDisagreesWithTheTcpOffset() {
        byte[] frame = Frames.ipv6Syn(0, 60);
        fields.decode(CaptureEvents.of(frame, frame.length, 14, 62, 6)); // the chain ends at 70
        assertFalse(fields.hasIpv6Extensions());
        fields.decode(CaptureEvents.of(frame, frame.length, 14, 78, 6)); // past its end
        assertFalse(fields.hasIpv6Extensions());
        fields.decode(CaptureEvents.of(Frames.ipv6Syn(), 94, 14, 62, 6)); // TCP read as a header
        assertFalse(fields.hasIpv6Extensions());
    }

    @Test
    void leavesTheChainAbsentPastTheProgramsBound() {
        int[] nine = {0, 60, 60, 60, 60, 60, 60, 60, 60};
        byte[] frame = Frames.ipv6Syn(nine);
        fields.decode(CaptureEvents.of(frame, frame.length, 14, 14 + 40 + 72, 6));
        assertFalse(fields.hasIpv6Extensions());
        byte[] eight = Frames.ipv6Syn(Arrays.copyOf(nine, 8));
        fields.decode(CaptureEvents.of(eight, eight.length, 14, 14 + 40 + 64, 6));
        assertEquals(8, fields.ipv6ExtensionCount());
    }

    @Test
    void decodesAVlanTaggedSynFromItsL3Offset() {
        byte[] frame = Frames.taggedIpv4Syn(0xc2);
        fields.decode(CaptureEvents.of(frame, frame.length, Frames.ETHERNET_HEADER + Frames.VLAN_TAG, 4));

        assertAllPresent();
        assertEquals(Frames.DESTINATION_PORT, fields.destinationPort());
        assertEquals(0xc2, fields.flags());
    }

    @Test
    void marksFieldsBeyondASmallSnapLengthAbsent() {
        // 14 Ethernet + 20 IPv4 + 4 TCP bytes: addresses and ports, nothing after them.
        fields.decode(CaptureEvents.of(Frames.ipv4Syn(), 38, Frames.ETHERNET_HEADER, 4));

        assertTrue(fields.hasSource());
        assertTrue(fields.hasDestination());
        assertTrue(fields.hasTtl());
        assertTrue(fields.hasSourcePort());
        assertTrue(fields.hasDestinationPort());
        assertFalse(fields.hasSeq());
        assertFalse(fields.hasFlags());
        assertFalse(fields.hasWindow());
    }

    @Test
    void keepsTheSourceWhenTheCaptureEndsInsideTheDestination() {
        fields.decode(CaptureEvents.of(Frames.ipv6Syn(), 14 + 30, Frames.ETHERNET_HEADER, 6));

        assertTrue(fields.hasSource());
        assertFalse(fields.hasDestination());
        assertFalse(fields.hasSourcePort());
    }

    @Test
    void forgetsTheFieldsOfThePreviousEvent() {
        fields.decode(CaptureEvents.of(Frames.ipv4Syn(), 4));
        fields.decode(CaptureEvents.of(Frames.ipv4Syn(), 20, Frames.ETHERNET_HEADER, 4));

        assertEquals(4, fields.ipVersion());
        assertFalse(fields.hasTtl());
        assertFalse(fields.hasSource());
        assertFalse(fields.hasSourcePort());
        assertEquals(0, fields.sourcePort());
    }

    @Test
    void recognizesNoHeaderWhenTheVersionNibbleDisagrees() {
        fields.decode(CaptureEvents.of(Frames.ipv4Syn(), 6));

        assertEquals(0, fields.ipVersion());
        assertEquals(0, fields.addressLength());
        assertNoneFieldPresent();
    }

    @Test
    void ignoresATcpOffsetInsideTheIpHeader() {
        CaptureEvent event = CaptureEvents.of(Frames.ipv4Syn(), 4);
        event.set(0, 0, 0, 0, 74, 74, 14, 20, 4);
        fields.decode(event);

        assertTrue(fields.hasSource());
        assertFalse(fields.hasSourcePort());
        assertFalse(fields.hasFlags());
    }

    @Test
    void neverThrowsOnGarbageOffsetsAndLengths() {
        int[] awkward = {Integer.MIN_VALUE, -65536, -1, 0, 1, 13, 14, 33, 53, 73, 74, 75, 255, 256, 65535,
            Integer.MAX_VALUE - 1, Integer.MAX_VALUE};
        CaptureEvent event = CaptureEvents.of(Frames.ipv4Syn(), 4);
        // Every length the slot accepts (its invariant: within its capacity and the wire), any offsets at all.
        for (int captured : new int[] {0, 1, 13, 14, 33, 53, 73, event.capacity()}) {
            for (int l3 : awkward) {
                for (int l4 : awkward) {
                    for (int version : new int[] {-1, 0, 4, 6, 255}) {
                        event.set(0, 0, 0, 0, 74, captured, l3, l4, version);
                        fields.decode(event);
                    }
                }
            }
        }
        Random random = new Random(42);
        byte[] noise = new byte[128];
        CaptureEvent noisy = new CaptureEvent(noise.length);
        for (int i = 0; i < 100_000; i++) {
            random.nextBytes(noise);
            System.arraycopy(noise, 0, noisy.frame(), 0, noise.length);
            noisy.set(random.nextLong(), 0, 0, 0, -1, random.nextInt(noise.length + 1),
                random.nextInt(150) - 10, random.nextInt(150) - 10, random.nextBoolean() ? 4 : 6);
            fields.decode(noisy);
        }
    }

    @Test
    void slotRefusesACapturedLengthBeyondItselfOrTheWire() {
        CaptureEvent event = new CaptureEvent(64);
        assertThrows(IllegalArgumentException.class, () -> event.set(0, 0, 0, 0, 1500, 65, 14, 34, 4));
        assertThrows(IllegalArgumentException.class, () -> event.set(0, 0, 0, 0, 1500, -5, 14, 34, 4));
        assertThrows(IllegalArgumentException.class, () -> event.set(0, 0, 0, 0, 30, 40, 14, 34, 4));
        assertEquals(64, event.set(0, 0, 0, 0, -1, 64, 14, 34, 4).capturedLength(), "wire length is unsigned");
        assertEquals(40, event.set(0, 0, 0, 0, 1500, 40, 14, 34, 4).capturedLength());
    }

    @Test
    void decodesTheFingerprintFieldsOfAnIpv4SynAsFramesBuiltThem() {
        // Frames.ipv4Syn: id 0x1c46, DF, TOS 0, no IP options, 20 bytes of options mss 1460, sackOK, TS 123456/0,
        // nop, wscale 7, no payload.
        fields.decode(CaptureEvents.of(Frames.ipv4Syn(), 4));
        assertEquals(0x1c46, fields.ipId());
        assertTrue(fields.df());
        assertEquals(0, fields.tos());
        assertEquals(0, fields.ipOptsLength());
        assertEquals(0, fields.ack());
        assertEquals(0, fields.urp());
        assertEquals(0, fields.payloadLength());
        assertTrue(fields.hasOptions());
        TcpOptions o = fields.options();
        assertEquals(5, o.count());
        assertArrayEquals(new int[] {2, 4, 8, 1, 3}, new int[] {o.kind(0), o.kind(1), o.kind(2), o.kind(3), o.kind(4)});
        assertEquals(1460, o.mss());
        assertEquals(7, o.wscale());
        assertTrue(o.sackOk());
        assertEquals(123456, o.tsVal());
        assertEquals(0, o.tsEcr());
        assertEquals(0, o.quirks(), "a well-formed Linux layout has no option quirks");
    }

    @Test
    void optionsAreAbsentUnlessEveryOptionByteWasCaptured() {
        byte[] frame = Frames.ipv4Syn();
        fields.decode(CaptureEvents.of(frame, frame.length - 1, 14, 4));
        assertFalse(fields.hasOptions());
        assertTrue(fields.hasWindow());
        assertTrue(fields.hasPayloadLength());
        fields.decode(CaptureEvents.of(frame, frame.length, 14, 4));
        assertTrue(fields.hasOptions());
    }

    @Test
    void ipv6GivesTrafficClassFlowLabelAndTheExtensionHeadersLength() {
        byte[] frame = Frames.ipv6Syn(0, 60);
        fields.decode(CaptureEvents.of(frame, frame.length, 14, 14 + 56, 6));
        assertTrue(fields.hasFlow());
        assertFalse(fields.hasIpId());
        assertEquals(16, fields.ipOptsLength());
        assertTrue(fields.hasOptions());
        // The Destination Options header's length byte (frame byte 63) is the first one missing.
        fields.decode(CaptureEvents.of(frame, 14 + 49, 14, 14 + 56, 6));
        assertFalse(fields.hasIpOptsLength());
        assertFalse(fields.hasOptions());
    }

    private void assertAllPresent() {
        assertTrue(fields.hasSource());
        assertTrue(fields.hasDestination());
        assertTrue(fields.hasSourcePort());
        assertTrue(fields.hasDestinationPort());
        assertTrue(fields.hasSeq());
        assertTrue(fields.hasFlags());
        assertTrue(fields.hasWindow());
        assertTrue(fields.hasTtl());
    }

    private void assertNoneFieldPresent() {
        assertFalse(fields.hasSource());
        assertFalse(fields.hasDestination());
        assertFalse(fields.hasSourcePort());
        assertFalse(fields.hasDestinationPort());
        assertFalse(fields.hasSeq());
        assertFalse(fields.hasFlags());
        assertFalse(fields.hasWindow());
        assertFalse(fields.hasTtl());
        assertFalse(fields.hasIpv6Extensions());
    }
}
