/*
 * test_print_v3.c - exact text of the pfsync v3 printer for hand-built
 * frames of every action, with and without -v / -vv / -e, IPv4 and IPv6,
 * NAT, odd state levels, refused and truncated frames.
 *
 * Frames are built here byte by byte at the offsets of the reference
 * (pfsync-v3.md section 2), not with the codec's encoders, so the test
 * checks the decoder and the printer against the wire layout itself.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "print_v3.h"
#include "pfsync/format.h"
#include "pfsync/wire_v3.h"
#include "t.h"

#define T_FRAME_MAX 2048

/* --- byte builder ------------------------------------------------------- */

static void t_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void t_be32(uint8_t *p, uint32_t v)
{
	t_be16(p, (uint16_t)(v >> 16));
	t_be16(p + 2, (uint16_t)v);
}

static void t_be64(uint8_t *p, uint64_t v)
{
	t_be32(p, (uint32_t)(v >> 32));
	t_be32(p + 4, (uint32_t)v);
}

/* 20-byte header: version, af 0, action, count, 16-byte ruleset digest */
static void t_hdr(uint8_t *b, uint8_t version, uint8_t action, uint8_t count)
{
	memset(b, 0, PFS_V3_HDR_LEN);
	b[0] = version;
	b[2] = action;
	b[3] = count;
	memset(b + 4, 0xaa, PFS_V3_CHKSUM_LEN);
}

struct t_peer {
	uint32_t seqlo, seqhi, seqdiff;
	uint8_t state, wscale;
};

struct t_st {
	uint64_t id;
	const char *ifname;
	uint8_t af; /* wire value: 2 or 24 */
	uint8_t lan[16], gwy[16], ext[16];
	uint16_t lport, gport, eport;
	struct t_peer src, dst;
	uint32_t rule, anchor, creation, expire, creatorid;
	uint64_t pkts[2], bytes[2];
	uint8_t proto, dir, timeout, updates;
};

/* struct pfsync_state_peer, 32 bytes: scrub 8, seqlo 8, seqhi 12,
 * seqdiff 16, max_win 20, mss 22, state 24, wscale 25, pad */
static void t_peer(uint8_t *p, const struct t_peer *pe)
{
	t_be32(p + 8, pe->seqlo);
	t_be32(p + 12, pe->seqhi);
	t_be32(p + 16, pe->seqdiff);
	t_be16(p + 20, 65535);
	t_be16(p + 22, 1460);
	p[24] = pe->state;
	p[25] = pe->wscale;
}

/* struct pfsync_state, 240 bytes (reference section 2.6) */
static void t_state(uint8_t *p, const struct t_st *s)
{
	memset(p, 0, PFS_V3_STATE_LEN);
	t_be64(p, s->id);
	memcpy(p + 8, s->ifname, strlen(s->ifname));
	memcpy(p + 24, s->lan, 16);
	t_be16(p + 40, s->lport);
	memcpy(p + 48, s->gwy, 16);
	t_be16(p + 64, s->gport);
	memcpy(p + 72, s->ext, 16);
	t_be16(p + 88, s->eport);
	t_peer(p + 96, &s->src);
	t_peer(p + 128, &s->dst);
	t_be32(p + 176, s->rule);
	t_be32(p + 180, s->anchor);
	t_be32(p + 188, s->creation);
	t_be32(p + 192, s->expire);
	t_be64(p + 196, s->pkts[0]);
	t_be64(p + 204, s->pkts[1]);
	t_be64(p + 212, s->bytes[0]);
	t_be64(p + 220, s->bytes[1]);
	t_be32(p + 228, s->creatorid);
	p[232] = s->af;
	p[233] = s->proto;
	p[234] = s->dir;
	p[237] = s->timeout;
	p[239] = s->updates;
}

