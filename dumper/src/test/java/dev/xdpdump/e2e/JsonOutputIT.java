package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code xdpdump json} on real connection attempts, read back by jq and checked against tcpdump's capture. */
class JsonOutputIT {
    private static final String JQ = "/usr/bin/jq";
    private static final String KEYS = "ts,iface,ifindex,queue,cpu,ip,src,dst,sport,dport,flags,seq,win,ttl,ip6_ext,"
            + "ip_id,df,tos,ip_opts_len,flow,ittl,hops,ack,urp,opts,mss,wscale,sack_ok,ts_val,ts_ecr,payload_len,p0f,"
            + "muonfp,len,caplen,data";
    /** What every key holds in a complete SYN from Linux, leaving out those null for one IP version. */
    private static final String PER_VERSION = "del(.ip6_ext, .ip_id, .df, .flow)";
    private static final String TYPES = "string,string,number,number,number,number,string,string,number,number,"
            + "string,number,number,number,number,number,number,number,number,number,string,number,number,boolean,"
            + "number,number,number,string,string,number,number,string";
    /** How far xdpdump's timestamp (taken in XDP) may be from tcpdump's (taken later, on the socket path). */
    private static final Duration SAME_MOMENT = Duration.ofMillis(5);

    @Test
    void jsonLinesHoldEveryFieldOfEachConnectionRequestAsTcpdumpSawIt(@TempDir Path directory) throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled(JQ);
        List<Lab.Attempt> attempts = Lab.MIXED;
        Instant begin = Instant.now();
        byte[] json;
        List<Frame> reference;
        String captureInterface;
        try (VethLab lab = Lab.create();
             WatchedProcess xdpdump = Xdpdump.listening(lab, "json");
             ReferenceCapture tcpdump = ReferenceCapture.start(lab, attempts.size(), directory.resolve("ref.pcap"))) {
            captureInterface = lab.captureInterface();
            Lab.attempt(lab, attempts);
            reference = tcpdump.frames();
            assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            json = xdpdump.stdout();
        }
        Instant end = Instant.now();

        assertEquals(List.of(KEYS, KEYS, KEYS, KEYS), jq("-r", "keys_unsorted | join(\",\")", json),
                "every key in every object, in the documented order");
        assertEquals(List.of(TYPES, TYPES, TYPES, TYPES), jq("-r", PER_VERSION + " | [.[] | type] | join(\",\")", json),
                "no key null in a complete SYN, numbers as numbers");
        assertEquals(List.of("4 null", "4 null", "4 null", "6 []"),
                jq("-r", "\"\\(.ip) \\(.ip6_ext | tojson)\"", json).stream().sorted().toList(),
                "ip6_ext: null for IPv4, no extension headers on these IPv6 SYNs");

        List<String> summaries = jq("-c", "[.src,.dst,.sport,.dport,.flags,.ip,.iface,.len,.caplen]", json).stream()
                .sorted().toList();
        List<String> expected = attempts.stream().sorted(Comparator.comparingInt(Lab.Attempt::sourcePort))
                .map(a -> "[\"" + a.sourceAddress() + "\",\"" + a.address() + "\"," + a.sourcePort() + ","
                        + a.port() + ",\"S\"," + a.ipVersion() + ",\"" + captureInterface + "\","
                        + (a.ipVersion() == 6 ? 94 : 74) + "," + (a.ipVersion() == 6 ? 94 : 74) + "]")
                .toList();
        assertEquals(expected, summaries);

        for (String line : jq("-r", "[.sport,.ts,.seq,.win,.ttl,.len,.caplen,.data,.src,.dst] | @tsv", json)) {
            String[] field = line.split("\t", -1);
            Frame frame = Frame.withSourcePort(reference, Integer.parseInt(field[0]));
            String which = "event from port " + field[0];
            Instant timestamp = Instant.parse(field[1]);
            assertTrue(!timestamp.isBefore(begin) && !timestamp.isAfter(end),
                    which + ": ts " + timestamp + " outside the test's run " + begin + " .. " + end);
            assertTrue(Duration.between(frame.timestamp(), timestamp).abs().compareTo(SAME_MOMENT) <= 0,
                    which + ": ts " + timestamp + " but tcpdump saw it at " + frame.timestamp());
            assertEquals(frame.seq(), Long.parseLong(field[2]), which + ": seq");
            assertEquals(frame.window(), Integer.parseInt(field[3]), which + ": win");
            assertEquals(frame.ttl(), Integer.parseInt(field[4]), which + ": ttl");
            assertEquals(frame.wireLength(), Integer.parseInt(field[5]), which + ": len");
            assertEquals(frame.bytes().length, Integer.parseInt(field[6]), which + ": caplen");
            assertEquals(HexFormat.of().formatHex(frame.bytes()), field[7], which + ": data");
            assertEquals(frame.source(), InetAddress.getByName(field[8]), which + ": src");
            assertEquals(frame.destination(), InetAddress.getByName(field[9]), which + ": dst");
        }
    }

    private static List<String> jq(String mode, String filter, byte[] input) throws Exception {
        Command.Result jq = Command.run(Command.DEFAULT_TIMEOUT, input, JQ, mode, filter);
        assertEquals(0, jq.exitCode(), jq.describe());
        return jq.stdoutText().lines().toList();
    }
}
