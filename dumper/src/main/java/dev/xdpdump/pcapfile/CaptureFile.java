package dev.xdpdump.pcapfile;

import dev.xdpdump.event.FrameSource;
import dev.xdpdump.event.RawFrame;
import org.pcap4j.core.BpfProgram;
import org.pcap4j.core.NotOpenException;
import org.pcap4j.core.PcapHandle;
import org.pcap4j.core.PcapNativeException;
import org.pcap4j.core.Pcaps;
import org.pcap4j.packet.namednumber.DataLinkType;

import java.io.EOFException;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.concurrent.TimeoutException;

/**
 * A pcap or pcapng file of Ethernet frames, read through pcap4j (libpcap underneath, which reads both formats and
 * {@code -} as standard input). The only class that touches pcap4j. Allocates per frame (libpcap hands each frame
 * over as a new array): reading a file is not the capture hot path.
 */
public final class CaptureFile implements FrameSource {
    /** The target word that means standard input, as for tcpdump -r. */
    public static final String STDIN = "-";

    /** PCAP_NETMASK_UNKNOWN: libpcap needs a netmask only for "ip broadcast", which then fails to compile. */
    private static final byte[] NETMASK_UNKNOWN = {-1, -1, -1, -1};

    private final PcapHandle handle;
    private final String name;
    private final BpfProgram expression;

    private CaptureFile(PcapHandle handle, String name, BpfProgram expression) {
        this.handle = handle;
        this.name = name;
        this.expression = expression;
    }

    /**
     * Opens {@code path} ({@value #STDIN}: standard input).
     *
     * @throws UnreadableCaptureException when libpcap cannot open it, or its frames are not Ethernet
     */
    public static CaptureFile open(String path) throws UnreadableCaptureException, BadExpressionException {
        return open(path, null);
    }

    /**
     * Opens {@code path} with a tcpdump filter expression, compiled by libpcap (optimised, Ethernet) as tcpdump
     * compiles it; null for none.
     *
     * @throws BadExpressionException with libpcap's own words when the expression does not compile
     */
    public static CaptureFile open(String path, String filterExpression) throws UnreadableCaptureException,
            BadExpressionException {
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
        if (filterExpression == null) {
            return new CaptureFile(handle, name, null);
        }
        try {
            Inet4Address netmask = (Inet4Address) InetAddress.getByAddress(NETMASK_UNKNOWN);
            return new CaptureFile(handle, name,
                    handle.compileFilter(filterExpression, BpfProgram.BpfCompileMode.OPTIMIZE, netmask));
        } catch (PcapNativeException | NotOpenException | UnknownHostException e) {
            handle.close();
            throw new BadExpressionException(filterExpression, e.getMessage());
        }
    }

    /** Runs the expression as libpcap runs it on a frame: on its captured bytes, with its length on the wire. */
    @Override
    public boolean selects(RawFrame frame) {
        if (expression == null) {
            return true;
        }
        byte[] bytes = Arrays.copyOf(frame.bytes(), frame.length()); // JNA copies the whole array it is given
        return expression.applyFilter(bytes, frame.wireLength(), frame.length());
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
        if (expression != null) {
            expression.free();
        }
        handle.close();
    }
}