/* An outbound IPv4 TCP state without NAT. */
static void t_st_tcp4(struct t_st *s)
{
	static const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};

	memset(s, 0, sizeof(*s));
	s->id = 0x0102030405060708ull;
	s->ifname = "all";
	s->af = 2;
	memcpy(s->lan, a, 4);
	memcpy(s->gwy, a, 4);
	memcpy(s->ext, b, 4);
	s->lport = s->gport = 1234;
	s->eport = 80;
	s->src = (struct t_peer){1000, 66535, 5, 4, 0x87};
	s->dst = (struct t_peer){2000, 34768, 0, 4, 0x82};
	s->rule = 4;
	s->anchor = 0xffffffff;
	s->creation = 3723;
	s->expire = 30;
	s->creatorid = 0x0a000001;
	s->pkts[0] = 10;
	s->pkts[1] = 20;
	s->bytes[0] = 1000;
	s->bytes[1] = 2000;
	s->proto = 6;
	s->dir = 2;
	s->timeout = 2;
	s->updates = 3;
}

/* An inbound IPv6 UDP state behind rdr: lan, gwy and ext all differ. */
static void t_st_udp6(struct t_st *s)
{
	memset(s, 0, sizeof(*s));
	s->id = 0xffeeddccbbaa9988ull;
	s->ifname = "eth0";
	s->af = 24;
	s->lan[0] = s->gwy[0] = s->ext[0] = 0xfd;
	s->lan[15] = 1;
	s->gwy[15] = 2;
	s->ext[15] = 3;
	s->lport = 53;
	s->gport = 5353;
	s->eport = 4000;
	s->src.state = 1; /* SINGLE: the ext side opened it */
	s->dst.state = 2;
	s->rule = s->anchor = 0xffffffff;
	s->creation = 59;
	s->expire = 3600 * 100 + 1;
	s->creatorid = 0xdeadbeef;
	s->pkts[0] = 1ull << 40;
	s->proto = 17;
	s->dir = 1;
	s->timeout = 8;
}

/* --- capture the printer's text ----------------------------------------- */

static char *t_print(const uint8_t *p, size_t n, unsigned flags)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (f == NULL)
		abort();
	ctl_print_v3(f, p, n, flags);
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

/* --- tests -------------------------------------------------------------- */

#define UPD4_LINE1                                                             \
	"\tall tcp 10.0.0.1:1234 -> 10.0.0.2:80       "                        \
	"ESTABLISHED:ESTABLISHED\n"
#define UPD4_LINE2 "\t   [1000 + 65535](+5) wscale 7  [2000 + 32768] wscale 2\n"
#define UPD4_LINE3                                                             \
	"\t   age 01:02:03, expires in 00:00:30, 10:20 pkts, "                 \
	"1000:2000 bytes, rule 4\n"
#define UPD4_ID "\t   id: 0102030405060708 creatorid: 0a000001"

static void test_upd_ipv4(void)
{
	uint8_t b[T_FRAME_MAX];
	struct t_st s;

	t_st_tcp4(&s);
	t_hdr(b, 3, PFS_V3_ACT_UPD, 1);
	t_state(b + 20, &s);
	T_PRINTS(b, 260, 0, "PFSYNC UPD ST:\n");
	T_PRINTS(b, 260, CTL_PRINT_E, "PFSYNCv3 count 1: PFSYNC UPD ST:\n");
	T_PRINTS(b, 260, CTL_PRINT_V,
		 "PFSYNC UPD ST:\n" UPD4_LINE1 UPD4_LINE2 UPD4_LINE3 UPD4_ID
		 "\n");
	T_PRINTS(b, 260, CTL_PRINT_V | CTL_PRINT_VV | CTL_PRINT_E,
		 "PFSYNCv3 count 1: PFSYNC UPD ST:\n" UPD4_LINE1 UPD4_LINE2
		     UPD4_LINE3 UPD4_ID " updates: 3\n");
	/* trailing bytes after the records are ignored, as pfsync does */
	memset(b + 260, 0x55, 40);
	T_PRINTS(b, 300, CTL_PRINT_V,
		 "PFSYNC UPD ST:\n" UPD4_LINE1 UPD4_LINE2 UPD4_LINE3 UPD4_ID
		 "\n");
}

