/*
 * test_print_bsd.c - exact text of the OpenBSD v6 and FreeBSD v5 printers
 * and of `pfsyncctl decode` for every dialect, on frames built here byte
 * by byte at the offsets of pfsync-modern.md §1.2-§1.5 and §2.1-§2.2 (not
 * with the codecs' encoders); the link types of §4.3 (246, OpenBSD's 18,
 * raw IP, Ethernet, SLL, SLL2), IPv6 transport, and refused frames.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "decode.h"
#include "pfsync/pcap.h"
#include "print_bsd.h"
#include "print_v3.h"
#include "t.h"

static void be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void be32(uint8_t *p, uint32_t v)
{
	be16(p, (uint16_t)(v >> 16));
	be16(p + 2, (uint16_t)v);
}

static void be64(uint8_t *p, uint64_t v)
{
	be32(p, (uint32_t)(v >> 32));
	be32(p + 4, (uint32_t)v);
}

static void ip4(uint8_t *p, uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	p[0] = a;
	p[1] = b;
	p[2] = c;
	p[3] = d;
}

/* Header: version, pad, len, pfcksum 0xc0.. */
static void hdr(uint8_t *b, uint8_t version, uint16_t len)
{
	size_t i;

	memset(b, 0, 20);
	b[0] = version;
	be16(b + 2, len);
	for (i = 0; i < 16; i++)
		b[4 + i] = (uint8_t)(0xc0 + i);
}

static void sub(uint8_t *b, uint8_t act, uint8_t words, uint16_t count)
{
	b[0] = act;
	b[1] = words;
	be16(b + 2, count);
}

/* A TCP peer at p: seqlo, seqhi, state ESTABLISHED, no wscale. */
static void peer(uint8_t *p, uint32_t seqlo)
{
	be32(p + 8, seqlo);
	be32(p + 12, seqlo + 65535);
	p[24] = 4;
}

/*
 * The prefix of a state at `keylen` bytes per key (40 for v6, 36 for
 * v5) of a record of reclen bytes (zeroed first): id, ifname, keys (outbound
 * NAT 10.0.0.1:1234 -> 192.0.2.1:40000
 * -> 198.51.100.7:443), then at `peers` the two peers, rule, anchor,
 * creation, expire, counters, creatorid.
 */
static size_t st_prefix(uint8_t *b, size_t keylen, size_t reclen)
{
	size_t k, p = 24 + 2 * keylen;

	memset(b, 0, reclen);
	be64(b, 0x0102030405060708ULL);
	memcpy(b + 8, "em0", 3);
	for (k = 0; k < 2; k++) {
		uint8_t *key = b + 24 + k * keylen;

		ip4(key, 198, 51, 100, 7);
		if (k == 0)
			ip4(key + 16, 192, 0, 2, 1);
		else
			ip4(key + 16, 10, 0, 0, 1);
		be16(key + 32, 443);
		be16(key + 34, k == 0 ? 40000 : 1234);
	}
	peer(b + p, 1000);
	peer(b + p + 32, 2000);
	be32(b + p + 80, 4);	      /* rule */
	be32(b + p + 84, 0xffffffff); /* anchor */
	be32(b + p + 88, 0xffffffff); /* nat_rule */
	be32(b + p + 92, 3723);	      /* creation: age 01:02:03 */
	be32(b + p + 96, 30);	      /* expire */
	be64(b + p + 100, 10);
	be64(b + p + 108, 20);
	be64(b + p + 116, 1000);
	be64(b + p + 124, 2000);
	be32(b + p + 132, 0x0a000001); /* creatorid */
	return p + 136;
}

/* OpenBSD pfsync_state, 264 bytes (§1.5). */
static void st_v6(uint8_t *b)
{
	size_t off = st_prefix(b, 40, 264);

	T_EQ(off, 240);
	b[24 + 38] = 2;
	b[64 + 38] = 2;
	b[250] = 2; /* af */
	b[251] = 6; /* tcp */
	b[252] = 2; /* out */
	b[255] = 2; /* timeout */
	b[257] = 3; /* updates */
}

/* FreeBSD pfsync_state_1400, 277 bytes (§2.2). */
static void st_1400(uint8_t *b)
{
	T_EQ(st_prefix(b, 36, 277), 232);
	b[232] = 2;
	b[233] = 6;
	b[234] = 2;
	b[239] = 2;
	b[241] = 3;
}

static char *t_print(const uint8_t *p, size_t n, unsigned flags)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		abort();
	ctl_print_pfsync(f, p, n, flags);
	fclose(f);
	return text;
}

