/*
 * test_engine_limit.c - the state limit (engine.h's max_states, pf's
 * `set limit states`): at the limit a peer's new state (INS, a full UPD
 * that would create one, a bulk's) is refused and counted, a local insert
 * fails with ENOMEM and is counted; updates and deletes of the states
 * held still apply, and a delete makes room again.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/engine.h"
#include "pfsync/stats.h"
#include "pfsync/table.h"
#include "pfsync/wire_v3.h"
#include "sim.h"
#include "t.h"
#include "t_bsd.h"
#include "g_v6.h"
#include "t_eng.h"

#define CREATOR 0x77u

/* One packet of n full states (INS, UPD or DEL) with ids first.. */
static size_t mk_states(uint8_t *buf, uint8_t action, uint64_t first,
			unsigned n)
{
	struct pfs_v3_header h = {
	    .version = 3, .action = action, .count = (uint8_t)n};
	struct pfs_wbuf wb;
	struct pfs_state s;
	unsigned i;

	pfs_wbuf_init(&wb, buf, PFS_V3_MTU_MAX);
	pfs_v3_put_header(&wb, &h);
	for (i = 0; i < n; i++) {
		s = sim_state(first + i, CREATOR);
		s.src.seqlo = 1000 + (uint32_t)i;
		pfs_v3_put_state(&wb, &s);
	}
	return wb.off;
}

static void peer_send(struct te *te, uint8_t action, uint64_t first, unsigned n)
{
	uint8_t pkt[PFS_V3_MTU_MAX];
	size_t len = mk_states(pkt, action, first, n);

	te_input(te, pkt, len, TE_PEER, TE_T0);
}

static void open_limit(struct te *te, uint32_t max)
{
	te_open(te, 3, 0);
	te->c.max_states = max;
	T_EQ(pfs_engine_set_conf(te->e, &te->c, TE_T0), 0);
}

static uint64_t lim(const struct te *te, enum pfs_lim_stat s)
{
	return pfs_engine_lim_stats(te->e)[s];
}

/* 0 is no limit: what pfs_engine_conf_default gives. */
static void test_limit_off(void)
{
	struct te te;

	te_open(&te, 3, 0);
	T_EQ(te.c.max_states, 0);
	peer_send(&te, PFS_V3_ACT_INS, 1, 6);
	peer_send(&te, PFS_V3_ACT_INS, 7, 6);
	T_EQ(pfs_table_count(te.t), 12);
	T_EQ(lim(&te, PFS_LIM_PEER), 0);
	te_close(&te);
}

/* At N, the N+1th INS is refused and counted; not BADSTATE (an INS that
 * fails is not counted by NetBSD), and nothing is sent back. */
static void test_limit_peer_ins(void)
{
	struct te te;

	open_limit(&te, 4);
	peer_send(&te, PFS_V3_ACT_INS, 1, 6);
	T_EQ(pfs_table_count(te.t), 4);
	T_EQ(te.applied[PFS_OP_INSERT], 4);
	T_EQ(lim(&te, PFS_LIM_PEER), 2);
	T_EQ(lim(&te, PFS_LIM_LOCAL), 0);
	T_EQ(te_stat(&te, PFS_STAT_BADSTATE), 0);
	T_CHECK(pfs_table_find_id(te.t, 4, CREATOR) != NULL);
	T_CHECK(pfs_table_find_id(te.t, 5, CREATOR) == NULL);
	/* an INS of a state held is no new state: EEXIST, not the limit */
	peer_send(&te, PFS_V3_ACT_INS, 1, 1);
	T_EQ(lim(&te, PFS_LIM_PEER), 2);
	pfs_engine_flush(te.e, TE_T0);
	T_EQ(te.n, 0);
	te_close(&te);
}

/* At the limit updates of the states held apply (full and compressed);
 * a full UPD that would create a state is refused: the limit's counter
 * and BADSTATE (NetBSD's failed insert in the UPD path). */
