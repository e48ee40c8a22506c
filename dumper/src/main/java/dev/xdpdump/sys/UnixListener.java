package dev.xdpdump.sys;

import jnr.ffi.Pointer;
import jnr.unixsocket.UnixServerSocketChannel;
import jnr.unixsocket.UnixSocketAddress;
import jnr.unixsocket.UnixSocketChannel;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * A listening Unix stream socket bound to a path (jnr-unixsocket), mode 0660, optionally in a group; the sole owner
 * of its descriptor and of the socket file, which {@link #close} removes. A socket file left by a dead server (a
 * connect there is refused) is replaced; one with a live server behind it is not.
 */
public final class UnixListener implements AutoCloseable {
    private static final int AF_UNIX = 1;
    private static final int SOCK_STREAM = 1;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SUN_PATH = 108;
    private static final int SHUT_RDWR = 2;

    private final UnixServerSocketChannel channel;
    private final Path path;
    private final Object fileKey;

    private UnixListener(UnixServerSocketChannel channel, Path path, Object fileKey) {
        this.channel = channel;
        this.path = path;
        this.fileKey = fileKey;
    }

    /**
     * Binds {@code path} and listens with {@code backlog}.
     *
     * @param group the socket file's group, or null to keep the creator's
     * @throws IOException naming the path and what to do: a live server there, not a socket, a group that does not
     *     exist, a directory that cannot be written
     */
    public static UnixListener bind(Path path, int backlog, String group) throws IOException {
        return bind(path, backlog, group, null);
    }

    /**
     * As {@link #bind(Path, int, String)}, the socket file owned by {@code user} (the one {@code -Z} becomes), or by
     * the creator for null.
     */
    public static UnixListener bind(Path path, int backlog, String group, String user) throws IOException {
        byte[] name = path.toString().getBytes(StandardCharsets.UTF_8);
        if (name.length >= SUN_PATH) {
            throw new IOException("socket path " + path + " is " + name.length + " bytes; a Unix socket path holds at"
                    + " most " + (SUN_PATH - 1) + ": pick a shorter one");
        }
        GroupPrincipal owner = null;
        if (group != null) {
            try {
                owner = FileSystems.getDefault().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
            } catch (IOException e) {
                throw new IOException("group " + group + " does not exist (see getent group)", e);
            }
        }
        if (Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            replaceStale(path, name);
        }
        UnixServerSocketChannel channel = UnixServerSocketChannel.open();
        try {
            channel.socket().bind(new UnixSocketAddress(path.toFile()), backlog);
            Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-rw----"));
            if (owner != null) {
                Files.getFileAttributeView(path, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS)
                        .setGroup(owner);
            }
            if (user != null) {
                Files.setOwner(path, FileSystems.getDefault().getUserPrincipalLookupService()
                        .lookupPrincipalByName(user));
            }
            Object key = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                    LinkOption.NOFOLLOW_LINKS).fileKey();
            return new UnixListener(channel, path, key);
        } catch (IOException | RuntimeException e) {
            channel.close();
            Files.deleteIfExists(path);
            throw new IOException("listen on " + path + ": " + e.getMessage(), e);
        }
    }

    /** A file at the path: a socket nobody answers on is removed; anything else is refused. */
    private static void replaceStale(Path path, byte[] name) throws IOException {
        if (!"socket".equals(fileType(path))) {
            throw new IOException(path + " exists and is not a socket; remove it or pick another path");
        }
        int fd = Native.check("open a socket to probe " + path,
                Native.LIBC.socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
        try (FileDescriptorHandle probe = new FileDescriptorHandle("socket probe", fd)) {
            Pointer address = Native.allocate(2 + SUN_PATH);
            address.putShort(0, (short) AF_UNIX);
            address.put(2, name, 0, name.length);
            if (Native.LIBC.connect(probe.fd(), address.address(), 2 + name.length + 1) == 0) {
                throw new IOException("another server is listening on " + path + " (a running xdpdump --serve?);"
                        + " stop it or pick another path");
            }
            int errno = Native.errno();
            if (errno != ErrnoException.ECONNREFUSED) {
                throw new ErrnoException("probe the socket " + path, errno,
                        "cannot tell whether a server is behind it; remove it or pick another path");
            }
        }
        Files.delete(path); // refused: the server that made it is gone
    }

    private static String fileType(Path path) throws IOException {
        int mode = (int) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
        return (mode & 0170000) == 0140000 ? "socket" : "other";
    }

    public Path path() {
        return path;
    }

    /** Waits for the next client. Throws once the listener is closed. */
    public UnixConnection accept() throws IOException {
        UnixSocketChannel client;
        try {
            client = channel.accept();
        } catch (java.nio.channels.NotYetBoundException | java.nio.channels.ClosedChannelException e) {
            // jnr-unixsocket reports an accept that close woke (shutdown, then EINVAL) as "not yet bound".
            throw new IOException("accept on " + path + ": listener closed", e);
        }
        if (client == null) {
            throw new IOException("accept on " + path + ": listener closed");
        }
        return new UnixConnection(client);
    }

    /**
     * Stops listening and removes the socket file, unless another server has since replaced it (the file's inode
     * is no longer ours).
     */
    @Override
    public void close() throws IOException {
        try {
            // close(2) does not wake a thread blocked in accept(2) on Linux; shutdown(2) makes it return EINVAL.
            Native.LIBC.shutdown(channel.getFD(), SHUT_RDWR);
            channel.close();
        } finally {
            try {
                Object key = Files.readAttributes(path, java.nio.file.attribute.BasicFileAttributes.class,
                        LinkOption.NOFOLLOW_LINKS).fileKey();
                if (key != null && key.equals(fileKey)) {
                    Files.delete(path);
                }
            } catch (java.nio.file.NoSuchFileException e) {
                // already gone
            }
        }
    }
}
