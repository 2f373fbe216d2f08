/*
 * test_engine.c - the sync engine, one engine at a time: every packet it
 * builds is captured (local and wire forms, destination) and checked at
 * the reference's byte offsets; received packets are crafted with the
 * codec's encoders.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/wire_v3.h"
#include "sim.h"
#include "t.h"

#define T0 100000u /* ms: second 100 */
#define HOST 0x11223344u
#define PEER 0x0a000002u
#define CAP_MAX 64

struct cap_pkt {
	uint8_t local[PFS_V3_MTU_MAX];
	size_t llen;
	uint8_t wire[PFS_V3_MTU_MAX];
	size_t wlen;
	bool has_wire;
	uint32_t dst;
};

struct cap {
	struct cap_pkt p[CAP_MAX];
	int n;
	int fail;
	int applied[3];
	int del_live; /* DELETEs whose state was still in the table */
	uint64_t del_mask; /* 1 << id of each DELETE reported (ids < 64) */
	const struct pfs_table *t;
	int synced_calls;
	bool synced_last;
};

static struct cap cap;

static int cap_output(void *ctx, const uint8_t *local, size_t llen,
		      const uint8_t *wire, size_t wlen, uint32_t dst)
{
	struct cap *c = ctx;
	struct cap_pkt *p;

	if (c->n == CAP_MAX)
		return -1;
	p = &c->p[c->n++];
	memcpy(p->local, local, llen);
	p->llen = llen;
	p->has_wire = wire != NULL;
	if (wire)
		memcpy(p->wire, wire, wlen);
	p->wlen = wire ? wlen : 0;
	p->dst = dst;
	return c->fail ? -1 : 0;
}

static void cap_applied(void *ctx, enum pfs_op op, const struct pfs_state *st)
{
	struct cap *c = ctx;

	c->applied[op]++;
	if (op != PFS_OP_DELETE)
		return;
	if (st->id < 64)
		c->del_mask |= 1ULL << st->id;
	if (c->t != NULL &&
	    pfs_table_find_id(c->t, st->id, st->creatorid) == st)
		c->del_live++;
}

static void cap_synced(void *ctx, bool synced)
{
	struct cap *c = ctx;

	c->synced_calls++;
	c->synced_last = synced;
}

static const struct pfs_engine_ops cap_ops = {
	.output = cap_output,
	.applied = cap_applied,
	.synced = cap_synced,
};

struct fix {
	struct pfs_table *t;
	struct pfs_engine *e;
	struct pfs_engine_conf c;
};

static void fix_conf(struct pfs_engine_conf *c, bool syncdev)
{
	int i;

	pfs_engine_conf_default(c);
	c->hostid = HOST;
	c->syncdev = syncdev;
	for (i = 0; i < PFS_V3_CHKSUM_LEN; i++)
		c->chksum[i] = (uint8_t)(0xa0 + i);
}

static void fix_open(struct fix *f, bool syncdev)
{
	memset(&cap, 0, sizeof(cap));
	fix_conf(&f->c, syncdev);
	f->t = pfs_table_new(0, T_HASHKEY);
	f->e = pfs_engine_new(&f->c, f->t, &cap_ops, &cap, T0);
}

