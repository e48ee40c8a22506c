package dev.xdpdump.lab;

import dev.xdpdump.sys.NetNamespace;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway test bed: two network namespaces joined by a veth pair, addressed from the benchmarking range
 * 198.18.0.0/15 and the documentation prefix 2001:db8::/32, so its traffic can never leave the machine. Made with
 * iproute2's {@code ip}; closing deletes both namespaces, which removes the veth pair with them. {@link #addPair}
 * joins the capture namespace to a further sender namespace of its own, for captures on several interfaces.
 */
public final class VethLab implements AutoCloseable {
    public static final String CAPTURE_V4 = "198.18.0.1";
    public static final String SENDER_V4 = "198.18.0.2";
    public static final String CAPTURE_V6 = "2001:db8::1";
    public static final String SENDER_V6 = "2001:db8::2";
    private static final long COMMAND_TIMEOUT_SECONDS = 10;
    /** Pairs beyond the first: 198.18.N.0/24 and 2001:db8:N::/64 for N from 1 to this, one digit in their names. */
    private static final int MAX_EXTRA_PAIRS = 9;

    private final String captureNamespace;
    private final String senderNamespace;
    private final String captureInterface;
    private final String senderInterface;
    private final String tag;
    /** The pairs {@link #addPair} made, in order; their sender namespaces go with {@link #close}. */
    private final List<Pair> extraPairs = new CopyOnWriteArrayList<>();

    /**
     * A veth pair beyond the first: {@code captureInterface} in the lab's capture namespace, {@code senderInterface}
     * in {@code senderNamespace}, which holds nothing else. Addresses are {@code 198.18.N.1} and {@code 2001:db8:N::1}
     * at the capture end, {@code .2} and {@code ::2} at the sender's, N being the pair's number from 1.
     */
    public record Pair(int number, String captureInterface, String senderNamespace, String senderInterface,
                       String captureV4, String senderV4, String captureV6, String senderV6) {}

    private VethLab(String tag) {
        this.tag = tag;
        this.captureNamespace = "xdpdump-" + tag + "-cap";
        this.senderNamespace = "xdpdump-" + tag + "-snd";
        this.captureInterface = "xd" + tag + "c";
        this.senderInterface = "xd" + tag + "s";
    }

    /**
     * Creates the namespaces and the veth pair, both ends up with addresses.
     *
     * @param tag short and unique among running labs (interface names are at most 15 characters): e.g. the pid
     * @throws IOException naming the {@code ip} command that failed and what it printed; nothing is left behind
     */
    public static VethLab create(String tag) throws IOException {
        if (tag.length() > 10) {
            throw new IllegalArgumentException("lab tag too long for an interface name: " + tag);
        }
        VethLab lab = new VethLab(tag);
        try {
            lab.ip("netns", "add", lab.captureNamespace);
            lab.ip("netns", "add", lab.senderNamespace);
            lab.ip("link", "add", lab.captureInterface, "netns", lab.captureNamespace, "type", "veth",
                    "peer", "name", lab.senderInterface, "netns", lab.senderNamespace);
            lab.configure(lab.captureNamespace, lab.captureInterface, CAPTURE_V4, CAPTURE_V6);
            lab.configure(lab.senderNamespace, lab.senderInterface, SENDER_V4, SENDER_V6);
            return lab;
        } catch (IOException | RuntimeException e) {
            lab.close();
            throw e;
        }
    }

    private void configure(String namespace, String device, String v4, String v6) throws IOException {
        ip("-n", namespace, "link", "set", "lo", "up");
        ip("-n", namespace, "addr", "add", v4 + "/24", "dev", device);
        ip("-n", namespace, "addr", "add", v6 + "/64", "dev", device, "nodad");
        ip("-n", namespace, "link", "set", device, "up");
    }

