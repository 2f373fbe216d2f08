/*
 * test_wire_xst.c - the pfsyncd state-extras section (wire_xst.h) from
 * bytes written by hand from its layout; the table's out-of-line extras
 * and zones in the flow key; two engines carrying mark, zone, labels and
 * a second translation, and what a NetBSD receiver (the v3 frame parser,
 * which checks only that the records fit) makes of the same packet.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/buf.h"
#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/wire_ext.h"
#include "pfsync/wire_v3.h"
#include "pfsync/wire_xst.h"
#include "sim.h"
#include "t.h"

/*
 * Two UPD_C records (zeros: only their count and length matter here),
 * then a section of two entries, then a DATA trailer:
 *   F6 01 0032          magic, version 1, 50 bytes in all
 *   00 03 06            record 0: mark and zone, 6 bytes
 *      00000abc 0007    mark 0xabc, zone 7
 *   01 0c 22            record 1: labels and nat2, 34 bytes
 *      01 00 .. 00 80   labels: bits 0 and 127
 *      0a000005 0..0    nat2 10.0.0.5
 *      1f90             port 8080
 */
static const uint8_t sect[50] = {
    0xf6, 0x01, 0x00, 0x32, 0x00, 0x03, 0x06, 0x00, 0x00, 0x0a,
    0xbc, 0x00, 0x07, 0x01, 0x0c, 0x22, 0x01, 0,    0,	  0,
    0,	  0,	0,    0,    0,	  0,	0,    0,    0,	  0,
    0,	  0x80, 0x0a, 0x00, 0x00, 0x05, 0,    0,    0,	  0,
    0,	  0,	0,    0,    0,	  0,	0,    0,    0x1f, 0x90,
};
static const uint8_t data_trailer[12] = {0xf5, 0x11, 0x80, 0x00, 0, 0,
					 0,    9,    0,	   0,	 0, 1};

/* header UPD_C count 2, two zero records, the section, the trailer */
static size_t golden_pkt(uint8_t *p, bool trailer)
{
	size_t n = 20 + 2 * 88;

	memset(p, 0, n);
	p[0] = 3;
	p[2] = PFS_V3_ACT_UPD_C;
	p[3] = 2;
	memcpy(p + n, sect, sizeof(sect));
	n += sizeof(sect);
	if (trailer) {
		memcpy(p + n, data_trailer, sizeof(data_trailer));
		n += sizeof(data_trailer);
	}
	return n;
}

static void want_golden(const struct pfs_stx *x)
{
	T_EQ(x[0].has, PFS_STX_MARK | PFS_STX_ZONE);
	T_EQ(x[0].mark, 0xabc);
	T_EQ(x[0].zone, 7);
	T_EQ(x[1].has, PFS_STX_LABELS | PFS_STX_NAT2);
	T_EQ(x[1].labels[0], 0x01);
	T_EQ(x[1].labels[15], 0x80);
	T_EQ(x[1].nat2.addr.a[0], 10);
	T_EQ(x[1].nat2.addr.a[3], 5);
	T_EQ(x[1].nat2.port, 8080);
	T_EQ(x[1].mark, 0);
}

static void test_golden_get(void)
{
	uint8_t p[300];
	struct pfs_stx x[2];
	struct pfs_v3_frame f;
	struct pfs_ext e;
	size_t n = golden_pkt(p, true), span;

	T_EQ(pfs_xst_get(p, n, 196, 2, x, &span), 50);
	T_EQ(span, 50);
	want_golden(x);
	/* the trailer still follows the section */
	T_EQ(pfs_ext_get(p, n, 196 + span, &e), 0);
	T_EQ(e.kind, PFS_EXT_DATA);
	T_EQ(e.arg, PFS_EXT_ARG_XST);
	/* without the trailer too */
	n = golden_pkt(p, false);
	T_EQ(pfs_xst_get(p, n, 196, 2, x, &span), 50);
	want_golden(x);
	/* a NetBSD receiver: the two records it is told of, nothing else */
	n = golden_pkt(p, true);
	T_EQ(pfs_v3_frame_parse(p, n, &f), 0);
	T_EQ(f.nrec, 2);
	T_EQ(f.reclen, 88);
}

