/*
 * test_dialect.c - the dialect seam: neutral messages framed as v3, v5
 * (each state format) and v6 and walked back (a round-trip oracle per
 * dialect), a state carried from one dialect to another against bytes
 * written by hand from the reference offsets (pfsync-v3.md §2,
 * pfsync-modern.md §1.5 and §2.2), badval counting of the translation
 * rules, refusals, and packet limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/dialect.h"
#include "pfsync/stats.h"
#include "t.h"
#include "t_bsd.h"

/* --- collecting messages -------------------------------------------------- */

#define MAXMSG 16

struct got {
	struct pfs_msg m[MAXMSG];
	struct pfs_state st[MAXMSG];
	size_t n;
	size_t stop_after; /* 0 = never */
};

static int collect(const struct pfs_msg *m, void *arg)
{
	struct got *g = arg;

	if (g->n == MAXMSG)
		return 1;
	g->m[g->n] = *m;
	if (m->kind == PFS_MSG_INS || m->kind == PFS_MSG_UPD) {
		g->st[g->n] = *m->u.state;
		g->m[g->n].u.state = &g->st[g->n];
	}
	g->n++;
	return g->stop_after != 0 && g->n >= g->stop_after;
}

/* --- fixtures ------------------------------------------------------------- */

static void fx_peer(struct pfs_peer *p, uint8_t k)
{
	memset(p, 0, sizeof(*p));
	p->seqlo = 1000u * (k + 1);
	p->seqhi = p->seqlo + 65535;
	p->max_win = 512;
	p->state = PFS_TCPS_ESTABLISHED;
	p->wscale = (uint8_t)(0x80 | k);
}

static void fx_state(struct pfs_state *st, uint8_t k)
{
	memset(st, 0, sizeof(*st));
	st->id = 0x5f00000000000000ULL + k;
	strcpy(st->ifname, "em0");
	if (k == 0) {
		t_host4(&st->lan, 10, 0, 0, 1, 1234);
		t_host4(&st->gwy, 192, 0, 2, 1, 40000);
		t_host4(&st->ext, 198, 51, 100, 7, 443);
	} else {
		st->lan.addr.a[0] = 0x20;
		st->lan.addr.a[15] = 7;
		st->lan.port = 53;
		st->gwy = st->lan;
		st->ext.addr.a[0] = 0xfd;
		st->ext.addr.a[15] = 1;
		st->ext.port = 5353;
	}
	fx_peer(&st->src, 0);
	fx_peer(&st->dst, 1);
	st->rule = 4;
	st->anchor = PFS_NO_RULE;
	st->nat_rule = PFS_NO_RULE;
	st->creation = 100;
	st->expire = 30;
	st->packets[0] = 10;
	st->bytes[1] = 2000;
	st->creatorid = 0x0a000001;
	st->af = k ? AF_INET6 : AF_INET;
	st->proto = k ? 17 : 6;
	st->direction = k ? PFS_DIR_IN : PFS_DIR_OUT;
	st->allow_opts = k;
	st->timeout = k ? PFS_TM_UDP_MULTIPLE : PFS_TM_TCP_ESTABLISHED;
	st->updates = 3;
}

/* The message list every round trip sends. */
static size_t fx_msgs(struct pfs_msg *m, struct pfs_state *st)
{
	size_t n = 0;

	fx_state(&st[0], 0);
	fx_state(&st[1], 1);
	memset(m, 0, MAXMSG * sizeof(*m));
	m[n].kind = PFS_MSG_INS;
	m[n++].u.state = &st[0];
	m[n].kind = PFS_MSG_INS;
	m[n++].u.state = &st[1];
	m[n].kind = PFS_MSG_UPD;
	m[n++].u.state = &st[0];
	m[n].kind = PFS_MSG_UPD_C;
	m[n].u.upd_c.id = 7;
	m[n].u.upd_c.creatorid = 8;
	fx_peer(&m[n].u.upd_c.src, 2);
	fx_peer(&m[n].u.upd_c.dst, 3);
	m[n].u.upd_c.timeout = PFS_TM_TCP_CLOSING;
	m[n++].u.upd_c.expire = 0;
	m[n].kind = PFS_MSG_DEL;
	m[n].u.ref.id = 9;
	m[n++].u.ref.creatorid = 10;
	m[n].kind = PFS_MSG_CLR;
	strcpy(m[n].u.clr.ifname, "em1");
	m[n++].u.clr.creatorid = 11;
	m[n].kind = PFS_MSG_UREQ; /* id 0, creator 0: a bulk request */
	n++;
	m[n].kind = PFS_MSG_BUS;
	m[n].u.bus.creatorid = 12;
	m[n].u.bus.endtime = 13;
	m[n++].u.bus.status = 2;
	m[n].kind = PFS_MSG_INS_ACK;
	m[n].u.ref.id = 14;
	m[n++].u.ref.creatorid = 15;
	return n;
}