static void fix_close(struct fix *f)
{
	pfs_engine_free(f->e);
	pfs_table_free(f->t);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

/* Header check: version 3, af 0, action, count, chksum = conf. */
static void check_hdr(const uint8_t *p, uint8_t action, uint8_t count,
		      const struct pfs_engine_conf *c)
{
	T_EQ(p[0], 3);
	T_EQ(p[1], 0);
	T_EQ(p[2], action);
	T_EQ(p[3], count);
	T_MEMEQ(p + 4, c->chksum, PFS_V3_CHKSUM_LEN);
}

static const struct pfs_rx_meta rx_ok = {PEER, true, PFS_V3_TTL};

/* Build a packet of full states (INS, UPD, DEL). */
static size_t mk_states(uint8_t *buf, uint8_t action,
			const struct pfs_state *st, unsigned n)
{
	struct pfs_v3_header h = {.version = 3, .action = action,
				  .count = (uint8_t)n};
	struct pfs_wbuf wb;
	unsigned i;

	pfs_wbuf_init(&wb, buf, PFS_V3_MTU_MAX);
	pfs_v3_put_header(&wb, &h);
	for (i = 0; i < n; i++)
		pfs_v3_put_state(&wb, &st[i]);
	return wb.off;
}

static size_t mk_upd_c(uint8_t *buf, const struct pfs_v3_upd *u)
{
	struct pfs_v3_header h = {.version = 3, .action = PFS_V3_ACT_UPD_C,
				  .count = 1};
	struct pfs_wbuf wb;

	pfs_wbuf_init(&wb, buf, PFS_V3_MTU_MAX);
	pfs_v3_put_header(&wb, &h);
	pfs_v3_put_upd(&wb, u);
	return wb.off;
}

static size_t mk_ureq(uint8_t *buf, uint64_t id, uint32_t creatorid)
{
	struct pfs_v3_header h = {.version = 3, .action = PFS_V3_ACT_UREQ,
				  .count = 1};
	struct pfs_v3_ureq r = {id, creatorid};
	struct pfs_wbuf wb;

	pfs_wbuf_init(&wb, buf, PFS_V3_MTU_MAX);
	pfs_v3_put_header(&wb, &h);
	pfs_v3_put_ureq(&wb, &r);
	return wb.off;
}

static size_t mk_bus(uint8_t *buf, uint8_t status, uint32_t endtime)
{
	struct pfs_v3_header h = {.version = 3, .action = PFS_V3_ACT_BUS};
	struct pfs_v3_bus b = {0x999, endtime, status};
	struct pfs_wbuf wb;

	pfs_wbuf_init(&wb, buf, PFS_V3_MTU_MAX);
	pfs_v3_put_header(&wb, &h);
	pfs_v3_put_bus(&wb, &b);
	return wb.off;
}

/* ---- send side ---------------------------------------------------------*/

/* INS with no syncdev and no peer: pfsync0 only (wire NULL). */
static void test_ins_frame(void)
{
	struct pfs_state s = sim_state(0x0102030405060708ULL, HOST);
	struct fix f;
	const uint8_t *r;

	fix_open(&f, false);
	f.c.tap = true;
	T_EQ(pfs_engine_set_conf(f.e, &f.c, T0), 0);
	s.creation = 90;
	s.expire = 130;
	s.src.seqlo = 0xdeadbeef;
	T_EQ(pfs_engine_insert(f.e, &s, T0), 0);
	T_EQ(cap.n, 0);
	pfs_engine_flush(f.e, T0);
	T_EQ(cap.n, 1);
	T_CHECK(!cap.p[0].has_wire);
	T_EQ(cap.p[0].llen, 20 + 240);
	check_hdr(cap.p[0].local, PFS_V3_ACT_INS, 1, &f.c);
	r = cap.p[0].local + 20;
	T_EQ(be64(r), 0x0102030405060708ULL);
	T_MEMEQ(r + 8, "eth0", 5);
	T_EQ(be32(r + 96 + 8), 0xdeadbeef); /* src.seqlo */
	T_EQ(be32(r + 184), 0);		    /* nat_rule */
	T_EQ(be32(r + 188), 10);	    /* creation: age */
	T_EQ(be32(r + 192), 0); /* expire: last packet - now, 0 when live */
	T_EQ(be32(r + 228), HOST);
	T_EQ(r[232], PFS_V3_AF_INET);
	T_EQ(r[233], 6);
	T_EQ(r[237], PFS_TM_TCP_ESTABLISHED);
	T_EQ(r[238], 0);
	T_EQ(r[239], 0);
	T_EQ(pfs_engine_stats(f.e)[PFS_STAT_OPACKETS], 0);
	fix_close(&f);
}

static void test_nobody_listens(void)
{
	struct pfs_state s = sim_state(1, HOST);
	struct fix f;

	fix_open(&f, false);
	T_EQ(pfs_engine_insert(f.e, &s, T0), 0);
	pfs_engine_flush(f.e, T0);
	T_EQ(cap.n, 0);
	T_EQ(pfs_engine_next_timeout(f.e), UINT64_MAX);
	T_EQ(pfs_table_count(f.t), 1);
	/* a unicast peer listens: sent uncompressed to it */
	f.c.syncpeer = PEER;
	pfs_engine_set_conf(f.e, &f.c, T0);
	s.src.seqlo = 2000;
	T_EQ(pfs_engine_update(f.e, &s, T0), 0);
	pfs_engine_flush(f.e, T0);
	T_EQ(cap.n, 1);
	T_CHECK(cap.p[0].has_wire);
	T_EQ(cap.p[0].dst, PEER);
	T_EQ(cap.p[0].wire[2], PFS_V3_ACT_UPD);
	T_EQ(cap.p[0].wlen, 20 + 240);
	fix_close(&f);
}

/* maxupd 3: updates 0..3 in UPD byte 239 and UPD_C byte 81; 4th flushes */
static void test_collapse_maxupd(void)
{
	struct pfs_state s = sim_state(7, HOST);
	struct fix f;
	int k, j;

	fix_open(&f, true);
	f.c.maxupd = 3;
	pfs_engine_set_conf(f.e, &f.c, T0);
	pfs_engine_insert(f.e, &s, T0);
	pfs_engine_flush(f.e, T0);
	cap.n = 0;
	for (k = 0; k <= 3; k++) {
		for (j = 0; j <= k; j++) {
			s.src.seqlo = 1000 + 10 * (uint32_t)j;
			s.timeout = (uint8_t)(j == 0 ? 2 : 3);
			pfs_engine_update(f.e, &s, T0);
		}
		if (k < 3) {
			T_EQ(cap.n, k);
			pfs_engine_flush(f.e, T0);
		}
		T_EQ(cap.n, k + 1);
		check_hdr(cap.p[k].local, PFS_V3_ACT_UPD, 1, &f.c);
		check_hdr(cap.p[k].wire, PFS_V3_ACT_UPD_C, 1, &f.c);
		T_EQ(cap.p[k].llen, 20 + 240);
		T_EQ(cap.p[k].wlen, 20 + 88);
		T_EQ(cap.p[k].local[20 + 239], k);
		T_EQ(cap.p[k].wire[20 + 81], k);
		/* peers refreshed in both forms */
		T_EQ(be32(cap.p[k].local + 20 + 104), 1000 + 10 * k);
		T_EQ(be32(cap.p[k].wire + 20 + 16), 1000 + 10 * k);
		/* timeout: full entry keeps the first, UPD_C refreshes */
		T_EQ(cap.p[k].local[20 + 237], 2);
		T_EQ(cap.p[k].wire[20 + 80], k == 0 ? 2 : 3);
		T_EQ(be64(cap.p[k].wire + 20), 7);
		T_EQ(be32(cap.p[k].wire + 20 + 72), HOST);
	}
	T_EQ(pfs_engine_next_timeout(f.e), UINT64_MAX);
	fix_close(&f);
}

/* maxupd 0: no collapsing, only maxcount flushes */
static void test_maxupd_zero(void)
{
	struct pfs_state s = sim_state(7, HOST);
	struct fix f;
	int j;

	fix_open(&f, true);
	f.c.maxupd = 0;
	pfs_engine_set_conf(f.e, &f.c, T0);
	pfs_engine_insert(f.e, &s, T0);
	pfs_engine_flush(f.e, T0);
	cap.n = 0;
	for (j = 0; j < 5; j++)
		pfs_engine_update(f.e, &s, T0);
	T_EQ(cap.n, 0);
	pfs_engine_update(f.e, &s, T0);
	T_EQ(cap.n, 1);
	check_hdr(cap.p[0].local, PFS_V3_ACT_UPD, 6, &f.c);
	check_hdr(cap.p[0].wire, PFS_V3_ACT_UPD_C, 6, &f.c);
	T_EQ(cap.p[0].wlen, 20 + 6 * 88);
	for (j = 0; j < 6; j++) {
		T_EQ(cap.p[0].local[20 + 240 * j + 239], 0);
		T_EQ(be64(cap.p[0].local + 20 + 240 * j), 7);
	}
	fix_close(&f);
}

static void test_flush_maxcount(void)
{
	struct fix f;
	unsigned i;

	fix_open(&f, true);
	for (i = 1; i <= 6; i++) {
		struct pfs_state s = sim_state(i, HOST);

		T_EQ(cap.n, 0);
		pfs_engine_insert(f.e, &s, T0);
	}
	T_EQ(cap.n, 1);
	check_hdr(cap.p[0].local, PFS_V3_ACT_INS, 6, &f.c);
	T_EQ(cap.p[0].llen, 20 + 6 * 240);
	/* INS is never compressed: the wire is the local packet */
	T_EQ(cap.p[0].wlen, cap.p[0].llen);
	T_MEMEQ(cap.p[0].wire, cap.p[0].local, cap.p[0].llen);
	T_EQ(cap.p[0].dst, PFS_V3_GROUP);
	/* MTU 2048: 8 per packet */
	f.c.mtu = 2048;
	pfs_engine_set_conf(f.e, &f.c, T0);
	for (i = 11; i <= 18; i++) {
		struct pfs_state s = sim_state(i, HOST);

		pfs_engine_insert(f.e, &s, T0);
	}
	T_EQ(cap.n, 2);
	T_EQ(cap.p[1].local[3], 8);
	fix_close(&f);
}

static void test_flush_action_change(void)
{
	struct pfs_state s = sim_state(1, HOST);
	struct fix f;

	fix_open(&f, false);
	f.c.syncpeer = PEER;
	pfs_engine_set_conf(f.e, &f.c, T0);
	pfs_engine_insert(f.e, &s, T0);
	T_EQ(cap.n, 0);
	pfs_engine_update(f.e, &s, T0);
	T_EQ(cap.n, 1);
	T_EQ(cap.p[0].local[2], PFS_V3_ACT_INS);
	pfs_engine_delete(f.e, 1, HOST, T0);
	T_EQ(cap.n, 2);
	T_EQ(cap.p[1].local[2], PFS_V3_ACT_UPD);
	pfs_engine_flush(f.e, T0);
	T_EQ(cap.n, 3);
	T_EQ(cap.p[2].local[2], PFS_V3_ACT_DEL);
	T_EQ(cap.p[2].wire[2], PFS_V3_ACT_DEL); /* no syncdev: full */
	fix_close(&f);
}

/* The 1 s timer is armed when the packet starts and never extended. */
static void test_flush_timer(void)
{
	struct pfs_state a = sim_state(1, HOST), b = sim_state(2, HOST);
	struct fix f;

	fix_open(&f, true);
	T_EQ(pfs_engine_next_timeout(f.e), UINT64_MAX);
	pfs_engine_insert(f.e, &a, T0);
	T_EQ(pfs_engine_next_timeout(f.e), T0 + 1000);
	pfs_engine_insert(f.e, &b, T0 + 500);
	T_EQ(pfs_engine_next_timeout(f.e), T0 + 1000);
	pfs_engine_timer(f.e, T0 + 999);
	T_EQ(cap.n, 0);
	pfs_engine_timer(f.e, T0 + 1000);
	T_EQ(cap.n, 1);
	T_EQ(cap.p[0].local[3], 2);
	T_EQ(pfs_engine_next_timeout(f.e), UINT64_MAX);
	fix_close(&f);
}

/* flush_ms (flush-delay) replaces NetBSD's 1 s: a change waits that
 * long, no longer; out of range is refused. */
static void test_flush_delay(void)
{
	struct pfs_state a = sim_state(1, HOST), b = sim_state(2, HOST);
	struct pfs_engine_conf c;
	struct fix f;

	fix_open(&f, true);
	c = f.c;
	c.flush_ms = 10;
	T_EQ(pfs_engine_set_conf(f.e, &c, T0), 0);
	pfs_engine_insert(f.e, &a, T0);
	T_EQ(pfs_engine_next_timeout(f.e), T0 + 10);
	pfs_engine_insert(f.e, &b, T0 + 5);
	pfs_engine_timer(f.e, T0 + 9);
	T_EQ(cap.n, 0);
	pfs_engine_timer(f.e, T0 + 10);
	T_EQ(cap.n, 1);
	T_EQ(cap.p[0].local[3], 2);
	c.flush_ms = 0;
	T_EQ(pfs_engine_set_conf(f.e, &c, T0), -1);
	c.flush_ms = PFS_FLUSH_MS + 1;
	T_EQ(pfs_engine_set_conf(f.e, &c, T0), -1);
	T_EQ(pfs_engine_conf(f.e)->flush_ms, 10);
	fix_close(&f);
}

/* With a syncdev: pfsync0 sees UPD/DEL in full, the wire UPD_C/DEL_C. */
static void test_syncdev_compress(void)
{
	struct pfs_state a = sim_state(1, HOST), b = sim_state(2, HOST);
	struct fix f;

	fix_open(&f, true);
	pfs_engine_insert(f.e, &a, T0);
	pfs_engine_insert(f.e, &b, T0);
	a.src.seqlo = 1111;
	b.src.seqlo = 2222;
	pfs_engine_update(f.e, &a, T0);
	pfs_engine_update(f.e, &b, T0);
	pfs_engine_delete(f.e, 1, HOST, T0);
	pfs_engine_delete(f.e, 2, HOST, T0);
	pfs_engine_flush(f.e, T0);
	T_EQ(cap.n, 3);
	T_EQ(cap.p[0].local[2], PFS_V3_ACT_INS);
	T_EQ(cap.p[0].wire[2], PFS_V3_ACT_INS);
	check_hdr(cap.p[1].local, PFS_V3_ACT_UPD, 2, &f.c);
	check_hdr(cap.p[1].wire, PFS_V3_ACT_UPD_C, 2, &f.c);
	T_EQ(cap.p[1].llen, 20 + 2 * 240);
	T_EQ(cap.p[1].wlen, 20 + 2 * 88);
	T_EQ(be64(cap.p[1].wire + 20), 1);
	T_EQ(be64(cap.p[1].wire + 20 + 88), 2);
	T_EQ(be32(cap.p[1].wire + 20 + 88 + 16), 2222);
	check_hdr(cap.p[2].local, PFS_V3_ACT_DEL, 2, &f.c);
	check_hdr(cap.p[2].wire, PFS_V3_ACT_DEL_C, 2, &f.c);
	T_EQ(cap.p[2].wlen, 20 + 2 * 16);
	T_EQ(be64(cap.p[2].wire + 20 + 16), 2);
	T_EQ(be32(cap.p[2].wire + 20 + 16 + 8), HOST);
	T_EQ(cap.p[2].wire[20 + 12], 0);
	T_EQ(pfs_engine_stats(f.e)[PFS_STAT_OPACKETS], 3);
	/* a failed send counts OERRORS */
	cap.fail = 1;
	pfs_engine_insert(f.e, &a, T0);
	pfs_engine_flush(f.e, T0);
	T_EQ(pfs_engine_stats(f.e)[PFS_STAT_OERRORS], 1);
	T_EQ(pfs_engine_stats(f.e)[PFS_STAT_OPACKETS], 4);
	fix_close(&f);
}

static void test_nosync_never_sent(void)
{
	struct pfs_state a = sim_state(1, HOST), b = sim_state(2, HOST);
	struct fix f;

	fix_open(&f, true);
	a.sync_flags = PFS_SF_NOSYNC;
	b.proto = PFS_V3_PROTO;
	T_EQ(pfs_engine_insert(f.e, &a, T0), 0);
	T_EQ(pfs_engine_insert(f.e, &b, T0), 0);
	T_EQ(pfs_table_find_id(f.t, 2, HOST)->sync_flags, PFS_SF_NOSYNC);
	T_EQ(pfs_engine_update(f.e, &a, T0), 0);
	T_EQ(pfs_engine_update(f.e, &b, T0), 0);
	T_EQ(pfs_engine_kill(f.e, 1, HOST, T0), 0);
	T_EQ(pfs_engine_delete(f.e, 2, HOST, T0), 0);
	pfs_engine_flush(f.e, T0);
	T_EQ(cap.n, 0);
	T_EQ(pfs_table_count(f.t), 0);
	T_EQ(pfs_engine_update(f.e, &a, T0), -1);
	T_EQ(errno, ENOENT);
	fix_close(&f);
}

/* delete announces only our own states; kill announces any. */
static void test_delete_own_kill_any(void)
{
	struct pfs_state mine = sim_state(1, HOST), other = sim_state(2, 77);
	struct pfs_state other2 = sim_state(3, 77);
	struct fix f;

	fix_open(&f, true);
	pfs_table_insert(f.t, &mine);
	pfs_table_insert(f.t, &other);
	pfs_table_insert(f.t, &other2);
	T_EQ(pfs_engine_delete(f.e, 2, 77, T0), 0);
	pfs_engine_flush(f.e, T0);
	T_EQ(cap.n, 0);
	T_EQ(pfs_engine_kill(f.e, 3, 77, T0), 0);
	T_EQ(pfs_engine_delete(f.e, 1, HOST, T0), 0);
	pfs_engine_flush(f.e, T0);
	T_EQ(cap.n, 1);
	T_EQ(cap.p[0].wire[2], PFS_V3_ACT_DEL_C);
	T_EQ(cap.p[0].wire[3], 2);
	T_EQ(be32(cap.p[0].wire + 20 + 8), 77);
	T_EQ(be32(cap.p[0].wire + 36 + 8), HOST);
	T_EQ(pfs_table_count(f.t), 0);
	T_EQ(pfs_engine_kill(f.e, 3, 77, T0), -1);
	fix_close(&f);
}

static void test_clear_sends_clr(void)
{
	struct pfs_state a = sim_state(1, HOST), b = sim_state(2, HOST);
	struct pfs_state c = sim_state(3, 77);
	struct fix f;

	fix_open(&f, true);
	memcpy(b.ifname, "eth1", 5);
	pfs_engine_insert(f.e, &a, T0);
	pfs_engine_insert(f.e, &b, T0);
	pfs_table_insert(f.t, &c);
	T_EQ(pfs_engine_clear(f.e, "eth0", T0), 0);
	/* pending INS flushed first, then the CLR at once */
	T_EQ(cap.n, 2);
	T_EQ(cap.p[0].local[2], PFS_V3_ACT_INS);
	check_hdr(cap.p[1].local, PFS_V3_ACT_CLR, 0, &f.c);
	T_EQ(cap.p[1].llen, 20 + 24);
	T_MEMEQ(cap.p[1].local + 20, "eth0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	T_EQ(be32(cap.p[1].local + 36), HOST);
	T_MEMEQ(cap.p[1].wire, cap.p[1].local, cap.p[1].llen);
	T_EQ(pfs_table_count(f.t), 1);
	T_CHECK(pfs_table_find_id(f.t, 2, HOST) != NULL);
	T_EQ(pfs_engine_clear(f.e, "", T0), 0);
	T_EQ(cap.n, 3);
	T_EQ(cap.p[2].local[20], 0);
	T_EQ(pfs_table_count(f.t), 0);
	T_EQ(pfs_engine_next_timeout(f.e), UINT64_MAX);
	fix_close(&f);
}

/* ---- receive side ------------------------------------------------------*/

static void test_rx_validation(void)
{
	struct pfs_state s = sim_state(5, 77);
	struct pfs_rx_meta m = rx_ok;
	uint8_t pkt[PFS_V3_MTU_MAX];
	const uint64_t *st;
	struct fix f;
	size_t len;

	fix_open(&f, true);
	st = pfs_engine_stats(f.e);
	len = mk_states(pkt, PFS_V3_ACT_INS, &s, 1);
	m.on_syncdev = false;
	pfs_engine_input(f.e, pkt, len, &m, T0);
	T_EQ(st[PFS_STAT_BADIF], 1);
	m = rx_ok;
	m.ttl = 64;
	pfs_engine_input(f.e, pkt, len, &m, T0);
	T_EQ(st[PFS_STAT_BADTTL], 1);
	pfs_engine_input(f.e, pkt, 19, &rx_ok, T0);
	T_EQ(st[PFS_STAT_HDROPS], 1);
	pkt[0] = 2;
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(st[PFS_STAT_BADVER], 1);
	pkt[0] = 3;
	pkt[2] = 11;
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(st[PFS_STAT_BADACT], 1);
	pkt[2] = PFS_V3_ACT_INS;
	pkt[3] = 2;
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(st[PFS_STAT_BADLEN], 1);
	pkt[3] = 1;
	s.timeout = PFS_TM_MAX;
	len = mk_states(pkt, PFS_V3_ACT_INS, &s, 1);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(st[PFS_STAT_BADSTATE], 1);
	T_EQ(pfs_table_count(f.t), 0);
	T_EQ(st[PFS_STAT_IPACKETS], 7);
	/* a packet with trailing bytes is fine */
	s.timeout = PFS_TM_TCP_ESTABLISHED;
	len = mk_states(pkt, PFS_V3_ACT_INS, &s, 1);
	pfs_engine_input(f.e, pkt, len + 7, &rx_ok, T0);
	T_EQ(pfs_table_count(f.t), 1);
	/* no syncdev: input is off, only IPACKETS counts */
	f.c.syncdev = false;
	pfs_engine_set_conf(f.e, &f.c, T0);
	pkt[0] = 9;
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(st[PFS_STAT_BADVER], 1);
	T_EQ(st[PFS_STAT_IPACKETS], 9);
	T_EQ(cap.n, 0);
	fix_close(&f);
}

/* INS: times back to absolute, counters dropped; never re-announced. */
static void test_rx_ins_upd_del(void)
{
	struct pfs_state s = sim_state(5, 77), *l;
	uint8_t pkt[PFS_V3_MTU_MAX];
	struct pfs_v3_del d = {5, 77, 0, 0};
	struct pfs_v3_header h = {.version = 3, .action = PFS_V3_ACT_DEL_C,
				  .count = 1};
	struct pfs_wbuf wb;
	struct fix f;
	size_t len;

	fix_open(&f, true);
	s.creation = 30; /* age on the wire */
	s.expire = 0;
	s.packets[0] = 99;
	len = mk_states(pkt, PFS_V3_ACT_INS, &s, 1);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0); /* EEXIST: no count */
	l = pfs_table_find_id(f.t, 5, 77);
	T_CHECK(l != NULL);
	T_EQ(l->creation, 70);
	T_EQ(l->expire, 100 + 86400); /* last packet now + tcp.established */
	T_EQ(l->packets[0], 0);
	T_EQ(l->sync_flags, 0);
	T_EQ(cap.applied[PFS_OP_INSERT], 1);
	T_EQ(pfs_engine_stats(f.e)[PFS_STAT_BADSTATE], 0);
	/* UPD applies peers, expire and timeout */
	s.src.seqlo = 1500;
	s.dst.state = PFS_TCPS_FIN_WAIT_2;
	s.timeout = PFS_TM_TCP_CLOSING;
	s.expire = 5;
	len = mk_states(pkt, PFS_V3_ACT_UPD, &s, 1);
	pfs_engine_input(f.e, pkt, len + 3, &rx_ok, T0 + 1000);
	T_EQ(l->src.seqlo, 1500);
	T_EQ(l->dst.state, PFS_TCPS_FIN_WAIT_2);
	T_EQ(l->timeout, PFS_TM_TCP_CLOSING);
	T_EQ(l->expire, 101 + 5 + 900); /* now + wire + tcp.closing */
	T_EQ(cap.applied[PFS_OP_UPDATE], 1);
	/* learned states are never rebroadcast */
	pfs_engine_flush(f.e, T0 + 1000);
	T_EQ(cap.n, 0);
	/* DEL_C */
	pfs_wbuf_init(&wb, pkt, sizeof(pkt));
	pfs_v3_put_header(&wb, &h);
	pfs_v3_put_del(&wb, &d);
	pfs_engine_input(f.e, pkt, wb.off, &rx_ok, T0 + 1000);
	T_EQ(pfs_table_count(f.t), 0);
	T_EQ(cap.applied[PFS_OP_DELETE], 1);
	pfs_engine_input(f.e, pkt, wb.off, &rx_ok, T0 + 1000);
	T_EQ(pfs_engine_stats(f.e)[PFS_STAT_BADSTATE], 1);
	/* a local delete of a learned state is silent too */
	len = mk_states(pkt, PFS_V3_ACT_INS, &s, 1);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(pfs_engine_delete(f.e, 5, 77, T0), 0);
	pfs_engine_flush(f.e, T0 + 1000);
	T_EQ(cap.n, 0);
	fix_close(&f);
}

/* CLR with an ifname removes every state of the creator (NetBSD). */
static void test_rx_clr(void)
{
	struct pfs_state a = sim_state(1, 77), b = sim_state(2, 77);
	struct pfs_state c = sim_state(3, 78);
	struct pfs_v3_header h = {.version = 3, .action = PFS_V3_ACT_CLR};
	struct pfs_v3_clr clr = {"eth9", 77};
	uint8_t pkt[64];
	struct pfs_wbuf wb;
	struct fix f;

	fix_open(&f, true);
	pfs_table_insert(f.t, &a);
	pfs_table_insert(f.t, &b);
	pfs_table_insert(f.t, &c);
	pfs_wbuf_init(&wb, pkt, sizeof(pkt));
	pfs_v3_put_header(&wb, &h);
	pfs_v3_put_clr(&wb, &clr);
	pfs_engine_input(f.e, pkt, wb.off, &rx_ok, T0);
	T_EQ(pfs_table_count(f.t), 1);
	T_EQ(cap.applied[PFS_OP_DELETE], 2);
	T_CHECK(cap.del_mask == (1ULL << 1 | 1ULL << 2)); /* 77's: a, b */
	T_EQ(cap.n, 0);
	fix_close(&f);
}

/* A CLR is reported state by state (engine.h): one DELETE for each of
 * the creator's states, while it is still in the table, none for the
 * others. */
static void test_rx_clr_each(void)
{
	struct pfs_state s;
	struct pfs_v3_header h = {.version = 3, .action = PFS_V3_ACT_CLR};
	struct pfs_v3_clr clr = {"", 77};
	uint8_t pkt[64];
	struct pfs_wbuf wb;
	struct fix f;
	uint64_t i, want = 0;

	fix_open(&f, true);
	for (i = 1; i <= 40; i++) {
		s = sim_state(i, i % 3 == 0 ? 78 : 77);
		T_CHECK(pfs_table_insert(f.t, &s) != NULL);
		if (i % 3 != 0)
			want |= 1ULL << i;
	}
	cap.t = f.t;
	pfs_wbuf_init(&wb, pkt, sizeof(pkt));
	pfs_v3_put_header(&wb, &h);
	pfs_v3_put_clr(&wb, &clr);
	pfs_engine_input(f.e, pkt, wb.off, &rx_ok, T0);
	T_EQ(pfs_table_count(f.t), 13);
	T_EQ(cap.applied[PFS_OP_DELETE], 27);
	T_EQ(cap.del_live, 27);
	T_CHECK(cap.del_mask == want);
	T_EQ(cap.n, 0);
	cap.t = NULL;
	fix_close(&f);
}

/* ---- adopt: a peer's identity for a state of ours (engine.h) ----------*/

struct adopt_cap {
	int calls;
	bool answer;
	uint64_t local_id, peer_id;
};

static struct adopt_cap acap;

static bool cap_adopt(void *ctx, const struct pfs_state *local,
		      const struct pfs_state *peer)
{
	(void)ctx;
	acap.calls++;
	acap.local_id = local->id;
	acap.peer_id = peer->id;
	return acap.answer;
}

static const struct pfs_engine_ops adopt_ops = {
	.output = cap_output,
	.applied = cap_applied,
	.adopt = cap_adopt,
};

/* A local state (7, HOST) and a peer's full UPD (5, 77) of its flow. */
static struct pfs_state *adopt_setup(struct fix *f, struct pfs_state *w,
				     bool answer)
{
	struct pfs_state l = sim_state(7, HOST);

	memset(&cap, 0, sizeof(cap));
	memset(&acap, 0, sizeof(acap));
	acap.answer = answer;
	fix_conf(&f->c, true);
	f->t = pfs_table_new(0, T_HASHKEY);
	f->e = pfs_engine_new(&f->c, f->t, &adopt_ops, &cap, T0);
	*w = l;
	w->id = 5;
	w->creatorid = 77;
	return pfs_table_insert(f->t, &l);
}

static void test_rx_adopt_refused(void)
{
	uint8_t pkt[PFS_V3_MTU_MAX];
	struct pfs_state w;
	struct fix f;
	size_t len;

	T_CHECK(adopt_setup(&f, &w, false) != NULL);
	len = mk_states(pkt, PFS_V3_ACT_UPD, &w, 1);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(acap.calls, 1);
	T_EQ(acap.local_id, 7);
	T_EQ(acap.peer_id, 5);
	T_EQ(pfs_engine_stats(f.e)[PFS_STAT_BADSTATE], 1);
	T_CHECK(pfs_table_find_id(f.t, 7, HOST) != NULL);
	T_CHECK(pfs_table_find_id(f.t, 5, 77) == NULL);
	T_EQ(cap.applied[PFS_OP_UPDATE] + cap.applied[PFS_OP_INSERT], 0);
	/* a state with no key conflict is inserted without asking */
	w = sim_state(6, 77);
	len = mk_states(pkt, PFS_V3_ACT_UPD, &w, 1);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(acap.calls, 1);
	T_EQ(cap.applied[PFS_OP_INSERT], 1);
	fix_close(&f);
}

/* Adopted: the state takes (5, 77), then the UPD merges as an update. */
static void test_rx_adopt_newer(void)
{
	uint8_t pkt[PFS_V3_MTU_MAX];
	struct pfs_state w, *s;
	struct fix f;
	size_t len;

	T_CHECK(adopt_setup(&f, &w, true) != NULL);
	w.src.seqlo = 1500;
	w.dst.state = PFS_TCPS_FIN_WAIT_2;
	w.expire = 30;
	len = mk_states(pkt, PFS_V3_ACT_UPD, &w, 1);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(acap.calls, 1);
	T_CHECK(pfs_table_find_id(f.t, 7, HOST) == NULL);
	s = pfs_table_find_id(f.t, 5, 77);
	T_CHECK(s != NULL);
	T_EQ(pfs_table_count(f.t), 1);
	if (s != NULL) {
		T_EQ(s->src.seqlo, 1500);
		T_EQ(s->dst.state, PFS_TCPS_FIN_WAIT_2);
		T_EQ(s->expire, 100 + 30 + 86400);
	}
	T_EQ(cap.applied[PFS_OP_UPDATE], 1);
	T_EQ(cap.applied[PFS_OP_INSERT], 0);
	T_EQ(pfs_engine_stats(f.e)[PFS_STAT_BADSTATE], 0);
	/* the next UPD finds it by id: no second question */
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(acap.calls, 1);
	T_EQ(cap.applied[PFS_OP_UPDATE], 2);
	fix_close(&f);
}

/* Adopted but ours is further on: a stale reply under the peer's id. */
static void test_rx_adopt_stale(void)
{
	uint8_t pkt[PFS_V3_MTU_MAX];
	struct pfs_state w, *s;
	struct fix f;
	size_t len;

	T_CHECK(adopt_setup(&f, &w, true) != NULL);
	w.src.state = PFS_TCPS_SYN_SENT; /* sfail 1 */
	len = mk_states(pkt, PFS_V3_ACT_UPD, &w, 1);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	s = pfs_table_find_id(f.t, 5, 77);
	T_CHECK(s != NULL);
	if (s != NULL)
		T_EQ(s->src.state, PFS_TCPS_ESTABLISHED);
	T_EQ(pfs_engine_stats(f.e)[PFS_STAT_BADSTATE], 1);
	T_EQ(cap.n, 1);
	check_hdr(cap.p[0].wire, PFS_V3_ACT_UPD, 1, &f.c);
	T_EQ(be64(cap.p[0].wire + 20), 5);
	T_EQ(be32(cap.p[0].wire + 20 + 228), 77);
	fix_close(&f);
}

/* Set up a known local state for the stale tests. */
static struct pfs_state *stale_setup(struct fix *f, struct pfs_state *s)
{
	fix_open(f, true);
	*s = sim_state(9, 77);
	s->src.seqlo = 1000;
	s->dst.seqlo = 5000;
	return pfs_table_insert(f->t, s);
}

static void test_rx_stale_upd_reply(void)
{
	struct pfs_state s, *l;
	uint8_t pkt[PFS_V3_MTU_MAX];
	struct fix f;
	size_t len;

	l = stale_setup(&f, &s);
	s.src.seqlo = 500; /* sfail 3 */
	len = mk_states(pkt, PFS_V3_ACT_UPD, &s, 1);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(pfs_engine_stats(f.e)[PFS_STAT_BADSTATE], 1);
	T_EQ(l->src.seqlo, 1000);
	T_EQ(cap.n, 1);
	/* our copy, full, uncompressed even with a syncdev, STALE-marked */
	check_hdr(cap.p[0].wire, PFS_V3_ACT_UPD, 1, &f.c);
	T_EQ(cap.p[0].wlen, 20 + 240);
	T_EQ(cap.p[0].wire[20 + 238], PFS_SF_STALE);
	T_EQ(be32(cap.p[0].wire + 20 + 104), 1000);
	T_EQ(cap.p[0].dst, PFS_V3_GROUP);
	T_EQ(cap.applied[PFS_OP_UPDATE], 0);
	/* a STALE-marked stale entry is not answered */
	s.sync_flags = PFS_SF_STALE;
	len = mk_states(pkt, PFS_V3_ACT_UPD, &s, 1);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(pfs_engine_stats(f.e)[PFS_STAT_BADSTATE], 2);
	pfs_engine_flush(f.e, T0);
	T_EQ(cap.n, 1);
	fix_close(&f);
}

/* sfail 7: dst older: import src only, reply not STALE-marked. */
static void test_rx_sfail7(void)
{
	struct pfs_state s, *l;
	uint8_t pkt[PFS_V3_MTU_MAX];
	struct fix f;
	size_t len;

	l = stale_setup(&f, &s);
	l->dst.state = PFS_TCPS_FIN_WAIT_2;
	s.src.seqlo = 1200;
	s.dst.seqlo = 9000;
	len = mk_states(pkt, PFS_V3_ACT_UPD, &s, 1);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(l->src.seqlo, 1200);
	T_EQ(l->dst.seqlo, 5000);
	T_EQ(l->dst.state, PFS_TCPS_FIN_WAIT_2);
	T_EQ(pfs_engine_stats(f.e)[PFS_STAT_BADSTATE], 1);
	T_EQ(cap.n, 1);
	T_EQ(cap.p[0].wire[2], PFS_V3_ACT_UPD);
	T_EQ(cap.p[0].wire[20 + 238], 0);
	T_EQ(be32(cap.p[0].wire + 20 + 104), 1200);
	fix_close(&f);
}

/* UPD_C: stale -> full reply; unknown -> UREQ unicast to the source. */
static void test_rx_upd_c(void)
{
	struct pfs_state s, *l;
	struct pfs_v3_upd u;
	uint8_t pkt[PFS_V3_MTU_MAX];
	struct fix f;
	size_t len;

	l = stale_setup(&f, &s);
	memset(&u, 0, sizeof(u));
	u.id = 9;
	u.creatorid = 77;
	u.src = s.src;
	u.dst = s.dst;
	u.src.seqlo = 1300;
	u.timeout = PFS_TM_TCP_CLOSING;
	len = mk_upd_c(pkt, &u);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(l->src.seqlo, 1300);
	T_EQ(l->timeout, PFS_TM_TCP_CLOSING);
	T_EQ(cap.n, 0);
	u.src.seqlo = 1; /* stale */
	len = mk_upd_c(pkt, &u);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(cap.n, 1);
	T_EQ(cap.p[0].wire[2], PFS_V3_ACT_UPD);
	T_EQ(cap.p[0].wire[20 + 238], PFS_SF_STALE);
	T_EQ(cap.p[0].dst, PFS_V3_GROUP);
	u.id = 4242;
	len = mk_upd_c(pkt, &u);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(cap.n, 2);
	check_hdr(cap.p[1].wire, PFS_V3_ACT_UREQ, 1, &f.c);
	T_EQ(cap.p[1].wlen, 20 + 16);
	T_EQ(be64(cap.p[1].wire + 20), 4242);
	T_EQ(be32(cap.p[1].wire + 28), 77);
	T_EQ(cap.p[1].dst, PEER);
	T_EQ(pfs_engine_stats(f.e)[PFS_STAT_BADSTATE], 2);
	/* the one-shot address is gone after that send */
	pfs_engine_insert(f.e, &(struct pfs_state){.id = 1, .creatorid = HOST,
			  .af = AF_INET, .proto = 17}, T0);
	pfs_engine_flush(f.e, T0);
	T_EQ(cap.p[2].dst, PFS_V3_GROUP);
	fix_close(&f);
}

static void test_rx_ureq_reply(void)
{
	struct pfs_state s, *l;
	uint8_t pkt[64];
	struct fix f;
	size_t len;

	l = stale_setup(&f, &s);
	(void)l;
	/* the requester's first packet gets no answer (engine_src.c): it is
	 * known from its second */
	len = mk_ureq(pkt, 9, 77);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(cap.n, 0);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(cap.n, 1);
	check_hdr(cap.p[0].wire, PFS_V3_ACT_UPD, 1, &f.c);
	T_EQ(cap.p[0].wlen, 20 + 240);
	T_EQ(cap.p[0].wire[20 + 238], 0);
	T_EQ(cap.p[0].dst, PFS_V3_GROUP); /* not the requester */
	len = mk_ureq(pkt, 10, 77);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(cap.n, 1);
	T_EQ(pfs_engine_stats(f.e)[PFS_STAT_BADSTATE], 1);
	fix_close(&f);
}

/* ---- bulk --------------------------------------------------------------*/

static int count_ureq0(void)
{
	int i, k = 0;

	for (i = 0; i < cap.n; i++)
		if (cap.p[i].wire[2] == PFS_V3_ACT_UREQ &&
		    be64(cap.p[i].wire + 20) == 0 &&
		    be32(cap.p[i].wire + 28) == 0)
			k++;
	return k;
}

static void test_bulk_request_retry(void)
{
	struct fix f;
	uint64_t t = T0;

	fix_open(&f, true);
	T_CHECK(pfs_engine_synced(f.e));
	pfs_engine_bulk_request(f.e, t);
	T_CHECK(!pfs_engine_synced(f.e));
	T_EQ(cap.synced_calls, 1);
	T_EQ(cap.n, 1);
	T_EQ(count_ureq0(), 1);
	T_EQ(cap.p[0].dst, PFS_V3_GROUP);
	T_EQ(pfs_engine_next_timeout(f.e), t + 5000);
	while (pfs_engine_next_timeout(f.e) != UINT64_MAX) {
		t = pfs_engine_next_timeout(f.e);
		pfs_engine_timer(f.e, t);
	}
	T_EQ(count_ureq0(), 13); /* the first and 12 retries */
	T_EQ(t, T0 + 13 * 5000);
	T_CHECK(pfs_engine_synced(f.e));
	T_EQ(cap.synced_calls, 2);
	T_CHECK(cap.synced_last);
	fix_close(&f);
}

static void test_bus_end_rule(void)
{
	uint8_t pkt[64];
	struct fix f;
	size_t len;

	fix_open(&f, true);
	/* not awaiting: ignored */
	len = mk_bus(pkt, PFS_V3_BUS_END, 0);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_EQ(cap.synced_calls, 0);
	pfs_engine_bulk_request(f.e, T0); /* second 100 */
	/* START re-arms the wait: bulk_retry_ms from now */
	len = mk_bus(pkt, PFS_V3_BUS_START, 0);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0 + 1000);
	T_EQ(pfs_engine_next_timeout(f.e), T0 + 1000 + 5000);
	/* second 110: endtime 20 means started at 90 < 100: ignored */
	len = mk_bus(pkt, PFS_V3_BUS_END, 20);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0 + 10000);
	T_CHECK(!pfs_engine_synced(f.e));
	len = mk_bus(pkt, PFS_V3_BUS_END, 10);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0 + 10000);
	T_CHECK(pfs_engine_synced(f.e));
	T_EQ(cap.synced_calls, 2);
	T_EQ(pfs_engine_next_timeout(f.e), UINT64_MAX);
	fix_close(&f);
}

