/*
 * test_pcap.c - pcap headers (both byte orders, usec and nsec) and the
 * search for pfsync inside each link type, with hand-built frames.
 * Every truncation of every frame is fed back in; under ASan a single
 * out-of-bounds read fails the run.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/pcap.h"
#include "t.h"

/* ---- byte helpers: written independently of the library ------------- */

static void le32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static void be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* A classic file header in the chosen order, as a foreign writer would. */
static void file_hdr(uint8_t out[24], bool big, uint32_t magic,
		     uint32_t snaplen, uint32_t linktype)
{
	void (*w32)(uint8_t *, uint32_t) = big ? be32 : le32;

	memset(out, 0, 24);
	w32(out, magic);
	if (big) {
		out[5] = 2;
		out[7] = 4;
	} else {
		out[4] = 2;
		out[6] = 4;
	}
	w32(out + 16, snaplen);
	w32(out + 20, linktype);
}

static bool host_is_be(void)
{
	const uint16_t one = 1;
	uint8_t b;

	memcpy(&b, &one, 1);
	return b == 0;
}

/* ---- headers ------------------------------------------------------ */

static void test_put_file_hdr_bytes(void)
{
	static const uint8_t want[24] = {
	    0xd4, 0xc3, 0xb2, 0xa1, 2,	  0,	4, 0, 0,   0, 0, 0,
	    0,	  0,	0,    0,    0xff, 0xff, 0, 0, 246, 0, 0, 0,
	};
	uint8_t out[PFS_PCAP_FILE_HDR_LEN];

	memset(out, 0xee, sizeof(out));
	pfs_pcap_put_file_hdr(out, PFS_LINKTYPE_PFSYNC, 65535);
	T_MEMEQ(out, want, sizeof(want));
}

static void test_file_hdr_round_trip(void)
{
	uint8_t out[PFS_PCAP_FILE_HDR_LEN];
	struct pfs_pcap_file f;

	pfs_pcap_put_file_hdr(out, PFS_LINKTYPE_ETHERNET, 262144);
	T_EQ(pfs_pcap_get_file_hdr(out, sizeof(out), &f), 0);
	T_EQ(f.linktype, PFS_LINKTYPE_ETHERNET);
	T_EQ(f.snaplen, 262144);
	T_EQ(f.nsec, false);
	T_EQ(f.swapped, host_is_be());
}

static void test_file_hdr_orders(void)
{
	static const struct {
		bool big;
		uint32_t magic;
		bool nsec;
	} c[] = {
	    {false, 0xa1b2c3d4, false},
	    {true, 0xa1b2c3d4, false},
	    {false, 0xa1b23c4d, true},
	    {true, 0xa1b23c4d, true},
	};
	uint8_t h[24];
	struct pfs_pcap_file f;

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		file_hdr(h, c[i].big, c[i].magic, 1500, PFS_LINKTYPE_RAW);
		T_EQ(pfs_pcap_get_file_hdr(h, sizeof(h), &f), 0);
		T_EQ(f.nsec, c[i].nsec);
		T_EQ(f.swapped, c[i].big != host_is_be());
		T_EQ(f.snaplen, 1500);
		T_EQ(f.linktype, PFS_LINKTYPE_RAW);
	}
}

static void test_file_hdr_bad(void)
{
	uint8_t h[24];
	struct pfs_pcap_file f;

	file_hdr(h, false, 0xa1b2c3d4, 1500, 1);
	for (size_t n = 0; n < sizeof(h); n++) {
		errno = 0;
		T_EQ(pfs_pcap_get_file_hdr(h, n, &f), -1);
		T_EQ(errno, EINVAL);
	}
	T_EQ(pfs_pcap_get_file_hdr(NULL, 0, &f), -1);
	file_hdr(h, false, 0x0a0d0d0a, 1500, 1); /* pcapng SHB */
	T_EQ(pfs_pcap_get_file_hdr(h, sizeof(h), &f), -1);
	T_EQ(errno, EINVAL);
	file_hdr(h, false, 0xa1b2c3d4, 1500, 1);
	h[4] = 1; /* version 1.4 */
	T_EQ(pfs_pcap_get_file_hdr(h, sizeof(h), &f), -1);
	/* FCS hints in the upper linktype bits are ignored */
	file_hdr(h, true, 0xa1b2c3d4, 1500, 0x14000001);
	T_EQ(pfs_pcap_get_file_hdr(h, sizeof(h), &f), 0);
	T_EQ(f.linktype, 1);
}

