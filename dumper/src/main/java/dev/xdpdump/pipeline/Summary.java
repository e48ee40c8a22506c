package dev.xdpdump.pipeline;

/**
 * The books of one capture, read after everything stopped. What the program matched was either emitted or lost in a
 * full perf ring ({@code matched == emitted + lostInKernel}); what was emitted was written, not written (after
 * {@code -c} or a failed output) or skipped as malformed.
 */
public record Summary(long framesSeen, long matched, long lostInKernel, long lostRecordsReported, long written,
                      long notWritten, long malformed) {

    /** tcpdump-style lines for stderr, plain numbers first so scripts can read them. */
    public String toText() {
        StringBuilder text = new StringBuilder();
        text.append(written).append(" events written\n");
        text.append(lostInKernel).append(" events lost in kernel rings\n");
        text.append(matched).append(" connection requests matched by the program\n");
        if (notWritten > 0) {
            text.append(notWritten).append(" events received but not written (count reached or output closed)\n");
        }
        if (malformed > 0) {
            text.append(malformed).append(" malformed ring records skipped\n");
        }
        return text.toString();
    }
}
