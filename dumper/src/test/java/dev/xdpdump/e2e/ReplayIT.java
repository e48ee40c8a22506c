package dev.xdpdump.e2e;

import dev.xdpdump.testing.Frames;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static dev.xdpdump.testing.Frames.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code -r FILE}: a capture file read through the same selection and outputs as a live capture, with no privileges.
 * The expectation is the list of connection requests the test put in the file, by source port; that the Java
 * selection answers as the kernel program does is ConnectionRequestsDifferentialKernelTest's proof.
 */
class ReplayIT {
    private static final Pattern SPORT = Pattern.compile("\"sport\":(\\d+),");
    private static final long EPOCH_SECONDS = 1_795_000_000L;

    /** Connection requests, each with its own source port, then frames that are not: nothing of them is written. */
    private static final List<Integer> REQUEST_PORTS = List.of(41001, 41002, 41003, 41004, 41005);

    private static List<byte[]> frames() {
        List<byte[]> frames = new ArrayList<>();
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().flags(SYN).ports(41001, 80).bytes())));
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().wrap(tcp().flags(SYN).ports(41002, 443).bytes())));
        frames.add(ethernet(ETH_P_IP).tag(ETH_P_QINQ_OLD, 7).wrap(ipv4().wrap(tcp().flags(SYN | ECE | CWR)
                .ports(41003, 22).bytes())));
        frames.add(ethernet(ETH_P_IPV6).wrap(ipv6().extension(IPPROTO_DSTOPTS).extension(IPPROTO_ROUTING)
                .wrap(tcp().flags(SYN).ports(41004, 80).bytes())));
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().flags(SYN).ports(41005, 8080).bytes())));
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().flags(SYN | ACK).ports(42001, 80).bytes())));
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().wrap(tcp().flags(ACK).ports(42002, 80).bytes())));
        frames.add(ethernet(ETH_P_IP).wrap(ipv4().protocol(IPPROTO_UDP).wrap(udp(12))));
        frames.add(ethernet(ETH_P_ARP).wrap(arpRequest()));
        return frames;
    }

    /** Classic pcap, microseconds, LINKTYPE_ETHERNET, one record per frame a millisecond apart. */
    private static Path writePcap(Path file, List<byte[]> frames) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
        header.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0).putInt(65535).putInt(1);
        out.write(header.array());
        for (int i = 0; i < frames.size(); i++) {
            byte[] frame = frames.get(i);
            ByteBuffer record = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
            record.putInt((int) EPOCH_SECONDS).putInt(i * 1000).putInt(frame.length).putInt(frame.length);
            out.write(record.array());
            out.write(frame);
        }
        return Files.write(file, out.toByteArray());
    }

    private static List<Integer> ports(String json) {
        List<Integer> ports = new ArrayList<>();
        for (String line : json.lines().toList()) {
            Matcher m = SPORT.matcher(line);
            assertTrue(m.find(), line);
            ports.add(Integer.parseInt(m.group(1)));
        }
        return ports;
    }

    @Test
    void fileGivesItsConnectionRequestsAndBooksThatBalanceWithoutPrivileges(@TempDir Path directory) throws Exception {
        Path file = writePcap(directory.resolve("corpus.pcap"), frames());
        directory.toFile().setExecutable(true, false);
        file.toFile().setReadable(true, false);
        // As nobody: reading a file needs no capability.
        Command.Result run = Command.run(Command.DEFAULT_TIMEOUT, null, "setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", Lab.launcher(), "-r", file.toString(), "json");
        assertEquals(0, run.exitCode(), run.describe());
        assertEquals(REQUEST_PORTS, ports(run.stdoutText()), run.stdoutText());
        String first = Instant.ofEpochSecond(EPOCH_SECONDS).toString().replace("Z", ".000000000Z");
        assertTrue(run.stdoutText().lines().findFirst().orElseThrow().startsWith("{\"ts\":\"" + first + "\""),
                "timestamps come from the file (" + first + "): " + run.stdoutText());
        assertTrue(run.stdoutText().contains("\"ip6_ext\":[60,43]"), run.stdoutText());
        Books books = Books.of(run.stderrLines());
        assertEquals(REQUEST_PORTS.size(), books.matched(), run.stderr());
        assertEquals(REQUEST_PORTS.size(), books.written(), run.stderr());
        assertTrue(books.balance(), run.stderr());
        assertTrue(run.stderrLines().get(0).startsWith("reading from file " + file + ", link-type EN10MB"),
                run.stderr());
    }

    @Test
    void standardInputAndAPcapngWrittenByTsharkGiveTheSameEvents(@TempDir Path directory) throws Exception {
        Command.requireInstalled("/usr/bin/tshark");
        Path pcap = writePcap(directory.resolve("corpus.pcap"), frames());
        Path pcapng = directory.resolve("corpus.pcapng");
        Command.Result convert = Command.run("/usr/bin/tshark", "-r", pcap.toString(), "-F", "pcapng", "-w",
                pcapng.toString());
        assertEquals(0, convert.exitCode(), convert.describe());
        Command.Result fromPcapng = Xdpdump.run(null, "-r", pcapng.toString(), "json");
        assertEquals(0, fromPcapng.exitCode(), fromPcapng.describe());
        assertEquals(REQUEST_PORTS, ports(fromPcapng.stdoutText()), fromPcapng.stdoutText());
        Command.Result fromStdin = Command.run(Command.DEFAULT_TIMEOUT, null, "bash", "-c",
                "\"$0\" -r - json < \"$1\"", Lab.launcher(), pcap.toString());
        assertEquals(0, fromStdin.exitCode(), fromStdin.describe());
        assertEquals(REQUEST_PORTS, ports(fromStdin.stdoutText()), fromStdin.stdoutText());
    }

    @Test
    void pcapOutOfAFileIsReadBackByTcpdumpWithTheCountAndTheFramesUnchanged(@TempDir Path directory)
            throws Exception {
        Command.requireInstalled(Tcpdump.PATH);
        Path in = writePcap(directory.resolve("in.pcap"), frames());
        Path out = directory.resolve("out.pcap");
        Command.Result run = Xdpdump.run(null, "-r", in.toString(), "-c", "3", "-s", "1500", "-w", out.toString());
        assertEquals(0, run.exitCode(), run.describe());
        assertEquals(3, Tcpdump.records(out));
        Command.Result read = Command.run(Tcpdump.PATH, "-nn", "-x", "-r", out.toString());
        assertTrue(read.stdoutText().contains(".41001 > "), read.stdoutText());
        assertTrue(Books.of(run.stderrLines()).balance(), run.stderr());
    }

    @Test
    void unreadableFileIsOneLineAndStatusOne(@TempDir Path directory) throws Exception {
        Command.Result missing = Xdpdump.run(null, "-r", directory.resolve("nope.pcap").toString(), "json");
        assertEquals(1, missing.exitCode(), missing.describe());
        assertEquals(1, missing.stderrLines().size(), missing.stderr());
        assertTrue(missing.stderrLines().get(0).startsWith("xdpdump: cannot read " + directory.resolve("nope.pcap")
                + ": No such file or directory"), missing.stderr());
        Path garbage = Files.writeString(directory.resolve("garbage.pcap"), "not a capture\n");
        Command.Result bad = Xdpdump.run(null, "-r", garbage.toString(), "json");
        assertEquals(1, bad.exitCode(), bad.describe());
        assertEquals(1, bad.stderrLines().size(), bad.stderr());
        assertTrue(bad.stderrLines().get(0).startsWith("xdpdump: cannot read " + garbage), bad.stderr());
    }
}
