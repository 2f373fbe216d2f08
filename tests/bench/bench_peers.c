/*
 * bench_peers.c - the cost of answering each peer in its own dialect.
 * One engine (`version auto`) whose output is counted, not delivered.
 * Prints figures, asserts nothing:
 *   1. local updates of existing states (UPD_C on the wire) with one v3
 *      peer heard (one packet to the group, the path two pfsyncd take),
 *      then with a v3, a v5 and a v6 peer heard (each packet framed three
 *      times and sent to each peer);
 *   2. the bridge: v6 full updates from an OpenBSD peer applied and
 *      passed on to the v3 and v5 peers, per second.
 * CPU time of the process (the machine is shared).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pfsync/dialect.h"
#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "sim.h"

/* a fixed hash key (pfsyncd draws a random one): the same layout each run */
#define BENCH_HASHKEY ((const uint8_t *)"pfsyncd benchkey")

#define P3 0x0a000013u
#define P5 0x0a000015u
#define P6 0x0a000016u

static uint64_t now_ms = 100000;
static uint64_t pkts, bytes;

static int b_output(void *ctx, const uint8_t *local, size_t llen,
		    const uint8_t *wire, size_t wlen, uint32_t dst)
{
	(void)ctx;
	(void)local;
	(void)llen;
	(void)dst;
	if (wire) {
		pkts++;
		bytes += wlen;
	}
	return 0;
}

static double secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A packet of `d` holding one message m, from `src`. */
static void feed(struct pfs_engine *e, enum pfs_dialect_id d,
		 const struct pfs_msg *m, uint32_t src)
{
	struct pfs_rx_meta meta = {src, true, 255};
	uint8_t buf[2048];
	struct pfs_framer f;
	size_t len;

	if (pfs_framer_init(&f, d, 1400, buf, sizeof(buf)) != 0 ||
	    pfs_framer_add(&f, m) != 0)
		exit(1);
	len = pfs_framer_finish(&f);
	pfs_engine_input(e, buf, len, &meta, now_ms);
}

/* A peer heard: a delete of a state nobody has, in its dialect. */
static void hear(struct pfs_engine *e, enum pfs_dialect_id d, uint32_t src)
{
	struct pfs_msg m;

	memset(&m, 0, sizeof(m));
	m.kind = PFS_MSG_DEL;
	m.u.ref.id = 1;
	m.u.ref.creatorid = 1;
	feed(e, d, &m, src);
}

static struct pfs_engine *open_engine(struct pfs_table **t, size_t n)
{
	static const struct pfs_engine_ops ops = {.output = b_output};
	struct pfs_engine_conf c;
	struct pfs_engine *e;

	pfs_engine_conf_default(&c);
	c.syncdev = true;
	c.hostid = 0x100;
	*t = pfs_table_new(n, BENCH_HASHKEY);
	e = pfs_engine_new(&c, *t, &ops, NULL, now_ms);
	if (!*t || !e)
		exit(1);
	return e;
}

static void bench_updates(bool mixed, size_t nstates, size_t nupd)
{
	struct pfs_table *t;
	struct pfs_engine *e = open_engine(&t, nstates);
	double t0, dt;
	size_t i;

	hear(e, PFS_DIALECT_V3, P3);
	if (mixed) {
		hear(e, PFS_DIALECT_V5, P5);
		hear(e, PFS_DIALECT_V6, P6);
	}
	for (i = 0; i < nstates; i++) {
		struct pfs_state st = sim_state(i + 1, 0x100);

		(void)pfs_engine_insert(e, &st, now_ms);
	}
	pfs_engine_flush(e, now_ms);
	pkts = bytes = 0;
	t0 = secs();
	for (i = 0; i < nupd; i++) {
		struct pfs_state st = sim_state(i % nstates + 1, 0x100);

		st.src.seqlo = 1000 + (uint32_t)(i / nstates);
		(void)pfs_engine_update(e, &st, now_ms);
	}
	pfs_engine_flush(e, now_ms);
	dt = secs() - t0;
	printf("%s updates (UPD_C): %zu states, %zu updates in %.3f s CPU: "
	       "%.0f updates/s, %.0f packets/s, %.1f MB/s\n",
	       mixed ? "v3+v5+v6 peers" : "one v3 peer", nstates, nupd, dt,
	       (double)nupd / dt, (double)pkts / dt, (double)bytes / dt / 1e6);
	pfs_engine_free(e);
	pfs_table_free(t);
}

static void bench_bridge(size_t nstates, size_t nupd)
{
	struct pfs_table *t;
	struct pfs_engine *e = open_engine(&t, nstates);
	uint64_t bridged;
	struct pfs_msg m;
	double t0, dt;
	size_t i;

	hear(e, PFS_DIALECT_V3, P3);
	hear(e, PFS_DIALECT_V5, P5);
	hear(e, PFS_DIALECT_V6, P6);
	pkts = bytes = 0;
	t0 = secs();
	memset(&m, 0, sizeof(m));
	m.kind = PFS_MSG_UPD;
	for (i = 0; i < nupd; i++) {
		struct pfs_state st = sim_state(i % nstates + 1, 0x600);

		st.src.seqlo = 1000 + (uint32_t)(i / nstates);
		st.expire = 60;
		m.u.state = &st;
		feed(e, PFS_DIALECT_V6, &m, P6);
		if (i % 64 == 0)
			now_ms += 1000; /* a second: no update is an echo */
	}
	pfs_engine_flush(e, now_ms);
	dt = secs() - t0;
	bridged = pfs_engine_bridged(e, NULL);
	printf("bridge v6 -> v3 + v5: %zu updates in %.3f s CPU: %.0f "
	       "applied/s, %.0f passed on/s, %.0f packets/s out\n",
	       nupd, dt, (double)nupd / dt, (double)bridged / dt,
	       (double)pkts / dt);
	pfs_engine_free(e);
	pfs_table_free(t);
}

int main(int argc, char **argv)
{
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;

	bench_updates(false, n, 20 * n);
	bench_updates(true, n, 20 * n);
	bench_bridge(n, 5 * n);
	return 0;
}
