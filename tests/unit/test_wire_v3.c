/*
 * test_wire_v3.c - the pfsync v3 codec against byte vectors built by hand.
 *
 * The expected bytes are written here with explicit offsets taken from the
 * reference tables (pfsync-v3.md §1.2 and §2), by helpers that share no
 * code with the encoder.  Each record type and a whole frame of every
 * action is checked both ways (encode == bytes, decode(bytes) == fields),
 * then random round trips, every refusal of frame_parse, short buffers at
 * every length, trailing bytes, af translation and maxcount.
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/buf.h"
#include "pfsync/stats.h"
#include "pfsync/wire_v3.h"
#include "t.h"
#include "t_state.h"

/* --- golden helpers: big-endian stores at an explicit offset -------------- */

static void g8(uint8_t *b, size_t off, uint8_t v)
{
	b[off] = v;
}

static void g16(uint8_t *b, size_t off, uint16_t v)
{
	b[off] = (uint8_t)(v >> 8);
	b[off + 1] = (uint8_t)v;
}

static void g32(uint8_t *b, size_t off, uint32_t v)
{
	g16(b, off, (uint16_t)(v >> 16));
	g16(b, off + 2, (uint16_t)v);
}

/* A 64-bit counter as pf sends it: high 32-bit word, then low word. */
static void g64(uint8_t *b, size_t off, uint64_t v)
{
	g32(b, off, (uint32_t)(v >> 32));
	g32(b, off + 4, (uint32_t)v);
}

static void gbytes(uint8_t *b, size_t off, const void *p, size_t n)
{
	memcpy(b + off, p, n);
}

/* --- fixtures ------------------------------------------------------------- */

static void fx_addr4(struct pfs_addr *a, uint8_t x, uint8_t y, uint8_t z,
		     uint8_t w)
{
	memset(a, 0, sizeof(*a));
	a->a[0] = x;
	a->a[1] = y;
	a->a[2] = z;
	a->a[3] = w;
}

static void fx_peer(struct pfs_peer *p, uint8_t k)
{
	memset(p, 0, sizeof(*p));
	p->scrub.flags = 0x0001;
	p->scrub.ttl = (uint8_t)(60 + k);
	p->scrub.valid = 1;
	p->scrub.ts_mod = 0x11223344u + k;
	p->seqlo = 0xa1a2a3a4u + k;
	p->seqhi = 0xb1b2b3b4u + k;
	p->seqdiff = 0xc1c2c3c4u + k;
	p->max_win = (uint16_t)(0xd1d2 + k);
	p->mss = (uint16_t)(1460 - k);
	p->state = (uint8_t)(4 + k);
	p->wscale = (uint8_t)(0x80 | k);
}

/* Golden peer at b + off (pfsync_state_peer, §2.5 and §2.3). */
static void g_peer(uint8_t *b, size_t off, uint8_t k)
{
	g16(b, off + 0, 0x0001);
	g8(b, off + 2, (uint8_t)(60 + k));
	g8(b, off + 3, 1);
	g32(b, off + 4, 0x11223344u + k);
	g32(b, off + 8, 0xa1a2a3a4u + k);
	g32(b, off + 12, 0xb1b2b3b4u + k);
	g32(b, off + 16, 0xc1c2c3c4u + k);
	g16(b, off + 20, (uint16_t)(0xd1d2 + k));
	g16(b, off + 22, (uint16_t)(1460 - k));
	g8(b, off + 24, (uint8_t)(4 + k));
	g8(b, off + 25, (uint8_t)(0x80 | k));
}

/* State fixture k: k = 0 is IPv4/TCP, k = 1 is IPv6/UDP. */
static void fx_state(struct pfs_state *st, uint8_t k)
{
	memset(st, 0, sizeof(*st));
	st->id = 0x0102030405060708ULL + k;
	strcpy(st->ifname, k ? "vlan100" : "em0");
	fx_addr4(&st->lan.addr, 10, 0, 0, (uint8_t)(1 + k));
	st->lan.port = 1234;
	fx_addr4(&st->gwy.addr, 192, 0, 2, 1);
	st->gwy.port = 40000;
	fx_addr4(&st->ext.addr, 198, 51, 100, 7);
	if (k)
		st->ext.addr.a[15] = 0x99;
	st->ext.port = 443;
	fx_peer(&st->src, k);
	fx_peer(&st->dst, (uint8_t)(k + 2));
	fx_addr4(&st->rt_addr, 172, 16, 0, 254);
	st->rule = 5 + k;
	st->anchor = PFS_NO_RULE;
	st->nat_rule = 0;
	st->creation = 3600;
	st->expire = k;
	st->packets[0] = 0x0000000100000002ULL;
	st->packets[1] = 3;
	st->bytes[0] = 0x8000000000000001ULL;
	st->bytes[1] = 0x00000000ffffffffULL;
	st->creatorid = 0xdeadbeef;
	st->af = k ? AF_INET6 : AF_INET;
	st->proto = k ? 17 : 6;
	st->direction = PFS_DIR_OUT;
	st->log = 1;
	st->allow_opts = k;
	st->timeout = k ? PFS_TM_UDP_MULTIPLE : PFS_TM_TCP_ESTABLISHED;
	st->sync_flags = PFS_SF_STALE;
	st->updates = 7;
}

static void g_host(uint8_t *b, size_t off, const struct pfs_host *h)
{
	gbytes(b, off, h->addr.a, 16);
	g16(b, off + 16, h->port);
}

