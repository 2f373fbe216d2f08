/*
 * test_engine_v6.c - the engine speaking OpenBSD v6: packets built by hand
 * from pfsync-modern.md §1.2-§1.5 (the golden records of g_v6.h, not our
 * encoder) fed into an engine, the table checked; an engine configured
 * `version 6` or switched by `version auto` framing what it sends as v6,
 * decoded back by the v6 codec; refusals counted as OpenBSD counts them.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/buf.h"
#include "pfsync/dialect.h"
#include "pfsync/engine.h"
#include "pfsync/stats.h"
#include "pfsync/table.h"
#include "pfsync/wire_v3.h"
#include "pfsync/wire_v6.h"
#include "t.h"
#include "t_bsd.h"
#include "g_v6.h"
#include "t_eng.h"
#include "sim.h"

#define ID0 0x0102030405060708ULL
#define ID1 0x0102030405060709ULL
#define CR  0xdeadbeefu

/* INS of the two fixtures: §1.2 header, §1.3 action 13, 66 words. */
static size_t mk_ins(uint8_t *b)
{
	size_t len = 20 + 4 + 2 * 264;

	memset(b, 0, len);
	g_hdr(b, (uint16_t)len);
	g_sub(b, 20, 13, 66, 2);
	g_state(b, 24, 0);
	g_state(b, 24 + 264, 1);
	return len;
}

/* UPD_C (action 4, 21 words) of (id, creator) with peers k, k + 2. */
static size_t mk_upd_c(uint8_t *b, uint64_t id, uint32_t cr, uint8_t k)
{
	size_t len = 20 + 4 + 84;

	memset(b, 0, len);
	g_hdr(b, (uint16_t)len);
	g_sub(b, 20, 4, 21, 1);
	g64(b, 24, id);
	g_peer(b, 32, k);
	g_peer(b, 64, (uint8_t)(k + 2));
	g32(b, 96, cr);
	g8(b, 104, PFS_TM_TCP_ESTABLISHED); /* expire 0, as OpenBSD sends */
	return len;
}

/* One 12-byte record section: DEL_C (7), UPD_REQ (5). */
static size_t mk_ref(uint8_t *b, uint8_t act, uint64_t id, uint32_t cr)
{
	size_t len = 20 + 4 + 12;

	memset(b, 0, len);
	g_hdr(b, (uint16_t)len);
	g_sub(b, 20, act, 3, 1);
	g_ref(b, 24, id, cr);
	return len;
}

static size_t mk_clr(uint8_t *b, const char *ifname, uint32_t cr)
{
	size_t len = 20 + 4 + 20;

	memset(b, 0, len);
	g_hdr(b, (uint16_t)len);
	g_sub(b, 20, 0, 5, 1);
	memcpy(b + 24, ifname, strlen(ifname));
	g32(b, 24 + 16, cr);
	return len;
}

static void test_ins_lands(void)
{
	struct pfs_engine_peer peers[PFS_ENGINE_PEERS];
	struct pfs_bsd_state fx;
	struct pfs_state *s;
	uint8_t b[1500];
	unsigned fmt = 99;
	struct te te;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	T_EQ(pfs_engine_dialect(te.e, NULL), 3);
	te_input(&te, b, mk_ins(b), TE_PEER, TE_T0);
	T_EQ(te_stat(&te, PFS_STAT_IPACKETS), 1);
	T_EQ(te_stat(&te, PFS_STAT_BADVAL), 0);
	T_EQ(te.applied[PFS_OP_INSERT], 2);
	T_EQ(pfs_table_count(te.t), 2);
	s = pfs_table_find_id(te.t, ID0, CR);
	T_CHECK(s != NULL);
	if (s) {
		fx_state(&fx, 0);
		T_EQ(s->af, AF_INET);
		T_EQ(s->proto, 6);
		T_EQ(s->direction, PFS_DIR_OUT);
		T_CHECK(strcmp(s->ifname, "em0") == 0);
		T_CHECK(t_host_eq(&s->ext, &fx.st.ext));
		T_CHECK(t_host_eq(&s->gwy, &fx.st.gwy));
		T_CHECK(t_host_eq(&s->lan, &fx.st.lan));
		T_CHECK(t_peer_eq(&s->src, &fx.st.src));
		T_CHECK(t_peer_eq(&s->dst, &fx.st.dst));
		T_EQ(s->rule, PFS_NO_RULE); /* no shared ruleset digest */
		T_EQ(s->creation, 0);	    /* 100 s now, 3600 s old */
		/* seconds left, as OpenBSD means it (pf.c pf_state_import):
		 * 86400 s left lives 86400 s, not 172800 */
		T_EQ(s->expire, 100 + fx.st.expire);
	}
	s = pfs_table_find_id(te.t, ID1, CR);
	T_CHECK(s != NULL && s->af == AF_INET6 && s->proto == 17);
	/* auto: the only peer speaks v6, so do we */
	T_EQ(pfs_engine_dialect(te.e, &fmt), 6);
	T_EQ(fmt, 0);
	T_EQ(te.dialect_calls, 1);
	T_EQ(pfs_engine_peers(te.e, peers, PFS_ENGINE_PEERS), 1);
	T_EQ(peers[0].addr, TE_PEER);
	T_EQ(peers[0].dialect, 6);
	te_close(&te);
}

