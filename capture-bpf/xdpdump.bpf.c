// SPDX-License-Identifier: GPL-2.0
/* xdpdump's capture program: emits one event per TCP connection request (SYN set, ACK clear) and passes
 * every frame on unchanged.
 *
 * Parsing contract (every helper below): it takes a cursor and data_end, checks that the whole header it reads
 * lies before data_end, and only then reads it. A failed check means the frame is not one we report. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/errno.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#include "xdpdump_event.h"

#define ETH_P_8021Q_BE bpf_htons(0x8100)
#define ETH_P_8021AD_BE bpf_htons(0x88A8)
#define IP_FRAGMENT_OFFSET_MASK 0x1FFF

struct vlan_tag {
	__be16 tci;
	__be16 encapsulated_proto;
};

/* Written per CPU by the perf_event_open fds the reader installs; the key is the CPU number. */
struct {
	__uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
	__uint(key_size, sizeof(__u32));
	__uint(value_size, sizeof(__u32));
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpdump_config);
} config SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xdpdump_counters);
} counters SEC(".maps");

/* Steps over the Ethernet header and up to two VLAN tags (802.1ad outer, 802.1Q inner).
 * Returns the EtherType in network order, or 0 when the headers do not fit. */
static __always_inline __be16 parse_ethernet(void **cursor, void *data_end)
{
	struct ethhdr *eth = *cursor;
	if ((void *)(eth + 1) > data_end)
		return 0; /* shorter than an Ethernet header */
	*cursor = eth + 1;
	__be16 proto = eth->h_proto;

#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (proto != ETH_P_8021Q_BE && proto != ETH_P_8021AD_BE)
			break;
		struct vlan_tag *tag = *cursor;
		if ((void *)(tag + 1) > data_end)
			return 0; /* VLAN tag cut short */
		*cursor = tag + 1;
		proto = tag->encapsulated_proto;
	}
	return proto;
}

/* Steps over an IPv4 header of any valid length. Returns 1 when it carries the first (or only) fragment of a TCP
 * segment, else 0. */
static __always_inline int parse_ipv4(void **cursor, void *data_end)
{
	struct iphdr *ip = *cursor;
	if ((void *)(ip + 1) > data_end)
		return 0; /* shorter than a minimal IPv4 header */
	if (ip->version != 4 || ip->ihl < 5)
		return 0; /* not IPv4, or a header length below the minimum */
	__u32 header_len = ip->ihl * 4;
	if ((void *)ip + header_len > data_end)
		return 0; /* options run past the frame */
	if (bpf_ntohs(ip->tot_len) < header_len + sizeof(struct tcphdr))
		return 0; /* total length too short to hold a TCP header */
	if (bpf_ntohs(ip->frag_off) & IP_FRAGMENT_OFFSET_MASK)
		return 0; /* a later fragment: no TCP header in it */
	if (ip->protocol != IPPROTO_TCP)
		return 0; /* UDP, ICMP and the rest */
	*cursor = (void *)ip + header_len;
	return 1;
}

/* Steps over the fixed IPv6 header. Returns 1 when TCP follows it directly, else 0 (extension headers are not
 * walked: a connection request does not carry them in practice). */
static __always_inline int parse_ipv6(void **cursor, void *data_end)
{
	struct ipv6hdr *ip6 = *cursor;
	if ((void *)(ip6 + 1) > data_end)
		return 0; /* shorter than the fixed IPv6 header */
	if (ip6->version != 6)
		return 0; /* EtherType says IPv6, the header does not */
	if (ip6->nexthdr != IPPROTO_TCP)
		return 0; /* not TCP, or TCP behind extension headers */
	*cursor = ip6 + 1;
	return 1;
}

/* Returns 1 when the TCP header fits the frame and is a connection request: SYN set, ACK clear. */
static __always_inline int is_connection_request(void *cursor, void *data_end)
{
	struct tcphdr *tcp = cursor;
	if ((void *)(tcp + 1) > data_end)
		return 0; /* TCP header cut short */
	if (tcp->doff < 5)
		return 0; /* data offset below the minimal header: malformed */
	if ((void *)tcp + tcp->doff * 4 > data_end)
		return 0; /* options run past the frame */
	return tcp->syn && !tcp->ack;
}

static __always_inline __u32 snap_len(void)
{
	__u32 key = 0;
	struct xdpdump_config *cfg = bpf_map_lookup_elem(&config, &key);
	if (!cfg || cfg->snap_len == 0)
		return XDPDUMP_DEFAULT_SNAP_LEN;
	return cfg->snap_len;
}

SEC("xdp")
int xdpdump_capture(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	__u32 key = 0;
	struct xdpdump_counters *count = bpf_map_lookup_elem(&counters, &key);
	if (!count)
		return XDP_PASS; /* cannot happen for a one-entry array; the verifier wants the check */
	count->frames++;

	void *cursor = data;
	__be16 proto = parse_ethernet(&cursor, data_end);
	__u16 l3_offset = cursor - data;
	__u8 ip_version;
	if (proto == bpf_htons(ETH_P_IP)) {
		if (!parse_ipv4(&cursor, data_end))
			return XDP_PASS;
		ip_version = 4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		if (!parse_ipv6(&cursor, data_end))
			return XDP_PASS;
		ip_version = 6;
	} else {
		return XDP_PASS; /* not IP (or no Ethernet header at all) */
	}
	__u16 l4_offset = cursor - data;
	if (!is_connection_request(cursor, data_end))
		return XDP_PASS;
	count->matched++;

	/* The helper appends cap_len bytes of the frame after the header; it copies from fragments too, so the
	 * bound is the whole buffer, not just the linear part. */
	__u32 wire_len = bpf_xdp_get_buff_len(ctx);
	__u32 cap_len = snap_len();
	if (cap_len > wire_len)
		cap_len = wire_len;
	if (cap_len > XDPDUMP_MAX_CAP_LEN)
		cap_len = XDPDUMP_MAX_CAP_LEN; /* what a perf record can carry */

	struct xdpdump_event event = {
		.ts_ns = bpf_ktime_get_ns(),
		.ifindex = ctx->ingress_ifindex,
		.rx_queue = ctx->rx_queue_index,
		.wire_len = wire_len,
		.cap_len = cap_len,
		.l3_offset = l3_offset,
		.l4_offset = l4_offset,
		.ip_version = ip_version,
	};
	__u64 flags = BPF_F_CURRENT_CPU | ((__u64)cap_len << 32);
	long err = bpf_perf_event_output(ctx, &events, flags, &event, sizeof(event));
	if (err == 0)
		count->emitted++;
	else if (err == -ENOSPC)
		count->lost_ring_full++; /* the kernel also reports it as a PERF_RECORD_LOST */
	else if (err == -ENOENT || err == -E2BIG)
		count->lost_no_ring++; /* no ring for this CPU: nobody will ever see a LOST record for it */
	else
		count->lost_other++;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
