package dev.xdpdump.bpf;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Puts the filter expression where an entry point calls {@code xdpdump_filter}, the placeholder in capture-bpf/
 * (its {@code .text} body is never loaded). With an expression its instructions are appended after the entry point,
 * as the one subprogram, and every call to the placeholder is pointed at them: the verifier then checks them with
 * the caller's packet pointers, like any static function. Without one each call becomes {@code r0 = 1}: every
 * connection request is kept, and nothing is appended.
 */
final class FilterLink {
    static final String FUNCTION = "xdpdump_filter";
    private static final int INSTRUCTION = 8;
    /** {@code BPF_ALU64 | BPF_MOV | BPF_K}, dst r0. */
    private static final byte[] KEEP = {(byte) 0xb7, 0, 0, 0, 1, 0, 0, 0};

    private FilterLink() {}

    /**
     * {@code instructions} (the entry point's, map references already patched) with the filter linked in.
     *
     * @param filter the translated expression, eBPF instructions in the kernel's layout; null for none
     */
    static byte[] link(ObjectFile.Program program, byte[] instructions, byte[] filter) {
        if (filter != null && (filter.length == 0 || filter.length % INSTRUCTION != 0)) {
            throw new IllegalArgumentException("a filter of " + filter.length + " bytes is not whole instructions");
        }
        byte[] out = filter == null ? instructions.clone() : Arrays.copyOf(instructions, instructions.length + filter.length);
        ByteBuffer view = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        int filterStart = instructions.length / INSTRUCTION;
        for (ObjectFile.Call call : program.calls()) {
            if (!call.function().equals(FUNCTION)) {
                throw new IllegalArgumentException(program.name() + " calls " + call.function()
                        + ", which the loader does not link: only " + FUNCTION + " is expected in .text");
            }
            int at = call.instructionOffset();
            if (filter == null) {
                System.arraycopy(KEEP, 0, out, at, INSTRUCTION);
            } else {
                // A call's immediate counts instructions from the one after the call.
                view.putInt(at + 4, filterStart - (at / INSTRUCTION + 1));
            }
        }
        if (filter != null) {
            System.arraycopy(filter, 0, out, instructions.length, filter.length);
        }
        return out;
    }
}
