/*
 * test_engine_peers.c - `version auto` answering each peer in its own
 * dialect, and the bridge: a state heard from a peer of one dialect is
 * announced to the peers that could not read it, in their framing, and
 * never to those that could.  The BSD peers' packets are the golden
 * records of g_v5.h and g_v6.h (written from pfsync-modern.md, not from
 * our encoder); what the engine sends is decoded back with the dialect
 * seam.  The v3 peer's packets are made with the v3 codec, whose golden
 * tests are in test_wire_v3.c.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/dialect.h"
#include "pfsync/engine.h"
#include "pfsync/stats.h"
#include "pfsync/table.h"
#include "pfsync/wire_v3.h"
#include "pfsync/wire_v5.h"
#include "pfsync/wire_v6.h"
#include "t.h"
#include "g_v5.h"
#define fx_state fx6_state
#define g_state	 g6_state
#include "g_v6.h"
#undef fx_state
#undef g_state
#include "t_eng.h"
#include "sim.h"

#define P3  0x0a000013u /* NetBSD */
#define P5  0x0a000015u /* FreeBSD */
#define P6  0x0a000016u /* OpenBSD */
#define ID6 0x6666000000000001ULL
#define ID5 0x5555000000000001ULL
#define ID3 0x3333000000000001ULL
#define CR  0xdeadbeefu

/* ---- the peers' packets ------------------------------------------------*/

/* v6 (§1.2-§1.5): INS of fixture 0 with id `id` (action 13, 66 words). */
static size_t mk6_ins(uint8_t *b, uint64_t id)
{
	size_t len = 20 + 4 + 264;

	memset(b, 0, len);
	g_hdr(b, (uint16_t)len);
	g_sub(b, 20, 13, 66, 1);
	g6_state(b, 24, 0);
	g64(b, 24, id);
	return len;
}

/* v6: one 12-byte record section (DEL_C 7, UPD_REQ 5). */
static size_t mk6_ref(uint8_t *b, uint8_t act, uint64_t id, uint32_t cr)
{
	size_t len = 20 + 4 + 12;

	memset(b, 0, len);
	g_hdr(b, (uint16_t)len);
	g_sub(b, 20, act, 3, 1);
	g_ref(b, 24, id, cr);
	return len;
}

/* v6: UPD_C (action 4, 21 words) of a state nobody announced. */
static size_t mk_upd_c6(uint8_t *b)
{
	size_t len = 20 + 4 + 84;

	memset(b, 0, len);
	g_hdr(b, (uint16_t)len);
	g_sub(b, 20, 4, 21, 1);
	g64(b, 24, 0x7777);
	g_peer(b, 32, 0);
	g_peer(b, 64, 2);
	g32(b, 96, CR);
	g8(b, 104, PFS_TM_TCP_ESTABLISHED);
	return len;
}

/* v5 (§2.1): header, ruleset MD5 not ours. */
static void g5_hdr(uint8_t *b, size_t len)
{
	size_t i;

	g8(b, 0, 5);
	g16(b, 2, (uint16_t)len);
	for (i = 0; i < 16; i++)
		g8(b, 4 + i, (uint8_t)(0xc0 + i));
}

static size_t slen5(unsigned fmt)
{
	return fmt == 1301 ? 242 : fmt == 1400 ? 277 : 360;
}

/* v5: INS of fixture k in `fmt` (INS_1301 1, INS_1400 13, INS_1500 15)
 * with id `id`, then EOF {12, 0, 1}. */
static size_t mk5_ins(uint8_t *b, unsigned fmt, uint8_t k, uint64_t id)
{
	size_t len = 20 + 4 + slen5(fmt) + 4;

	memset(b, 0, len);
	g5_hdr(b, len);
	g8(b, 20, fmt == 1301 ? 1 : fmt == 1400 ? 13 : 15);
	g16(b, 22, 1);
	g_state(b, 24, k, fmt);
	g64(b, 24, id);
	g8(b, len - 4, 12);
	g16(b, len - 2, 1);
	return len;
}

/* v5: DEL_C (7) of one state, then EOF. */
static size_t mk5_del(uint8_t *b, uint64_t id, uint32_t cr)
{
	size_t len = 20 + 4 + 12 + 4;

	memset(b, 0, len);
	g5_hdr(b, len);
	g8(b, 20, 7);
	g16(b, 22, 1);
	g64(b, 24, id);
	g32(b, 32, cr);
	g8(b, 36, 12);
	g16(b, 38, 1);
	return len;
}

/* v3: one record of `action` (pfsync-v3.md §2). */
static size_t mk3(uint8_t *b, uint8_t action, const union pfs_v3_record *r)
{
	struct pfs_v3_header h = {.version = 3, .action = action, .count = 1};
	struct pfs_wbuf wb;

	pfs_wbuf_init(&wb, b, 1500);
	pfs_v3_put_header(&wb, &h);
	pfs_v3_put_record(&wb, action, r);
	return wb.off;
}