/* pfsyncd's extras section and trailer after the records (wire_xst.h,
 * wire_ext.h): decode shows the v3 packet, as NetBSD's tcpdump would. */
static void test_upd_with_extras_and_trailer(void)
{
	static const uint8_t tail[] = {
		0xf6, 0x01, 0x00, 0x0d, 0x00, 0x03, 0x06, 0x00, 0x00,
		0x00, 0x2a, 0x00, 0x07, /* record 0: mark 42, zone 7 */
		0xf5, 0x11, 0x80, 0x00, 0x00, 0x00, 0x00, 0x09,
		0x00, 0x00, 0x00, 0x01, /* DATA 1 of stream 9 */
	};
	uint8_t b[T_FRAME_MAX];
	struct t_st s;

	t_st_tcp4(&s);
	t_hdr(b, 3, PFS_V3_ACT_UPD, 1);
	t_state(b + 20, &s);
	memcpy(b + 260, tail, sizeof(tail));
	T_PRINTS(b, 260 + sizeof(tail), CTL_PRINT_V | CTL_PRINT_E,
		 "PFSYNCv3 count 1: PFSYNC UPD ST:\n" UPD4_LINE1 UPD4_LINE2
		     UPD4_LINE3 UPD4_ID "\n");
}

/* INS and DEL print the state like UPD but never the updates counter. */
static void test_ins_del_two_records(void)
{
	uint8_t b[T_FRAME_MAX];
	struct t_st s;

	t_st_tcp4(&s);
	t_hdr(b, 3, PFS_V3_ACT_INS, 2);
	t_state(b + 20, &s);
	s.id = 0x10;
	s.src.wscale = 0; /* one side without scaling: no wscale shown */
	s.dst.seqdiff = 7;
	s.anchor = 2;
	t_state(b + 260, &s);
	T_PRINTS(b, 500, CTL_PRINT_V | CTL_PRINT_VV,
		 "PFSYNC INS ST:\n" UPD4_LINE1 UPD4_LINE2 UPD4_LINE3 UPD4_ID
		 "\n" UPD4_LINE1 "\t   [1000 + 65535](+5)  [2000 + 32768](+7)\n"
		 "\t   age 01:02:03, expires in 00:00:30, 10:20 pkts, "
		 "1000:2000 bytes, anchor 2, rule 4\n"
		 "\t   id: 0000000000000010 creatorid: 0a000001\n");
	b[2] = PFS_V3_ACT_DEL;
	T_PRINTS(b, 500, CTL_PRINT_E, "PFSYNCv3 count 2: PFSYNC DEL ST:\n");
}

static void test_ins_ipv6_rdr(void)
{
	uint8_t b[T_FRAME_MAX];
	struct t_st s;

	t_st_udp6(&s);
	t_hdr(b, 3, PFS_V3_ACT_INS, 1);
	t_state(b + 20, &s);
	T_PRINTS(b, 260, CTL_PRINT_V,
		 "PFSYNC INS ST:\n"
		 "\teth0 udp [fd00::1]:53 <- [fd00::2]:5353 <- [fd00::3]:4000"
		 "       MULTIPLE:SINGLE\n"
		 "\t   age 00:00:59, expires in 100:00:01, "
		 "1099511627776:0 pkts, 0:0 bytes\n"
		 "\t   id: ffeeddccbbaa9988 creatorid: deadbeef\n");
}