static void test_upd_c(void)
{
	struct pfs_state *s;
	uint8_t b[1500];
	struct te te;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(&te, b, mk_ins(b), TE_PEER, TE_T0);
	te_input(&te, b, mk_upd_c(b, ID0, CR, 1), TE_PEER, TE_T0 + 1000);
	s = pfs_table_find_id(te.t, ID0, CR);
	T_CHECK(s != NULL);
	if (s) {
		T_EQ(s->src.state, 5); /* fixture peer 1 */
		T_EQ(s->dst.state, 7); /* fixture peer 3 */
		T_EQ(s->src.seqlo, 0xa1a2a3a4u + 1);
		/* expire 0: the expiry starts again now */
		T_EQ(s->expire, 101 + pfs_timeout_default(s->timeout));
	}
	T_EQ(te.applied[PFS_OP_UPDATE], 1);
	T_EQ(te.n, 0);
	/* unknown state: an UPD_REQ back to the sender, in v6, counted
	 * nowhere (if_pfsync.c pfsync_in_upd_c) */
	te_input(&te, b, mk_upd_c(b, 0x55, 0x77, 1), TE_PEER, TE_T0 + 2000);
	T_EQ(te_stat(&te, PFS_STAT_BADSTATE), 0);
	T_EQ(te_stat(&te, PFS_STAT_STALE), 0);
	T_EQ(te.n, 1);
	T_EQ(te.p[0].dst, TE_PEER);
	T_EQ(te.p[0].wlen, 20 + 4 + 12);
	T_EQ(te.p[0].wire[0], 6);
	T_EQ(te.p[0].wire[20], 5); /* UPD_REQ */
	T_EQ(te.p[0].wire[21], 3); /* 12 bytes */
	T_EQ(te.p[0].wire[31], 0x55);
	T_EQ(te.p[0].wire[35], 0x77);
	te_close(&te);
}

static void test_del_clr(void)
{
	uint8_t b[1500];
	struct te te;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(&te, b, mk_ins(b), TE_PEER, TE_T0);
	te_input(&te, b, mk_ref(b, 7, ID1, CR), TE_PEER, TE_T0);
	T_EQ(pfs_table_count(te.t), 1);
	T_EQ(te.applied[PFS_OP_DELETE], 1);
	T_CHECK(pfs_table_find_id(te.t, ID1, CR) == NULL);
	/* CLR naming an interface removes that interface's states only */
	te_input(&te, b, mk_ins(b), TE_PEER, TE_T0);
	te_input(&te, b, mk_clr(b, "em0", CR), TE_PEER, TE_T0);
	T_CHECK(pfs_table_find_id(te.t, ID0, CR) == NULL);
	T_CHECK(pfs_table_find_id(te.t, ID1, CR) != NULL);
	te_input(&te, b, mk_clr(b, "", 0x1234), TE_PEER, TE_T0);
	T_EQ(pfs_table_count(te.t), 1); /* another creator's */
	te_input(&te, b, mk_clr(b, "", CR), TE_PEER, TE_T0);
	T_EQ(pfs_table_count(te.t), 0);
	te_close(&te);
}

/* Walk every v6 packet sent; count UPD states found in the table and
 * the BUS statuses. */
