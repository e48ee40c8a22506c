package dev.xdpdump.bpf;

import dev.xdpdump.sys.Bpf;
import dev.xdpdump.sys.ErrnoException;
import dev.xdpdump.sys.FileDescriptorHandle;

/** A created map: sole owner of its fd. Element access is for set-up and statistics, never per event. */
public final class BpfMap implements AutoCloseable {
    private final MapSpec spec;
    private final FileDescriptorHandle fd;

    private BpfMap(MapSpec spec, FileDescriptorHandle fd) {
        this.spec = spec;
        this.fd = fd;
    }

    static BpfMap create(MapSpec spec, int maxEntries) throws ErrnoException {
        return new BpfMap(spec, Bpf.mapCreate(spec.name(), spec.type(), spec.keySize(), spec.valueSize(), maxEntries));
    }

    public String name() {
        return spec.name();
    }

    FileDescriptorHandle fd() {
        return fd;
    }

    public void update(int key, byte[] value) throws ErrnoException {
        Bpf.mapUpdateElem(fd, intKey(key), value);
    }

    /** Reads one element; for a per-CPU map {@code value} holds one 8-byte-aligned copy per possible CPU. */
    /** A reusable lookup of this map's values ({@code valueBytes} each, all CPUs' for a per-CPU map). */
    public Bpf.Lookup lookup(int valueBytes) {
        return new Bpf.Lookup(fd, valueBytes);
    }

    public void lookup(int key, byte[] value) throws ErrnoException {
        Bpf.mapLookupElem(fd, intKey(key), value);
    }

    private static byte[] intKey(int key) {
        return new byte[] {(byte) key, (byte) (key >>> 8), (byte) (key >>> 16), (byte) (key >>> 24)};
    }

    @Override
    public void close() {
        fd.close();
    }
}