/* The example in pfsyncd(8) STATE EXTRAS: one record, mark 42, zone 7. */
static void test_man_example(void)
{
	static const uint8_t ex[13] = {0xf6, 0x01, 0x00, 0x0d, 0x00, 0x03, 0x06,
				       0x00, 0x00, 0x00, 0x2a, 0x00, 0x07};
	struct pfs_stx x = {
	    .has = PFS_STX_MARK | PFS_STX_ZONE, .mark = 42, .zone = 7};
	uint8_t b[16];
	struct pfs_wbuf wb;
	size_t span;

	pfs_wbuf_init(&wb, b, sizeof(b));
	pfs_xst_put(&wb, &x, 1);
	T_EQ(wb.off, sizeof(ex));
	T_MEMEQ(b, ex, sizeof(ex));
	memset(&x, 0, sizeof(x));
	T_EQ(pfs_xst_get(ex, sizeof(ex), 0, 1, &x, &span), 13);
	T_EQ(x.mark, 42);
	T_EQ(x.zone, 7);
}

static void test_golden_put(void)
{
	struct pfs_stx x[3];
	uint8_t b[64];
	struct pfs_wbuf wb;

	memset(x, 0, sizeof(x));
	x[0].has = PFS_STX_MARK | PFS_STX_ZONE;
	x[0].mark = 0xabc;
	x[0].zone = 7;
	x[1].has = PFS_STX_LABELS | PFS_STX_NAT2;
	x[1].labels[0] = 0x01;
	x[1].labels[15] = 0x80;
	x[1].nat2.addr.a[0] = 10;
	x[1].nat2.addr.a[3] = 5;
	x[1].nat2.port = 8080;
	pfs_wbuf_init(&wb, b, sizeof(b));
	pfs_xst_put(&wb, x, 2);
	T_CHECK(!wb.err);
	T_EQ(wb.off, sizeof(sect));
	T_MEMEQ(b, sect, sizeof(sect));
	T_EQ(pfs_xst_ent_len(&x[0]), 9);
	T_EQ(pfs_xst_ent_len(&x[1]), 37);
	/* no record with extras: the bare header, "none of these has any" */
	pfs_wbuf_init(&wb, b, sizeof(b));
	pfs_xst_put(&wb, &x[2], 1);
	T_EQ(wb.off, 4);
	T_EQ(b[0], 0xf6);
	T_EQ(b[3], 4);
	pfs_wbuf_init(&wb, b, 10);
	pfs_xst_put(&wb, x, 2);
	T_CHECK(wb.err); /* does not fit */
}

static void test_rejects(void)
{
	uint8_t p[300];
	struct pfs_stx x[2];
	size_t n = golden_pkt(p, false), span;

	/* no section: other magic, other version, bytes that are neither
	 * nothing nor a trailer after it */
	p[196] = 0xf5;
	T_EQ(pfs_xst_get(p, n, 196, 2, x, &span), 0);
	T_EQ(span, 0);
	p[196] = 0xf6;
	p[197] = 2;
	T_EQ(pfs_xst_get(p, n, 196, 2, x, &span), 0);
	p[197] = 1;
	T_EQ(pfs_xst_get(p, n + 1, 196, 2, x, &span), 0);
	T_EQ(pfs_xst_get(p, n - 1, 196, 2, x, &span), 0);
	T_EQ(pfs_xst_get(p, 196 + 3, 196, 2, x, &span), 0);
	/* a section, invalid: index past the records, a repeated index, a
	 * length too short for the flags; nothing is kept */
	T_EQ(pfs_xst_get(p, n, 196, 1, x, &span), -1);
	T_EQ(span, 50);
	T_EQ(x[0].has, 0);
	p[209] = 0;
	T_EQ(pfs_xst_get(p, n, 196, 2, x, &span), -1);
	p[209] = 1;
	p[202] = 5;
	T_EQ(pfs_xst_get(p, n, 196, 2, x, &span), -1);
	p[202] = 6;
	T_EQ(pfs_xst_get(p, n, 196, 2, x, &span), 50);
	/* bytes after the fields an entry's flags name (a later
	 * version's, now that all eight flags are taken): skipped */
	{
		static const uint8_t later[] = {0xf6, 0x01, 0x00, 0x0d, 0x00,
						0x01, 0x06, 0,	  0,	0,
						0x2a, 0xee, 0xee};
		uint8_t q[20 + 240 + sizeof(later)];

		memset(q, 0, sizeof(q));
		q[0] = 3;
		q[2] = PFS_V3_ACT_INS;
		q[3] = 1;
		memcpy(q + 260, later, sizeof(later));
		T_EQ(pfs_xst_get(q, sizeof(q), 260, 1, x, &span), 13);
		T_EQ(x[0].has, PFS_STX_MARK);
		T_EQ(x[0].mark, 42);
	}
}