static void scan_bulk(struct te *te, unsigned *upd, unsigned *start,
		      unsigned *end)
{
	struct pfs_v6_frame f;
	struct pfs_v6_section s;
	union pfs_v6_record r;
	struct pfs_state *t;
	int i;
	size_t j;

	for (i = 0; i < te->n; i++) {
		T_EQ(te->p[i].wire[0], 6);
		if (pfs_v6_frame_parse(te->p[i].wire, te->p[i].wlen, &f) != 0) {
			T_CHECK(0);
			continue;
		}
		while (pfs_v6_frame_next(&f, &s) == 0) {
			for (j = 0; j < s.sub.count; j++) {
				pfs_v6_section_record(&s, j, &r);
				if (s.sub.action == PFS_V6_ACT_BUS) {
					*start += r.bus.status == 1;
					*end += r.bus.status == 2;
					continue;
				}
				T_EQ(s.sub.action, PFS_V6_ACT_UPD);
				T_EQ(s.sub.words, 66);
				t = pfs_table_find_id(te->t, r.state.st.id,
						      r.state.st.creatorid);
				T_CHECK(t != NULL &&
					t_host_eq(&t->lan, &r.state.st.lan));
				*upd += t != NULL;
			}
		}
	}
}

/* `version 6`: a bulk request (UPD_REQ 0/0) is answered in v6. */
static void test_bulk_answer(void)
{
	unsigned upd = 0, start = 0, end = 0, i;
	uint64_t now = TE_T0;
	uint8_t b[1500];
	struct te te;

	te_open(&te, PFS_DIALECT_V6, 0);
	for (i = 0; i < 12; i++) {
		struct pfs_state st = sim_state(0x100 + i, TE_HOST);

		T_EQ(pfs_engine_insert(te.e, &st, now), 0);
	}
	pfs_engine_flush(te.e, now);
	te.n = 0;
	te_input(&te, b, mk_ref(b, 5, 0, 0), TE_PEER, now);
	T_CHECK(pfs_engine_bulk_sending(te.e));
	while (pfs_engine_bulk_sending(te.e) && now < TE_T0 + 10000) {
		now += 10;
		pfs_engine_timer(te.e, now);
	}
	T_CHECK(!pfs_engine_bulk_sending(te.e));
	scan_bulk(&te, &upd, &start, &end);
	T_EQ(upd, 12);
	T_EQ(start, 1);
	T_EQ(end, 1);
	te_close(&te);
}

/* `version 6`: an insert and a compressed update, decoded back. */
static void test_send_decodes(void)
{
	struct pfs_state st = sim_state(0x42, TE_HOST);
	struct pfs_v6_frame f;
	struct pfs_v6_section s;
	union pfs_v6_record r;
	struct te te;

	te_open(&te, PFS_DIALECT_V6, 0);
	T_EQ(pfs_engine_dialect(te.e, NULL), 6);
	st.creation = 40;
	T_EQ(pfs_engine_insert(te.e, &st, TE_T0), 0);
	pfs_engine_flush(te.e, TE_T0);
	T_EQ(te.n, 1);
	T_EQ(te.p[0].wlen, 20 + 4 + 264);
	T_MEMEQ(te.p[0].local, te.p[0].wire, te.p[0].wlen);
	T_EQ(pfs_v6_frame_parse(te.p[0].wire, te.p[0].wlen, &f), 0);
	T_EQ(pfs_v6_frame_next(&f, &s), 0);
	T_EQ(s.sub.action, PFS_V6_ACT_INS);
	T_EQ(s.sub.count, 1);
	pfs_v6_section_record(&s, 0, &r);
	T_EQ(pfs_bsd_state_check(&r.state), 0);
	T_EQ(r.state.st.id, 0x42);
	T_EQ(r.state.st.creatorid, TE_HOST);
	T_CHECK(t_host_eq(&r.state.st.lan, &st.lan));
	T_CHECK(t_host_eq(&r.state.st.ext, &st.ext));
	T_CHECK(t_peer_eq(&r.state.st.src, &st.src));
	T_CHECK(t_peer_eq(&r.state.st.dst, &st.dst));
	T_EQ(r.state.st.af, AF_INET);
	T_EQ(r.state.st.proto, 6);
	T_EQ(r.state.st.timeout, st.timeout);
	T_EQ(r.state.st.creation, 60); /* age: now 100 - 40 */
	T_EQ(pfs_v6_frame_next(&f, &s), PFS_V6_END);
	/* an update goes compressed on the wire, full on pfsync0 */
	st.src.seqlo += 10;
	T_EQ(pfs_engine_update(te.e, &st, TE_T0 + 100), 0);
	pfs_engine_flush(te.e, TE_T0 + 100);
	T_EQ(te.n, 2);
	T_EQ(te.p[1].wlen, 20 + 4 + 84);
	T_EQ(te.p[1].wire[20], PFS_V6_ACT_UPD_C);
	T_EQ(te.p[1].local[20], PFS_V6_ACT_UPD);
	T_EQ(pfs_v6_frame_parse(te.p[1].wire, te.p[1].wlen, &f), 0);
	T_EQ(pfs_v6_frame_next(&f, &s), 0);
	pfs_v6_section_record(&s, 0, &r);
	T_EQ(r.upd_c.id, 0x42);
	T_EQ(r.upd_c.src.seqlo, st.src.seqlo);
	T_EQ(r.upd_c.expire, 0);
	/* a delete is DEL_C in both forms */
	T_EQ(pfs_engine_delete(te.e, 0x42, TE_HOST, TE_T0 + 200), 0);
	pfs_engine_flush(te.e, TE_T0 + 200);
	T_EQ(te.n, 3);
	T_EQ(te.p[2].wire[20], PFS_V6_ACT_DEL_C);
	T_EQ(te.p[2].local[20], PFS_V6_ACT_DEL_C);
	te_close(&te);
}

