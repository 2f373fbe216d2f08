/*
 * bench_digest.c - what anti-entropy costs (engine_dig.h) at N states
 * (default 1 000 000): the sums kept on every insert and removal, one
 * round of a creator's digest built and sent, the same round received
 * and compared by a replica holding the same states, as a share of one
 * core at the stock period of 2 s (goal: at most 1 %).  Figures are
 * printed, never asserted; the machine is shared, so they are noisy.
 *
 *   build/bench/bench_digest [N]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/digest.h"
#include "pfsync/engine.h"
#include "pfsync/engine_dig.h"
#include "pfsync/table.h"
#include "pfsync/wire_v3.h"

#include "bench.h"

#define KEY ((const uint8_t *)"pfsyncd benchkey")
#define ROUNDS 50
#define PERIOD_MS 2000

/* the packets of one round, kept to be fed to the replica */
struct sink {
	unsigned n;
	size_t len[64];
	uint8_t pkt[64][1600];
};

static int sink_out(void *ctx, const uint8_t *local, size_t llen,
		    const uint8_t *wire, size_t wlen, uint32_t dst)
{
	struct sink *s = ctx;

	(void)local;
	(void)llen;
	(void)dst;
	if (wire != NULL && s->n < 64 && wlen <= sizeof(s->pkt[0])) {
		memcpy(s->pkt[s->n], wire, wlen);
		s->len[s->n++] = wlen;
	}
	return 0;
}

static struct pfs_table *fill(unsigned n, uint32_t creator)
{
	struct pfs_table *t = pfs_table_new(n, KEY);
	struct pfs_state st;
	unsigned i;

	for (i = 0; i < n && t != NULL; i++) {
		bench_fill_state(&st, i);
		st.lan.addr.a[1] = (uint8_t)(i >> 16);
		st.lan.addr.a[2] = (uint8_t)(i >> 8);
		st.creatorid = creator;
		st.expire = 1u << 30;
		if (pfs_table_insert(t, &st) == NULL)
			abort();
	}
	return t;
}

static void bench_sums(unsigned n)
{
	struct pfs_digest *d = pfs_digest_new();
	struct pfs_state st;
	double t0, t1;
	unsigned i;

	bench_fill_state(&st, 0);
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		st.id = 0x5f000000000000ULL + i;
		(void)pfs_digest_add(d, &st);
	}
	t1 = bench_now();
	for (i = 0; i < n; i++) {
		st.id = 0x5f000000000000ULL + i;
		pfs_digest_sub(d, &st);
	}
	printf("digest sums: add %.1f ns, remove %.1f ns a state\n",
	       (t1 - t0) * 1e9 / n, (bench_now() - t1) * 1e9 / n);
	pfs_digest_free(d);
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)strtoul(argv[1], NULL, 10) : 1000000;
	struct pfs_engine_ops ops = {.output = sink_out};
	struct pfs_rx_meta m = {.src = 0x0a000001, .on_syncdev = true,
				.ttl = PFS_V3_TTL};
	struct pfs_engine_conf c;
	struct pfs_table *ta, *tb;
	struct pfs_engine *a, *b;
	struct sink sa = {0}, sb = {0};
	double t0, send = 0, recv = 0, build;
	uint64_t now = 1000000;
	unsigned r, i, pkts = 0;
	size_t bytes = 0;

	bench_sums(n);
	ta = fill(n, 0x0a000001);
	tb = fill(n, 0x0a000001);
	pfs_engine_conf_default(&c);
	c.syncdev = true;
	c.reliable = false;
	c.digest_ms = PERIOD_MS;
	c.hostid = 0x0a000001;
	a = pfs_engine_new(&c, ta, &ops, &sa, now);
	c.hostid = 0x0a000002;
	b = pfs_engine_new(&c, tb, &ops, &sb, now);
	if (a == NULL || b == NULL)
		return 1;
	/* the first round rebuilds the sums of a table filled behind the
	 * engine's back (once, a walk) */
	t0 = bench_now();
	now += PERIOD_MS;
	pfs_engine_timer(a, now);
	build = bench_now() - t0;
	for (i = 0; i < sa.n; i++)
		pfs_engine_input(b, sa.pkt[i], sa.len[i], &m, now);
	for (r = 0; r < ROUNDS + 2; r++) {
		if (r == 2) { /* warmed up: both rebuilt, a peer proven */
			send = recv = 0;
			pkts = 0;
			bytes = 0;
		}
		sa.n = sb.n = 0;
		now += PERIOD_MS;
		/* b's own round (no states) proves a pfsyncd peer to a */
		pfs_engine_timer(b, now);
		m.src = 0x0a000002;
		for (i = 0; i < sb.n; i++)
			pfs_engine_input(a, sb.pkt[i], sb.len[i], &m, now);
		m.src = 0x0a000001;
		t0 = bench_now();
		pfs_engine_timer(a, now);
		send += bench_now() - t0;
		pkts += sa.n;
		for (i = 0; i < sa.n; i++)
			bytes += sa.len[i];
		t0 = bench_now();
		for (i = 0; i < sa.n; i++)
			pfs_engine_input(b, sa.pkt[i], sa.len[i], &m, now);
		recv += bench_now() - t0;
	}
	printf("digest at %u states: first round (rebuild by a walk) %.1f ms\n",
	       n, build * 1e3);
	printf("  a round: %u packets, %zu bytes; send %.1f us, receive and "
	       "compare %.1f us\n",
	       pkts / ROUNDS, bytes / ROUNDS, send * 1e6 / ROUNDS,
	       recv * 1e6 / ROUNDS);
	printf("  CPU at a %u ms period: %.4f %% of a core (sender + one "
	       "replica; goal <= 1 %%)\n",
	       PERIOD_MS,
	       (send + recv) / ROUNDS / (PERIOD_MS / 1000.0) * 100.0);
	printf("  replica in sync: %s\n",
	       pfs_engine_dig_stats(b)[PFS_DIG_DIFFER] == 0 ? "yes" : "no");
	pfs_engine_free(a);
	pfs_engine_free(b);
	pfs_table_free(ta);
	pfs_table_free(tb);
	return 0;
}