static int msg_eq(const struct pfs_msg *a, const struct pfs_msg *b,
		  int no_updates)
{
	struct pfs_state sa;

	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case PFS_MSG_INS:
	case PFS_MSG_UPD:
		sa = *a->u.state;
		if (no_updates)
			sa.updates = 0;
		return t_state_eq(&sa, b->u.state);
	case PFS_MSG_UPD_C:
		return a->u.upd_c.id == b->u.upd_c.id &&
		       a->u.upd_c.creatorid == b->u.upd_c.creatorid &&
		       t_peer_eq(&a->u.upd_c.src, &b->u.upd_c.src) &&
		       t_peer_eq(&a->u.upd_c.dst, &b->u.upd_c.dst) &&
		       a->u.upd_c.expire == b->u.upd_c.expire &&
		       a->u.upd_c.timeout == b->u.upd_c.timeout &&
		       b->u.upd_c.updates == 0;
	case PFS_MSG_CLR:
		return strcmp(a->u.clr.ifname, b->u.clr.ifname) == 0 &&
		       a->u.clr.creatorid == b->u.clr.creatorid;
	case PFS_MSG_BUS:
		return a->u.bus.creatorid == b->u.bus.creatorid &&
		       a->u.bus.endtime == b->u.bus.endtime &&
		       a->u.bus.status == b->u.bus.status;
	default:
		return a->u.ref.id == b->u.ref.id &&
		       a->u.ref.creatorid == b->u.ref.creatorid;
	}
}

/* --- round trips ---------------------------------------------------------- */

static void round_trip(enum pfs_dialect_id d, unsigned fmt)
{
	uint8_t buf[1500];
	struct pfs_msg m[MAXMSG];
	struct pfs_state st[2];
	struct pfs_framer f;
	struct pfs_rx_result r;
	struct got g;
	size_t n = fx_msgs(m, st), i, len;

	T_EQ(pfs_framer_init(&f, d, fmt, buf, sizeof(buf)), 0);
	T_CHECK(pfs_framer_empty(&f));
	for (i = 0; i < n; i++)
		T_EQ(pfs_framer_add(&f, &m[i]), 0);
	len = pfs_framer_finish(&f);
	T_CHECK(len > 0);
	T_EQ(buf[0], d);
	memset(&g, 0, sizeof(g));
	T_EQ(pfs_dialect_rx(buf, len, collect, &g, &r), 0);
	T_EQ(r.dialect, d);
	T_EQ(r.fmt, fmt);
	T_EQ(r.badval, 0);
	T_EQ(g.n, n);
	for (i = 0; i < n && i < g.n; i++)
		T_CHECK(msg_eq(&m[i], &g.m[i], fmt == 1500));
}

static void test_round_trip_v6(void)
{
	round_trip(PFS_DIALECT_V6, 0);
}

static void test_round_trip_v5(void)
{
	round_trip(PFS_DIALECT_V5, 1301);
	round_trip(PFS_DIALECT_V5, 1400);
	round_trip(PFS_DIALECT_V5, 1500);
}

