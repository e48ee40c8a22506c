package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.sys.UnixConnection;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --serve}: one capture shared over a Unix socket with clients of {@code --connect} and raw socket clients
 * the test drives itself. What each client should get comes from what the test sent and the server's own -w file,
 * read back with tcpdump.
 */
class ServeIT {
    private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(10);
    private static final Pattern TCPDUMP_PORTS = Pattern.compile("\\.(\\d+) > [^ ]+\\.(\\d+): ");
    private static final Pattern HEX_PORTS = Pattern.compile(":(\\d+) -> [^ ]*:(\\d+) Flags");
    private static final Pattern JSON_PORTS = Pattern.compile("\"sport\":(\\d+),\"dport\":(\\d+)");

    @TempDir
    Path directory;

    /** Four attempts of phase {@code phase}, with source ports of their own so each event says when it was sent. */
    private static List<Lab.Attempt> phase(int phase) {
        List<Lab.Attempt> attempts = new ArrayList<>();
        for (Lab.Attempt a : Lab.MIXED) {
            attempts.add(new Lab.Attempt(a.address(), a.port(), a.sourcePort() + 100 * phase));
        }
        return attempts;
    }

    @Test
    void threeClientsEachGetWhatWasSentAfterTheyConnectedInTheFilesOrder() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(Tcpdump.PATH);
        Path file = directory.resolve("server.pcap");
        Path socket = directory.resolve("s.sock");
        Path ngFile = directory.resolve("client.pcapng");
        List<String> serverErr;
        String jsonOut;
        String hexOut;
        try (VethLab lab = Lab.create();
             WatchedProcess server = Xdpdump.listening(lab, "-w", file.toString(), "--serve", socket.toString())) {
            assertTrue(Files.exists(socket));
            assertEquals("rw-rw----", java.nio.file.attribute.PosixFilePermissions.toString(
                    Files.getPosixFilePermissions(socket)));
            Lab.attempt(lab, phase(0));
            try (WatchedProcess json = connect("json")) {
                Lab.attempt(lab, phase(1));
                try (WatchedProcess hexClient = connect("hex")) {
                    Lab.attempt(lab, phase(2));
                    try (WatchedProcess ng = connect("-w", ngFile.toString(), "--pcapng")) {
                        Lab.attempt(lab, phase(3));
                        Thread.sleep(500); // the last events reach every output before the stop
                        server.terminate();
                        assertEquals(0, server.awaitExit(Xdpdump.STOP_TIMEOUT), server.stderrText());
                        assertEquals(0, ng.awaitExit(CLIENT_TIMEOUT), ng.stderrText());
                    }
                    assertEquals(0, hexClient.awaitExit(CLIENT_TIMEOUT), hexClient.stderrText());
                    hexOut = hexClient.stdoutText();
                }
                assertEquals(0, json.awaitExit(CLIENT_TIMEOUT), json.stderrText());
                jsonOut = json.stdoutText();
            }
            serverErr = server.stderrLines();
        }
        assertFalse(Files.exists(socket), "SIGTERM removes the socket file");
        List<String> all = ports(tcpdump(file), TCPDUMP_PORTS);
        assertEquals(16, all.size(), "the server's file holds all four phases: " + all);
        List<String> jsonPorts = ports(jsonOut, JSON_PORTS);
        assertEquals(all.subList(4, 16), jsonPorts, "json: phases 1 to 3, in the file's order");
        assertTrue(jsonOut.strip().endsWith("}") && jsonOut.contains("{\"type\":\"stats\""),
                "json ends with the stats record as its trailer: " + jsonOut);
        assertEquals(all.subList(8, 16), ports(hexOut, HEX_PORTS), "hex: phases 2 and 3");
        assertEquals(all.subList(12, 16), ports(tcpdump(ngFile), TCPDUMP_PORTS), "pcapng: phase 3");
        String books = String.join("\n", serverErr);
        assertTrue(books.contains("served 3 clients"), books);
        assertTrue(books.contains("json, connected at") && books.contains(": 12 events sent, 0 dropped for it"),
                books);
        assertTrue(books.contains(": 8 events sent, 0 dropped") && books.contains(": 4 events sent, 0 dropped"),
                books);
        assertTrue(books.contains("running privileged"), "root without -Z is told once: " + books);
    }

    @Test
    void badRequestsManyConnectionsAndAKilledClientLeaveTheServerServing() throws Exception {
        Privileges.requireCaptureCapabilities();
        Path file = directory.resolve("server.pcap");
        Path socket = directory.resolve("s.sock");
        try (VethLab lab = Lab.create();
             WatchedProcess server = Xdpdump.listening(lab, "-w", file.toString(), "--serve", socket.toString(),
                     "--serve-max-clients", "64")) {
            assertTrue(answer(socket, "hello\n").startsWith("xdpdump/1 refused a request starts with"));
            assertTrue(answer(socket, "xdpdump/1 xml\n").startsWith("xdpdump/1 refused unknown format"));
            assertTrue(answer(socket, "x".repeat(300)).startsWith("xdpdump/1 refused the request line is longer"));
            long start = System.nanoTime();
            try (UnixConnection silent = UnixConnection.connect(socket)) {
                ByteBuffer one = ByteBuffer.allocate(512);
                int n = silent.read(one);
                long waited = (System.nanoTime() - start) / 1_000_000;
                assertTrue(waited >= 1500 && waited < 5000, "a silent client is cut off after 2 s, not " + waited);
                assertTrue(n <= 0 || new String(one.array(), 0, n, StandardCharsets.US_ASCII).contains("refused"));
            }
            // 200 at once: 64 served, the rest refused with a line; then all leave.
            List<UnixConnection> many = new ArrayList<>();
            int ok = 0;
            int refused = 0;
            try {
                for (int i = 0; i < 200; i++) {
                    UnixConnection c = UnixConnection.connect(socket);
                    many.add(c);
                    c.writeFully(ByteBuffer.wrap("xdpdump/1 json\n".getBytes(StandardCharsets.US_ASCII)));
                }
                for (UnixConnection c : many) {
                    String line = line(c);
                    if (line.equals("xdpdump/1 ok json")) {
                        ok++;
                    } else if (line.startsWith("xdpdump/1 refused the server serves at most 64")) {
                        refused++;
                    }
                }
            } finally {
                for (UnixConnection c : many) {
                    c.close();
                }
            }
            assertEquals(64, ok, "served");
            assertEquals(136, refused, "refused");
            Lab.attempt(lab, phase(0)); // the 64 closed connections find out on their first write
            Thread.sleep(1000);
            // A client killed mid-stream; then one more is served as if nothing happened.
            try (WatchedProcess killed = connect("json")) {
                Lab.attempt(lab, phase(1));
                killed.kill();
                killed.awaitExit(CLIENT_TIMEOUT);
            }
            Lab.attempt(lab, phase(2));
            try (WatchedProcess last = connect("json")) {
                Lab.attempt(lab, phase(3));
                Thread.sleep(500);
                server.terminate();
                assertEquals(0, server.awaitExit(Xdpdump.STOP_TIMEOUT), server.stderrText());
                assertEquals(0, last.awaitExit(CLIENT_TIMEOUT), last.stderrText());
                String out = last.stdoutText();
                assertEquals(4, ports(out, JSON_PORTS).size(), out);
            }
            String text = server.stderrText();
            assertTrue(text.contains("refused a client") || text.contains("refused:"), text);
            assertTrue(text.contains("served 66 clients"), text);
        }
        assertFalse(Files.exists(socket));
    }

    /** Starts {@code xdpdump --connect SOCKET ARGS} (as root, outside the lab) and waits until it is served. */
    private WatchedProcess connect(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Lab.launcher(), "--connect",
                directory.resolve("s.sock").toString()));
        command.addAll(List.of(args));
        WatchedProcess client = WatchedProcess.start(command.toArray(String[]::new));
        try {
            client.awaitStderrLine("xdpdump: connected to ", CLIENT_TIMEOUT);
            // Served from the next batch on: the consumer takes a new client in at a batch's start.
            return client;
        } catch (RuntimeException | Error | InterruptedException e) {
            client.close();
            throw e;
        }
    }

    private static String answer(Path socket, String request) throws IOException {
        try (UnixConnection c = UnixConnection.connect(socket)) {
            c.writeFully(ByteBuffer.wrap(request.getBytes(StandardCharsets.ISO_8859_1)));
            return line(c);
        }
    }

    private static String line(UnixConnection c) throws IOException {
        StringBuilder text = new StringBuilder();
        ByteBuffer one = ByteBuffer.allocate(1);
        while (text.length() < 1024) {
            one.clear();
            int n = c.read(one);
            if (n < 0) {
                break;
            }
            if (n == 1) {
                if (one.get(0) == '\n') {
                    break;
                }
                text.append((char) one.get(0));
            }
        }
        return text.toString();
    }

    private static String tcpdump(Path file) throws Exception {
        Command.Result read = Command.run(Tcpdump.PATH, "-nn", "-r", file.toString());
        assertEquals(0, read.exitCode(), read.describe());
        return read.stdoutText();
    }

    /** Each event's "SPORT>DPORT", in order, from text the pattern finds them in. */
    private static List<String> ports(String text, Pattern pattern) {
        List<String> found = new ArrayList<>();
        Matcher m = pattern.matcher(text);
        while (m.find()) {
            found.add(m.group(1) + ">" + m.group(2));
        }
        return found;
    }
}