/* ---- the table ----------------------------------------------------------*/

static void test_table_extras(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_state a = sim_state(1, 7), b = a, *pa, *pb;
	struct pfs_stx x, got;
	struct pfs_flowkey k;
	size_t mem0 = pfs_table_memory(t);

	memset(&x, 0, sizeof(x));
	x.has = PFS_STX_ZONE | PFS_STX_MARK;
	x.zone = 5;
	x.mark = 0x10;
	pa = pfs_table_insert(t, &a);
	/* the same tuple in zone 5 is another state; twice it is not */
	b.id = 2;
	pb = pfs_table_insert_x(t, &b, &x);
	T_CHECK(pa != NULL && pb != NULL);
	b.id = 3;
	T_CHECK(pfs_table_insert_x(t, &b, &x) == NULL && errno == EEXIST);
	T_EQ(pfs_table_xcount(t), 1);
	pfs_state_flowkey(&a, &k);
	T_CHECK(pfs_table_find_key(t, &k) == pa);
	k.zone = 5;
	T_CHECK(pfs_table_find_key(t, &k) == pb);
	k.zone = 6;
	T_CHECK(pfs_table_find_key(t, &k) == NULL);
	T_CHECK(!pfs_table_xget(t, pa, &got));
	T_CHECK(pfs_table_xget(t, pb, &got));
	T_EQ(got.mark, 0x10);
	T_EQ(got.zone, 5);
	T_CHECK(pfs_table_memory(t) > mem0);
	/* labels and nat2 come and go; the zone cannot change */
	x.has |= PFS_STX_LABELS | PFS_STX_NAT2;
	x.labels[3] = 0x40;
	x.nat2.port = 8080;
	T_EQ(pfs_table_xset(t, pb, &x), 0);
	T_CHECK(pfs_table_xget(t, pb, &got));
	T_EQ(got.labels[3], 0x40);
	T_EQ(got.nat2.port, 8080);
	x.zone = 9;
	T_EQ(pfs_table_xset(t, pb, &x), -1);
	T_EQ(errno, EINVAL);
	x.zone = 5;
	x.has = PFS_STX_ZONE;
	T_EQ(pfs_table_xset(t, pb, &x), 0);
	T_CHECK(pfs_table_xget(t, pb, &got));
	T_EQ(got.has, PFS_STX_ZONE);
	T_EQ(got.mark, 0);
	/* a mark of 0 or empty labels are no extras at all */
	x.has = PFS_STX_MARK | PFS_STX_LABELS;
	memset(x.labels, 0, sizeof(x.labels));
	x.mark = 0;
	x.zone = 0;
	T_EQ(pfs_table_xset(t, pa, &x), 0);
	T_EQ(pfs_table_xcount(t), 1);
	/* removal takes the extras and the zoned key with it */
	pfs_table_remove(t, pb);
	T_EQ(pfs_table_xcount(t), 0);
	k.zone = 5;
	T_CHECK(pfs_table_find_key(t, &k) == NULL);
	/* without a zone the tuple is a's */
	T_CHECK(pfs_table_insert_x(t, &b, &x) == NULL && errno == EEXIST);
	pfs_table_free(t);
}

/* Many states with extras, removed in another order: the map's
 * deletions keep every other entry findable. */
