package dev.xdpdump.cli;

import dev.xdpdump.sys.ErrnoException;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code xdpdump extcap ...}: Wireshark's external capture protocol (extcap(4)), so that Wireshark and {@code tshark
 * -D} list every interface as {@code xdpdump: eth0} and capture through it. The launcher in Wireshark's extcap folder
 * passes Wireshark's arguments on; this class answers the four questions Wireshark asks (interfaces, link types,
 * options, a capture filter's validity) and turns {@code --capture} into an ordinary capture that writes pcapng to
 * Wireshark's FIFO, the capture filter field being the filter expression.
 */
final class ExtcapCommand {
    /** Wireshark's interface names are ours with this in front, so they never collide with its own. */
    static final String PREFIX = "xdpdump-";

    private final List<String> args;
    private final PrintStream out;
    private final PrintStream err;

    ExtcapCommand(List<String> args, PrintStream out, PrintStream err) {
        this.args = args;
        this.out = out;
        this.err = err;
    }

    /** What Wireshark asked, from its words: {@code --name value} and {@code --name=value} both occur. */
    record Request(boolean interfaces, boolean dlts, boolean config, boolean capture, String iface, String fifo,
                   String filter, String snapLength, String mode) {

        static Request parse(List<String> args) throws UsageException {
            boolean interfaces = false;
            boolean dlts = false;
            boolean config = false;
            boolean capture = false;
            String iface = null;
            String fifo = null;
            String filter = null;
            String snap = null;
            String mode = null;
            for (int i = 0; i < args.size(); i++) {
                String word = args.get(i);
                String name = word.contains("=") ? word.substring(0, word.indexOf('=')) : word;
                String inline = word.contains("=") ? word.substring(word.indexOf('=') + 1) : null;
                switch (name) {
                    case "--extcap-interfaces" -> interfaces = true;
                    case "--extcap-dlts" -> dlts = true;
                    case "--extcap-config" -> config = true;
                    case "--capture" -> capture = true;
                    // Asked with every call; what we answer does not depend on Wireshark's version.
                    case "--extcap-version" -> { if (inline == null) { i = skipValue(args, i); } }
                    case "--extcap-interface" -> { iface = inline != null ? inline : value(args, ++i, name); }
                    case "--fifo" -> { fifo = inline != null ? inline : value(args, ++i, name); }
                    case "--extcap-capture-filter" -> { filter = inline != null ? inline : value(args, ++i, name); }
                    case "--snaplen" -> { snap = inline != null ? inline : value(args, ++i, name); }
                    case "--mode" -> { mode = inline != null ? inline : value(args, ++i, name); }
                    // Toolbar control pipes and the reload hook: this interface has no controls.
                    case "--extcap-control-in", "--extcap-control-out", "--extcap-reload-option" -> {
                        if (inline == null) { i = skipValue(args, i); }
                    }
                    case "--debug", "--debug-file" -> {
                        if (name.equals("--debug-file") && inline == null) { i = skipValue(args, i); }
                    }
                    default -> throw new UsageException("extcap: unknown argument '" + word
                            + "'; Wireshark's extcap protocol is described in extcap(4)");
                }
            }
            return new Request(interfaces, dlts, config, capture, iface, fifo, filter, snap, mode);
        }

        private static String value(List<String> args, int i, String name) throws UsageException {
            if (i >= args.size()) {
                throw new UsageException("extcap: " + name + " needs a value");
            }
            return args.get(i);
        }

        /** Steps over an optional value: the next word, unless it is the next option. */
        private static int skipValue(List<String> args, int i) {
            return i + 1 < args.size() && !args.get(i + 1).startsWith("--") ? i + 1 : i;
        }
    }

    int run() throws ErrnoException, IOException, CaptureFailure, UsageException {
        Request request = Request.parse(args);
        if (request.interfaces()) {
            out.println("extcap {version=" + Main.version() + "}{display=xdpdump, TCP connection requests at XDP}"
                    + "{help=file:///usr/share/doc/xdpdump/README.md}");
            for (InterfaceList.Interface i : InterfaceList.interfaces()) {
                if (!i.name().equals("lo")) {
                    out.println("interface {value=" + PREFIX + i.name() + "}{display=xdpdump: " + i.name() + "}");
                }
            }
            out.flush();
            return Main.OK;
        }
        String name = interfaceName(request);
        if (request.dlts()) {
            out.println("dlt {number=1}{name=EN10MB}{display=Ethernet (TCP connection requests of " + name + ")}");
            out.flush();
            return Main.OK;
        }
        if (request.config()) {
            out.println("arg {number=0}{call=--snaplen}{display=Snap length}{type=unsigned}{range=1,65535}"
                    + "{default=256}{tooltip=Bytes of each frame to keep (xdpdump -s)}");
            out.println("arg {number=1}{call=--mode}{display=Hook}{type=selector}"
                    + "{tooltip=Where the program runs (xdpdump --mode)}");
            for (String mode : List.of("auto", "tc", "generic", "native")) {
                out.println("value {arg=1}{value=" + mode + "}{display=" + mode + "}"
                        + (mode.equals("auto") ? "{default=true}" : ""));
            }
            out.flush();
            return Main.OK;
        }
        if (!request.capture()) {
            // Wireshark checks the capture filter field as the user types: a word on stderr and exit 1 mark it bad.
            if (request.filter() != null && !request.filter().isBlank()) {
                Expressions.compile(request.filter());
            }
            return Main.OK;
        }
        if (request.fifo() == null) {
            throw new UsageException("extcap: --capture needs --fifo PATH (Wireshark gives one)");
        }
        return new CaptureCommand(Options.parse(captureWords(name, request)), err).run();
    }

    /** The ordinary command line that the capture Wireshark asked for amounts to. */
    static List<String> captureWords(String name, Request request) {
        List<String> words = new ArrayList<>(List.of("-i", name, "-w", request.fifo(), "--pcapng"));
        if (request.snapLength() != null) {
            words.addAll(List.of("-s", request.snapLength()));
        }
        if (request.mode() != null) {
            words.addAll(List.of("--mode", request.mode()));
        }
        if (request.filter() != null && !request.filter().isBlank()) {
            words.add(request.filter()); // one word: Options joins the expression's words anyway
        }
        return words;
    }

    private static String interfaceName(Request request) throws UsageException {
        String iface = request.iface();
        if (iface == null || !iface.startsWith(PREFIX) || iface.length() == PREFIX.length()) {
            throw new UsageException("extcap: --extcap-interface takes one of the names --extcap-interfaces lists ("
                    + PREFIX + "IFACE), not " + (iface == null ? "nothing" : "'" + iface + "'"));
        }
        return iface.substring(PREFIX.length());
    }
}
