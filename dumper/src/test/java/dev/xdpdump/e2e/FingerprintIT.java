package dev.xdpdump.e2e;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The fingerprint fields of a corpus of SYNs from varied stacks (crafted with scapy, written to a pcap read with -r)
 * against two oracles that share no code with ours: p0f's own raw signature of each SYN and tshark's decoding.
 */
class FingerprintIT {
    /** Debian's python3, which has scapy; a python earlier on PATH (pyenv) may not. */
    private static final String PYTHON = "/usr/bin/python3";
    private static final String P0F = "/usr/sbin/p0f";
    private static final String TSHARK = "/usr/bin/tshark";
    private static final String JQ = "/usr/bin/jq";
    /** The corpus's one IPv6 SYN behind a Destination Options header: p0f skips it, we see 8 bytes of extension. */
    private static final int BEHIND_EXTENSION = 40017;
    private static final int FRAMES = 18;
    private static final Pattern P0F_SYN = Pattern.compile("\\|cli=[^|]*/(\\d+)\\|.*\\|raw_sig=([^|\\n]+)");

    @Test
    void p0fFieldEqualsP0fsOwnRawSignatureOfEverySyn(@TempDir Path directory) throws Exception {
        Path pcap = corpus(directory);
        Command.requireInstalled(P0F);
        Path log = directory.resolve("p0f.log");
        Command.Result p0f = Command.run(P0F, "-r", pcap.toString(), "-o", log.toString());
        assertEquals(0, p0f.exitCode(), p0f.describe());
        Map<Integer, String> theirs = new TreeMap<>();
        for (String line : Files.readAllLines(log)) {
            Matcher m = P0F_SYN.matcher(line);
            if (line.contains("mod=syn|") && m.find()) {
                theirs.put(Integer.parseInt(m.group(1)), m.group(2));
            }
        }
        assertEquals(FRAMES - 1, theirs.size(), "p0f fingerprints every SYN but the one behind an extension header");

        Map<Integer, String> ours = new TreeMap<>(ourField(pcap, ".p0f"));
        assertEquals(FRAMES, ours.size(), ours.toString());
        String behind = ours.remove(BEHIND_EXTENSION);
        assertEquals(theirs, ours);
        assertTrue(behind.startsWith("6:64+0:8:1440:"), "the Destination Options header's 8 bytes are olen: " + behind);
    }

    @Test
    void decodedFieldsAgreeWithTsharksDecodingOfTheSameFrames(@TempDir Path directory) throws Exception {
        Path pcap = corpus(directory);
        Command.requireInstalled(TSHARK);
        Command.Result tshark = Command.run(TSHARK, "-r", pcap.toString(), "-T", "fields", "-E", "separator=,",
                "-E", "occurrence=f", "-e", "tcp.srcport", "-e", "tcp.window_size_value", "-e", "ip.ttl",
                "-e", "ipv6.hlim", "-e", "tcp.options.mss_val", "-e", "tcp.options.wscale.shift",
                "-e", "tcp.options.timestamp.tsval", "-e", "tcp.options.timestamp.tsecr", "-e", "ip.id",
                "-e", "ip.flags.df", "-e", "ipv6.flow", "-e", "tcp.len");
        assertEquals(0, tshark.exitCode(), tshark.describe());
        Map<Integer, String> theirs = new TreeMap<>();
        for (String line : tshark.stdoutText().lines().toList()) {
            String[] f = line.split(",", -1);
            String ttl = f[2].isEmpty() ? f[3] : f[2];
            String df = f[9].isEmpty() ? "null" : f[9].equals("1") || f[9].equals("True") ? "true" : "false";
            theirs.put(Integer.parseInt(f[0]), String.join("/", f[1], ttl, orNull(f[4]), orNull(f[5]), orNull(f[6]),
                    orNull(f[7]), f[8].isEmpty() ? "null" : String.valueOf(Integer.decode(f[8])), df,
                    f[10].isEmpty() ? "null" : String.valueOf(Integer.decode(f[10])), f[11]));
        }
        Map<Integer, String> ours = ourField(pcap,
                "\"\\(.win)/\\(.ttl)/\\(.mss)/\\(.wscale)/\\(.ts_val)/\\(.ts_ecr)/\\(.ip_id)/\\(.df)/\\(.flow)/\\(.payload_len)\"");
        assertEquals(FRAMES, theirs.size(), tshark.stdoutText());
        // tshark stops at the first option it finds malformed; compare only frames whose options it decoded whole.
        theirs.remove(40013);
        ours.remove(40013);
        assertEquals(theirs, ours);
    }

    private static String orNull(String field) {
        return field.isEmpty() ? "null" : field;
    }

    private static Path corpus(Path directory) throws Exception {
        Command.requireInstalled(PYTHON);
        Command.requireInstalled(JQ);
        Path script = directory.resolve("syn-corpus.py");
        try (InputStream in = FingerprintIT.class.getResourceAsStream("syn-corpus.py")) {
            Files.copy(in, script);
        }
        Path pcap = directory.resolve("corpus.pcap");
        Command.Result made = Command.run(PYTHON, script.toString(), pcap.toString());
        assertEquals(0, made.exitCode(), made.describe());
        return pcap;
    }

    /** Our {@code -r ... json} records, each reduced by the jq {@code filter}, by source port. */
    private static Map<Integer, String> ourField(Path pcap, String filter) throws Exception {
        Command.Result run = Xdpdump.run(null, "-r", pcap.toString(), "json");
        assertEquals(0, run.exitCode(), run.describe());
        Command.Result jq = Command.run(Command.DEFAULT_TIMEOUT, run.stdout(), JQ, "-r", "\"\\(.sport) \\(" + filter
                + ")\"");
        assertEquals(0, jq.exitCode(), jq.describe());
        Map<Integer, String> bySport = new TreeMap<>();
        for (String line : jq.stdoutText().lines().toList()) {
            int space = line.indexOf(' ');
            assertFalse(space < 0, line);
            bySport.put(Integer.parseInt(line.substring(0, space)), line.substring(space + 1));
        }
        return bySport;
    }
}
