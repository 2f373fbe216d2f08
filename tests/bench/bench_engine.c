/*
 * bench_engine.c - two engines in one process, A's wire output fed into
 * B's input (and B's back into A) through a small queue drained at once.
 * Prints figures, asserts nothing:
 *   1. updates of existing states, UPD_C path (syncdev set): updates
 *      applied per second on B, packets and bytes per second;
 *   2. a bulk update of 1 million states from A to B: states per second,
 *      at the stock pace (64 packets a 1 ms tick: the virtual time is the
 *      transfer's wall time at MTU 1500) and at 256 packets a tick;
 *   3. both again with the engines configured `version 6` and
 *      `version 1400`: the same work framed as OpenBSD v6 and FreeBSD v5.
 * The queue exists because an engine's output buffer must not be reused
 * while the peer is still reading it (a reply could re-enter the sender).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "sim.h"

/* a fixed hash key (pfsyncd draws a random one): the same layout each run */
#define BENCH_HASHKEY ((const uint8_t *)"pfsyncd benchkey")

#define QMAX 4096

struct bpkt {
	int to;
	size_t len;
	uint8_t data[PFS_V3_MTU_MAX];
};

static struct bpkt q[QMAX];
static size_t qhead, qtail;
static struct pfs_engine *eng[2];
static uint64_t now_ms = 100000;
static uint64_t applied_b, pkts, bytes;
static uint8_t version = 3; /* dialect the engines send */
static unsigned v5_fmt = 1400;

static int b_output(void *ctx, const uint8_t *local, size_t llen,
		    const uint8_t *wire, size_t wlen, uint32_t dst)
{
	int from = (int)(intptr_t)ctx;
	struct bpkt *p;

	(void)local;
	(void)llen;
	(void)dst;
	if (!wire || qtail - qhead == QMAX)
		return -1;
	p = &q[qtail++ % QMAX];
	p->to = !from;
	p->len = wlen;
	memcpy(p->data, wire, wlen);
	pkts++;
	bytes += wlen;
	return 0;
}

static void b_applied(void *ctx, enum pfs_op op, const struct pfs_state *st)
{
	(void)op;
	(void)st;
	if ((intptr_t)ctx == 1)
		applied_b++;
}

static void drain(void)
{
	static const struct pfs_rx_meta m = {0x0a000001u, true, 255};

	while (qhead != qtail) {
		struct bpkt *p = &q[qhead % QMAX];

		pfs_engine_input(eng[p->to], p->data, p->len, &m, now_ms);
		qhead++;
	}
}

static double secs(void)
{
	struct timespec ts;

	/* CPU time of both engines: the machine is shared */
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void setup(struct pfs_table **ta, struct pfs_table **tb,
		  size_t n, unsigned bulk_pkts)
{
	static const struct pfs_engine_ops ops = {
		.output = b_output, .applied = b_applied};
	struct pfs_engine_conf c;
	int i;

	pfs_engine_conf_default(&c);
	c.syncdev = true;
	c.bulk_pkts = bulk_pkts;
	c.bulk_tick_ms = 1;
	c.version = version;
	c.v5_fmt = v5_fmt;
	*ta = pfs_table_new(n, BENCH_HASHKEY);
	*tb = pfs_table_new(n, BENCH_HASHKEY);
	for (i = 0; i < 2; i++) {
		c.hostid = 0x100u + (uint32_t)i;
		eng[i] = pfs_engine_new(&c, i ? *tb : *ta, &ops,
					(void *)(intptr_t)i, now_ms);
		if (!eng[i])
			exit(1);
	}
}

static void teardown(struct pfs_table *ta, struct pfs_table *tb)
{
	pfs_engine_free(eng[0]);
	pfs_engine_free(eng[1]);
	pfs_table_free(ta);
	pfs_table_free(tb);
}

static void bench_updates(size_t nstates, size_t nupd)
{
	struct pfs_table *ta, *tb;
	struct pfs_state s;
	double t0, dt;
	size_t i;

	setup(&ta, &tb, nstates, 1);
	for (i = 0; i < nstates; i++) {
		s = sim_state(i + 1, 0x100);
		pfs_table_insert(ta, &s);
		pfs_table_insert(tb, &s);
	}
	applied_b = pkts = bytes = 0;
	t0 = secs();
	for (i = 0; i < nupd; i++) {
		struct pfs_state *l = pfs_table_find_id(ta, i % nstates + 1,
							0x100);

		s = *l;
		s.src.seqlo += 100;
		s.dst.seqlo += 50;
		pfs_engine_update(eng[0], &s, now_ms);
		drain();
	}
	pfs_engine_flush(eng[0], now_ms);
	drain();
	dt = secs() - t0;
	printf("v%u updates (UPD_C): %zu states, %zu updates in %.3f s CPU: "
	       "%.0f applied/s on B, %.0f packets/s, %.1f MB/s\n",
	       version, nstates, nupd, dt, (double)applied_b / dt, (double)pkts / dt,
	       (double)bytes / dt / 1e6);
	teardown(ta, tb);
}

static void bench_bulk(size_t nstates, unsigned bulk_pkts)
{
	struct pfs_table *ta, *tb;
	uint64_t start_ms;
	double t0, dt;
	size_t i;

	setup(&ta, &tb, nstates, bulk_pkts);
	for (i = 0; i < nstates; i++) {
		struct pfs_state s = sim_state(i + 1, 0x100);

		pfs_table_insert(ta, &s);
	}
	applied_b = pkts = bytes = 0;
	t0 = secs();
	start_ms = now_ms;
	pfs_engine_bulk_request(eng[1], now_ms);
	drain();
	while (!pfs_engine_synced(eng[1])) {
		now_ms++;
		pfs_engine_timer(eng[0], now_ms);
		drain();
		pfs_engine_timer(eng[1], now_ms);
	}
	dt = secs() - t0;
	printf("v%u bulk: %zu states (%zu on B) in %.3f s CPU "
	       "(%llu ms virtual, %u packets per 1 ms tick): %.0f states/s, "
	       "%.0f packets/s, %.1f MB/s\n",
	       version, nstates, pfs_table_count(tb), dt,
	       (unsigned long long)(now_ms - start_ms), bulk_pkts,
	       (double)applied_b / dt, (double)pkts / dt,
	       (double)bytes / dt / 1e6);
	teardown(ta, tb);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 1000000;

	bench_updates(100000, 2 * n);
	bench_bulk(n, 64); /* pfsyncd.conf(5) bulk-pace default */
	bench_bulk(n, 256);
	version = 6;
	bench_updates(100000, 2 * n);
	bench_bulk(n, 256);
	version = 5;
	bench_updates(100000, 2 * n);
	bench_bulk(n, 256);
	return 0;
}
