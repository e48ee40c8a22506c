// SPDX-License-Identifier: GPL-2.0
/* syngen: offers a fixed count of TCP SYN frames (IPv4, MSS option, valid checksums, a different source port
 * each) on one interface through AF_PACKET with PACKET_QDISC_BYPASS and sendmmsg, paced at a rate or unpaced,
 * from one or more threads each pinned to its own CPU. Built and run by bench/run inside the sender namespace.
 *
 *   syngen -i IF -s SRCMAC -d DSTMAC -S SRCIP -D DSTIP [-p DPORT] -n COUNT [-r RATE] [-t THREADS] [-T SECONDS]
 *          [-b BATCH] [-l]
 *
 * RATE is frames per second over all threads, 0 = as fast as the path allows. -T bounds the run in time: a thread
 * stops at COUNT or after SECONDS, whichever comes first. BATCH frames go per sendmmsg (default and at most 32); pacing
 * is per batch, so -b 1 -r 5 sends one frame every 200 ms. -l prints each batch's CLOCK_REALTIME send time (ns). Prints one line: "sent N in S s = R frames/s". */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 32
#define FRAME_LEN (14 + 20 + 24) /* Ethernet, IPv4, TCP with a 4-byte MSS option */

struct config {
	int ifindex;
	uint8_t src_mac[6], dst_mac[6];
	uint32_t src_ip, dst_ip; /* network order */
	uint16_t dst_port;
	uint64_t count;
	double rate;
	int threads;
	double max_seconds;
	int batch;
	int log_sends;
};

struct worker {
	const struct config *cfg;
	int index;
	uint64_t count;
	double rate;
	uint64_t sent;
	uint64_t failed;
	pthread_t thread;
};

static double now_seconds(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint32_t sum16(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;
	for (size_t i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return htons((uint16_t)~sum);
}

/* Writes a complete SYN frame for source port sport and sequence number seq into frame. */
static void build_frame(uint8_t *frame, const struct config *cfg, uint16_t sport, uint32_t seq)
{
	memset(frame, 0, FRAME_LEN);
	memcpy(frame, cfg->dst_mac, 6);
	memcpy(frame + 6, cfg->src_mac, 6);
	frame[12] = 0x08;
	frame[13] = 0x00;

	struct iphdr *ip = (struct iphdr *)(frame + 14);
	ip->version = 4;
	ip->ihl = 5;
	ip->tot_len = htons(20 + 24);
	ip->id = htons((uint16_t)seq);
	ip->frag_off = htons(0x4000); /* DF */
	ip->ttl = 64;
	ip->protocol = IPPROTO_TCP;
	ip->saddr = cfg->src_ip;
	ip->daddr = cfg->dst_ip;
	ip->check = fold(sum16(ip, 20, 0));

	struct tcphdr *tcp = (struct tcphdr *)(frame + 34);
	tcp->source = htons(sport);
	tcp->dest = htons(cfg->dst_port);
	tcp->seq = htonl(seq);
	tcp->doff = 6;
	tcp->syn = 1;
	tcp->window = htons(64240);
	uint8_t *opt = frame + 34 + 20;
	opt[0] = 2; /* MSS */
	opt[1] = 4;
	opt[2] = 1460 >> 8;
	opt[3] = 1460 & 0xff;

	uint8_t pseudo[12];
	memcpy(pseudo, &ip->saddr, 4);
	memcpy(pseudo + 4, &ip->daddr, 4);
	pseudo[8] = 0;
	pseudo[9] = IPPROTO_TCP;
	pseudo[10] = 0;
	pseudo[11] = 24;
	tcp->check = fold(sum16(tcp, 24, sum16(pseudo, 12, 0)));
}

static int open_socket(const struct config *cfg)
{
	int fd = socket(AF_PACKET, SOCK_RAW, 0); /* protocol 0: send only, receive nothing */
	if (fd < 0) {
		perror("syngen: socket(AF_PACKET)");
		return -1;
	}
	int one = 1;
	if (setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0)
		perror("syngen: PACKET_QDISC_BYPASS (continuing through the qdisc)");
	struct sockaddr_ll addr = {
		.sll_family = AF_PACKET,
		.sll_ifindex = cfg->ifindex,
		.sll_halen = 6,
	};
	memcpy(addr.sll_addr, cfg->dst_mac, 6);
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		perror("syngen: bind");
		close(fd);
		return -1;
	}
	return fd;
}

static void *run_worker(void *arg)
{
	struct worker *w = arg;
	const struct config *cfg = w->cfg;
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;
	CPU_ZERO(&set);
	CPU_SET(w->index % cpus, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);

	int fd = open_socket(cfg);
	if (fd < 0)
		return NULL;

	static __thread uint8_t frames[BATCH][FRAME_LEN];
	struct iovec iov[BATCH];
	struct mmsghdr msgs[BATCH];
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		iov[i].iov_base = frames[i];
		iov[i].iov_len = FRAME_LEN;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}

	/* Each thread walks its own slice of the 64512 ports from 1024 up, so frames differ in source port. */
	uint32_t port_span = 64512 / cfg->threads;
	uint32_t port_base = 1024 + port_span * w->index;
	uint64_t next = 0;
	double start = now_seconds();
	double deadline = start + cfg->max_seconds;
	while (w->sent < w->count) {
		int n = w->count - w->sent < (uint64_t)cfg->batch ? (int)(w->count - w->sent) : cfg->batch;
		for (int i = 0; i < n; i++) {
			uint64_t k = next + i;
			build_frame(frames[i], cfg, (uint16_t)(port_base + k % port_span), (uint32_t)(k * 2654435761u));
		}
		if (w->rate > 0) {
			double due = start + (double)w->sent / w->rate;
			double t;
			while ((t = now_seconds()) < due) {
				if (due - t > 200e-6) {
					struct timespec pause = {0, (long)((due - t - 100e-6) * 1e9)};
					nanosleep(&pause, NULL);
				}
			}
		}
		struct timespec sent_at;
		clock_gettime(CLOCK_REALTIME, &sent_at);
		int done = sendmmsg(fd, msgs, n, 0);
		if (cfg->log_sends && done > 0)
			fprintf(stderr, "sent %d at %lld%09ld\n", done, (long long)sent_at.tv_sec, sent_at.tv_nsec);
		if (done < 0) {
			if (errno == ENOBUFS || errno == EAGAIN || errno == EINTR) {
				w->failed++;
				continue;
			}
			perror("syngen: sendmmsg");
			break;
		}
		w->sent += done;
		next += done;
		if ((next & 0x3ff) < BATCH && now_seconds() > deadline)
			break;
	}
	close(fd);
	return NULL;
}