/* v3: one action per packet; CLR and BUS alone with count 0. */
static void test_v3_framing(void)
{
	uint8_t buf[1500];
	struct pfs_msg m[MAXMSG];
	struct pfs_state st[2];
	struct pfs_framer f;
	struct pfs_rx_result r;
	struct got g;
	size_t len;

	fx_msgs(m, st);
	T_EQ(pfs_framer_init(&f, PFS_DIALECT_V3, 0, buf, sizeof(buf)), 0);
	T_EQ(pfs_framer_finish(&f), 0);
	T_EQ(pfs_framer_add(&f, &m[0]), 0);
	T_EQ(pfs_framer_add(&f, &m[1]), 0);
	T_EQ(pfs_framer_add(&f, &m[2]), PFS_FRAME_FULL);
	T_EQ(pfs_framer_add(&f, &m[8]), -1); /* INS_ACK */
	len = pfs_framer_finish(&f);
	T_EQ(len, 20 + 2 * 240);
	T_CHECK(buf[0] == 3 && buf[1] == 0 && buf[2] == 1 && buf[3] == 2);
	memset(&g, 0, sizeof(g));
	T_EQ(pfs_dialect_rx(buf, len, collect, &g, &r), 0);
	T_EQ(g.n, 2);
	T_CHECK(g.n == 2 && msg_eq(&m[0], &g.m[0], 0) &&
		msg_eq(&m[1], &g.m[1], 0));
	pfs_framer_init(&f, PFS_DIALECT_V3, 0, buf, sizeof(buf));
	T_EQ(pfs_framer_add(&f, &m[5]), 0); /* CLR */
	T_EQ(pfs_framer_add(&f, &m[5]), PFS_FRAME_FULL);
	len = pfs_framer_finish(&f);
	T_EQ(len, 20 + 24);
	T_CHECK(buf[2] == 0 && buf[3] == 0);
	memset(&g, 0, sizeof(g));
	T_EQ(pfs_dialect_rx(buf, len, collect, &g, &r), 0);
	T_CHECK(g.n == 1 && msg_eq(&m[5], &g.m[0], 0));
	/* UPD_C keeps its updates counter in v3 */
	pfs_framer_init(&f, PFS_DIALECT_V3, 0, buf, sizeof(buf));
	m[3].u.upd_c.updates = 5;
	T_EQ(pfs_framer_add(&f, &m[3]), 0);
	len = pfs_framer_finish(&f);
	memset(&g, 0, sizeof(g));
	pfs_dialect_rx(buf, len, collect, &g, &r);
	T_CHECK(g.n == 1 && g.m[0].u.upd_c.updates == 5);
}

/* --- one state across dialects, against hand-written bytes ---------------- */

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

static void peer(uint8_t *p, uint8_t k)
{
	be32(p + 8, 1000u * (k + 1));
	be32(p + 12, 1000u * (k + 1) + 65535);
	be16(p + 20, 512);
	p[24] = 4;
	p[25] = (uint8_t)(0x80 | k);
}

/* The 0..231 prefix of v5 (keys 36) or 0..235 of v6 (keys 40): fixture
 * state 0, outbound NAT 10.0.0.1:1234 (192.0.2.1:40000) -> 198.51.100.7:443.
 * Returns the offset of the peers. */
static size_t keys(uint8_t *b, size_t keylen)
{
	size_t k;

	be64(b, 0x5f00000000000000ULL);
	memcpy(b + 8, "em0", 3);
	for (k = 0; k < 2; k++) {
		uint8_t *key = b + 24 + k * keylen;

		key[0] = 198, key[1] = 51, key[2] = 100, key[3] = 7;
		if (k == 0)
			key[16] = 192, key[17] = 0, key[18] = 2, key[19] = 1;
		else
			key[16] = 10, key[17] = 0, key[18] = 0, key[19] = 1;
		be16(key + 32, 443);
		be16(key + 34, k == 0 ? 40000 : 1234);
		if (keylen == 40)
			key[38] = 2; /* OpenBSD key af */
	}
	return 24 + 2 * keylen;
}

/* peers, rt_addr (0), rule .. creatorid, from offset p */
static void middle(uint8_t *b, size_t p)
{
	peer(b + p, 0);
	peer(b + p + 32, 1);
	be32(b + p + 80, 4);
	be32(b + p + 84, 0xffffffff);
	be32(b + p + 88, 0xffffffff);
	be32(b + p + 92, 100);
	be32(b + p + 96, 30);
	be64(b + p + 100, 10);
	be64(b + p + 124, 2000);
	be32(b + p + 132, 0x0a000001);
}

/* OpenBSD v6 packet: header + INS section of fixture state 0. */
static size_t pkt_v6(uint8_t *b)
{
	uint8_t *s = b + 24;

	memset(b, 0, 288);
	b[0] = 6;
	be16(b + 2, 288);
	b[20] = 13, b[21] = 66, be16(b + 22, 1);
	middle(s, keys(s, 40));
	be32(s + 240, 0xffffffff); /* rtableid: none */
	be32(s + 244, 0xffffffff);
	s[250] = 2, s[251] = 6, s[252] = 2, s[255] = 2, s[257] = 3;
	return 288;
}

/* FreeBSD v5 1400 packet: header + INS_1400 + EOF. */
static size_t pkt_1400(uint8_t *b)
{
	uint8_t *s = b + 24;

	memset(b, 0, 305);
	b[0] = 5;
	be16(b + 2, 305);
	b[20] = 13, be16(b + 22, 1);
	middle(s, keys(s, 36));
	s[232] = 2, s[233] = 6, s[234] = 2, s[239] = 2, s[241] = 3;
	be32(s + 250, 0xffffffff); /* rtableid */
	b[301] = 12, be16(b + 303, 1);
	return 305;
}