/* Golden pfsync_state (240 bytes, §2.6) for fixture k at b + off. */
static void g_state(uint8_t *b, size_t off, uint8_t k)
{
	struct pfs_state f;

	fx_state(&f, k);
	g64(b, off + 0, 0x0102030405060708ULL + k);
	gbytes(b, off + 8, f.ifname, strlen(f.ifname));
	g_host(b, off + 24, &f.lan);
	g_host(b, off + 48, &f.gwy);
	g_host(b, off + 72, &f.ext);
	g_peer(b, off + 96, k);
	g_peer(b, off + 128, (uint8_t)(k + 2));
	gbytes(b, off + 160, f.rt_addr.a, 16);
	g32(b, off + 176, 5 + k);
	g32(b, off + 180, 0xffffffff);
	g32(b, off + 188, 3600);
	g32(b, off + 192, k);
	g32(b, off + 196, 0x00000001);
	g32(b, off + 200, 0x00000002);
	g32(b, off + 208, 3);
	g32(b, off + 212, 0x80000000);
	g32(b, off + 216, 0x00000001);
	g32(b, off + 224, 0xffffffff);
	g32(b, off + 228, 0xdeadbeef);
	g8(b, off + 232, k ? 24 : 2);
	g8(b, off + 233, k ? 17 : 6);
	g8(b, off + 234, 2);
	g8(b, off + 235, 1);
	g8(b, off + 236, k);
	g8(b, off + 237, k ? 8 : 2);
	g8(b, off + 238, 0x04);
	g8(b, off + 239, 7);
}

/* --- field comparisons ---------------------------------------------------- */

static int eq_state_keys(const struct pfs_state *a, const struct pfs_state *b)
{
	return a->id == b->id && a->creatorid == b->creatorid &&
	       memcmp(a->ifname, b->ifname, PFS_IFNAMSIZ) == 0 &&
	       t_host_eq(&a->lan, &b->lan) && t_host_eq(&a->gwy, &b->gwy) &&
	       t_host_eq(&a->ext, &b->ext) && t_peer_eq(&a->src, &b->src) &&
	       t_peer_eq(&a->dst, &b->dst) &&
	       memcmp(a->rt_addr.a, b->rt_addr.a, 16) == 0;
}

static int eq_state(const struct pfs_state *a, const struct pfs_state *b)
{
	return eq_state_keys(a, b) && a->rule == b->rule &&
	       a->anchor == b->anchor && a->nat_rule == b->nat_rule &&
	       a->creation == b->creation && a->expire == b->expire &&
	       a->packets[0] == b->packets[0] &&
	       a->packets[1] == b->packets[1] && a->bytes[0] == b->bytes[0] &&
	       a->bytes[1] == b->bytes[1] && a->af == b->af &&
	       a->proto == b->proto && a->direction == b->direction &&
	       a->log == b->log && a->allow_opts == b->allow_opts &&
	       a->timeout == b->timeout && a->sync_flags == b->sync_flags &&
	       a->updates == b->updates;
}

static int eq_upd(const struct pfs_v3_upd *a, const struct pfs_v3_upd *b)
{
	return a->id == b->id && a->creatorid == b->creatorid &&
	       t_peer_eq(&a->src, &b->src) && t_peer_eq(&a->dst, &b->dst) &&
	       a->expire == b->expire && a->timeout == b->timeout &&
	       a->updates == b->updates;
}

static int eq_tdb(const struct pfs_v3_tdb *a, const struct pfs_v3_tdb *b)
{
	return a->spi == b->spi && memcmp(a->dst, b->dst, 28) == 0 &&
	       a->rpl == b->rpl && a->cur_bytes == b->cur_bytes &&
	       a->sproto == b->sproto && a->updates == b->updates;
}

/* --- small-record fixtures and their golden bytes ------------------------- */

static void fx_upd(struct pfs_v3_upd *u, uint8_t k)
{
	memset(u, 0, sizeof(*u));
	u->id = 0x1112131415161718ULL + k;
	fx_peer(&u->src, k);
	fx_peer(&u->dst, (uint8_t)(k + 1));
	u->creatorid = 0xcafe0000u + k;
	u->expire = 30;
	u->timeout = PFS_TM_TCP_ESTABLISHED;
	u->updates = (uint8_t)(3 + k);
}

/* pfsync_state_upd, 88 bytes (§2.7) */
static void g_upd(uint8_t *b, size_t off, uint8_t k)
{
	g64(b, off + 0, 0x1112131415161718ULL + k);
	g_peer(b, off + 8, k);
	g_peer(b, off + 40, (uint8_t)(k + 1));
	g32(b, off + 72, 0xcafe0000u + k);
	g32(b, off + 76, 30);
	g8(b, off + 80, 2);
	g8(b, off + 81, (uint8_t)(3 + k));
}

static void fx_del(struct pfs_v3_del *d, uint8_t k)
{
	memset(d, 0, sizeof(*d));
	d->id = 0x2122232425262728ULL + k;
	d->creatorid = 0x01020304u + k;
}

/* pfsync_state_del, 16 bytes (§2.8): the two state bytes stay 0 */
static void g_del(uint8_t *b, size_t off, uint8_t k)
{
	g64(b, off + 0, 0x2122232425262728ULL + k);
	g32(b, off + 8, 0x01020304u + k);
}

static void fx_ureq(struct pfs_v3_ureq *r, uint8_t k)
{
	r->id = 0x3132333435363738ULL + k;
	r->creatorid = 0xa0b0c0d0u + k;
}

/* pfsync_state_upd_req, 16 bytes (§2.9) */
static void g_ureq(uint8_t *b, size_t off, uint8_t k)
{
	g64(b, off + 0, 0x3132333435363738ULL + k);
	g32(b, off + 8, 0xa0b0c0d0u + k);
}

static void fx_clr(struct pfs_v3_clr *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->ifname, "carp0");
	c->creatorid = 0x0badf00d;
}

/* pfsync_state_clr, 24 bytes (§2.10) */
static void g_clr(uint8_t *b, size_t off)
{
	gbytes(b, off + 0, "carp0", 5);
	g32(b, off + 16, 0x0badf00d);
}