/* The responder: BUS START, maxcount * bulk_pkts UPDs per tick, END. */
static void test_bulk_responder_pacing(void)
{
	uint8_t pkt[64];
	struct fix f;
	unsigned i;
	size_t len;
	int k, states = 0;

	fix_open(&f, true);
	for (i = 1; i <= 21; i++) {
		struct pfs_state s = sim_state(i, i % 2 ? HOST : 77);

		if (i == 21)
			s.sync_flags = PFS_SF_NOSYNC;
		pfs_table_insert(f.t, &s);
	}
	len = mk_ureq(pkt, 0, 0);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	T_CHECK(pfs_engine_bulk_sending(f.e));
	T_EQ(cap.n, 1);
	check_hdr(cap.p[0].wire, PFS_V3_ACT_BUS, 0, &f.c);
	T_EQ(cap.p[0].wlen, 20 + 16);
	T_EQ(be32(cap.p[0].wire + 20), HOST);
	T_EQ(cap.p[0].wire[28], PFS_V3_BUS_START);
	T_EQ(pfs_engine_next_timeout(f.e), T0 + 10);
	for (k = 1; k <= 3; k++) {
		pfs_engine_timer(f.e, T0 + 10u * (unsigned)k);
		T_EQ(cap.n, 1 + k);
		check_hdr(cap.p[k].wire, PFS_V3_ACT_UPD, 6, &f.c);
		T_EQ(cap.p[k].wlen, 20 + 6 * 240);
		states += 6;
	}
	pfs_engine_timer(f.e, T0 + 2040);
	T_EQ(cap.n, 5);
	T_CHECK(pfs_engine_bulk_sending(f.e)); /* END a tick later */
	pfs_engine_timer(f.e, T0 + 2050);
	T_EQ(cap.n, 6);
	check_hdr(cap.p[4].wire, PFS_V3_ACT_UPD, 2, &f.c);
	states += 2;
	T_EQ(states, 20);
	T_EQ(cap.p[5].wire[2], PFS_V3_ACT_BUS);
	T_EQ(cap.p[5].wire[28], PFS_V3_BUS_END);
	T_EQ(be32(cap.p[5].wire + 24), 2);
	T_CHECK(!pfs_engine_bulk_sending(f.e));
	T_EQ(pfs_engine_next_timeout(f.e), UINT64_MAX);
	/* bulk_pkts 2 at MTU 1500: 12 states, two packets per tick */
	f.c.bulk_pkts = 2;
	pfs_engine_set_conf(f.e, &f.c, T0);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0 + 5000);
	pfs_engine_timer(f.e, T0 + 5010);
	T_EQ(cap.n, 9);
	T_EQ(cap.p[7].wire[3], 6);
	T_EQ(cap.p[8].wire[3], 6);
	fix_close(&f);
}

