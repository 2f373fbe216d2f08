/*
 * test_ctpolicy.c - the conntrack backend's pure policy (ctpolicy.h),
 * without a kernel: which write a peer's change becomes, when a kernel
 * entry seen again is announced (carried change, refresh rule), when a
 * local entry is re-read, and the adopt rule, alone and driven by the
 * engine through ops->adopt; the provenance tags and the unconfirmed
 * states they make; and that the local bookkeeping flag never reaches
 * the wire.
 */
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/buf.h"
#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/wire_bsd.h"
#include "pfsync/wire_v3.h"
#include "pfsync/wire_v5.h"
#include "pfsync/wire_v6.h"

#include "backend/ctmap.h"
#include "backend/ctpolicy.h"
#include "sim.h"
#include "t.h"

#define HOST	0x0a000001u
#define PEER_ID 0x0a000002u
#define NOW	1000u
#define T0	1000000ull

static void test_write_kind(void)
{
	struct pfs_state s = sim_state(1, PEER_ID);

	T_EQ(pfsd_ctpol_write_kind(PFS_OP_INSERT, &s, false), PFSD_CTWR_UPSERT);
	T_EQ(pfsd_ctpol_write_kind(PFS_OP_UPDATE, &s, false), PFSD_CTWR_UPSERT);
	T_EQ(pfsd_ctpol_write_kind(PFS_OP_DELETE, &s, false), PFSD_CTWR_DELETE);
	/* a second translation in the extras alone: written as NAT */
	T_EQ(pfsd_ctpol_write_kind(PFS_OP_INSERT, &s, true),
	     PFSD_CTWR_CREATE_NAT);
	T_EQ(pfsd_ctpol_write_kind(PFS_OP_UPDATE, &s, true),
	     PFSD_CTWR_UPDATE_NAT);
	T_EQ(pfsd_ctpol_write_kind(PFS_OP_DELETE, &s, true), PFSD_CTWR_DELETE);
	s.gwy.port = 61000; /* source NAT */
	T_CHECK(pfsd_ctmap_is_nat(&s));
	T_EQ(pfsd_ctpol_write_kind(PFS_OP_INSERT, &s, false), PFSD_CTWR_CREATE_NAT);
	T_EQ(pfsd_ctpol_write_kind(PFS_OP_UPDATE, &s, false), PFSD_CTWR_UPDATE_NAT);
	T_EQ(pfsd_ctpol_write_kind(PFS_OP_DELETE, &s, false), PFSD_CTWR_DELETE);
}

/* Only what pfsync carries counts as a change. */
static void test_seen_changed(void)
{
	struct pfs_state m = sim_state(1, HOST), st = m;

	m.expire = st.expire = NOW + 100;
	T_EQ(pfsd_ctpol_seen(&m, &st, NOW), PFSD_CTPOL_NONE);
	st.src.seqlo += 100; /* not read from the kernel, not carried */
	st.packets[0] = 5;
	T_EQ(pfsd_ctpol_seen(&m, &st, NOW), PFSD_CTPOL_NONE);
	st.dst.state = PFS_TCPS_FIN_WAIT_2;
	T_EQ(pfsd_ctpol_seen(&m, &st, NOW), PFSD_CTPOL_CHANGED);
	st = m;
	st.src.wscale = PFS_WSCALE_FLAG | 7;
	T_EQ(pfsd_ctpol_seen(&m, &st, NOW), PFSD_CTPOL_CHANGED);
	st = m;
	st.dst.wscale = PFS_WSCALE_FLAG | 2;
	T_EQ(pfsd_ctpol_seen(&m, &st, NOW), PFSD_CTPOL_CHANGED);
}

/* The refresh rule: moved >= 5 s and the peers' copy has less than half
 * of the real remaining lifetime left. */
