package dev.xdpdump.sink;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.CaptureEvents;
import dev.xdpdump.testing.Frames;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class JsonSinkTest {
    private static final String JQ = "/usr/bin/jq";

    @Test
    void writesOneFlatObjectPerLineWithEveryKey() throws Exception {
        String data = HexFormat.of().formatHex(Frames.ipv4Syn());
        assertEquals("{\"ts\":\"2026-11-22T03:49:44.123456789Z\",\"iface\":\"eth0\",\"ifindex\":2,\"queue\":0,\"cpu\":1,"
            + "\"ip\":4,\"src\":\"192.0.2.1\",\"dst\":\"198.51.100.7\",\"sport\":43910,\"dport\":80,\"flags\":\"S\","
            + "\"seq\":2343432205,\"win\":64240,\"ttl\":64,\"ip6_ext\":null"
            + ",\"ip_id\":7238,\"df\":true,\"tos\":0,\"ip_opts_len\":0,\"flow\":null,\"ittl\":64,\"hops\":0,\"ack\":0,\"urp\":0," + "\"opts\":\"mss,sok,ts,nop,ws\",\"mss\":1460,\"wscale\":7,\"sack_ok\":true,\"ts_val\":123456,\"ts_ecr\":0," + "\"payload_len\":0,\"p0f\":\"4:64+0:0:1460:mss*44,7:mss,sok,ts,nop,ws:df,id+:0\",\"muonfp\":\"64240:2-4-8-1-3:1460:7\""
            + ",\"len\":74,\"caplen\":74,\"data\":\"" + data
            + "\"}\n", format(SampleEvents.NAMES, SampleEvents.ipv4()));
    }

    @Test
    void writesTheIpv6ExtensionHeadersInOrderAndAnEmptyArrayForNone() throws Exception {
        String plain = HexFormat.of().formatHex(Frames.ipv6Syn());
        assertEquals("{\"ts\":\"2026-11-22T03:49:44.123456789Z\",\"iface\":\"eth0\",\"ifindex\":2,\"queue\":0,\"cpu\":1,"
            + "\"ip\":6,\"src\":\"2001:db8::1\",\"dst\":\"2001:db8:0:1::80\",\"sport\":43910,\"dport\":80,\"flags\":\"S\","
            + "\"seq\":2343432205,\"win\":64240,\"ttl\":57,\"ip6_ext\":[]"
            + ",\"ip_id\":null,\"df\":null,\"tos\":0,\"ip_opts_len\":0,\"flow\":0,\"ittl\":64,\"hops\":7,\"ack\":0,\"urp\":0," + "\"opts\":\"mss,sok,ts,nop,ws\",\"mss\":1460,\"wscale\":7,\"sack_ok\":true,\"ts_val\":123456,\"ts_ecr\":0," + "\"payload_len\":0,\"p0f\":\"6:57+7:0:1460:mss*44,7:mss,sok,ts,nop,ws::0\",\"muonfp\":\"64240:2-4-8-1-3:1460:7\""
            + ",\"len\":94,\"caplen\":94,\"data\":\"" + plain
            + "\"}\n", format(SampleEvents.NAMES, SampleEvents.ipv6()));
        String behind = HexFormat.of().formatHex(Frames.ipv6Syn(0, 60));
        assertEquals("{\"ts\":\"2026-11-22T03:49:44.123456789Z\",\"iface\":\"eth0\",\"ifindex\":2,\"queue\":0,\"cpu\":1,"
            + "\"ip\":6,\"src\":\"2001:db8::1\",\"dst\":\"2001:db8:0:1::80\",\"sport\":43910,\"dport\":80,\"flags\":\"S\","
            + "\"seq\":2343432205,\"win\":64240,\"ttl\":57,\"ip6_ext\":[0,60]"
            + ",\"ip_id\":null,\"df\":null,\"tos\":0,\"ip_opts_len\":16,\"flow\":0,\"ittl\":64,\"hops\":7,\"ack\":0,\"urp\":0," + "\"opts\":\"mss,sok,ts,nop,ws\",\"mss\":1460,\"wscale\":7,\"sack_ok\":true,\"ts_val\":123456,\"ts_ecr\":0," + "\"payload_len\":0,\"p0f\":\"6:57+7:16:1460:mss*44,7:mss,sok,ts,nop,ws::0\",\"muonfp\":\"64240:2-4-8-1-3:1460:7\""
            + ",\"len\":110,\"caplen\":110,\"data\":\""
            + behind + "\"}\n", format(SampleEvents.NAMES, SampleEvents.ipv6Extensions()));
    }

    @Test
    void writesNullForAnExtensionChainTheCaptureEndsInside() throws Exception {
        byte[] frame = Frames.ipv6Syn(0, 60);
        CaptureEvent cut = CaptureEvents.of(frame, 62, Frames.ETHERNET_HEADER, Frames.ETHERNET_HEADER + 56, 6);
        assertEquals("{\"ts\":\"2026-11-22T03:49:44.123456789Z\",\"iface\":\"eth0\",\"ifindex\":2,\"queue\":0,\"cpu\":1,"
            + "\"ip\":6,\"src\":\"2001:db8::1\",\"dst\":\"2001:db8:0:1::80\",\"sport\":null,\"dport\":null,\"flags\":null,"
            + "\"seq\":null,\"win\":null,\"ttl\":57,\"ip6_ext\":null"
            + ",\"ip_id\":null,\"df\":null,\"tos\":0,\"ip_opts_len\":null,\"flow\":0,\"ittl\":64,\"hops\":7,\"ack\":null," + "\"urp\":null,\"opts\":null,\"mss\":null,\"wscale\":null,\"sack_ok\":null,\"ts_val\":null,\"ts_ecr\":null," + "\"payload_len\":null,\"p0f\":null,\"muonfp\":null"
            + ",\"len\":110,\"caplen\":62,\"data\":\""
            + HexFormat.of().formatHex(frame, 0, 62) + "\"}\n", format(SampleEvents.NAMES, cut));
    }

    @Test
    void writesNullForFieldsBeyondTheSnapLength() throws Exception {
        String data = HexFormat.of().formatHex(Frames.ipv4Syn(), 0, 20);
        assertEquals("{\"ts\":\"2026-11-22T03:49:44.123456789Z\",\"iface\":\"eth0\",\"ifindex\":2,\"queue\":0,\"cpu\":1,"
            + "\"ip\":4,\"src\":null,\"dst\":null,\"sport\":null,\"dport\":null,\"flags\":null,"
            + "\"seq\":null,\"win\":null,\"ttl\":null,\"ip6_ext\":null"
            + ",\"ip_id\":null,\"df\":null,\"tos\":null,\"ip_opts_len\":null,\"flow\":null,\"ittl\":null,\"hops\":null,\"ack\":null," + "\"urp\":null,\"opts\":null,\"mss\":null,\"wscale\":null,\"sack_ok\":null,\"ts_val\":null,\"ts_ecr\":null," + "\"payload_len\":null,\"p0f\":null,\"muonfp\":null"
            + ",\"len\":74,\"caplen\":20,\"data\":\"" + data + "\"}\n",
            format(SampleEvents.NAMES, SampleEvents.truncatedInIpHeader()));
    }

    @Test
    void jqAcceptsEveryLineWithTheSameKeysAndNumbersAsNumbers() throws Exception {
        ExternalTool.requireInstalled(JQ);
        byte[] lines = format(SampleEvents.NAMES, SampleEvents.all().toArray(new CaptureEvent[0]))
            .getBytes(StandardCharsets.US_ASCII);
        String keys = "[\"ts\",\"iface\",\"ifindex\",\"queue\",\"cpu\",\"ip\",\"src\",\"dst\",\"sport\",\"dport\","
            + "\"flags\",\"seq\",\"win\",\"ttl\",\"ip6_ext\",\"ip_id\",\"df\",\"tos\",\"ip_opts_len\",\"flow\",\"ittl\",\"hops\","
            + "\"ack\",\"urp\",\"opts\",\"mss\",\"wscale\",\"sack_ok\",\"ts_val\",\"ts_ecr\",\"payload_len\",\"p0f\",\"muonfp\","
            + "\"len\",\"caplen\",\"data\"]";
        String check = "keys_unsorted == " + keys
            + " and ([.ifindex, .queue, .cpu, .len, .caplen] | all(type == \"number\"))"
            + " and ([.ip, .sport, .dport, .seq, .win, .ttl] | all(type == \"number\" or type == \"null\"))"
            + " and ([.src, .dst, .flags, .iface] | all(type == \"string\" or type == \"null\"))"
            + " and (.ip6_ext | type == \"null\" or (type == \"array\" and all(type == \"number\")))"
            + " and (.ip == 6 or .ip6_ext == null)"
            + " and (.ts | test(\"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}[.][0-9]{9}Z$\"))"
            + " and (.data | length) == 2 * .caplen";
        ExternalTool.Result jq = ExternalTool.run(List.of(JQ, "-e", "-c", check), lines);
        assertEquals(0, jq.exitCode(), jq.stderr());
        assertEquals("true\n".repeat(SampleEvents.all().size()), jq.stdoutText());
    }

    @Test
    void jqReadsBackTheValuesOfEachKindOfSyn() throws Exception {
        ExternalTool.requireInstalled(JQ);
        byte[] lines = format(SampleEvents.NAMES, SampleEvents.ipv4(), SampleEvents.ipv6(), SampleEvents.vlanEcn(),
            SampleEvents.truncatedAfterPorts(), SampleEvents.garbage(), SampleEvents.ipv6Extensions())
            .getBytes(StandardCharsets.US_ASCII);
        ExternalTool.Result jq = ExternalTool.run(List.of(JQ, "-e", "-r",
            "[.ts, .iface, .ifindex, .queue, .ip, .src, .dst, .sport, .dport, .flags, .seq, .win, .ttl, .len, .caplen,"
                + " (.ip6_ext | tojson)] | map(tostring) | join(\" \")"), lines);
        assertEquals(0, jq.exitCode(), jq.stderr());
        assertEquals(String.join("\n",
            "2026-11-22T03:49:44.123456789Z eth0 2 0 4 192.0.2.1 198.51.100.7 43910 80 S 2343432205 64240 64 74 74 null",
            "2026-11-22T03:49:44.123456789Z eth0 2 0 6 2001:db8::1 2001:db8:0:1::80 43910 80 S 2343432205 64240 57 94 94 []",
            "2026-11-22T03:49:44.123456789Z eth0 2 0 4 192.0.2.1 198.51.100.7 43910 80 SEW 2343432205 64240 64 78 78 null",
            "2026-11-22T03:49:44.123456789Z eth0 2 0 4 192.0.2.1 198.51.100.7 43910 80 null null null 64 74 38 null",
            "1969-12-31T23:59:59.999999999Z null 4294967289 12345 null null null null null null null null null"
                + " 4294967295 74 null",
            "2026-11-22T03:49:44.123456789Z eth0 2 0 6 2001:db8::1 2001:db8:0:1::80 43910 80 S 2343432205 64240 57 110 110"
                + " [0,60]") + "\n", jq.stdoutText());
    }

    @Test
    void escapesInterfaceNamesSoJqReadsThemBack() throws Exception {
        ExternalTool.requireInstalled(JQ);
        String name = "we\"ird\\na\u00efve\u0001";
        String line = format(InterfaceNames.of(Map.of(CaptureEvents.IFINDEX, name)), SampleEvents.ipv4());
        ExternalTool.Result jq = ExternalTool.run(List.of(JQ, "-e", "-j", ".iface"),
            line.getBytes(StandardCharsets.US_ASCII));
        assertEquals(0, jq.exitCode(), jq.stderr());
        assertEquals(name, jq.stdoutText());
    }

    private static String format(InterfaceNames names, CaptureEvent... events) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (JsonSink sink = new JsonSink(Output.of(Channels.newChannel(bytes), "memory"), names)) {
            for (CaptureEvent event : events) {
                sink.write(event);
            }
        }
        return bytes.toString(StandardCharsets.US_ASCII);
    }
}
