/*
 * test_sim.c - two and three engines joined by the in-memory wire of
 * sim.h: random local operations, a lossy wire, then a bulk update, and
 * the tables compared creator by creator.
 *
 * The invariant, and why it has two halves.  pfsync v3 repairs lost
 * inserts and updates (UREQ for unknown UPD_C states, the bulk update
 * sends every existing state) but it cannot repair a lost delete or CLR:
 * a bulk only sends states that exist, and nothing tells a receiver that
 * a state it holds is gone at its creator.  So after the bulk:
 *   1. every state a creator holds is on every other node with equal
 *      synced fields (keys, peers, timeout) - strict, no exception;
 *   2. a state of creator X found on another node but no longer at X is
 *      an "extra"; it must be one X really had and deleted (killed or
 *      cleared) during the run - never a state nobody created - and the
 *      number is printed.  On a loss-free wire there must be none, and
 *      on that wire every table equals its source before any bulk.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "sim.h"
#include "t.h"
#include "t_state.h"

#define T0 100000u

struct run {
	struct sim_net net;
	bool own_kills; /* kill only states of one's own (no cross-writer
			   delete races, which no stream order can fix) */
	struct pfs_table *deleted; /* (id, creator) of every removed state */
	uint64_t ops;
};

static void run_open_conf(struct run *r, int nnodes, uint64_t seed,
			  bool reliable)
{
	struct pfs_engine_conf c;

	pfs_engine_conf_default(&c);
	c.syncdev = true;
	c.reliable = reliable;
	c.tomb_s = reliable ? 600 : 0;
	c.bulk_pkts = 4;
	c.bulk_tick_ms = 10;
	sim_init(&r->net, nnodes, &c, seed, T0);
	r->deleted = pfs_table_new(0);
	r->ops = 0;
	r->own_kills = reliable;
}

static void run_open(struct run *r, int nnodes, uint64_t seed)
{
	run_open_conf(r, nnodes, seed, false);
}

static void run_close(struct run *r)
{
	sim_fini(&r->net);
	pfs_table_free(r->deleted);
}

static void note_deleted(struct run *r, const struct pfs_state *s)
{
	struct pfs_state k = sim_state(s->id, s->creatorid);

	if (!pfs_table_find_id(r->deleted, s->id, s->creatorid))
		(void)pfs_table_insert(r->deleted, &k);
}

/* A random state of creator `creator` in node n's table, or NULL. */
static struct pfs_state *pick(struct run *r, struct sim_node *n,
			      uint32_t creator)
{
	size_t cnt = pfs_table_count(n->table), k, cur = 0;
	struct pfs_state *s, *found = NULL;

	if (cnt == 0)
		return NULL;
	k = sim_rand(&r->net.rng) % cnt;
	while ((s = pfs_table_next(n->table, &cur)) != NULL) {
		if (creator && s->creatorid != creator)
			continue;
		found = s;
		if (k-- == 0)
			break;
	}
	return found;
}

/* Timeout class follows the TCP state, so equal peers mean equal class. */
static uint8_t tcp_timeout(const struct pfs_state *s)
{
	uint8_t st = s->src.state > s->dst.state ? s->src.state : s->dst.state;

	if (st >= PFS_TCPS_TIME_WAIT)
		return PFS_TM_TCP_CLOSED;
	if (st >= PFS_TCPS_FIN_WAIT_1)
		return PFS_TM_TCP_CLOSING;
	if (st >= PFS_TCPS_ESTABLISHED)
		return PFS_TM_TCP_ESTABLISHED;
	return PFS_TM_TCP_OPENING;
}

/* Move a state forward, as traffic does: seqs grow, states advance. */
static void advance(struct run *r, struct pfs_state *s, uint32_t now_s)
{
	uint64_t *g = &r->net.rng;

	s->src.seqlo += 1 + (uint32_t)(sim_rand(g) % 3000);
	s->src.seqhi = s->src.seqlo + 65535;
	s->dst.seqlo += 1 + (uint32_t)(sim_rand(g) % 3000);
	s->dst.seqhi = s->dst.seqlo + 65535;
	if (sim_chance(g, 0.05) && s->src.state < PFS_TCPS_TIME_WAIT)
		s->src.state++;
	if (sim_chance(g, 0.05) && s->dst.state < PFS_TCPS_TIME_WAIT)
		s->dst.state++;
	s->timeout = tcp_timeout(s);
	s->expire = now_s;
	s->packets[0]++;
}

