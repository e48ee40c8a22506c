package dev.xdpdump.e2e;

import dev.xdpdump.lab.VethLab;
import dev.xdpdump.testing.Privileges;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Kafka output against a real single-node KRaft broker (a child JVM on 127.0.0.1, started once for the class):
 * two hosts into one topic read back by a consumer, a broker that goes away and comes back mid-capture, and one that
 * is not there at start.
 */
class KafkaOutputIT {
    private static final Pattern NUMBER_FIELD = Pattern.compile("\"([a-z_0-9]+)\":(-?\\d+)");
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SEND_LIMIT = Duration.ofSeconds(30);
    private static KafkaBroker broker;

    @BeforeAll
    static void startBroker() throws Exception {
        Privileges.requireCaptureCapabilities();
        Command.requireInstalled("/usr/bin/socat");
        broker = KafkaBroker.start();
    }

    @AfterAll
    static void stopBroker() throws Exception {
        if (broker != null) {
            broker.close();
        }
    }

    @Test
    void twoHostsIntoOneTopicEverySynOnceKeyedBySourceWithBalancedStats() throws Exception {
        String topic = "syn-fleet";
        Map<String, List<String>> jsonByHost = new HashMap<>();
        Map<String, List<String>> stderrByHost = new HashMap<>();
        try (VethLab a = Lab.create(); VethLab b = Lab.create()) {
            broker.reachFrom(a.captureNamespace());
            broker.reachFrom(b.captureNamespace());
            try (WatchedProcess xa = Xdpdump.listening(a, "--kafka", broker.bootstrap(), "--topic", topic,
                    "--host-id", "host-a", "json");
                 WatchedProcess xb = Xdpdump.listening(b, "--kafka", broker.bootstrap(), "--topic", topic,
                    "--host-id", "host-b", "json")) {
                Lab.attempt(a, Lab.MIXED);
                Lab.attempt(b, Lab.MIXED);
                assertEquals(0, Xdpdump.interrupt(xa), xa.stderrText());
                assertEquals(0, Xdpdump.interrupt(xb), xb.stderrText());
                jsonByHost.put("host-a", xa.stdoutText().lines().toList());
                jsonByHost.put("host-b", xb.stdoutText().lines().toList());
                stderrByHost.put("host-a", xa.stderrLines());
                stderrByHost.put("host-b", xb.stderrLines());
            }
        }
        List<ConsumerRecord<byte[], byte[]>> records = broker.read(topic,
                r -> r.size() >= 2 * (Lab.MIXED.size() + 1), READ_TIMEOUT);
        Map<String, List<String>> eventsByHost = new HashMap<>();
        Map<String, String> statsByHost = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> record : records) {
            String value = new String(record.value(), StandardCharsets.UTF_8);
            String host = header(record, "host");
            if (value.startsWith("{\"type\":\"stats\"")) {
                assertEquals(null, statsByHost.put(hostOf(value), value), "one stats record per host");
                assertEquals(hostOf(value), new String(record.key(), StandardCharsets.UTF_8), "keyed by host");
                continue;
            }
            assertEquals(hostOf(value), host, "the host header names the value's host: " + value);
            assertTrue(header(record, "iface").startsWith("xd"), "the iface header: " + header(record, "iface"));
            assertEquals(field(value, "src"), new String(record.key(), StandardCharsets.UTF_8), "keyed by source");
            eventsByHost.computeIfAbsent(host, h -> new ArrayList<>()).add(value);
        }
        List<Integer> sentPorts = Lab.MIXED.stream().map(Lab.Attempt::sourcePort).sorted().toList();
        for (String host : List.of("host-a", "host-b")) {
            List<String> events = eventsByHost.getOrDefault(host, List.of());
            String stderr = String.join("\n", stderrByHost.get(host));
            assertEquals(sentPorts, events.stream().map(v -> Integer.parseInt(field(v, "sport"))).sorted().toList(),
                    host + ": every SYN sent is in the topic once:\n" + stderr);
            // The value is the json output's line with "host" added before the closing brace.
            Set<String> withoutHost = new HashSet<>();
            for (String v : events) {
                String suffix = ",\"host\":\"" + host + "\"}";
                assertTrue(v.endsWith(suffix), v);
                withoutHost.add(v.substring(0, v.length() - suffix.length()) + "}");
            }
            assertEquals(new HashSet<>(jsonByHost.get(host)), withoutHost, host + ": the same fields as the json"
                    + " output of the same run");
            String stats = statsByHost.get(host);
            assertTrue(stats != null, host + ": a stats record; got " + records.size() + " records");
            Map<String, Long> books = numbers(stats);
            assertEquals(Lab.MIXED.size(), books.get("written_kafka"), host + ": acknowledged: " + stats);
            assertEquals(0, unaccounted(books, "_kafka"), host + ": the stats record balances: " + stats);
            assertTrue(stderrByHost.get(host).contains("4 events written to kafka topic " + topic), stderr);
        }
    }

    @Test
    void brokerGoneMidCaptureCountsWhatWasNotDeliveredAndTheFileGetsEverySyn(@TempDir Path directory)
            throws Exception {
        Command.requireInstalled(Tcpdump.PATH);
        String topic = "syn-restart";
        Path file = directory.resolve("syns.pcap");
        long sent = 0;
        long whileDown;
        long downMillis;
        List<String> stderr;
        try (VethLab lab = Lab.create()) {
            broker.reachFrom(lab.captureNamespace());
            try (WatchedProcess xdpdump = Xdpdump.listening(lab, "-v", "--kafka", broker.bootstrap(), "--topic",
                    topic, "--host-id", "restarted", "-w", file.toString(), "--stats", "1",
                    "--kafka-opt", "delivery.timeout.ms=3000", "--kafka-opt", "request.timeout.ms=1000",
                    "--kafka-opt", "linger.ms=0", "--kafka-opt", "retry.backoff.ms=100",
                    "--kafka-opt", "reconnect.backoff.max.ms=500")) {
                sent += burst(lab, 200);
                Thread.sleep(1500);
                long stopped = System.nanoTime();
                broker.stop();
                whileDown = burst(lab, 200);
                sent += whileDown;
                Thread.sleep(5000); // past delivery.timeout.ms: what was sent while the broker was away expires
                broker.restart();
                downMillis = (System.nanoTime() - stopped) / 1_000_000;
                Thread.sleep(3000); // the client finds the broker again
                sent += burst(lab, 200);
                Thread.sleep(1500);
                assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
                stderr = xdpdump.stderrLines();
                System.out.println("KafkaOutputIT broker restart: sent " + sent + " (" + whileDown
                        + " while the broker was down, " + downMillis + " ms); xdpdump's books:\n"
                        + String.join("\n", stderr));
            }
        }
        String text = String.join("\n", stderr);
        assertEquals(sent, Tcpdump.records(file), "the file beside it has every SYN:\n" + text);
        assertEquals(sent, counter(stderr, "events written to " + file), text);
        assertEquals(sent, counter(stderr, "connection requests matched by the program"), text);
        long acked = counter(stderr, "events written to kafka topic " + topic);
        long refused = counter(stderr, "events not delivered: refused by the Kafka client (buffer full or no"
                + " broker): kafka topic " + topic);
        long unacked = counter(stderr, "events not delivered: the broker did not acknowledge them: kafka topic "
                + topic);
        long notWritten = counter(stderr, "events received but not written (count reached, output closed or given"
                + " up): kafka topic " + topic);
        System.out.println("KafkaOutputIT delivery books: sent " + sent + " = delivered " + acked
                + " + not delivered (refused by the client " + refused + ", not acknowledged " + unacked
                + ") + not written " + notWritten);
        assertEquals(sent, acked + refused + unacked + notWritten, text);
        assertEquals(0, notWritten, text);
        // Whether the client still knew the topic's partitions decides which of the two terms a record lands in:
        // refused at once, or queued and expired after delivery.timeout.ms. Either way, exactly the burst sent while
        // the broker was away is what was not delivered; the bursts before and after were.
        assertEquals(whileDown, refused + unacked, "not delivered: the burst sent while the broker was away:\n"
                + text);
        assertEquals(sent - whileDown, acked, "delivered: the bursts before the stop and after the restart:\n" + text);
        List<ConsumerRecord<byte[], byte[]>> records = broker.read(topic, r -> events(r).size() >= acked,
                READ_TIMEOUT);
        Set<String> distinct = events(records);
        System.out.println("KafkaOutputIT consumer read " + distinct.size() + " distinct event records");
        assertEquals(acked, distinct.size(), "the topic holds exactly what the books call delivered:\n" + text);
        // --stats 1: stats records while events flowed, then the last one, which has the final books.
        List<String> stats = records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8))
                .filter(v -> v.startsWith("{\"type\":\"stats\"")).toList();
        assertTrue(stats.size() >= 2, "periodic stats records and the last one: " + stats);
        Map<String, Long> last = numbers(stats.get(stats.size() - 1));
        assertEquals(acked, last.get("written_kafka"), stats.get(stats.size() - 1));
        assertEquals(refused, last.get("not_delivered_refused_kafka"), stats.get(stats.size() - 1));
        assertEquals(unacked, last.get("not_delivered_unacked_kafka"), stats.get(stats.size() - 1));
        assertEquals(0, unaccounted(last, "_kafka"), "the last stats record balances: " + stats.get(stats.size() - 1));
    }

    /**
     * A host that sees no SYN still sends its stats record every --stats N seconds, so a consumer can tell "no SYNs"
     * from "no capture": three seconds of silence with --stats 1 give periodic records and the last one, all zero.
     */
    @Test
    void aQuietHostStillSendsItsStatsRecords() throws Exception {
        String topic = "syn-quiet";
        try (VethLab lab = Lab.create()) {
            broker.reachFrom(lab.captureNamespace());
            try (WatchedProcess xdpdump = Xdpdump.listening(lab, "--kafka", broker.bootstrap(), "--topic", topic,
                    "--host-id", "quiet", "--stats", "1")) {
                Thread.sleep(3500);
                assertEquals(0, Xdpdump.interrupt(xdpdump), xdpdump.stderrText());
            }
        }
        List<ConsumerRecord<byte[], byte[]>> records = broker.read(topic, r -> r.size() >= 3, READ_TIMEOUT);
        List<String> stats = records.stream().map(r -> new String(r.value(), StandardCharsets.UTF_8)).toList();
        assertTrue(stats.size() >= 3, "periodic stats records without traffic, and the last one: " + stats);
        for (String record : stats) {
            assertTrue(record.startsWith("{\"type\":\"stats\",\"host\":\"quiet\""), record);
            assertEquals(0L, numbers(record).get("matched"), record);
            assertEquals(0, unaccounted(numbers(record), ""), record);
        }
    }

    @Test
    void brokerDownAtStartIsOneLineAndExitOneAndTheFileIsLeftAlone(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("kept.pcap");
        byte[] before = "an earlier capture".getBytes(StandardCharsets.US_ASCII);
        Files.write(file, before);
        try (VethLab lab = Lab.create()) {
            Command.Result run = Xdpdump.run(lab.captureNamespace(), "-i", lab.captureInterface(), "--kafka",
                    "127.0.0.1:9", "--topic", "nowhere", "-w", file.toString());
            assertEquals(1, run.exitCode(), run.describe());
            List<String> lines = run.stderrLines();
            assertEquals(1, lines.size(), run.describe());
            assertTrue(lines.get(0).startsWith("xdpdump: kafka: no broker at 127.0.0.1:9 described topic nowhere"),
                    run.describe());
        }
        assertArrayEquals(before, Files.readAllBytes(file), "the -w file is as it was");
    }

    private static long burst(VethLab lab, long count) throws Exception {
        try (SynBurst burst = SynBurst.start(lab, 2, count, SEND_LIMIT)) {
            return burst.await(SEND_LIMIT.plusSeconds(5));
        }
    }

    /** Event records (not stats), by their captured bytes, which differ for every SYN (ports, sequence numbers). */
    private static Set<String> events(List<ConsumerRecord<byte[], byte[]>> records) {
        Set<String> data = new HashSet<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            String value = new String(r.value(), StandardCharsets.UTF_8);
            if (!value.startsWith("{\"type\":\"stats\"")) {
                data.add(field(value, "data"));
            }
        }
        return data;
    }

    private static String header(ConsumerRecord<byte[], byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static String hostOf(String value) {
        return field(value, "host");
    }

    /** A string or number field's text from one flat JSON object. */
    private static String field(String json, String key) {
        Matcher m = Pattern.compile("\"" + key + "\":(\"([^\"]*)\"|[^,}]+)").matcher(json);
        assertTrue(m.find(), key + " in " + json);
        return m.group(2) != null ? m.group(2) : m.group(1);
    }

    private static Map<String, Long> numbers(String json) {
        Map<String, Long> numbers = new HashMap<>();
        Matcher m = NUMBER_FIELD.matcher(json);
        while (m.find()) {
            numbers.put(m.group(1), Long.parseLong(m.group(2)));
        }
        return numbers;
    }

    /** matched minus every term of the books, for the output whose counters end in {@code suffix}. */
    private static long unaccounted(Map<String, Long> b, String suffix) {
        return b.get("matched") - b.get("written" + suffix) - b.get("not_delivered_refused" + suffix)
                - b.get("not_delivered_unacked" + suffix) - b.get("not_written" + suffix) - b.get("lost")
                - b.get("lost_no_ring") - b.get("lost_other") - b.get("left_in_rings") - b.get("malformed")
                - b.get("filtered");
    }

    private static long counter(List<String> stderr, String words) {
        for (String line : stderr) {
            if (line.endsWith(" " + words) && line.substring(0, line.indexOf(' ')).chars()
                    .allMatch(Character::isDigit)) {
                return Long.parseLong(line.substring(0, line.indexOf(' ')));
            }
        }
        throw new AssertionError("no line '<N> " + words + "':\n" + String.join("\n", stderr));
    }
}
