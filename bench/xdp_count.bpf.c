// SPDX-License-Identifier: GPL-2.0
/* The floor for any XDP hook in bench/run: counts TCP connection requests (SYN set, ACK clear, IPv4 without
 * options or VLAN tags, which is what syngen sends) in a per-CPU counter and passes every frame on. No output. */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/tcp.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} syns SEC(".maps");

SEC("xdp")
int xdp_count(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct iphdr *ip = (void *)(eth + 1);
	struct tcphdr *tcp = (void *)(ip + 1);
	if ((void *)(tcp + 1) > data_end)
		return XDP_PASS; /* too short for Ethernet + IPv4 + TCP */
	if (eth->h_proto != bpf_htons(ETH_P_IP) || ip->ihl != 5 || ip->protocol != IPPROTO_TCP)
		return XDP_PASS; /* not IPv4/TCP without IP options */
	if (!tcp->syn || tcp->ack)
		return XDP_PASS; /* not a connection request */
	__u32 key = 0;
	__u64 *count = bpf_map_lookup_elem(&syns, &key);
	if (count)
		*count += 1;
	return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