static void op_insert(struct sim_node *n, uint32_t now_s)
{
	uint64_t id = pfs_engine_new_id(n->eng);
	struct pfs_state s = sim_state(id, pfs_engine_conf(n->eng)->hostid);

	s.src.state = s.dst.state = PFS_TCPS_SYN_SENT;
	s.timeout = tcp_timeout(&s);
	s.creation = s.expire = now_s;
	T_EQ(pfs_engine_insert(n->eng, &s, n->net->now_ms), 0);
}

/* One random operation on node n's own states (kill: any state). */
static void random_op(struct run *r, struct sim_node *n, bool clears)
{
	uint32_t me = pfs_engine_conf(n->eng)->hostid;
	uint32_t now_s = (uint32_t)(r->net.now_ms / 1000);
	uint64_t x = sim_rand(&r->net.rng) % 1000;
	struct pfs_state *s, tmp;

	r->ops++;
	if (x < 250 || pfs_table_count(n->table) < 4) {
		op_insert(n, now_s);
		return;
	}
	s = pick(r, n, x < 970 || r->own_kills ? me : 0);
	if (!s)
		return;
	tmp = *s;
	if (x < 850) {
		advance(r, &tmp, now_s);
		T_EQ(pfs_engine_update(n->eng, &tmp, r->net.now_ms), 0);
	} else if (x < 940) {
		note_deleted(r, s);
		T_EQ(pfs_engine_delete(n->eng, tmp.id, tmp.creatorid,
				       r->net.now_ms), 0);
	} else if (x < 999 || !clears) {
		note_deleted(r, s);
		T_EQ(pfs_engine_kill(n->eng, tmp.id, tmp.creatorid,
				     r->net.now_ms), 0);
	} else {
		size_t cur = 0;

		while ((s = pfs_table_next(n->table, &cur)) != NULL)
			if (s->creatorid == me)
				note_deleted(r, s);
		T_EQ(pfs_engine_clear(n->eng, "", r->net.now_ms), 0);
	}
}

static void random_phase(struct run *r, int nops, int active_nodes,
			 bool clears)
{
	int i;

	for (i = 0; i < nops; i++) {
		int k = (int)(sim_rand(&r->net.rng) % (uint64_t)active_nodes);

		random_op(r, &r->net.node[k], clears);
		sim_step(&r->net, sim_rand(&r->net.rng) % 120);
	}
}

static bool quiet(struct run *r)
{
	int i;

	for (i = 0; i < r->net.nnodes; i++) {
		struct pfs_engine *e = r->net.node[i].eng;

		if (!pfs_engine_synced(e) || pfs_engine_bulk_sending(e))
			return false;
	}
	return true;
}

/* Loss stops; each node in turn asks for a bulk and waits for it. */
static void bulk_phase(struct run *r, int first, int last)
{
	int i;

	r->net.p_drop = r->net.p_dup = r->net.p_reorder = 0;
	sim_run_until(&r->net, r->net.now_ms + 1500, 50);
	for (i = first; i <= last; i++) {
		uint64_t limit = r->net.now_ms + 120000;

		pfs_engine_bulk_request(r->net.node[i].eng, r->net.now_ms);
		sim_deliver(&r->net);
		while (!quiet(r) && r->net.now_ms < limit)
			sim_step(&r->net, 10);
		T_CHECK(quiet(r));
	}
	sim_run_until(&r->net, r->net.now_ms + 1500, 50);
}

static bool same_synced(const struct pfs_state *a, const struct pfs_state *b)
{
	return a->af == b->af && a->proto == b->proto &&
	       a->direction == b->direction && a->timeout == b->timeout &&
	       t_host_eq(&a->lan, &b->lan) && t_host_eq(&a->gwy, &b->gwy) &&
	       t_host_eq(&a->ext, &b->ext) && t_peer_eq(&a->src, &b->src) &&
	       t_peer_eq(&a->dst, &b->dst) &&
	       memcmp(a->ifname, b->ifname, sizeof(a->ifname)) == 0;
}