static void test_seen_refresh(void)
{
	struct pfs_state m = sim_state(1, HOST), st = m;

	m.expire = NOW + 40;
	st.expire = NOW + 120; /* 40 < 120 / 2 */
	T_EQ(pfsd_ctpol_seen(&m, &st, NOW), PFSD_CTPOL_REFRESH);
	st.expire = NOW + 80; /* 40 == 80 / 2: not less */
	T_EQ(pfsd_ctpol_seen(&m, &st, NOW), PFSD_CTPOL_NONE);
	st.expire = NOW + 82; /* 40 < 82 / 2 */
	T_EQ(pfsd_ctpol_seen(&m, &st, NOW), PFSD_CTPOL_REFRESH);
	m.expire = NOW + 2; /* nearly gone: 4 s forward is too little */
	st.expire = NOW + 6;
	T_EQ(pfsd_ctpol_seen(&m, &st, NOW), PFSD_CTPOL_NONE);
	st.expire = NOW + 7;
	T_EQ(pfsd_ctpol_seen(&m, &st, NOW), PFSD_CTPOL_REFRESH);
	/* backwards or expired copies */
	m.expire = NOW + 100;
	st.expire = NOW + 50; /* 50 == 100 / 2: not less */
	T_EQ(pfsd_ctpol_seen(&m, &st, NOW), PFSD_CTPOL_NONE);
	st.expire = NOW + 49; /* cut to less than half: the peers' copy
			       * would outlive ours */
	T_EQ(pfsd_ctpol_seen(&m, &st, NOW), PFSD_CTPOL_REFRESH);
	m.expire = NOW + 8; /* back by 4 s only: too little */
	st.expire = NOW + 4;
	T_EQ(pfsd_ctpol_seen(&m, &st, NOW), PFSD_CTPOL_NONE);
	m.expire = NOW + 100;
	m.expire = NOW - 10;
	st.expire = NOW + 5;
	T_EQ(pfsd_ctpol_seen(&m, &st, NOW), PFSD_CTPOL_REFRESH);
	/* a carried change wins over the refresh */
	st.src.state = PFS_TCPS_CLOSING;
	T_EQ(pfsd_ctpol_seen(&m, &st, NOW), PFSD_CTPOL_CHANGED);
}

static void test_merge(void)
{
	struct pfs_state m = sim_state(9, HOST), st = sim_state(3, 77), u;

	m.local_flags = PFS_LF_PROVISIONAL;
	m.expire = NOW + 10;
	st.src.state = PFS_TCPS_FIN_WAIT_2;
	st.dst.state = PFS_TCPS_CLOSING;
	st.src.wscale = PFS_WSCALE_FLAG | 3;
	st.dst.wscale = PFS_WSCALE_FLAG | 4;
	st.src.seqlo = 77777;
	st.expire = NOW + 500;
	st.timeout = PFS_TM_TCP_CLOSING;
	pfsd_ctpol_merge(&m, &st, &u);
	T_EQ(u.id, 9);
	T_EQ(u.creatorid, HOST);
	T_EQ(u.local_flags, PFS_LF_PROVISIONAL);
	T_EQ(u.src.state, PFS_TCPS_FIN_WAIT_2);
	T_EQ(u.dst.state, PFS_TCPS_CLOSING);
	T_EQ(u.src.wscale, PFS_WSCALE_FLAG | 3);
	T_EQ(u.dst.wscale, PFS_WSCALE_FLAG | 4);
	T_EQ(u.src.seqlo, m.src.seqlo);
	T_EQ(u.expire, NOW + 500);
	T_EQ(u.timeout, PFS_TM_TCP_CLOSING);
	T_CHECK(memcmp(&u.lan, &m.lan, sizeof(u.lan)) == 0);
}

static void test_reread_due(void)
{
	struct pfs_state s = sim_state(1, HOST);

	s.expire = NOW + PFSD_CTPOL_LEAD_S;
	T_CHECK(pfsd_ctpol_reread_due(&s, HOST, NOW));
	s.expire = NOW + PFSD_CTPOL_LEAD_S + 1;
	T_CHECK(!pfsd_ctpol_reread_due(&s, HOST, NOW));
	s.expire = NOW - 1;
	T_CHECK(pfsd_ctpol_reread_due(&s, HOST, NOW));
	s.creatorid = PEER_ID; /* a peer's: its creator refreshes it */
	T_CHECK(!pfsd_ctpol_reread_due(&s, HOST, NOW));
}

static void test_adopt_rule(void)
{
	struct pfs_state l = sim_state(7, HOST), p = sim_state(5, PEER_ID);

	T_CHECK(!pfsd_ctpol_adopt(&l, &p, HOST)); /* seen created */
	l.local_flags = PFS_LF_PROVISIONAL;
	T_CHECK(pfsd_ctpol_adopt(&l, &p, HOST));
	p.creatorid = HOST; /* ours under an older id: taken back */
	T_CHECK(pfsd_ctpol_adopt(&l, &p, HOST));
	l.creatorid = PEER_ID; /* already a peer's */
	T_CHECK(!pfsd_ctpol_adopt(&l, &p, HOST));
	l.creatorid = HOST;
	T_CHECK(!pfsd_ctpol_adopt(&l, &p, 0x0a000009)); /* hostid changed */
}

/* ---- the rule driven by the engine (ops->adopt) --------------------------*/

static int n_out;

static int eng_output(void *ctx, const uint8_t *local, size_t llen,
		      const uint8_t *wire, size_t wlen, uint32_t dst)
{
	(void)ctx, (void)local, (void)llen, (void)wire, (void)wlen, (void)dst;
	n_out++;
	return 0;
}

