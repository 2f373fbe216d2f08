/*
 * sim.h - test helpers for the sync engine: a state builder, and an
 * in-memory wire joining several engines.
 *
 * The wire is a queue of packets.  Each packet an engine sends is
 * delivered to every other engine (multicast group or a unicast address
 * that matches the node's address only), in a seeded-PRNG order that may
 * drop, duplicate and reorder packets with the given probabilities.  A
 * virtual clock advances in steps and runs every engine's timers.
 * Header-only (static functions) so each test binary gets its own copy.
 */
#ifndef PFSYNC_SIM_H
#define PFSYNC_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/wire_v3.h"

#ifndef T_HASHKEY /* as in t.h */
#define T_HASHKEY ((const uint8_t *)"pfsyncd test key")
#endif

/* A TCP/IPv4 state with a flow key unique per (creatorid, id). */
static inline struct pfs_state sim_state(uint64_t id, uint32_t creatorid)
{
	struct pfs_state s;

	memset(&s, 0, sizeof(s));
	s.id = id;
	s.creatorid = creatorid;
	s.rule = PFS_NO_RULE;
	s.anchor = PFS_NO_RULE;
	s.af = AF_INET;
	s.proto = 6;
	s.direction = PFS_DIR_OUT;
	s.timeout = PFS_TM_TCP_ESTABLISHED;
	memcpy(s.ifname, "eth0", 5);
	s.lan.addr.a[0] = 10;
	s.lan.addr.a[1] = (uint8_t)(creatorid >> 8);
	s.lan.addr.a[2] = (uint8_t)creatorid;
	s.lan.addr.a[3] = (uint8_t)(id >> 16);
	s.lan.port = (uint16_t)id;
	s.gwy = s.lan;
	s.ext.addr.a[0] = 192;
	s.ext.addr.a[3] = 1;
	s.ext.port = 80;
	s.src.state = PFS_TCPS_ESTABLISHED;
	s.dst.state = PFS_TCPS_ESTABLISHED;
	s.src.seqlo = 1000;
	s.dst.seqlo = 5000;
	s.src.seqhi = 2000;
	s.dst.seqhi = 6000;
	s.src.max_win = s.dst.max_win = 65535;
	return s;
}

/* xorshift64*: small, seeded, reproducible. */
static inline uint64_t sim_rand(uint64_t *x)
{
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dULL;
}

/* True with probability p (0..1). */
static inline bool sim_chance(uint64_t *x, double p)
{
	return (double)(sim_rand(x) >> 11) / 9007199254740992.0 < p;
}

#define SIM_MAXNODES 4

struct sim_pkt {
	int from;
	uint32_t dst;
	size_t len;
	uint8_t data[PFS_V3_MTU_MAX];
};

struct sim_net;

struct sim_node {
	struct sim_net *net;
	int idx;
	uint32_t addr;
	struct pfs_table *table;
	struct pfs_engine *eng;
	uint8_t reads; /* a BSD: the one version byte it reads, 0 = any */
};

struct sim_net {
	struct sim_node node[SIM_MAXNODES];
	int nnodes;
	uint64_t now_ms;
	uint64_t rng;
	double p_drop, p_dup, p_reorder;
	struct sim_pkt *q;
	size_t qlen, qcap;
	uint64_t sent, delivered, dropped;
};

static inline int sim_output(void *ctx, const uint8_t *local, size_t llen,
			     const uint8_t *wire, size_t wlen, uint32_t dst)
{
	struct sim_node *n = ctx;
	struct sim_net *net = n->net;
	struct sim_pkt *p;

	(void)local;
	(void)llen;
	if (!wire)
		return 0;
	if (net->qlen == net->qcap) {
		net->qcap = net->qcap ? net->qcap * 2 : 64;
		net->q = realloc(net->q, net->qcap * sizeof(*net->q));
		if (!net->q)
			abort();
	}
	p = &net->q[net->qlen++];
	p->from = n->idx;
	p->dst = dst;
	p->len = wlen;
	memcpy(p->data, wire, wlen);
	net->sent++;
	return 0;
}

static inline void sim_init(struct sim_net *net, int nnodes,
			    const struct pfs_engine_conf *base,
			    uint64_t seed, uint64_t now_ms)
{
	struct pfs_engine_ops ops = {.output = sim_output};
	int i;

	memset(net, 0, sizeof(*net));
	net->nnodes = nnodes;
	net->now_ms = now_ms;
	net->rng = seed ? seed : 1;
	for (i = 0; i < nnodes; i++) {
		struct pfs_engine_conf c = *base;
		struct sim_node *n = &net->node[i];

		c.hostid = 0x100 + (uint32_t)i;
		n->net = net;
		n->idx = i;
		n->addr = 0x0a000001u + (uint32_t)i;
		n->table = pfs_table_new(0, T_HASHKEY);
		n->eng = pfs_engine_new(&c, n->table, &ops, n, now_ms);
		if (!n->table || !n->eng)
			abort();
	}
}

static inline void sim_fini(struct sim_net *net)
{
	int i;

	for (i = 0; i < net->nnodes; i++) {
		pfs_engine_free(net->node[i].eng);
		pfs_table_free(net->node[i].table);
	}
	free(net->q);
}

static inline void sim_deliver_one(struct sim_net *net, const struct sim_pkt *p)
{
	int i;

	for (i = 0; i < net->nnodes; i++) {
		struct sim_node *n = &net->node[i];
		struct pfs_rx_meta m = {
			.src = net->node[p->from].addr,
			.on_syncdev = true,
			.ttl = PFS_V3_TTL,
		};

		if (i == p->from)
			continue; /* multicast loopback is off */
		if (p->dst != PFS_V3_GROUP && p->dst != n->addr)
			continue;
		if (n->reads != 0 && p->len > 0 && p->data[0] != n->reads)
			continue; /* badver there */
		pfs_engine_input(n->eng, p->data, p->len, &m, net->now_ms);
		net->delivered++;
	}
}

/*
 * Deliver everything queued, including what the deliveries cause.  With
 * p_reorder the head swaps with a random later packet first.
 */
static inline void sim_deliver(struct sim_net *net)
{
	struct sim_pkt p;

	while (net->qlen > 0) {
		size_t k = 0;

		if (net->qlen > 1 && sim_chance(&net->rng, net->p_reorder))
			k = 1 + sim_rand(&net->rng) % (net->qlen - 1);
		p = net->q[k];
		memmove(&net->q[k], &net->q[k + 1],
			(net->qlen - k - 1) * sizeof(p));
		net->qlen--;
		if (sim_chance(&net->rng, net->p_drop)) {
			net->dropped++;
			continue;
		}
		sim_deliver_one(net, &p);
		if (sim_chance(&net->rng, net->p_dup))
			sim_deliver_one(net, &p);
	}
}

/* Advance the clock by ms, running timers and deliveries. */
static inline void sim_step(struct sim_net *net, uint64_t ms)
{
	int i;

	net->now_ms += ms;
	for (i = 0; i < net->nnodes; i++)
		pfs_engine_timer(net->node[i].eng, net->now_ms);
	sim_deliver(net);
}

/* Run until no timer is armed before `until` (or it is reached). */
static inline void sim_run_until(struct sim_net *net, uint64_t until,
				 uint64_t step)
{
	while (net->now_ms < until)
		sim_step(net, step);
}

#endif
