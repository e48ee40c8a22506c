package dev.xdpdump.pcapfile;

import dev.xdpdump.event.FrameSource;
import dev.xdpdump.event.RawFrame;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

import java.io.EOFException;
import java.io.IOException;
import java.sql.Timestamp;
import java.util.concurrent.TimeoutException;

/**
 * A pcap or pcapng file of Ethernet frames, read through pcap4j (libpcap underneath, which reads both formats and
 * {@code -} as standard input). The only class that touches pcap4j. Allocates per frame (libpcap hands each frame
 * over as a new array): reading a file is not the capture hot path.
 */
public final class CaptureFile implements FrameSource {
    /** The target word that means standard input, as for tcpdump -r. */
    public static final String STDIN = "-";

    private final PcapHandle handle;
    private final String name;

    private CaptureFile(PcapHandle handle, String name) {
        this.handle = handle;
        this.name = name;
    }

    /**
     * Opens {@code path} ({@value #STDIN}: standard input).
     *
     * @throws UnreadableCaptureException when libpcap cannot open it, or its frames are not Ethernet
     */
    public static CaptureFile open(String path) throws UnreadableCaptureException {
        String name = STDIN.equals(path) ? "standard input" : path;
        PcapHandle handle;
        try {
            handle = Pcaps.openOffline(path, PcapHandle.TimestampPrecision.NANO);
        } catch (PcapNativeException e) {
            throw new UnreadableCaptureException(name, e.getMessage());
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new UnreadableCaptureException(name, "libpcap is not installed (apt-get install libpcap0.8)");
        }
        DataLinkType linkType = handle.getDlt();
        if (!DataLinkType.EN10MB.equals(linkType)) {
            handle.close();
            throw new UnreadableCaptureException(name, "its link type is " + linkType
                    + "; xdpdump reads Ethernet captures (LINKTYPE_ETHERNET)");
        }
        return new CaptureFile(handle, name);
    }

    @Override
    public boolean next(RawFrame into) throws IOException {
        while (true) {
            byte[] bytes;
            try {
                bytes = handle.getNextRawPacketEx();
            } catch (EOFException end) {
                return false;
            } catch (TimeoutException e) {
                continue; // a live handle's timeout; a file does not time out
            } catch (PcapNativeException | NotOpenException e) {
                throw new IOException("reading " + name + " failed: " + e.getMessage(), e);
            }
            int length = Math.min(bytes.length, RawFrame.CAPACITY);
            System.arraycopy(bytes, 0, into.bytes(), 0, length);
            Timestamp ts = handle.getTimestamp();
            long epochNanos = Math.floorDiv(ts.getTime(), 1000L) * 1_000_000_000L + ts.getNanos();
            into.set(length, handle.getOriginalLength(), epochNanos);
            return true;
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public void close() {
        handle.close();
    }
}
