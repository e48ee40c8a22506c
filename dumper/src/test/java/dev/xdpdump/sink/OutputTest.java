package dev.xdpdump.sink;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.FileDescriptor;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OutputTest {
    @TempDir
    Path directory;

    @Test
    void createsOrTruncatesTheFileAndWritesEveryByte() throws Exception {
        Path file = directory.resolve("out.bin");
        Files.write(file, new byte[100]);
        OutputBuffer buffer = new OutputBuffer(16).writeIntLE(0x04030201);
        try (Output output = Output.open(file.toString())) {
            assertEquals(file.toString(), output.name());
            output.write(buffer);
        }
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Files.readAllBytes(file));
        assertEquals(0, buffer.size());
    }

    @Test
    void aWriteThatRunsOutOfSpaceIsCutBackSoOnlyEarlierWritesRemain() throws Exception {
        Path file = directory.resolve("full.bin");
        FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.READ);
        try (Output output = Output.of(new FailingFileChannel(channel, 6), file.toString())) {
            output.write(new OutputBuffer(16).writeIntLE(0x04030201));
            OutputBuffer second = new OutputBuffer(16).writeIntLE(0x08070605);
            IOException full = assertThrows(IOException.class, () -> output.write(second));
            assertEquals("No space left on device", full.getMessage());
            assertEquals(4, second.size(), "the failed write keeps its bytes");
            assertArrayEquals(new byte[] {1, 2, 3, 4}, Files.readAllBytes(file), "half a record was cut off");
            IOException after = assertThrows(IOException.class, () -> output.write(new OutputBuffer(16).writeByte(9)));
            assertEquals("write to " + file + " after a failed write", after.getMessage());
        }
        assertArrayEquals(new byte[] {1, 2, 3, 4}, Files.readAllBytes(file));
    }

    @Test
    void explainsAMissingDirectoryInOneLine() {
        String target = directory.resolve("missing/y.pcap").toString();
        UnwritableOutputException e = assertThrows(UnwritableOutputException.class, () -> Output.open(target));
        assertEquals("cannot write " + target + ": No such file or directory; pick a writable path", e.getMessage());
        assertEquals(target, e.target());
        assertEquals("No such file or directory", e.reason());
    }

    @Test
    void explainsADirectoryInOneLine() {
        String target = directory.toString();
        UnwritableOutputException e = assertThrows(UnwritableOutputException.class, () -> Output.open(target));
        assertEquals("cannot write " + target + ": Is a directory; pick a writable path", e.getMessage());
    }

    @Test
    void leavesStandardOutputOpenWhenClosed() throws Exception {
        Output output = Output.open(Output.STDOUT);
        assertEquals("standard output", output.name());
        output.close();
        assertTrue(FileDescriptor.out.valid());
    }

    @Test
    void refusesWritesAfterClose() throws Exception {
        Output output = Output.open(directory.resolve("closed").toString());
        output.close();
        output.close();
        assertThrows(IOException.class, () -> output.write(new OutputBuffer(16).writeByte(1)));
    }

    @Test
    void failuresAreClassifiedByWhatTheKernelSaid() {
        assertEquals(Output.Failure.READER_GONE, Output.classify(new IOException("Broken pipe")));
        assertEquals(Output.Failure.NO_SPACE, Output.classify(new IOException("No space left on device")));
        assertEquals(Output.Failure.NO_SPACE, Output.classify(new IOException("File too large")));
        assertEquals(Output.Failure.NO_SPACE, Output.classify(new IOException("Disk quota exceeded")));
        assertEquals(Output.Failure.OTHER, Output.classify(new IOException("Input/output error")));
        assertEquals(Output.Failure.OTHER, Output.classify(new IOException()));
    }
}
