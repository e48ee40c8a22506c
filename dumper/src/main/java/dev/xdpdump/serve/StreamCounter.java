package dev.xdpdump.serve;

import dev.xdpdump.sink.OutputFormat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The client side's books: walks the served stream as it arrives, in pieces of any size, and counts the events in
 * it and the drops the server's in-band notices report (JSON {@code {"type":"dropped",...}} records, hex {@code #}
 * lines, pcapng statistics blocks with an {@code xdpdump: N events dropped} comment). pcap records and pcapng
 * enhanced packet blocks are counted by their headers; pcap carries no notice, so its drops are 0 here and the
 * server's summary has them.
 */
public final class StreamCounter {
    private final OutputFormat format;
    private long events;
    private long dropped;
    /** Text formats: the current line (only its start matters, so it is kept bounded). */
    private final byte[] line = new byte[512];
    private int lineLength;
    private boolean lineOverflow;
    /** Binary formats: bytes to skip before the next header, and the header being assembled. */
    private long skip;
    private final byte[] header = new byte[16];
    private int headerLength;
    private boolean pcapHeaderDone;
    /** pcapng: the body of a short statistics block being collected, for its comment; null when skipping. */
    private byte[] block;
    private int blockLength;

    public StreamCounter(OutputFormat format) {
        this.format = format;
    }

    public long events() {
        return events;
    }

    public long dropped() {
        return dropped;
    }

    /** Takes the next bytes of the stream, from {@code data}'s position to its limit (left where it was). */
    public void take(ByteBuffer data) {
        for (int i = data.position(); i < data.limit(); i++) {
            byte b = data.get(i);
            switch (format) {
                case JSON, HEX -> text(b);
                case PCAP -> pcap(b);
                case PCAPNG -> pcapng(b, data, i);
                default -> throw new AssertionError(format);
            }
        }
    }

    private void text(byte b) {
        if (b != '\n') {
            if (lineLength < line.length) {
                line[lineLength++] = b;
            } else {
                lineOverflow = true;
            }
            return;
        }
        String start = new String(line, 0, lineLength, StandardCharsets.ISO_8859_1);
        if (format == OutputFormat.JSON) {
            if (start.startsWith("{\"type\":\"dropped\"")) {
                dropped += number(start, "\"dropped\":");
            } else if (!start.startsWith("{\"type\":")) {
                events++;
            }
        } else if (start.startsWith("# xdpdump: ")) {
            dropped += number(start, "# xdpdump: ");
        } else if (lineLength == 0 && !lineOverflow) {
            events++; // a hex event ends with an empty line
        }
        lineLength = 0;
        lineOverflow = false;
    }

    private static long number(String text, String after) {
        int at = text.indexOf(after);
        if (at < 0) {
            return 0;
        }
        int from = at + after.length();
        int to = from;
        while (to < text.length() && Character.isDigit(text.charAt(to))) {
            to++;
        }
        return to > from ? Long.parseLong(text.substring(from, to)) : 0;
    }

    private void pcap(byte b) {
        if (!pcapHeaderDone) {
            if (++headerLength == 24) {
                pcapHeaderDone = true;
                headerLength = 0;
            }
            return;
        }
        if (skip > 0) {
            skip--;
            return;
        }
        header[headerLength++] = b;
        if (headerLength == 16) {
            skip = le32(8);
            headerLength = 0;
            events++;
        }
    }

    private void pcapng(byte b, ByteBuffer data, int i) {
        if (skip > 0) {
            skip--;
            if (block != null) {
                block[blockLength++] = b;
                if (skip == 0) {
                    dropped += noticeIn(block, blockLength);
                    block = null;
                }
            }
            return;
        }
        header[headerLength++] = b;
        if (headerLength == 8) {
            int type = (int) le32(0);
            long length = le32(4);
            if (type == 6) {
                events++;
            }
            skip = length - 8;
            headerLength = 0;
            if (type == 5 && length <= 1024 && length > 8) {
                block = new byte[(int) length - 8];
                blockLength = 0;
            }
        }
    }

    /** Events a statistics block's {@code xdpdump: N events dropped} comment reports; 0 for any other block. */
    private static long noticeIn(byte[] body, int length) {
        int at = 12; // interface id, timestamp
        while (at + 4 <= length) {
            int code = (body[at] & 0xff) | (body[at + 1] & 0xff) << 8;
            int size = (body[at + 2] & 0xff) | (body[at + 3] & 0xff) << 8;
            if (code == 0 || at + 4 + size > length) {
                return 0;
            }
            if (code == 1) {
                String comment = new String(body, at + 4, size, StandardCharsets.UTF_8);
                if (comment.startsWith("xdpdump: ") && comment.contains(" events dropped for this client")) {
                    return number(comment, "xdpdump: ");
                }
            }
            at += 4 + ((size + 3) & ~3);
        }
        return 0;
    }

    private long le32(int at) {
        return (header[at] & 0xffL) | (header[at + 1] & 0xffL) << 8 | (header[at + 2] & 0xffL) << 16
                | (header[at + 3] & 0xffL) << 24;
    }
}