static void test_table_extras_many(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_state *p[3000], s;
	struct pfs_stx x, got;
	size_t i, bad = 0;

	memset(&x, 0, sizeof(x));
	for (i = 0; i < 3000; i++) {
		s = sim_state(i + 1, 9);
		x.has = PFS_STX_MARK | (i % 3 == 0 ? PFS_STX_LABELS : 0);
		x.mark = (uint32_t)i + 1;
		x.labels[0] = 1;
		p[i] = pfs_table_insert_x(t, &s, &x);
		T_CHECK(p[i] != NULL);
	}
	for (i = 0; i < 3000; i += 2)
		pfs_table_remove(t, p[i]);
	for (i = 1; i < 3000; i += 2)
		if (!pfs_table_xget(t, p[i], &got) || got.mark != i + 1 ||
		    (i % 3 == 0) != ((got.has & PFS_STX_LABELS) != 0))
			bad++;
	T_EQ(bad, 0);
	T_EQ(pfs_table_xcount(t), 1500);
	pfs_table_clear(t);
	T_EQ(pfs_table_xcount(t), 0);
	pfs_table_free(t);
}

/* ---- two engines ----------------------------------------------------------*/

static uint8_t cap_pkt[8][PFS_V3_MTU_MAX];
static size_t cap_len[8], cap_llen[8];
static int ncap;

static int cap_out(void *ctx, const uint8_t *local, size_t llen,
		   const uint8_t *wire, size_t wlen, uint32_t dst)
{
	(void)ctx, (void)local, (void)dst;
	if (ncap < 8 && wire && llen != 0) { /* states, not heartbeats */
		memcpy(cap_pkt[ncap], wire, wlen);
		cap_len[ncap] = wlen;
		cap_llen[ncap] = llen;
		ncap++;
	}
	return 0;
}

static struct pfs_engine *mk_engine(struct pfs_table *t, uint32_t hostid)
{
	const struct pfs_engine_ops ops = {.output = cap_out};
	struct pfs_engine_conf c;

	pfs_engine_conf_default(&c);
	c.hostid = hostid;
	c.syncdev = true;
	c.reliable = true;
	return pfs_engine_new(&c, t, &ops, NULL, 1000);
}

/* A pfsyncd peer's heartbeat, which says it reads the section (or not). */
static void hear_peer(struct pfs_engine *e, bool xst, uint64_t now)
{
	const struct pfs_rx_meta m = {0x0a000002u, true, 255};
	uint8_t hb[32] = {3, 0, 4, 0};

	memcpy(hb + 20,
	       (const uint8_t[12]){0xf5, 0x12, xst ? 0x80 : 0, 0, 0, 0, 0, 9},
	       12);
	pfs_engine_input(e, hb, sizeof(hb), &m, now);
}

static struct pfs_stx both_nat_x(void)
{
	struct pfs_stx x;

	memset(&x, 0, sizeof(x));
	x.has = PFS_STX_MARK | PFS_STX_ZONE | PFS_STX_LABELS | PFS_STX_NAT2;
	x.mark = 0xbeef;
	x.zone = 3;
	x.labels[1] = 0x02;
	x.nat2.addr.a[0] = 10;
	x.nat2.addr.a[3] = 5;
	x.nat2.port = 8080;
	return x;
}

/* A state that lives longer than its class timeout: v3's expire says
 * all of it, so no `left` goes with it. */
static struct pfs_state live_state(uint64_t id, uint32_t creatorid)
{
	struct pfs_state s = sim_state(id, creatorid);

	s.expire = 2 * 86400;
	return s;
}

/*
 * The seconds left (flag 0x80, last field), written from wire_xst.h:
 *   F6 01 0016          magic, version 1, 22 bytes in all
 *   00 80 04            record 0: left, 4 bytes
 *      00000257         599 s
 *   01 81 08            record 1: mark and left, 8 bytes
 *      0000002a 0000001e  mark 42, 30 s
 */
static const uint8_t left_sect[22] = {
    0xf6, 0x01, 0x00, 0x16, 0x00, 0x80, 0x04, 0x00, 0x00, 0x02, 0x57,
    0x01, 0x81, 0x08, 0x00, 0x00, 0x00, 0x2a, 0x00, 0x00, 0x00, 0x1e,
};