static void fx_bus(struct pfs_v3_bus *bu)
{
	memset(bu, 0, sizeof(*bu));
	bu->creatorid = 0x55667788;
	bu->endtime = 0x00010203;
	bu->status = PFS_V3_BUS_END;
}

/* pfsync_state_bus, 16 bytes (§2.11) */
static void g_bus(uint8_t *b, size_t off)
{
	g32(b, off + 0, 0x55667788);
	g32(b, off + 4, 0x00010203);
	g8(b, off + 8, 2);
}

static void fx_tdb(struct pfs_v3_tdb *t)
{
	size_t i;

	memset(t, 0, sizeof(*t));
	t->spi = 0x10002000;
	for (i = 0; i < sizeof(t->dst); i++)
		t->dst[i] = (uint8_t)(0x40 + i);
	t->rpl = 0x7fffffff;
	t->cur_bytes = 0x0102030405060708ULL;
	t->sproto = 50;
	t->updates = 9;
}

/* pfsync_tdb, NetBSD layout, 48 bytes (§2.12) */
static void g_tdb(uint8_t *b, size_t off)
{
	size_t i;

	g32(b, off + 0, 0x10002000);
	for (i = 0; i < 28; i++)
		g8(b, off + 4 + i, (uint8_t)(0x40 + i));
	g32(b, off + 32, 0x7fffffff);
	g64(b, off + 36, 0x0102030405060708ULL);
	g8(b, off + 44, 50);
	g8(b, off + 45, 9);
}

/* Golden pfsync_header (§1.2); the checksum bytes are 0xc0 + i. */
static void g_hdr(uint8_t *b, uint8_t action, uint8_t count)
{
	size_t i;

	g8(b, 0, 3);
	g8(b, 1, 0);
	g8(b, 2, action);
	g8(b, 3, count);
	for (i = 0; i < 16; i++)
		g8(b, 4 + i, (uint8_t)(0xc0 + i));
}

static void fx_hdr(struct pfs_v3_header *h, uint8_t action, uint8_t count)
{
	size_t i;

	h->version = PFS_V3_VERSION;
	h->af = 0;
	h->action = action;
	h->count = count;
	for (i = 0; i < sizeof(h->chksum); i++)
		h->chksum[i] = (uint8_t)(0xc0 + i);
}

/* --- golden records ------------------------------------------------------- */

static void test_golden_header(void)
{
	uint8_t exp[PFS_V3_HDR_LEN] = {0}, out[PFS_V3_HDR_LEN];
	struct pfs_v3_header h, d;
	struct pfs_wbuf wb;
	struct pfs_rbuf rb;

	g_hdr(exp, PFS_V3_ACT_UPD_C, 6);
	fx_hdr(&h, PFS_V3_ACT_UPD_C, 6);
	h.af = 24; /* the header af byte is always sent as 0 */
	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_v3_put_header(&wb, &h);
	T_CHECK(!wb.err);
	T_EQ(wb.off, 20);
	T_MEMEQ(out, exp, sizeof(exp));
	pfs_rbuf_init(&rb, exp, sizeof(exp));
	pfs_v3_get_header(&rb, &d);
	T_CHECK(!rb.err);
	T_EQ(d.version, 3);
	T_EQ(d.af, 0);
	T_EQ(d.action, PFS_V3_ACT_UPD_C);
	T_EQ(d.count, 6);
	T_MEMEQ(d.chksum, h.chksum, 16);
}

static void check_golden_state(uint8_t k)
{
	uint8_t exp[PFS_V3_STATE_LEN] = {0}, out[PFS_V3_STATE_LEN];
	struct pfs_state st, d;
	struct pfs_wbuf wb;
	struct pfs_rbuf rb;

	g_state(exp, 0, k);
	fx_state(&st, k);
	memset(out, 0xee, sizeof(out));
	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_v3_put_state(&wb, &st);
	T_CHECK(!wb.err);
	T_EQ(wb.off, PFS_V3_STATE_LEN);
	T_MEMEQ(out, exp, sizeof(exp));
	memset(&d, 0x5a, sizeof(d));
	pfs_rbuf_init(&rb, exp, sizeof(exp));
	pfs_v3_get_state(&rb, &d);
	T_CHECK(!rb.err);
	T_EQ(rb.off, PFS_V3_STATE_LEN);
	T_CHECK(eq_state(&d, &st));
	T_EQ(d.sync_time, 0);
}

static void test_golden_state(void)
{
	check_golden_state(0);
	check_golden_state(1);
}

/* Encode with put, compare with the golden bytes, decode back with get. */
#define CHECK_GOLDEN(LEN, put, get, fx, golden, eq)                            \
	do {                                                                   \
		uint8_t exp_[LEN] = {0}, out_[LEN];                            \
		struct pfs_wbuf wb_;                                           \
		struct pfs_rbuf rb_;                                           \
		memset(out_, 0xee, sizeof(out_));                              \
		golden;                                                        \
		pfs_wbuf_init(&wb_, out_, sizeof(out_));                       \
		put(&wb_, &(fx));                                              \
		T_CHECK(!wb_.err);                                             \
		T_EQ(wb_.off, LEN);                                            \
		T_MEMEQ(out_, exp_, LEN);                                      \
		pfs_rbuf_init(&rb_, exp_, sizeof(exp_));                       \
		get(&rb_, &dec);                                               \
		T_CHECK(!rb_.err);                                             \
		T_EQ(rb_.off, LEN);                                            \
		T_CHECK(eq);                                                   \
	} while (0)

static void test_golden_upd(void)
{
	struct pfs_v3_upd u, dec;

	fx_upd(&u, 1);
	CHECK_GOLDEN(PFS_V3_UPD_LEN, pfs_v3_put_upd, pfs_v3_get_upd, u,
		     g_upd(exp_, 0, 1), eq_upd(&dec, &u));
}