/* Outbound NAT on IPv4, ports 0 (left out), pfctl's "lan -> gwy -> ext". */
static void test_nat_ipv4_no_ports(void)
{
	uint8_t b[T_FRAME_MAX];
	struct t_st s;

	t_st_tcp4(&s);
	s.gwy[3] = 99;
	s.lport = s.gport = s.eport = 0;
	s.proto = 47;
	s.src.state = 2;
	s.dst.state = 1;
	t_hdr(b, 3, PFS_V3_ACT_UPD, 1);
	t_state(b + 20, &s);
	T_PRINTS(b, 260, CTL_PRINT_V,
		 "PFSYNC UPD ST:\n"
		 "\tall gre 10.0.0.1 -> 10.0.0.99 -> 10.0.0.2"
		 "       MULTIPLE:SINGLE\n" UPD4_LINE3 UPD4_ID "\n");
}

/* The state-level column: synproxy, bad TCP levels, ICMP, unknowns. */
static void test_levels(void)
{
	struct {
		uint8_t proto, s, d;
		const char *name, *want;
	} c[] = {
	    {6, 0, 10, "tcp", "CLOSED:TIME_WAIT"},
	    {6, 3, 9, "tcp", "SYN_RCVD:FIN_WAIT_2"},
	    {6, 11, 4, "tcp", "PROXY:SRC"},
	    {6, 4, 12, "tcp", "PROXY:DST"},
	    {6, 13, 4, "tcp", "<BAD STATE LEVELS 13:4>"},
	    {17, 0, 3, "udp", "0:3"},
	    {1, 1, 0, "icmp", "1:0"},
	    {58, 2, 0, "ipv6-icmp", "MULTIPLE:NO_TRAFFIC"},
	    {200, 1, 1, "200", "SINGLE:SINGLE"},
	};
	uint8_t b[T_FRAME_MAX];
	char want[256], *got;
	struct t_st s;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		t_st_tcp4(&s);
		s.proto = c[i].proto;
		s.src.state = c[i].s;
		s.dst.state = c[i].d;
		t_hdr(b, 3, PFS_V3_ACT_UPD, 1);
		t_state(b + 20, &s);
		snprintf(want, sizeof(want),
			 "PFSYNC UPD ST:\n\tall %s 10.0.0.1:1234 -> "
			 "10.0.0.2:80       %s\n",
			 c[i].name, c[i].want);
		got = t_print(b, 260, CTL_PRINT_V);
		/* the first two lines; the verbose lines are tested above */
		T_CHECK(strncmp(got, want, strlen(want)) == 0);
		if (strncmp(got, want, strlen(want)) != 0)
			fprintf(stderr, "got:\n%swant:\n%s", got, want);
		free(got);
	}
}

/* Hostile bytes: control characters in names, an unknown family. */
static void test_hostile_fields(void)
{
	uint8_t b[T_FRAME_MAX];
	struct t_st s;

	t_st_tcp4(&s);
	s.ifname = "e\x1b[2J\x07";
	s.af = 7;
	t_hdr(b, 3, PFS_V3_ACT_DEL, 1);
	t_state(b + 20, &s);
	T_PRINTS(b, 260, CTL_PRINT_V,
		 "PFSYNC DEL ST:\n"
		 "\te?[2J? tcp <af 7>:1234 -> <af 7>:80       "
		 "ESTABLISHED:ESTABLISHED\n" UPD4_LINE2 UPD4_LINE3 UPD4_ID
		 "\n");
}

/* The wire's af byte (offset 232) as it is: the codec turns a family it
 * does not know into 0, and 10 (Linux AF_INET6, unknown on the wire
 * where IPv6 is 24) must not print as an IPv6 address. */
