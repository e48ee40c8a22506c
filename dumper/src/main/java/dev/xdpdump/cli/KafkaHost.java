package dev.xdpdump.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** The default {@code --host-id}: the kernel's hostname (of this UTS namespace), read without a DNS look-up. */
final class KafkaHost {
    private KafkaHost() {}

    static String name() {
        try {
            String name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            return name.isEmpty() ? "localhost" : name;
        } catch (IOException e) {
            return "localhost";
        }
    }
}
