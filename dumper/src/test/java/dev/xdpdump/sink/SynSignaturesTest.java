package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.CaptureEvents;
import dev.xdpdump.event.FrameFields;
import dev.xdpdump.testing.Frames;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SynSignaturesTest {
    /** Frames.ipv4Syn: Ethernet, a 20-byte IPv4 header, then TCP with 20 bytes of options. */
    private static final int OPTIONS_AT = 14 + 20 + 20;
    private static final int OPTIONS_LENGTH = 20;

    private final FrameFields fields = new FrameFields();

    private static byte[] synWithOptions(int window, int... options) {
        byte[] frame = Frames.ipv4Syn();
        java.util.Arrays.fill(frame, OPTIONS_AT, OPTIONS_AT + OPTIONS_LENGTH, (byte) 0);
        for (int i = 0; i < options.length; i++) {
            frame[OPTIONS_AT + i] = (byte) options[i];
        }
        frame[14 + 20 + 14] = (byte) (window >>> 8);
        frame[14 + 20 + 15] = (byte) window;
        return frame;
    }

    private String muonFp(byte[] frame) {
        OutputBuffer out = new OutputBuffer(64);
        SynSignatures.writeMuonFp(out, fields.decode(CaptureEvents.of(frame, 4)));
        return new String(out.toByteArray(), StandardCharsets.US_ASCII);
    }

    @Test
    void muonFpMatchesTheSpecsOwnExample() {
        // The README of sundruid/muonfp: "26847:2-4-8-1-3:1460:8", window, kinds in order, MSS, window scale.
        byte[] frame = synWithOptions(26847, 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 8);
        assertEquals("26847:2-4-8-1-3:1460:8", muonFp(frame));
    }

    @Test
    void muonFpLeavesAbsentValuesEmptyAndStopsAtEndOfOptions() {
        assertEquals("1024:1-0::", muonFp(synWithOptions(1024, 1, 0)));
        assertEquals("65535:2-0:1460:", muonFp(synWithOptions(65535, 2, 4, 0x05, 0xb4, 0, 1, 1)));
    }

    @Test
    void tcpdumpTextNamesEachOptionAsTcpdumpDoes() {
        byte[] frame = synWithOptions(64240, 2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0x30, 0x39, 0, 0, 0, 0, 1, 3, 3, 7);
        OutputBuffer out = new OutputBuffer(64);
        SynSignatures.writeTcpdumpOptions(out, fields.decode(CaptureEvents.of(frame, 4)).options());
        assertEquals("mss 1460,sackOK,TS val 12345 ecr 0,nop,wscale 7",
                new String(out.toByteArray(), StandardCharsets.US_ASCII));
    }

    @Test
    void anyOptionBytesGiveWellFormedFieldsOrNullsAndJsonThatParses() throws Exception {
        Random random = new Random(20261202);
        for (int i = 0; i < 20_000; i++) {
            byte[] frame = synWithOptions(random.nextInt(65536));
            for (int j = 0; j < OPTIONS_LENGTH; j++) {
                // Mostly small kinds and lengths, so the walk meets real options as well as garbage.
                frame[OPTIONS_AT + j] = (byte) (random.nextBoolean() ? random.nextInt(12) : random.nextInt(256));
            }
            int snap = random.nextInt(4) == 0 ? 1 + random.nextInt(frame.length) : frame.length;
            CaptureEvent event = CaptureEvents.of(frame, snap, 14, 4);
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (JsonSink sink = new JsonSink(Output.of(Channels.newChannel(bytes), "memory"), SampleEvents.NAMES)) {
                sink.write(event);
            }
            RecordChecks.checkJson(bytes.toByteArray(), event, SampleEvents.NAMES);
        }
    }
}
