package dev.xdpdump.cli;

import dev.xdpdump.sys.Bpf;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.XdpQuery;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code xdpdump -D}: the interfaces of this network namespace, as tcpdump -D numbers them ({@code 2.eth0 [up]}),
 * each with what is attached where xdpdump would attach: the XDP program (id, name, mode) and the programs at tc
 * ingress, so a user sees where xdpdump can capture before trying. Names need CAP_SYS_ADMIN or CAP_BPF; without,
 * the ids alone are shown.
 */
final class InterfaceList {
    private static final Path SYS_CLASS_NET = Path.of("/sys/class/net");
    private static final int IFF_UP = 0x1;

    private InterfaceList() {}

    /** One interface as sysfs describes it in this network namespace. */
    record Interface(int index, String name, boolean up) {}

    static int print(PrintStream out) throws IOException {
        for (Interface i : interfaces()) {
            out.println(i.index() + "." + i.name() + (i.up() ? " [up]" : " [down]") + attached(i.index()));
        }
        out.flush();
        return Main.OK;
    }

    /**
     * Every interface, with or without an address (the JDK's NetworkInterface leaves out those without one, such as
     * a bare veth), from /sys/class/net, which ip netns exec mounts for the namespace.
     */
    static List<Interface> interfaces() throws IOException {
        List<Interface> interfaces = new ArrayList<>();
        try (DirectoryStream<Path> devices = Files.newDirectoryStream(SYS_CLASS_NET)) {
            for (Path device : devices) {
                try {
                    int index = Integer.parseInt(Files.readString(device.resolve("ifindex")).trim());
                    int flags = Integer.decode(Files.readString(device.resolve("flags")).trim());
                    interfaces.add(new Interface(index, device.getFileName().toString(), (flags & IFF_UP) != 0));
                } catch (IOException | NumberFormatException e) {
                    // gone while listing, or not a network device: nothing to show
                }
            }
        }
        interfaces.sort(Comparator.comparingInt(Interface::index));
        return interfaces;
    }

    /** What is attached, or " free" when nothing is; a query the kernel refuses is named as such. */
    private static String attached(int ifindex) {
        StringBuilder text = new StringBuilder();
        try {
            XdpQuery.Attached xdp = XdpQuery.attached(ifindex);
            if (xdp.any()) {
                text.append(" xdp ").append(xdp.mode()).append(": ").append(program(xdp.programId()));
            }
        } catch (ErrnoException e) {
            text.append(" xdp: ").append(e.getMessage());
        }
        try {
            for (int id : Bpf.progQueryTcxIngress(ifindex)) {
                text.append(text.length() > 0 ? "," : "").append(" tc ingress: ").append(program(id));
            }
        } catch (ErrnoException e) {
            if (e.errno() == ErrnoException.EPERM || e.errno() == ErrnoException.EACCES) {
                text.append(text.length() > 0 ? "," : "").append(" tc ingress: unknown (run as root to see)");
            } else if (e.errno() != ErrnoException.EINVAL) { // a kernel without tcx has nothing there to show
                text.append(" tc ingress: ").append(e.getMessage());
            }
        }
        return text.length() > 0 ? text.toString() : " free";
    }

    private static String program(int id) {
        try {
            return "id " + id + " " + Bpf.progName(id);
        } catch (ErrnoException e) {
            return "id " + id;
        }
    }
}
