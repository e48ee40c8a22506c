package dev.xdpdump.sys;

import jnr.ffi.Pointer;

/**
 * Asks rtnetlink which XDP program an interface has (RTM_GETLINK, attribute IFLA_XDP). This sees programs attached
 * every way, by link or by {@code ip link set ... xdp}, which the bpf(2) link iterators alone would miss.
 */
public final class XdpQuery {
    private static final int AF_NETLINK = 16;
    private static final int SOCK_RAW = 3;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int NETLINK_ROUTE = 0;
    private static final int RTM_NEWLINK = 16;
    private static final int RTM_GETLINK = 18;
    private static final int NLMSG_ERROR = 2;
    private static final int NLM_F_REQUEST = 1;
    private static final int NLMSG_HEADER = 16;
    private static final int IFINFOMSG = 16;
    private static final int IFLA_XDP = 43;
    private static final int IFLA_XDP_ATTACHED = 2;
    private static final int IFLA_XDP_PROG_ID = 4;
    private static final int IFLA_XDP_DRV_PROG_ID = 5;
    private static final int IFLA_XDP_SKB_PROG_ID = 6;
    private static final int IFLA_XDP_HW_PROG_ID = 7;
    private static final int NLA_TYPE_MASK = 0x3fff;
    private static final int BUFFER = 65536;

    /** What is attached: {@code programId} 0 when nothing is; {@code mode} as the kernel reports it. */
    public record Attached(int programId, String mode) {
        public boolean any() {
            return programId != 0;
        }
    }

    private XdpQuery() {}

    public static Attached attached(int ifindex) throws ErrnoException {
        int fd = Native.check("open rtnetlink socket",
                Native.LIBC.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
        try (FileDescriptorHandle socket = new FileDescriptorHandle("rtnetlink", fd)) {
            Pointer request = Native.allocate(NLMSG_HEADER + IFINFOMSG);
            request.putInt(0, NLMSG_HEADER + IFINFOMSG);
            request.putShort(4, (short) RTM_GETLINK);
            request.putShort(6, (short) NLM_F_REQUEST);
            request.putInt(8, 1);
            request.putInt(NLMSG_HEADER + 4, ifindex);
            Native.check("send RTM_GETLINK", Native.LIBC.send(socket.fd(), request.address(), NLMSG_HEADER + IFINFOMSG, 0));
            Pointer reply = Native.allocate(BUFFER);
            int length = (int) Native.check("receive RTM_GETLINK reply", Native.LIBC.recv(socket.fd(), reply.address(), BUFFER, 0));
            return parse(reply, length, ifindex);
        }
    }

    private static Attached parse(Pointer reply, int length, int ifindex) throws ErrnoException {
        if (length < NLMSG_HEADER) {
            throw new ErrnoException("RTM_GETLINK reply for ifindex " + ifindex + " too short", ErrnoException.EINVAL);
        }
        int type = reply.getShort(4) & 0xffff;
        if (type == NLMSG_ERROR) {
            throw new ErrnoException("query interface ifindex " + ifindex, -reply.getInt(NLMSG_HEADER));
        }
        if (type != RTM_NEWLINK) {
            throw new ErrnoException("RTM_GETLINK reply of type " + type, ErrnoException.EINVAL);
        }
        int end = Math.min(length, reply.getInt(0));
        for (int at = NLMSG_HEADER + IFINFOMSG; at + 4 <= end; at += align(reply.getShort(at) & 0xffff)) {
            int attrLength = reply.getShort(at) & 0xffff;
            if (attrLength < 4) {
                break;
            }
            if ((reply.getShort(at + 2) & NLA_TYPE_MASK) == IFLA_XDP) {
                return parseXdp(reply, at + 4, at + attrLength);
            }
        }
        return new Attached(0, "none");
    }

    private static Attached parseXdp(Pointer reply, int from, int end) {
        int attachedMode = 0;
        int programId = 0;
        int anyModeProgram = 0;
        for (int at = from; at + 4 <= end; at += align(reply.getShort(at) & 0xffff)) {
            int attrLength = reply.getShort(at) & 0xffff;
            if (attrLength < 4) {
                break;
            }
            int type = reply.getShort(at + 2) & NLA_TYPE_MASK;
            if (type == IFLA_XDP_ATTACHED) {
                attachedMode = reply.getByte(at + 4) & 0xff;
            } else if (type == IFLA_XDP_PROG_ID) {
                programId = reply.getInt(at + 4);
            } else if (type == IFLA_XDP_DRV_PROG_ID || type == IFLA_XDP_SKB_PROG_ID || type == IFLA_XDP_HW_PROG_ID) {
                anyModeProgram = reply.getInt(at + 4);
            }
        }
        String[] modes = {"none", "native", "generic", "offload", "multiple"};
        String mode = attachedMode < modes.length ? modes[attachedMode] : "mode " + attachedMode;
        return new Attached(programId != 0 ? programId : anyModeProgram, mode);
    }

    private static int align(int length) {
        return (length + 3) & ~3;
    }
}
