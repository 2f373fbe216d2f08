/*
 * test_top.c - `pfsyncctl top`: the daemon's metrics text (rendered by
 * metrics.c from a memory table) parsed back into a sample, and frames
 * drawn from two samples: rates, per-creator bars, bulk tries, peers.
 */
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"

#include "backend/memstate.h"
#include "daemon.h"
#include "loop.h"
#include "metrics/metrics.h"
#include "t.h"
#include "top.h"

static int null_output(void *ctx, const uint8_t *local, size_t local_len,
		       const uint8_t *wire, size_t wire_len, uint32_t dst)
{
	(void)ctx, (void)local, (void)local_len, (void)wire, (void)wire_len;
	(void)dst;
	return 0;
}

static const struct pfs_engine_ops null_ops = {.output = null_output};

static struct pfsd_daemon *fake_daemon(void)
{
	struct pfsd_daemon *d = calloc(1, sizeof(*d));
	struct pfs_engine_conf ec;

	pfsd_conf_default(&d->conf);
	strcpy(d->conf.syncdev, "sync0");
	d->hostid = 0x0a000001;
	d->loop = pfsd_loop_new();
	d->table = pfs_table_new(0, T_HASHKEY);
	pfs_engine_conf_default(&ec);
	ec.hostid = d->hostid;
	d->engine = pfs_engine_new(&ec, d->table, &null_ops, d, 0);
	return d;
}

static void fake_free(struct pfsd_daemon *d)
{
	pfs_engine_free(d->engine);
	pfs_table_free(d->table);
	pfsd_loop_free(d->loop);
	free(d);
}

static void add_state(struct pfsd_daemon *d, uint64_t id, uint32_t creator)
{
	struct pfs_state st;

	pfsd_memstate_new(d->engine, d->hostid, pfsd_daemon_now_sec(), &st,
			  IPPROTO_UDP, 1, 1);
	st.id = id;
	st.creatorid = creator;
	st.af = AF_INET;
	st.lan.port = (uint16_t)id;
	st.ext.port = 53;
	T_CHECK(pfs_table_insert(d->table, &st) != NULL);
}

/* Render d's metrics at (now_ms, wall_ms) and parse them. */
static void sample_of(struct pfsd_daemon *d, uint64_t now_ms, uint64_t wall_ms,
		      struct ctl_top_sample *s)
{
	struct pfsd_out o = {0};

	pfsd_metrics_render(d, &o, now_ms, wall_ms);
	T_EQ(ctl_top_parse(o.buf, s), 0);
	s->t_ms = now_ms;
	free(o.buf);
}

static void test_parse(void)
{
	struct pfsd_daemon *d = fake_daemon();
	struct ctl_top_sample s;
	uint64_t i;

	for (i = 1; i <= 3; i++)
		add_state(d, i, 0x0a000001);
	add_state(d, 9, 0x0b000002);
	d->applied[PFS_OP_UPDATE] = 40;
	pfsd_peers_seen(&d->peers, 0x0a4d0002, 1000);
	sample_of(d, 3000, 1700000000000ull, &s);
	T_EQ(s.states, 4);
	T_EQ(s.ncr, 2);
	T_CHECK(strcmp(s.cr[0].id, "0a000001") == 0 && s.cr[0].n == 3);
	T_CHECK(strcmp(s.cr[1].id, "0b000002") == 0 && s.cr[1].n == 1);
	T_CHECK(strcmp(s.bulk, "done") == 0);
	T_EQ(s.applied[1], 40);
	T_CHECK(strcmp(s.hostid, "0a000001") == 0);
	T_CHECK(strcmp(s.syncdev, "sync0") == 0);
	T_EQ(s.npeers, 1);
	T_CHECK(strcmp(s.peer[0].addr, "10.77.0.2") == 0);
	T_CHECK(s.peer[0].last_seen == 1699999998.0);
	T_EQ(s.peer[0].packets, 1);
	T_EQ(ctl_top_parse("# HELP x\nfoo 1\n", &s), -1);
	T_EQ(ctl_top_parse("", &s), -1);
	fake_free(d);
}

static char *frame(const struct ctl_top_sample *p,
		   const struct ctl_top_sample *c, double now)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	ctl_top_draw(f, p, c, now, 100);
	fclose(f);
	return buf;
}

static void test_draw(void)
{
	struct pfsd_daemon *d = fake_daemon();
	struct ctl_top_sample a, b;
	char *t;
	uint64_t i;

	add_state(d, 1, 0x0b000002);
	d->applied[PFS_OP_INSERT] = 10;
	pfsd_peers_seen(&d->peers, 0x0a4d0002, 1000);
	sample_of(d, 1000, 1700000000000ull, &a);
	for (i = 2; i <= 5; i++)
		add_state(d, i, 0x0a000001);
	for (i = 0; i < 20; i++)
		pfsd_peers_seen(&d->peers, 0x0a4d0002, 2500);
	d->applied[PFS_OP_INSERT] = 30; /* 20 more in 2 s */
	sample_of(d, 3000, 1700000002000ull, &b);
	t = frame(&a, &b, 1700000003.0);
	T_CHECK(strstr(t, "pfsyncd 0.1  hostid 0x0a000001  syncdev sync0\n") !=
		NULL);
	T_CHECK(strstr(t, "applied/s: inserts   10.0") != NULL);
	T_CHECK(strstr(t, "states: 5\n") != NULL);
	/* our 4 states: the full bar; the peer's 1: a quarter of it */
	T_CHECK(strstr(t, "  0a000001 (us)         4 "
			  "[##############################]") != NULL);
	T_CHECK(strstr(t, "  0b000002              1 "
			  "[########......................]") != NULL);
	T_CHECK(strstr(t, "bulk update: done  [####") != NULL);
	/* last packet at wall 1700000001.5, drawn at ...3.0: 1.5 s ago;
	 * 20 packets in 2 s */
	T_CHECK(strstr(t, "  10.77.0.2       last seen    1.5 s ago          "
			  "21 packets     10.0/s") != NULL);
	free(t);
	/* pending: the try count as a bar */
	d->bulk_started = 0;
	pfs_engine_bulk_request(d->engine, 0);
	d->conf.syncdev[0] = 's';
	sample_of(d, 11000, 1700000010000ull, &b); /* 11 s: try 3 of 12 */
	t = frame(NULL, &b, 1700000010.0);
	T_CHECK(strstr(t, "bulk update: pending  try 3/12 "
			  "[########......................]") != NULL);
	T_CHECK(strstr(t, "packets/s: in      0.0") != NULL);
	free(t);
	fake_free(d);
}

int main(void)
{
	T_RUN(test_parse);
	T_RUN(test_draw);
	return t_done();
}
