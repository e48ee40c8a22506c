package dev.xdpdump.bpf;

import dev.xdpdump.sys.ErrnoException;

/**
 * The interface's receive path already runs another program, at the XDP hook or in the tcx ingress chain; xdpdump
 * never replaces one and never runs next to one (it could drop or rewrite frames before xdpdump sees them).
 */
public final class InterfaceBusyException extends ErrnoException {
    private final int programId;

    private InterfaceBusyException(String operation, int errno, String advice, int programId) {
        super(operation, errno, advice);
        this.programId = programId;
    }

    static InterfaceBusyException xdp(String interfaceName, int ifindex, int errno, int programId, String mode) {
        return new InterfaceBusyException("attach xdp to " + interfaceName + " (ifindex " + ifindex + ")", errno,
                "another XDP program is attached (id " + programId + ", " + mode + "); xdpdump never replaces it:"
                        + " detach it (ip link set dev " + interfaceName + " xdp off) or pick another interface",
                programId);
    }

    static InterfaceBusyException tcx(String interfaceName, int ifindex, int programId) {
        return new InterfaceBusyException("attach tc ingress to " + interfaceName + " (ifindex " + ifindex + ")",
                ErrnoException.EBUSY, "another program is attached at tcx ingress (id " + programId + "); xdpdump"
                        + " never runs next to it: detach it (bpftool net detach tcx_ingress dev " + interfaceName
                        + ") or pick another interface", programId);
    }

    public int programId() {
        return programId;
    }
}