static void test_refusals(void)
{
	uint8_t b[1500];
	size_t len;
	struct te te;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	len = mk_ins(b);
	te_input(&te, b, 10, TE_PEER, TE_T0);
	T_EQ(te_stat(&te, PFS_STAT_HDROPS), 1);
	g16(b, 2, (uint16_t)(len + 4)); /* len beyond the packet */
	te_input(&te, b, len, TE_PEER, TE_T0);
	T_EQ(te_stat(&te, PFS_STAT_BADLEN), 1);
	T_EQ(pfs_table_count(te.t), 0);
	T_EQ(te.n, 0);
	T_EQ(pfs_engine_dialect(te.e, NULL), 3); /* nobody heard yet */
	len = mk_ins(b);
	g8(b, 24 + 255, PFS_TM_MAX); /* bad timeout in the first state */
	te_input(&te, b, len, TE_PEER, TE_T0);
	T_EQ(te_stat(&te, PFS_STAT_BADVAL), 1);
	T_EQ(pfs_table_count(te.t), 1);
	/* an unknown section is skipped by its length */
	memset(b, 0, sizeof(b));
	len = 20 + 4 + 8 + 4 + 264;
	g_hdr(b, (uint16_t)len);
	g_sub(b, 20, 42, 2, 1);
	g_sub(b, 32, 13, 66, 1);
	g_state(b, 36, 0);
	te_input(&te, b, len, TE_PEER, TE_T0);
	T_EQ(te_stat(&te, PFS_STAT_BADACT), 0);
	T_EQ(pfs_table_count(te.t), 2);
	te_close(&te);
}

/* A stale UPD (older dst peer) is answered with our copy, a full v6 UPD
 * to the group; a local clear goes out as a v6 CLR. */
static void test_stale_reply_clr(void)
{
	uint8_t b[1500];
	size_t len = 20 + 4 + 264;
	struct te te;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(&te, b, mk_ins(b), TE_PEER, TE_T0);
	memset(b, 0, len);
	g_hdr(b, (uint16_t)len);
	g_sub(b, 20, 14, 66, 1);
	g_state(b, 24, 0);
	g_peer(b, 24 + 136, 0); /* dst: state 4, ours is 6 */
	te_input(&te, b, len, TE_PEER, TE_T0 + 1000);
	T_EQ(te.n, 1);
	T_EQ(te.p[0].dst, PFS_V3_GROUP);
	T_EQ(te.p[0].wlen, 20 + 4 + 264);
	T_EQ(te.p[0].wire[0], 6);
	T_EQ(te.p[0].wire[20], PFS_V6_ACT_UPD);
	T_EQ(te.p[0].wire[24 + 136 + 24], 6); /* our newer dst state */
	T_EQ(pfs_engine_clear(te.e, "em0", TE_T0 + 2000), 0);
	T_EQ(te.n, 2);
	T_EQ(te.p[1].wlen, 20 + 4 + 20);
	T_EQ(te.p[1].wire[20], PFS_V6_ACT_CLR);
	T_EQ(te.p[1].wire[21], 5);
	T_CHECK(memcmp(te.p[1].wire + 24, "em0", 4) == 0);
	T_EQ(te.p[1].wire[43], TE_HOST & 0xff);
	te_close(&te);
}