static void test_unknown_af_as_on_wire(void)
{
	static const uint8_t afs[] = {0, 1, 7, 10, 28, 255};
	uint8_t b[T_FRAME_MAX];
	char want[256], *got;
	struct t_st s;
	size_t i;

	for (i = 0; i < sizeof(afs); i++) {
		t_st_tcp4(&s);
		s.af = afs[i];
		t_hdr(b, 3, PFS_V3_ACT_INS, 1);
		t_state(b + 20, &s);
		snprintf(want, sizeof(want),
			 "PFSYNC INS ST:\n\tall tcp <af %u>:1234 -> "
			 "<af %u>:80       ESTABLISHED:ESTABLISHED\n",
			 afs[i], afs[i]);
		got = t_print(b, 260, CTL_PRINT_V);
		T_CHECK(strncmp(got, want, strlen(want)) == 0);
		if (strncmp(got, want, strlen(want)) != 0)
			fprintf(stderr, "got:\n%swant:\n%s", got, want);
		free(got);
	}
	/* the second record keeps its own family byte */
	t_st_tcp4(&s);
	t_hdr(b, 3, PFS_V3_ACT_UPD, 2);
	t_state(b + 20, &s);
	s.af = 10;
	t_state(b + 260, &s);
	T_PRINTS(b, 500, CTL_PRINT_V,
		 "PFSYNC UPD ST:\n" UPD4_LINE1 UPD4_LINE2 UPD4_LINE3 UPD4_ID
		 "\n\tall tcp <af 10>:1234 -> <af 10>:80       "
		 "ESTABLISHED:ESTABLISHED\n" UPD4_LINE2 UPD4_LINE3 UPD4_ID
		 "\n");
}

/* direction (offset 234) past PF_OUT 2 and timeout (offset 237) past
 * the last class 19 are flagged after the levels, the way bad TCP
 * levels are; PF_INOUT 0 and class 19 are pf values, unflagged. */
static void test_bad_direction_timeout(void)
{
	struct {
		uint8_t dir, timeout, sstate;
		const char *arrow, *tail;
	} c[] = {
	    {2, 19, 4, "->", "ESTABLISHED:ESTABLISHED"},
	    {1, 0, 4, "<-", "ESTABLISHED:ESTABLISHED"},
	    {0, 2, 4, "<-", "ESTABLISHED:ESTABLISHED"},
	    {3, 2, 4, "<-", "ESTABLISHED:ESTABLISHED <BAD DIRECTION 3>"},
	    {255, 2, 4, "<-", "ESTABLISHED:ESTABLISHED <BAD DIRECTION 255>"},
	    {2, 20, 4, "->", "ESTABLISHED:ESTABLISHED <BAD TIMEOUT 20>"},
	    {2, 255, 4, "->", "ESTABLISHED:ESTABLISHED <BAD TIMEOUT 255>"},
	    {7, 23, 13, "<-",
	     "<BAD STATE LEVELS 4:13> <BAD DIRECTION 7> <BAD TIMEOUT 23>"},
	};
	uint8_t b[T_FRAME_MAX];
	char want[256], *got;
	struct t_st s;
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		t_st_tcp4(&s);
		s.dir = c[i].dir;
		s.timeout = c[i].timeout;
		s.src.state = c[i].sstate;
		t_hdr(b, 3, PFS_V3_ACT_UPD, 1);
		t_state(b + 20, &s);
		snprintf(want, sizeof(want),
			 "PFSYNC UPD ST:\n\tall tcp 10.0.0.1:1234 %s "
			 "10.0.0.2:80       %s\n",
			 c[i].arrow, c[i].tail);
		got = t_print(b, 260, CTL_PRINT_V);
		T_CHECK(strncmp(got, want, strlen(want)) == 0);
		if (strncmp(got, want, strlen(want)) != 0)
			fprintf(stderr, "got:\n%swant:\n%s", got, want);
		free(got);
	}
}

/* UPD_C's timeout (offset 80 of the 88-byte record) past the last class
 * is flagged at the end of the id line. */