struct cmp {
	size_t compared, missing, differ, extra, phantom;
};

/* Compare node n against the source x for the states x created. */
static void compare_one(struct run *r, struct sim_node *x, struct sim_node *n,
			struct cmp *c)
{
	uint32_t cx = pfs_engine_conf(x->eng)->hostid;
	struct pfs_state *s, *t;
	size_t cur = 0;

	while ((s = pfs_table_next(x->table, &cur)) != NULL) {
		if (s->creatorid != cx)
			continue;
		c->compared++;
		t = pfs_table_find_id(n->table, s->id, cx);
		if (!t)
			c->missing++;
		else if (!same_synced(s, t))
			c->differ++;
	}
	cur = 0;
	while ((t = pfs_table_next(n->table, &cur)) != NULL) {
		if (t->creatorid != cx ||
		    pfs_table_find_id(x->table, t->id, cx))
			continue;
		c->extra++;
		if (!pfs_table_find_id(r->deleted, t->id, cx))
			c->phantom++;
	}
}

static void compare_all(struct run *r, struct cmp *c, int creators)
{
	int x, n;

	memset(c, 0, sizeof(*c));
	for (x = 0; x < creators; x++)
		for (n = 0; n < r->net.nnodes; n++)
			if (n != x)
				compare_one(r, &r->net.node[x],
					    &r->net.node[n], c);
}

static void print_cmp(const char *name, struct run *r, const struct cmp *c)
{
	printf("# %s: %llu ops, %llu sent, %llu dropped, %zu compared, "
	       "%zu missing, %zu differ, %zu extra (lost deletes)\n",
	       name, (unsigned long long)r->ops,
	       (unsigned long long)r->net.sent,
	       (unsigned long long)r->net.dropped, c->compared, c->missing,
	       c->differ, c->extra);
}

/* Loss-free wire, one writer: B equals A without any bulk, and B never
 * sends a packet (learned states are not rebroadcast). */
static void test_sim_lossless_two(void)
{
	struct run r;
	struct cmp c;

	run_open(&r, 2, 11);
	random_phase(&r, 1500, 1, true);
	sim_run_until(&r.net, r.net.now_ms + 1500, 50);
	compare_all(&r, &c, 1);
	print_cmp("lossless A->B", &r, &c);
	T_CHECK(c.compared > 50);
	T_EQ(c.missing + c.differ + c.extra, 0);
	T_EQ(pfs_table_count(r.net.node[0].table),
	     pfs_table_count(r.net.node[1].table));
	T_EQ(pfs_engine_stats(r.net.node[1].eng)[PFS_STAT_OPACKETS], 0);
	T_EQ(pfs_engine_stats(r.net.node[1].eng)[PFS_STAT_BADSTATE], 0);
	run_close(&r);
}

/* Lossy wire (drop, dup, reorder), one writer, then a bulk on B. */
static void test_sim_lossy_two(void)
{
	struct run r;
	struct cmp c;

	run_open(&r, 2, 12345);
	r.net.p_drop = 0.15;
	r.net.p_dup = 0.05;
	r.net.p_reorder = 0.2;
	random_phase(&r, 2000, 1, true);
	random_phase(&r, 3000, 1, false);
	compare_all(&r, &c, 1);
	print_cmp("lossy A->B before bulk", &r, &c);
	T_CHECK(c.missing + c.differ > 0); /* the loss was real */
	bulk_phase(&r, 1, 1);
	compare_all(&r, &c, 1);
	print_cmp("lossy A->B after bulk", &r, &c);
	T_CHECK(c.compared > 50);
	T_EQ(c.missing, 0);
	T_EQ(c.differ, 0);
	T_EQ(c.phantom, 0);
	run_close(&r);
}