static size_t mk3_del(uint8_t *b, uint64_t id, uint32_t cr)
{
	union pfs_v3_record r;

	memset(&r, 0, sizeof(r));
	r.del.id = id;
	r.del.creatorid = cr;
	return mk3(b, PFS_V3_ACT_DEL_C, &r);
}

/* ---- what the engine sent ----------------------------------------------*/

struct seen {
	unsigned msgs[PFS_MSG_INS_ACK + 1];
	uint64_t ids[16];
	unsigned nids;
};

static int seen_msg(const struct pfs_msg *m, void *arg)
{
	struct seen *s = arg;

	s->msgs[m->kind]++;
	if (s->nids < 16 && (m->kind == PFS_MSG_INS || m->kind == PFS_MSG_UPD))
		s->ids[s->nids++] = m->u.state->id;
	else if (s->nids < 16 && m->kind == PFS_MSG_UPD_C)
		s->ids[s->nids++] = m->u.upd_c.id;
	else if (s->nids < 16 && m->kind == PFS_MSG_DEL)
		s->ids[s->nids++] = m->u.ref.id;
	return 0;
}

/* The packet sent to dst from index `from` on: -1 if none. */
static int sent_to(const struct te *te, int from, uint32_t dst)
{
	int i;

	for (i = from; i < te->n; i++)
		if (te->p[i].has_wire && te->p[i].dst == dst)
			return i;
	return -1;
}

/* Decode packet i: its dialect, 0 if it is refused. */
static unsigned decode(const struct te *te, int i, struct seen *s)
{
	struct pfs_rx_result r;

	memset(s, 0, sizeof(*s));
	if (i < 0 ||
	    pfs_dialect_rx(te->p[i].wire, te->p[i].wlen, seen_msg, s, &r) != 0)
		return 0;
	return r.dialect;
}

static bool has_id(const struct seen *s, uint64_t id)
{
	unsigned i;

	for (i = 0; i < s->nids; i++)
		if (s->ids[i] == id)
			return true;
	return false;
}

/* A v3, a v5 and a v6 peer heard (each a delete of an unknown state,
 * which changes nothing). */
static void open_mixed(struct te *te, uint8_t version)
{
	uint8_t b[1500];

	te_open(te, version, 0);
	te_input(te, b, mk3_del(b, 1, 1), P3, TE_T0);
	te_input(te, b, mk5_del(b, 2, 2), P5, TE_T0 + 1);
	te_input(te, b, mk6_ref(b, 7, 3, 3), P6, TE_T0 + 2);
	T_EQ(te->n, 0);
}

/* ---- tests ---------------------------------------------------------------*/

/* Our own state goes to each peer in its dialect, pfsync0 shows it once. */
static void test_own_per_peer(void)
{
	struct pfs_state st = sim_state(0x100, TE_HOST);
	struct pfs_engine_peer p[PFS_ENGINE_PEERS];
	struct seen s;
	int i, shown = 0;
	size_t n;
	struct te te;

	open_mixed(&te, PFS_ENGINE_VERSION_AUTO);
	T_CHECK(pfs_engine_dialect_mixed(te.e));
	T_EQ(pfs_engine_insert(te.e, &st, TE_T0 + 10), 0);
	pfs_engine_flush(te.e, TE_T0 + 10);
	T_EQ(te.n, 3);
	T_EQ(decode(&te, sent_to(&te, 0, P3), &s), 3);
	T_CHECK(s.msgs[PFS_MSG_INS] == 1 && has_id(&s, 0x100));
	T_EQ(decode(&te, sent_to(&te, 0, P5), &s), 5);
	T_CHECK(s.msgs[PFS_MSG_INS] == 1 && has_id(&s, 0x100));
	T_EQ(decode(&te, sent_to(&te, 0, P6), &s), 6);
	T_CHECK(s.msgs[PFS_MSG_INS] == 1 && has_id(&s, 0x100));
	for (i = 0; i < te.n; i++)
		if (te.p[i].llen > 0) {
			shown++;
			T_EQ(te.p[i].local[0], 3); /* pfsync0: v3 */
		}
	T_EQ(shown, 1);
	T_EQ(te_stat(&te, PFS_STAT_OPACKETS), 3);
	/* stats: each peer answered in its own dialect */
	n = pfs_engine_peers(te.e, p, PFS_ENGINE_PEERS);
	T_EQ(n, 3);
	for (i = 0; i < (int)n; i++) {
		T_EQ(p[i].answer, p[i].dialect);
		T_EQ(p[i].answer_fmt, p[i].dialect == 5 ? 1400u : 0u);
	}
	/* an update goes compressed, still per peer */
	st.src.state = 5;
	T_EQ(pfs_engine_update(te.e, &st, TE_T0 + 20), 0);
	pfs_engine_flush(te.e, TE_T0 + 20);
	T_EQ(te.n, 6);
	T_EQ(decode(&te, sent_to(&te, 3, P5), &s), 5);
	T_EQ(s.msgs[PFS_MSG_UPD_C], 1);
	T_EQ(decode(&te, sent_to(&te, 3, P3), &s), 3);
	T_EQ(s.msgs[PFS_MSG_UPD_C], 1);
	te_close(&te);
}

