package dev.xdpdump.serve;

import dev.xdpdump.sink.OutputFormat;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class ProtocolTest {
    @Test
    void eachFormatWithAndWithoutACount() throws Exception {
        assertEquals(new Protocol.Request(OutputFormat.JSON, 0), Protocol.parseRequest("xdpdump/1 json"));
        assertEquals(new Protocol.Request(OutputFormat.HEX, 0), Protocol.parseRequest("xdpdump/1 hex\r"));
        assertEquals(new Protocol.Request(OutputFormat.PCAP, 5), Protocol.parseRequest("xdpdump/1  pcap\tcount 5"));
        assertEquals(new Protocol.Request(OutputFormat.PCAPNG, 0), Protocol.parseRequest(" xdpdump/1 PCAPNG "));
    }

    @Test
    void whatTheClientSendsIsWhatTheServerParses() throws Exception {
        for (OutputFormat format : OutputFormat.values()) {
            for (long count : new long[] {0, 1, Long.MAX_VALUE}) {
                String line = new String(Protocol.request(format, count), StandardCharsets.US_ASCII);
                assertEquals('\n', line.charAt(line.length() - 1));
                assertEquals(new Protocol.Request(format, count),
                        Protocol.parseRequest(line.substring(0, line.length() - 1)));
            }
        }
        assertEquals("xdpdump/1 json count 3\n",
                new String(Protocol.request(OutputFormat.JSON, 3), StandardCharsets.US_ASCII));
    }

    @Test
    void badRequestsAreRefusedWithAReason() {
        assertEquals("empty request; send 'xdpdump/1 json' (or hex, pcap, pcapng)", why(""));
        assertEquals("a request starts with 'xdpdump/1'; send 'xdpdump/1 json' (or hex, pcap, pcapng)",
                why("GET / HTTP/1.1"));
        assertEquals("this server speaks xdpdump/1, not xdpdump/2", why("xdpdump/2 json"));
        assertEquals("no format; send 'xdpdump/1 json' (or hex, pcap, pcapng)", why("xdpdump/1"));
        assertEquals("unknown format 'xml'; pick one of hex, json, pcap, pcapng", why("xdpdump/1 xml"));
        assertEquals("after the format only 'count N' may follow, not 'count'", why("xdpdump/1 json count"));
        assertEquals("after the format only 'count N' may follow, not 'fast'", why("xdpdump/1 json fast"));
        assertEquals("after the format only 'count N' may follow, not 'count 1 2'", why("xdpdump/1 json count 1 2"));
        for (String n : new String[] {"0", "-1", "+1", "x", "99999999999999999999"}) {
            assertEquals("count takes a whole number from 1 to " + Long.MAX_VALUE + ", not '" + n + "'",
                    why("xdpdump/1 json count " + n));
        }
        assertEquals("the request is not a line of printable ASCII; send 'xdpdump/1 json' (or hex, pcap, pcapng)",
                why("xdpdump/1 json\u0000"));
        assertEquals("the request is not a line of printable ASCII; send 'xdpdump/1 json' (or hex, pcap, pcapng)",
                why("xdpdump/1 jsön"));
    }

    @Test
    void answersAreOneLineAndTheClientReadsThem() throws Exception {
        assertEquals("xdpdump/1 ok pcapng\n",
                new String(Protocol.accepted(OutputFormat.PCAPNG), StandardCharsets.US_ASCII));
        assertEquals("xdpdump/1 refused uid 1000 is not root, the server's user or in group xdpdump\n",
                new String(Protocol.refused("uid 1000 is not root, the server's user\nor in group xdpdump"),
                        StandardCharsets.US_ASCII));
        assertEquals(OutputFormat.JSON, Protocol.parseAnswer("xdpdump/1 ok json", OutputFormat.JSON));
        assertEquals("too many clients (64)", assertThrows(Protocol.BadRequestException.class,
                () -> Protocol.parseAnswer("xdpdump/1 refused too many clients (64)", OutputFormat.JSON))
                .getMessage());
        assertEquals("the server did not answer in xdpdump/1 (got 'SSH-2.0-OpenSSH_9.2')",
                assertThrows(Protocol.BadRequestException.class,
                        () -> Protocol.parseAnswer("SSH-2.0-OpenSSH_9.2", OutputFormat.JSON)).getMessage());
        assertThrows(Protocol.BadRequestException.class,
                () -> Protocol.parseAnswer("xdpdump/1 ok hex", OutputFormat.JSON));
    }

    private static String why(String line) {
        return assertThrows(Protocol.BadRequestException.class, () -> Protocol.parseRequest(line)).getMessage();
    }
}