static void test_golden_del(void)
{
	struct pfs_v3_del d, dec;

	fx_del(&d, 0);
	CHECK_GOLDEN(PFS_V3_DEL_LEN, pfs_v3_put_del, pfs_v3_get_del, d,
		     g_del(exp_, 0, 0),
		     dec.id == d.id && dec.creatorid == d.creatorid &&
			 dec.src_state == 0 && dec.dst_state == 0);
	/* a non-zero src/dst state byte is carried both ways */
	d.src_state = 4;
	d.dst_state = 9;
	CHECK_GOLDEN(PFS_V3_DEL_LEN, pfs_v3_put_del, pfs_v3_get_del, d,
		     (g_del(exp_, 0, 0), g8(exp_, 12, 4), g8(exp_, 13, 9)),
		     dec.src_state == 4 && dec.dst_state == 9);
}

static void test_golden_ureq(void)
{
	struct pfs_v3_ureq r, dec;

	fx_ureq(&r, 2);
	CHECK_GOLDEN(PFS_V3_UREQ_LEN, pfs_v3_put_ureq, pfs_v3_get_ureq, r,
		     g_ureq(exp_, 0, 2),
		     dec.id == r.id && dec.creatorid == r.creatorid);
}

static void test_golden_clr(void)
{
	struct pfs_v3_clr c, dec;

	fx_clr(&c);
	CHECK_GOLDEN(
	    PFS_V3_CLR_LEN, pfs_v3_put_clr, pfs_v3_get_clr, c, g_clr(exp_, 0),
	    strcmp(dec.ifname, "carp0") == 0 && dec.creatorid == 0x0badf00d);
}

static void test_golden_bus(void)
{
	struct pfs_v3_bus bu, dec;

	fx_bus(&bu);
	CHECK_GOLDEN(PFS_V3_BUS_LEN, pfs_v3_put_bus, pfs_v3_get_bus, bu,
		     g_bus(exp_, 0),
		     dec.creatorid == bu.creatorid &&
			 dec.endtime == bu.endtime && dec.status == 2);
}

static void test_golden_tdb(void)
{
	struct pfs_v3_tdb t, dec;

	fx_tdb(&t);
	CHECK_GOLDEN(PFS_V3_TDB_LEN, pfs_v3_put_tdb, pfs_v3_get_tdb, t,
		     g_tdb(exp_, 0), eq_tdb(&dec, &t));
}

static void test_golden_peer(void)
{
	struct pfs_peer p, dec;

	fx_peer(&p, 5);
	CHECK_GOLDEN(32, pfs_v3_put_peer, pfs_v3_get_peer, p,
		     g_peer(exp_, 0, 5), t_peer_eq(&dec, &p));
}

/* --- whole frames of every action ----------------------------------------- */

static void frame_put_record(struct pfs_wbuf *wb, uint8_t action, uint8_t k)
{
	union pfs_v3_record r;

	switch (action) {
	case PFS_V3_ACT_INS:
	case PFS_V3_ACT_UPD:
	case PFS_V3_ACT_DEL:
		fx_state(&r.state, k);
		pfs_v3_put_state(wb, &r.state);
		break;
	case PFS_V3_ACT_UPD_C:
		fx_upd(&r.upd, k);
		pfs_v3_put_upd(wb, &r.upd);
		break;
	case PFS_V3_ACT_DEL_C:
		fx_del(&r.del, k);
		pfs_v3_put_del(wb, &r.del);
		break;
	case PFS_V3_ACT_UREQ:
		fx_ureq(&r.ureq, k);
		pfs_v3_put_ureq(wb, &r.ureq);
		break;
	case PFS_V3_ACT_CLR:
		fx_clr(&r.clr);
		pfs_v3_put_clr(wb, &r.clr);
		break;
	case PFS_V3_ACT_BUS:
		fx_bus(&r.bus);
		pfs_v3_put_bus(wb, &r.bus);
		break;
	case PFS_V3_ACT_TDB_UPD:
		fx_tdb(&r.tdb);
		pfs_v3_put_tdb(wb, &r.tdb);
		break;
	}
}

static void frame_golden_record(uint8_t *b, size_t off, uint8_t action,
				uint8_t k)
{
	switch (action) {
	case PFS_V3_ACT_INS:
	case PFS_V3_ACT_UPD:
	case PFS_V3_ACT_DEL:
		g_state(b, off, k);
		break;
	case PFS_V3_ACT_UPD_C:
		g_upd(b, off, k);
		break;
	case PFS_V3_ACT_DEL_C:
		g_del(b, off, k);
		break;
	case PFS_V3_ACT_UREQ:
		g_ureq(b, off, k);
		break;
	case PFS_V3_ACT_CLR:
		g_clr(b, off);
		break;
	case PFS_V3_ACT_BUS:
		g_bus(b, off);
		break;
	case PFS_V3_ACT_TDB_UPD:
		g_tdb(b, off);
		break;
	}
}

static int frame_record_ok(uint8_t action, uint8_t k,
			   const union pfs_v3_record *d)
{
	union pfs_v3_record r;

	switch (action) {
	case PFS_V3_ACT_INS:
	case PFS_V3_ACT_UPD:
	case PFS_V3_ACT_DEL:
		fx_state(&r.state, k);
		return eq_state(&d->state, &r.state);
	case PFS_V3_ACT_UPD_C:
		fx_upd(&r.upd, k);
		return eq_upd(&d->upd, &r.upd);
	case PFS_V3_ACT_DEL_C:
		fx_del(&r.del, k);
		return d->del.id == r.del.id &&
		       d->del.creatorid == r.del.creatorid;
	case PFS_V3_ACT_UREQ:
		fx_ureq(&r.ureq, k);
		return d->ureq.id == r.ureq.id &&
		       d->ureq.creatorid == r.ureq.creatorid;
	case PFS_V3_ACT_CLR:
		return strcmp(d->clr.ifname, "carp0") == 0 &&
		       d->clr.creatorid == 0x0badf00d;
	case PFS_V3_ACT_BUS:
		return d->bus.creatorid == 0x55667788 &&
		       d->bus.endtime == 0x00010203 && d->bus.status == 2;
	default:
		fx_tdb(&r.tdb);
		return eq_tdb(&d->tdb, &r.tdb);
	}
}