static void test_left_golden(void)
{
	struct pfs_stx x[2];
	uint8_t b[32];
	struct pfs_wbuf wb;
	size_t span;

	memset(x, 0, sizeof(x));
	x[0].has = PFS_STX_LEFT;
	x[0].left = 599;
	x[1].has = PFS_STX_MARK | PFS_STX_LEFT;
	x[1].mark = 42;
	x[1].left = 30;
	pfs_wbuf_init(&wb, b, sizeof(b));
	pfs_xst_put(&wb, x, 2);
	T_CHECK(!wb.err);
	T_EQ(wb.off, sizeof(left_sect));
	T_MEMEQ(b, left_sect, sizeof(left_sect));
	memset(x, 0, sizeof(x));
	T_EQ(pfs_xst_get(left_sect, sizeof(left_sect), 0, 2, x, &span), 22);
	T_EQ(x[0].has, PFS_STX_LEFT);
	T_EQ(x[0].left, 599);
	T_EQ(x[1].has, PFS_STX_MARK | PFS_STX_LEFT);
	T_EQ(x[1].mark, 42);
	T_EQ(x[1].left, 30);
	/* never kept: what a table stores has no `left` */
	T_CHECK(pfs_stx_norm(&x[1]) && x[1].has == PFS_STX_MARK);
	T_CHECK(!pfs_stx_norm(&x[0]));
}

/* Between pfsyncd peers the replica dies when the owner's state does:
 * A's 599 s land as 599 s on B, not as tcp.established's 86 400 s. */
static void test_engines_left(void)
{
	struct pfs_table *ta = pfs_table_new(0, T_HASHKEY);
	struct pfs_table *tb = pfs_table_new(0, T_HASHKEY);
	struct pfs_engine *a = mk_engine(ta, 0x100), *b = mk_engine(tb, 0x200);
	const struct pfs_rx_meta m = {0x0a000001u, true, 255};
	struct pfs_state s = sim_state(1, 0x100), *got;
	struct pfs_stx gx[1];
	size_t span;

	hear_peer(a, true, 1000);
	ncap = 0;
	s.expire = 10 + 599; /* 599 s left at second 10 */
	T_EQ(pfs_engine_insert(a, &s, 10000), 0);
	pfs_engine_flush(a, 10000);
	T_EQ(ncap, 1);
	T_EQ(cap_len[0], 20 + 240 + 4 + 7 + 12);
	T_EQ(pfs_xst_get(cap_pkt[0], cap_len[0], 260, 1, gx, &span), 11);
	T_CHECK(gx[0].has == PFS_STX_LEFT && gx[0].left == 599);
	pfs_engine_input(b, cap_pkt[0], cap_len[0], &m, 10000);
	got = pfs_table_find_id(tb, 1, 0x100);
	T_CHECK(got && got->expire == 10 + 599);
	T_CHECK(got && !pfs_table_xget(tb, got, &gx[0])); /* nothing kept */
	/* an update (compressed) with 300 s left, 50 s on */
	ncap = 0;
	s.src.seqlo += 10;
	s.expire = 60 + 300;
	T_EQ(pfs_engine_update(a, &s, 60000), 0);
	pfs_engine_flush(a, 60000);
	T_EQ(ncap, 1);
	T_EQ(cap_pkt[0][2], PFS_V3_ACT_UPD_C);
	pfs_engine_input(b, cap_pkt[0], cap_len[0], &m, 60000);
	T_CHECK(got && got->expire == 60 + 300);
	/* more than the class timeout left: v3's expire says it, no section */
	ncap = 0;
	s.src.seqlo += 10;
	s.expire = 70 + 90000;
	T_EQ(pfs_engine_update(a, &s, 70000), 0);
	pfs_engine_flush(a, 70000);
	T_EQ(ncap, 1);
	T_EQ(cap_len[0], 20 + 88 + 12);
	pfs_engine_input(b, cap_pkt[0], cap_len[0], &m, 70000);
	T_CHECK(got && got->expire == 70 + 90000);
	/* 1/64 of the class timeout fewer (1350 s): let be */
	ncap = 0;
	s.src.seqlo += 10;
	s.expire = 80 + 86400 - 1350;
	T_EQ(pfs_engine_update(a, &s, 80000), 0);
	pfs_engine_flush(a, 80000);
	T_EQ(ncap, 1);
	T_EQ(cap_len[0], 20 + 88 + 12);
	pfs_engine_input(b, cap_pkt[0], cap_len[0], &m, 80000);
	T_CHECK(got && got->expire == 80 + 86400);
	/* a second more: said */
	ncap = 0;
	s.src.seqlo += 10;
	s.expire = 90 + 86400 - 1351;
	T_EQ(pfs_engine_update(a, &s, 90000), 0);
	pfs_engine_flush(a, 90000);
	T_EQ(ncap, 1);
	T_EQ(cap_len[0], 20 + 88 + 4 + 7 + 12);
	pfs_engine_input(b, cap_pkt[0], cap_len[0], &m, 90000);
	T_EQ(got ? got->expire : 0, 90 + 86400 - 1351);
	pfs_engine_free(a);
	pfs_engine_free(b);
	pfs_table_free(ta);
	pfs_table_free(tb);
}

