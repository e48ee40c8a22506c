/* The one layout shared by the XDP program and the Java reader (dev.xdpdump.event.EventLayout).
 * Every field is fixed-width and in host byte order; the frame bytes follow the header directly. */
#ifndef XDPDUMP_EVENT_H
#define XDPDUMP_EVENT_H

#include <linux/types.h>

/* Largest snap length the program honours: keeps the perf output size a verifier-friendly bound. */
#define XDPDUMP_MAX_SNAP_LEN 65535
/* Most frame bytes one event carries. A perf record's size is a u16 and holds the 8-byte record header, the u32 raw
 * size, the event and the frame bytes, rounded up to 8: 65528 at most. Past it bpf_perf_event_output still returns 0
 * but the record's size wraps and the reader loses the event unseen (kernel 6.18). */
#define XDPDUMP_MAX_CAP_LEN (65528 - 8 - 4 - 32)
#define XDPDUMP_DEFAULT_SNAP_LEN 256

/* Emitted once per TCP connection request (SYN set, ACK clear), followed by cap_len frame bytes. */
struct xdpdump_event {
	__u64 ts_ns;      /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u32 ifindex;    /* interface the frame arrived on */
	__u32 rx_queue;   /* receive queue index */
	__u32 wire_len;   /* length of the whole frame, all fragments */
	__u32 cap_len;    /* frame bytes that follow this header: min(snap_len, wire_len, XDPDUMP_MAX_CAP_LEN) */
	__u16 l3_offset;  /* from frame start to the IP header */
	__u16 l4_offset;  /* from frame start to the TCP header */
	__u8 ip_version;  /* 4 or 6 */
	__u8 pad[3];
};
_Static_assert(sizeof(struct xdpdump_event) == 32, "xdpdump_event is read by Java at fixed offsets");

/* The single entry of the config array map, written by the loader before attach. */
struct xdpdump_config {
	__u32 snap_len;   /* 0 means XDPDUMP_DEFAULT_SNAP_LEN */
	__u32 reserved;   /* room for filters without changing the value size */
};
_Static_assert(sizeof(struct xdpdump_config) == 8, "xdpdump_config is written by Java at fixed offsets");

/* The single entry of the per-CPU counters map, mirrored in Java by dev.xdpdump.bpf.ProgramCounters.
 * Invariant: matched == emitted + lost_ring_full + lost_no_ring + lost_other + filtered. */
struct xdpdump_counters {
	__u64 frames;          /* every frame the program ran on */
	__u64 matched;         /* TCP connection requests (SYN without ACK) */
	__u64 emitted;         /* events the perf ring accepted */
	__u64 lost_ring_full;  /* bpf_perf_event_output said -ENOSPC: this CPU's ring was full */
	__u64 lost_no_ring;    /* -ENOENT or -E2BIG: no ring installed for this CPU (it came online after start) */
	__u64 lost_other;      /* any other error from bpf_perf_event_output */
	__u64 unparsed;        /* frames whose headers could not be walked to a verdict (see the program) */
	__u64 filtered;        /* connection requests the filter expression left out */
};
_Static_assert(sizeof(struct xdpdump_counters) == 64, "xdpdump_counters is read by Java at fixed offsets");

#endif
