package dev.xdpdump.filter;

import dev.xdpdump.sys.Libpcap;
import dev.xdpdump.sys.VerifierException;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The translator against libpcap on random expressions and random frames: for every expression libpcap compiles,
 * the translator takes it, the verifier accepts the translation, and the translated filter keeps exactly the frames
 * libpcap's own {@code bpf_filter} keeps. The seed is fixed so a failure repeats; {@code -Dxdpdump.filter.seed=N}
 * and {@code -Dxdpdump.filter.cases=N} explore further.
 */
class FilterTranslatorPropertyKernelTest {
    private static final long SEED = 0x7f1_17e2L;
    private static final int CASES = 300;
    private static final int FRAMES = 200;
    private static final int SHOWN_DISAGREEMENTS = 5;
    private static final int VERIFIER_LOG_LINES = 100;
    /** Most expressions must compile, or the generator tests little; libpcap refuses those it proves match nothing. */
    private static final double MAX_REFUSED = 0.1;
    /** Most expressions must keep some frames and reject others, or the frames test little. */
    private static final double MIN_SPLITTING = 0.5;

    private final List<String> refused = new ArrayList<>();
    private final List<String> failures = new ArrayList<>();
    private long comparisons;
    private long disagreements;
    private int splitting;

    @Test
    void translatedFiltersKeepExactlyWhatLibpcapKeeps() throws Exception {
        Privileges.requireCaptureCapabilities();
        long seed = Long.getLong("xdpdump.filter.seed", SEED);
        int cases = Integer.getInteger("xdpdump.filter.cases", CASES);
        Random random = new Random(seed);
        List<byte[]> frames = new RandomFrames(random).take(FRAMES);
        RandomExpressions expressions = new RandomExpressions(random);
        for (int i = 0; i < cases; i++) {
            compare(expressions.next(), frames);
        }
        System.out.printf("translator property: %d expressions (%d refused by libpcap), %d frames each, %d comparisons,"
                + " %d disagreements, seed %d%n", cases, refused.size(), frames.size(), comparisons, disagreements,
                seed);
        assertTrue(failures.isEmpty(), disagreements + " disagreements; the first of them, and every expression the"
                + " translator or the verifier refused:\n\n" + String.join("\n\n", failures));
        int compiled = cases - refused.size();
        assertTrue(refused.size() <= cases * MAX_REFUSED, "libpcap refused " + refused.size() + " of " + cases
                + " expressions:\n" + String.join("\n", refused));
        assertTrue(splitting >= compiled * MIN_SPLITTING, "only " + splitting + " of " + compiled
                + " expressions keep some frames and reject others");
    }

    private void compare(String text, List<byte[]> frames) throws Exception {
        FilterExpression filter;
        try {
            filter = FilterExpression.compile(text);
        } catch (Libpcap.CompileException e) {
            refused.add(text + ": " + e.getMessage());
            return;
        } catch (UnsupportedFilterException e) {
            failures.add("the translator refuses '" + text + "': " + e.getMessage() + "\n"
                    + ClassicListing.of(ClassicInstruction.decode(Libpcap.compile(text))));
            return;
        }
        byte[] classic = filter.classicInstructions();
        int kept = 0;
        try (TranslatedFilterHarness harness = TranslatedFilterHarness.load(filter)) {
            for (byte[] frame : frames) {
                boolean libpcapKeeps = Libpcap.run(classic, frame, frame.length, frame.length) != 0;
                boolean kernelKeeps = harness.keeps(frame);
                comparisons++;
                kept += libpcapKeeps ? 1 : 0;
                if (kernelKeeps != libpcapKeeps && ++disagreements <= SHOWN_DISAGREEMENTS) {
                    failures.add("'" + text + "': the kernel " + (kernelKeeps ? "keeps" : "rejects") + ", libpcap "
                            + (libpcapKeeps ? "keeps" : "rejects") + " the " + frame.length + "-byte frame "
                            + HexFormat.of().formatHex(frame) + "\n" + listings(filter));
                }
            }
        } catch (VerifierException e) {
            failures.add("the verifier rejects '" + text + "'\n" + listings(filter) + "verifier log, last "
                    + VERIFIER_LOG_LINES + " lines:\n" + e.tail(VERIFIER_LOG_LINES));
            return;
        }
        splitting += kept > 0 && kept < frames.size() ? 1 : 0;
    }

    private static String listings(FilterExpression filter) {
        return "classic:\n" + filter.classicListing() + "eBPF:\n" + filter.ebpfListing();
    }
}
