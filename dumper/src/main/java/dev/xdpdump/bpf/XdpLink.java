package dev.xdpdump.bpf;

import dev.xdpdump.sys.Bpf;
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

    private XdpLink(FileDescriptorHandle link, XdpMode mode) {
        this.link = link;
        this.mode = mode;
    }

    /**
     * Attaches, refusing an interface that already has an XDP program. {@link XdpMode#AUTO} tries native first and
     * falls back to generic when the driver has no XDP support.
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
            return attachInMode(program, interfaceName, ifindex, mode);
        }
        try {
            return attachInMode(program, interfaceName, ifindex, XdpMode.NATIVE);
        } catch (InterfaceBusyException e) {
            throw e;
        } catch (ErrnoException e) {
            if (e.errno() != ErrnoException.EOPNOTSUPP && e.errno() != ErrnoException.EINVAL) {
                throw e;
            }
            return attachInMode(program, interfaceName, ifindex, XdpMode.GENERIC);
        }
    }

    private static XdpLink attachInMode(FileDescriptorHandle program, String interfaceName, int ifindex, XdpMode mode)
            throws ErrnoException {
        try {
            return new XdpLink(Bpf.linkCreateXdp(program, ifindex, mode.flags), mode);
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

    /** Detaches the program. */
    @Override
    public void close() {
        link.close();
    }
}