static int t_streq(const char *got, const char *want, int line)
{
	if (strcmp(got, want) == 0)
		return 1;
	fprintf(stderr, "line %d: got:\n%s---\nwant:\n%s---\n", line, got,
		want);
	return 0;
}

#define T_PRINTS(p, n, flags, want)                                            \
	do {                                                                   \
		char *t_got_ = t_print((p), (n), (flags));                     \
		T_CHECK(t_streq(t_got_, (want), __LINE__));                    \
		free(t_got_);                                                  \
	} while (0)

#define STATE_LINE                                                             \
	"em0 tcp 10.0.0.1:1234 (192.0.2.1:40000) -> 198.51.100.7:443       "   \
	"ESTABLISHED:ESTABLISHED\n"
#define STATE_DETAIL(p)                                                        \
	p "   [1000 + 65535]  [2000 + 65535]\n" p                              \
	  "   age 01:02:03, expires in 00:00:30, 10:20 pkts, 1000:2000 "       \
	  "bytes, rule 4\n" p "   id: 0102030405060708 creatorid: 0a000001"

/* --- OpenBSD v6 ----------------------------------------------------------- */

static void test_v6_ins(void)
{
	uint8_t b[20 + 4 + 264];

	hdr(b, 6, sizeof(b));
	memset(b + 4, 0, 16); /* OpenBSD never writes pfcksum */
	sub(b + 20, 13, 66, 1);
	st_v6(b + 24);
	T_PRINTS(b, sizeof(b), 0, "PFSYNCv6 len 288\n\tact INS ST count 1\n");
	T_PRINTS(b, sizeof(b), CTL_PRINT_E,
		 "PFSYNCv6 len 288 cksum 00000000000000000000000000000000\n"
		 "\tact INS ST count 1\n");
	T_PRINTS(b, sizeof(b), CTL_PRINT_V,
		 "PFSYNCv6 len 288\n\tact INS ST count 1\n\t\t" STATE_LINE
		     STATE_DETAIL("\t\t") "\n");
	T_PRINTS(b, sizeof(b), CTL_PRINT_V | CTL_PRINT_VV,
		 "PFSYNCv6 len 288\n\tact INS ST count 1\n\t\t" STATE_LINE
		     STATE_DETAIL("\t\t") " updates: 3\n");
}

/* Inbound rdr over IPv6 (OpenBSD af 24): gwy (lan) <- ext. */
static void test_v6_inbound_ipv6(void)
{
	uint8_t b[20 + 4 + 264];
	char *t;
	size_t k;

	hdr(b, 6, sizeof(b));
	sub(b + 20, 14, 66, 1);
	st_v6(b + 24);
	for (k = 0; k < 2; k++) {
		uint8_t *key = b + 24 + 24 + k * 40;

		memset(key, 0, 32);
		key[0] = 0xfd;
		key[15] = 1;
		be32(key + 16, 0x20010db8);
		key[31] = k == 0 ? 0x80 : 7; /* wire: gwy, stack: lan */
		be16(key + 32, 5353);
		be16(key + 34, k == 0 ? 8053 : 53);
		key[38] = 24;
	}
	b[24 + 250] = 24;
	b[24 + 251] = 17;
	b[24 + 252] = 1;
	b[24 + 104 + 24] = 2; /* src MULTIPLE */
	b[24 + 136 + 24] = 1; /* dst SINGLE */
	t = t_print(b, sizeof(b), CTL_PRINT_V);
	T_CHECK(strstr(t, "\tact UPD ST count 1\n\t\tem0 udp "
			  "[2001:db8::80]:8053 ([2001:db8::7]:53) <- "
			  "[fd00::1]:5353       SINGLE:MULTIPLE\n") != NULL);
	free(t);
}