static void test_rec_hdr_round_trip(void)
{
	uint8_t fh[24], rh[PFS_PCAP_REC_HDR_LEN];
	struct pfs_pcap_rec r = {1700000000, 999999, 100, 1514}, g;
	struct pfs_pcap_file f;

	pfs_pcap_put_file_hdr(fh, PFS_LINKTYPE_PFSYNC, 65535);
	T_EQ(pfs_pcap_get_file_hdr(fh, sizeof(fh), &f), 0);
	pfs_pcap_put_rec_hdr(rh, &r);
	T_EQ(rh[0], 1700000000 & 0xff); /* little-endian */
	T_EQ(rh[8], 100);
	T_EQ(pfs_pcap_get_rec_hdr(&f, rh, sizeof(rh), &g), 0);
	T_EQ(g.ts_sec, r.ts_sec);
	T_EQ(g.ts_frac, r.ts_frac);
	T_EQ(g.caplen, r.caplen);
	T_EQ(g.origlen, r.origlen);
}

static void test_rec_hdr_big_endian_nsec(void)
{
	uint8_t fh[24], rh[16];
	struct pfs_pcap_file f;
	struct pfs_pcap_rec r;

	file_hdr(fh, true, 0xa1b23c4d, 2000, PFS_LINKTYPE_RAW);
	T_EQ(pfs_pcap_get_file_hdr(fh, sizeof(fh), &f), 0);
	be32(rh, 12345);
	be32(rh + 4, 999999999);
	be32(rh + 8, 2000);
	be32(rh + 12, 3000);
	T_EQ(pfs_pcap_get_rec_hdr(&f, rh, sizeof(rh), &r), 0);
	T_EQ(r.ts_sec, 12345);
	T_EQ(r.ts_frac, 999999999);
	T_EQ(r.caplen, 2000);
	T_EQ(r.origlen, 3000);
	be32(rh + 8, 2001); /* caplen > snaplen */
	errno = 0;
	T_EQ(pfs_pcap_get_rec_hdr(&f, rh, sizeof(rh), &r), -1);
	T_EQ(errno, EINVAL);
	for (size_t n = 0; n < sizeof(rh); n++)
		T_EQ(pfs_pcap_get_rec_hdr(&f, rh, n, &r), -1);
}

static void test_rec_hdr_caplen_limit(void)
{
	struct pfs_pcap_file f = {false, false, 0xffffffffu, 1};
	struct pfs_pcap_rec r = {0, 0, 262144, 262144}, g;
	uint8_t rh[16];

	f.swapped = host_is_be(); /* the file is little-endian */
	pfs_pcap_put_rec_hdr(rh, &r);
	T_EQ(pfs_pcap_get_rec_hdr(&f, rh, sizeof(rh), &g), 0);
	T_EQ(g.caplen, 262144);
	r.caplen = 262145;
	pfs_pcap_put_rec_hdr(rh, &r);
	T_EQ(pfs_pcap_get_rec_hdr(&f, rh, sizeof(rh), &g), -1);
	T_EQ(errno, EINVAL);
}

/* ---- frames ------------------------------------------------------- */

#define BODY_LEN 40 /* stands in for a pfsync packet */

/* IPv4 header + body; returns the length written. */
static size_t put_ipv4(uint8_t *p, uint8_t proto, uint16_t tot_len)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	be16(p + 2, tot_len);
	be16(p + 6, 0x4000); /* DF */
	p[8] = 255;
	p[9] = proto;
	be32(p + 12, 0x0a000001);
	be32(p + 16, 0xe00000f0);
	for (int i = 0; i < BODY_LEN; i++)
		p[20 + i] = (uint8_t)(0xa0 + i);
	return 20 + BODY_LEN;
}