/* The bridge: the v6 peer's state reaches the v3 and v5 peers, not v6. */
static void test_bridge_v6(void)
{
	uint8_t b[1500];
	struct seen s;
	struct te te;

	open_mixed(&te, PFS_ENGINE_VERSION_AUTO);
	te_input(&te, b, mk6_ins(b, ID6), P6, TE_T0 + 10);
	T_EQ(te.applied[PFS_OP_INSERT], 1);
	pfs_engine_flush(te.e, TE_T0 + 10);
	T_EQ(te.n, 3);
	/* the fixture asks for an INS_ACK (PFSTATE_ACK): P6 gets only that,
	 * never its state back, which it can read */
	T_EQ(decode(&te, sent_to(&te, 0, P6), &s), 6);
	T_EQ(s.msgs[PFS_MSG_INS_ACK], 1);
	T_EQ(s.msgs[PFS_MSG_INS], 0);
	T_EQ(sent_to(&te, 1, P6), -1);
	T_EQ(decode(&te, sent_to(&te, 0, P3), &s), 3);
	T_CHECK(s.msgs[PFS_MSG_INS] == 1 && has_id(&s, ID6));
	T_EQ(decode(&te, sent_to(&te, 0, P5), &s), 5);
	T_CHECK(s.msgs[PFS_MSG_INS] == 1 && has_id(&s, ID6));
	T_EQ(s.msgs[PFS_MSG_INS_ACK], 0);
	/* its delete follows the same way, as DEL_C */
	te_input(&te, b, mk6_ref(b, 7, ID6, CR), P6, TE_T0 + 20);
	T_EQ(te.applied[PFS_OP_DELETE], 1);
	pfs_engine_flush(te.e, TE_T0 + 20);
	T_EQ(te.n, 5);
	T_EQ(sent_to(&te, 3, P6), -1);
	T_EQ(decode(&te, sent_to(&te, 3, P5), &s), 5);
	T_CHECK(s.msgs[PFS_MSG_DEL] == 1 && has_id(&s, ID6));
	T_EQ(decode(&te, sent_to(&te, 3, P3), &s), 3);
	T_CHECK(s.msgs[PFS_MSG_DEL] == 1 && has_id(&s, ID6));
	te_close(&te);
}

/* The v5 and the v3 peer's states: to the two others, in theirs. */
static void test_bridge_v5_v3(void)
{
	struct pfs_state st = sim_state(ID3, 0x33);
	union pfs_v3_record r;
	uint8_t b[1500];
	struct seen s;
	struct te te;

	open_mixed(&te, PFS_ENGINE_VERSION_AUTO);
	te_input(&te, b, mk5_ins(b, 1400, 1, ID5), P5, TE_T0 + 10);
	T_EQ(te.applied[PFS_OP_INSERT], 1);
	pfs_engine_flush(te.e, TE_T0 + 10);
	T_EQ(te.n, 3);
	/* P5 gets the INS_ACK its fixture asks for, not the state */
	T_EQ(decode(&te, sent_to(&te, 0, P5), &s), 5);
	T_EQ(s.msgs[PFS_MSG_INS_ACK], 1);
	T_EQ(s.msgs[PFS_MSG_INS], 0);
	T_EQ(sent_to(&te, 1, P5), -1);
	T_EQ(decode(&te, sent_to(&te, 0, P6), &s), 6);
	T_CHECK(has_id(&s, ID5));
	T_EQ(decode(&te, sent_to(&te, 0, P3), &s), 3);
	T_CHECK(has_id(&s, ID5));

	memset(&r, 0, sizeof(r));
	st.creation = 5; /* wire-relative: an age */
	st.expire = 60;
	r.state = st;
	te_input(&te, b, mk3(b, PFS_V3_ACT_INS, &r), P3, TE_T0 + 20);
	T_EQ(te.applied[PFS_OP_INSERT], 2);
	pfs_engine_flush(te.e, TE_T0 + 20);
	T_EQ(te.n, 5); /* v3: no INS_ACK */
	T_EQ(sent_to(&te, 3, P3), -1);
	T_EQ(decode(&te, sent_to(&te, 3, P6), &s), 6);
	T_CHECK(has_id(&s, ID3));
	T_EQ(decode(&te, sent_to(&te, 3, P5), &s), 5);
	T_CHECK(has_id(&s, ID3));
	te_close(&te);
}