/* Three writers with distinct hostids, lossy, then a bulk on each. */
static void test_sim_lossy_three(void)
{
	struct run r;
	struct cmp c;

	run_open(&r, 3, 777);
	r.net.p_drop = 0.1;
	r.net.p_dup = 0.05;
	r.net.p_reorder = 0.15;
	random_phase(&r, 3000, 3, true);
	bulk_phase(&r, 0, 2);
	compare_all(&r, &c, 3);
	print_cmp("lossy 3 nodes after bulk", &r, &c);
	T_CHECK(c.compared > 100);
	T_EQ(c.missing, 0);
	T_EQ(c.differ, 0);
	T_EQ(c.phantom, 0);
	run_close(&r);
}

/* Several seeds, 2 and 3 nodes, heavier loss, no clears (so no node
 * misses a whole creator): same invariant. */
static void test_sim_seeds(void)
{
	uint64_t seed;

	for (seed = 1; seed <= 6; seed++) {
		struct run r;
		struct cmp c;
		int nn = seed % 2 ? 2 : 3;

		run_open(&r, nn, seed * 7919);
		r.net.p_drop = 0.3;
		r.net.p_dup = 0.1;
		r.net.p_reorder = 0.3;
		random_phase(&r, 1500, nn, false);
		bulk_phase(&r, 0, nn - 1);
		compare_all(&r, &c, nn);
		T_EQ(c.missing, 0);
		T_EQ(c.differ, 0);
		T_EQ(c.phantom, 0);
		if (c.missing || c.differ || c.phantom)
			print_cmp("seed failed", &r, &c);
		run_close(&r);
	}
}

/* ---- reliable delivery between pfsyncd peers (engine_rel.c) ----------*/

static uint64_t rel_stat(struct run *r, int n, enum pfs_rel_stat k)
{
	return pfs_engine_rel_stats(r->net.node[n].eng)[k];
}

static void print_rel(struct run *r, int n)
{
	int k;

	printf("#   node %d:", n);
	for (k = 0; k < PFS_REL_NSTATS; k++)
		printf(" %s=%llu", pfs_rel_stat_name((enum pfs_rel_stat)k),
		       (unsigned long long)rel_stat(r, n, (enum pfs_rel_stat)k));
	printf("\n");
}

/* Loss stops; nothing else: no bulk is asked for by the test. */
static void settle(struct run *r, uint64_t ms)
{
	r->net.p_drop = r->net.p_dup = r->net.p_reorder = 0;
	sim_run_until(&r->net, r->net.now_ms + ms, 20);
}

/* 30 % loss with duplicates and reordering, one writer: within 5 s of
 * the loss ending B equals A - nothing missing, no ghost - without a
 * bulk update, and no missing packet was given up. */
static void test_rel_lossy_two(void)
{
	struct run r;
	struct cmp c;

	run_open_conf(&r, 2, 4242, true);
	r.net.p_drop = 0.3;
	r.net.p_dup = 0.05;
	r.net.p_reorder = 0.2;
	random_phase(&r, 2500, 1, true);
	settle(&r, 5000);
	compare_all(&r, &c, 1);
	print_cmp("reliable, 30% loss, A->B 5 s after", &r, &c);
	print_rel(&r, 1);
	T_CHECK(c.compared > 50);
	T_EQ(c.missing, 0);
	T_EQ(c.differ, 0);
	T_EQ(c.extra, 0);
	T_CHECK(rel_stat(&r, 1, PFS_REL_GAPS) > 0); /* the loss was real */
	T_EQ(rel_stat(&r, 1, PFS_REL_LOST), 0);
	T_EQ(rel_stat(&r, 1, PFS_REL_RESYNCS), 0);
	T_EQ(pfs_table_count(r.net.node[0].table),
	     pfs_table_count(r.net.node[1].table));
	run_close(&r);
}

/* Three writers on one group, lossy: every table equal, no ghost. */
static void test_rel_lossy_three(void)
{
	struct run r;
	struct cmp c;
	uint64_t seed;

	for (seed = 1; seed <= 4; seed++) {
		run_open_conf(&r, 3, seed * 104729, true);
		r.net.p_drop = 0.3;
		r.net.p_dup = 0.05;
		r.net.p_reorder = 0.3;
		random_phase(&r, 2000, 3, false); /* a clear on Y drops X's states too: only a bulk repairs that */
		settle(&r, 5000);
		compare_all(&r, &c, 3);
		T_CHECK(c.compared > 50);
		T_EQ(c.missing, 0);
		T_EQ(c.differ, 0);
		T_EQ(c.extra, 0);
		if (c.missing || c.differ || c.extra) {
			print_cmp("reliable 3 nodes failed", &r, &c);
			print_rel(&r, 0);
			print_rel(&r, 1);
			print_rel(&r, 2);
		}
		run_close(&r);
	}
}

