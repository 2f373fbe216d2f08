/*
 * test_rel_guard.c - forged control messages (issue 15, review M1, M2,
 * M3, L6): no reply to a stranger, replies bounded by what was asked and
 * rate-limited per peer, no desync by a forged trailer, bounded hold.
 * Each attack is a test; test_amplification prints bytes out per byte
 * in per message type (figures, not assertions on time).
 */
#include <stdio.h>
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/wire_ext.h"
#include "pfsync/wire_v3.h"
#include "sim.h"
#include "t.h"

#define PEER 0x0a000002u    /* 10.0.0.2: a pfsyncd peer */
#define STRANGER 0xc000024du /* 192.0.2.77: never heard */
#define PEER_EPOCH 0x01020304u

/* What the engine under test sends, by destination and kind. */
static struct {
	uint64_t pkts, bytes;	      /* everything on the wire */
	uint64_t to_peer, to_stranger; /* packets unicast there */
	uint64_t to_zero;	      /* packets to 0.0.0.0 */
	uint64_t upds, ureqs, resends;
	uint32_t epoch; /* of our numbered packets */
	uint32_t seq;	/* the last number sent */
} o;

static int g_out(void *ctx, const uint8_t *local, size_t llen,
		 const uint8_t *wire, size_t wlen, uint32_t dst)
{
	struct pfs_ext x;

	(void)ctx, (void)local;
	if (!wire)
		return 0;
	o.pkts++;
	o.bytes += wlen;
	if (dst == PEER)
		o.to_peer++;
	if (dst == STRANGER)
		o.to_stranger++;
	if (dst == 0)
		o.to_zero++;
	if (wlen >= 20 && wire[2] == PFS_V3_ACT_UPD)
		o.upds++;
	if (wlen >= 20 && wire[2] == PFS_V3_ACT_UREQ)
		o.ureqs += wire[3];
	if (llen == 0 && wlen > 32)
		o.resends++; /* a copy of a numbered packet, not for pfsync0 */
	if (llen > 0 && wlen >= llen + PFS_EXT_LEN &&
	    pfs_ext_get(wire, wlen, wlen - PFS_EXT_LEN, &x) == 0) {
		o.epoch = x.epoch;
		o.seq = x.seq;
	}
	return 0;
}

static struct pfs_engine *g_engine(struct pfs_table *t, unsigned bulk_pkts,
				   uint64_t now)
{
	static const struct pfs_engine_ops ops = {.output = g_out};
	struct pfs_engine_conf c;

	pfs_engine_conf_default(&c);
	c.hostid = 0x100;
	c.syncdev = true;
	c.reliable = true;
	if (bulk_pkts != 0) {
		c.bulk_pkts = bulk_pkts;
		c.bulk_tick_ms = 10;
	}
	memset(&o, 0, sizeof(o));
	return pfs_engine_new(&c, t, &ops, NULL, now);
}

/* A packet from src: head (hlen bytes of v3 header and records; NULL: an
 * empty UPD_C) with a trailer unless kind is 0.  The bytes sent. */
static size_t g_in(struct pfs_engine *e, uint32_t src, const uint8_t *head,
		   size_t hlen, uint8_t kind, uint32_t epoch, uint32_t seq,
		   uint16_t arg, uint64_t now)
{
	static uint8_t pkt[PFS_V3_MTU_MAX + PFS_EXT_LEN];
	const struct pfs_rx_meta m = {src, true, 255};
	struct pfs_ext x = {kind, arg, epoch, seq};
	struct pfs_wbuf wb;

	memset(pkt, 0, 20);
	pkt[0] = 3, pkt[2] = PFS_V3_ACT_UPD_C;
	if (head != NULL)
		memcpy(pkt, head, hlen);
	else
		hlen = 20;
	pfs_wbuf_init(&wb, pkt, sizeof(pkt));
	wb.off = hlen;
	if (kind != 0)
		pfs_ext_put(&wb, &x);
	pfs_engine_input(e, pkt, wb.off, &m, now);
	return wb.off;
}

/* n states of ours, each sent in a numbered packet of its own. */
static void g_fill(struct pfs_engine *e, uint32_t n, uint64_t now)
{
	uint32_t i;

	for (i = 1; i <= n; i++) {
		struct pfs_state s = sim_state(i, 0x100);

		T_EQ(pfs_engine_insert(e, &s, now), 0);
		pfs_engine_flush(e, now);
	}
}

/* A v3 UREQ packet of n records (id i + 1 of creator 0x100; all zero
 * when n is 0: a UREQ {0, 0}).  Its length. */