/*
 * An echo: the v6 peer's update passed on to the v3 peer comes back from
 * it unchanged in the same second (a second bridge would send it): not
 * passed on again.  A second later the same update is a refresh and is.
 */
static void test_bridge_echo(void)
{
	union pfs_v3_record r;
	struct pfs_state *s;
	uint64_t echoes = 0;
	uint8_t b[1500];
	struct te te;

	open_mixed(&te, PFS_ENGINE_VERSION_AUTO);
	te_input(&te, b, mk6_ins(b, ID6), P6, TE_T0 + 10);
	pfs_engine_flush(te.e, TE_T0 + 10);
	T_EQ(te.n, 3); /* the INS_ACK to P6, the state to P3 and P5 */
	s = pfs_table_find_id(te.t, ID6, CR);
	T_CHECK(s != NULL);
	if (s == NULL) {
		te_close(&te);
		return;
	}
	memset(&r, 0, sizeof(r));
	r.state = *s;
	r.state.expire = 0;
	te_input(&te, b, mk3(b, PFS_V3_ACT_UPD, &r), P3, TE_T0 + 20);
	pfs_engine_flush(te.e, TE_T0 + 20);
	T_EQ(te.n, 3);
	T_EQ(pfs_engine_bridged(te.e, &echoes), 1);
	T_EQ(echoes, 1);
	te_input(&te, b, mk3(b, PFS_V3_ACT_UPD, &r), P3, TE_T0 + 1020);
	pfs_engine_flush(te.e, TE_T0 + 1020);
	T_EQ(te.n, 5);
	T_CHECK(sent_to(&te, 3, P6) >= 0 && sent_to(&te, 3, P5) >= 0);
	T_EQ(sent_to(&te, 2, P3), -1);
	te_close(&te);
}

/* With a syncpeer, only it is sent to, in its dialect, even when mixed. */
static void test_syncpeer(void)
{
	struct pfs_state st = sim_state(0x100, TE_HOST);
	uint8_t b[1500];
	struct te te;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te.c.syncpeer = P6;
	T_EQ(pfs_engine_set_conf(te.e, &te.c, TE_T0), 0);
	T_EQ(pfs_engine_insert(te.e, &st, TE_T0 + 1), 0);
	pfs_engine_flush(te.e, TE_T0 + 1);
	T_EQ(te.n, 1); /* nobody heard: v3 to the syncpeer */
	T_EQ(te.p[0].dst, P6);
	T_EQ(te.p[0].wire[0], 3);
	te_input(&te, b, mk3_del(b, 1, 1), P3, TE_T0 + 2);
	te_input(&te, b, mk6_ref(b, 7, 3, 3), P6, TE_T0 + 3);
	T_CHECK(pfs_engine_dialect_mixed(te.e));
	st.src.state = 5;
	T_EQ(pfs_engine_update(te.e, &st, TE_T0 + 10), 0);
	pfs_engine_flush(te.e, TE_T0 + 10);
	T_EQ(te.n, 2);
	T_EQ(te.p[1].dst, P6);
	T_EQ(te.p[1].wire[0], 6);
	T_CHECK(te.p[1].llen > 0 && te.p[1].local[0] == 3);
	te_close(&te);
}

/* One dialect among the peers: one packet to the group, nothing bridged. */
static void test_homogeneous(void)
{
	struct pfs_state st = sim_state(0x100, TE_HOST);
	uint8_t b[1500];
	struct te te;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(&te, b, mk6_ref(b, 7, 3, 3), P6, TE_T0);
	te_input(&te, b, mk6_ref(b, 7, 4, 4), P6 + 1, TE_T0 + 1);
	te_input(&te, b, mk6_ins(b, ID6), P6, TE_T0 + 2);
	pfs_engine_flush(te.e, TE_T0 + 2);
	/* the other v6 peer heard it: only the INS_ACK, to its sender */
	T_EQ(te.n, 1);
	T_EQ(te.p[0].dst, P6);
	T_EQ(te.p[0].wire[20], PFS_V6_ACT_INS_ACK);
	T_EQ(pfs_engine_insert(te.e, &st, TE_T0 + 10), 0);
	pfs_engine_flush(te.e, TE_T0 + 10);
	T_EQ(te.n, 2);
	T_EQ(te.p[1].dst, PFS_V3_GROUP);
	T_EQ(te.p[1].wire[0], 6);
	T_EQ(te.p[1].llen, te.p[1].wlen); /* pfsync0 shows the same v6 */
	te_close(&te);
}