/*
 * One frame: header with `count`, then `nrec` records of fixture k = 0..,
 * built by hand; the encoder must produce the same bytes and the parser
 * must give back the fixtures.
 */
static void check_frame(uint8_t action, uint8_t count, size_t nrec,
			size_t reclen)
{
	uint8_t exp[PFS_V3_HDR_LEN + 8 * PFS_V3_STATE_LEN] = {0};
	uint8_t out[sizeof(exp)];
	size_t len = PFS_V3_HDR_LEN + nrec * reclen, i;
	struct pfs_v3_header h;
	struct pfs_v3_frame f;
	union pfs_v3_record d;
	struct pfs_wbuf wb;

	g_hdr(exp, action, count);
	for (i = 0; i < nrec; i++)
		frame_golden_record(exp, 20 + i * reclen, action, (uint8_t)i);
	fx_hdr(&h, action, count);
	pfs_wbuf_init(&wb, out, len);
	pfs_v3_put_header(&wb, &h);
	for (i = 0; i < nrec; i++)
		frame_put_record(&wb, action, (uint8_t)i);
	T_CHECK(!wb.err);
	T_EQ(wb.off, len);
	T_MEMEQ(out, exp, len);

	T_EQ(pfs_v3_frame_parse(exp, len, &f), 0);
	T_EQ(f.hdr.action, action);
	T_EQ(f.hdr.count, count);
	T_EQ(f.nrec, nrec);
	T_EQ(f.reclen, reclen);
	T_EQ(f.body_len, len - 20);
	T_CHECK(f.body == exp + 20);
	for (i = 0; i < nrec; i++) {
		pfs_v3_frame_record(&f, i, &d);
		T_CHECK(frame_record_ok(action, (uint8_t)i, &d));
	}
}

static void test_frame_full_states(void)
{
	check_frame(PFS_V3_ACT_INS, 2, 2, 240);
	check_frame(PFS_V3_ACT_UPD, 2, 2, 240);
	check_frame(PFS_V3_ACT_DEL, 1, 1, 240);
	check_frame(PFS_V3_ACT_UPD, 6, 6, 240); /* a full 1500-MTU packet */
}

static void test_frame_compressed(void)
{
	check_frame(PFS_V3_ACT_UPD_C, 3, 3, 88);
	check_frame(PFS_V3_ACT_DEL_C, 6, 6, 16);
	check_frame(PFS_V3_ACT_UREQ, 2, 2, 16);
}

/* CLR and BUS: count 0 on the wire, exactly one record. */
static void test_frame_single(void)
{
	check_frame(PFS_V3_ACT_CLR, 0, 1, 24);
	check_frame(PFS_V3_ACT_BUS, 0, 1, 16);
	check_frame(PFS_V3_ACT_CLR, 7, 1, 24); /* count is ignored */
	check_frame(PFS_V3_ACT_TDB_UPD, 1, 1, 48);
}

/* INS_F / DEL_F: no records whatever count says. */
static void test_frame_fragments(void)
{
	check_frame(PFS_V3_ACT_INS_F, 0, 0, 0);
	check_frame(PFS_V3_ACT_DEL_F, 0, 0, 0);
	check_frame(PFS_V3_ACT_DEL_F, 5, 0, 0);
}

/* --- refusals ------------------------------------------------------------- */

static void test_parse_hdrops(void)
{
	uint8_t b[PFS_V3_HDR_LEN] = {0};
	struct pfs_v3_frame f;
	size_t len;

	g_hdr(b, PFS_V3_ACT_INS_F, 0);
	for (len = 0; len < PFS_V3_HDR_LEN; len++)
		T_EQ(pfs_v3_frame_parse(b, len, &f), PFS_STAT_HDROPS);
	T_EQ(pfs_v3_frame_parse(NULL, 100, &f), PFS_STAT_HDROPS);
	T_EQ(pfs_v3_frame_parse(b, 20, &f), 0);
	/* length is checked before the version */
	b[0] = 4;
	T_EQ(pfs_v3_frame_parse(b, 19, &f), PFS_STAT_HDROPS);
}

static void test_parse_badver(void)
{
	uint8_t b[PFS_V3_HDR_LEN] = {0};
	struct pfs_v3_frame f;
	unsigned v;

	for (v = 0; v < 256; v++) {
		g_hdr(b, 200, 0); /* bad action too: version goes first */
		b[0] = (uint8_t)v;
		T_EQ(pfs_v3_frame_parse(b, sizeof(b), &f),
		     v == 3 ? PFS_STAT_BADACT : PFS_STAT_BADVER);
	}
}

static void test_parse_badact(void)
{
	uint8_t b[PFS_V3_HDR_LEN] = {0};
	struct pfs_v3_frame f;
	unsigned a;

	for (a = 0; a < 256; a++) {
		g_hdr(b, (uint8_t)a, 0); /* 20 bytes: short for most */
		if (a >= PFS_V3_ACT_MAX)
			T_EQ(pfs_v3_frame_parse(b, sizeof(b), &f),
			     PFS_STAT_BADACT);
		else
			T_CHECK(pfs_v3_frame_parse(b, sizeof(b), &f) !=
				PFS_STAT_BADACT);
	}
}