static void check_ip_payload(const uint8_t *frame, size_t len,
			     uint32_t linktype, size_t ip_off)
{
	const uint8_t *pl;
	size_t plen;
	struct pfs_pcap_ipinfo ip;

	T_EQ(pfs_pcap_payload(linktype, frame, len, &pl, &plen, &ip), 0);
	T_CHECK(pl == frame + ip_off + 20);
	T_EQ(plen, BODY_LEN);
	T_EQ(ip.has_ip, true);
	T_EQ(ip.src, 0x0a000001);
	T_EQ(ip.dst, 0xe00000f0);
	T_EQ(ip.ttl, 255);
}

/* Every strict prefix of a frame must be refused, without reading past
 * len: the copy is exactly len bytes long so ASan sees any overrun. */
static size_t check_truncations(const uint8_t *frame, size_t len,
				uint32_t linktype, size_t min_ok)
{
	size_t bad = 0;

	for (size_t n = 0; n < len; n++) {
		uint8_t *copy = malloc(n ? n : 1);
		const uint8_t *pl;
		size_t plen;
		struct pfs_pcap_ipinfo ip;

		if (copy == NULL)
			return len;
		memcpy(copy, frame, n);
		int rc = pfs_pcap_payload(linktype, copy, n, &pl, &plen, &ip);
		/* from min_ok on the IP payload is merely shortened */
		if ((n < min_ok && rc != -1) || (n >= min_ok && rc != 0))
			bad++;
		if (rc == 0 && (pl < copy || pl + plen > copy + n))
			bad++;
		free(copy);
	}
	return bad;
}

static void test_linktype_pfsync(void)
{
	uint8_t f[BODY_LEN];
	const uint8_t *pl;
	size_t plen;
	struct pfs_pcap_ipinfo ip;

	memset(f, 3, sizeof(f));
	memset(&ip, 0x55, sizeof(ip));
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_PFSYNC, f, sizeof(f), &pl, &plen,
			      &ip),
	     0);
	T_CHECK(pl == f);
	T_EQ(plen, sizeof(f));
	T_EQ(ip.has_ip, false);
	T_EQ(ip.src, 0);
	T_EQ(ip.ttl, 0);
	/* short pfsync payloads are the wire decoder's BADLEN, not ours */
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_PFSYNC, f, 3, &pl, &plen, NULL), 0);
	T_EQ(plen, 3);
}

static void test_linktype_raw(void)
{
	uint8_t f[128];
	size_t n = put_ipv4(f, 240, 20 + BODY_LEN);

	check_ip_payload(f, n, PFS_LINKTYPE_RAW, 0);
	T_EQ(check_truncations(f, n, PFS_LINKTYPE_RAW, 20), 0);
}

static void test_raw_total_length(void)
{
	uint8_t f[128];
	const uint8_t *pl;
	size_t plen, n = put_ipv4(f, 240, 20 + 10);

	/* trailing capture bytes beyond tot_len are not payload */
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_RAW, f, n, &pl, &plen, NULL), 0);
	T_EQ(plen, 10);
	/* tot_len shorter than the header: malformed */
	be16(f + 2, 19);
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_RAW, f, n, &pl, &plen, NULL), -1);
	T_CHECK(pl == NULL);
	T_EQ(plen, 0);
	/* header options: ihl 6 moves the payload */
	n = put_ipv4(f, 240, 20 + BODY_LEN);
	f[0] = 0x46;
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_RAW, f, n, &pl, &plen, NULL), 0);
	T_CHECK(pl == f + 24);
	T_EQ(plen, BODY_LEN - 4);
	/* cut inside the options: refused, never a negative length */
	T_EQ(check_truncations(f, n, PFS_LINKTYPE_RAW, 24), 0);
}

