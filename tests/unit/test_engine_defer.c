/*
 * test_engine_defer.c - engine_defer.c: a packet held for a pfsyncd
 * peer's ACK of the stream packet carrying its insert, released on that
 * ACK (not before), or at the timeout; no peer: not held; the bound.
 */
#include <stdio.h>
#include <string.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/wire_ext.h"
#include "sim.h"
#include "t.h"

static int g_acked, g_timed;
static uint64_t g_cookie;

static void on_deferred(void *ctx, uint64_t cookie, bool acked)
{
	(void)ctx;
	g_cookie = cookie;
	if (acked)
		g_acked++;
	else
		g_timed++;
}

/* Two nodes, reliable; node 0 with defer and our callback. */
static void setup(struct sim_net *net, unsigned defer_ms)
{
	struct pfs_engine_ops ops = {.output = sim_output,
				     .deferred = on_deferred};
	struct pfs_engine_conf c;
	struct sim_node *n = &net->node[0];

	pfs_engine_conf_default(&c);
	c.syncdev = true;
	c.reliable = true;
	sim_init(net, 2, &c, 7, 1000);
	pfs_engine_free(n->eng);
	c.hostid = 0x100;
	c.defer = true;
	c.defer_ms = defer_ms;
	n->eng = pfs_engine_new(&c, n->table, &ops, n, net->now_ms);
	if (n->eng == NULL)
		abort();
	sim_run_until(net, 3000, 10); /* both numbering, peers heard */
	g_acked = g_timed = 0;
}

static void test_ack_releases(void)
{
	struct sim_net net;
	struct pfs_engine *a;
	struct pfs_state s = sim_state(0x42, 0x100);

	setup(&net, 20);
	a = net.node[0].eng;
	T_EQ(pfs_engine_insert(a, &s, net.now_ms), 0);
	T_EQ(pfs_engine_defer(a, 0x42, 0x100, true, 77, net.now_ms), 0);
	T_EQ(pfs_engine_defer_held(a), 1);
	pfs_engine_flush(a, net.now_ms);
	sim_deliver(&net); /* B applies; its ACK waits for its timer */
	T_EQ(g_acked, 0);
	T_EQ(pfs_table_count(net.node[1].table) > 0, 1);
	/* B's timer, in the same millisecond: the ACK goes at once */
	pfs_engine_timer(net.node[1].eng, net.now_ms);
	sim_deliver(&net);
	T_EQ(g_acked, 1);
	T_EQ(g_timed, 0);
	T_EQ(g_cookie, 77);
	T_EQ(pfs_engine_defer_held(a), 0);
	T_EQ(pfs_engine_defer_stats(a)[PFS_DEFER_ACKED], 1);
	sim_fini(&net);
}

static void test_timeout(void)
{
	struct sim_net net;
	struct pfs_engine *a;
	struct pfs_state s = sim_state(0x43, 0x100);

	setup(&net, 5);
	a = net.node[0].eng;
	T_EQ(pfs_engine_insert(a, &s, net.now_ms), 0);
	T_EQ(pfs_engine_defer(a, 0x43, 0x100, true, 78, net.now_ms), 0);
	pfs_engine_flush(a, net.now_ms);
	net.qlen = 0; /* the packet is lost */
	T_CHECK(pfs_engine_next_timeout(a) <= net.now_ms + 5);
	pfs_engine_timer(a, net.now_ms + 4);
	T_EQ(g_timed, 0);
	pfs_engine_timer(a, net.now_ms + 5);
	T_EQ(g_timed, 1);
	T_EQ(g_acked, 0);
	T_EQ(pfs_engine_defer_stats(a)[PFS_DEFER_TIMEDOUT], 1);
	sim_fini(&net);
}

/* No peer heard: nothing to wait for. */
static void test_no_peer(void)
{
	struct pfs_engine_ops ops = {.output = sim_output,
				     .deferred = on_deferred};
	struct pfs_engine_conf c;
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct sim_net net;
	struct pfs_engine *e;

	memset(&net, 0, sizeof(net));
	pfs_engine_conf_default(&c);
	c.syncdev = true;
	c.reliable = true;
	c.defer = true;
	net.node[0].net = &net;
	e = pfs_engine_new(&c, t, &ops, &net.node[0], 1000);
	T_CHECK(e != NULL);
	T_EQ(pfs_engine_defer(e, 1, 1, true, 1, 1000), 1);
	T_EQ(pfs_engine_defer_stats(e)[PFS_DEFER_NOPEER], 1);
	c.defer = false;
	T_EQ(pfs_engine_set_conf(e, &c, 1000), 0);
	T_EQ(pfs_engine_defer(e, 1, 1, true, 1, 1000), -1);
	pfs_engine_free(e);
	pfs_table_free(t);
	free(net.q);
}

/* The bound, and -defer releasing everything held. */
static void test_full_and_off(void)
{
	struct sim_net net;
	struct pfs_engine *a;
	struct pfs_engine_conf c;
	unsigned i;

	struct pfs_state s = sim_state(0x44, 0x100);

	setup(&net, 1000);
	a = net.node[0].eng;
	T_EQ(pfs_engine_insert(a, &s, net.now_ms), 0); /* a packet pending */
	for (i = 0; i < PFS_DEFER_MAX; i++)
		T_EQ(pfs_engine_defer(a, i, 0x100, false, i, net.now_ms), 0);
	T_EQ(pfs_engine_defer(a, 9, 0x100, false, 9, net.now_ms), -1);
	T_EQ(pfs_engine_defer_stats(a)[PFS_DEFER_FULL], 1);
	c = *pfs_engine_conf(a);
	c.defer = false;
	T_EQ(pfs_engine_set_conf(a, &c, net.now_ms), 0);
	T_EQ(g_timed, PFS_DEFER_MAX);
	T_EQ(pfs_engine_defer_held(a), 0);
	T_EQ(pfs_engine_defer_stats(a)[PFS_DEFER_DROPPED], PFS_DEFER_MAX);
	sim_fini(&net);
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	T_RUN(test_ack_releases);
	T_RUN(test_timeout);
	T_RUN(test_no_peer);
	T_RUN(test_full_and_off);
	return t_done();
}
