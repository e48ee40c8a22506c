package dev.xdpdump.sys;

import jnr.ffi.Pointer;

import java.nio.charset.StandardCharsets;

/** Interface names, indexes and state in the calling thread's network namespace. */
public final class Interfaces {
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final long SIOCGIFFLAGS = 0x8913;
    private static final int IFREQ_SIZE = 40;
    private static final int IFR_FLAGS = 16;
    private static final int IFF_UP = 0x1;
    private static final int IFNAMSIZ = 16;

    private Interfaces() {}

    /**
     * Whether the interface is administratively up ({@code ip link set IF up}, IFF_UP); carrier does not matter.
     * Allocates and opens a socket: for periodic checks, not a hot path.
     *
     * @throws ErrnoException ENODEV when no interface has that name
     */
    public static boolean isUp(String name) throws ErrnoException {
        byte[] bytes = name.getBytes(StandardCharsets.US_ASCII);
        if (bytes.length == 0 || bytes.length >= IFNAMSIZ) {
            throw new ErrnoException("read flags of interface " + name, ErrnoException.ENODEV);
        }
        int fd = Native.check("open a socket to read interface flags",
                Native.LIBC.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
        try (FileDescriptorHandle socket = new FileDescriptorHandle("interface flags socket", fd)) {
            Pointer request = Native.scratch(IFREQ_SIZE); // struct ifreq: name[IFNAMSIZ], then short ifr_flags
            request.put(0, bytes, 0, bytes.length);
            Native.check("SIOCGIFFLAGS " + name, Native.LIBC.ioctl(socket.fd(), SIOCGIFFLAGS, request.address()));
            return (request.getShort(IFR_FLAGS) & IFF_UP) != 0;
        }
    }

    /** The interface's index, or 0 when no interface has that name. */
    public static int indexOf(String name) {
        if (name.isEmpty() || name.length() >= 16) {
            return 0; // IFNAMSIZ: the kernel could not hold such a name
        }
        return Native.LIBC.if_nametoindex(name);
    }
}
