package dev.xdpdump.sink;

import java.io.IOException;
import java.util.Locale;

/** The output formats the command line offers, and the one place that builds a sink for each. */
public enum OutputFormat {
    /** A summary line and a {@code hexdump -C} dump per event: {@link HexSink}. */
    HEX,
    /** One JSON object per line: {@link JsonSink}. */
    JSON,
    /** Classic pcap for tcpdump and Wireshark: {@link PcapSink}. */
    PCAP,
    /** pcapng for Wireshark, with interfaces, queues and the books at the end: {@link PcapngSink}. */
    PCAPNG;

    /** What made the files, as pcapng's shb_userappl says it. */
    private static final String APPLICATION = "xdpdump " + version();

    private static String version() {
        String v = OutputFormat.class.getPackage().getImplementationVersion();
        return v == null ? "(development build)" : v;
    }

    /** The word the user types for this format: "hex", "json", "pcap" or "pcapng". */
    public String word() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * The format the user named, ignoring case.
     *
     * @throws IllegalArgumentException naming the word and the choices, e.g. {@code unknown output format "xml";
     *     pick one of hex, json, pcap}
     */
    public static OutputFormat fromWord(String word) {
        for (OutputFormat format : values()) {
            if (format.word().equalsIgnoreCase(word)) {
                return format;
            }
        }
        throw new IllegalArgumentException("unknown output format \"" + word + "\"; pick one of hex, json, pcap, pcapng");
    }

    /**
     * Opens {@code target} ({@value Output#STDOUT} for standard output) and builds this format's sink on it. On
     * failure nothing stays open.
     *
     * @param snapLength the snap length the capture uses; pcap records it in its header and cuts records to it
     * @param nanoseconds pcap only: nanosecond timestamps (magic a1b23c4d) instead of microseconds
     * @param interfaceNames names for the ifindexes the capture is attached to; hex and JSON print them
     * @throws UnwritableOutputException when the target cannot be opened for writing
     * @throws IOException when writing the pcap header fails
     */
    public Sink open(String target, int snapLength, boolean nanoseconds, InterfaceNames interfaceNames)
            throws IOException {
        return open(target, snapLength, nanoseconds, interfaceNames, false);
    }

    /** As {@link #open(String, int, boolean, InterfaceNames)}; {@code statsRecord}: JSON ends with the books. */
    public Sink open(String target, int snapLength, boolean nanoseconds, InterfaceNames interfaceNames,
                     boolean statsRecord) throws IOException {
        return build(Output.open(target), snapLength, nanoseconds, interfaceNames, statsRecord);
    }

    /**
     * Opens the first of the files {@code rotation} makes of {@code pattern} ({@code -w} with {@code -C},
     * {@code -G}, {@code -W}) and builds this format's sink on it, which goes on to the next files by itself. pcap
     * and pcapng only. On failure nothing stays open.
     *
     * @param listener told of every file the sink closes and the one it opens next, on the sink's thread
     * @param books the capture's books while it runs, for pcapng's statistics in each file; may be null
     * @throws IllegalArgumentException for hex or JSON, or a pattern that cannot name files
     *     ({@link Rotation#checkName})
     * @throws UnwritableOutputException when the first file cannot be opened for writing
     */
    public Sink openRotating(String pattern, Rotation rotation, Rotation.Listener listener, int snapLength,
                             boolean nanoseconds, InterfaceNames interfaceNames, Totals.Source books)
            throws IOException {
        return openRotating(new RotatingFiles(pattern, rotation, listener), snapLength, nanoseconds, interfaceNames,
                books);
    }

    /** As the public one, with the caller's files (a test's clock and time zone). */
    Sink openRotating(RotatingFiles files, int snapLength, boolean nanoseconds, InterfaceNames interfaceNames,
                      Totals.Source books) throws IOException {
        if (this != PCAP && this != PCAPNG) {
            throw new IllegalArgumentException(word() + " output does not rotate; -C and -G rotate -w FILE");
        }
        Output first = files.openFirst();
        try {
            return this == PCAP
                    ? new PcapSink(first, files, snapLength, nanoseconds)
                    : new PcapngSink(first, files, books, snapLength, interfaceNames, APPLICATION);
        } catch (IOException | RuntimeException e) {
            try {
                first.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Builds this format's sink on an output the caller opened; closes {@code output} if building fails. */
    public Sink build(Output output, int snapLength, boolean nanoseconds, InterfaceNames interfaceNames)
            throws IOException {
        return build(output, snapLength, nanoseconds, interfaceNames, false);
    }

    /** As {@link #build(Output, int, boolean, InterfaceNames)}; {@code statsRecord}: JSON ends with the books. */
    public Sink build(Output output, int snapLength, boolean nanoseconds, InterfaceNames interfaceNames,
                       boolean statsRecord) throws IOException {
        try {
            switch (this) {
                case HEX:
                    return new HexSink(output, interfaceNames);
                case JSON:
                    return new JsonSink(output, interfaceNames, statsRecord);
                case PCAP:
                    return new PcapSink(output, snapLength, nanoseconds);
                case PCAPNG:
                    return new PcapngSink(output, snapLength, interfaceNames, APPLICATION);
                default:
                    throw new AssertionError(this);
            }
        } catch (IOException | RuntimeException e) {
            try {
                output.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }
}