/* NetBSD v3 packet: header (INS, count 1) + the 240-byte state. */
static size_t pkt_v3(uint8_t *b)
{
	uint8_t *s = b + 20;

	memset(b, 0, 260);
	b[0] = 3, b[2] = 1, b[3] = 1;
	be64(s, 0x5f00000000000000ULL);
	memcpy(s + 8, "em0", 3);
	s[24] = 10, s[27] = 1, be16(s + 40, 1234);		/* lan */
	s[48] = 192, s[50] = 2, s[51] = 1, be16(s + 64, 40000); /* gwy */
	s[72] = 198, s[73] = 51, s[74] = 100, s[75] = 7;
	be16(s + 88, 443); /* ext */
	middle(s, 96);
	s[232] = 2, s[233] = 6, s[234] = 2, s[237] = 2, s[239] = 3;
	return 260;
}

/* Receive `in`, frame every message in dialect d, compare with `want`. */
static void bridge(const uint8_t *in, size_t inlen, enum pfs_dialect_id d,
		   unsigned fmt, const uint8_t *want, size_t wantlen)
{
	uint8_t out[1500];
	struct pfs_framer f;
	struct pfs_rx_result r;
	struct got g;
	size_t i, len;

	memset(&g, 0, sizeof(g));
	T_EQ(pfs_dialect_rx(in, inlen, collect, &g, &r), 0);
	T_EQ(g.n, 1);
	pfs_framer_init(&f, d, fmt, out, sizeof(out));
	for (i = 0; i < g.n; i++)
		T_EQ(pfs_framer_add(&f, &g.m[i]), 0);
	len = pfs_framer_finish(&f);
	T_EQ(len, wantlen);
	T_CHECK(len == wantlen && memcmp(out, want, len) == 0);
}

static void test_bridge(void)
{
	uint8_t v6[288], v5[305], v3[260];

	pkt_v6(v6);
	pkt_1400(v5);
	pkt_v3(v3);
	bridge(v6, sizeof(v6), PFS_DIALECT_V5, 1400, v5, sizeof(v5));
	bridge(v5, sizeof(v5), PFS_DIALECT_V6, 0, v6, sizeof(v6));
	bridge(v6, sizeof(v6), PFS_DIALECT_V3, 0, v3, sizeof(v3));
	bridge(v3, sizeof(v3), PFS_DIALECT_V6, 0, v6, sizeof(v6));
	bridge(v3, sizeof(v3), PFS_DIALECT_V5, 1400, v5, sizeof(v5));
}

/* --- what is refused ------------------------------------------------------ */

/* States breaking the receive checks or our rules are dropped, counted. */
static void test_badval(void)
{
	uint8_t b[20 + 4 + 4 * 264];
	struct pfs_rx_result r;
	struct got g;
	size_t i;

	pkt_v6(b);
	for (i = 1; i < 4; i++)
		memcpy(b + 24 + i * 264, b + 24, 264);
	be16(b + 2, sizeof(b));
	be16(b + 22, 4);
	b[24 + 264 + 255] = PFS_TM_MAX;	     /* timeout */
	be16(b + 24 + 2 * 264 + 24 + 36, 1); /* rdomain 1 */
	b[24 + 3 * 264 + 64 + 38] = 24;	     /* af-to: stack key IPv6 */
	memset(&g, 0, sizeof(g));
	T_EQ(pfs_dialect_rx(b, sizeof(b), collect, &g, &r), 0);
	T_EQ(g.n, 1);
	T_EQ(r.badval, 3);
	/* FreeBSD's AF_INET6 (28) in an OpenBSD state is not a family */
	b[24 + 250] = 28;
	be16(b + 2, 288);
	be16(b + 22, 1);
	memset(&g, 0, sizeof(g));
	T_EQ(pfs_dialect_rx(b, 288, collect, &g, &r), 0);
	T_EQ(g.n, 0);
	T_EQ(r.badval, 1);
}

