package dev.xdpdump.bpf;

import dev.xdpdump.filter.FilterExpression;
import dev.xdpdump.sys.Libpcap;
import dev.xdpdump.testing.FrameCorpus;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The capture program with an expression linked in, against libpcap's own interpreter: on every frame of the kernel
 * tests' corpus, through both entry points, a connection request is emitted exactly when libpcap's
 * {@code bpf_filter} keeps the frame, and counted as filtered otherwise; frames that are no connection request never
 * reach the expression.
 */
class FilterExpressionKernelTest {
    private static List<byte[]> corpus;

    @BeforeAll
    static void corpus() {
        corpus = FrameCorpus.kernelTestFrames();
    }

    static List<Arguments> expressions() {
        List<Arguments> cases = new ArrayList<>();
        for (CaptureProgram.Entry entry : CaptureProgram.Entry.values()) {
            FilterExpressions.ALL.forEach(e -> cases.add(Arguments.of(entry, e)));
        }
        return cases;
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("expressions")
    void emitsExactlyTheRequestsLibpcapKeeps(CaptureProgram.Entry entry, String text) throws Exception {
        Privileges.requireCaptureCapabilities();
        FilterExpression expression = FilterExpression.compile(text);
        byte[] classic = expression.classicInstructions();
        long requests = 0;
        long kept = 0;
        try (CaptureFixture unfiltered = CaptureFixture.open(256)) {
            for (byte[] frame : corpus) {
                unfiltered.run(entry, frame);
            }
            requests = unfiltered.counters().matched();
        }
        try (CaptureFixture capture = CaptureFixture.open(256, CaptureFixture.RING_BYTES, expression.instructions())) {
            List<Integer> disagreements = new ArrayList<>();
            for (int i = 0; i < corpus.size(); i++) {
                byte[] frame = corpus.get(i);
                ProgramCounters before = capture.counters();
                capture.run(entry, frame);
                ProgramCounters after = capture.counters();
                if (after.matched() == before.matched()) {
                    continue; // not a connection request: the expression never runs
                }
                boolean emitted = after.filtered() == before.filtered();
                boolean libpcapKeeps = Libpcap.run(classic, frame, frame.length, frame.length) != 0;
                kept += libpcapKeeps ? 1 : 0;
                if (emitted != libpcapKeeps) {
                    disagreements.add(i);
                }
                capture.drain();
            }
            assertEquals(List.of(), disagreements, "frames where the kernel and libpcap disagree on '" + text
                    + "'\n" + expression.classicListing() + expression.ebpfListing());
            ProgramCounters books = capture.counters();
            assertEquals(requests, books.matched());
            assertEquals(requests - kept, books.filtered());
            assertEquals(books.matched(), books.emitted() + books.lostRingFull() + books.lostNoRing()
                    + books.lostOther() + books.filtered());
        }
    }
}
