package dev.xdpdump.sys;

import jnr.ffi.Pointer;

import java.nio.charset.StandardCharsets;

/**
 * Which driver runs an interface and on what bus ({@code ETHTOOL_GDRVINFO}, what {@code ethtool -i} prints), looked
 * up in the calling thread's network namespace. A device on a bus (PCI, virtio) has a driver that runs XDP on its own
 * receive queues; a virtual one (veth, bridge, tun, dummy: no bus address) only emulates native XDP, at a cost to the
 * traffic it carries.
 *
 * @param driver the driver's short name ("veth", "virtio_net", "ixgbe"), or "" when the interface has none to report
 * @param busInfo the device's bus address ("0000:00:03.0"), or "" for a virtual device
 */
public record DriverInfo(String driver, String busInfo) {
    private static final int AF_INET = 2;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final long SIOCETHTOOL = 0x8946;
    private static final int ETHTOOL_GDRVINFO = 0x3;
    private static final int IFREQ_SIZE = 40;
    private static final int IFNAMSIZ = 16;
    private static final int IFR_DATA = 16;
    // struct ethtool_drvinfo in linux/ethtool.h
    private static final int DRVINFO_SIZE = 196;
    private static final int DRIVER = 4;
    private static final int BUS_INFO = 100;
    private static final int STRING_SIZE = 32;

    /** True when the device sits on a bus, so its driver runs native XDP itself. */
    public boolean onBus() {
        return !busInfo.isEmpty();
    }

    /**
     * Asks the kernel; an interface whose driver answers nothing (no ethtool support and no parent device) is
     * reported as virtual with no driver name.
     */
    public static DriverInfo of(String interfaceName) throws ErrnoException {
        byte[] name = interfaceName.getBytes(StandardCharsets.US_ASCII);
        if (name.length == 0 || name.length >= IFNAMSIZ) {
            throw new ErrnoException("look up the driver of " + interfaceName, ErrnoException.ENODEV);
        }
        Pointer info = Native.allocate(DRVINFO_SIZE);
        info.putInt(0, ETHTOOL_GDRVINFO);
        Pointer request = Native.allocate(IFREQ_SIZE);
        request.put(0, name, 0, name.length);
        request.putLong(IFR_DATA, info.address());
        try (FileDescriptorHandle socket = new FileDescriptorHandle("ethtool socket", Native.check(
                "open a socket to ask for the driver of " + interfaceName,
                Native.LIBC.socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)))) {
            if (Native.LIBC.ioctl(socket.fd(), SIOCETHTOOL, request.address()) < 0) {
                int errno = Native.errno();
                if (errno == ErrnoException.ENODEV) {
                    throw new ErrnoException("look up the driver of " + interfaceName, errno);
                }
                return new DriverInfo("", "");
            }
        }
        return new DriverInfo(string(info, DRIVER), string(info, BUS_INFO));
    }

    private static String string(Pointer info, int offset) {
        byte[] bytes = new byte[STRING_SIZE];
        info.get(offset, bytes, 0, STRING_SIZE);
        int end = 0;
        while (end < STRING_SIZE && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, 0, end, StandardCharsets.US_ASCII);
    }
}