static void test_engines_carry(void)
{
	const struct pfs_rx_meta m = {0x0a000001u, true, 255};
	struct pfs_table *ta = pfs_table_new(0, T_HASHKEY);
	struct pfs_table *tb = pfs_table_new(0, T_HASHKEY);
	struct pfs_engine *a = mk_engine(ta, 0x100), *b = mk_engine(tb, 0x200);
	struct pfs_state s = live_state(1, 0x100), s2 = live_state(2, 0x100);
	struct pfs_state *got;
	struct pfs_stx x = both_nat_x(), gx;
	struct pfs_v3_frame f;
	struct pfs_ext e;
	struct pfs_flowkey k;
	size_t span;

	/* a BSD-style peer only (no XST flag): plain v3 and the trailer */
	hear_peer(a, false, 1000);
	ncap = 0;
	T_EQ(pfs_engine_insert_x(a, &s2, &x, 1100), 0);
	pfs_engine_flush(a, 1100);
	T_EQ(ncap, 1);
	T_EQ(cap_len[0], 20 + 240 + 12);
	T_CHECK(!pfs_engine_xst_peer(a));
	/* a peer that reads extras: the section between records and
	 * trailer; pfsync0 sees the v3 packet alone */
	hear_peer(a, true, 1200);
	T_CHECK(pfs_engine_xst_peer(a));
	ncap = 0;
	T_EQ(pfs_engine_insert_x(a, &s, &x, 1300), 0);
	pfs_engine_flush(a, 1300);
	T_EQ(ncap, 1);
	T_EQ(cap_pkt[0][2], PFS_V3_ACT_INS);
	T_EQ(cap_llen[0], 20 + 240);
	T_EQ(cap_len[0], 20 + 240 + 4 + 43 + 12);
	T_EQ(pfs_xst_get(cap_pkt[0], cap_len[0], 260, 1, &gx, &span), 47);
	T_CHECK(!pfs_stx_differ(&gx, &x));
	T_EQ(pfs_ext_get(cap_pkt[0], cap_len[0], 260 + span, &e), 0);
	/* what NetBSD reads: one INS record, nothing else */
	T_EQ(pfs_v3_frame_parse(cap_pkt[0], cap_len[0], &f), 0);
	T_EQ(f.nrec, 1);
	/* B inserts it with its extras, the zone in its key */
	pfs_engine_input(b, cap_pkt[0], cap_len[0], &m, 1300);
	got = pfs_table_find_id(tb, 1, 0x100);
	T_CHECK(got != NULL);
	T_CHECK(got && pfs_table_xget(tb, got, &gx) &&
		!pfs_stx_differ(&gx, &x));
	pfs_state_flowkey(&s, &k);
	T_CHECK(pfs_table_find_key(tb, &k) == NULL);
	k.zone = 3;
	T_CHECK(pfs_table_find_key(tb, &k) == got);
	/* a mark change alone is an update (compressed) with the section */
	ncap = 0;
	x.mark = 0x77;
	T_EQ(pfs_engine_update_x(a, &s, &x, 1400), 0);
	pfs_engine_flush(a, 1400);
	T_EQ(ncap, 1);
	T_EQ(cap_pkt[0][2], PFS_V3_ACT_UPD_C);
	T_EQ(cap_len[0], 20 + 88 + 4 + 43 + 12);
	pfs_engine_input(b, cap_pkt[0], cap_len[0], &m, 1400);
	T_CHECK(got && pfs_table_xget(tb, got, &gx) && gx.mark == 0x77);
	/* back to no mark, no labels, no nat2: the bare section says so;
	 * the zone stays (it is the key) */
	ncap = 0;
	x.has = PFS_STX_ZONE;
	T_EQ(pfs_engine_update_x(a, &s, &x, 1500), 0);
	pfs_engine_flush(a, 1500);
	T_EQ(ncap, 1);
	T_EQ(cap_len[0], 20 + 88 + 4 + 5 + 12);
	pfs_engine_input(b, cap_pkt[0], cap_len[0], &m, 1500);
	T_CHECK(got && pfs_table_xget(tb, got, &gx) && gx.has == PFS_STX_ZONE &&
		gx.zone == 3 && gx.mark == 0);
	pfs_engine_free(a);
	pfs_engine_free(b);
	pfs_table_free(ta);
	pfs_table_free(tb);
}