/* An unsynced responder sends the states, no START, and an END of its
 * own status that NetBSD ignores. */
static void test_bulk_unsynced_no_bus(void)
{
	struct pfs_state s = sim_state(1, HOST);
	uint8_t pkt[64];
	struct fix f;
	size_t len;

	fix_open(&f, true);
	pfs_table_insert(f.t, &s);
	pfs_engine_bulk_request(f.e, T0);
	cap.n = 0;
	len = mk_ureq(pkt, 0, 0);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	pfs_engine_timer(f.e, T0 + 10);
	pfs_engine_timer(f.e, T0 + 20);
	pfs_engine_timer(f.e, T0 + 30);
	T_EQ(cap.n, 2);
	T_EQ(cap.p[0].wire[2], PFS_V3_ACT_UPD);
	T_EQ(cap.p[1].wire[2], PFS_V3_ACT_BUS);
	T_EQ(cap.p[1].wire[28], PFS_V3_BUS_END_UNSYNCED);
	fix_close(&f);
}

/* Patience follows progress: bulk UPDs keep a long transfer waited for,
 * with no re-request; silence after them still re-requests. */
static void test_bulk_progress(void)
{
	struct pfs_state s = sim_state(1, 77);
	uint8_t pkt[PFS_V3_MTU_MAX];
	struct fix f;
	uint64_t t;
	size_t len;

	fix_open(&f, true);
	pfs_engine_bulk_request(f.e, T0);
	for (t = T0 + 4000; t < T0 + 120000; t += 4000) {
		s.id++;
		len = mk_states(pkt, PFS_V3_ACT_UPD, &s, 1);
		pfs_engine_input(f.e, pkt, len, &rx_ok, t);
		T_EQ(pfs_engine_next_timeout(f.e), t + 5000);
		pfs_engine_timer(f.e, t); /* nothing due */
	}
	T_EQ(count_ureq0(), 1);
	T_CHECK(!pfs_engine_synced(f.e));
	t = pfs_engine_next_timeout(f.e);
	pfs_engine_timer(f.e, t); /* 5 s of silence: ask again */
	T_EQ(count_ureq0(), 2);
	T_CHECK(!pfs_engine_synced(f.e));
	fix_close(&f);
}

