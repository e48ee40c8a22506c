package dev.xdpdump.e2e;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A single-node KRaft Kafka (broker and controller in one) in a child JVM, listening on 127.0.0.1 only, its logs in
 * a temporary directory removed at {@link #close}. It can be stopped and started again on the same port and data.
 *
 * <p>xdpdump runs inside capture namespaces, whose 127.0.0.1 is their own: {@link #reachFrom} puts a forwarder on
 * the namespace's 127.0.0.1 at the broker's port, through a Unix socket in the temporary directory to the broker, so
 * the address the broker advertises works in every namespace and nothing listens beyond loopback.
 */
final class KafkaBroker implements AutoCloseable {
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

    private final Path directory;
    private final Path properties;
    private final int port;
    private final List<WatchedProcess> forwarders = new ArrayList<>();
    private WatchedProcess server;

    private KafkaBroker(Path directory, int port, int controllerPort) throws IOException {
        this.directory = directory;
        this.port = port;
        this.properties = directory.resolve("server.properties");
        Files.writeString(properties, String.join("\n",
                "process.roles=broker,controller",
                "node.id=1",
                "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                "listeners=PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort,
                "advertised.listeners=PLAINTEXT://127.0.0.1:" + port,
                "controller.listener.names=CONTROLLER",
                "listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
                "inter.broker.listener.name=PLAINTEXT",
                "log.dirs=" + directory.resolve("data"),
                "metadata.log.dir=" + directory.resolve("metadata"),
                "num.partitions=3",
                "auto.create.topics.enable=true",
                "offsets.topic.replication.factor=1",
                "transaction.state.log.replication.factor=1",
                "transaction.state.log.min.isr=1",
                "group.initial.rebalance.delay.ms=0",
                "num.network.threads=1",
                "num.io.threads=2",
                "background.threads=2",
                "log.cleaner.enable=false",
                "") );
    }

    /** Formats the storage and starts the broker; waits until it answers. */
    static KafkaBroker start() throws Exception {
        Path directory = Files.createTempDirectory("xdpdump-kafka");
        KafkaBroker broker;
        try {
            broker = new KafkaBroker(directory, freePort(), freePort());
            Command.Result format = Command.run(Duration.ofSeconds(60), null, java("kafka.tools.StorageTool",
                    "format", "-t", Uuid.randomUuid().toString(), "-c", broker.properties.toString()));
            if (format.exitCode() != 0) {
                throw new IOException("kafka storage format failed: " + format.describe());
            }
        } catch (Exception e) {
            delete(directory);
            throw e;
        }
        try {
            broker.startServer();
            broker.forwarders.add(WatchedProcess.start("socat", "UNIX-LISTEN:" + broker.socket() + ",fork",
                    "TCP:127.0.0.1:" + broker.port));
        } catch (Exception e) {
            broker.close();
            throw e;
        }
        return broker;
    }

    String bootstrap() {
        return "127.0.0.1:" + port;
    }

    /** Makes {@link #bootstrap()} reach this broker from inside {@code namespace}; undone by {@link #close}. */
    void reachFrom(String namespace) throws Exception {
        forwarders.add(WatchedProcess.startIn(namespace, "socat",
                "TCP-LISTEN:" + port + ",bind=127.0.0.1,reuseaddr,fork", "UNIX-CONNECT:" + socket()));
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Command.run(Duration.ofSeconds(5), null, "ip", "netns", "exec", namespace, "ss", "-Hltn",
                "sport = :" + port).stdoutText().contains(":" + port)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no forwarder on 127.0.0.1:" + port + " in " + namespace);
            }
            Thread.sleep(50);
        }
    }

    private Path socket() {
        return directory.resolve("broker.sock");
    }

    /** Stops the broker (SIGTERM, a clean shutdown) and waits for its process to end. */
    void stop() throws Exception {
        WatchedProcess running = server;
        server = null;
        if (running == null) {
            return;
        }
        WatchedProcess.signal(running.pid(), "-TERM");
        if (!WatchedProcess.awaitGone(running.pid(), Duration.ofSeconds(60))) {
            running.close();
        }
        running.close();
    }

    /** Starts the broker again, same port and data; waits until it answers. */
    void restart() throws Exception {
        startServer();
    }

    private void startServer() throws Exception {
        server = WatchedProcess.start(java("kafka.Kafka", properties.toString()));
        awaitReady();
    }

    private void awaitReady() throws Exception {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Properties config = new Properties();
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "2000");
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "3000");
        while (true) {
            if (!server.isAlive()) {
                throw new IOException("the Kafka broker exited; its output:\n" + server.stderrText() + "\n"
                        + server.stdoutText());
            }
            if (accepts()) {
                try (Admin admin = Admin.create(config)) {
                    if (!admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (Exception notYet) {
                    // the controller is still electing itself
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the Kafka broker did not answer in " + READY_TIMEOUT.toSeconds() + " s:\n"
                        + server.stdoutText());
            }
            Thread.sleep(200);
        }
    }

    private boolean accepts() {
        try (Socket probe = new Socket()) {
            probe.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Every record of {@code topic} from the start, until {@code done} says so or {@code timeout} passes. */
    List<ConsumerRecord<byte[], byte[]>> read(String topic, Predicate<List<ConsumerRecord<byte[], byte[]>>> done,
                                              Duration timeout) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(config, new ByteArrayDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (PartitionInfo p : consumer.partitionsFor(topic, Duration.ofSeconds(10))) {
                partitions.add(new TopicPartition(topic, p.partition()));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (!done.test(records) && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            // A little longer, so a record too many (a duplicate) would show.
            long grace = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
            while (System.nanoTime() < grace) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
        }
        return records;
    }

    private static String[] java(String mainClass, String... args) {
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-Xmx512m", "-Xms128m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
                "-cp", classPath, mainClass));
        command.addAll(List.of(args));
        return command.toArray(String[]::new);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Override
    public void close() throws Exception {
        try {
            stop();
        } finally {
            for (WatchedProcess forwarder : forwarders) {
                forwarder.close();
            }
            delete(directory);
        }
    }

    private static void delete(Path directory) throws IOException {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