static size_t g_ureq(uint8_t *buf, size_t cap, unsigned n)
{
	struct pfs_v3_header h;
	struct pfs_v3_ureq r;
	struct pfs_wbuf wb;
	unsigned i;

	memset(&h, 0, sizeof(h));
	h.version = 3;
	h.action = PFS_V3_ACT_UREQ;
	h.count = (uint8_t)(n ? n : 1);
	pfs_wbuf_init(&wb, buf, cap);
	pfs_v3_put_header(&wb, &h);
	for (i = 0; i < h.count; i++) {
		memset(&r, 0, sizeof(r));
		if (n) {
			r.id = i + 1;
			r.creatorid = 0x100;
		}
		pfs_v3_put_ureq(&wb, &r);
	}
	return wb.off;
}

/* A v3 UPD_C packet of n records of ids nobody has. */
static size_t g_upd_c(uint8_t *buf, size_t cap, unsigned n)
{
	struct pfs_v3_header h;
	struct pfs_v3_upd u;
	struct pfs_wbuf wb;
	unsigned i;

	memset(&h, 0, sizeof(h));
	h.version = 3;
	h.action = PFS_V3_ACT_UPD_C;
	h.count = (uint8_t)n;
	pfs_wbuf_init(&wb, buf, cap);
	pfs_v3_put_header(&wb, &h);
	for (i = 0; i < n; i++) {
		struct pfs_state s = sim_state(0x9000 + i, 0x200);

		memset(&u, 0, sizeof(u));
		u.id = s.id;
		u.creatorid = s.creatorid;
		u.src = s.src;
		u.dst = s.dst;
		u.timeout = s.timeout;
		pfs_v3_put_upd(&wb, &u);
	}
	return wb.off;
}

/* ---- M1: NACK reflection ------------------------------------------------*/

/* A NACK from an address that is no stream we follow resends nothing,
 * to it or anywhere; from 0.0.0.0 neither (not to the group). */