static void test_raw_rejects(void)
{
	static const uint8_t protos[] = {0, 1, 6, 17, 112, 239, 241, 255};
	uint8_t f[128];
	const uint8_t *pl;
	size_t plen, n;

	for (size_t i = 0; i < sizeof(protos); i++) {
		n = put_ipv4(f, protos[i], 20 + BODY_LEN);
		errno = 0;
		T_EQ(pfs_pcap_payload(PFS_LINKTYPE_RAW, f, n, &pl, &plen, NULL),
		     -1);
		T_EQ(errno, EINVAL);
	}
	n = put_ipv4(f, 240, 20 + BODY_LEN);
	f[0] = 0x65; /* IPv6 version nibble */
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_RAW, f, n, &pl, &plen, NULL), -1);
	f[0] = 0x44; /* ihl 4 */
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_RAW, f, n, &pl, &plen, NULL), -1);
	f[0] = 0x4f; /* ihl 15: 60 bytes, more than tot_len */
	be16(f + 2, 50);
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_RAW, f, n, &pl, &plen, NULL), -1);
	n = put_ipv4(f, 240, 20 + BODY_LEN);
	be16(f + 6, 0x2000); /* first fragment */
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_RAW, f, n, &pl, &plen, NULL), -1);
	be16(f + 6, 0x0010); /* later fragment */
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_RAW, f, n, &pl, &plen, NULL), -1);
	/* unknown link types */
	n = put_ipv4(f, 240, 20 + BODY_LEN);
	T_EQ(pfs_pcap_payload(0, f, n, &pl, &plen, NULL), -1);
	T_EQ(pfs_pcap_payload(121, f, n, &pl, &plen, NULL), -1);
	T_EQ(pfs_pcap_payload(228, f, n, &pl, &plen, NULL), -1);
	/* OpenBSD's DLT_PFSYNC 18 unwraps the IPv4 packet it may hold */
	T_EQ(pfs_pcap_payload(18, f, n, &pl, &plen, NULL), 0);
	T_CHECK(pl == f + 20);
}

static size_t put_eth(uint8_t *f, bool vlan, uint16_t type)
{
	size_t off = 12;

	memset(f, 0x11, 12);
	if (vlan) {
		be16(f + off, 0x8100);
		be16(f + off + 2, 0x0064); /* VLAN 100 */
		off += 4;
	}
	be16(f + off, type);
	return off + 2;
}

static void test_linktype_ethernet(void)
{
	uint8_t f[128];
	const uint8_t *pl;
	size_t plen;
	size_t h = put_eth(f, false, 0x0800);
	size_t n = h + put_ipv4(f + h, 240, 20 + BODY_LEN);

	check_ip_payload(f, n, PFS_LINKTYPE_ETHERNET, 14);
	T_EQ(check_truncations(f, n, PFS_LINKTYPE_ETHERNET, 14 + 20), 0);
	/* Ethernet pads to 60 bytes: padding is not payload */
	put_ipv4(f + h, 240, 20 + 4);
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_ETHERNET, f, 60, &pl, &plen, NULL),
	     0);
	T_CHECK(pl == f + 34);
	T_EQ(plen, 4);
}

static void test_ethernet_vlan(void)
{
	uint8_t f[128];
	size_t h = put_eth(f, true, 0x0800);
	size_t n = h + put_ipv4(f + h, 240, 20 + BODY_LEN);

	T_EQ(h, 18);
	check_ip_payload(f, n, PFS_LINKTYPE_ETHERNET, 18);
	T_EQ(check_truncations(f, n, PFS_LINKTYPE_ETHERNET, 18 + 20), 0);
}