static void test_upd_c_bad_timeout(void)
{
	uint8_t b[T_FRAME_MAX];

	t_hdr(b, 3, PFS_V3_ACT_UPD_C, 2);
	memset(b + 20, 0, 2 * PFS_V3_UPD_LEN);
	t_be64(b + 20, 1);
	t_be32(b + 20 + 72, 0x0a000001);
	b[20 + 80] = 19;
	t_be64(b + 108, 2);
	t_be32(b + 108 + 72, 0x0a000001);
	b[108 + 80] = 20;
	b[108 + 81] = 4;
	T_PRINTS(b, 196, CTL_PRINT_V,
		 "PFSYNC UPD ST COMP:\n"
		 "\tid: 0000000000000001 creatorid: 0a000001\n"
		 "\tid: 0000000000000002 creatorid: 0a000001"
		 " <BAD TIMEOUT 20>\n");
	T_PRINTS(b, 196, CTL_PRINT_V | CTL_PRINT_VV,
		 "PFSYNC UPD ST COMP:\n"
		 "\tid: 0000000000000001 creatorid: 0a000001 updates: 0\n"
		 "\tid: 0000000000000002 creatorid: 0a000001 updates: 4"
		 " <BAD TIMEOUT 20>\n");
}

static void test_upd_c(void)
{
	uint8_t b[T_FRAME_MAX];

	t_hdr(b, 3, PFS_V3_ACT_UPD_C, 2);
	memset(b + 20, 0, 2 * PFS_V3_UPD_LEN);
	t_be64(b + 20, 0x1122334455667788ull);
	t_be32(b + 20 + 72, 0x01020304);
	b[20 + 81] = 9;
	t_be64(b + 108, 2);
	t_be32(b + 108 + 72, 0xfffffffe);
	T_PRINTS(b, 196, 0, "PFSYNC UPD ST COMP:\n");
	T_PRINTS(b, 196, CTL_PRINT_V,
		 "PFSYNC UPD ST COMP:\n"
		 "\tid: 1122334455667788 creatorid: 01020304\n"
		 "\tid: 0000000000000002 creatorid: fffffffe\n");
	T_PRINTS(b, 196, CTL_PRINT_V | CTL_PRINT_VV,
		 "PFSYNC UPD ST COMP:\n"
		 "\tid: 1122334455667788 creatorid: 01020304 updates: 9\n"
		 "\tid: 0000000000000002 creatorid: fffffffe updates: 0\n");
}

static void test_del_c_and_ureq(void)
{
	uint8_t b[T_FRAME_MAX];

	t_hdr(b, 3, PFS_V3_ACT_DEL_C, 1);
	memset(b + 20, 0, 16);
	t_be64(b + 20, 0xabcdef);
	t_be32(b + 28, 0x0a000002);
	T_PRINTS(b, 36, CTL_PRINT_V | CTL_PRINT_VV | CTL_PRINT_E,
		 "PFSYNCv3 count 1: PFSYNC DEL ST COMP:\n"
		 "\tid: 0000000000abcdef creatorid: 0a000002\n");
	b[2] = PFS_V3_ACT_UREQ;
	t_be64(b + 20, 0);
	t_be32(b + 28, 0);
	T_PRINTS(b, 36, CTL_PRINT_V,
		 "PFSYNC UPD REQ:\n"
		 "\tid: 0000000000000000 creatorid: 00000000\n");
}

static void test_clr(void)
{
	uint8_t b[T_FRAME_MAX];

	t_hdr(b, 3, PFS_V3_ACT_CLR, 0);
	memset(b + 20, 0, PFS_V3_CLR_LEN);
	t_be32(b + 36, 0x0a000001);
	T_PRINTS(b, 44, 0, "PFSYNC CLR ST:\n");
	T_PRINTS(b, 44, CTL_PRINT_V | CTL_PRINT_E,
		 "PFSYNCv3 count 0: PFSYNC CLR ST:\n\tcreatorid: 0a000001\n");
	memcpy(b + 20, "em0", 3);
	T_PRINTS(b, 44, CTL_PRINT_V,
		 "PFSYNC CLR ST:\n\tcreatorid: 0a000001 interface: em0\n");
}