/* v3 peers only: auto sends byte for byte what a pinned version 3 does. */
static void test_v3_unchanged(void)
{
	struct te a, p;
	uint8_t b[1500];
	int i;

	te_open(&a, PFS_ENGINE_VERSION_AUTO, 0);
	te_open(&p, PFS_DIALECT_V3, 0);
	for (i = 0; i < 2; i++) {
		struct te *te = i ? &p : &a;

		te_input(te, b, mk3_del(b, 1, 1), P3, TE_T0);
		te_input(te, b, mk3_del(b, 1, 1), P3 + 1, TE_T0);
	}
	for (i = 0; i < 9; i++) {
		struct pfs_state st = sim_state(0x100 + (unsigned)i, TE_HOST);

		T_EQ(pfs_engine_insert(a.e, &st, TE_T0 + 10), 0);
		T_EQ(pfs_engine_insert(p.e, &st, TE_T0 + 10), 0);
		st.src.state = 5;
		T_EQ(pfs_engine_update(a.e, &st, TE_T0 + 11), 0);
		T_EQ(pfs_engine_update(p.e, &st, TE_T0 + 11), 0);
	}
	pfs_engine_flush(a.e, TE_T0 + 12);
	pfs_engine_flush(p.e, TE_T0 + 12);
	T_CHECK(a.n > 2);
	T_EQ(a.n, p.n);
	for (i = 0; i < a.n && i < p.n; i++) {
		T_EQ(a.p[i].dst, PFS_V3_GROUP);
		T_EQ(a.p[i].llen, p.p[i].llen);
		T_EQ(a.p[i].wlen, p.p[i].wlen);
		T_CHECK(memcmp(a.p[i].local, p.p[i].local, a.p[i].llen) == 0);
		T_CHECK(memcmp(a.p[i].wire, p.p[i].wire, a.p[i].wlen) == 0);
	}
	te_close(&a);
	te_close(&p);
}

/* A pinned version sends only it, to the group, and bridges nothing. */
static void test_pinned(void)
{
	struct pfs_state st = sim_state(0x100, TE_HOST);
	uint8_t b[1500];
	struct te te;

	open_mixed(&te, PFS_DIALECT_V6);
	te_input(&te, b, mk5_ins(b, 1400, 1, ID5), P5, TE_T0 + 10);
	T_EQ(te.applied[PFS_OP_INSERT], 1);
	pfs_engine_flush(te.e, TE_T0 + 10);
	/* nothing bridged; the INS_ACK goes in the sender's v5 all the same */
	T_EQ(te.n, 1);
	T_EQ(te.p[0].dst, P5);
	T_EQ(te.p[0].wire[0], 5);
	T_EQ(pfs_engine_insert(te.e, &st, TE_T0 + 20), 0);
	pfs_engine_flush(te.e, TE_T0 + 20);
	T_EQ(te.n, 2);
	T_EQ(te.p[1].dst, PFS_V3_GROUP);
	T_EQ(te.p[1].wire[0], 6);
	te_close(&te);
}

/*
 * A rolling upgrade: a 1301 peer beside a 1500 one.  Ours go to the
 * group in 1301, which both read; the 1500 peer's state, which the 1301
 * one cannot read, is carried to it alone, in 1301; the 1301 peer's is
 * read by the 1500 one directly and not repeated.
 */
static void test_rolling_upgrade(void)
{
	struct pfs_state st = sim_state(0x100, TE_HOST);
	struct pfs_engine_peer p[PFS_ENGINE_PEERS];
	struct pfs_v5_frame f;
	struct pfs_v5_section sec;
	uint8_t b[1500];
	unsigned fmt = 0;
	struct seen s;
	struct te te;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(&te, b, mk5_ins(b, 1301, 1, 0x1301), P5, TE_T0);
	te_input(&te, b, mk5_ins(b, 1500, 0, 0x1500), P5 + 1, TE_T0 + 1);
	T_EQ(te.applied[PFS_OP_INSERT], 2);
	T_EQ(pfs_engine_dialect(te.e, &fmt), 5);
	T_EQ(fmt, 1301);
	T_CHECK(!pfs_engine_dialect_mixed(te.e));
	pfs_engine_flush(te.e, TE_T0 + 1);
	T_EQ(te.n, 1);
	T_EQ(te.p[0].dst, P5);
	T_EQ(decode(&te, 0, &s), 5);
	T_CHECK(s.msgs[PFS_MSG_INS] == 1 && has_id(&s, 0x1500));
	T_EQ(pfs_v5_frame_parse(te.p[0].wire, te.p[0].wlen, &f), 0);
	T_EQ(pfs_v5_frame_next(&f, &sec), 0);
	T_EQ(sec.sub.action, PFS_V5_ACT_INS_1301);
	/* the 1301 peer's next state: the 1500 one reads it itself */
	te_input(&te, b, mk5_ins(b, 1301, 0, 0x1302), P5, TE_T0 + 2);
	pfs_engine_flush(te.e, TE_T0 + 2);
	T_EQ(te.n, 1);
	/* ours: one packet to the group, in 1301 */
	T_EQ(pfs_engine_insert(te.e, &st, TE_T0 + 10), 0);
	pfs_engine_flush(te.e, TE_T0 + 10);
	T_EQ(te.n, 2);
	T_EQ(te.p[1].dst, PFS_V3_GROUP);
	T_EQ(pfs_v5_frame_parse(te.p[1].wire, te.p[1].wlen, &f), 0);
	T_EQ(pfs_v5_frame_next(&f, &sec), 0);
	T_EQ(sec.sub.action, PFS_V5_ACT_INS_1301);
	T_EQ(pfs_engine_peers(te.e, p, PFS_ENGINE_PEERS), 2);
	T_CHECK(p[0].answer == 5 && p[0].answer_fmt == 1301);
	T_CHECK(p[1].answer == 5 && p[1].answer_fmt == 1301);
	te_close(&te);
}

