package dev.xdpdump.kafka;

import dev.xdpdump.event.CaptureEvent;
import dev.xdpdump.event.FrameFields;
import dev.xdpdump.sink.AddressText;
import dev.xdpdump.sink.DeliveryBooks;
import dev.xdpdump.sink.EventFormatter;
import dev.xdpdump.sink.InterfaceNames;
import dev.xdpdump.sink.JsonSink;
import dev.xdpdump.sink.OutputBuffer;
import dev.xdpdump.sink.Sink;
import dev.xdpdump.sink.Totals;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.ByteArraySerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Each event as one Kafka record: the value is the json output's line (without its newline) with a {@code host} key
 * added, the key is the source address as text (one source's requests stay in one partition, in order), the headers
 * {@code host} and {@code iface} name where it was captured. Stats records ({@code "type":"stats"}, keyed by host) go
 * to the stats topic at the end and, with {@code --stats N}, every N seconds, traffic or not: a quiet host still
 * says it is there and has lost nothing.
 *
 * <p>The capture never waits for Kafka: {@code max.block.ms} is 0, so {@code send} returns at once and a record the
 * client's bounded buffer ({@code buffer.memory}) cannot take is refused and counted, as is one sent while the client
 * knows no partitions for the topic (a broker gone may take them along). A record the broker does not
 * acknowledge within {@code delivery.timeout.ms}, after the client's retries, is counted too. "Written" means
 * acknowledged, so {@code handed == written + refused + unacknowledged + in flight}; at the end records in flight get
 * {@link #CLOSE_TIMEOUT} and the client fails the rest, which then count as unacknowledged.
 *
 * <p>The formatting reuses one buffer; the client itself wants a fresh {@code byte[]} key and value and allocates a
 * record, headers and a future per {@code send}, which no setting avoids.
 */
public final class KafkaSink implements Sink, DeliveryBooks {
    /** How long start-up waits for a broker to describe the topics. */
    public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);
    /** How long the end waits for records in flight. */
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(10);
    private static final long POLL_MILLIS = 20;

    /**
     * What the user asked for.
     *
     * @param brokers {@code --kafka}: the bootstrap list, host:port,...
     * @param statsTopic {@code --kafka-stats-topic}, or the events' topic
     * @param options {@code --kafka-opt KEY=VALUE}, passed to the producer over our defaults
     * @param statsSeconds {@code --stats N}: a stats record every N seconds; 0 for only the last one
     */
    public record Settings(String brokers, String topic, String statsTopic, String hostId,
                           Map<String, String> options, int statsSeconds) {
        public Settings {
            options = Map.copyOf(options);
        }
    }

    private final Settings settings;
    private final Producer<byte[], byte[]> producer;
    private final EventFormatter json;
    private final InterfaceNames interfaceNames;
    private final OutputBuffer line = new OutputBuffer(4096);
    private final OutputBuffer keyText = new OutputBuffer(64);
    private final FrameFields fields = new FrameFields();
    /** {@code ,"host":"NAME"}} : what ends every event's value. */
    /** {@code --host-id} as a JSON string, escaped as the records are. */
    private final String quotedHost;
    private final byte[] hostEnd;
    private final byte[] hostBytes;
    private final Header hostHeader;
    /** Headers per interface, made once per ifindex: a handful of interfaces, so a linear look-up. */
    private int[] headerIfindexes = new int[0];
    private List<Header>[] headerLists = newHeaderLists(0);
    private final Callback delivered = this::delivered;
    private final AtomicLong acknowledged = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong unacknowledged = new AtomicLong();
    private volatile long handed;
    /** The sink thread: a callback that runs on it comes from inside send(), so the client did not take the record. */
    private volatile Thread sendingThread;
    private volatile long bytesHanded;
    private Totals.Source books;
    /** Set by {@link #finish}: close gives the client what is left of the same {@link #CLOSE_TIMEOUT}. */
    private long closeDeadline;
    /** Sends the periodic stats records on a timer of its own, so a host that sees no SYN still reports. */
    private ScheduledExecutorService statsTimer;
    private boolean closed;

    private KafkaSink(Settings settings, Producer<byte[], byte[]> producer, InterfaceNames interfaceNames) {
        this.settings = settings;
        this.producer = producer;
        this.interfaceNames = interfaceNames;
        this.json = JsonSink.lines(interfaceNames);
        this.hostBytes = settings.hostId().getBytes(StandardCharsets.UTF_8);
        this.quotedHost = JsonSink.quoted(settings.hostId());
        this.hostEnd = (",\"host\":" + quotedHost + "}").getBytes(StandardCharsets.US_ASCII);
        this.hostHeader = new RecordHeader("host", hostBytes);
    }

    /**
     * Makes the producer and waits up to {@link #CONNECT_TIMEOUT} for a broker to know both topics (a broker that
     * creates topics on demand creates them). Nothing is sent yet.
     *
     * @throws BrokerUnreachableException no broker answered, a topic is missing, or the client refused a setting
     */
    public static KafkaSink connect(Settings settings, InterfaceNames interfaceNames)
            throws BrokerUnreachableException {
        Producer<byte[], byte[]> producer;
        try {
            producer = new KafkaProducer<>(config(settings), new ByteArraySerializer(), new ByteArraySerializer());
        } catch (KafkaException e) {
            throw new BrokerUnreachableException("kafka: " + rootMessage(e), e);
        }
        try {
            awaitTopic(producer, settings.topic(), settings.brokers());
            awaitTopic(producer, settings.statsTopic(), settings.brokers());
        } catch (BrokerUnreachableException | RuntimeException e) {
            producer.close(Duration.ZERO);
            throw e;
        }
        return new KafkaSink(settings, producer, interfaceNames);
    }

    static Properties config(Settings settings) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.brokers());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "xdpdump-" + settings.hostId());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        config.putAll(settings.options());
        // Not the user's to change: send() must never wait, whatever else is set.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, "0");
        return config;
    }

    /**
     * With max.block.ms 0 the client does not wait for metadata either: each call asks for it and fails at once
     * until it has come, so ask until it has or the time is up. The same producer keeps it for the sends.
     */
    private static void awaitTopic(Producer<byte[], byte[]> producer, String topic, String brokers)
            throws BrokerUnreachableException {
        long deadline = System.nanoTime() + CONNECT_TIMEOUT.toNanos();
        while (true) {
            try {
                if (!producer.partitionsFor(topic).isEmpty()) {
                    return;
                }
            } catch (TimeoutException e) {
                // not there yet
            } catch (KafkaException e) {
                throw new BrokerUnreachableException("kafka: " + rootMessage(e) + " (topic " + topic + " at "
                        + brokers + ")", e);
            }
            if (System.nanoTime() - deadline > 0) {
                throw new BrokerUnreachableException("kafka: no broker at " + brokers + " described topic " + topic
                        + " within " + CONNECT_TIMEOUT.toSeconds() + " s; check --kafka and --topic (and that the"
                        + " broker creates topics or this one exists)", null);
            }
            try {
                Thread.sleep(POLL_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BrokerUnreachableException("kafka: interrupted while waiting for " + brokers, e);
            }
        }
    }

    /**
     * The books while capturing, for the periodic stats records: from then on one goes out every {@code --stats N}
     * seconds from a timer thread (the producer is thread-safe, and the books are read as the stats line reads them).
     */
    public void statsFrom(Totals.Source source) {
        this.books = source;
        if (settings.statsSeconds() > 0 && statsTimer == null) {
            statsTimer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread thread = new Thread(r, "xdpdump-kafka-stats");
                thread.setDaemon(true);
                return thread;
            });
            statsTimer.scheduleAtFixedRate(this::sendPeriodicStats, settings.statsSeconds(), settings.statsSeconds(),
                    TimeUnit.SECONDS);
        }
    }

    private void sendPeriodicStats() {
        Totals now = books.now();
        if (now != null) {
            sendStats(now, null);
        }
    }

    /** Ends the periodic stats records, waiting for one being sent, so the last record is the last one. */
    private void stopStatsTimer() {
        if (statsTimer != null) {
            statsTimer.shutdown();
            try {
                statsTimer.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void write(CaptureEvent event) {
        line.clear();
        json.format(event, line);
        int head = line.size() - 2; // without the closing brace and the newline
        byte[] value = new byte[head + hostEnd.length];
        line.copyOut(0, head, value, 0);
        System.arraycopy(hostEnd, 0, value, head, hostEnd.length);
        ProducerRecord<byte[], byte[]> record = new ProducerRecord<>(settings.topic(), null,
                event.wallClockNanos() / 1_000_000, sourceKey(event), value, headers(event.ifindex()));
        handed++;
        if (sendingThread == null) {
            sendingThread = Thread.currentThread();
        }
        try {
            producer.send(record, delivered);
            bytesHanded += value.length;
        } catch (KafkaException | IllegalStateException e) {
            refused.incrementAndGet(); // thrown rather than handed to the callback: the client would not take it
        }
    }

    /** On the client's I/O thread, or at once on this one when the client refuses the record. */
    private void delivered(RecordMetadata metadata, Exception failure) {
        if (failure == null) {
            acknowledged.incrementAndGet();
        } else if (Thread.currentThread() == sendingThread) {
            // Inside send(): the client took nothing. Its buffer was full, or no broker has told it the topic's
            // partitions (after a broker went away the client may forget them, and max.block.ms 0 does not wait).
            refused.incrementAndGet();
        } else {
            unacknowledged.incrementAndGet();
        }
    }

    private byte[] sourceKey(CaptureEvent event) {
        FrameFields f = fields.decode(event);
        if (!f.hasSource()) {
            return null;
        }
        keyText.clear();
        if (f.ipVersion() == 6) {
            AddressText.writeIpv6(keyText, f.sourceAddress(), 0);
        } else {
            AddressText.writeIpv4(keyText, f.sourceAddress(), 0);
        }
        byte[] key = new byte[keyText.size()];
        keyText.copyOut(0, key.length, key, 0);
        return key;
    }

    private List<Header> headers(int ifindex) {
        for (int i = 0; i < headerIfindexes.length; i++) {
            if (headerIfindexes[i] == ifindex) {
                return headerLists[i];
            }
        }
        String name = interfaceNames.nameOf(ifindex);
        List<Header> list = List.of(hostHeader, new RecordHeader("iface",
                (name == null ? Integer.toUnsignedString(ifindex) : name).getBytes(StandardCharsets.UTF_8)));
        int n = headerIfindexes.length;
        int[] ifindexes = java.util.Arrays.copyOf(headerIfindexes, n + 1);
        List<Header>[] lists = java.util.Arrays.copyOf(headerLists, n + 1);
        ifindexes[n] = ifindex;
        lists[n] = list;
        headerIfindexes = ifindexes;
        headerLists = lists;
        return list;
    }

    @SuppressWarnings("unchecked")
    private static List<Header>[] newHeaderLists(int n) {
        return (List<Header>[]) new List<?>[n];
    }

    /** Nothing to do: the client batches and sends by itself, and the stats records have their own timer. */
    @Override
    public void flush() {
    }

    /**
     * The last stats record: first gives records in flight up to {@link #CLOSE_TIMEOUT}, so the record carries this
     * output's books as they will end (the pipeline's snapshot was taken before), then sends it.
     */
    @Override
    public void finish(Totals totals) {
        stopStatsTimer();
        long deadline = System.nanoTime() + CLOSE_TIMEOUT.toNanos();
        closeDeadline = deadline;
        while (inFlight() > 0 && System.nanoTime() - deadline < 0) {
            sleepQuietly();
        }
        sendStats(totals, totals);
    }

    /** Records handed to the client and not yet acknowledged or failed. */
    long inFlight() {
        return handed - acknowledged.get() - refused.get() - unacknowledged.get();
    }

    /**
     * One {@code {"type":"stats","host":...}} record. With {@code settled}, this output's counters in the
     * snapshot are replaced by the sink's own, which are later than the snapshot.
     */
    private void sendStats(Totals totals, Totals settled) {
        Map<String, Long> own = new HashMap<>();
        if (settled != null) {
            Map<String, Long> snapshot = new HashMap<>();
            totals.forEachCounter(snapshot::put);
            String suffix = snapshot.containsKey("written_kafka") ? "_kafka" : "";
            long before = snapshot.getOrDefault("written" + suffix, 0L)
                    + snapshot.getOrDefault("not_delivered_refused" + suffix, 0L)
                    + snapshot.getOrDefault("not_delivered_unacked" + suffix, 0L);
            long after = acknowledged.get() + refused.get() + unacknowledged.get();
            own.put("written" + suffix, acknowledged.get());
            own.put("not_delivered_refused" + suffix, refused.get());
            own.put("not_delivered_unacked" + suffix, unacknowledged.get());
            own.put("not_written" + suffix, snapshot.getOrDefault("not_written" + suffix, 0L) - (after - before));
        }
        StringBuilder text = new StringBuilder("{\"type\":\"stats\",\"host\":").append(quotedHost);
        totals.forEachCounter((name, value) ->
                text.append(",\"").append(name).append("\":").append(own.getOrDefault(name, value)));
        text.append('}');
        try {
            producer.send(new ProducerRecord<>(settings.statsTopic(), hostBytes,
                    text.toString().getBytes(StandardCharsets.US_ASCII)));
        } catch (KafkaException | IllegalStateException e) {
            // a stats record is not an event: it has no place in the books, and the summary on stderr still has them
        }
    }

    @Override
    public long recordsWritten() {
        return acknowledged.get();
    }

    /** Bytes the client took into its buffer: grows while the broker is away, so the output never looks stalled. */
    @Override
    public long bytesWritten() {
        return bytesHanded;
    }

    @Override
    public long refused() {
        return refused.get();
    }

    @Override
    public long unacknowledged() {
        return unacknowledged.get();
    }

    /**
     * Waits for records in flight up to {@link #CLOSE_TIMEOUT} counted from {@link #finish} (at least a second, for
     * the last stats record), or from now without it; the client fails the rest, which count as unacknowledged.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        stopStatsTimer();
        long left = closeDeadline == 0 ? CLOSE_TIMEOUT.toNanos() : closeDeadline - System.nanoTime();
        producer.close(Duration.ofNanos(Math.max(left, Duration.ofSeconds(1).toNanos())));
    }

    private static void sleepQuietly() {
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return String.valueOf(t.getMessage() != null ? t.getMessage() : e.getMessage());
    }
}