/*
 * B's daemon dies and comes back with its table kept (a conntrack table
 * outlives the daemon): meanwhile A inserted, updated and deleted.  The
 * new B asks for a bulk, as every start does; the bulk, whole and in
 * order, brings what is new and sweeps what A deleted.  No ghost.
 */
static void test_rel_restart_sweep(void)
{
	struct pfs_engine_ops ops = {.output = sim_output};
	struct pfs_engine_conf c;
	struct sim_node *b;
	struct run r;
	struct cmp cm;

	run_open_conf(&r, 2, 99, true);
	b = &r.net.node[1];
	random_phase(&r, 800, 1, false);
	settle(&r, 1000);
	c = *pfs_engine_conf(b->eng);
	pfs_engine_free(b->eng);
	b->eng = pfs_engine_new(&c, b->table, &ops, b, r.net.now_ms);
	T_CHECK(b->eng != NULL);
	r.net.p_drop = 1.0; /* B is down: nothing reaches anyone */
	random_phase(&r, 800, 1, false);
	r.net.p_drop = 0;
	compare_all(&r, &cm, 1);
	T_CHECK(cm.extra > 0); /* B holds ghosts */
	pfs_engine_bulk_request(b->eng, r.net.now_ms);
	settle(&r, 10000);
	compare_all(&r, &cm, 1);
	print_cmp("reliable, restart with the table kept, bulk", &r, &cm);
	print_rel(&r, 1);
	T_CHECK(cm.compared > 50);
	T_EQ(cm.missing, 0);
	T_EQ(cm.differ, 0);
	T_EQ(cm.extra, 0);
	T_CHECK(rel_stat(&r, 1, PFS_REL_SWEPT) > 0);
	T_CHECK(pfs_engine_synced(b->eng));
	run_close(&r);
}

/*
 * No resurrection: B holds a state A created and deleted (B re-read it
 * from its kernel after a restart, say).  A asks for a bulk: B offers it
 * back, A refuses it and answers with a delete, and B drops it.
 */
static void test_rel_no_resurrection(void)
{
	struct run r;
	struct pfs_state s;
	uint32_t a;
	uint64_t id;

	run_open_conf(&r, 2, 5, true);
	a = pfs_engine_conf(r.net.node[0].eng)->hostid;
	id = pfs_engine_new_id(r.net.node[0].eng);
	s = sim_state(id, a);
	s.creation = s.expire = (uint32_t)(r.net.now_ms / 1000) + 100;
	T_EQ(pfs_engine_insert(r.net.node[0].eng, &s, r.net.now_ms), 0);
	settle(&r, 1500);
	T_EQ(pfs_engine_delete(r.net.node[0].eng, id, a, r.net.now_ms), 0);
	settle(&r, 1500);
	T_CHECK(pfs_table_find_id(r.net.node[1].table, id, a) == NULL);
	T_CHECK(pfs_table_insert(r.net.node[1].table, &s) != NULL);
	pfs_engine_bulk_request(r.net.node[0].eng, r.net.now_ms);
	settle(&r, 3000);
	T_CHECK(pfs_table_find_id(r.net.node[0].table, id, a) == NULL);
	T_CHECK(pfs_table_find_id(r.net.node[1].table, id, a) == NULL);
	T_EQ(rel_stat(&r, 0, PFS_REL_REFUSED), 1);
	/* a node that lost its table (a reboot: a new engine, no memory of
	 * deletes) takes its own states back: that is failback */
	run_close(&r);
}

/*
 * Tombstones match the connection: B offers A's deleted connection back
 * under its own id and creator, its age unknown (a restarted conntrack
 * backend re-reads it as its own); A refuses it and B drops it.  A copy
 * of a deleted connection's addresses that began after the delete is a
 * new connection: taken.
 */