/* Extras take room: a packet of states that all have the largest ones
 * holds a record fewer, and stays within the MTU with its trailer. */
static void test_engine_mtu(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_engine *a = mk_engine(t, 0x100);
	struct pfs_stx x = both_nat_x();
	struct pfs_state s;
	int i;

	hear_peer(a, true, 1000);
	ncap = 0;
	for (i = 0; i < 6; i++) {
		s = live_state((uint64_t)i + 1, 0x100);
		T_EQ(pfs_engine_insert_x(a, &s, &x, 1100), 0);
	}
	pfs_engine_flush(a, 1100);
	T_EQ(ncap, 2);
	T_EQ(cap_pkt[0][3], 5);
	T_CHECK(20 + cap_len[0] <= 1500);
	T_EQ(cap_len[0], 20 + 5 * 240 + 4 + 5 * 43 + 12);
	T_EQ(cap_pkt[1][3], 1);
	pfs_engine_free(a);
	pfs_table_free(t);
}

/* What a NetBSD peer reads of a packet with extras is byte for byte the
 * packet a pfsyncd without extras sends: same header, same count, same
 * records; only bytes past them differ, which it ignores (4.1). */
static void test_netbsd_sees_v3(void)
{
	struct pfs_table *t1 = pfs_table_new(0, T_HASHKEY);
	struct pfs_table *t2 = pfs_table_new(0, T_HASHKEY);
	struct pfs_engine *a = mk_engine(t1, 0x100), *p = mk_engine(t2, 0x100);
	struct pfs_state s = live_state(1, 0x100);
	struct pfs_stx x = both_nat_x();
	uint8_t with[PFS_V3_MTU_MAX];
	size_t wlen;

	hear_peer(a, true, 1000);
	hear_peer(p, false, 1000);
	ncap = 0;
	T_EQ(pfs_engine_insert_x(a, &s, &x, 1100), 0);
	pfs_engine_flush(a, 1100);
	T_EQ(ncap, 1);
	memcpy(with, cap_pkt[0], cap_len[0]);
	wlen = cap_len[0];
	ncap = 0;
	T_EQ(pfs_engine_insert(p, &s, 1100), 0);
	pfs_engine_flush(p, 1100);
	T_EQ(ncap, 1);
	T_EQ(cap_len[0], 260 + 12);
	T_EQ(wlen, 260 + 47 + 12);
	T_MEMEQ(with, cap_pkt[0], 260);
	T_EQ(with[3], 1); /* count */
	pfs_engine_free(a);
	pfs_engine_free(p);
	pfs_table_free(t1);
	pfs_table_free(t2);
}

int main(void)
{
	T_RUN(test_golden_get);
	T_RUN(test_golden_put);
	T_RUN(test_man_example);
	T_RUN(test_left_golden);
	T_RUN(test_engines_left);
	T_RUN(test_rejects);
	T_RUN(test_table_extras);
	T_RUN(test_table_extras_many);
	T_RUN(test_engines_carry);
	T_RUN(test_engine_mtu);
	T_RUN(test_netbsd_sees_v3);
	return t_done();
}
