package dev.xdpdump.sink;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.channels.Pipe;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

class OutputFormatTest {
    @TempDir
    Path directory;

    @Test
    void readsTheWordsTheCommandLineOffersInAnyCase() {
        assertEquals(OutputFormat.HEX, OutputFormat.fromWord("hex"));
        assertEquals(OutputFormat.JSON, OutputFormat.fromWord("JSON"));
        assertEquals(OutputFormat.PCAP, OutputFormat.fromWord("Pcap"));
        assertEquals("pcap", OutputFormat.PCAP.word());
    }

    @Test
    void namesTheChoicesWhenTheWordIsUnknown() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OutputFormat.fromWord("xml"));
        assertEquals("unknown output format \"xml\"; pick one of hex, json, pcap, pcapng", e.getMessage());
    }

    @Test
    void buildsTheSinkOfEachFormat() throws Exception {
        try (Sink hex = OutputFormat.HEX.open(directory.resolve("a").toString(), 256, false, SampleEvents.NAMES);
             Sink json = OutputFormat.JSON.open(directory.resolve("b").toString(), 256, false, SampleEvents.NAMES);
             Sink pcap = OutputFormat.PCAP.open(directory.resolve("c").toString(), 256, true, SampleEvents.NAMES)) {
            assertInstanceOf(HexSink.class, hex);
            assertInstanceOf(JsonSink.class, json);
            assertInstanceOf(PcapSink.class, pcap);
        }
    }

    @Test
    void reportsAnUnwritableTargetInOneLine() {
        String target = directory.resolve("no/such/dir/x.pcap").toString();
        UnwritableOutputException e = assertThrows(UnwritableOutputException.class,
            () -> OutputFormat.PCAP.open(target, 256, false, SampleEvents.NAMES));
        assertEquals("cannot write " + target + ": No such file or directory; pick a writable path", e.getMessage());
    }

    @Test
    void closesTheOutputWhenTheSinkCannotBeBuilt() throws Exception {
        Pipe pipe = Pipe.open();
        assertThrows(IllegalArgumentException.class,
            () -> OutputFormat.PCAP.build(Output.of(pipe.sink(), "pipe"), 0, false, SampleEvents.NAMES));
        assertFalse(pipe.sink().isOpen());
        pipe.source().close();
    }
}