    /**
     * Adds a veth pair from the capture namespace to a new sender namespace, both ends up with addresses of their own
     * subnets, so the capture end answers each sender on the pair it came in by. Deleted with the lab.
     *
     * @throws IOException naming the {@code ip} command that failed; the half-made pair is removed
     * @throws IllegalStateException past nine pairs besides the first
     */
    public synchronized Pair addPair() throws IOException {
        int n = extraPairs.size() + 1;
        if (n > MAX_EXTRA_PAIRS) {
            throw new IllegalStateException("a lab has at most " + MAX_EXTRA_PAIRS + " pairs besides its first");
        }
        Pair pair = new Pair(n, "xd" + tag + "c" + n, "xdpdump-" + tag + "-snd" + n, "xd" + tag + "s" + n,
                "198.18." + n + ".1", "198.18." + n + ".2", "2001:db8:" + n + "::1", "2001:db8:" + n + "::2");
        extraPairs.add(pair);
        try {
            ip("netns", "add", pair.senderNamespace());
            ip("link", "add", pair.captureInterface(), "netns", captureNamespace, "type", "veth",
                    "peer", "name", pair.senderInterface(), "netns", pair.senderNamespace());
            configure(captureNamespace, pair.captureInterface(), pair.captureV4(), pair.captureV6());
            configure(pair.senderNamespace(), pair.senderInterface(), pair.senderV4(), pair.senderV6());
            return pair;
        } catch (IOException | RuntimeException e) {
            deleteNamespace(pair.senderNamespace()); // takes the veth pair with it
            extraPairs.remove(pair);
            throw e;
        }
    }

    /** The pairs {@link #addPair} made, in order. */
    public List<Pair> extraPairs() { return List.copyOf(extraPairs); }

    public String captureNamespace() { return captureNamespace; }
    public String senderNamespace() { return senderNamespace; }
    /** The veth end inside the capture namespace, which receives what the sender sends. */
    public String captureInterface() { return captureInterface; }
    public String senderInterface() { return senderInterface; }

    /**
     * Makes one TCP connection attempt from the sender namespace and waits for its end (refused, accepted or timed
     * out after {@code timeoutMillis}). Runs on a fresh thread: namespaces belong to threads.
     *
     * @param sourcePort 0 lets the kernel choose
     * @return true when the attempt got an answer (accepted or refused), false on a timeout
     */
    public boolean connectFromSender(String address, int port, int sourcePort, int timeoutMillis)
            throws IOException, InterruptedException {
        return connectFrom(senderNamespace, address, port, sourcePort, timeoutMillis);
    }

    /** {@link #connectFromSender}, from {@code namespace}: the sender namespace of a {@link Pair}, say. */
    public boolean connectFrom(String namespace, String address, int port, int sourcePort, int timeoutMillis)
            throws IOException, InterruptedException {
        boolean[] answered = new boolean[1];
        IOException[] failure = new IOException[1];
        Thread attempt = new Thread(() -> {
            try (NetNamespace ignored = NetNamespace.enter(namespace); Socket socket = new Socket()) {
                socket.setReuseAddress(true);
                socket.bind(new InetSocketAddress(InetAddress.getByName(address).getAddress().length == 4
                        ? InetAddress.getByName("0.0.0.0") : InetAddress.getByName("::"), sourcePort));
                socket.connect(new InetSocketAddress(InetAddress.getByName(address), port), timeoutMillis);
                answered[0] = true;
            } catch (ConnectException refused) {
                answered[0] = true;
            } catch (SocketTimeoutException timedOut) {
                answered[0] = false;
            } catch (IOException e) {
                failure[0] = e;
            }
        }, "lab-connect");
        attempt.start();
        attempt.join(timeoutMillis + 5000L);
        if (failure[0] != null) {
            throw failure[0];
        }
        return answered[0];
    }

    /** Runs {@code ip ARGS...}; throws with its output when it fails. */
    public void ip(String... args) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ipCommand());
        command.addAll(List.of(args));
        run(command);
    }

    private static String ipCommand() {
        for (String candidate : new String[] {"/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"}) {
            if (new java.io.File(candidate).canExecute()) {
                return candidate;
            }
        }
        return "ip";
    }

    private static void run(List<String> command) throws IOException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("the namespace lab needs 'ip' from iproute2 (apt-get install iproute2): "
                    + e.getMessage(), e);
        }
        try {
            if (!process.waitFor(COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish in " + COMMAND_TIMEOUT_SECONDS + " s");
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + " was interrupted", e);
        }
        if (process.exitValue() != 0) {
            String output = new String(process.getInputStream().readAllBytes()).strip();
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }

    /**
     * Deletes every namespace of the lab (and so its veth pairs); safe to call on a half-made lab and more than once.
     */
    @Override
    public void close() {
        for (Pair pair : extraPairs) {
            deleteNamespace(pair.senderNamespace());
        }
        for (String namespace : new String[] {senderNamespace, captureNamespace}) {
            deleteNamespace(namespace);
        }
    }

    private void deleteNamespace(String namespace) {
        if (new java.io.File("/var/run/netns/" + namespace).exists()) {
            try {
                ip("netns", "del", namespace);
            } catch (IOException e) {
                System.err.println("xdpdump: could not delete network namespace " + namespace + ": " + e.getMessage());
            }
        }
    }
}