/* Each action: BADLEN at every length below the need, 0 at the need. */
static void check_badlen(uint8_t action, uint8_t count, size_t need)
{
	static uint8_t b[PFS_V3_HDR_LEN + 255 * PFS_V3_STATE_LEN];
	struct pfs_v3_frame f;
	size_t len;

	memset(b, 0, sizeof(b));
	g_hdr(b, action, count);
	for (len = PFS_V3_HDR_LEN; len < PFS_V3_HDR_LEN + need; len++)
		T_EQ(pfs_v3_frame_parse(b, len, &f), PFS_STAT_BADLEN);
	T_EQ(pfs_v3_frame_parse(b, PFS_V3_HDR_LEN + need, &f), 0);
}

static void test_parse_badlen(void)
{
	check_badlen(PFS_V3_ACT_INS, 1, 240);
	check_badlen(PFS_V3_ACT_UPD, 2, 480);
	check_badlen(PFS_V3_ACT_DEL, 255, 255 * 240);
	check_badlen(PFS_V3_ACT_UPD_C, 6, 6 * 88);
	check_badlen(PFS_V3_ACT_DEL_C, 3, 48);
	check_badlen(PFS_V3_ACT_UREQ, 1, 16);
	check_badlen(PFS_V3_ACT_CLR, 0, 24);
	check_badlen(PFS_V3_ACT_CLR, 9, 24);
	check_badlen(PFS_V3_ACT_BUS, 0, 16);
	check_badlen(PFS_V3_ACT_BUS, 200, 16);
	check_badlen(PFS_V3_ACT_TDB_UPD, 2, 96);
	check_badlen(PFS_V3_ACT_INS_F, 9, 0);
	check_badlen(PFS_V3_ACT_DEL_F, 0, 0);
	check_badlen(PFS_V3_ACT_UPD, 0, 0); /* count 0: nothing to read */
}

static void test_parse_trailing(void)
{
	uint8_t b[PFS_V3_HDR_LEN + PFS_V3_UPD_LEN + 50] = {0};
	struct pfs_v3_frame f;
	union pfs_v3_record d;

	g_hdr(b, PFS_V3_ACT_UPD_C, 1);
	g_upd(b, 20, 0);
	memset(b + 20 + 88, 0x77, 50);
	T_EQ(pfs_v3_frame_parse(b, sizeof(b), &f), 0);
	T_EQ(f.nrec, 1);
	T_EQ(f.body_len, 88 + 50);
	pfs_v3_frame_record(&f, 0, &d);
	T_CHECK(frame_record_ok(PFS_V3_ACT_UPD_C, 0, &d));
	/* past the last record: zeroed, never read */
	memset(&d, 0xff, sizeof(d));
	pfs_v3_frame_record(&f, 1, &d);
	T_EQ(d.upd.id, 0);
	T_EQ(d.upd.creatorid, 0);
}

/* --- short buffers in every record decoder and encoder -------------------- */

static void check_short_get(size_t reclen, uint8_t action)
{
	uint8_t b[PFS_V3_STATE_LEN] = {0};
	union pfs_v3_record d;
	struct pfs_rbuf rb;
	size_t len;

	for (len = 0; len <= reclen; len++) {
		pfs_rbuf_init(&rb, b, len);
		switch (action) {
		case PFS_V3_ACT_UPD:
			pfs_v3_get_state(&rb, &d.state);
			break;
		case PFS_V3_ACT_UPD_C:
			pfs_v3_get_upd(&rb, &d.upd);
			break;
		case PFS_V3_ACT_DEL_C:
			pfs_v3_get_del(&rb, &d.del);
			break;
		case PFS_V3_ACT_UREQ:
			pfs_v3_get_ureq(&rb, &d.ureq);
			break;
		case PFS_V3_ACT_CLR:
			pfs_v3_get_clr(&rb, &d.clr);
			break;
		case PFS_V3_ACT_BUS:
			pfs_v3_get_bus(&rb, &d.bus);
			break;
		default:
			pfs_v3_get_tdb(&rb, &d.tdb);
			break;
		}
		T_EQ(rb.err, len < reclen);
	}
}

static void test_short_decode(void)
{
	check_short_get(PFS_V3_STATE_LEN, PFS_V3_ACT_UPD);
	check_short_get(PFS_V3_UPD_LEN, PFS_V3_ACT_UPD_C);
	check_short_get(PFS_V3_DEL_LEN, PFS_V3_ACT_DEL_C);
	check_short_get(PFS_V3_UREQ_LEN, PFS_V3_ACT_UREQ);
	check_short_get(PFS_V3_CLR_LEN, PFS_V3_ACT_CLR);
	check_short_get(PFS_V3_BUS_LEN, PFS_V3_ACT_BUS);
	check_short_get(PFS_V3_TDB_LEN, PFS_V3_ACT_TDB_UPD);
}

static void test_short_encode(void)
{
	uint8_t out[PFS_V3_STATE_LEN];
	struct pfs_state st;
	struct pfs_v3_upd u;
	struct pfs_wbuf wb;
	size_t cap;

	fx_state(&st, 0);
	fx_upd(&u, 0);
	for (cap = 0; cap <= PFS_V3_STATE_LEN; cap++) {
		pfs_wbuf_init(&wb, out, cap);
		pfs_v3_put_state(&wb, &st);
		T_EQ(wb.err, cap < PFS_V3_STATE_LEN);
		pfs_wbuf_init(&wb, out, cap);
		pfs_v3_put_upd(&wb, &u);
		T_EQ(wb.err, cap < PFS_V3_UPD_LEN);
	}
}

/* --- af, ifname, maxcount, names ------------------------------------------ */

