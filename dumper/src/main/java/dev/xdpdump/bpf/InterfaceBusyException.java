package dev.xdpdump.bpf;

import dev.xdpdump.sys.ErrnoException;

/** The interface already runs an XDP program; xdpdump never replaces one. */
public final class InterfaceBusyException extends ErrnoException {
    private final int programId;

    InterfaceBusyException(String interfaceName, int ifindex, int errno, int programId, String mode) {
        super("attach xdp to " + interfaceName + " (ifindex " + ifindex + ")", errno,
                "another XDP program is attached (id " + programId + ", " + mode + "); xdpdump never replaces it:"
                        + " detach it (ip link set dev " + interfaceName + " xdp off) or pick another interface");
        this.programId = programId;
    }

    public int programId() {
        return programId;
    }
}
