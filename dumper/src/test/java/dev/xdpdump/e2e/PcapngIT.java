package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pcapng as Wireshark reads it: tshark shows each packet's interface, queue and inbound direction, capinfos the
 * application and one statistics entry, tcpdump, libpcap through pcap4j and scapy read the records; the statistics
 * block carries the summary's books.
 */
class PcapngIT {
    private static final String TSHARK = "/usr/bin/tshark";
    private static final String CAPINFOS = "/usr/bin/capinfos";
    /** Debian's python3, which has scapy. */
    private static final String PYTHON = "/usr/bin/python3";

    @Test
    void liveCaptureIntoPcapngCarriesInterfaceQueueDirectionAndTheBooks(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(TSHARK);
        Command.requireInstalled(CAPINFOS);
        Command.requireInstalled(Tcpdump.PATH);
        Command.requireInstalled(PYTHON);
        Path file = directory.resolve("syns.pcapng");
        List<String> stderr;
        String iface;
        try (VethLab lab = Lab.create(); WatchedProcess xdpdump = Xdpdump.listening(lab, "-v", "-w", file.toString())) {
            iface = lab.captureInterface();
            Lab.attempt(lab, Lab.MIXED);
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            stderr = xdpdump.stderrLines();
        }
        Command.Result fields = Command.run(TSHARK, "-r", file.toString(), "-T", "fields", "-e",
                "frame.interface_name", "-e", "frame.interface_queue", "-e", "frame.packet_flags_direction", "-e",
                "tcp.srcport");
        assertEquals(0, fields.exitCode(), fields.describe());
        List<String> lines = fields.stdoutText().lines().toList();
        assertEquals(Lab.MIXED.size(), lines.size(), fields.stdoutText());
        for (String line : lines) {
            String[] f = line.split("\t");
            assertEquals(iface, f[0], line);
            assertEquals("0", f[1], "queue: " + line);
            assertEquals("0x00000001", f[2], "inbound: " + line);
        }
        assertEquals(Lab.MIXED.stream().map(a -> String.valueOf(a.sourcePort())).sorted().toList(),
                lines.stream().map(l -> l.split("\t")[3]).sorted().toList());
        Command.Result info = Command.run(CAPINFOS, file.toString());
        assertEquals(0, info.exitCode(), info.describe());
        assertTrue(info.stdoutText().contains("pcapng"), info.stdoutText());
        assertTrue(info.stdoutText().contains("Capture application: xdpdump "), info.stdoutText());
        assertTrue(info.stdoutText().contains("Number of stat entries = 1"), info.stdoutText());
        assertEquals(Lab.MIXED.size(), Tcpdump.records(file));
        // Two more readers of their own: libpcap through pcap4j, and scapy's pcapng reader.
        List<Frame> frames = Frame.readPcap(file);
        assertEquals(Lab.MIXED.size(), frames.size());
        for (Lab.Attempt attempt : Lab.MIXED) {
            Frame frame = Frame.withSourcePort(frames, attempt.sourcePort());
            assertEquals(frame.bytes().length, frame.wireLength(), "whole SYN kept: " + attempt);
        }
        Command.Result scapy = Command.run(PYTHON, "-c", String.join("\n",
                "import sys",
                "from scapy.all import rdpcap, TCP",
                "for p in rdpcap(sys.argv[1]):",
                "    print(p[TCP].sport, p[TCP].dport, p.wirelen, len(p))"), file.toString());
        assertEquals(0, scapy.exitCode(), scapy.describe());
        assertEquals(Lab.MIXED.stream().map(a -> a.sourcePort() + " " + a.port()).sorted().toList(),
                scapy.stdoutText().lines().map(l -> l.substring(0, l.lastIndexOf(' ', l.lastIndexOf(' ') - 1)))
                        .sorted().toList(), scapy.stdoutText());
        assertTrue(scapy.stdoutText().lines().allMatch(l -> {
            String[] f = l.split(" ");
            return f[2].equals(f[3]);
        }), "scapy: wire length = captured length: " + scapy.stdoutText());

        Books books = Books.of(stderr);
        Map<Integer, Long> isb = statistics(Files.readAllBytes(file));
        assertEquals(books.framesSeen(), isb.get(4), "isb_ifrecv: frames the program saw");
        assertEquals(books.lost() + books.lostNoRing() + books.lostOther(), isb.get(5), "isb_ifdrop: lost");
        assertEquals(books.matched() - books.filtered(), isb.get(6), "isb_filteraccept");
        assertEquals(books.written(), isb.get(8), "isb_usrdeliv: written");
        assertTrue(isb.get(2) <= isb.get(3) && isb.get(3) > 0, "start before end: " + isb);
    }

    /** The options of the file's one Interface Statistics Block, read by walking the blocks (little-endian). */
    private static Map<Integer, Long> statistics(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        Map<Integer, Long> options = new HashMap<>();
        int blocks = 0;
        for (int at = 0; at + 12 <= bytes.length; at += b.getInt(at + 4)) {
            if (b.getInt(at) != 5) {
                continue;
            }
            blocks++;
            int end = at + b.getInt(at + 4) - 4;
            for (int o = at + 20; o + 4 <= end; ) {
                int code = b.getShort(o) & 0xffff;
                int length = b.getShort(o + 2) & 0xffff;
                if (code == 0) {
                    break;
                }
                long value = code == 2 || code == 3
                        ? ((long) b.getInt(o + 4) << 32) | (b.getInt(o + 8) & 0xffffffffL)
                        : b.getLong(o + 4);
                options.put(code, value);
                o += 4 + ((length + 3) & ~3);
            }
        }
        assertEquals(1, blocks, "one statistics block");
        return options;
    }

    @Test
    void fileReadWithDashRIntoPcapngOpensInTshark(@TempDir Path directory) throws Exception {
        Command.requireInstalled(TSHARK);
        Command.requireInstalled(Tcpdump.PATH);
        Path pcap = directory.resolve("in.pcap"); // one SYN, stamped 1795000000 s
        byte[] frame = dev.xdpdump.testing.Frames.ipv4Syn();
        ByteBuffer out = ByteBuffer.allocate(24 + 16 + frame.length).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        out.putInt(1_795_000_000).putInt(0).putInt(frame.length).putInt(frame.length).put(frame);
        Files.write(pcap, out.array());
        Path ng = directory.resolve("out.pcapng");
        Command.Result run = Xdpdump.run(null, "-r", pcap.toString(), "-w", ng.toString());
        assertEquals(0, run.exitCode(), run.describe());
        Command.Result read = Command.run(TSHARK, "-r", ng.toString(), "-T", "fields", "-e", "tcp.srcport", "-e",
                "frame.time_epoch");
        assertEquals(0, read.exitCode(), read.describe());
        assertEquals(List.of("43910\t1795000000.000000000"), read.stdoutText().lines().toList());
    }
}