static void test_af(void)
{
	uint8_t b[PFS_V3_STATE_LEN] = {0};
	struct pfs_state st, d;
	struct pfs_wbuf wb;
	struct pfs_rbuf rb;

	T_EQ(pfs_v3_af_to_wire(AF_INET), 2);
	T_EQ(pfs_v3_af_to_wire(AF_INET6), 24);
	T_EQ(pfs_v3_af_to_wire(0), 0);
	T_EQ(pfs_v3_af_to_wire(24), 0);
	T_EQ(pfs_v3_af_to_wire(1), 0);
	T_EQ(pfs_v3_af_from_wire(2), AF_INET);
	T_EQ(pfs_v3_af_from_wire(24), AF_INET6);
	T_EQ(pfs_v3_af_from_wire(10), 0);
	T_EQ(pfs_v3_af_from_wire(28), 0); /* FreeBSD's AF_INET6 */
	T_EQ(pfs_v3_af_from_wire(0), 0);
	/* in a state: Linux 10 goes out as 24 at 232; 28 comes in as 0 */
	fx_state(&st, 1);
	pfs_wbuf_init(&wb, b, sizeof(b));
	pfs_v3_put_state(&wb, &st);
	T_EQ(b[232], 24);
	b[232] = 28;
	pfs_rbuf_init(&rb, b, sizeof(b));
	pfs_v3_get_state(&rb, &d);
	T_EQ(d.af, 0);
	st.af = 0;
	pfs_wbuf_init(&wb, b, sizeof(b));
	pfs_v3_put_state(&wb, &st);
	T_EQ(b[232], 0);
}

/* Names are NUL padded: bytes after the first NUL and byte 15 are dropped. */
static void test_ifname(void)
{
	uint8_t b[PFS_V3_CLR_LEN] = {0}, out[PFS_V3_CLR_LEN];
	struct pfs_v3_clr c;
	struct pfs_wbuf wb;
	struct pfs_rbuf rb;

	memset(b, 'x', 16);
	pfs_rbuf_init(&rb, b, sizeof(b));
	pfs_v3_get_clr(&rb, &c);
	T_EQ(strlen(c.ifname), 15);
	memcpy(b, "ab\0garbage", 10);
	pfs_rbuf_init(&rb, b, sizeof(b));
	pfs_v3_get_clr(&rb, &c);
	T_CHECK(strcmp(c.ifname, "ab") == 0);
	T_EQ(c.ifname[3], 0);
	T_EQ(c.ifname[15], 0);
	memset(c.ifname, 'y', sizeof(c.ifname)); /* unterminated input */
	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_v3_put_clr(&wb, &c);
	T_CHECK(!wb.err);
	T_EQ(out[14], 'y');
	T_EQ(out[15], 0);
}

static void test_maxcount(void)
{
	T_EQ(pfs_v3_maxcount(1500), 6);
	T_EQ(pfs_v3_maxcount(1280), 5);
	T_EQ(pfs_v3_maxcount(2048), 8);
	T_EQ(pfs_v3_maxcount(9000), 8);
	T_EQ(pfs_v3_maxcount(65535), 8);
	T_EQ(pfs_v3_maxcount(1460), 6);
	T_EQ(pfs_v3_maxcount(500), 2);
	T_EQ(pfs_v3_maxcount(499), 1);
	T_EQ(pfs_v3_maxcount(260), 1);
	T_EQ(pfs_v3_maxcount(259), 0);
	T_EQ(pfs_v3_maxcount(19), 0);
	T_EQ(pfs_v3_maxcount(0), 0);
}

static void test_names(void)
{
	static const char *const names[] = {
	    "CLR ST",	   "INS ST",	   "UPD ST",  "DEL ST",
	    "UPD ST COMP", "DEL ST COMP",  "INS FR",  "DEL FR",
	    "UPD REQ",	   "BLK UPD STAT", "TDB UPD",
	};
	static const size_t lens[] = {24, 240, 240, 240, 88, 16,
				      0,  0,   16,  16,	 48};
	unsigned a;

	for (a = 0; a < PFS_V3_ACT_MAX; a++) {
		T_CHECK(strcmp(pfs_v3_action_name((uint8_t)a), names[a]) == 0);
		T_EQ(pfs_v3_reclen((uint8_t)a), lens[a]);
	}
	T_CHECK(strcmp(pfs_v3_action_name(11), "?") == 0);
	T_CHECK(strcmp(pfs_v3_action_name(255), "?") == 0);
	T_EQ(pfs_v3_reclen(11), 0);
	T_CHECK(strcmp(pfs_stat_name(PFS_STAT_BADLEN), "badlen") == 0);
	T_CHECK(strcmp(pfs_stat_name(PFS_STAT_IPACKETS), "ipackets") == 0);
	T_CHECK(strcmp(pfs_stat_name(PFS_STAT_OERRORS), "oerrors") == 0);
	T_CHECK(strcmp(pfs_stat_name(PFS_NSTATS), "?") == 0);
}

/* --- random round trips --------------------------------------------------- */

static uint64_t rnd_state = 0x9e3779b97f4a7c15ULL;

static uint64_t rnd(void)
{
	/* xorshift64: reproducible, no libc state */
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

static void rnd_bytes(void *p, size_t n)
{
	uint8_t *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)rnd();
}

static void rnd_ifname(char *name)
{
	size_t n = rnd() % PFS_IFNAMSIZ, i;

	memset(name, 0, PFS_IFNAMSIZ);
	for (i = 0; i < n; i++)
		name[i] = (char)('!' + rnd() % 94);
}

static void rnd_peer(struct pfs_peer *p)
{
	p->scrub.flags = (uint16_t)rnd();
	p->scrub.ttl = (uint8_t)rnd();
	p->scrub.valid = (uint8_t)rnd();
	p->scrub.ts_mod = (uint32_t)rnd();
	p->seqlo = (uint32_t)rnd();
	p->seqhi = (uint32_t)rnd();
	p->seqdiff = (uint32_t)rnd();
	p->max_win = (uint16_t)rnd();
	p->mss = (uint16_t)rnd();
	p->state = (uint8_t)rnd();
	p->wscale = (uint8_t)rnd();
}