static void test_rel_conn_tomb(void)
{
	struct run r;
	struct pfs_state s1, s2, g, n;
	uint32_t a, b, now_s;

	run_open_conf(&r, 2, 7, true);
	a = pfs_engine_conf(r.net.node[0].eng)->hostid;
	b = pfs_engine_conf(r.net.node[1].eng)->hostid;
	now_s = (uint32_t)(r.net.now_ms / 1000);
	s1 = sim_state(pfs_engine_new_id(r.net.node[0].eng), a);
	s2 = sim_state(pfs_engine_new_id(r.net.node[0].eng), a);
	s1.creation = s2.creation = now_s;
	s1.expire = s2.expire = now_s + 100;
	T_EQ(pfs_engine_insert(r.net.node[0].eng, &s1, r.net.now_ms), 0);
	T_EQ(pfs_engine_insert(r.net.node[0].eng, &s2, r.net.now_ms), 0);
	settle(&r, 1500);
	T_EQ(pfs_engine_delete(r.net.node[0].eng, s1.id, a, r.net.now_ms), 0);
	T_EQ(pfs_engine_delete(r.net.node[0].eng, s2.id, a, r.net.now_ms), 0);
	settle(&r, 3000);
	T_EQ(pfs_table_count(r.net.node[1].table), 0);
	now_s = (uint32_t)(r.net.now_ms / 1000);
	g = s1; /* the ghost: as old as the clock, B's own */
	g.id = 0x1234;
	g.creatorid = b;
	g.creation = 0;
	g.expire = now_s + 100;
	n = s2; /* a new connection on s2's addresses */
	n.id = 0x1235;
	n.creatorid = b;
	n.creation = now_s;
	n.expire = now_s + 100;
	T_CHECK(pfs_table_insert(r.net.node[1].table, &g) != NULL);
	T_CHECK(pfs_table_insert(r.net.node[1].table, &n) != NULL);
	pfs_engine_bulk_request(r.net.node[0].eng, r.net.now_ms);
	settle(&r, 3000);
	T_CHECK(pfs_table_find_id(r.net.node[0].table, g.id, b) == NULL);
	T_CHECK(pfs_table_find_id(r.net.node[1].table, g.id, b) == NULL);
	T_CHECK(pfs_table_find_id(r.net.node[0].table, n.id, b) != NULL);
	T_CHECK(pfs_table_find_id(r.net.node[1].table, n.id, b) != NULL);
	T_EQ(rel_stat(&r, 0, PFS_REL_REFUSED), 1);
	run_close(&r);
}

static bool adopt_provisional(void *ctx, const struct pfs_state *local,
			      const struct pfs_state *peer)
{
	(void)ctx, (void)peer;
	return (local->local_flags & PFS_LF_PROVISIONAL) != 0;
}

/*
 * B restarts with states it once wrote for A, held unconfirmed (never
 * announced): A's whole bulk claims the one A still has and sweeps the
 * one A deleted meanwhile.
 */