static void test_bus(void)
{
	uint8_t b[T_FRAME_MAX];

	t_hdr(b, 3, PFS_V3_ACT_BUS, 0);
	memset(b + 20, 0, PFS_V3_BUS_LEN);
	t_be32(b + 20, 0xc0a80001);
	b[28] = PFS_V3_BUS_START;
	T_PRINTS(b, 36, CTL_PRINT_V,
		 "PFSYNC BLK UPD STAT:\n"
		 "\tcreatorid: c0a80001 age 00:00:00 status: start\n");
	/* endtime is big-endian: 3725 s must read as 01:02:05 */
	t_be32(b + 24, 3725);
	b[28] = PFS_V3_BUS_END;
	T_PRINTS(b, 36, CTL_PRINT_V,
		 "PFSYNC BLK UPD STAT:\n"
		 "\tcreatorid: c0a80001 age 01:02:05 status: end\n");
	b[28] = 7;
	T_PRINTS(b, 36, CTL_PRINT_V,
		 "PFSYNC BLK UPD STAT:\n"
		 "\tcreatorid: c0a80001 age 01:02:05 status: 7\n");
	/* pfsyncd's END from a node still waiting for its own bulk */
	b[28] = 0x82;
	T_PRINTS(b, 36, CTL_PRINT_V,
		 "PFSYNC BLK UPD STAT:\n"
		 "\tcreatorid: c0a80001 age 01:02:05 status: end-unsynced\n");
}

static void test_tdb_and_frag(void)
{
	uint8_t b[T_FRAME_MAX];

	t_hdr(b, 3, PFS_V3_ACT_TDB_UPD, 1);
	memset(b + 20, 0, PFS_V3_TDB_LEN);
	t_be32(b + 20, 0x1000);
	t_be32(b + 52, 16384);
	t_be64(b + 56, 5000000000ull);
	T_PRINTS(b, 68, CTL_PRINT_V,
		 "PFSYNC TDB UPD:\n"
		 "\tspi: 00001000 rpl: 16384 cur_bytes: 5000000000\n");
	t_hdr(b, 3, PFS_V3_ACT_INS_F, 4);
	T_PRINTS(b, 20, CTL_PRINT_V | CTL_PRINT_E,
		 "PFSYNCv3 count 4: PFSYNC INS FR:\n");
	b[2] = PFS_V3_ACT_DEL_F;
	T_PRINTS(b, 20, 0, "PFSYNC DEL FR:\n");
}

static void test_refused(void)
{
	uint8_t b[T_FRAME_MAX];
	size_t n;

	t_hdr(b, 3, PFS_V3_ACT_UPD, 0);
	for (n = 0; n < PFS_V3_HDR_LEN; n++)
		T_PRINTS(b, n, CTL_PRINT_V | CTL_PRINT_E, "[|pfsync]\n");
	T_PRINTS(b, 20, CTL_PRINT_V, "PFSYNC UPD ST:\n");
	t_hdr(b, 4, PFS_V3_ACT_UPD, 1);
	T_PRINTS(b, 20, CTL_PRINT_V, "PFSYNC: bad header (version 4)\n");
	t_hdr(b, 3, 11, 1);
	T_PRINTS(b, 20, 0, "PFSYNC: bad header (action 11)\n");
	t_hdr(b, 3, 255, 1);
	T_PRINTS(b, 20, 0, "PFSYNC: bad header (action 255)\n");
}

