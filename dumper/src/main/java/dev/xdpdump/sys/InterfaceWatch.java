package dev.xdpdump.sys;

import jnr.ffi.Pointer;

import java.nio.charset.StandardCharsets;

/**
 * Watches one interface while capturing: still there under the same index, still up. Checked every few hundred
 * milliseconds for hours, so a check allocates nothing: one socket kept open, the name encoded once into its own
 * {@code struct ifreq}. (The plain lookups in {@link Interfaces} allocate about 200 bytes a call; with no garbage
 * collection for hours, that showed as RSS creeping by ~100 kB a minute.) Used by one thread.
 */
public final class InterfaceWatch implements AutoCloseable {
    /** What a check found. */
    public enum State { UP, DOWN, GONE }

    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final long SIOCGIFINDEX = 0x8933;
    private static final int IFREQ_SIZE = 40;
    private static final int IFNAMSIZ = 16;
    private static final int IFR_UNION = 16; // ifr_ifindex (int) or ifr_flags (short)
    private static final int IFF_UP = 0x1;

    private final FileDescriptorHandle socket;
    private final Pointer request;
    private final int ifindex;

    /** @param ifindex the index the interface had when capture started: a new interface of that name is not it */
    public InterfaceWatch(String name, int ifindex) throws ErrnoException {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length == 0 || bytes.length >= IFNAMSIZ) {
            throw new ErrnoException("watch interface " + name, ErrnoException.ENODEV);
        }
        this.ifindex = ifindex;
        this.request = Native.allocate(IFREQ_SIZE);
        this.request.put(0, bytes, 0, bytes.length);
        this.socket = new FileDescriptorHandle("interface watch socket", Native.check(
                "open a socket to watch interface " + name, Native.LIBC.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)));
    }

    /** Gone when the name no longer resolves to the index; down when not administratively up (IFF_UP). */
    public State check() {
        request.putInt(IFR_UNION, 0);
        if (Native.LIBC.ioctl(socket.fd(), SIOCGIFINDEX, request.address()) < 0
                || request.getInt(IFR_UNION) != ifindex) {
            return State.GONE;
        }
        if (Native.LIBC.ioctl(socket.fd(), SIOCGIFFLAGS, request.address()) < 0) {
            return State.GONE;
        }
        return (request.getShort(IFR_UNION) & IFF_UP) != 0 ? State.UP : State.DOWN;
    }

    @Override
    public void close() {
        socket.close();
    }
}