/* An unsynced peer's END: done after a quiet second, unless a synced
 * peer has started a walk, whose END is then awaited. */
static void test_bulk_unsynced_end(void)
{
	uint8_t pkt[64];
	struct fix f;
	size_t len;

	fix_open(&f, true);
	pfs_engine_bulk_request(f.e, T0);
	/* a walk that began before our request (second 99) does not count */
	len = mk_bus(pkt, PFS_V3_BUS_END_UNSYNCED, 2);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0 + 1000);
	T_EQ(pfs_engine_next_timeout(f.e), T0 + 5000);
	len = mk_bus(pkt, PFS_V3_BUS_END_UNSYNCED, 0);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0 + 100);
	T_CHECK(!pfs_engine_synced(f.e));
	T_EQ(pfs_engine_next_timeout(f.e), T0 + 1100);
	pfs_engine_timer(f.e, T0 + 1100);
	T_CHECK(pfs_engine_synced(f.e));
	T_EQ(count_ureq0(), 1);

	pfs_engine_bulk_request(f.e, T0 + 2000);
	len = mk_bus(pkt, PFS_V3_BUS_START, 0);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0 + 2100);
	len = mk_bus(pkt, PFS_V3_BUS_END_UNSYNCED, 0);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0 + 2200);
	T_EQ(pfs_engine_next_timeout(f.e), T0 + 2100 + 5000);
	len = mk_bus(pkt, PFS_V3_BUS_END, 0);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0 + 3000);
	T_CHECK(pfs_engine_synced(f.e));
	fix_close(&f);
}