/* A v3 CLR from another peer, by the v3 codec (v3 is tested elsewhere). */
static size_t mk_v3_clr(uint8_t *b)
{
	struct pfs_v3_header h = {.version = 3, .action = PFS_V3_ACT_CLR};
	union pfs_v3_record r;
	struct pfs_wbuf wb;

	memset(&r, 0, sizeof(r));
	r.clr.creatorid = 0x999;
	pfs_wbuf_init(&wb, b, 1500);
	pfs_v3_put_header(&wb, &h);
	pfs_v3_put_record(&wb, PFS_V3_ACT_CLR, &r);
	return wb.off;
}

/* auto: a v3 peer next to a v6 one: v3 is kept and the mix reported. */
static void test_auto_mixed(void)
{
	uint8_t b[1500];
	struct te te;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(&te, b, mk_ins(b), TE_PEER, TE_T0);
	T_EQ(pfs_engine_dialect(te.e, NULL), 6);
	te_input(&te, b, mk_v3_clr(b), TE_PEER2, TE_T0 + 10);
	T_EQ(pfs_engine_dialect(te.e, NULL), 3);
	T_CHECK(pfs_engine_dialect_mixed(te.e));
	T_EQ(te.dialect_calls, 2);
	T_EQ(te.dialect_last, 3);
	T_CHECK(te.mixed_last);
	/* the v3 peer moves to v6: one dialect again */
	te_input(&te, b, mk_clr(b, "", 0x999), TE_PEER2, TE_T0 + 20);
	T_EQ(pfs_engine_dialect(te.e, NULL), 6);
	T_CHECK(!pfs_engine_dialect_mixed(te.e));
	/* a fixed version ignores the peers */
	te.c.version = PFS_DIALECT_V3;
	T_EQ(pfs_engine_set_conf(te.e, &te.c, TE_T0 + 30), 0);
	T_EQ(pfs_engine_dialect(te.e, NULL), 3);
	te.c.version = 7;
	T_EQ(pfs_engine_set_conf(te.e, &te.c, TE_T0 + 30), -1);
	te_close(&te);
}

/* ---- hostile CLRs and INS (M4, M9) -------------------------------------*/

/* A v3 INS of st from a v3 peer. */
static size_t mk_v3_ins(uint8_t *b, const struct pfs_state *st)
{
	struct pfs_v3_header h = {.version = 3, .action = PFS_V3_ACT_INS,
				  .count = 1};
	union pfs_v3_record r;
	struct pfs_wbuf wb;

	memset(&r, 0, sizeof(r));
	r.state = *st;
	pfs_wbuf_init(&wb, b, 1500);
	pfs_v3_put_header(&wb, &h);
	pfs_v3_put_record(&wb, PFS_V3_ACT_INS, &r);
	return wb.off;
}

/* n CLR records of creators cr[i], ifname "", in one v6 section. */
static size_t mk_clrs(uint8_t *b, const uint32_t *cr, size_t n)
{
	size_t len = 20 + 4 + 20 * n, i;

	memset(b, 0, len);
	g_hdr(b, (uint16_t)len);
	g_sub(b, 20, 0, 5, (uint16_t)n);
	for (i = 0; i < n; i++)
		g32(b, 24 + 20 * i + 16, cr[i]);
	return len;
}

#define OWN_N  1000u
#define PEER_N 300u

/* OWN_N states of ours (local inserts) and PEER_N of creator CR (a v3
 * peer's INS), all through the engine. */
