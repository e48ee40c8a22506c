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
            // 200 at once: 64 served, the rest refused with a line; then all leave. Twice: the second round
            // leaves the server's memory where the first did (each served client's buffer is freed when it goes).
            long[] rss = new long[2];
            for (int round = 0; round < 2; round++) {
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
                Lab.attempt(lab, phase(10 + round)); // the closed connections find out on their first write
                // Each left client's thread frees its buffer once it finds out; on a loaded machine some take longer
                // than a second: measure until the heap settles (more events nudge the stragglers), for up to 10 s.
                long bound = round == 0 ? 128 * 1024 : rss[0] + 16 * 1024;
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                for (int nudge = 0; ; nudge++) {
                    Thread.sleep(1000);
                    rss[round] = heapUsedKib(server.pid());
                    if (rss[round] < bound || System.nanoTime() - deadline > 0) {
                        break;
                    }
                    Lab.attempt(lab, phase(20 + 10 * round + nudge));
                }
            }
            System.out.printf("server heap used after a full GC, after 200 connections: %d KiB, after 200 more: %d"
                    + " KiB%n", rss[0], rss[1]);
            assertTrue(rss[1] < rss[0] + 16 * 1024, "a second round of 200 connections leaves the server's live heap"
                    + " where the first did: " + rss[0] + " KiB, then " + rss[1] + " KiB");
            assertTrue(rss[1] < 128 * 1024, "the 128 clients that left hold no buffer (4 MiB each): " + rss[1]
                    + " KiB");
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
            assertTrue(text.contains("served 130 clients"), text);
        }
        assertFalse(Files.exists(socket));
    }

    /**
     * 20 000 SYNs while one client reads nothing: the server's file and a reading client get every one, and the
     * stalled client's books are exact: what it received plus what the server's notices say it dropped is what was
     * sent after it connected (all of the burst). Exact on the books, not on timing: the drops themselves depend on
     * how fast the burst goes; only that some happen (a hex stream of 20 000 events, about 12 MB, is larger than the
     * buffer, 4 MiB, and the socket's).
     */
    @Test
    void aStalledClientLosesOnlyItsOwnEventsAndItsBooksAddUp() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(Tcpdump.PATH);
        Path file = directory.resolve("server.pcap");
        Path socket = directory.resolve("s.sock");
        long sent;
        String readerOut;
        String serverText;
        StringBuilder stalledText = new StringBuilder();
        try (VethLab lab = Lab.create();
             WatchedProcess server = Xdpdump.listening(lab, "-w", file.toString(), "--serve", socket.toString());
             UnixConnection stalled = UnixConnection.connect(socket)) {
            stalled.writeFully(ByteBuffer.wrap("xdpdump/1 hex\n".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("xdpdump/1 ok hex", line(stalled));
            long connected = System.nanoTime();
            try (WatchedProcess reader = connect("json")) {
                try (SynBurst burst = SynBurst.start(lab, 4, 20_000, Duration.ofSeconds(7))) {
                    sent = burst.await(Duration.ofSeconds(10));
                }
                assertEquals(20_000, sent, "the burst sent every SYN");
                long stalledMillis = (System.nanoTime() - connected) / 1_000_000;
                assertTrue(stalledMillis < 9000, "the burst ended before the server's 10 s stall bound: "
                        + stalledMillis + " ms");
                Thread reading = new Thread(() -> readAll(stalled, stalledText), "stalled-reader");
                reading.start();
                Thread.sleep(2000); // the reader drains its buffer
                server.terminate();
                assertEquals(0, server.awaitExit(Xdpdump.STOP_TIMEOUT), server.stderrText());
                reading.join(10_000);
                assertFalse(reading.isAlive(), "the stalled client's stream ended with the server");
                assertEquals(0, reader.awaitExit(CLIENT_TIMEOUT), reader.stderrText());
                readerOut = reader.stdoutText();
            }
            serverText = server.stderrText();
        }
        assertEquals(sent, Tcpdump.records(file), "the server's file has every SYN:\n" + serverText);
        assertEquals(sent, ports(readerOut, JSON_PORTS).size(), "the reading client got every SYN");
        assertFalse(readerOut.contains("\"type\":\"dropped\""), "and no drop notice");
        String text = stalledText.toString();
        long received = ports(text, HEX_PORTS).size();
        long dropped = 0;
        Matcher notice = Pattern.compile("(?m)^# xdpdump: (\\d+) events dropped for this client").matcher(text);
        while (notice.find()) {
            dropped += Long.parseLong(notice.group(1));
        }
        System.out.printf("stalled client: sent=%d received=%d dropped=%d%n", sent, received, dropped);
        assertTrue(dropped > 0, "the stalled client lost events: received " + received);
        assertEquals(sent, received + dropped, "received + dropped for it == sent after it connected");
        assertTrue(serverText.contains(": " + received + " events sent, " + dropped + " dropped for it"),
                "the server's books for it say the same:\n" + serverText);
    }

    /** A client that takes nothing for 10 s while bytes wait for it is disconnected, its books logged. */
    @Test
    void aClientStalledPastTenSecondsIsDisconnectedWithItsBooksLogged() throws Exception {
        Privileges.requireCaptureCapabilities();
        Path socket = directory.resolve("s.sock");
        try (VethLab lab = Lab.create();
             WatchedProcess server = Xdpdump.listening(lab, "-w", directory.resolve("f.pcap").toString(),
                     "--serve", socket.toString());
             UnixConnection stalled = UnixConnection.connect(socket)) {
            stalled.writeFully(ByteBuffer.wrap("xdpdump/1 hex\n".getBytes(StandardCharsets.US_ASCII)));
            assertEquals("xdpdump/1 ok hex", line(stalled));
            // About 1.2 MB of hex: more than the socket takes, so bytes wait in the client's buffer.
            try (SynBurst burst = SynBurst.start(lab, 2, 2000, Duration.ofSeconds(5))) {
                assertEquals(2000, burst.await(Duration.ofSeconds(10)));
            }
            String line = server.awaitStderrLine(l -> l.contains("took nothing for 10 s; disconnected"),
                    "the stalled client's disconnection", Duration.ofSeconds(15));
            assertTrue(line.matches("xdpdump: client 1 \\(pid \\d+, uid 0\\) took nothing for 10 s; disconnected,"
                    + " \\d+ events sent, \\d+ dropped for it"), line);
            // Whatever reached its socket before the cut is still there; then the stream ends.
            ByteBuffer rest = ByteBuffer.allocate(1 << 16);
            long deadline = System.nanoTime() + 5_000_000_000L;
            int n = 0;
            while (n >= 0 && System.nanoTime() < deadline) {
                rest.clear();
                n = stalled.read(rest);
            }
            assertEquals(-1, n, "the server closed the stalled client's connection");
            assertEquals(0, Xdpdump.interrupt(server), server.stderrText());
            assertTrue(server.stderrText().contains("stalled (took nothing for 10 s)"), server.stderrText());
        }
    }

    /**
     * Admission is a second gate behind the file mode: with the socket opened to everyone (chmod 0666, as an admin
     * might), nobody outside --serve-group is refused with a line and logged by uid and pid; nobody with the group
     * among its groups is served.
     */
    @Test
    void aClientOutsideTheGroupIsRefusedAndLoggedOneInItIsServed() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled("/usr/bin/socat");
        Command.requireInstalled("/usr/bin/setpriv");
        Path socket = directory.resolve("s.sock");
        Files.setPosixFilePermissions(directory, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        try (VethLab lab = Lab.create();
             WatchedProcess server = Xdpdump.listening(lab, "-w", directory.resolve("f.pcap").toString(),
                     "--serve", socket.toString(), "--serve-group", "users")) {
            assertEquals(100, (int) Files.getAttribute(socket, "unix:gid"), "the socket file is in group users");
            Files.setPosixFilePermissions(socket, java.nio.file.attribute.PosixFilePermissions.fromString(
                    "rw-rw-rw-"));
            Command.Result outsider = Command.run("bash", "-c", "printf 'xdpdump/1 json\\n' | /usr/bin/setpriv"
                    + " --reuid=nobody --regid=nogroup --clear-groups /usr/bin/socat -t 1 - UNIX-CONNECT:" + socket);
            assertTrue(outsider.stdoutText().startsWith("xdpdump/1 refused uid 65534 is not root"),
                    outsider.describe());
            server.awaitStderrLine(l -> l.startsWith("xdpdump: refused a client (pid ") && l.contains("uid 65534"),
                    "the refusal logged", CLIENT_TIMEOUT);
            try (WatchedProcess member = WatchedProcess.start("bash", "-c", "printf 'xdpdump/1 json\\n' |"
                    + " /usr/bin/setpriv --reuid=nobody --regid=nogroup --groups=100 /usr/bin/socat -t 3 -"
                    + " UNIX-CONNECT:" + socket)) {
                Thread.sleep(500);
                Lab.attempt(lab, phase(1));
                assertEquals(0, member.awaitExit(CLIENT_TIMEOUT), member.stderrText());
                String out = member.stdoutText();
                assertTrue(out.startsWith("xdpdump/1 ok json\n"), out);
                assertEquals(4, ports(out, JSON_PORTS).size(), out);
            }
            assertEquals(0, Xdpdump.interrupt(server), server.stderrText());
        }
    }

    private static void readAll(UnixConnection c, StringBuilder into) {
        ByteBuffer buffer = ByteBuffer.allocate(1 << 16);
        try {
            while (true) {
                buffer.clear();
                int n = c.read(buffer);
                if (n < 0) {
                    return;
                }
                synchronized (into) {
                    into.append(new String(buffer.array(), 0, n, StandardCharsets.ISO_8859_1));
                }
            }
        } catch (IOException e) {
            // the server cut it off: the books will say
        }
    }

    /**
     * {@code -Z nobody}: the socket file is nobody's, clients are served after the drop, {@code -c N} on a client
     * stops it after exactly N events, and SIGTERM (the server now nobody) still removes the socket file.
     */
    @Test
    void asNobodyTheServerServesAndAClientCountStopsExactly() throws Exception {
        Privileges.requireCaptureCapabilities();
        Path socket = directory.resolve("s.sock");
        // nobody must be able to remove the socket file at the end.
        Files.setPosixFilePermissions(directory, java.nio.file.attribute.PosixFilePermissions.fromString(
                "rwxrwxrwx"));
        try (VethLab lab = Lab.create();
             WatchedProcess server = Xdpdump.listening(lab, "-Z", "nobody", "-w",
                     directory.resolve("f.pcap").toString(), "--serve", socket.toString())) {
            assertEquals(65534, (int) Files.getAttribute(socket, "unix:uid"), "the socket file is nobody's");
            Command.Result second = Xdpdump.run(null, "-r", directory.resolve("f.pcap").toString(), "-w",
                    directory.resolve("g.pcap").toString(), "--serve", socket.toString());
            assertEquals(1, second.exitCode(), second.describe());
            assertTrue(second.stderr().contains("xdpdump: --serve " + socket + ": another server is listening on "
                    + socket), second.describe());
            assertTrue(Files.exists(socket), "the live server's socket file stays");
            // Wireshark's way in: a FIFO fed by --connect -w - --pcapng (tshark reads it as Wireshark -k -i does).
            Path fifo = directory.resolve("syns.fifo");
            assertEquals(0, Command.run("mkfifo", fifo.toString()).exitCode());
            try (WatchedProcess tshark = WatchedProcess.start("/usr/bin/tshark", "-r", fifo.toString(), "-T",
                         "fields", "-e", "tcp.srcport");
                 WatchedProcess feeder = served(WatchedProcess.start("bash", "-c", "exec \"$0\" --connect \"$1\""
                         + " -w - --pcapng > \"$2\"", Lab.launcher(), socket.toString(), fifo.toString()));
                 WatchedProcess counted = connect("json", "-c", "3");
                 WatchedProcess all = connect("json")) {
                Lab.attempt(lab, phase(1));
                assertEquals(0, counted.awaitExit(CLIENT_TIMEOUT), counted.stderrText());
                List<String> first = ports(counted.stdoutText(), JSON_PORTS);
                assertEquals(3, first.size(), counted.stdoutText());
                assertTrue(counted.stderrText().contains("xdpdump: 3 events received from "), counted.stderrText());
                assertTrue(counted.stderrText().contains("count reached"), counted.stderrText());
                Thread.sleep(500);
                server.terminate();
                assertEquals(0, server.awaitExit(Xdpdump.STOP_TIMEOUT), server.stderrText());
                assertEquals(0, all.awaitExit(CLIENT_TIMEOUT), all.stderrText());
                assertEquals(0, feeder.awaitExit(CLIENT_TIMEOUT), feeder.stderrText());
                assertEquals(0, tshark.awaitExit(CLIENT_TIMEOUT), tshark.stderrText());
                List<String> four = ports(all.stdoutText(), JSON_PORTS);
                assertEquals(four.stream().map(p -> p.substring(0, p.indexOf('>'))).toList(),
                        tshark.stdoutText().lines().toList(), "tshark read the same four through the FIFO");
                assertEquals(4, four.size(), all.stdoutText());
                assertEquals(four.subList(0, 3), first, "the counted client got the first three");
            }
            assertFalse(server.stderrText().contains("running privileged"), server.stderrText());
            assertTrue(server.stderrText().contains("count reached"), server.stderrText());
        }
        assertFalse(Files.exists(socket), "the server, as nobody, removed its socket file");
    }

    /** Starts {@code xdpdump --connect SOCKET ARGS} (as root, outside the lab) and waits until it is served. */
    private WatchedProcess connect(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Lab.launcher(), "--connect",
                directory.resolve("s.sock").toString()));
        command.addAll(List.of(args));
        return served(WatchedProcess.start(command.toArray(String[]::new)));
    }

    /** Waits until a {@code --connect} client says it is served; kills it if it does not. */
    private static WatchedProcess served(WatchedProcess client) throws Exception {
        try {
            client.awaitStderrLine("xdpdump: connected to ", CLIENT_TIMEOUT);
            // Served from the next batch on: the consumer takes a new client in at a batch's start.
            return client;
        } catch (RuntimeException | Error | InterruptedException e) {
            client.close();
            throw e;
        }
    }

    /**
     * The server's live heap: {@code jcmd PID GC.run}, then the "used" of {@code GC.heap_info}'s first line (RSS
     * would not do: a JVM keeps the pages its heap once grew to).
     */
    private static long heapUsedKib(long pid) throws Exception {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Command.Result gc = Command.run(jcmd, Long.toString(pid), "GC.run");
        assertEquals(0, gc.exitCode(), gc.describe());
        Command.Result info = Command.run(jcmd, Long.toString(pid), "GC.heap_info");
        assertEquals(0, info.exitCode(), info.describe());
        Matcher used = Pattern.compile("used (\\d+)K").matcher(info.stdoutText());
        assertTrue(used.find(), info.describe());
        return Long.parseLong(used.group(1));
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
