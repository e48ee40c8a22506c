package dev.xdpdump.bpf;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.ConnectionRequests;
import dev.xdpdump.event.ConnectionRequests.Verdict;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.testing.FrameCorpus;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ConnectionRequests} against the loaded program, frame by frame: every frame the kernel tests build
 * ({@link FrameCorpus}), cut at every length up to its headers and beyond, and thousands of mutations of them (fixed
 * seed) with bytes of their headers overwritten. Each is run with BPF_PROG_TEST_RUN at both entry points; the
 * program's verdict is read from the counters' deltas (matched, unparsed, neither) and, for a request, from the
 * event's offsets and IP version. A frame the test run refuses (EINVAL) never reaches the program and is counted, not
 * compared: on 6.18 the XDP run refuses frames shorter than an Ethernet header, the skb run also those shorter than
 * 34 bytes and IPv6 ones shorter than 54 (Ethernet and a fixed IP header).
 */
class ConnectionRequestsDifferentialKernelTest {
    private static final int SNAP = 128;
    private static final long SEED = 0x5eed_c1a55L;
    private static final int MUTATIONS = 5000;
    /** Every header a corpus frame has lies in its first 200 bytes but for the 1028- and 2048-byte extensions. */
    private static final int HEADER_BYTES = 200;

    @Test
    void javaWalkAgreesWithTheProgramOnEveryFrame() throws Exception {
        Privileges.requireCaptureCapabilities();
        List<byte[]> frames = corpus();
        ConnectionRequests.Walk walk = new ConnectionRequests.Walk();
        int compared = 0;
        int[] refused = new int[CaptureProgram.Entry.values().length];
        int[] verdicts = new int[Verdict.values().length];
        List<String> disagreements = new ArrayList<>();
        try (CaptureFixture capture = CaptureFixture.open(SNAP)) {
            for (CaptureProgram.Entry entry : CaptureProgram.Entry.values()) {
                for (byte[] frame : frames) {
                    ProgramCounters before = capture.counters();
                    try {
                        capture.run(entry, frame);
                    } catch (ErrnoException e) {
                        assertEquals(ErrnoException.EINVAL, e.errno(), "test run of a " + frame.length
                                + "-byte frame: " + e);
                        refused[entry.ordinal()]++;
                        continue;
                    }
                    ProgramCounters after = capture.counters();
                    List<CaptureEvent> events = capture.drain();
                    long matched = after.matched() - before.matched();
                    long unparsed = after.unparsed() - before.unparsed();
                    assertEquals(1, after.frames() - before.frames(), "frames counted");
                    Verdict program = matched == 1 && unparsed == 0 ? Verdict.REQUEST
                            : unparsed == 1 && matched == 0 ? Verdict.UNPARSED
                            : matched == 0 && unparsed == 0 ? Verdict.NOT_A_REQUEST : null;
                    Verdict java = ConnectionRequests.classify(frame, frame.length, walk);
                    compared++;
                    verdicts[java.ordinal()]++;
                    String disagreement = null;
                    if (program != java) {
                        disagreement = "program " + program + " (matched +" + matched + ", unparsed +" + unparsed
                                + "), java " + java;
                    } else if (java == Verdict.REQUEST) {
                        CaptureEvent event = events.size() == 1 ? events.get(0) : null;
                        if (event == null) {
                            disagreement = events.size() + " events for a request";
                        } else if (event.l3Offset() != walk.l3Offset() || event.l4Offset() != walk.l4Offset()
                                || event.ipVersion() != walk.ipVersion()) {
                            disagreement = "event l3 " + event.l3Offset() + " l4 " + event.l4Offset() + " v"
                                    + event.ipVersion() + ", java l3 " + walk.l3Offset() + " l4 " + walk.l4Offset()
                                    + " v" + walk.ipVersion();
                        }
                    } else if (!events.isEmpty()) {
                        disagreement = events.size() + " events for " + java;
                    }
                    if (disagreement != null) {
                        disagreements.add(entry + ", " + frame.length + " bytes " + hex(frame, 96) + ": "
                                + disagreement);
                    }
                }
            }
        }
        System.out.printf("ConnectionRequests differential: %d frames compared (%d requests, %d not requests,"
                + " %d unparsed) over both entry points, refused by the test run %s (entry order %s), %d disagreements%n",
                compared, verdicts[Verdict.REQUEST.ordinal()], verdicts[Verdict.NOT_A_REQUEST.ordinal()],
                verdicts[Verdict.UNPARSED.ordinal()], Arrays.toString(refused),
                Arrays.toString(CaptureProgram.Entry.values()), disagreements.size());
        assertEquals(List.of(), disagreements.subList(0, Math.min(20, disagreements.size())),
                disagreements.size() + " disagreements");
        for (Verdict v : Verdict.values()) {
            assertTrue(verdicts[v.ordinal()] >= 1000, "the corpus covers " + v + ": " + verdicts[v.ordinal()]);
        }
    }

    /**
     * The kernel tests' frames whole and cut at every length to {@link #HEADER_BYTES} (for the long extension
     * headers, around their ends too), then {@link #MUTATIONS} mutations of those whole frames, every other one cut at
     * a random length.
     */
    private static List<byte[]> corpus() {
        List<byte[]> whole = FrameCorpus.kernelTestFrames();
        List<byte[]> frames = new ArrayList<>();
        for (byte[] frame : whole) {
            for (int length = 0; length < Math.min(frame.length, HEADER_BYTES); length++) {
                frames.add(Arrays.copyOf(frame, length));
            }
            for (int length = HEADER_BYTES; length < frame.length; length += 97) {
                frames.add(Arrays.copyOf(frame, length));
            }
            for (int length = Math.max(HEADER_BYTES, frame.length - 80); length < frame.length; length++) {
                frames.add(Arrays.copyOf(frame, length));
            }
            frames.add(frame);
        }
        Random random = new Random(SEED);
        for (byte[] mutant : FrameCorpus.mutations(whole, MUTATIONS, SEED, HEADER_BYTES)) {
            frames.add(random.nextBoolean() ? mutant : Arrays.copyOf(mutant, random.nextInt(mutant.length + 1)));
        }
        return frames;
    }

    private static String hex(byte[] frame, int most) {
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(most, frame.length); i++) {
            s.append(String.format("%02x", frame[i] & 0xff));
        }
        return s.toString();
    }
}