static void fill_two_creators(struct te *te)
{
	struct pfs_state st;
	uint8_t b[1500];
	unsigned i;

	for (i = 0; i < OWN_N; i++) {
		st = sim_state(0x1000 + i, TE_HOST);
		T_EQ(pfs_engine_insert(te->e, &st, TE_T0), 0);
	}
	for (i = 0; i < PEER_N; i++) {
		st = sim_state(0x9000 + i, CR);
		te_input(te, b, mk_v3_ins(b, &st), TE_PEER2, TE_T0);
	}
	T_EQ(pfs_table_count(te->t), OWN_N + PEER_N);
}

static uint64_t te_guard(const struct te *te, enum pfs_guard_stat g)
{
	return pfs_engine_guard_stats(te->e)[g];
}

/*
 * M4 (b): a 9 KB v6 packet of 459 CLRs of creators we hold nothing of
 * walks the table for none of them (it did 459 times); past ENG_CLR_MAX (8) the records are counted, not
 * applied; a creator we hold costs one walk, repeats none.
 */
static void test_clr_unknown_creators(void)
{
	static uint8_t b[20 + 4 + 20 * 459];
	struct pfs_creator_count top[4];
	uint32_t cr[459];
	uint64_t other;
	struct te te;
	size_t i;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	fill_two_creators(&te);
	for (i = 0; i < 459; i++)
		cr[i] = 0x50000000u + (uint32_t)i;
	te_input(&te, b, mk_clrs(b, cr, 459), TE_PEER, TE_T0 + 1);
	T_EQ(pfs_table_count(te.t), OWN_N + PEER_N);
	T_EQ(te_guard(&te, PFS_GUARD_CLR_WALKS), 0);
	T_EQ(te_guard(&te, PFS_GUARD_CLR_CAPPED), 459 - 8);
	/* the counts per creator, without a walk */
	T_EQ(pfs_engine_creators(te.e, top, 4, &other), 2);
	T_EQ(other, 0);
	T_EQ(top[0].creatorid, TE_HOST); /* by id */
	T_EQ(top[0].n, OWN_N);
	T_EQ(top[1].creatorid, CR);
	T_EQ(top[1].n, PEER_N);
	T_EQ(pfs_engine_creators(te.e, top, 1, &other), 1);
	T_EQ(top[0].creatorid, TE_HOST);
	T_EQ(other, PEER_N);
	/* CR three times and an unknown one: one walk, two repeats */
	cr[0] = cr[1] = cr[2] = CR;
	cr[3] = 0x77;
	te_input(&te, b, mk_clrs(b, cr, 4), TE_PEER, TE_T0 + 2);
	T_EQ(pfs_table_count(te.t), OWN_N);
	T_EQ(te_guard(&te, PFS_GUARD_CLR_WALKS), 1);
	T_EQ(te_guard(&te, PFS_GUARD_CLR_DUP), 2);
	T_EQ(pfs_engine_creators(te.e, top, 4, &other), 1);
	T_EQ(top[0].n, OWN_N);
	/* every change above went through the engine: never a rebuild */
	T_EQ(pfs_engine_creators_rebuilt(te.e), 0);
	te_close(&te);
}

/*
 * M9: no peer clears the states we created, in any dialect, nor inserts
 * one in our name; a peer still updates and deletes our states (it
 * carries them after a failover), and a bulk's UPD brings ours back.
 */
static void test_own_hostid(void)
{
	struct pfs_state st = sim_state(0x100, TE_HOST);
	union pfs_v3_record r;
	struct pfs_wbuf wb;
	struct pfs_v3_header h = {.version = 3, .action = PFS_V3_ACT_CLR};
	uint32_t own = TE_HOST;
	uint8_t b[1500];
	struct te te;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	fill_two_creators(&te);
	te_input(&te, b, mk_clrs(b, &own, 1), TE_PEER, TE_T0 + 1);
	te_input(&te, b, mk_clr(b, "eth0", TE_HOST), TE_PEER, TE_T0 + 1);
	memset(&r, 0, sizeof(r));
	r.clr.creatorid = TE_HOST;
	pfs_wbuf_init(&wb, b, 1500);
	pfs_v3_put_header(&wb, &h);
	pfs_v3_put_record(&wb, PFS_V3_ACT_CLR, &r);
	te_input(&te, b, wb.off, TE_PEER2, TE_T0 + 1);
	T_EQ(pfs_table_count(te.t), OWN_N + PEER_N);
	T_EQ(te.applied[PFS_OP_DELETE], 0);
	T_EQ(te_guard(&te, PFS_GUARD_CLR_OWN), 3);
	/* an INS in our name: refused */
	st.id = 0x7777;
	st.lan.port = 7777;
	te_input(&te, b, mk_v3_ins(b, &st), TE_PEER2, TE_T0 + 2);
	T_CHECK(pfs_table_find_id(te.t, 0x7777, TE_HOST) == NULL);
	T_EQ(te_guard(&te, PFS_GUARD_INS_OWN), 1);
	/* a DEL of one of ours from the peer carrying it: applied */
	te_input(&te, b, mk_ref(b, 7, 0x1000, TE_HOST), TE_PEER, TE_T0 + 3);
	T_CHECK(pfs_table_find_id(te.t, 0x1000, TE_HOST) == NULL);
	T_EQ(pfs_table_count(te.t), OWN_N + PEER_N - 1);
	T_EQ(pfs_engine_creators_rebuilt(te.e), 0);
	te_close(&te);
}