static void test_v6_small(void)
{
	uint8_t b[20 + 4 + 84 + 4 + 24 + 4 + 12 + 4 + 20 + 4 + 12 + 4 + 52];
	size_t o = 20;

	memset(b, 0, sizeof(b));
	hdr(b, 6, sizeof(b));
	sub(b + o, 4, 21, 1);
	be64(b + o + 4, 0x11);
	be32(b + o + 4 + 72, 0x22);
	o += 88;
	sub(b + o, 7, 3, 2);
	be64(b + o + 4, 0x33);
	be32(b + o + 12, 0x44);
	be64(b + o + 16, 0x55);
	be32(b + o + 24, 0x66);
	o += 28;
	sub(b + o, 5, 3, 1); /* UPD_REQ {0, 0}: a bulk request */
	o += 16;
	sub(b + o, 0, 5, 1);
	memcpy(b + o + 4, "em\0331", 4); /* an escape in the name */
	be32(b + o + 20, 0x77);
	o += 24;
	sub(b + o, 10, 3, 1);
	be32(b + o + 4, 0x88);
	be32(b + o + 8, 3661);
	b[o + 12] = 1;
	o += 16;
	sub(b + o, 15, 13, 1);
	be32(b + o + 4, 0x1000);
	be64(b + o + 4 + 32, 0x100004000ULL);
	be64(b + o + 4 + 40, 99);
	T_PRINTS(b, sizeof(b), CTL_PRINT_V,
		 "PFSYNCv6 len 248\n"
		 "\tact UPD ST COMP count 1\n"
		 "\t\tid: 0000000000000011 creatorid: 00000022\n"
		 "\tact DEL ST COMP count 2\n"
		 "\t\tid: 0000000000000033 creatorid: 00000044\n"
		 "\t\tid: 0000000000000055 creatorid: 00000066\n"
		 "\tact UPD ST REQ count 1\n"
		 "\t\tid: 0000000000000000 creatorid: 00000000\n"
		 "\tact CLR ST count 1\n"
		 "\t\tcreatorid: 00000077 interface: em?1\n"
		 "\tact BULK UPD STAT count 1\n"
		 "\t\tcreatorid: 00000088 age 01:01:01 status: start\n"
		 "\tact UPD TDB count 1\n"
		 "\t\tspi: 0x00001000 rpl: 4294983680 cur_bytes: 99\n");
}

/* Unknown and short sections are skipped; 0 words ends the packet. */
static void test_v6_skip_and_refuse(void)
{
	uint8_t b[20 + 4 + 8 + 4 + 12 + 4 + 4];

	memset(b, 0, sizeof(b));
	hdr(b, 6, sizeof(b));
	sub(b + 20, 99, 1, 2);
	sub(b + 32, 13, 3, 1);
	sub(b + 48, 12, 0, 1);
	sub(b + 52, 98, 0, 1);
	T_PRINTS(b, sizeof(b), CTL_PRINT_V,
		 "PFSYNCv6 len 56\n"
		 "\tact UNKNOWN id 99 count 2\n"
		 "\tact INS ST count 1 (skipped)\n"
		 "\tact EOF count 1\n"
		 "\tact UNKNOWN id 98 count 1\n"
		 "\t[|pfsync] badact\n");
	sub(b + 20, 7, 3, 9);
	T_PRINTS(b, sizeof(b), 0,
		 "PFSYNCv6 len 56\n\tact DEL ST COMP count 9\n"
		 "\t[|pfsync] badlen\n");
	T_PRINTS(b, 30, 0, "PFSYNCv6 len 56\n[|pfsync] badlen\n");
	T_PRINTS(b, 10, 0, "[|pfsync]\n");
}

/* --- FreeBSD v5 ----------------------------------------------------------- */

static void test_v5_frame(void)
{
	uint8_t b[20 + 4 + 277 + 4 + 12 + 4];
	size_t o = 20;

	hdr(b, 5, sizeof(b));
	sub(b + o, 13, 0, 1);
	st_1400(b + o + 4);
	o += 4 + 277;
	sub(b + o, 7, 0, 1);
	memset(b + o + 4, 0, 12);
	be64(b + o + 4, 0x99);
	be32(b + o + 12, 0x77);
	o += 16;
	sub(b + o, 12, 0, 1);
	T_PRINTS(b, sizeof(b), 0,
		 "PFSYNCv5 len 321\n    insert count 1\n"
		 "    delete compressed count 1\n    eof count 1\n");
	T_PRINTS(b, sizeof(b), CTL_PRINT_E | CTL_PRINT_V | CTL_PRINT_VV,
		 "PFSYNCv5 len 321 cksum c0c1c2c3c4c5c6c7c8c9cacbcccdcecf\n"
		 "    insert count 1\n\t" STATE_LINE STATE_DETAIL(
		     "\t") " updates: 3\n"
			   "    delete compressed count 1\n"
			   "\tid: 0000000000000099 creatorid: 00000077\n"
			   "    eof count 1\n");
}