static void rnd_state_rec(struct pfs_state *st)
{
	static const uint8_t afs[3] = {0, AF_INET, AF_INET6};

	rnd_bytes(st, sizeof(*st)); /* every field, padding included */
	rnd_ifname(st->ifname);
	st->af = afs[rnd() % 3];
	st->sync_time = 0;
}

static void test_roundtrip_state(void)
{
	uint8_t b[PFS_V3_STATE_LEN];
	struct pfs_state st, d;
	struct pfs_wbuf wb;
	struct pfs_rbuf rb;
	int i;

	for (i = 0; i < 5000; i++) {
		rnd_state_rec(&st);
		pfs_wbuf_init(&wb, b, sizeof(b));
		pfs_v3_put_state(&wb, &st);
		pfs_rbuf_init(&rb, b, sizeof(b));
		pfs_v3_get_state(&rb, &d);
		T_CHECK(!wb.err && !rb.err);
		T_CHECK(eq_state(&d, &st));
		/* padding of the three hosts and two peers is zero */
		T_EQ(b[24 + 18] | b[48 + 23] | b[72 + 20], 0);
		T_EQ(b[96 + 26] | b[128 + 31], 0);
	}
}

static void test_roundtrip_small(void)
{
	uint8_t b[PFS_V3_TDB_LEN];
	struct pfs_v3_upd u, du;
	struct pfs_v3_tdb t, dt;
	struct pfs_v3_bus bu, dbu;
	struct pfs_wbuf wb;
	struct pfs_rbuf rb;
	uint8_t ub[PFS_V3_UPD_LEN];
	int i;

	for (i = 0; i < 5000; i++) {
		rnd_bytes(&u, sizeof(u));
		rnd_peer(&u.src);
		pfs_wbuf_init(&wb, ub, sizeof(ub));
		pfs_v3_put_upd(&wb, &u);
		pfs_rbuf_init(&rb, ub, sizeof(ub));
		pfs_v3_get_upd(&rb, &du);
		T_CHECK(!rb.err && eq_upd(&du, &u));
		rnd_bytes(&t, sizeof(t));
		pfs_wbuf_init(&wb, b, sizeof(b));
		pfs_v3_put_tdb(&wb, &t);
		pfs_rbuf_init(&rb, b, sizeof(b));
		pfs_v3_get_tdb(&rb, &dt);
		T_CHECK(!rb.err && eq_tdb(&dt, &t));
		rnd_bytes(&bu, sizeof(bu));
		pfs_wbuf_init(&wb, b, PFS_V3_BUS_LEN);
		pfs_v3_put_bus(&wb, &bu);
		pfs_rbuf_init(&rb, b, PFS_V3_BUS_LEN);
		pfs_v3_get_bus(&rb, &dbu);
		T_CHECK(dbu.creatorid == bu.creatorid &&
			dbu.endtime == bu.endtime && dbu.status == bu.status);
	}
}

static void test_roundtrip_ids(void)
{
	uint8_t b[PFS_V3_CLR_LEN];
	struct pfs_v3_del d, dd;
	struct pfs_v3_ureq r, dr;
	struct pfs_v3_clr c, dc;
	struct pfs_wbuf wb;
	struct pfs_rbuf rb;
	int i;

	for (i = 0; i < 5000; i++) {
		rnd_bytes(&d, sizeof(d));
		pfs_wbuf_init(&wb, b, PFS_V3_DEL_LEN);
		pfs_v3_put_del(&wb, &d);
		pfs_rbuf_init(&rb, b, PFS_V3_DEL_LEN);
		pfs_v3_get_del(&rb, &dd);
		T_CHECK(dd.id == d.id && dd.creatorid == d.creatorid &&
			dd.src_state == d.src_state &&
			dd.dst_state == d.dst_state);
		rnd_bytes(&r, sizeof(r));
		pfs_wbuf_init(&wb, b, PFS_V3_UREQ_LEN);
		pfs_v3_put_ureq(&wb, &r);
		pfs_rbuf_init(&rb, b, PFS_V3_UREQ_LEN);
		pfs_v3_get_ureq(&rb, &dr);
		T_CHECK(dr.id == r.id && dr.creatorid == r.creatorid);
		rnd_ifname(c.ifname);
		c.creatorid = (uint32_t)rnd();
		pfs_wbuf_init(&wb, b, PFS_V3_CLR_LEN);
		pfs_v3_put_clr(&wb, &c);
		pfs_rbuf_init(&rb, b, PFS_V3_CLR_LEN);
		pfs_v3_get_clr(&rb, &dc);
		T_CHECK(!rb.err && memcmp(dc.ifname, c.ifname, 16) == 0 &&
			dc.creatorid == c.creatorid);
	}
}

int main(void)
{
	T_RUN(test_golden_header);
	T_RUN(test_golden_state);
	T_RUN(test_golden_peer);
	T_RUN(test_golden_upd);
	T_RUN(test_golden_del);
	T_RUN(test_golden_ureq);
	T_RUN(test_golden_clr);
	T_RUN(test_golden_bus);
	T_RUN(test_golden_tdb);
	T_RUN(test_frame_full_states);
	T_RUN(test_frame_compressed);
	T_RUN(test_frame_single);
	T_RUN(test_frame_fragments);
	T_RUN(test_parse_hdrops);
	T_RUN(test_parse_badver);
	T_RUN(test_parse_badact);
	T_RUN(test_parse_badlen);
	T_RUN(test_parse_trailing);
	T_RUN(test_short_decode);
	T_RUN(test_short_encode);
	T_RUN(test_af);
	T_RUN(test_ifname);
	T_RUN(test_maxcount);
	T_RUN(test_names);
	T_RUN(test_roundtrip_state);
	T_RUN(test_roundtrip_small);
	T_RUN(test_roundtrip_ids);
	return t_done();
}