/* ---- INS_ACK for a deferred insert (issue 20, item 2) --------------------*/

/* INS of fixture k alone (k 0 carries PFSTATE_ACK, k 1 does not). */
static size_t mk_ins1(uint8_t *b, uint8_t k)
{
	size_t len = 20 + 4 + 264;

	memset(b, 0, len);
	g_hdr(b, (uint16_t)len);
	g_sub(b, 20, 13, 66, 1);
	g_state(b, 24, k);
	return len;
}

static uint64_t te_rel(const struct te *te, enum pfs_rel_stat r)
{
	return pfs_engine_rel_stats(te->e)[r];
}

/* An engine that has heard one packet from TE_PEER (engine_src.c: a
 * source's first packet is never answered): a DEL_C of no state. */
static void iack_open(struct te *te, uint8_t version)
{
	uint8_t b[64];

	te_open(te, version, 0);
	te_input(te, b, mk_ref(b, 7, 0x99, CR), TE_PEER, TE_T0);
	te->n = 0;
}

/*
 * The INS_ACK of ID0 as OpenBSD reads it, from §1.2-§1.4: the 20-byte
 * header (version 6, len 36, pfcksum zero), subheader {INS_ACK 2, 3
 * words, count 1}, pfsync_ins_ack {u64 id, u32 creatorid}, big-endian.
 */
static const uint8_t golden_iack_v6[36] = {
    6,	  0,	0,    36,   0,	  0,	0,    0,    0,	  0,	0,    0,
    0,	  0,	0,    0,    0,	  0,	0,    0,    2,	  3,	0,    1,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xde, 0xad, 0xbe, 0xef,
};

static void test_iack_deferred(void)
{
	uint8_t b[1500];
	struct te te;

	iack_open(&te, PFS_ENGINE_VERSION_AUTO);
	te_input(&te, b, mk_ins(b), TE_PEER, TE_T0 + 1);
	T_EQ(pfs_table_count(te.t), 2);
	T_EQ(te.n, 1); /* ID0 asked (0x0010), ID1 did not */
	T_CHECK(te.p[0].has_wire);
	T_EQ(te.p[0].dst, TE_PEER);
	T_EQ(te.p[0].llen, 0); /* a reply: not for pfsync0 */
	T_EQ(te.p[0].wlen, sizeof(golden_iack_v6));
	T_CHECK(memcmp(te.p[0].wire, golden_iack_v6,
		       sizeof(golden_iack_v6)) == 0);
	T_EQ(te_rel(&te, PFS_REL_IACKS), 1);
	te_close(&te);
	/* the same under `version 3`: answered in the peer's dialect */
	iack_open(&te, PFS_DIALECT_V3);
	te_input(&te, b, mk_ins(b), TE_PEER, TE_T0 + 1);
	T_EQ(te.n, 1);
	T_EQ(te.p[0].wlen, sizeof(golden_iack_v6));
	T_CHECK(memcmp(te.p[0].wire, golden_iack_v6,
		       sizeof(golden_iack_v6)) == 0);
	te_close(&te);
}