static bool eng_adopt(void *ctx, const struct pfs_state *local,
		      const struct pfs_state *peer)
{
	(void)ctx;
	return pfsd_ctpol_adopt(local, peer, HOST);
}

static const struct pfs_engine_ops eng_ops = {
    .output = eng_output,
    .adopt = eng_adopt,
};

/* A peer's full UPD of st. */
static void eng_upd(struct pfs_engine *e, const struct pfs_state *st)
{
	static const struct pfs_rx_meta m = {0x0a000002u, true, PFS_V3_TTL};
	struct pfs_v3_header h = {
	    .version = 3, .action = PFS_V3_ACT_UPD, .count = 1};
	uint8_t buf[PFS_V3_MTU_MAX];
	struct pfs_wbuf wb;

	pfs_wbuf_init(&wb, buf, sizeof(buf));
	pfs_v3_put_header(&wb, &h);
	pfs_v3_put_state(&wb, st);
	pfs_engine_input(e, buf, wb.off, &m, T0);
}

/*
 * A re-read (provisional) state takes the peer's identity and is no
 * longer provisional; a state we saw created keeps its own, and the
 * peer's copy is refused (as pf does).
 */
static void test_adopt_engine(void)
{
	struct pfs_engine_conf c;
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_engine *e;
	struct pfs_state reread = sim_state(7, HOST), seen = sim_state(8, HOST);
	struct pfs_state w, *s;

	pfs_engine_conf_default(&c);
	c.hostid = HOST;
	c.syncdev = true;
	e = pfs_engine_new(&c, t, &eng_ops, NULL, T0);
	reread.local_flags = PFS_LF_PROVISIONAL;
	T_EQ(pfs_engine_insert(e, &reread, T0), 0);
	T_EQ(pfs_engine_insert(e, &seen, T0), 0);
	s = pfs_table_find_id(t, 7, HOST);
	T_CHECK(s != NULL && (s->local_flags & PFS_LF_PROVISIONAL));

	w = reread; /* the peer's copy of the re-read flow */
	w.id = 0x55;
	w.creatorid = PEER_ID;
	w.local_flags = 0;
	w.dst.state = PFS_TCPS_FIN_WAIT_2;
	eng_upd(e, &w);
	T_CHECK(pfs_table_find_id(t, 7, HOST) == NULL);
	s = pfs_table_find_id(t, 0x55, PEER_ID);
	T_CHECK(s != NULL);
	if (s != NULL) {
		T_EQ(s->local_flags & PFS_LF_PROVISIONAL, 0);
		T_EQ(s->dst.state, PFS_TCPS_FIN_WAIT_2);
	}
	T_EQ(pfs_engine_stats(e)[PFS_STAT_BADSTATE], 0);

	w = seen; /* the peer's copy of a flow we saw created */
	w.id = 0x56;
	w.creatorid = PEER_ID;
	eng_upd(e, &w);
	T_CHECK(pfs_table_find_id(t, 8, HOST) != NULL);
	T_CHECK(pfs_table_find_id(t, 0x56, PEER_ID) == NULL);
	T_EQ(pfs_engine_stats(e)[PFS_STAT_BADSTATE], 1);
	T_EQ(pfs_table_count(t), 2);
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* ---- provenance ------------------------------------------------------------*/

/* One bit: every peer's tag is that bit, ours 0; 8 bits: 255 creators. */
static void test_prov_tags(void)
{
	T_EQ(pfsd_ctpol_prov_bits(0, PEER_ID, HOST), 0);
	T_EQ(pfsd_ctpol_prov_bits(0x80000000u, HOST, HOST), 0);
	T_EQ(pfsd_ctpol_prov_bits(0x80000000u, PEER_ID, HOST), 0x80000000u);
	T_EQ(pfsd_ctpol_prov_bits(0x80000000u, 7, HOST), 0x80000000u);
	T_EQ(pfsd_ctpol_prov_tag(0x80000000u, 0x80000001u), 1);
	T_EQ(pfsd_ctpol_prov_tag(0x80000000u, 0x7fffffffu), 0);
	T_CHECK(pfsd_ctpol_prov_may(0x80000000u, 1, PEER_ID));
	T_CHECK(pfsd_ctpol_prov_may(0x80000000u, 1, 12345));
	T_CHECK(!pfsd_ctpol_prov_may(0x80000000u, 0, PEER_ID));
	T_CHECK(!pfsd_ctpol_prov_may(0, 1, PEER_ID));

	/* 0x0a000002 % 255 = 12: tag 13 in bits 16..23 */
	T_EQ(pfsd_ctpol_prov_bits(0x00ff0000u, PEER_ID, HOST), 13u << 16);
	T_EQ(pfsd_ctpol_prov_tag(0x00ff0000u, 0x120d3456u), 13);
	T_CHECK(pfsd_ctpol_prov_may(0x00ff0000u, 13, PEER_ID));
	T_CHECK(!pfsd_ctpol_prov_may(0x00ff0000u, 13, PEER_ID + 1));
	/* a creator that is a multiple of 255 still gets a nonzero tag */
	T_EQ(pfsd_ctpol_prov_bits(0x00ff0000u, 255 * 3, HOST), 1u << 16);
}

/*
 * An unconfirmed state (re-read, written for a peer) is never announced;
 * a peer's state for its connection claims it: it takes the peer's
 * identity and is an ordinary peer's state from then on.
 */
static void test_unconfirmed_engine(void)
{
	struct pfs_engine_conf c;
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_engine *e;
	struct pfs_state u = sim_state(9, HOST), w, *s;

	pfs_engine_conf_default(&c);
	c.hostid = HOST;
	c.syncdev = true;
	e = pfs_engine_new(&c, t, &eng_ops, NULL, T0);
	u.local_flags = PFS_LF_PROVISIONAL | PFS_LF_UNCONFIRMED;
	u.sync_flags = PFS_SF_NOSYNC;
	n_out = 0;
	T_EQ(pfs_engine_insert(e, &u, T0), 0);
	u.dst.state = PFS_TCPS_FIN_WAIT_2;
	T_EQ(pfs_engine_update(e, &u, T0), 0);
	pfs_engine_flush(e, T0);
	T_EQ(n_out, 0); /* neither announced */

	w = sim_state(9, HOST); /* the creator's copy */
	w.id = 0x77;
	w.creatorid = PEER_ID;
	w.local_flags = 0;
	w.sync_flags = 0;
	eng_upd(e, &w);
	s = pfs_table_find_id(t, 0x77, PEER_ID);
	T_CHECK(s != NULL);
	if (s != NULL) {
		T_EQ(s->local_flags, 0);
		T_EQ(s->sync_flags, 0);
	}
	T_CHECK(pfs_table_find_id(t, 9, HOST) == NULL);
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* ---- local_flags never reaches the wire ----------------------------------*/

static void test_local_flags_not_on_wire(void)
{
	static const unsigned fmts[] = {1301, 1400, 1500};
	struct pfs_state a = sim_state(3, HOST), b = a, d;
	struct pfs_bsd_state ba, bb, bd;
	uint8_t wa[512], wb_[512];
	struct pfs_wbuf w1, w2;
	struct pfs_rbuf rb;
	size_t i;

	b.local_flags = 0xff;
	pfs_wbuf_init(&w1, wa, sizeof(wa));
	pfs_wbuf_init(&w2, wb_, sizeof(wb_));
	pfs_v3_put_state(&w1, &a);
	pfs_v3_put_state(&w2, &b);
	T_EQ(w1.off, w2.off);
	T_MEMEQ(wa, wb_, w1.off);
	pfs_rbuf_init(&rb, wb_, w2.off);
	pfs_v3_get_state(&rb, &d);
	T_EQ(d.local_flags, 0);

	memset(&ba, 0, sizeof(ba));
	ba.st = a;
	bb = ba;
	bb.st.local_flags = 0xff;
	for (i = 0; i < sizeof(fmts) / sizeof(fmts[0]); i++) {
		pfs_wbuf_init(&w1, wa, sizeof(wa));
		pfs_wbuf_init(&w2, wb_, sizeof(wb_));
		pfs_v5_put_state(&w1, fmts[i], &ba);
		pfs_v5_put_state(&w2, fmts[i], &bb);
		T_EQ(w1.off, w2.off);
		T_MEMEQ(wa, wb_, w1.off);
		pfs_rbuf_init(&rb, wb_, w2.off);
		pfs_v5_get_state(&rb, fmts[i], &bd);
		T_EQ(bd.st.local_flags, 0);
	}
	pfs_wbuf_init(&w1, wa, sizeof(wa));
	pfs_wbuf_init(&w2, wb_, sizeof(wb_));
	pfs_v6_put_state(&w1, &ba);
	pfs_v6_put_state(&w2, &bb);
	T_EQ(w1.off, w2.off);
	T_MEMEQ(wa, wb_, w1.off);
	pfs_rbuf_init(&rb, wb_, w2.off);
	pfs_v6_get_state(&rb, &bd);
	T_EQ(bd.st.local_flags, 0);
}

int main(void)
{
	T_RUN(test_write_kind);
	T_RUN(test_seen_changed);
	T_RUN(test_seen_refresh);
	T_RUN(test_merge);
	T_RUN(test_reread_due);
	T_RUN(test_adopt_rule);
	T_RUN(test_adopt_engine);
	T_RUN(test_local_flags_not_on_wire);
	T_RUN(test_prov_tags);
	T_RUN(test_unconfirmed_engine);
	return t_done();
}