/* A transfer the caller saw lose packets is asked for again at its END
 * instead of making us synced; a clean one then ends the wait. */
static void test_bulk_lost(void)
{
	uint8_t pkt[64];
	struct fix f;
	size_t len;

	fix_open(&f, true);
	T_CHECK(!pfs_engine_bulk_lost(f.e)); /* nothing awaited */
	pfs_engine_bulk_request(f.e, T0);
	T_CHECK(pfs_engine_bulk_lost(f.e));
	len = mk_bus(pkt, PFS_V3_BUS_END, 0);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0 + 500);
	T_CHECK(!pfs_engine_synced(f.e));
	T_EQ(count_ureq0(), 2); /* the request, and one try again */
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0 + 900);
	T_CHECK(pfs_engine_synced(f.e));
	/* every transfer lossy, each with progress: 12 more asks, then
	 * given up (progress does not reset the count of lossy ones) */
	{
		struct pfs_state s = sim_state(1, 77);
		uint8_t upd[PFS_V3_MTU_MAX];
		size_t ulen = mk_states(upd, PFS_V3_ACT_UPD, &s, 1);
		int k;

		pfs_engine_bulk_request(f.e, T0 + 1000);
		for (k = 0; k < 13; k++) {
			T_CHECK(!pfs_engine_synced(f.e));
			pfs_engine_input(f.e, upd, ulen, &rx_ok, T0 + 1001);
			pfs_engine_bulk_lost(f.e);
			pfs_engine_input(f.e, pkt, len, &rx_ok, T0 + 1002);
		}
		T_CHECK(pfs_engine_synced(f.e));
		T_EQ(count_ureq0(), 2 + 13);
	}
	fix_close(&f);
}