/* A v6 peer's update request is answered in v6, to it alone. */
static void test_reply_per_peer(void)
{
	struct pfs_state st = sim_state(0x100, TE_HOST);
	uint8_t b[1500];
	struct seen s;
	struct te te;

	open_mixed(&te, PFS_ENGINE_VERSION_AUTO);
	T_EQ(pfs_engine_insert(te.e, &st, TE_T0 + 10), 0);
	pfs_engine_flush(te.e, TE_T0 + 10);
	T_EQ(te.n, 3);
	/* an UPD_C for a state we do not know: UPD_REQ back, in v6 */
	te_input(&te, b, mk_upd_c6(b), P6, TE_T0 + 20);
	T_EQ(te.n, 4);
	T_EQ(te.p[3].dst, P6);
	T_EQ(decode(&te, 3, &s), 6);
	T_EQ(s.msgs[PFS_MSG_UREQ], 1);
	te_close(&te);
}

/* ---- simulations: engines pinned to a dialect stand in for the BSDs ---*/

/* Node i becomes a BSD of `version` that reads only its own packets. */
static void sim_bsd(struct sim_net *net, int i, uint8_t version)
{
	struct pfs_engine_conf c = *pfs_engine_conf(net->node[i].eng);

	c.version = version;
	T_EQ(pfs_engine_set_conf(net->node[i].eng, &c, net->now_ms), 0);
	net->node[i].reads = version;
}

/* Every node holds every node's state n (id 0x1000 + n, its hostid). */
static bool sim_all_hold(struct sim_net *net, unsigned per_node)
{
	int i, j;
	unsigned k;

	for (i = 0; i < net->nnodes; i++)
		for (j = 0; j < net->nnodes; j++)
			for (k = 0; k < per_node; k++)
				if (!pfs_table_find_id(net->node[i].table,
						       0x1000 + k,
						       0x100 + (uint32_t)j))
					return false;
	return true;
}

static void sim_insert_all(struct sim_net *net, unsigned per_node)
{
	int i;
	unsigned k;

	for (i = 0; i < net->nnodes; i++)
		for (k = 0; k < per_node; k++) {
			struct pfs_state st =
			    sim_state(0x1000 + k, 0x100 + (uint32_t)i);

			T_EQ(pfs_engine_insert(net->node[i].eng, &st,
					       net->now_ms),
			     0);
		}
}

/*
 * pfsyncd (node 0, auto) among a v3, a v6 and a v5 node that read only
 * their own dialect: every state reaches every node, updates and deletes
 * too, and the link goes quiet (no loop).
 */
static void test_sim_mixed(void)
{
	struct pfs_engine_conf c;
	struct sim_net net;
	uint64_t sent;
	int i;

	pfs_engine_conf_default(&c);
	c.syncdev = true;
	sim_init(&net, 4, &c, 7, TE_T0);
	sim_bsd(&net, 1, PFS_DIALECT_V3);
	sim_bsd(&net, 2, PFS_DIALECT_V6);
	sim_bsd(&net, 3, PFS_DIALECT_V5);
	for (i = 1; i < 4; i++)
		pfs_engine_bulk_request(net.node[i].eng, net.now_ms);
	sim_run_until(&net, net.now_ms + 3000, 10);
	T_CHECK(pfs_engine_dialect_mixed(net.node[0].eng));
	sim_insert_all(&net, 20);
	sim_run_until(&net, net.now_ms + 3000, 10);
	T_CHECK(sim_all_hold(&net, 20));
	/* a delete on the v6 node reaches the v3 and v5 ones */
	T_EQ(pfs_engine_delete(net.node[2].eng, 0x1000, 0x102, net.now_ms), 0);
	sim_run_until(&net, net.now_ms + 3000, 10);
	for (i = 0; i < 4; i++)
		T_CHECK(!pfs_table_find_id(net.node[i].table, 0x1000, 0x102));
	sent = net.sent;
	sim_run_until(&net, net.now_ms + 10000, 100);
	T_EQ(net.sent, sent);
	sim_fini(&net);
}

