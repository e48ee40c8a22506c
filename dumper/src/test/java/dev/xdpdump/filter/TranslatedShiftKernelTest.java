package dev.xdpdump.filter;

import dev.xdpdump.sys.Libpcap;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static dev.xdpdump.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Shifts by a register ({@code lsh x}, {@code rsh x}) of 32 bits or more: libpcap's {@code bpf_filter} makes the
 * result 0, while eBPF's 32-bit shift takes the amount mod 32 (interpreter and JITs alike), so the translation has to
 * say which it is. The amount is the TCP source port's low byte, 31 to 255.
 */
class TranslatedShiftKernelTest {
    private static final int[] AMOUNTS = {31, 32, 33, 63, 64, 255};

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"tcp[0] << tcp[1] != 0", "tcp[0] << tcp[1] = 2", "0x80000000 >> tcp[1] != 0"})
    void shiftsByThirtyTwoOrMoreDecideAsLibpcap(String text) throws Exception {
        Privileges.requireCaptureCapabilities();
        FilterExpression filter = FilterExpression.compile(text);
        List<String> disagreements = new ArrayList<>();
        try (TranslatedFilterHarness harness = TranslatedFilterHarness.load(filter)) {
            for (int amount : AMOUNTS) {
                byte[] frame = ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().ports(1 << 8 | amount, 80).bytes()));
                boolean libpcapKeeps = Libpcap.run(filter.classicInstructions(), frame, frame.length,
                        frame.length) != 0;
                if (harness.keeps(frame) != libpcapKeeps) {
                    disagreements.add("by " + amount + ": libpcap " + (libpcapKeeps ? "keeps" : "rejects") + " "
                            + HexFormat.of().formatHex(frame));
                }
            }
        }
        assertEquals(List.of(), disagreements, "'" + text + "'\n" + filter.classicListing() + filter.ebpfListing());
    }
}