static void test_iack_none(void)
{
	struct pfs_bsd_state fx;
	uint8_t b[1500];
	struct te te;

	/* no PFSTATE_ACK: no answer */
	iack_open(&te, PFS_ENGINE_VERSION_AUTO);
	te_input(&te, b, mk_ins1(b, 1), TE_PEER, TE_T0 + 1);
	T_EQ(pfs_table_count(te.t), 1);
	T_EQ(te.n, 0);
	T_EQ(te_rel(&te, PFS_REL_IACKS), 0);
	te_close(&te);
	/* a source's first packet earns nothing (engine_src.c) */
	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(&te, b, mk_ins1(b, 0), TE_PEER, TE_T0);
	T_EQ(pfs_table_count(te.t), 1);
	T_EQ(te.n, 0);
	T_EQ(te_rel(&te, PFS_REL_REPLY_REFUSED), 1);
	te_close(&te);
	/* not the syncpeer: not a peer, never answered */
	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te.c.syncpeer = TE_PEER2;
	T_EQ(pfs_engine_set_conf(te.e, &te.c, TE_T0), 0);
	te_input(&te, b, mk_ref(b, 7, 0x99, CR), TE_PEER, TE_T0);
	te.n = 0;
	te_input(&te, b, mk_ins1(b, 0), TE_PEER, TE_T0 + 1);
	T_EQ(te.n, 0);
	T_EQ(te_rel(&te, PFS_REL_IACKS), 0);
	te_close(&te);
	/* an INS of our own hostid is refused, so not acknowledged */
	iack_open(&te, PFS_ENGINE_VERSION_AUTO);
	mk_ins1(b, 0);
	g32(b, 24 + 236, TE_HOST); /* creatorid, §1.5 */
	te_input(&te, b, 20 + 4 + 264, TE_PEER, TE_T0 + 1);
	T_EQ(te.n, 0);
	te_close(&te);
	/* v3 (NetBSD) has no INS_ACK: the flag cannot even be sent */
	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	fx_state(&fx, 0);
	fx.st.creation = 0;
	te_input(&te, b, mk_v3_ins(b, &fx.st), TE_PEER, TE_T0);
	fx.st.id = ID1; /* another connection */
	fx.st.gwy.port++;
	fx.st.lan.port++;
	te.n = 0;
	te_input(&te, b, mk_v3_ins(b, &fx.st), TE_PEER, TE_T0 + 1);
	T_EQ(pfs_table_count(te.t), 2);
	T_EQ(te.n, 0);
	T_EQ(te_rel(&te, PFS_REL_IACKS), 0);
	te_close(&te);
}

/* Many deferred inserts in one packet: one INS_ACK packet, n records. */
static void test_iack_batched(void)
{
	uint8_t b[8192];
	struct te te;
	size_t len = 20 + 4 + 20 * 264, i;

	iack_open(&te, PFS_ENGINE_VERSION_AUTO);
	memset(b, 0, len);
	g_hdr(b, (uint16_t)len);
	g_sub(b, 20, 13, 66, 20);
	for (i = 0; i < 20; i++) {
		g_state(b, 24 + i * 264, 0);
		g64(b, 24 + i * 264, ID0 + 16 * i); /* id @0 */
		g16(b, 24 + i * 264 + 24 + 34, (uint16_t)(40000 + i));
		g16(b, 24 + i * 264 + 64 + 34, (uint16_t)(1234 + i));
	}
	te_input(&te, b, len, TE_PEER, TE_T0 + 1);
	T_EQ(pfs_table_count(te.t), 20);
	T_EQ(te.n, 1);
	T_EQ(te.p[0].wlen, 20 + 4 + 20 * 12);
	T_EQ(te.p[0].wire[20], 2);
	T_EQ(te.p[0].wire[23], 20);
	T_EQ(te.p[0].wire[24 + 19 * 12 + 7], (uint8_t)(0x08 + 16 * 19));
	T_EQ(te_rel(&te, PFS_REL_IACKS), 20);
	te_close(&te);
}

int main(void)
{
	T_RUN(test_ins_lands);
	T_RUN(test_upd_c);
	T_RUN(test_del_clr);
	T_RUN(test_bulk_answer);
	T_RUN(test_send_decodes);
	T_RUN(test_refusals);
	T_RUN(test_stale_reply_clr);
	T_RUN(test_auto_mixed);
	T_RUN(test_clr_unknown_creators);
	T_RUN(test_own_hostid);
	T_RUN(test_iack_deferred);
	T_RUN(test_iack_none);
	T_RUN(test_iack_batched);
	return t_done();
}