/*
 * Two pfsyncd nodes (auto) with a v6 and a v5 node: both bridge, the
 * states converge and the link goes quiet: what one bridge passes on the
 * other never passes back over the dialect it came in.
 */
static void test_sim_two_bridges(void)
{
	struct pfs_engine_conf c;
	struct sim_net net;
	uint64_t sent;
	int i;

	pfs_engine_conf_default(&c);
	c.syncdev = true;
	sim_init(&net, 4, &c, 11, TE_T0);
	sim_bsd(&net, 2, PFS_DIALECT_V6);
	sim_bsd(&net, 3, PFS_DIALECT_V5);
	for (i = 0; i < 4; i++)
		pfs_engine_bulk_request(net.node[i].eng, net.now_ms);
	sim_run_until(&net, net.now_ms + 3000, 10);
	sim_insert_all(&net, 20);
	sim_run_until(&net, net.now_ms + 3000, 10);
	T_CHECK(sim_all_hold(&net, 20));
	T_CHECK(pfs_engine_bridged(net.node[0].eng, NULL) > 0);
	T_CHECK(pfs_engine_bridged(net.node[1].eng, NULL) > 0);
	sent = net.sent;
	sim_run_until(&net, net.now_ms + 10000, 100);
	T_EQ(net.sent, sent);
	sim_fini(&net);
}

/* ---- forged senders (M5) -------------------------------------------------*/

#define X1 0xc6336401u /* 198.51.100.1 */
#define X2 0xc6336402u

static uint64_t guard(const struct te *te, enum pfs_guard_stat g)
{
	return pfs_engine_guard_stats(te->e)[g];
}

/* A bare 20-byte header: `06 00 00 14` (v6) or `05 ...` (v5). */
static size_t mk_bare(uint8_t *b, uint8_t version)
{
	memset(b, 0, 20);
	b[0] = version;
	b[3] = 20;
	return 20;
}

/*
 * Two forged bare headers, v6 from X1 and v5 from X2, made the node
 * "mixed" and unicast every change to X1 and X2.  Now nothing is
 * learned from them: our change goes to the group, in v3.
 */
static void test_bare_headers(void)
{
	struct pfs_state st = sim_state(0x100, TE_HOST);
	struct pfs_engine_peer p[PFS_ENGINE_PEERS];
	uint8_t b[1500];
	struct te te;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(&te, b, mk_bare(b, 6), X1, TE_T0);
	te_input(&te, b, mk_bare(b, 5), X2, TE_T0 + 1);
	T_CHECK(!pfs_engine_dialect_mixed(te.e));
	T_EQ(pfs_engine_dialect(te.e, NULL), 3);
	T_EQ(pfs_engine_peers(te.e, p, PFS_ENGINE_PEERS), 0);
	T_EQ(guard(&te, PFS_GUARD_PEER_UNPROVEN), 2);
	T_EQ(pfs_engine_insert(te.e, &st, TE_T0 + 2), 0);
	pfs_engine_flush(te.e, TE_T0 + 2);
	T_EQ(te.n, 1);
	T_EQ(te.p[0].dst, PFS_V3_GROUP);
	T_EQ(sent_to(&te, 0, X1), -1);
	T_EQ(sent_to(&te, 0, X2), -1);
	/* a real v6 peer's bare header from its own address changes nothing
	 * either: it stays v3 (a forged 20 bytes cannot flip it) */
	te_input(&te, b, mk3_del(b, 1, 1), P3, TE_T0 + 3);
	te_input(&te, b, mk_bare(b, 6), P3, TE_T0 + 4);
	T_EQ(pfs_engine_peers(te.e, p, PFS_ENGINE_PEERS), 1);
	T_EQ(p[0].dialect, 3);
	/* a malformed packet with a good record first teaches nothing */
	te_input(&te, b, mk6_ref(b, 7, 3, 3), X1, TE_T0 + 5);
	T_EQ(pfs_engine_peers(te.e, p, PFS_ENGINE_PEERS), 2);
	{
		size_t len = mk6_ref(b, 7, 3, 3);

		b[3] = (uint8_t)(len + 4); /* a section that runs past the end */
		g_sub(b, len, 7, 3, 9);
		te_input(&te, b, len + 4, X2, TE_T0 + 6);
	}
	T_EQ(pfs_engine_peers(te.e, p, PFS_ENGINE_PEERS), 2);
	te_close(&te);
}