/* 1301 and 1500 states print alike; 1500 has no updates field. */
static void test_v5_formats(void)
{
	uint8_t b[20 + 4 + 360 + 4];
	char *t;

	hdr(b, 5, 20 + 4 + 242 + 4);
	sub(b + 20, 1, 0, 1);
	T_EQ(st_prefix(b + 24, 36, 242), 232);
	b[24 + 232] = 2;
	b[24 + 233] = 6;
	b[24 + 234] = 2;
	b[24 + 239] = 2;
	sub(b + 24 + 242, 12, 0, 1);
	t = t_print(b, 20 + 4 + 242 + 4, CTL_PRINT_V);
	T_CHECK(strstr(t, "    insert 13.1 count 1\n\t" STATE_LINE) != NULL);
	free(t);
	hdr(b, 5, sizeof(b));
	sub(b + 20, 16, 0, 1);
	T_EQ(st_prefix(b + 24, 36, 360), 232);
	b[24 + 344] = 2; /* wire_af */
	b[24 + 345] = 2; /* stack_af */
	b[24 + 347] = 6;
	b[24 + 348] = 6;
	b[24 + 350] = 2;
	b[24 + 351] = 2;
	sub(b + 24 + 360, 12, 0, 1);
	T_PRINTS(
	    b, sizeof(b), CTL_PRINT_V | CTL_PRINT_VV,
	    "PFSYNCv5 len 388\n    update count 1\n\t" STATE_LINE STATE_DETAIL(
		"\t") "\n    eof count 1\n");
}

static void test_v5_refusals(void)
{
	uint8_t b[20 + 4 + 4 + 2];

	memset(b, 0, sizeof(b));
	hdr(b, 5, 28);
	sub(b + 20, 12, 0, 1); /* EOF, but 2 bytes follow the frame */
	T_PRINTS(b, sizeof(b), 0,
		 "PFSYNCv5 len 28\n    eof count 1\n    [|pfsync] badlen\n");
	sub(b + 20, 17, 0, 1);
	T_PRINTS(b, 28, 0,
		 "PFSYNCv5 len 28\n    act UNKNOWN id 17\n"
		 "    [|pfsync] badact\n");
	sub(b + 20, 8, 0, 1);
	T_PRINTS(b, 28, 0,
		 "PFSYNCv5 len 28\n    frag insert count 1\n"
		 "    [|pfsync] badact\n");
	sub(b + 20, 2, 0, 3);
	T_PRINTS(b, 28, 0,
		 "PFSYNCv5 len 28\n    insert ack count 3\n"
		 "    [|pfsync] badlen\n");
}

static void test_dispatch(void)
{
	uint8_t b[20 + 16];

	memset(b, 0, sizeof(b));
	b[0] = 3;
	b[2] = 8; /* v3 UREQ */
	b[3] = 1;
	T_PRINTS(b, sizeof(b), 0, "PFSYNC UPD REQ:\n");
	b[0] = 9;
	T_PRINTS(b, sizeof(b), 0, "PFSYNCv9 (unknown version)\n");
	T_PRINTS(b, 0, 0, "[|pfsync]\n");
}

/* --- link types ----------------------------------------------------------- */

/* A v5 frame with only EOF: 24 bytes. */
static void eof_frame(uint8_t *b)
{
	hdr(b, 5, 24);
	sub(b + 20, 12, 0, 1);
}

/* IPv6 header, next header 240, hop limit 255, fd00::1 -> ff12::f0. */
static size_t ipv6(uint8_t *p, uint16_t paylen)
{
	memset(p, 0, 40);
	p[0] = 0x60;
	be16(p + 4, paylen);
	p[6] = 240;
	p[7] = 255;
	p[8] = 0xfd;
	p[23] = 1;
	p[24] = 0xff;
	p[25] = 0x12;
	p[39] = 0xf0;
	return 40;
}

static size_t ipv4(uint8_t *p, uint16_t paylen)
{
	memset(p, 0, 20);
	p[0] = 0x45;
	be16(p + 2, (uint16_t)(20 + paylen));
	p[8] = 255;
	p[9] = 240;
	ip4(p + 12, 10, 0, 0, 1);
	ip4(p + 16, 224, 0, 0, 240);
	return 20;
}

static void check_payload(uint32_t lt, const uint8_t *f, size_t n, size_t off,
			  int af)
{
	const uint8_t *pl;
	size_t plen;
	struct pfs_pcap_ipinfo ip;

	T_EQ(pfs_pcap_payload(lt, f, n, &pl, &plen, &ip), 0);
	T_CHECK(pl == f + off);
	T_EQ(plen, 24);
	T_EQ(ip.has_ip, af != 0);
	if (af)
		T_EQ(ip.af, af);
}

