package dev.xdpdump.sys;

import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The socket file's mode and group, peer credentials of this process and of a client running as nobody (through
 * setpriv and socat), stale files replaced and live ones refused, close waking a blocked accept and removing the file.
 */
class UnixListenerTest {
    private static final String SOCAT = "/usr/bin/socat";
    private static final String SETPRIV = "/usr/bin/setpriv";

    @TempDir
    Path directory;

    @Test
    void socketFileIs0660InTheGroupAndPeersAreWhoTheKernelSays() throws Exception {
        Privileges.requireCaptureCapabilities(); // root: to give the file a group this process is not in
        requireInstalled(SOCAT);
        requireInstalled(SETPRIV);
        Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path path = directory.resolve("s.sock");
        int nogroup = Integer.parseInt(output("getent", "group", "nogroup").split(":")[2]);
        int nobody = Integer.parseInt(output("id", "-u", "nobody"));
        try (UnixListener listener = UnixListener.bind(path, 8, "nogroup")) {
            assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(path)));
            assertEquals(nogroup, (int) Files.getAttribute(path, "unix:gid"));
            assertEquals(0, (int) Files.getAttribute(path, "unix:uid"));

            try (UnixConnection client = UnixConnection.connect(path);
                 UnixConnection served = listener.accept()) {
                assertEquals(new PeerCredentials((int) ProcessHandle.current().pid(), 0, 0), served.peer());
                client.writeFully(ByteBuffer.wrap("hello\n".getBytes(StandardCharsets.US_ASCII)));
                ByteBuffer in = ByteBuffer.allocate(16);
                while (in.position() < 6 && served.read(in) > 0) {
                    Thread.onSpinWait(); // until the whole line is in
                }
                assertEquals("hello\n", new String(in.array(), 0, in.position(), StandardCharsets.US_ASCII));
            }

            // nobody in group nogroup may write to the socket file; the kernel reports its uid, gid and pid.
            Process asNobody = new ProcessBuilder(SETPRIV, "--reuid=" + nobody, "--regid=" + nogroup,
                    "--clear-groups", SOCAT, "-u", "OPEN:/dev/null", "UNIX-CONNECT:" + path)
                    .redirectErrorStream(true).start();
            try (UnixConnection served = listener.accept()) {
                PeerCredentials peer = served.peer();
                assertEquals(nobody, peer.uid());
                assertEquals(nogroup, peer.gid());
                assertEquals(asNobody.pid(), peer.pid(), "setpriv execs socat: same pid");
            }
            assertTrue(asNobody.waitFor(10, TimeUnit.SECONDS));

            // In neither the owner nor the group: the file's mode stops it before the server sees anything.
            Process outsider = new ProcessBuilder(SETPRIV, "--reuid=" + nobody, "--regid=12345", "--clear-groups",
                    SOCAT, "-u", "OPEN:/dev/null", "UNIX-CONNECT:" + path).redirectErrorStream(true).start();
            assertTrue(outsider.waitFor(10, TimeUnit.SECONDS));
            String said = new String(outsider.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(1, outsider.exitValue(), said);
            assertTrue(said.contains("Permission denied"), said);

            IOException live = assertThrows(IOException.class, () -> UnixListener.bind(path, 8, null));
            assertEquals("another server is listening on " + path + " (a running xdpdump --serve?); stop it or pick"
                    + " another path", live.getMessage());
            assertTrue(Files.exists(path), "a refused bind leaves the live server's file alone");
        }
        assertFalse(Files.exists(path), "close removes the socket file");
    }

    @Test
    void aStaleSocketFileIsReplacedAndAnythingElseRefused() throws Exception {
        Path path = directory.resolve("stale.sock");
        // A socket bound and never listened on, by a process that is gone: what a crashed server leaves.
        Process python = new ProcessBuilder("python3", "-c",
                "import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])", path.toString()).start();
        assertTrue(python.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, python.exitValue());
        assertTrue(Files.exists(path));
        try (UnixListener listener = UnixListener.bind(path, 8, null);
             UnixConnection client = UnixConnection.connect(path);
             UnixConnection served = listener.accept()) {
            assertEquals((int) ProcessHandle.current().pid(), served.peer().pid());
        }

        Path file = directory.resolve("plain");
        Files.writeString(file, "not a socket");
        IOException e = assertThrows(IOException.class, () -> UnixListener.bind(file, 8, null));
        assertEquals(file + " exists and is not a socket; remove it or pick another path", e.getMessage());
        assertEquals("not a socket", Files.readString(file));

        IOException group = assertThrows(IOException.class,
                () -> UnixListener.bind(directory.resolve("g.sock"), 8, "no-such-group-xdpdump"));
        assertEquals("group no-such-group-xdpdump does not exist (see getent group)", group.getMessage());
    }

    @Test
    void closeWakesABlockedAcceptAndRemovesTheFile() throws Exception {
        Path path = directory.resolve("close.sock");
        UnixListener listener = UnixListener.bind(path, 8, null);
        CompletableFuture<Throwable> accepting = CompletableFuture.supplyAsync(() -> {
            try (UnixConnection c = listener.accept()) {
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        Thread.sleep(200);
        assertFalse(accepting.isDone(), "accept waits for a client");
        listener.close();
        Throwable thrown = accepting.get(5, TimeUnit.SECONDS);
        assertTrue(thrown instanceof IOException, String.valueOf(thrown));
        assertFalse(Files.exists(path));
    }

    private static void requireInstalled(String tool) {
        if (!Files.isExecutable(Path.of(tool))) {
            dev.xdpdump.testing.Ci.skipOrFail(tool + " is not installed");
        }
    }

    private static String output(String... command) throws Exception {
        Process p = new ProcessBuilder(command).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", command));
        return out;
    }
}