static void test_limit_updates_apply(void)
{
	struct pfs_v3_header h = {
	    .version = 3, .action = PFS_V3_ACT_UPD_C, .count = 1};
	struct pfs_v3_upd u;
	uint8_t pkt[PFS_V3_MTU_MAX];
	struct pfs_state *s;
	struct pfs_wbuf wb;
	size_t len;
	struct te te;

	open_limit(&te, 3);
	peer_send(&te, PFS_V3_ACT_INS, 1, 3);
	T_EQ(pfs_table_count(te.t), 3);
	/* full UPD of 1..4: 1..3 merge, 4 would be new */
	len = mk_states(pkt, PFS_V3_ACT_UPD, 1, 4);
	te_input(&te, pkt, len, TE_PEER, TE_T0 + 1000);
	T_EQ(te.applied[PFS_OP_UPDATE], 3);
	T_EQ(pfs_table_count(te.t), 3);
	T_EQ(lim(&te, PFS_LIM_PEER), 1);
	T_EQ(te_stat(&te, PFS_STAT_BADSTATE), 1);
	/* UPD_C of a state held moves its sequence window */
	s = pfs_table_find_id(te.t, 2, CREATOR);
	T_CHECK(s != NULL);
	memset(&u, 0, sizeof(u));
	u.id = 2;
	u.creatorid = CREATOR;
	u.src = s->src;
	u.dst = s->dst;
	u.src.seqlo += 500;
	u.timeout = s->timeout;
	pfs_wbuf_init(&wb, pkt, sizeof(pkt));
	pfs_v3_put_header(&wb, &h);
	pfs_v3_put_upd(&wb, &u);
	te_input(&te, pkt, wb.off, TE_PEER, TE_T0 + 2000);
	T_EQ(te.applied[PFS_OP_UPDATE], 4);
	T_EQ(s->src.seqlo, u.src.seqlo);
	T_EQ(lim(&te, PFS_LIM_PEER), 1);
	te_close(&te);
}

/* A peer's delete makes room: the next new state is taken. */
static void test_limit_delete_frees(void)
{
	struct pfs_v3_header h = {
	    .version = 3, .action = PFS_V3_ACT_DEL_C, .count = 1};
	struct pfs_v3_del d = {2, CREATOR, 0, 0};
	uint8_t pkt[64];
	struct pfs_wbuf wb;
	struct te te;

	open_limit(&te, 3);
	peer_send(&te, PFS_V3_ACT_INS, 1, 4);
	T_EQ(lim(&te, PFS_LIM_PEER), 1);
	pfs_wbuf_init(&wb, pkt, sizeof(pkt));
	pfs_v3_put_header(&wb, &h);
	pfs_v3_put_del(&wb, &d);
	te_input(&te, pkt, wb.off, TE_PEER, TE_T0);
	T_EQ(pfs_table_count(te.t), 2);
	peer_send(&te, PFS_V3_ACT_INS, 10, 2);
	T_EQ(pfs_table_count(te.t), 3);
	T_CHECK(pfs_table_find_id(te.t, 10, CREATOR) != NULL);
	T_CHECK(pfs_table_find_id(te.t, 11, CREATOR) == NULL);
	T_EQ(lim(&te, PFS_LIM_PEER), 2);
	/* a bulk (full UPDs) fills the room a local delete made, no more */
	T_EQ(pfs_engine_delete(te.e, 10, CREATOR, TE_T0), 0);
	peer_send(&te, PFS_V3_ACT_UPD, 20, 3);
	T_EQ(pfs_table_count(te.t), 3);
	T_CHECK(pfs_table_find_id(te.t, 20, CREATOR) != NULL);
	T_EQ(lim(&te, PFS_LIM_PEER), 4);
	te_close(&te);
}

/* A local state at the limit: refused (ENOMEM, as pf's state pool),
 * counted apart, never announced; local updates still go out. */
static void test_limit_local(void)
{
	struct pfs_state s = sim_state(100, TE_HOST);
	struct te te;

	open_limit(&te, 2);
	T_EQ(pfs_engine_insert(te.e, &s, TE_T0), 0);
	s = sim_state(101, TE_HOST);
	T_EQ(pfs_engine_insert(te.e, &s, TE_T0), 0);
	pfs_engine_flush(te.e, TE_T0);
	T_EQ(te.n, 1);
	s = sim_state(102, TE_HOST);
	errno = 0;
	T_EQ(pfs_engine_insert(te.e, &s, TE_T0), -1);
	T_EQ(errno, ENOMEM);
	T_EQ(lim(&te, PFS_LIM_LOCAL), 1);
	T_EQ(lim(&te, PFS_LIM_PEER), 0);
	pfs_engine_flush(te.e, TE_T0);
	T_EQ(te.n, 1);
	s = sim_state(101, TE_HOST);
	s.src.seqlo += 10;
	T_EQ(pfs_engine_update(te.e, &s, TE_T0), 0);
	pfs_engine_flush(te.e, TE_T0);
	T_EQ(te.n, 2);
	te_close(&te);
}