/* Records cut short: the complete ones are still printed. */
static void test_truncated(void)
{
	uint8_t b[T_FRAME_MAX];
	struct t_st s;
	size_t n;

	t_st_tcp4(&s);
	t_hdr(b, 3, PFS_V3_ACT_UPD, 2);
	t_state(b + 20, &s);
	t_state(b + 260, &s);
	T_PRINTS(b, 499, CTL_PRINT_V,
		 "PFSYNC UPD ST: [|pfsync]\n" UPD4_LINE1 UPD4_LINE2 UPD4_LINE3
		     UPD4_ID "\n");
	T_PRINTS(b, 259, CTL_PRINT_V | CTL_PRINT_E,
		 "PFSYNCv3 count 2: PFSYNC UPD ST: [|pfsync]\n");
	t_hdr(b, 3, PFS_V3_ACT_BUS, 0);
	T_PRINTS(b, 35, CTL_PRINT_V, "PFSYNC BLK UPD STAT: [|pfsync]\n");
	/* every length of every action: never crash, always one header */
	for (b[2] = 0; b[2] < PFS_V3_ACT_MAX; b[2]++) {
		b[3] = 6;
		for (n = 0; n < 20 + 6 * 240; n += 7) {
			char *got = t_print(b, n, CTL_PRINT_V | CTL_PRINT_VV);

			T_CHECK(got[0] != '\0' && got[strlen(got) - 1] == '\n');
			free(got);
		}
	}
}

static void test_print_state_plain(void)
{
	struct pfs_state st;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	memset(&st, 0, sizeof(st));
	memcpy(st.ifname, "all", 3);
	st.af = 2; /* AF_INET */
	st.proto = 6;
	st.direction = PFS_DIR_IN;
	st.lan.addr.a[0] = st.gwy.addr.a[0] = 192;
	st.lan.port = st.gwy.port = 22;
	st.ext.addr.a[0] = 10;
	st.ext.port = 5555;
	st.src.state = PFS_TCPS_SYN_SENT;
	st.dst.state = PFS_TCPS_SYN_RECEIVED;
	f = open_memstream(&text, &len);
	ctl_print_state(f, &st, 0, "");
	fclose(f);
	/* inbound: peers swapped so they follow "lan <- ext" */
	T_CHECK(t_streq(text,
			"all tcp 192.0.0.0:22 <- 10.0.0.0:5555       "
			"SYN_RCVD:SYN_SENT\n",
			__LINE__));
	free(text);
	T_CHECK(strcmp(pfs_format_tcp_state_name(3), "SYN_RCVD") == 0);
	T_CHECK(pfs_format_tcp_state_name(11) == NULL);
}

/*
 * Random bytes behind a valid version byte, every action, random lengths
 * and counts: the printer must stay in bounds (ASan) and always end its
 * output with a newline.
 */
static void test_random_frames(void)
{
	static uint8_t b[T_FRAME_MAX];
	uint32_t x = 0x12345678;
	size_t i, n;
	int round;

	for (round = 0; round < 3000; round++) {
		for (i = 0; i < sizeof(b); i++) {
			x = x * 1103515245u + 12345u;
			b[i] = (uint8_t)(x >> 16);
		}
		b[0] = PFS_V3_VERSION;
		b[2] = (uint8_t)(round % (PFS_V3_ACT_MAX + 1));
		n = (size_t)(x % sizeof(b));
		{
			char *got = t_print(
			    b, n, CTL_PRINT_V | CTL_PRINT_VV | CTL_PRINT_E);

			T_CHECK(got[0] != '\0' && got[strlen(got) - 1] == '\n');
			free(got);
		}
	}
}

int main(void)
{
	T_RUN(test_upd_ipv4);
	T_RUN(test_ins_del_two_records);
	T_RUN(test_ins_ipv6_rdr);
	T_RUN(test_nat_ipv4_no_ports);
	T_RUN(test_levels);
	T_RUN(test_hostile_fields);
	T_RUN(test_unknown_af_as_on_wire);
	T_RUN(test_bad_direction_timeout);
	T_RUN(test_upd_c_bad_timeout);
	T_RUN(test_upd_c);
	T_RUN(test_del_c_and_ureq);
	T_RUN(test_clr);
	T_RUN(test_bus);
	T_RUN(test_tdb_and_frag);
	T_RUN(test_refused);
	T_RUN(test_truncated);
	T_RUN(test_print_state_plain);
	T_RUN(test_random_frames);
	T_RUN(test_upd_with_extras_and_trailer);
	return t_done();
}