/* A send failure during the walk adds a cycle: the END follows a walk
 * sent whole; failures reported after the last packet still count. */
static void test_bulk_send_lost(void)
{
	uint8_t pkt[64];
	struct fix f;
	unsigned i, k;
	size_t len;
	int states = 0, nend = 0;

	fix_open(&f, true);
	for (i = 1; i <= 8; i++) {
		struct pfs_state s = sim_state(i, 77);

		pfs_table_insert(f.t, &s);
	}
	T_CHECK(!pfs_engine_bulk_send_lost(f.e, T0)); /* not sending */
	len = mk_ureq(pkt, 0, 0);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	pfs_engine_timer(f.e, T0 + 10); /* 1-6 */
	pfs_engine_timer(f.e, T0 + 20); /* 7 8, walk over */
	/* the last packet's send failed, reported after it left */
	T_CHECK(pfs_engine_bulk_send_lost(f.e, T0 + 25));
	for (k = 3; pfs_engine_bulk_sending(f.e) && k < 10; k++)
		pfs_engine_timer(f.e, T0 + 10 * k);
	T_CHECK(!pfs_engine_bulk_sending(f.e));
	for (k = 0; k < (unsigned)cap.n; k++) {
		if (cap.p[k].wire[2] == PFS_V3_ACT_UPD)
			states += cap.p[k].wire[3];
		else if (cap.p[k].wire[28] == PFS_V3_BUS_END)
			nend++;
	}
	T_EQ(states, 16); /* the walk and one more cycle */
	T_EQ(nend, 1);
	T_EQ(cap.p[cap.n - 1].wire[28], PFS_V3_BUS_END);
	fix_close(&f);
}

