package dev.xdpdump.cli;

import dev.xdpdump.serve.Protocol;
import dev.xdpdump.serve.StreamCounter;
import dev.xdpdump.sink.Output;
import dev.xdpdump.sink.OutputFormat;
import dev.xdpdump.sys.UnixConnection;
import sun.misc.Signal;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@code xdpdump --connect PATH [hex | json | -w FILE [--pcapng]] [-c N]}: a client of {@code xdpdump --serve}.
 * Asks for the format, then copies the stream as it comes to standard output or the file, counting what it
 * received and what the server's notices say it dropped for this client. Needs no privileges.
 */
final class ConnectCommand {
    private final Options options;
    private final PrintStream err;

    ConnectCommand(Options options, PrintStream err) {
        this.options = options;
        this.err = err;
    }

    int run() throws UsageException, CaptureFailure {
        if (options.outputs().size() != 1) {
            throw new UsageException("--connect writes one output: hex or json on standard output, or -w FILE");
        }
        Options.OutputSpec spec = options.outputs().get(0);
        if (spec.rotation() != null) {
            throw new UsageException("--connect does not rotate files; drop -C, -G and -W");
        }
        Path path = Path.of(options.connect());
        UnixConnection connection;
        try {
            connection = UnixConnection.connect(path);
        } catch (IOException e) {
            throw new CaptureFailure(e.getMessage(), e);
        }
        try (connection) {
            connection.writeFully(ByteBuffer.wrap(Protocol.request(spec.format(), options.count())));
            String answer = readLine(connection);
            try {
                Protocol.parseAnswer(answer, spec.format());
            } catch (Protocol.BadRequestException e) {
                throw new CaptureFailure("the server at " + path + " refused: " + e.getMessage(), e);
            }
            err.println("xdpdump: connected to " + path + ", receiving " + spec.format().word());
            err.flush();
            return copy(connection, spec, path);
        } catch (IOException e) {
            throw new CaptureFailure("talking to the server at " + path + ": " + e.getMessage(), e);
        }
    }

    private int copy(UnixConnection connection, Options.OutputSpec spec, Path path) throws IOException,
            CaptureFailure {
        StreamCounter counter = new StreamCounter(spec.format());
        boolean[] interrupted = {false};
        sun.misc.SignalHandler stop = s -> {
            interrupted[0] = true;
            connection.shutdown(); // the read below returns and the books are printed
        };
        for (String name : new String[] {"INT", "TERM", "HUP"}) {
            Signal.handle(new Signal(name), stop);
        }
        WritableByteChannel out;
        try {
            out = spec.toStdout() ? new FileOutputStream(FileDescriptor.out).getChannel()
                    : FileChannel.open(Path.of(spec.target()), StandardOpenOption.WRITE, StandardOpenOption.CREATE,
                            StandardOpenOption.TRUNCATE_EXISTING);
        } catch (IOException e) {
            throw new CaptureFailure(spec.target() + ": " + e.getMessage(), e);
        }
        String ending = "the server ended the stream";
        ByteBuffer buffer = ByteBuffer.allocateDirect(64 << 10);
        try {
            while (true) {
                buffer.clear();
                int n;
                try {
                    n = connection.read(buffer);
                } catch (IOException e) {
                    if (interrupted[0]) {
                        ending = "stopped by a signal";
                        break;
                    }
                    throw e;
                }
                if (n < 0) {
                    if (interrupted[0]) {
                        ending = "stopped by a signal";
                    }
                    break;
                }
                buffer.flip();
                counter.take(buffer);
                try {
                    while (buffer.hasRemaining()) {
                        out.write(buffer);
                    }
                } catch (IOException e) {
                    if (Output.classify(e) == Output.Failure.READER_GONE) {
                        ending = "the reader of standard output went away";
                        break;
                    }
                    throw new CaptureFailure("write to " + spec.name() + ": " + e.getMessage(), e);
                }
            }
        } finally {
            if (!spec.toStdout()) {
                out.close();
            }
        }
        if (options.count() > 0 && counter.events() + counter.dropped() >= options.count()) {
            ending = "count reached";
        }
        err.println("xdpdump: " + counter.events() + " events received from " + path);
        err.println("xdpdump: " + counter.dropped() + " dropped for this client by the server"
                + (spec.format() != OutputFormat.PCAP ? ""
                        : " (pcap carries no drop notice: the server's summary has this client's drops)"));
        err.println("xdpdump: " + ending);
        err.flush();
        return Main.OK;
    }

    /** The server's answer line, without its newline; bounded like a request. */
    private static String readLine(UnixConnection connection) throws IOException {
        ByteBuffer one = ByteBuffer.allocate(1);
        StringBuilder line = new StringBuilder();
        while (line.length() < 4 * Protocol.MAX_REQUEST_BYTES) {
            one.clear();
            int n = connection.read(one);
            if (n < 0) {
                throw new IOException("the server closed the connection before answering");
            }
            if (n == 0) {
                continue;
            }
            byte b = one.get(0);
            if (b == '\n') {
                return line.toString();
            }
            line.append((char) (b & 0xff));
        }
        throw new IOException("the server's answer line is longer than " + 4 * Protocol.MAX_REQUEST_BYTES
                + " bytes");
    }
}