/* A reload lowering the limit below the states held keeps them (unlike
 * pf's EBUSY): they update, new ones wait until the count falls under
 * the new limit. */
static void test_limit_lowered(void)
{
	struct te te;

	open_limit(&te, 0);
	peer_send(&te, PFS_V3_ACT_INS, 1, 5);
	T_EQ(pfs_table_count(te.t), 5);
	te.c.max_states = 3;
	T_EQ(pfs_engine_set_conf(te.e, &te.c, TE_T0), 0);
	T_EQ(pfs_table_count(te.t), 5);
	peer_send(&te, PFS_V3_ACT_UPD, 1, 5);
	T_EQ(te.applied[PFS_OP_UPDATE], 5);
	peer_send(&te, PFS_V3_ACT_INS, 10, 1);
	T_EQ(lim(&te, PFS_LIM_PEER), 1);
	T_EQ(pfs_engine_kill(te.e, 1, CREATOR, TE_T0), 0);
	T_EQ(pfs_engine_kill(te.e, 2, CREATOR, TE_T0), 0);
	peer_send(&te, PFS_V3_ACT_INS, 10, 1); /* 3 held: still full */
	T_EQ(lim(&te, PFS_LIM_PEER), 2);
	T_EQ(pfs_engine_kill(te.e, 3, CREATOR, TE_T0), 0);
	peer_send(&te, PFS_V3_ACT_INS, 10, 1);
	T_EQ(pfs_table_count(te.t), 3);
	T_EQ(lim(&te, PFS_LIM_PEER), 2);
	/* raised again: room at once */
	te.c.max_states = 4;
	T_EQ(pfs_engine_set_conf(te.e, &te.c, TE_T0), 0);
	peer_send(&te, PFS_V3_ACT_INS, 11, 2);
	T_EQ(pfs_table_count(te.t), 4);
	T_EQ(lim(&te, PFS_LIM_PEER), 3);
	te_close(&te);
}

/* OpenBSD v6: an INS section of two states (g_v6.h's fixtures, as in
 * test_engine_v6.c) at a limit of 1 lands one, refuses the other. */
static size_t mk_v6_ins(uint8_t *b)
{
	size_t len = 20 + 4 + 2 * 264;

	memset(b, 0, len);
	g_hdr(b, (uint16_t)len);
	g_sub(b, 20, 13, 66, 2);
	g_state(b, 24, 0);
	g_state(b, 24 + 264, 1);
	return len;
}

static void test_limit_v6(void)
{
	uint8_t b[1500];
	struct te te;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te.c.max_states = 1;
	T_EQ(pfs_engine_set_conf(te.e, &te.c, TE_T0), 0);
	te_input(&te, b, mk_v6_ins(b), TE_PEER, TE_T0);
	T_EQ(pfs_table_count(te.t), 1);
	T_EQ(te.applied[PFS_OP_INSERT], 1);
	T_EQ(lim(&te, PFS_LIM_PEER), 1);
	te_close(&te);
}

static void test_limit_names(void)
{
	T_CHECK(strcmp(pfs_lim_stat_name(PFS_LIM_PEER), "state_limit") == 0);
	T_CHECK(strcmp(pfs_lim_stat_name(PFS_LIM_LOCAL), "state_limit_local") ==
		0);
	T_CHECK(strcmp(pfs_lim_stat_name(PFS_LIM_NSTATS), "?") == 0);
}

int main(void)
{
	T_RUN(test_limit_off);
	T_RUN(test_limit_peer_ins);
	T_RUN(test_limit_updates_apply);
	T_RUN(test_limit_delete_frees);
	T_RUN(test_limit_local);
	T_RUN(test_limit_lowered);
	T_RUN(test_limit_v6);
	T_RUN(test_limit_names);
	return t_done();
}