/* A request of another peer mid-walk does not restart it: the walk goes
 * on, wraps and stops where the request found it; each state is sent
 * once per cycle.  (The same peer's again is merged: test_rel_guard.) */
static void test_bulk_rerequest_continues(void)
{
	const struct pfs_rx_meta rx_other = {PEER + 1, true, PFS_V3_TTL};
	uint8_t pkt[64];
	unsigned i, k, first[8];
	struct fix f;
	size_t len;
	int npkt = 0, nbus = 0;

	fix_open(&f, true);
	for (i = 1; i <= 20; i++) {
		struct pfs_state s = sim_state(i, 77);

		pfs_table_insert(f.t, &s);
	}
	len = mk_ureq(pkt, 0, 0);
	pfs_engine_input(f.e, pkt, len, &rx_ok, T0);
	pfs_engine_timer(f.e, T0 + 10); /* states 1..6 */
	pfs_engine_input(f.e, pkt, len, &rx_other, T0 + 15);
	for (k = 2; pfs_engine_bulk_sending(f.e) && k < 10; k++)
		pfs_engine_timer(f.e, T0 + 10 * k);
	T_CHECK(!pfs_engine_bulk_sending(f.e));
	for (k = 0; k < (unsigned)cap.n; k++) {
		if (cap.p[k].wire[2] == PFS_V3_ACT_BUS) {
			nbus++;
			continue;
		}
		T_CHECK(npkt < 8);
		first[npkt++] = (unsigned)be64(cap.p[k].wire + 20);
	}
	/* 1-6 | 7-12, 13-18, 19 20 (wrap) 1-4, 5 6; START twice, END */
	T_EQ(npkt, 5);
	T_EQ(first[0], 1);
	T_EQ(first[1], 7);
	T_EQ(first[2], 13);
	T_EQ(first[3], 19);
	T_EQ(be64(cap.p[cap.n - 3].wire + 20 + 2 * 240), 1);
	T_EQ(first[4], 5);
	T_EQ(cap.p[cap.n - 2].wire[3], 2);
	T_EQ(nbus, 3);
	T_EQ(cap.p[cap.n - 1].wire[28], PFS_V3_BUS_END);
	fix_close(&f);
}

static void test_conf_validate(void)
{
	struct fix f;
	struct pfs_engine_conf c;

	fix_open(&f, true);
	c = f.c;
	c.hostid = 0;
	T_EQ(pfs_engine_set_conf(f.e, &c, T0), -1);
	T_EQ(errno, EINVAL);
	c = f.c;
	c.bulk_pkts = 0;
	T_EQ(pfs_engine_set_conf(f.e, &c, T0), -1);
	T_CHECK(pfs_engine_new(&c, f.t, &cap_ops, &cap, T0) == NULL);
	/* -syncdev drops the compressed form; the local form still goes */
	{
		struct pfs_state s = sim_state(1, HOST);

		pfs_engine_insert(f.e, &s, T0);
		pfs_engine_flush(f.e, T0);
		pfs_engine_update(f.e, &s, T0);
		c = f.c;
		c.syncdev = false;
		c.tap = true;
		T_EQ(pfs_engine_set_conf(f.e, &c, T0), 0);
		T_EQ(cap.n, 2);
		T_EQ(cap.p[1].local[2], PFS_V3_ACT_UPD);
		T_CHECK(!cap.p[1].has_wire);
	}
	T_EQ(pfs_engine_new_id(f.e), (uint64_t)100 << 32);
	T_EQ(pfs_engine_new_id(f.e), ((uint64_t)100 << 32) + 1);
	fix_close(&f);
}

int main(void)
{
	T_RUN(test_ins_frame);
	T_RUN(test_nobody_listens);
	T_RUN(test_collapse_maxupd);
	T_RUN(test_maxupd_zero);
	T_RUN(test_flush_maxcount);
	T_RUN(test_flush_action_change);
	T_RUN(test_flush_timer);
	T_RUN(test_flush_delay);
	T_RUN(test_syncdev_compress);
	T_RUN(test_nosync_never_sent);
	T_RUN(test_delete_own_kill_any);
	T_RUN(test_clear_sends_clr);
	T_RUN(test_rx_validation);
	T_RUN(test_rx_ins_upd_del);
	T_RUN(test_rx_clr);
	T_RUN(test_rx_clr_each);
	T_RUN(test_rx_adopt_refused);
	T_RUN(test_rx_adopt_newer);
	T_RUN(test_rx_adopt_stale);
	T_RUN(test_rx_stale_upd_reply);
	T_RUN(test_rx_sfail7);
	T_RUN(test_rx_upd_c);
	T_RUN(test_rx_ureq_reply);
	T_RUN(test_bulk_request_retry);
	T_RUN(test_bus_end_rule);
	T_RUN(test_bulk_responder_pacing);
	T_RUN(test_bulk_unsynced_no_bus);
	T_RUN(test_bulk_progress);
	T_RUN(test_bulk_unsynced_end);
	T_RUN(test_bulk_rerequest_continues);
	T_RUN(test_bulk_lost);
	T_RUN(test_bulk_send_lost);
	T_RUN(test_conf_validate);
	return t_done();
}