static void test_rel_unconfirmed_sweep(void)
{
	struct pfs_engine_ops ops = {.output = sim_output,
				     .adopt = adopt_provisional};
	struct pfs_engine_conf c;
	struct sim_node *b;
	struct pfs_state live, gone;
	uint32_t a, now_s;
	struct run r;

	run_open_conf(&r, 2, 11, true);
	b = &r.net.node[1];
	a = pfs_engine_conf(r.net.node[0].eng)->hostid;
	now_s = (uint32_t)(r.net.now_ms / 1000);
	live = sim_state(pfs_engine_new_id(r.net.node[0].eng), a);
	live.creation = now_s;
	live.expire = now_s + 100;
	T_EQ(pfs_engine_insert(r.net.node[0].eng, &live, r.net.now_ms), 0);
	settle(&r, 1500);
	c = *pfs_engine_conf(b->eng);
	pfs_engine_free(b->eng);
	pfs_table_free(b->table);
	b->table = pfs_table_new(0);
	live.id = 0x4321; /* re-read: its CTA_ID, ours, unconfirmed */
	live.creatorid = c.hostid;
	live.local_flags = PFS_LF_PROVISIONAL | PFS_LF_UNCONFIRMED;
	live.sync_flags = PFS_SF_NOSYNC;
	gone = sim_state(0x4322, c.hostid);
	gone.local_flags = live.local_flags;
	gone.sync_flags = PFS_SF_NOSYNC;
	gone.expire = now_s + 100;
	T_CHECK(pfs_table_insert(b->table, &live) != NULL);
	T_CHECK(pfs_table_insert(b->table, &gone) != NULL);
	b->eng = pfs_engine_new(&c, b->table, &ops, b, r.net.now_ms);
	T_CHECK(b->eng != NULL);
	pfs_engine_bulk_request(b->eng, r.net.now_ms);
	settle(&r, 5000);
	T_EQ(pfs_table_count(b->table), 1);
	T_CHECK(pfs_table_find_id(b->table, 0x4321, c.hostid) == NULL);
	T_CHECK(pfs_table_find_id(b->table, 0x4322, c.hostid) == NULL);
	T_EQ(pfs_table_count(r.net.node[0].table), 1); /* nothing announced */
	T_EQ(rel_stat(&r, 1, PFS_REL_SWEPT), 1);
	T_CHECK(pfs_engine_synced(b->eng));
	run_close(&r);
}

/* After a reboot A takes its own states back from B's bulk. */
static void test_rel_reboot_takes_back(void)
{
	struct pfs_engine_ops ops = {.output = sim_output};
	struct pfs_engine_conf c;
	struct sim_node *a;
	struct run r;
	size_t before;

	run_open_conf(&r, 2, 8, true);
	a = &r.net.node[0];
	random_phase(&r, 500, 1, false);
	settle(&r, 1500);
	before = pfs_table_count(a->table);
	T_CHECK(before > 20);
	c = *pfs_engine_conf(a->eng);
	pfs_engine_free(a->eng);
	pfs_table_free(a->table);
	a->table = pfs_table_new(0);
	a->eng = pfs_engine_new(&c, a->table, &ops, a, r.net.now_ms);
	pfs_engine_bulk_request(a->eng, r.net.now_ms);
	settle(&r, 5000);
	T_EQ(pfs_table_count(a->table), before);
	T_EQ(rel_stat(&r, 0, PFS_REL_REFUSED), 0);
	T_CHECK(pfs_engine_synced(a->eng));
	run_close(&r);
}

/* A reliable sender that numbers its packets (it heard a pfsyncd peer,
 * node 2) and a plain v3 receiver (node 1: a BSD peer, or pfsyncd with
 * reliable off): the trailer is ignored, states apply as before. */
static void test_rel_plain_receiver(void)
{
	struct run r;
	struct pfs_engine_conf c;
	struct cmp cm;

	run_open_conf(&r, 3, 17, true);
	c = *pfs_engine_conf(r.net.node[1].eng);
	c.reliable = false;
	T_EQ(pfs_engine_set_conf(r.net.node[1].eng, &c, r.net.now_ms), 0);
	random_phase(&r, 1000, 1, false);
	settle(&r, 1500);
	compare_all(&r, &cm, 1);
	T_CHECK(cm.compared > 50);
	T_EQ(cm.missing + cm.differ + cm.extra, 0);
	T_EQ(pfs_engine_stats(r.net.node[1].eng)[PFS_STAT_BADLEN], 0);
	T_EQ(pfs_engine_stats(r.net.node[1].eng)[PFS_STAT_BADSTATE], 0);
	run_close(&r);
}

int main(void)
{
	T_RUN(test_sim_lossless_two);
	T_RUN(test_sim_lossy_two);
	T_RUN(test_sim_lossy_three);
	T_RUN(test_sim_seeds);
	T_RUN(test_rel_lossy_two);
	T_RUN(test_rel_lossy_three);
	T_RUN(test_rel_restart_sweep);
	T_RUN(test_rel_reboot_takes_back);
	T_RUN(test_rel_no_resurrection);
	T_RUN(test_rel_conn_tomb);
	T_RUN(test_rel_unconfirmed_sweep);
	T_RUN(test_rel_plain_receiver);
	return t_done();
}