static void test_nack_foreign(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	uint64_t now = 1000;
	struct pfs_engine *e = g_engine(t, 0, now);
	const uint64_t *rs = pfs_engine_rel_stats(e);

	g_in(e, PEER, NULL, 0, PFS_EXT_HB, PEER_EPOCH, 42, 0, now);
	g_fill(e, 100, now);
	T_CHECK(o.epoch != 0);
	o.pkts = 0;
	g_in(e, STRANGER, NULL, 0, PFS_EXT_NACK, o.epoch, 1, 100, now);
	T_EQ(o.to_stranger, 0);
	g_in(e, 0, NULL, 0, PFS_EXT_NACK, o.epoch, 1, 100, now);
	T_EQ(o.pkts, 0);
	T_EQ(rs[PFS_REL_RESENT], 0);
	T_EQ(rs[PFS_REL_NACK_REFUSED], 2);
	/* the peer's own NACK is answered, to it */
	g_in(e, PEER, NULL, 0, PFS_EXT_NACK, o.epoch, 1, 10, now);
	T_EQ(rs[PFS_REL_RESENT], 10);
	T_EQ(o.to_peer, 10);
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* A NACK for 65 535 packets resends at most the cap; NACKs in a row
 * from one source are rate-limited. */
static void test_nack_capped(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	uint64_t now = 1000;
	struct pfs_engine *e = g_engine(t, 0, now);
	const uint64_t *rs = pfs_engine_rel_stats(e);
	unsigned i;

	g_in(e, PEER, NULL, 0, PFS_EXT_HB, PEER_EPOCH, 42, 0, now);
	g_fill(e, 3000, now);
	g_in(e, PEER, NULL, 0, PFS_EXT_NACK, o.epoch, 1, 0xffff, now);
	printf("one NACK {1, 0xffff}: %llu packets resent\n",
	       (unsigned long long)rs[PFS_REL_RESENT]);
	T_CHECK(rs[PFS_REL_RESENT] <= 1024);
	T_CHECK(rs[PFS_REL_RESENT] > 0);
	for (i = 0; i < 100; i++)
		g_in(e, PEER, NULL, 0, PFS_EXT_NACK, o.epoch, 1, 0xffff, now);
	printf("101 NACKs in one second: %llu packets resent\n",
	       (unsigned long long)rs[PFS_REL_RESENT]);
	T_CHECK(rs[PFS_REL_RESENT] <= 8192);
	T_CHECK(rs[PFS_REL_NACK_LIMITED] > 0);
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* A forged NACK does not cut a bulk walk's pace below a floor. */
static void test_nack_pace_floor(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	uint64_t now = 1000;
	struct pfs_engine *e = g_engine(t, 64, now);
	uint8_t ureq[64];
	size_t ul = g_ureq(ureq, sizeof(ureq), 0);
	unsigned i;

	g_in(e, PEER, NULL, 0, PFS_EXT_HB, PEER_EPOCH, 42, 0, now);
	g_fill(e, 20000, now);
	now += 5000;
	g_in(e, PEER, ureq, ul, 0, 0, 0, 0, now);
	for (i = 0; i < 40; i++) { /* 40 cuts, 60 ms apart */
		now += 60;
		g_in(e, PEER, NULL, 0, PFS_EXT_NACK, o.epoch, 1, 1, now);
	}
	o.upds = 0;
	pfs_engine_timer(e, now += 10);
	printf("bulk pace after 40 NACKs: %llu packets a tick (of 64)\n",
	       (unsigned long long)o.upds);
	T_CHECK(o.upds >= 8);
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* ---- M2: forged trailers ------------------------------------------------*/

/* Node 0's last number, read off its last numbered packet in the queue. */
static bool g_last_ext(const struct sim_net *net, struct pfs_ext *x)
{
	size_t i;

	for (i = net->qlen; i-- > 0;) {
		const struct sim_pkt *p = &net->q[i];

		if (p->from == 0 && p->len > PFS_EXT_LEN &&
		    pfs_ext_get(p->data, p->len, p->len - PFS_EXT_LEN, x) ==
			    0 &&
		    x->kind == PFS_EXT_DATA)
			return true;
	}
	return false;
}

/* A heartbeat (or DATA, or GONE) far ahead of A's stream, forged from A's
 * address: A's real packets later still arrive, not dropped as dups. */
static void test_forged_far_trailer(void)
{
	static const uint8_t kinds[3] = {PFS_EXT_HB, PFS_EXT_DATA,
					 PFS_EXT_GONE};
	struct pfs_engine_conf c;
	struct sim_net net;
	struct pfs_ext x;
	unsigned k, i, base = 1;

	pfs_engine_conf_default(&c);
	c.syncdev = true;
	c.reliable = true;
	sim_init(&net, 2, &c, 7, 1000);
	sim_run_until(&net, 3000, 10); /* both bulk-synced, numbering */
	for (k = 0; k < 3; k++) {
		struct pfs_state s = sim_state(base, 0x100);
		const struct pfs_rx_meta m = {net.node[0].addr, true, 255};
		uint8_t pkt[32] = {3, 0, 4, 0};
		struct pfs_wbuf wb;

		T_EQ(pfs_engine_insert(net.node[0].eng, &s, net.now_ms), 0);
		pfs_engine_flush(net.node[0].eng, net.now_ms);
		T_CHECK(g_last_ext(&net, &x));
		sim_deliver(&net);
		x.kind = kinds[k];
		x.seq += 0x7fffffffu;
		pfs_wbuf_init(&wb, pkt, sizeof(pkt));
		wb.off = 20;
		pfs_ext_put(&wb, &x);
		pfs_engine_input(net.node[1].eng, pkt, wb.off, &m,
				 net.now_ms);
		for (i = 1; i <= 100; i++) {
			s = sim_state(base + i, 0x100);
			T_EQ(pfs_engine_insert(net.node[0].eng, &s,
					       net.now_ms),
			     0);
			sim_step(&net, 1);
		}
		sim_run_until(&net, net.now_ms + 3000, 10);
		T_EQ(pfs_table_count(net.node[1].table), base + 100);
		base += 101;
	}
	T_CHECK(pfs_engine_rel_stats(net.node[1].eng)[PFS_REL_FAR] >= 3);
	T_EQ(pfs_engine_rel_stats(net.node[1].eng)[PFS_REL_DUPS], 0);
	sim_fini(&net);
}

/* A heartbeat forged within the window (60000 ahead) while A is idle:
 * the gap it opens is asked of A, which answers with its real last
 * number; B stops waiting, instead of giving the gap up after 12 rounds
 * and skipping past A's next 60000 packets (dups). */
static void test_forged_near_trailer(void)
{
	struct pfs_engine_conf c;
	struct sim_net net;
	struct pfs_ext x;
	struct pfs_state s = sim_state(1, 0x100);
	const uint64_t *rs;
	unsigned i;

	pfs_engine_conf_default(&c);
	c.syncdev = true;
	c.reliable = true;
	sim_init(&net, 2, &c, 7, 1000);
	sim_run_until(&net, 3000, 10);
	rs = pfs_engine_rel_stats(net.node[1].eng);
	T_EQ(pfs_engine_insert(net.node[0].eng, &s, net.now_ms), 0);
	pfs_engine_flush(net.node[0].eng, net.now_ms);
	T_CHECK(g_last_ext(&net, &x));
	sim_deliver(&net);
	{
		const struct pfs_rx_meta m = {net.node[0].addr, true, 255};
		uint8_t pkt[32] = {3, 0, 4, 0};
		struct pfs_wbuf wb;

		x.kind = PFS_EXT_HB;
		x.seq += 60000;
		pfs_wbuf_init(&wb, pkt, sizeof(pkt));
		wb.off = 20;
		pfs_ext_put(&wb, &x);
		pfs_engine_input(net.node[1].eng, pkt, wb.off, &m,
				 net.now_ms);
	}
	sim_run_until(&net, net.now_ms + 15000, 10); /* A is idle */
	for (i = 2; i <= 101; i++) {
		s = sim_state(i, 0x100);
		T_EQ(pfs_engine_insert(net.node[0].eng, &s, net.now_ms), 0);
		sim_step(&net, 1);
	}
	sim_run_until(&net, net.now_ms + 1500, 10); /* the 1 s flush */
	T_EQ(pfs_table_count(net.node[1].table), 101);
	T_EQ(rs[PFS_REL_DUPS], 0);
	T_EQ(rs[PFS_REL_LOST], 0);
	sim_fini(&net);
}

/* A stream is tied to its first source: its epoch from another address
 * moves nothing. */
static void test_stream_tied(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	uint64_t now = 1000;
	struct pfs_engine *e = g_engine(t, 0, now);
	const uint64_t *rs = pfs_engine_rel_stats(e);

	g_in(e, PEER, NULL, 0, PFS_EXT_DATA, PEER_EPOCH, 42, 0, now);
	g_in(e, STRANGER, NULL, 0, PFS_EXT_DATA, PEER_EPOCH, 43, 0, now);
	T_EQ(rs[PFS_REL_FOREIGN], 1);
	g_in(e, PEER, NULL, 0, PFS_EXT_DATA, PEER_EPOCH, 43, 0, now);
	T_EQ(rs[PFS_REL_DUPS], 0); /* the real 43 is applied */
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* 32 fake streams, each with a gap and then 2 KB packets, hold no more
 * than the total cap (32 MB), not 32 x 32 MB. */
static void test_hold_total(void)
{
	static uint8_t big[20 + 23 * PFS_V3_UPD_LEN];
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	uint64_t now = 1000;
	struct pfs_engine *e = g_engine(t, 0, now);
	const uint64_t *rs = pfs_engine_rel_stats(e);
	size_t bl = g_upd_c(big, sizeof(big), 23), held_bytes;
	uint32_t s, n;

	for (s = 0; s < 32; s++) {
		uint32_t src = 0x0a000100u + s;

		g_in(e, src, NULL, 0, PFS_EXT_DATA, 0x5000 + s, 1, 0, now);
		for (n = 3; n < 3 + 1300; n++)
			g_in(e, src, big, bl, PFS_EXT_DATA, 0x5000 + s, n, 0,
			     now);
	}
	/* what is held is the packet without its trailer */
	held_bytes = (size_t)rs[PFS_REL_HELD] * bl;
	printf("32 streams x 1300 packets of %zu B: %zu MB held\n", bl,
	       held_bytes >> 20);
	T_CHECK(held_bytes <= (32u << 20));
	T_CHECK(rs[PFS_REL_HOLD_FULL] > 0);
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* A forged ACK from an address that is no stream frees nothing. */
static void test_ack_foreign(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	uint64_t now = 1000;
	struct pfs_engine *e = g_engine(t, 0, now);
	const uint64_t *rs = pfs_engine_rel_stats(e);

	g_in(e, PEER, NULL, 0, PFS_EXT_HB, PEER_EPOCH, 42, 0, now);
	g_fill(e, 100, now);
	g_in(e, STRANGER, NULL, 0, PFS_EXT_ACK, o.epoch, 100, 0, now);
	g_in(e, PEER, NULL, 0, PFS_EXT_NACK, o.epoch, 10, 1, now);
	T_EQ(rs[PFS_REL_RESENT], 1); /* still held */
	T_EQ(rs[PFS_REL_GONE], 0);
	T_EQ(rs[PFS_REL_ACK_REFUSED], 1);
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* A BUS END forged on another stream than the BUS START's neither ends
 * our wait nor sweeps the states of the creator it names. */
static void test_bus_other_stream(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	uint64_t now = 5000;
	struct pfs_engine *e = g_engine(t, 0, now);
	uint8_t bus[20 + PFS_V3_BUS_LEN] = {3, 0, PFS_V3_ACT_BUS, 1};
	uint32_t i;

	for (i = 1; i <= 10; i++) {
		struct pfs_state s = sim_state(i, 0x0a000002u);

		T_CHECK(pfs_table_insert(t, &s) != NULL);
	}
	pfs_engine_bulk_request(e, now);
	g_in(e, PEER, NULL, 0, PFS_EXT_HB, PEER_EPOCH, 42, 0, now);
	bus[20] = 0x0a, bus[23] = 0x02; /* creatorid 10.0.0.2 */
	bus[28] = PFS_V3_BUS_START;
	g_in(e, PEER, bus, sizeof(bus), PFS_EXT_DATA, PEER_EPOCH, 43, 0, now);
	bus[28] = PFS_V3_BUS_END;
	g_in(e, STRANGER, bus, sizeof(bus), PFS_EXT_DATA, 0x6666, 1, 0, now);
	T_EQ(pfs_table_count(t), 10);
	T_EQ(pfs_engine_rel_stats(e)[PFS_REL_SWEPT], 0);
	T_CHECK(!pfs_engine_synced(e));
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* Run e's timers until a loss is given up; the time then. */
static uint64_t g_until_lost(struct pfs_engine *e, uint64_t now)
{
	const uint64_t *rs = pfs_engine_rel_stats(e);
	uint64_t lost = rs[PFS_REL_LOST], end = now + 30000;

	while (rs[PFS_REL_LOST] == lost && now < end)
		pfs_engine_timer(e, now += 10);
	return now;
}

/* Streams forged to lose a packet each do not keep the node asking for
 * bulk updates (unsynced): one every 10 s at most, the next kept. */
static void test_resync_spaced(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	uint64_t now = 5000, t1;
	struct pfs_engine *e = g_engine(t, 0, now);
	const uint64_t *rs = pfs_engine_rel_stats(e);
	uint8_t end[20 + PFS_V3_BUS_LEN] = {3, 0, PFS_V3_ACT_BUS, 1};

	end[28] = PFS_V3_BUS_END;
	g_in(e, 0x0a000101u, NULL, 0, PFS_EXT_DATA, 0x5001, 1, 0, now);
	g_in(e, 0x0a000101u, NULL, 0, PFS_EXT_DATA, 0x5001, 3, 0, now);
	t1 = now = g_until_lost(e, now);
	T_EQ(rs[PFS_REL_RESYNCS], 1);
	g_in(e, PEER, end, sizeof(end), 0, 0, 0, 0, now); /* the bulk ends */
	T_CHECK(pfs_engine_synced(e));
	g_in(e, 0x0a000102u, NULL, 0, PFS_EXT_DATA, 0x5002, 1, 0, now);
	g_in(e, 0x0a000102u, NULL, 0, PFS_EXT_DATA, 0x5002, 3, 0, now);
	now = g_until_lost(e, now);
	T_CHECK(now < t1 + 10000);
	T_EQ(rs[PFS_REL_RESYNCS], 1); /* kept for later */
	T_CHECK(pfs_engine_synced(e));
	while (now < t1 + 10000)
		pfs_engine_timer(e, now += 10);
	T_EQ(rs[PFS_REL_RESYNCS], 2);
	T_CHECK(!pfs_engine_synced(e));
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* ---- M3: bulk requests --------------------------------------------------*/

/* One UREQ {0, 0} a second during a walk does not make it longer: the
 * same packets as one request. */
static uint64_t g_walk(unsigned every_ms)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	uint64_t now = 1000, until;
	struct pfs_engine *e = g_engine(t, 1, now);
	uint8_t ureq[64];
	size_t ul = g_ureq(ureq, sizeof(ureq), 0);
	uint64_t upds;

	g_in(e, PEER, NULL, 0, PFS_EXT_HB, PEER_EPOCH, 42, 0, now);
	g_fill(e, 3000, now);
	now += 5000;
	o.upds = 0;
	g_in(e, PEER, ureq, ul, 0, 0, 0, 0, now);
	until = now + 60000;
	while (pfs_engine_bulk_sending(e) && now < until) {
		now += 10;
		pfs_engine_timer(e, now);
		if (every_ms && now % every_ms == 0)
			g_in(e, PEER, ureq, ul, 0, 0, 0, 0, now);
	}
	upds = o.upds;
	pfs_engine_free(e);
	pfs_table_free(t);
	return upds;
}

static void test_bulk_merge(void)
{
	uint64_t one = g_walk(0), many = g_walk(1000);

	printf("bulk walk of 3000 states: %llu packets; with a UREQ {0,0} "
	       "a second: %llu\n",
	       (unsigned long long)one, (unsigned long long)many);
	T_CHECK(one > 0);
	T_CHECK(many <= one + 1);
}

/* A walk of 3000 states with a send failure reported every 100 ms: to
 * a pfsyncd peer that follows our numbered stream, no extra cycle (the
 * NACK repairs from the ring); to a BSD peer (no trailer heard), each
 * failure adds one (up to the retries). */
static uint64_t g_walk_lost(bool pfsyncd, uint64_t *resends)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	uint64_t now = 1000, until, upds;
	struct pfs_engine *e = g_engine(t, 1, now);
	uint8_t ureq[64];
	size_t ul = g_ureq(ureq, sizeof(ureq), 0);

	if (pfsyncd)
		g_in(e, PEER, NULL, 0, PFS_EXT_HB, PEER_EPOCH, 42, 0, now);
	g_fill(e, 3000, now);
	now += 5000;
	o.upds = 0;
	*resends = 0;
	if (pfsyncd) /* its request is numbered, as pfsyncd's are */
		g_in(e, PEER, ureq, ul, PFS_EXT_DATA, PEER_EPOCH, 43, 0, now);
	else
		g_in(e, PEER, ureq, ul, 0, 0, 0, 0, now);
	until = now + 120000;
	while (pfs_engine_bulk_sending(e) && now < until) {
		now += 10;
		pfs_engine_timer(e, now);
		if (now % 100 == 0 && pfs_engine_bulk_send_lost(e, now))
			(*resends)++;
	}
	upds = o.upds;
	pfs_engine_free(e);
	pfs_table_free(t);
	return upds;
}

static void test_bulk_send_lost_numbered(void)
{
	uint64_t rs_p, rs_b, one = g_walk(0), p = g_walk_lost(true, &rs_p),
			     b = g_walk_lost(false, &rs_b);

	printf("bulk walk of 3000 states with send failures: %llu packets "
	       "to a pfsyncd peer (%llu cycles added), %llu to a BSD peer "
	       "(%llu cycles added); %llu without failures\n",
	       (unsigned long long)p, (unsigned long long)rs_p,
	       (unsigned long long)b, (unsigned long long)rs_b,
	       (unsigned long long)one);
	T_EQ(rs_p, 0);
	T_CHECK(p <= one + 1);
	T_CHECK(rs_b > 0);
	T_CHECK(b > one);
}

/* A walk of 30 000 states (5000 packets) at 64 packets a 10 ms tick to
 * a pfsyncd peer that reads `rate` packets a tick (0: never
 * acknowledges) and acknowledges what it read after each.  The most
 * packets ever sent ahead of its ACK, the walk's length in ms. */
static uint32_t g_window(unsigned rate, uint64_t *ms, uint64_t *waits,
			 bool other)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	uint64_t now = 1000, t0, until;
	struct pfs_engine *e = g_engine(t, 64, now);
	uint8_t ureq[64];
	size_t ul = g_ureq(ureq, sizeof(ureq), 0);
	uint32_t read, ahead = 0;

	g_in(e, PEER, NULL, 0, PFS_EXT_HB, PEER_EPOCH, 42, 0, now);
	g_fill(e, 30000, now);
	now += 5000;
	if (other) /* a pfsyncd peer that follows us but never ACKs */
		g_in(e, PEER + 1, NULL, 0, PFS_EXT_HB, PEER_EPOCH + 1, 7, 0,
		     now);
	g_in(e, PEER, ureq, ul, 0, 0, 0, 0, now);
	read = o.seq;
	if (rate != 0) /* what came before the walk was read */
		g_in(e, PEER, NULL, 0, PFS_EXT_ACK, o.epoch, read, 0, now);
	t0 = now;
	until = now + 600000;
	while (pfs_engine_bulk_sending(e) && now < until) {
		now += 10;
		pfs_engine_timer(e, now);
		if (o.seq - read > ahead)
			ahead = o.seq - read;
		if (rate == 0)
			continue;
		read = o.seq - read > rate ? read + rate : o.seq;
		g_in(e, PEER, NULL, 0, PFS_EXT_ACK, o.epoch, read, 0, now);
	}
	*ms = now - t0;
	*waits = pfs_engine_rel_stats(e)[PFS_REL_BULK_WAITED];
	T_CHECK(!pfs_engine_bulk_sending(e));
	pfs_engine_free(e);
	pfs_table_free(t);
	return ahead;
}

/* The walk runs at most its window (2048 packets) ahead of a pfsyncd
 * reader's ACKs: a slow reader gets it at its pace, a fast one at the
 * configured pace, one that never acknowledges after one stall. */
static void test_bulk_window(void)
{
	uint64_t ms_fast, ms_slow, ms_none, ms_other, w_fast, w_slow, w_none,
	    w_other;
	uint32_t fast = g_window(1000, &ms_fast, &w_fast, false);
	uint32_t slow = g_window(16, &ms_slow, &w_slow, false);
	uint32_t none = g_window(0, &ms_none, &w_none, false);
	uint32_t other = g_window(1000, &ms_other, &w_other, true);

	printf("bulk window: reader of 1000/tick: %u ahead, %llu ms, %llu "
	       "waits; of 16/tick: %u ahead, %llu ms, %llu waits; never "
	       "acknowledging: %u ahead, %llu ms, %llu waits\n",
	       fast, (unsigned long long)ms_fast, (unsigned long long)w_fast,
	       slow, (unsigned long long)ms_slow, (unsigned long long)w_slow,
	       none, (unsigned long long)ms_none, (unsigned long long)w_none);
	T_EQ(w_fast, 0);
	T_CHECK(ms_fast < 1000); /* 5000 packets at 64 a tick: ~80 ticks */
	T_CHECK(slow <= 2048 + 1);
	T_CHECK(ms_slow >= 10 * (5000 - 2048) / 16); /* the reader's pace */
	T_EQ(w_none, 1);	/* one stall, then the pace alone */
	T_CHECK(ms_none < 3000);
	/* a peer that did not ask does not hold the walk back */
	T_EQ(w_other, 0);
	T_CHECK(ms_other < 1000);
	T_CHECK(other <= 2048 + 1);
}

/* A bulk request from 0.0.0.0 starts no walk. */
static void test_bulk_unknown(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	uint64_t now = 1000;
	struct pfs_engine *e = g_engine(t, 1, now);
	uint8_t ureq[64];
	size_t ul = g_ureq(ureq, sizeof(ureq), 0);

	g_fill(e, 10, now);
	g_in(e, 0, ureq, ul, 0, 0, 0, 0, now + 5000);
	T_CHECK(!pfs_engine_bulk_sending(e));
	T_EQ(pfs_engine_rel_stats(e)[PFS_REL_REPLY_REFUSED], 1);
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* ---- L6: UPD_REQ and UREQ answers ---------------------------------------*/

/* A peer asking for 100 known states 20 times a second: what goes out
 * stays within what came in (plus a small allowance); from 0.0.0.0
 * nothing. */
static void g_updreq(uint32_t src, uint64_t *in, uint64_t *out)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	uint64_t now = 1000;
	struct pfs_engine *e = g_engine(t, 0, now);
	uint8_t ureq[20 + 100 * PFS_V3_UREQ_LEN];
	size_t ul = g_ureq(ureq, sizeof(ureq), 100);
	unsigned i;

	g_fill(e, 200, now);
	now += 5000;
	*in = 0;
	o.bytes = 0;
	for (i = 0; i < 20; i++)
		*in += g_in(e, src, ureq, ul, 0, 0, 0, 0, now + 50 * i);
	*out = o.bytes;
	pfs_engine_free(e);
	pfs_table_free(t);
}

static void test_updreq_bounded(void)
{
	uint64_t in, out;

	g_updreq(PEER, &in, &out);
	printf("UPD_REQ x100 ids, 20 a second, from a peer: %llu B in, "
	       "%llu B out (%.2f)\n",
	       (unsigned long long)in, (unsigned long long)out,
	       (double)out / (double)in);
	T_CHECK(out <= in + 4096);
	g_updreq(0, &in, &out);
	printf("the same from 0.0.0.0: %llu B in, %llu B out\n",
	       (unsigned long long)in, (unsigned long long)out);
	T_EQ(out, 0);
}

/* A UPD_C of unknown ids from 0.0.0.0 gets no UREQ; from a peer it does,
 * unicast to it. */
static void test_upd_c_unknown(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	uint64_t now = 1000;
	struct pfs_engine *e = g_engine(t, 0, now);
	uint8_t pkt[20 + 18 * PFS_V3_UPD_LEN];
	size_t pl = g_upd_c(pkt, sizeof(pkt), 18);

	g_in(e, 0, pkt, pl, 0, 0, 0, 0, now);
	T_EQ(o.ureqs, 0);
	/* a source's first packet gets nothing (a forged one-shot source) */
	g_in(e, PEER, pkt, pl, 0, 0, 0, 0, now);
	T_EQ(o.ureqs, 0);
	g_in(e, PEER, pkt, pl, 0, 0, 0, 0, now);
	T_EQ(o.ureqs, 18);
	T_CHECK(o.to_peer > 0);
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* ---- figures: bytes out per byte in ------------------------------------*/

enum g_msg { G_NACK, G_BULK, G_UPDREQ, G_UPDC, G_HB, G_NMSG };

static const char *const g_msg_name[G_NMSG] = {
    "NACK {seq 1, 65535}, 100 in 1 s",
    "UREQ {0,0} (bulk), 1 a second, 10 s",
    "UPD_REQ of 100 ids, 20 in 1 s",
    "UPD_C of 18 unknown ids, 20 in 1 s",
    "HB of a new stream, +1000, 20 in 1 s",
};

/* One kind of message from src to a node of 3000 states (sent, so our
 * ring is full of them) that follows PEER's stream: bytes in, and out
 * beyond what the node sends anyway (its heartbeats); quiet: nothing
 * is sent to it (that baseline). */
static void g_amp(enum g_msg k, uint32_t src, bool quiet, uint64_t *in,
		  uint64_t *out)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	uint64_t now = 1000, end;
	struct pfs_engine *e = g_engine(t, 8, now);
	static uint8_t buf[20 + 100 * PFS_V3_UREQ_LEN];
	size_t bl = 0;
	unsigned i;

	g_in(e, PEER, NULL, 0, PFS_EXT_HB, PEER_EPOCH, 42, 0, now);
	g_fill(e, 3000, now);
	now += 5000;
	if (k == G_BULK)
		bl = g_ureq(buf, sizeof(buf), 0);
	else if (k == G_UPDREQ)
		bl = g_ureq(buf, sizeof(buf), 100);
	else if (k == G_UPDC)
		bl = g_upd_c(buf, sizeof(buf), 18);
	*in = 0;
	o.bytes = 0;
	end = now + (k == G_BULK ? 60000 : 1000);
	for (i = 0; now < end; i++, now += 10) {
		bool send = k == G_BULK ? i % 100 == 0 && i < 1000
					: i % (k == G_NACK ? 1 : 5) == 0 &&
						  i < 100;

		pfs_engine_timer(e, now);
		if (!send || quiet)
			continue;
		if (k == G_NACK)
			*in += g_in(e, src, NULL, 0, PFS_EXT_NACK, o.epoch, 1,
				    0xffff, now);
		else if (k == G_HB)
			*in += g_in(e, src, NULL, 0, PFS_EXT_HB, 0x7000,
				    i == 0 ? 1 : 1001 + i, 0, now);
		else
			*in += g_in(e, src, buf, bl, 0, 0, 0, 0, now);
	}
	*out = o.bytes;
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* Figures for the closing note, not assertions (but: nothing to 0.0.0.0,
 * nothing for a stranger's NACK). */
static void test_amplification(void)
{
	static const struct {
		uint32_t src;
		const char *name;
	} from[3] = {{0, "0.0.0.0"},
		     {STRANGER, "on-link stranger"},
		     {PEER, "peer (its stream followed)"}};
	uint64_t in, out, base;
	int k, f;

	printf("amplification, bytes out per byte in (node of 3000 states, "
	       "bulk-pace 8):\n");
	for (k = 0; k < G_NMSG; k++) {
		g_amp((enum g_msg)k, PEER, true, &in, &base);
		for (f = 0; f < 3; f++) {
			g_amp((enum g_msg)k, from[f].src, false, &in, &out);
			out -= base;
			printf("  %-38s from %-27s %7llu B in %9llu B out "
			       "%8.2f\n",
			       g_msg_name[k], from[f].name,
			       (unsigned long long)in,
			       (unsigned long long)out,
			       in ? (double)out / (double)in : 0.0);
			if (f == 0)
				T_EQ(out, 0);
			if (k == G_NACK && f == 1)
				T_EQ(out, 0);
		}
	}
}

int main(void)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	T_RUN(test_nack_foreign);
	T_RUN(test_nack_capped);
	T_RUN(test_nack_pace_floor);
	T_RUN(test_forged_far_trailer);
	T_RUN(test_forged_near_trailer);
	T_RUN(test_stream_tied);
	T_RUN(test_hold_total);
	T_RUN(test_ack_foreign);
	T_RUN(test_bus_other_stream);
	T_RUN(test_resync_spaced);
	T_RUN(test_bulk_merge);
	T_RUN(test_bulk_send_lost_numbered);
	T_RUN(test_bulk_window);
	T_RUN(test_bulk_unknown);
	T_RUN(test_updreq_bounded);
	T_RUN(test_upd_c_unknown);
	T_RUN(test_amplification);
	return t_done();
}
