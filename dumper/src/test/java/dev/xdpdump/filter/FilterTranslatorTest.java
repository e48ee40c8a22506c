package dev.xdpdump.filter;

import dev.xdpdump.testing.Ci;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static dev.xdpdump.filter.ClassicInstruction.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the translator refuses, each time with a message naming the instruction and the feature, and the listings
 * it prints. No kernel needed; libpcap compiles the expressions.
 */
class FilterTranslatorTest {
    private static final String TCPDUMP = "/usr/bin/tcpdump";
    private static final ClassicInstruction RETURN_A = new ClassicInstruction(RET | ClassicInstruction.RET_A, 0, 0, 0);

    @Test
    void refusesTheBackwardJumpOfProtochain() {
        UnsupportedFilterException e = assertThrows(UnsupportedFilterException.class,
                () -> FilterExpression.compile("ip6 protochain 6"));
        assertTrue(e.getMessage().matches("instruction \\d+ \\(ja .*\\): a backward jump.*"), e.getMessage());
    }

    @Test
    void ancillaryOffsetsAreLoadsPastTheFrameAndReject() throws Exception {
        for (int code : new int[] {LD | W | ABS, LD | H | IND, LDX | B | MSH}) {
            List<EbpfInstruction> ebpf = FilterTranslator.translate(
                    List.of(new ClassicInstruction(code, 0, 0, ANCILLARY_OFFSET + 4), RETURN_A));
            assertTrue(ebpf.stream().noneMatch(i -> i.instructionClass() == EbpfInstruction.LDX),
                    "no load is left: the block rejects before it; " + ebpf);
            assertEquals(EbpfInstruction.exit(), ebpf.get(ebpf.size() - 1));
        }
    }

    @Test
    void refusesDivisionByTheConstantZero() {
        for (int operation : new int[] {DIV, MOD}) {
            String message = refusal(new ClassicInstruction(LD | W | IMM, 0, 0, 7),
                    new ClassicInstruction(ALU | operation | K, 0, 0, 0), RETURN_A);
            assertTrue(message.startsWith("instruction 1 (") && message.contains("division by the constant 0"),
                    message);
        }
    }

    @Test
    void refusesShiftsByThirtyTwo() {
        for (int operation : new int[] {LSH, RSH}) {
            String message = refusal(new ClassicInstruction(LD | W | IMM, 0, 0, 7),
                    new ClassicInstruction(ALU | operation | K, 0, 0, 32), RETURN_A);
            assertTrue(message.startsWith("instruction 1 (") && message.contains("shift by 32 bits"), message);
        }
    }

    @Test
    void refusesScratchWordSixteen() {
        for (int code : new int[] {LD | W | MEM, LDX | W | MEM, ST, STX}) {
            String message = refusal(new ClassicInstruction(code, 0, 0, MEMORY_WORDS), RETURN_A);
            assertTrue(message.startsWith("instruction 0 (") && message.contains("scratch word 16"), message);
        }
    }

    @Test
    void refusesJumpsPastTheEnd() {
        ClassicInstruction load = new ClassicInstruction(LD | B | ABS, 0, 0, 0);
        ClassicInstruction conditional = new ClassicInstruction(JMP | JEQ | K, 0, 1, 6);
        ClassicInstruction always = new ClassicInstruction(JMP | JA, 0, 0, 1);
        for (ClassicInstruction jump : List.of(conditional, always)) {
            String message = refusal(load, jump, RETURN_A);
            assertTrue(message.startsWith("instruction 1 (") && message.contains("past the program's end"), message);
        }
    }

    @Test
    void refusesProgramsThatRunOffTheirEnd() {
        String message = refusal(new ClassicInstruction(LD | B | ABS, 0, 0, 0),
                new ClassicInstruction(ALU | ADD | K, 0, 0, 1));
        assertTrue(message.startsWith("instruction 1 (") && message.contains("runs off its end"), message);
    }

    @Test
    void classicListingIsWhatTcpdumpPrints() throws Exception {
        Ci.require(Files.isExecutable(Path.of(TCPDUMP)), TCPDUMP + " is not installed");
        String expression = "tcp dst port 80";
        assertEquals(tcpdumpListing(expression), FilterExpression.compile(expression).classicListing());
    }

    @Test
    void ebpfListingEndsWithExit() throws Exception {
        String listing = FilterExpression.compile("tcp dst port 80").ebpfListing();
        String[] lines = listing.split("\n");
        assertTrue(lines[lines.length - 1].endsWith(": exit"), listing);
    }

    private static String refusal(ClassicInstruction... program) {
        return assertThrows(UnsupportedFilterException.class, () -> FilterTranslator.translate(List.of(program)))
                .getMessage();
    }

    /** {@code tcpdump -d}'s listing; its "assuming Ethernet" warning goes to stderr, which is discarded. */
    private static String tcpdumpListing(String expression) throws IOException, InterruptedException {
        Process tcpdump = new ProcessBuilder(TCPDUMP, "-d", expression)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String listing = new String(tcpdump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(tcpdump.waitFor(30, TimeUnit.SECONDS), "tcpdump -d did not finish");
        assertEquals(0, tcpdump.exitValue(), "tcpdump -d '" + expression + "'");
        return listing;
    }
}