static void test_refused(void)
{
	uint8_t b[305];
	struct pfs_rx_result r;
	struct got g;

	memset(&g, 0, sizeof(g));
	memset(b, 0, sizeof(b));
	T_EQ(pfs_dialect_rx(b, 0, collect, &g, &r), PFS_STAT_HDROPS);
	b[0] = 4;
	T_EQ(pfs_dialect_rx(b, 20, collect, &g, &r), PFS_STAT_BADVER);
	T_EQ(pfs_dialect_rx(b, 10, collect, &g, &r), PFS_STAT_HDROPS);
	/* v5: a good section, then an unknown action: one message, badact */
	pkt_1400(b);
	b[301] = 17;
	T_EQ(pfs_dialect_rx(b, sizeof(b), collect, &g, &r), PFS_STAT_BADACT);
	T_EQ(r.refused, PFS_STAT_BADACT);
	T_EQ(g.n, 1);
	/* fn may stop the walk */
	pkt_1400(b);
	memset(&g, 0, sizeof(g));
	g.stop_after = 1;
	T_EQ(pfs_dialect_rx(b, sizeof(b), collect, &g, &r), 0);
	T_EQ(g.n, 1);
}

/*
 * M4: a 9 KB v6 packet of {01 00 ff ff} subheaders (OINS, records of
 * zero words, count 65 535).  Each section costs 4 bytes; its records
 * are counted as skipped but never visited, so the walk's work is
 * bounded by the packet's bytes, not by 2 299 x 65 535 iterations.
 * v5 too: its only zero-length actions are refused or end the walk.
 */
static void test_zero_stride(void)
{
	enum { LEN = 9216, NSEC = (LEN - 20) / 4 };
	static uint8_t b[LEN];
	struct pfs_rx_result r;
	struct got g;
	size_t i;

	memset(&g, 0, sizeof(g));
	memset(b, 0, sizeof(b));
	b[0] = 6;
	be16(b + 2, (uint16_t)(20 + 4 * NSEC));
	for (i = 0; i < NSEC; i++) {
		b[20 + 4 * i] = 1;
		be16(b + 20 + 4 * i + 2, 0xffff);
	}
	T_EQ(pfs_dialect_rx(b, 20 + 4 * NSEC, collect, &g, &r), 0);
	T_EQ(g.n, 0);
	T_CHECK(r.walked <= LEN / 4);
	T_EQ(r.walked, 0);
	T_EQ(r.skipped, (unsigned)NSEC * 0xffff);
	/* the same subheaders in v5: INS_1301 of 65 535 records is badlen */
	b[0] = 5;
	T_EQ(pfs_dialect_rx(b, 20 + 4 * NSEC, collect, &g, &r),
	     PFS_STAT_BADLEN);
	T_EQ(r.walked, 0);
	/* v5 EOF (12) of count 65 535, not last: badlen, nothing walked */
	for (i = 0; i < NSEC; i++)
		b[20 + 4 * i] = 12;
	T_EQ(pfs_dialect_rx(b, 20 + 4 * NSEC, collect, &g, &r),
	     PFS_STAT_BADLEN);
	T_EQ(r.walked, 0);
}

/* A full packet says so; a message that never fits is an error. */
static void test_limits(void)
{
	uint8_t buf[20 + 4 + 2 * 264 + 10];
	struct pfs_msg m[MAXMSG];
	struct pfs_state st[2];
	struct pfs_framer f;

	fx_msgs(m, st);
	T_EQ(pfs_framer_init(&f, PFS_DIALECT_V6, 0, buf, sizeof(buf)), 0);
	T_EQ(pfs_framer_add(&f, &m[0]), 0);
	T_EQ(pfs_framer_add(&f, &m[0]), 0);
	T_EQ(pfs_framer_add(&f, &m[0]), PFS_FRAME_FULL);
	T_EQ(pfs_framer_finish(&f), 20 + 4 + 2 * 264);
	T_EQ(pfs_framer_init(&f, PFS_DIALECT_V6, 0, buf, 100), 0);
	T_EQ(pfs_framer_add(&f, &m[0]), -1);
	T_EQ(pfs_framer_init(&f, PFS_DIALECT_V5, 1234, buf, sizeof(buf)), -1);
	T_EQ(pfs_framer_init(&f, (enum pfs_dialect_id)4, 0, buf, 100), -1);
	T_EQ(pfs_framer_init(&f, PFS_DIALECT_V3, 0, buf, 10), -1);
}

int main(void)
{
	T_RUN(test_round_trip_v6);
	T_RUN(test_round_trip_v5);
	T_RUN(test_v3_framing);
	T_RUN(test_bridge);
	T_RUN(test_badval);
	T_RUN(test_refused);
	T_RUN(test_limits);
	T_RUN(test_zero_stride);
	return t_done();
}
