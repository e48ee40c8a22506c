package dev.xdpdump.sys;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

/**
 * Regression test for jnr-ffi's x86 assembly stubs, which pass a garbage sixth argument when all six are primitives
 * (seen with 2.2.17 to 2.3.7). mmap's sixth argument is the file offset: a garbage one maps the wrong page or fails.
 */
class SixthArgumentTest {
    @Test
    void mmapHonoursItsSixthArgumentTheFileOffset(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("two-pages");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            byte[] pages = new byte[8192];
            pages[4096] = 42;
            pages[4097] = 43;
            f.write(pages);
        }
        int fd = Native.LIBC.open(file.toString(), 2 /* O_RDWR */);
        assertNotEquals(-1, fd);
        try (FileDescriptorHandle handle = new FileDescriptorHandle("test file", fd)) {
            long address = Native.LIBC.mmap(0, 4096, 1, 1, handle.fd(), 4096);
            assertNotEquals(-1L, address, "mmap failed: " + ErrnoException.name(Native.errno()));
            ByteBuffer page = Native.wrap(address, 4096);
            assertEquals(42, page.get(0));
            assertEquals(43, page.get(1));
            Native.LIBC.munmap(address, 4096);
        }
    }

    @Test
    void syscallPassesItsFifthArgumentThroughTheFixedBinding() {
        // getpid ignores arguments; what matters is that a six-argument call returns the right value at all.
        long pid = Native.LIBC.syscall(39, 1, 2, 3, 4, 5);
        assertEquals(ProcessHandle.current().pid(), pid);
    }
}
