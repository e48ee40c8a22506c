// SPDX-License-Identifier: GPL-2.0
/* pcapcount FILE: prints the number of packet records in a pcap (any of the four magics) or pcapng file, without
 * decoding them; fast enough for files of millions of records. The harness
 * checks it against `tcpdump -r FILE | wc -l` on small files. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint32_t swap32(uint32_t v)
{
	return __builtin_bswap32(v);
}

static long long count_pcap(FILE *f, int swapped)
{
	uint8_t rec[16];
	long long n = 0;
	if (fseek(f, 24, SEEK_SET) != 0)
		return -1;
	while (fread(rec, 1, 16, f) == 16) {
		uint32_t caplen;
		memcpy(&caplen, rec + 8, 4);
		if (swapped)
			caplen = swap32(caplen);
		if (fseek(f, caplen, SEEK_CUR) != 0)
			break;
		n++;
	}
	return n;
}

static long long count_pcapng(FILE *f)
{
	uint8_t head[12];
	long long n = 0;
	int swapped = 0;
	long pos = 0;
	for (;;) {
		if (fseek(f, pos, SEEK_SET) != 0 || fread(head, 1, 12, f) != 12)
			break;
		uint32_t type, len;
		memcpy(&type, head, 4);
		memcpy(&len, head + 4, 4);
		if (type == 0x0A0D0D0A) {
			uint32_t magic;
			memcpy(&magic, head + 8, 4);
			swapped = magic != 0x1A2B3C4D;
		}
		if (swapped) {
			type = swap32(type);
			len = swap32(len);
		}
		if (len < 12)
			break;
		if (type == 6 || type == 3 || type == 2) /* enhanced, simple, obsolete packet blocks */
			n++;
		pos += len;
	}
	return n;
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: pcapcount FILE\n");
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	static char buf[1 << 20];
	setvbuf(f, buf, _IOFBF, sizeof(buf));
	uint32_t magic;
	long long n;
	if (fread(&magic, 1, 4, f) != 4) {
		n = 0;
	} else if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
		n = count_pcap(f, 0);
	} else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
		n = count_pcap(f, 1);
	} else if (magic == 0x0A0D0D0A) {
		n = count_pcapng(f);
	} else {
		fprintf(stderr, "pcapcount: %s is neither pcap nor pcapng\n", argv[1]);
		return 1;
	}
	printf("%lld\n", n);
	return 0;
}