/* Senders that cannot be peers are never learned, so never unicast to. */
static void test_implausible(void)
{
	static const uint32_t bad[] = {0, 0x7f000001u, PFS_V3_GROUP,
				       0xe0000001u, 0xffffffffu};
	struct pfs_engine_peer p[PFS_ENGINE_PEERS];
	uint8_t b[1500];
	struct te te;
	size_t i;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		te_input(&te, b, mk6_ref(b, 7, 3, 3), bad[i], TE_T0);
	T_EQ(pfs_engine_peers(te.e, p, PFS_ENGINE_PEERS), 0);
	T_EQ(guard(&te, PFS_GUARD_PEER_BADADDR), 5);
	T_EQ(pfs_engine_dialect(te.e, NULL), 3);
	te_close(&te);
}

/*
 * 17 rotating forged sources of mixed dialects, each with a record we act
 * on, at 1 kpps: the peer that talks keeps its slot, and still gets our
 * changes; the senders past the free slots are not learned, and counted.
 */
static void test_rotating_sources(void)
{
	struct pfs_state st = sim_state(0x100, TE_HOST);
	struct pfs_engine_peer p[PFS_ENGINE_PEERS];
	uint8_t b[1500];
	struct te te;
	size_t i, n;
	bool kept = false;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(&te, b, mk6_ins(b, ID6), P6, TE_T0);
	for (i = 0; i < 64; i++) {
		uint32_t x = 0xc6336400u + 1 + (uint32_t)(i % 17);
		uint64_t t = TE_T0 + 1 + i;

		if (i % 2)
			te_input(&te, b, mk5_del(b, 2 + i, 2), x, t);
		else
			te_input(&te, b, mk6_ref(b, 7, 2 + i, 2), x, t);
	}
	n = pfs_engine_peers(te.e, p, PFS_ENGINE_PEERS);
	T_EQ(n, PFS_ENGINE_PEERS);
	for (i = 0; i < n; i++)
		kept = kept || p[i].addr == P6;
	T_CHECK(kept);
	T_CHECK(guard(&te, PFS_GUARD_PEER_FULL) > 0);
	T_EQ(pfs_engine_insert(te.e, &st, TE_T0 + 100), 0);
	pfs_engine_flush(te.e, TE_T0 + 100);
	T_CHECK(sent_to(&te, 0, P6) >= 0);
	te_close(&te);
}

/*
 * A peer silent past the live window may make room for a new one (the
 * least recently heard goes); one silent a day is forgotten, but never
 * the syncpeer.
 */
static void test_peer_expiry(void)
{
	struct pfs_engine_peer p[PFS_ENGINE_PEERS];
	uint64_t t = TE_T0, day = 24ull * 3600 * 1000;
	uint8_t b[1500];
	struct te te;
	size_t i, n;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te.c.syncpeer = P5;
	T_EQ(pfs_engine_set_conf(te.e, &te.c, t), 0);
	te_input(&te, b, mk5_del(b, 2, 2), P5, t);
	te_input(&te, b, mk6_ref(b, 7, 3, 3), P6, t);
	for (i = 0; i < PFS_ENGINE_PEERS - 2; i++)
		te_input(&te, b, mk6_ref(b, 7, 3, 3), 0x0a000100u + (uint32_t)i,
			 t + 1);
	/* six minutes on: P6 no longer talks, the newcomer takes its slot */
	t += 6 * 60 * 1000;
	for (i = 0; i < PFS_ENGINE_PEERS - 2; i++)
		te_input(&te, b, mk6_ref(b, 7, 3, 3), 0x0a000100u + (uint32_t)i,
			 t);
	te_input(&te, b, mk6_ref(b, 7, 3, 3), 0x0a000200u, t + 1);
	n = pfs_engine_peers(te.e, p, PFS_ENGINE_PEERS);
	T_EQ(n, PFS_ENGINE_PEERS);
	for (i = 0; i < n; i++)
		T_CHECK(p[i].addr != P6);
	/* a day of silence: all forgotten but the syncpeer */
	pfs_engine_timer(te.e, t + day + 2);
	n = pfs_engine_peers(te.e, p, PFS_ENGINE_PEERS);
	T_EQ(n, 1);
	T_EQ(p[0].addr, P5);
	T_EQ(guard(&te, PFS_GUARD_PEER_EXPIRED), PFS_ENGINE_PEERS - 1);
	T_EQ(pfs_engine_dialect(te.e, NULL), 5);
	te_close(&te);
}

int main(void)
{
	T_RUN(test_own_per_peer);
	T_RUN(test_bare_headers);
	T_RUN(test_implausible);
	T_RUN(test_rotating_sources);
	T_RUN(test_peer_expiry);
	T_RUN(test_bridge_v6);
	T_RUN(test_bridge_v5_v3);
	T_RUN(test_bridge_echo);
	T_RUN(test_homogeneous);
	T_RUN(test_v3_unchanged);
	T_RUN(test_syncpeer);
	T_RUN(test_pinned);
	T_RUN(test_rolling_upgrade);
	T_RUN(test_reply_per_peer);
	T_RUN(test_sim_mixed);
	T_RUN(test_sim_two_bridges);
	return t_done();
}