static int parse_mac(const char *text, uint8_t mac[6])
{
	return sscanf(text, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx", &mac[0], &mac[1], &mac[2], &mac[3], &mac[4],
		      &mac[5]) == 6 ? 0 : -1;
}

static void usage(void)
{
	fprintf(stderr, "usage: syngen -i IF -s SRCMAC -d DSTMAC -S SRCIP -D DSTIP [-p DPORT] -n COUNT [-r RATE]"
			" [-t THREADS] [-T SECONDS] [-b BATCH] [-l]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	struct config cfg = {.dst_port = 80, .threads = 1, .max_seconds = 60, .batch = BATCH};
	const char *ifname = NULL;
	int opt, have_src = 0, have_dst = 0;
	while ((opt = getopt(argc, argv, "i:s:d:S:D:p:n:r:t:T:b:l")) != -1) {
		switch (opt) {
		case 'i': ifname = optarg; break;
		case 's': if (parse_mac(optarg, cfg.src_mac)) usage(); break;
		case 'd': if (parse_mac(optarg, cfg.dst_mac)) usage(); break;
		case 'S': if (inet_pton(AF_INET, optarg, &cfg.src_ip) != 1) usage(); have_src = 1; break;
		case 'D': if (inet_pton(AF_INET, optarg, &cfg.dst_ip) != 1) usage(); have_dst = 1; break;
		case 'p': cfg.dst_port = (uint16_t)atoi(optarg); break;
		case 'n': cfg.count = strtoull(optarg, NULL, 10); break;
		case 'r': cfg.rate = atof(optarg); break;
		case 't': cfg.threads = atoi(optarg); break;
		case 'T': cfg.max_seconds = atof(optarg); break;
		case 'b': cfg.batch = atoi(optarg); break;
		case 'l': cfg.log_sends = 1; break;
		default: usage();
		}
	}
	if (!ifname || !have_src || !have_dst || cfg.count == 0 || cfg.threads < 1 || cfg.threads > 64 || cfg.batch < 1 ||
	    cfg.batch > BATCH)
		usage();
	cfg.ifindex = (int)if_nametoindex(ifname);
	if (cfg.ifindex == 0) {
		fprintf(stderr, "syngen: no interface %s\n", ifname);
		return 1;
	}

	struct worker workers[64];
	double start = now_seconds();
	for (int i = 0; i < cfg.threads; i++) {
		workers[i] = (struct worker){.cfg = &cfg, .index = i, .count = cfg.count / cfg.threads,
					     .rate = cfg.rate / cfg.threads};
		if (i == 0)
			workers[i].count += cfg.count % cfg.threads;
		pthread_create(&workers[i].thread, NULL, run_worker, &workers[i]);
	}
	uint64_t sent = 0, failed = 0;
	for (int i = 0; i < cfg.threads; i++) {
		pthread_join(workers[i].thread, NULL);
		sent += workers[i].sent;
		failed += workers[i].failed;
	}
	double seconds = now_seconds() - start;
	printf("sent %llu in %.6f s = %.0f frames/s (%llu sendmmsg calls refused)\n", (unsigned long long)sent,
	       seconds, sent / seconds, (unsigned long long)failed);
	return sent == cfg.count ? 0 : 1;
}