static void test_link_types(void)
{
	uint8_t f[128];
	size_t h;

	eof_frame(f);
	check_payload(PFS_LINKTYPE_OPENBSD_PFSYNC, f, 24, 0, 0);
	h = ipv4(f, 24);
	eof_frame(f + h);
	check_payload(PFS_LINKTYPE_OPENBSD_PFSYNC, f, h + 24, 20, AF_INET);
	h = ipv6(f, 24);
	eof_frame(f + h);
	check_payload(PFS_LINKTYPE_RAW, f, h + 24, 40, AF_INET6);
	f[6] = 6; /* TCP */
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_RAW, f, h + 24,
			      &(const uint8_t *){0}, &(size_t){0}, NULL),
	     -1);
	/* Ethernet, 0x86dd */
	memset(f, 0x11, 12);
	be16(f + 12, 0x86dd);
	h = 14 + ipv6(f + 14, 24);
	eof_frame(f + h);
	check_payload(PFS_LINKTYPE_ETHERNET, f, h + 24, 54, AF_INET6);
	/* SLL2: protocol first, 20 bytes */
	memset(f, 0, 20);
	be16(f, 0x0800);
	h = 20 + ipv4(f + 20, 24);
	eof_frame(f + h);
	check_payload(PFS_LINKTYPE_LINUX_SLL2, f, h + 24, 40, AF_INET);
	T_EQ(pfs_pcap_payload(PFS_LINKTYPE_LINUX_SLL2, f, 19,
			      &(const uint8_t *){0}, &(size_t){0}, NULL),
	     -1);
	/* an IPv6 payload length beyond the capture is cut to it */
	h = ipv6(f, 500);
	eof_frame(f + h);
	check_payload(PFS_LINKTYPE_RAW, f, h + 24, 40, AF_INET6);
}

/* The whole decode path: a pcap file of raw IPv6 carrying a v5 frame,
 * then an OpenBSD link-type 18 file of a v6 frame. */
static char *decode_mem(const uint8_t *file, size_t n, unsigned flags, int *rc)
{
	struct ctl_decode_opts o;
	struct ctl_decode_tally t;
	char *text = NULL, *etext = NULL;
	size_t len = 0, elen = 0;
	FILE *in = fmemopen((void *)(uintptr_t)file, n, "rb");
	FILE *out = open_memstream(&text, &len);
	FILE *err = open_memstream(&etext, &elen);

	memset(&o, 0, sizeof(o));
	o.flags = flags;
	o.file = "x";
	*rc = ctl_decode_stream(in, "x", &o, out, err, &t);
	fclose(in);
	fclose(out);
	fclose(err);
	free(etext);
	return text;
}

static size_t pcap_one(uint8_t *file, uint32_t lt, const uint8_t *frame,
		       size_t n)
{
	struct pfs_pcap_rec r = {0, 5, (uint32_t)n, (uint32_t)n};

	pfs_pcap_put_file_hdr(file, lt, 65535);
	pfs_pcap_put_rec_hdr(file + 24, &r);
	memcpy(file + 40, frame, n);
	return 40 + n;
}

static void test_decode_stream(void)
{
	uint8_t frame[128], file[256];
	size_t h, n;
	char *t;
	int rc;

	h = ipv6(frame, 24);
	eof_frame(frame + h);
	n = pcap_one(file, PFS_LINKTYPE_RAW, frame, h + 24);
	t = decode_mem(file, n, 0, &rc);
	T_EQ(rc, 0);
	T_CHECK(t != NULL && strlen(t) > 16 &&
		strcmp(t + 16, "fd00::1 > ff12::f0: PFSYNCv5 len 24\n"
			       "    eof count 1\n") == 0);
	free(t);
	memset(frame, 0, sizeof(frame));
	hdr(frame, 6, 36);
	sub(frame + 20, 7, 3, 1);
	be64(frame + 24, 0xab);
	be32(frame + 32, 0xcd);
	n = pcap_one(file, PFS_LINKTYPE_OPENBSD_PFSYNC, frame, 36);
	t = decode_mem(file, n, CTL_PRINT_V, &rc);
	T_EQ(rc, 0);
	T_CHECK(t != NULL && strlen(t) > 16 &&
		strcmp(t + 16,
		       "PFSYNCv6 len 36\n\tact DEL ST COMP count 1\n"
		       "\t\tid: 00000000000000ab creatorid: 000000cd\n") == 0);
	free(t);
}

int main(void)
{
	T_RUN(test_v6_ins);
	T_RUN(test_v6_inbound_ipv6);
	T_RUN(test_v6_small);
	T_RUN(test_v6_skip_and_refuse);
	T_RUN(test_v5_frame);
	T_RUN(test_v5_formats);
	T_RUN(test_v5_refusals);
	T_RUN(test_dispatch);
	T_RUN(test_link_types);
	T_RUN(test_decode_stream);
	return t_done();
}
