package dev.xdpdump.sys;

import com.kenai.jffi.MemoryIO;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;

import java.nio.ByteBuffer;

/** Loads libc once and owns the two facts every call needs: the bound functions and the thread's last errno. */
final class Native {
    static {
        // jnr-ffi's x86 assembly stubs pass a garbage sixth argument when all six are primitives (seen with 2.2.17
        // to 2.3.7): that breaks mmap and syscall. The generic path has no measurable cost. Must precede loading.
        System.setProperty("jnr.ffi.x86asm.enabled", "false");
    }

    static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");
    static final Runtime RUNTIME = Runtime.getRuntime(LIBC);
    private static final MemoryIO MEMORY = MemoryIO.getInstance();

    private Native() {}

    /** errno of the last call made on this thread through {@link #LIBC}; read it right after the call. */
    static int errno() {
        return RUNTIME.getLastError();
    }

    private static final int SCRATCH_SIZE = 64;
    private static final ThreadLocal<Pointer> SCRATCH =
            ThreadLocal.withInitial(() -> Memory.allocateDirect(RUNTIME, SCRATCH_SIZE, true));

    /**
     * Zeroed native memory, freed only when the returned pointer is garbage-collected. For set-up calls only: a
     * capture runs for hours without a collection, so memory allocated here on a timer is never given back.
     */
    static Pointer allocate(int size) {
        return Memory.allocateDirect(RUNTIME, size, true);
    }

    /**
     * The calling thread's small buffer, zeroed for {@code size} bytes: for calls made again and again (every few
     * hundred milliseconds while capturing). Valid until this thread's next call to this method.
     */
    static Pointer scratch(int size) {
        if (size > SCRATCH_SIZE) {
            throw new IllegalArgumentException("scratch holds " + SCRATCH_SIZE + " bytes, not " + size);
        }
        Pointer p = SCRATCH.get();
        p.setMemory(0, size, (byte) 0);
        return p;
    }

    /** A direct ByteBuffer over native memory that this program owns (an mmap'd region): no copy, no flags needed. */
    static ByteBuffer wrap(long address, int size) {
        return MEMORY.newDirectByteBuffer(address, size);
    }

    static long check(String operation, long result) throws ErrnoException {
        if (result < 0) {
            throw new ErrnoException(operation, errno());
        }
        return result;
    }

    static int check(String operation, int result) throws ErrnoException {
        if (result < 0) {
            throw new ErrnoException(operation, errno());
        }
        return result;
    }
}
