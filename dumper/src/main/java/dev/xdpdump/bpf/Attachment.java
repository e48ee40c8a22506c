package dev.xdpdump.bpf;

import dev.xdpdump.sys.Bpf;
import dev.xdpdump.sys.DriverInfo;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.FileDescriptorHandle;
import dev.xdpdump.sys.XdpQuery;

/**
 * The program attached to one interface through a BPF link: at the XDP hook (native or generic) or at tc ingress (a
 * tcx link). The kernel detaches it when the link's fd closes, which includes the process dying by any signal: a
 * crash never leaves a stale program behind.
 */
public final class Attachment implements AutoCloseable {
    private final FileDescriptorHandle link;
    private final XdpMode mode;
    private final String reason;
    private final boolean fellBack;

    private Attachment(FileDescriptorHandle link, XdpMode mode, String reason, boolean fellBack) {
        this.link = link;
        this.mode = mode;
        this.reason = reason;
        this.fellBack = fellBack;
    }

    /**
     * Attaches, refusing an interface whose receive path already runs a program (XDP, or tcx ingress). {@link
     * XdpMode#AUTO} picks the mode that costs the watched traffic least: on a virtual device (veth, bridge, tun: no
     * bus address) tc ingress, which sees the traffic after GRO (generic XDP runs on every skb before GRO: bulk TCP
     * through veth ran at 0.88x, native XDP at 0.45x, bench/RESULTS.md), or generic when the kernel has no tcx
     * (before 6.6); on a device whose driver runs XDP on its receive queues native, falling back to generic only
     * when that driver refuses native mode.
     *
     * @throws InterfaceBusyException when another program is attached
     * @throws ErrnoException with advice when the mode is unsupported or the kernel refuses
     */
    static Attachment attach(FileDescriptorHandle xdp, FileDescriptorHandle tc, String interfaceName, int ifindex,
                             XdpMode mode) throws ErrnoException {
        XdpQuery.Attached attached = XdpQuery.attached(ifindex);
        if (attached.any()) {
            throw InterfaceBusyException.xdp(interfaceName, ifindex, ErrnoException.EBUSY, attached.programId(),
                    attached.mode());
        }
        refuseBusyTcx(interfaceName, ifindex);
        if (mode != XdpMode.AUTO) {
            String reason = "--mode " + mode.word() + " was asked for";
            return mode == XdpMode.TC ? attachTc(tc, interfaceName, ifindex, reason)
                    : attachXdp(xdp, interfaceName, ifindex, mode, reason, false);
        }
        DriverInfo driver = DriverInfo.of(interfaceName);
        String driverName = driver.driver().isEmpty() ? "no driver information" : "driver " + driver.driver();
        if (!driver.onBus()) {
            try {
                return attachTc(tc, interfaceName, ifindex, "auto mode chose tc ingress: " + interfaceName
                        + " is a virtual device (" + driverName + "), where tc sees the traffic after GRO and XDP"
                        + " slows it; --mode generic or native to override");
            } catch (InterfaceBusyException e) {
                throw e;
            } catch (ErrnoException e) {
                if (e.errno() != ErrnoException.EINVAL && e.errno() != ErrnoException.EOPNOTSUPP) {
                    throw e;
                }
                return attachXdp(xdp, interfaceName, ifindex, XdpMode.GENERIC, "this kernel has no tcx links ("
                        + (e.errno() == ErrnoException.EINVAL ? "EINVAL" : "EOPNOTSUPP") + "; Linux 6.6 has them); attached in generic XDP mode,"
                        + " which slows the traffic on " + interfaceName + " a little more", true);
            }
        }
        try {
            return attachXdp(xdp, interfaceName, ifindex, XdpMode.NATIVE, "auto mode chose native: "
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
            return attachXdp(xdp, interfaceName, ifindex, XdpMode.GENERIC, interfaceName + "'s "
                    + driverName + " " + why + "; attached in generic mode", true);
        }
    }

    /** tcx chains hold several programs; xdpdump still runs alone, as at the XDP hook. No tcx, nothing to refuse. */
    private static void refuseBusyTcx(String interfaceName, int ifindex) throws ErrnoException {
        int[] ids;
        try {
            ids = Bpf.progQueryTcxIngress(ifindex);
        } catch (ErrnoException e) {
            if (e.errno() == ErrnoException.EINVAL || e.errno() == ErrnoException.EOPNOTSUPP) {
                return;
            }
            throw e;
        }
        if (ids.length > 0) {
            throw InterfaceBusyException.tcx(interfaceName, ifindex, ids[0]);
        }
    }

    private static Attachment attachTc(FileDescriptorHandle program, String interfaceName, int ifindex,
                                       String reason) throws ErrnoException {
        try {
            return new Attachment(Bpf.linkCreateTcxIngress(program, ifindex), XdpMode.TC, reason, false);
        } catch (ErrnoException e) {
            String operation = "attach tc ingress to " + interfaceName + " (ifindex " + ifindex + ")";
            switch (e.errno()) {
                case ErrnoException.EINVAL, ErrnoException.EOPNOTSUPP -> throw new ErrnoException(operation,
                        e.errno(), "this kernel has no tcx links (Linux 6.6 has them); use --mode generic (or auto)");
                case ErrnoException.ENODEV -> throw new ErrnoException(operation, e.errno(),
                        "the interface went away; pick one from 'ip link'");
                default -> throw new ErrnoException(operation, e.errno());
            }
        }
    }

    private static Attachment attachXdp(FileDescriptorHandle program, String interfaceName, int ifindex,
                                        XdpMode mode, String reason, boolean fellBack) throws ErrnoException {
        try {
            return new Attachment(Bpf.linkCreateXdp(program, ifindex, mode.flags), mode, reason, fellBack);
        } catch (ErrnoException e) {
            String operation = "attach xdp to " + interfaceName + " (ifindex " + ifindex + ", " + mode.word() + " mode)";
            switch (e.errno()) {
                case ErrnoException.EBUSY, ErrnoException.EEXIST -> {
                    // Lost a race with another attacher since the query above: name what won.
                    XdpQuery.Attached now = XdpQuery.attached(ifindex);
                    throw InterfaceBusyException.xdp(interfaceName, ifindex, e.errno(), now.programId(), now.mode());
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

    /** True when auto mode wanted tc or native and the kernel or driver refused it. */
    public boolean fellBack() {
        return fellBack;
    }

    /** Detaches the program. */
    @Override
    public void close() {
        link.close();
    }
}