static void test_ethernet_rejects(void)
{
	static const uint16_t types[] = {0x86dd, 0x0806, 0x88a8, 0x0000};
	uint8_t f[128];
	const uint8_t *pl;
	size_t plen;

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		size_t h = put_eth(f, false, types[i]);
		size_t n = h + put_ipv4(f + h, 240, 20 + BODY_LEN);
		T_EQ(pfs_pcap_payload(PFS_LINKTYPE_ETHERNET, f, n, &pl, &plen,
				      NULL),
		     -1);
	}
	/* two stacked tags: only one is skipped */
	size_t h = put_eth(f, true, 0x8100);
	be16(f + h, 0x0001);
	be16(f + h + 2, 0x0800);
	size_t n = h + 4 + put_ipv4(f + h + 4, 240, 20 + BODY_LEN);
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_ETHERNET, f, n, &pl, &plen, NULL),
	     -1);
	/* VLAN carrying IPv4 but not pfsync */
	h = put_eth(f, true, 0x0800);
	n = h + put_ipv4(f + h, 17, 20 + BODY_LEN);
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_ETHERNET, f, n, &pl, &plen, NULL),
	     -1);
}

static size_t put_sll(uint8_t *f, uint16_t proto)
{
	memset(f, 0, 16);
	be16(f, 0);	/* PACKET_HOST */
	be16(f + 2, 1); /* ARPHRD_ETHER */
	be16(f + 4, 6); /* address length */
	memset(f + 6, 0x22, 6);
	be16(f + 14, proto);
	return 16;
}

static void test_linktype_sll(void)
{
	uint8_t f[128];
	const uint8_t *pl;
	size_t plen;
	size_t h = put_sll(f, 0x0800);
	size_t n = h + put_ipv4(f + h, 240, 20 + BODY_LEN);

	check_ip_payload(f, n, PFS_LINKTYPE_LINUX_SLL, 16);
	T_EQ(check_truncations(f, n, PFS_LINKTYPE_LINUX_SLL, 16 + 20), 0);
	put_sll(f, 0x86dd);
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_LINUX_SLL, f, n, &pl, &plen, NULL),
	     -1);
	put_sll(f, 0x0800);
	f[16 + 9] = 6; /* TCP */
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_LINUX_SLL, f, n, &pl, &plen, NULL),
	     -1);
}

/* A whole file in memory, written with the library and walked back. */
static void test_file_walk(void)
{
	uint8_t file[24 + 3 * (16 + 128)];
	size_t off = 24, seen = 0;
	struct pfs_pcap_file f;

	pfs_pcap_put_file_hdr(file, PFS_LINKTYPE_RAW, 128);
	for (uint32_t i = 0; i < 3; i++) {
		uint8_t frame[128];
		uint8_t proto = i == 1 ? 17 : 240;
		size_t n = put_ipv4(frame, proto, 20 + BODY_LEN);
		struct pfs_pcap_rec r = {i, i * 10, (uint32_t)n, (uint32_t)n};
		pfs_pcap_put_rec_hdr(file + off, &r);
		memcpy(file + off + 16, frame, n);
		off += 16 + n;
	}
	T_EQ(pfs_pcap_get_file_hdr(file, off, &f), 0);
	for (size_t p = 24; p < off;) {
		struct pfs_pcap_rec r;
		const uint8_t *pl;
		size_t plen;

		T_EQ(pfs_pcap_get_rec_hdr(&f, file + p, off - p, &r), 0);
		p += 16;
		T_CHECK(r.caplen <= off - p);
		if (pfs_pcap_payload(f.linktype, file + p, r.caplen, &pl, &plen,
				     NULL) == 0)
			seen++;
		p += r.caplen;
	}
	T_EQ(seen, 2);
}

int main(void)
{
	T_RUN(test_put_file_hdr_bytes);
	T_RUN(test_file_hdr_round_trip);
	T_RUN(test_file_hdr_orders);
	T_RUN(test_file_hdr_bad);
	T_RUN(test_rec_hdr_round_trip);
	T_RUN(test_rec_hdr_big_endian_nsec);
	T_RUN(test_rec_hdr_caplen_limit);
	T_RUN(test_linktype_pfsync);
	T_RUN(test_linktype_raw);
	T_RUN(test_raw_total_length);
	T_RUN(test_raw_rejects);
	T_RUN(test_linktype_ethernet);
	T_RUN(test_ethernet_vlan);
	T_RUN(test_ethernet_rejects);
	T_RUN(test_linktype_sll);
	T_RUN(test_file_walk);
	return t_done();
}
