package dev.xdpdump.bpf;

import dev.xdpdump.sys.Bpf;
import dev.xdpdump.sys.DriverInfo;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.FileDescriptorHandle;
import dev.xdpdump.sys.XdpQuery;

/**
 * The program attached to one interface through a BPF link. The kernel detaches it when the link's fd closes, which
 * includes the process dying by any signal: a crash never leaves a stale program behind.
 */
public final class XdpLink implements AutoCloseable {
    private final FileDescriptorHandle link;
    private final XdpMode mode;
    private final String reason;
    private final boolean fellBack;

    private XdpLink(FileDescriptorHandle link, XdpMode mode, String reason, boolean fellBack) {
        this.link = link;
        this.mode = mode;
        this.reason = reason;
        this.fellBack = fellBack;
    }

    /**
     * Attaches, refusing an interface that already has an XDP program. {@link XdpMode#AUTO} picks the mode that costs
     * the watched traffic least: generic on a virtual device (veth, bridge, tun: no bus address), whose native XDP
     * is emulated by copying every packet and losing GRO (bulk TCP through veth ran at 0.45x, bench/RESULTS.md), and
     * native on a device whose driver runs XDP on its receive queues, falling back to generic only when that driver
     * refuses native mode.
     *
     * @throws InterfaceBusyException when another program is attached
     * @throws ErrnoException with advice when the mode is unsupported or the kernel refuses
     */
    static XdpLink attach(FileDescriptorHandle program, String interfaceName, int ifindex, XdpMode mode)
            throws ErrnoException {
        XdpQuery.Attached attached = XdpQuery.attached(ifindex);
        if (attached.any()) {
            throw new InterfaceBusyException(interfaceName, ifindex, ErrnoException.EBUSY, attached.programId(),
                    attached.mode());
        }
        if (mode != XdpMode.AUTO) {
            return attachInMode(program, interfaceName, ifindex, mode, "--mode " + mode.word() + " was asked for",
                    false);
        }
        DriverInfo driver = DriverInfo.of(interfaceName);
        String driverName = driver.driver().isEmpty() ? "no driver information" : "driver " + driver.driver();
        if (!driver.onBus()) {
            return attachInMode(program, interfaceName, ifindex, XdpMode.GENERIC, "auto mode chose generic: "
                    + interfaceName + " is a virtual device (" + driverName + "), whose native XDP would slow the"
                    + " traffic it carries; --mode native to override", false);
        }
        try {
            return attachInMode(program, interfaceName, ifindex, XdpMode.NATIVE, "auto mode chose native: "
                    + driverName + " on " + driver.busInfo() + " runs XDP on its receive queues", false);
        } catch (InterfaceBusyException e) {
            throw e;
        } catch (ErrnoException e) {
            String why = switch (e.errno()) {
                case ErrnoException.EOPNOTSUPP -> "has no native XDP support";
                case ErrnoException.EINVAL -> "refused native XDP (EINVAL: often an MTU above what its XDP"
                        + " handles, or LRO on)";
                default -> throw e;
            };
            return attachInMode(program, interfaceName, ifindex, XdpMode.GENERIC, interfaceName + "'s "
                    + driverName + " " + why + "; attached in generic mode", true);
        }
    }

    private static XdpLink attachInMode(FileDescriptorHandle program, String interfaceName, int ifindex, XdpMode mode,
                                        String reason, boolean fellBack) throws ErrnoException {
        try {
            return new XdpLink(Bpf.linkCreateXdp(program, ifindex, mode.flags), mode, reason, fellBack);
        } catch (ErrnoException e) {
            String operation = "attach xdp to " + interfaceName + " (ifindex " + ifindex + ", " + mode.word() + " mode)";
            switch (e.errno()) {
                case ErrnoException.EBUSY, ErrnoException.EEXIST -> {
                    // Lost a race with another attacher since the query above: name what won.
                    XdpQuery.Attached now = XdpQuery.attached(ifindex);
                    throw new InterfaceBusyException(interfaceName, ifindex, e.errno(), now.programId(), now.mode());
                }
                case ErrnoException.EOPNOTSUPP -> throw new ErrnoException(operation, e.errno(),
                        "the driver has no " + mode.word() + " XDP support; use --mode generic (or auto)");
                case ErrnoException.ENODEV -> throw new ErrnoException(operation, e.errno(),
                        "the interface went away; pick one from 'ip link'");
                default -> throw new ErrnoException(operation, e.errno());
            }
        }
    }

    public XdpMode mode() {
        return mode;
    }

    /** Why this mode: one line for {@code -v}, or for everyone when {@link #fellBack()}. */
    public String reason() {
        return reason;
    }

    /** True when auto mode wanted native and the driver refused it. */
    public boolean fellBack() {
        return fellBack;
    }

    /** Detaches the program. */
    @Override
    public void close() {
        link.close();
    }
}
