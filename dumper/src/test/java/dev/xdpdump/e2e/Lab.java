package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.sys.Bpf;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.Interfaces;
import dev.xdpdump.sys.NetNamespace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Where the end-to-end tests find the product, make their namespace labs and send their connection attempts. */
final class Lab {
    static final int CONNECT_TIMEOUT_MILLIS = 1000;
    private static final AtomicInteger LABS = new AtomicInteger();
    private static final Pattern XDP_PROGRAM_ID = Pattern.compile("prog/xdp id (\\d+)");

    /** One TCP connection attempt from the sender namespace, from a fixed source port so events can be matched. */
    record Attempt(String address, int port, int sourcePort) {
        int ipVersion() {
            return address.contains(":") ? 6 : 4;
        }

        String sourceAddress() {
            return ipVersion() == 6 ? VethLab.SENDER_V6 : VethLab.SENDER_V4;
        }
    }

    /** Three IPv4 attempts and one IPv6 attempt to closed ports of the capture end, source ports 40001 to 40004. */
    static final List<Attempt> MIXED = List.of(
            new Attempt(VethLab.CAPTURE_V4, 80, 40001),
            new Attempt(VethLab.CAPTURE_V4, 443, 40002),
            new Attempt(VethLab.CAPTURE_V4, 8080, 40003),
            new Attempt(VethLab.CAPTURE_V6, 80, 40004));

    private Lab() {}

    /** A new lab, tagged so no other lab of this run or a concurrent one clashes: "e", pid % 1000 (3 digits), a count. */
    static VethLab create() throws IOException {
        return VethLab.create(String.format("e%03d%d", ProcessHandle.current().pid() % 1000,
                LABS.incrementAndGet()));
    }

    /** Makes each attempt in turn; each gets its answer (the capture end refuses) before the next starts. */
    static void attempt(VethLab lab, List<Attempt> attempts) throws IOException, InterruptedException {
        for (Attempt attempt : attempts) {
            assertTrue(lab.connectFromSender(attempt.address(), attempt.port(), attempt.sourcePort(),
                    CONNECT_TIMEOUT_MILLIS), attempt + " got no answer from the capture end");
        }
    }

    /** The repository root: {@code <repo>/dumper/target/xdpdump.jar} is what failsafe passes as {@code xdpdump.jar}. */
    static Path repository() {
        Path jar = Path.of(System.getProperty("xdpdump.jar", "target/xdpdump.jar")).toAbsolutePath();
        assertTrue(Files.isRegularFile(jar), "no jar at " + jar + "; run the end-to-end tests with mvn verify");
        return jar.getParent().getParent().getParent();
    }

    static String launcher() {
        return repository().resolve("bin/xdpdump").toString();
    }

    /** {@code ip -n NAMESPACE -d link show dev INTERFACE}, which names an attached XDP program. */
    static String linkDetails(VethLab lab) throws IOException, InterruptedException {
        return linkDetails(lab, lab.captureInterface());
    }

    /** The same for {@code iface}, another interface of the capture namespace (a {@link VethLab.Pair}'s end). */
    static String linkDetails(VethLab lab, String iface) throws IOException, InterruptedException {
        Command.Result show = Command.run("ip", "-n", lab.captureNamespace(), "-d", "link", "show", "dev", iface);
        assertTrue(show.exitCode() == 0, show.describe());
        return show.stdoutText();
    }

    /**
     * The id of the program attached to the capture interface, at the XDP hook or first in its tcx ingress chain, or
     * -1 when none is.
     */
    static int attachedProgramId(VethLab lab) throws IOException, InterruptedException, ErrnoException {
        return attachedProgramId(lab, lab.captureInterface());
    }

    /** The same for {@code iface} in the capture namespace. */
    static int attachedProgramId(VethLab lab, String iface) throws IOException, InterruptedException, ErrnoException {
        Matcher id = XDP_PROGRAM_ID.matcher(linkDetails(lab, iface));
        if (id.find()) {
            return Integer.parseInt(id.group(1));
        }
        int[] tcx = tcxProgramIds(lab, iface);
        return tcx.length > 0 ? tcx[0] : -1;
    }

    /** The ids of the programs in the capture interface's tcx ingress chain (iproute2 6.1 does not show them). */
    static int[] tcxProgramIds(VethLab lab) throws ErrnoException {
        return tcxProgramIds(lab, lab.captureInterface());
    }

    /** The same for {@code iface} in the capture namespace. */
    static int[] tcxProgramIds(VethLab lab, String iface) throws ErrnoException {
        try (NetNamespace ignored = NetNamespace.enter(lab.captureNamespace())) {
            return Bpf.progQueryTcxIngress(Interfaces.indexOf(iface));
        }
    }

    /** The ifindex of {@code iface} in the capture namespace, 0 when there is none by that name. */
    static int ifindex(VethLab lab, String iface) throws ErrnoException {
        try (NetNamespace ignored = NetNamespace.enter(lab.captureNamespace())) {
            return Interfaces.indexOf(iface);
        }
    }
}
