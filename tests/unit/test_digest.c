/*
 * test_digest.c - anti-entropy (issue 16 item 4): the digest sums
 * (digest.h), the section codec from bytes written by hand from its
 * layout (wire_dig.h), and engines on the simulated wire repairing a
 * replica: states it lost come back, states the creator no longer has
 * go, loss without `reliable` ends in equal tables, a digest about a
 * third node's states is never acted on, re-read unconfirmed states are
 * confirmed by the creator's listing (no kernel write) or swept.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/buf.h"
#include "pfsync/digest.h"
#include "pfsync/engine.h"
#include "pfsync/engine_dig.h"
#include "pfsync/table.h"
#include "pfsync/wire_dig.h"
#include "pfsync/wire_v3.h"
#include "sim.h"
#include "t.h"

#define T0 1700000000000ULL

static void test_sums_order_free(void)
{
	struct pfs_digest *a = pfs_digest_new(), *b = pfs_digest_new();
	struct pfs_state s[50];
	const struct pfs_dig_sums *sa, *sb;
	uint16_t idx[PFS_DIG_BUCKETS];
	int i;

	for (i = 0; i < 50; i++)
		s[i] = sim_state(1000 + (uint64_t)i, 7);
	for (i = 0; i < 50; i++)
		T_EQ(pfs_digest_add(a, &s[i]), 0);
	for (i = 49; i >= 0; i--)
		T_EQ(pfs_digest_add(b, &s[i]), 0);
	sa = pfs_digest_get(a, 7);
	sb = pfs_digest_get(b, 7);
	T_CHECK(sa != NULL && sb != NULL);
	T_EQ(sa->total, 50);
	T_EQ(pfs_dig_compare(sa, 0, sb->b, PFS_DIG_BUCKETS, idx), 0);
	/* one state less: exactly its bucket differs */
	pfs_digest_sub(b, &s[17]);
	T_EQ(pfs_dig_compare(sa, 0, sb->b, PFS_DIG_BUCKETS, idx), 1);
	T_EQ(idx[0], pfs_dig_bucket_of(s[17].id, 7));
	/* and back */
	T_EQ(pfs_digest_add(b, &s[17]), 0);
	T_EQ(pfs_dig_compare(sa, 0, sb->b, PFS_DIG_BUCKETS, idx), 0);
	/* a creator's last state gone: no sums */
	for (i = 0; i < 50; i++)
		pfs_digest_sub(a, &s[i]);
	T_CHECK(pfs_digest_get(a, 7) == NULL);
	T_EQ(pfs_digest_total(a), 0);
	/* held nothing: every nonempty bucket of b differs */
	T_CHECK(pfs_dig_compare(NULL, 0, sb->b, PFS_DIG_BUCKETS, idx) > 0);
	pfs_digest_free(a);
	pfs_digest_free(b);
}

/*
 * A SUM of two buckets, by hand:
 *   F8 01 0030   magic, version, 48 bytes
 *   01 01 0002   SUM, last of its round, 2 entries
 *   0000aaaa     creator
 *   00000007     round 7
 *   00000003     3 states
 *   0010 0400    first bucket 16, 1024 buckets
 *   00000001 0102030405060708
 *   00000002 1112131415161718
 */
static const uint8_t sum_sect[48] = {
    0xf8, 0x01, 0x00, 0x30, 0x01, 0x01, 0x00, 0x02, 0x00, 0x00, 0xaa, 0xaa,
    0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x03, 0x00, 0x10, 0x04, 0x00,
    0x00, 0x00, 0x00, 0x01, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
    0x00, 0x00, 0x00, 0x02, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18,
};

/*
 * A LIST of one IPv4 entry, last of its answer, 1 entry in all:
 *   F8 01 0031   49 bytes
 *   03 01 0001   LIST, last, 1 entry
 *   0000aaaa 00000009 00000001 0000 0400
 *   0000000100000002   id
 *   02 06 02 0000      AF_INET, TCP, OUT, zone 0
 *   0a000001 9c41      lan 10.0.0.1:40001
 *   c0000201 0050      ext 192.0.2.1:80
 */
static const uint8_t list_sect[49] = {
    0xf8, 0x01, 0x00, 0x31, 0x03, 0x01, 0x00, 0x01, 0x00, 0x00,
    0xaa, 0xaa, 0x00, 0x00, 0x00, 0x09, 0x00, 0x00, 0x00, 0x01,
    0x00, 0x00, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x02, 0x02, 0x06, 0x02, 0x00, 0x00, 0x0a, 0x00, 0x00,
    0x01, 0x9c, 0x41, 0xc0, 0x00, 0x02, 0x01, 0x00, 0x50,
};

static struct pfs_dig_bucket g_sum[PFS_DIG_ENT_MAX];
static uint16_t g_ask[PFS_DIG_ENT_MAX];
static struct pfs_dig_ent g_list[PFS_DIG_ENT_MAX];
static uint64_t g_fetch[PFS_DIG_ENT_MAX];

static void msg_init(struct pfs_dig_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->sum = g_sum;
	m->ask = g_ask;
	m->list = g_list;
	m->fetch = g_fetch;
}

static void test_wire_golden(void)
{
	uint8_t pkt[128], out[128];
	struct pfs_dig_msg m;
	struct pfs_dig_hdr h;
	struct pfs_dig_ent ent;
	struct pfs_wbuf wb;
	size_t start;

	msg_init(&m);
	T_EQ(pfs_dig_get(sum_sect, sizeof(sum_sect), 0, &m), 1);
	T_EQ(m.span, 48);
	T_EQ(m.h.kind, PFS_DIG_SUM);
	T_EQ(m.h.flags, PFS_DIG_F_LAST);
	T_EQ(m.h.creatorid, 0xaaaa);
	T_EQ(m.h.tag, 7);
	T_EQ(m.h.total, 3);
	T_EQ(m.h.first, 16);
	T_EQ(m.h.buckets, 1024);
	T_EQ(m.sum[1].count, 2);
	T_CHECK(m.sum[1].sum == 0x1112131415161718ULL);
	/* encoded again: the same bytes */
	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_dig_put_hdr(&wb, &m.h);
	pfs_dig_put_sum(&wb, &m.sum[0]);
	pfs_dig_put_sum(&wb, &m.sum[1]);
	pfs_dig_end(&wb, 0, 2);
	T_EQ(wb.off, 48);
	T_MEMEQ(out, sum_sect, 48);

	msg_init(&m);
	T_EQ(pfs_dig_get(list_sect, sizeof(list_sect), 0, &m), 1);
	T_EQ(m.h.kind, PFS_DIG_LIST);
	T_EQ(m.h.total, 1);
	T_CHECK(m.list[0].id == 0x0000000100000002ULL);
	T_EQ(m.list[0].key.af, AF_INET);
	T_EQ(m.list[0].key.lan.port, 40001);
	T_EQ(m.list[0].key.ext.addr.a[0], 192);
	T_EQ(m.list[0].key.ext.port, 80);
	memset(&h, 0, sizeof(h));
	h.kind = PFS_DIG_LIST;
	h.flags = PFS_DIG_F_LAST;
	h.creatorid = 0xaaaa;
	h.tag = 9;
	h.total = 1;
	h.buckets = 1024;
	ent = m.list[0];
	pfs_wbuf_init(&wb, out, sizeof(out));
	start = wb.off;
	pfs_dig_put_hdr(&wb, &h);
	pfs_dig_put_ent(&wb, &ent);
	pfs_dig_end(&wb, start, 1);
	T_EQ(wb.off, 49);
	T_MEMEQ(out, list_sect, 49);

	/* after a v3 header, with a trailer's 12 bytes after it */
	memset(pkt, 0, sizeof(pkt));
	memcpy(pkt + 20, sum_sect, 48);
	msg_init(&m);
	T_EQ(pfs_dig_get(pkt, 20 + 48 + 12, 20, &m), 1);
	/* 5 bytes after it: not a section */
	T_EQ(pfs_dig_get(pkt, 20 + 48 + 5, 20, &m), 0);
	/* other magic or version: not one */
	pkt[20] = 0xf6;
	T_EQ(pfs_dig_get(pkt, 20 + 48, 20, &m), 0);
	pkt[20] = 0xf8;
	pkt[21] = 2;
	T_EQ(pfs_dig_get(pkt, 20 + 48, 20, &m), 0);
	pkt[21] = 1;
	/* n says 3 where 2 fit: invalid */
	pkt[20 + 7] = 3;
	T_EQ(pfs_dig_get(pkt, 20 + 48, 20, &m), -1);
	pkt[20 + 7] = 2;
	/* unknown kind: invalid */
	pkt[20 + 4] = 9;
	T_EQ(pfs_dig_get(pkt, 20 + 48, 20, &m), -1);
	/* a length past the packet: not one */
	memcpy(pkt + 20, sum_sect, 48);
	pkt[20 + 3] = 0x40;
	T_EQ(pfs_dig_get(pkt, 20 + 48, 20, &m), 0);
	/* detection only */
	memcpy(pkt + 20, sum_sect, 48);
	T_EQ(pfs_dig_get(pkt, 20 + 48, 20, NULL), 1);
}

/* ---- engines on the simulated wire --------------------------------------*/

static void conf_dig(struct pfs_engine_conf *c, bool reliable)
{
	pfs_engine_conf_default(c);
	c->syncdev = true;
	c->reliable = reliable;
	c->digest_ms = 2000;
	c->flush_ms = 10;
	c->bulk_tick_ms = 1;
	c->bulk_pkts = 8;
}

static size_t count_of(struct sim_node *n, uint32_t creator)
{
	struct pfs_state *s;
	size_t cur = 0, k = 0;

	while ((s = pfs_table_next(n->table, &cur)) != NULL)
		if (s->creatorid == creator)
			k++;
	return k;
}

/* every state of `creator` on a is on b and back */
static bool same_of(struct sim_node *a, struct sim_node *b, uint32_t creator)
{
	struct pfs_state *s;
	size_t cur = 0;

	while ((s = pfs_table_next(a->table, &cur)) != NULL)
		if (s->creatorid == creator &&
		    !pfs_table_find_id(b->table, s->id, creator))
			return false;
	return count_of(a, creator) == count_of(b, creator);
}

static void fill(struct sim_net *net, int who, unsigned n, uint64_t base)
{
	struct sim_node *a = &net->node[who];
	uint32_t h = pfs_engine_conf(a->eng)->hostid;
	struct pfs_state s;
	unsigned i;

	for (i = 0; i < n; i++) {
		s = sim_state(base + i, h);
		s.creation = (uint32_t)(net->now_ms / 1000) - 100;
		s.expire = (uint32_t)(net->now_ms / 1000) + 86400;
		T_EQ(pfs_engine_insert(a->eng, &s, net->now_ms), 0);
	}
}

static void run_s(struct sim_net *net, unsigned s)
{
	sim_run_until(net, net->now_ms + s * 1000ULL, 20);
}

static void test_repair_lost(bool reliable)
{
	struct pfs_engine_conf c;
	struct sim_net net;
	struct sim_node *a, *b;
	const uint64_t *st;
	uint32_t ha;
	unsigned i;

	conf_dig(&c, reliable);
	sim_init(&net, 2, &c, 5, T0);
	a = &net.node[0];
	b = &net.node[1];
	ha = pfs_engine_conf(a->eng)->hostid;
	fill(&net, 0, 300, 1000);
	run_s(&net, 5);
	T_CHECK(same_of(a, b, ha));
	/* conntrack -D behind the daemon's back on b: silent deletes */
	for (i = 0; i < 300; i += 7)
		T_EQ(pfs_engine_delete(b->eng, 1000 + i, ha, net.now_ms), 0);
	T_CHECK(!same_of(a, b, ha));
	run_s(&net, 10);
	T_CHECK(same_of(a, b, ha));
	st = pfs_engine_dig_stats(b->eng);
	T_CHECK(st != NULL);
	T_CHECK(st[PFS_DIG_RECEIVED] > 0);
	T_CHECK(st[PFS_DIG_ASKS] > 0);
	T_EQ(st[PFS_DIG_STATES], 43);
	T_CHECK(st[PFS_DIG_RANGES] > 0);
	T_EQ(st[PFS_DIG_DELETED], 0);
	T_CHECK(pfs_engine_dig_stats(a->eng)[PFS_DIG_ANSWERED] > 0);
	sim_fini(&net);
}

static void test_repair_lost_unreliable(void)
{
	test_repair_lost(false);
}

static void test_repair_lost_reliable(void)
{
	test_repair_lost(true);
}

/* b holds a state of a's that a no longer has (a lost delete): it goes,
 * and a does not take it back. */
static void test_repair_ghost(void)
{
	struct pfs_engine_conf c;
	struct sim_net net;
	struct sim_node *a, *b;
	struct pfs_state g;
	uint32_t ha;

	conf_dig(&c, false);
	sim_init(&net, 2, &c, 9, T0);
	a = &net.node[0];
	b = &net.node[1];
	ha = pfs_engine_conf(a->eng)->hostid;
	fill(&net, 0, 50, 1000);
	run_s(&net, 3);
	g = sim_state(5000, ha);
	g.creation = (uint32_t)(net.now_ms / 1000) - 50;
	g.expire = g.creation + 86400;
	T_CHECK(pfs_table_insert(b->table, &g) != NULL); /* behind its back */
	T_EQ(count_of(b, ha), 51);
	run_s(&net, 10);
	T_EQ(count_of(b, ha), 50);
	T_CHECK(pfs_table_find_id(a->table, 5000, ha) == NULL);
	T_CHECK(same_of(a, b, ha));
	T_EQ(pfs_engine_dig_stats(b->eng)[PFS_DIG_DELETED], 1);
	sim_fini(&net);
}

/* Loss on the link without reliable: equal within 10 s once it stops,
 * with no bulk. */
static void test_loss_converges(void)
{
	struct pfs_engine_conf c;
	struct sim_net net;
	struct sim_node *a, *b;
	uint32_t ha;
	unsigned i;

	conf_dig(&c, false);
	sim_init(&net, 2, &c, 77, T0);
	a = &net.node[0];
	b = &net.node[1];
	ha = pfs_engine_conf(a->eng)->hostid;
	fill(&net, 0, 100, 1000);
	run_s(&net, 3);
	net.p_drop = 0.3;
	for (i = 0; i < 40; i++) {
		fill(&net, 0, 10, 20000 + i * 10);
		(void)pfs_engine_delete(a->eng, 1000 + i, ha, net.now_ms);
		sim_step(&net, 100);
	}
	net.p_drop = 0;
	T_CHECK(!same_of(a, b, ha));
	run_s(&net, 10);
	T_CHECK(same_of(a, b, ha));
	T_EQ(count_of(b, ha), 100 + 400 - 40);
	T_EQ(pfs_engine_bulk_tries(b->eng), 0);
	sim_fini(&net);
}

/* A digest naming a third node's (or our own) states changes nothing. */
static void test_third_party_ignored(void)
{
	struct pfs_engine_conf c;
	struct sim_net net;
	struct sim_node *a, *b;
	uint8_t pkt[20 + 48];
	struct pfs_rx_meta m = {.src = 0x0a0000ee, .on_syncdev = true,
				.ttl = PFS_V3_TTL};
	uint32_t ha;
	uint64_t before;

	conf_dig(&c, false);
	sim_init(&net, 2, &c, 3, T0);
	a = &net.node[0];
	b = &net.node[1];
	ha = pfs_engine_conf(a->eng)->hostid;
	fill(&net, 0, 20, 1000);
	run_s(&net, 3);
	/* a SUM about creator ha (empty buckets) from another address */
	memset(pkt, 0, sizeof(pkt));
	pkt[0] = 3;
	pkt[2] = PFS_V3_ACT_UPD_C;
	memcpy(pkt + 20, sum_sect, 48);
	pkt[20 + 8] = (uint8_t)(ha >> 24);
	pkt[20 + 9] = (uint8_t)(ha >> 16);
	pkt[20 + 10] = (uint8_t)(ha >> 8);
	pkt[20 + 11] = (uint8_t)ha;
	before = pfs_engine_dig_stats(b->eng)[PFS_DIG_FOREIGN];
	pfs_engine_input(b->eng, pkt, sizeof(pkt), &m, net.now_ms);
	pfs_engine_input(b->eng, pkt, sizeof(pkt), &m, net.now_ms);
	T_EQ(pfs_engine_dig_stats(b->eng)[PFS_DIG_FOREIGN], before + 2);
	/* one about b's own states from a peer: ignored too */
	m.src = a->addr;
	pkt[20 + 10] = 0x01;
	pkt[20 + 11] = 0x01;
	pfs_engine_input(b->eng, pkt, sizeof(pkt), &m, net.now_ms);
	T_EQ(pfs_engine_dig_stats(b->eng)[PFS_DIG_FOREIGN], before + 3);
	run_s(&net, 6);
	T_CHECK(same_of(a, b, ha));
	T_EQ(pfs_engine_dig_stats(b->eng)[PFS_DIG_DELETED], 0);
	sim_fini(&net);
}

/* Three nodes, each creating states: c loses some of a's and holds a
 * ghost of b's; each creator repairs only its own, the third node's
 * tables stay as they are. */
static void test_three_creators(void)
{
	struct pfs_engine_conf c;
	struct sim_net net;
	struct sim_node *a, *b, *x;
	struct pfs_state g;
	uint32_t ha, hb, hx;
	unsigned i;

	conf_dig(&c, true);
	sim_init(&net, 3, &c, 21, T0);
	a = &net.node[0];
	b = &net.node[1];
	x = &net.node[2];
	ha = pfs_engine_conf(a->eng)->hostid;
	hb = pfs_engine_conf(b->eng)->hostid;
	hx = pfs_engine_conf(x->eng)->hostid;
	fill(&net, 0, 100, 1000);
	fill(&net, 1, 100, 3000);
	fill(&net, 2, 100, 5000);
	run_s(&net, 3);
	for (i = 0; i < 100; i += 10)
		T_EQ(pfs_engine_delete(x->eng, 1000 + i, ha, net.now_ms), 0);
	g = sim_state(9000, hb);
	g.creation = (uint32_t)(net.now_ms / 1000) - 50;
	g.expire = g.creation + 86400;
	T_CHECK(pfs_table_insert(x->table, &g) != NULL);
	run_s(&net, 10);
	T_CHECK(same_of(a, x, ha));
	T_CHECK(same_of(b, x, hb));
	T_CHECK(same_of(x, a, hx) && same_of(x, b, hx));
	T_CHECK(same_of(a, b, ha) && same_of(b, a, hb));
	T_EQ(pfs_engine_dig_stats(x->eng)[PFS_DIG_STATES], 10);
	T_EQ(pfs_engine_dig_stats(x->eng)[PFS_DIG_DELETED], 1);
	T_EQ(pfs_engine_dig_stats(a->eng)[PFS_DIG_DELETED], 0);
	T_EQ(pfs_engine_dig_stats(b->eng)[PFS_DIG_DELETED], 0);
	T_CHECK(pfs_table_find_id(b->table, 9000, hb) == NULL);
	sim_fini(&net);
}

/* ---- a restart with the table kept: confirm, not a bulk ------------------*/

static unsigned g_applied;

static void cnt_applied(void *ctx, enum pfs_op op, const struct pfs_state *st)
{
	(void)ctx;
	(void)op;
	(void)st;
	g_applied++;
}

static bool adopt_prov(void *ctx, const struct pfs_state *local,
		       const struct pfs_state *peer)
{
	(void)ctx;
	(void)peer;
	return (local->local_flags & PFS_LF_PROVISIONAL) != 0;
}

/* b restarts holding a's states re-read, unconfirmed, under its own ids,
 * plus one a no longer has: the digest confirms the 200, sweeps the
 * stray, writes nothing (applied only for the sweep) and asks no bulk. */
static void test_restart_confirms(void)
{
	struct pfs_engine_ops ops = {.output = sim_output,
				     .applied = cnt_applied,
				     .adopt = adopt_prov};
	struct pfs_engine_conf c;
	struct sim_net net;
	struct sim_node *a, *b;
	struct pfs_state s, *p;
	size_t cur = 0;
	uint32_t ha, hb;
	unsigned i;

	conf_dig(&c, true);
	sim_init(&net, 2, &c, 11, T0);
	a = &net.node[0];
	b = &net.node[1];
	ha = pfs_engine_conf(a->eng)->hostid;
	hb = pfs_engine_conf(b->eng)->hostid;
	fill(&net, 0, 200, 1000);
	run_s(&net, 3);
	/* b's daemon restarts: a new engine, the table re-read */
	pfs_engine_free(b->eng);
	pfs_table_free(b->table);
	b->table = pfs_table_new(0, T_HASHKEY);
	for (i = 0; i <= 200; i++) {
		s = sim_state(1000 + i, ha);
		s.id = 0x77000000ULL + i;
		s.creatorid = hb;
		s.creation = (uint32_t)(net.now_ms / 1000) - 60;
		s.expire = s.creation + 86400;
		s.local_flags = PFS_LF_PROVISIONAL | PFS_LF_UNCONFIRMED;
		s.sync_flags = PFS_SF_NOSYNC;
		T_CHECK(pfs_table_insert(b->table, &s) != NULL);
	}
	c.hostid = hb;
	b->eng = pfs_engine_new(&c, b->table, &ops, b, net.now_ms);
	T_CHECK(b->eng != NULL);
	g_applied = 0;
	T_EQ(pfs_engine_digest_sync(b->eng, net.now_ms), 0);
	T_CHECK(!pfs_engine_synced(b->eng));
	run_s(&net, 12);
	T_CHECK(pfs_engine_synced(b->eng));
	T_CHECK(same_of(a, b, ha));
	T_EQ(pfs_table_count(b->table), 200);
	T_EQ(pfs_engine_dig_stats(b->eng)[PFS_DIG_CONFIRMED], 200);
	T_EQ(pfs_engine_dig_stats(b->eng)[PFS_DIG_SWEPT], 1);
	T_EQ(g_applied, 1); /* the sweep's delete; nothing written */
	T_EQ(pfs_engine_bulk_tries(b->eng), 0);
	T_EQ(pfs_engine_stats(a->eng)[PFS_STAT_OPACKETS] > 0, 1);
	while ((p = pfs_table_next(b->table, &cur)) != NULL)
		T_CHECK(p->local_flags == 0 && p->sync_flags == 0);
	sim_fini(&net);
}

/* No digest comes (no pfsyncd peer): the restart falls back to a bulk. */
static void test_restart_fallback(void)
{
	struct pfs_engine_conf c;
	struct sim_net net;
	struct sim_node *b;

	conf_dig(&c, false);
	sim_init(&net, 1, &c, 1, T0);
	b = &net.node[0];
	T_EQ(pfs_engine_digest_sync(b->eng, net.now_ms), 0);
	T_CHECK(!pfs_engine_synced(b->eng));
	run_s(&net, 6);
	/* a bulk request went out; with nobody there it gives up later */
	T_CHECK(pfs_engine_stats(b->eng)[PFS_STAT_OPACKETS] > 0);
	sim_fini(&net);
}

/* b restarts empty and asks a's bulk, which takes several digest rounds:
 * the rounds differ, but b asks no repair while it holds less than half
 * of a's states (the bulk brings them), and no state is deleted: a state
 * the bulk brings while a repair's answer is read was listed. */
static void test_bulk_no_repair(void)
{
	struct pfs_engine_ops ops = {.output = sim_output};
	struct pfs_engine_conf c;
	struct sim_net net;
	struct sim_node *a, *b;
	const uint64_t *st;
	uint32_t ha;

	conf_dig(&c, false);
	c.bulk_pkts = 1;
	c.bulk_tick_ms = 20;
	sim_init(&net, 2, &c, 21, T0);
	a = &net.node[0];
	b = &net.node[1];
	ha = pfs_engine_conf(a->eng)->hostid;
	fill(&net, 0, 3000, 1000);
	run_s(&net, 3);
	T_CHECK(same_of(a, b, ha));
	/* b's daemon restarts with an empty table */
	c.hostid = pfs_engine_conf(b->eng)->hostid;
	pfs_engine_free(b->eng);
	pfs_table_free(b->table);
	b->table = pfs_table_new(0, T_HASHKEY);
	b->eng = pfs_engine_new(&c, b->table, &ops, b, net.now_ms);
	T_CHECK(b->eng != NULL);
	pfs_engine_bulk_request(b->eng, net.now_ms);
	run_s(&net, 4); /* two rounds at least, under half of the bulk */
	st = pfs_engine_dig_stats(b->eng);
	T_CHECK(!pfs_engine_synced(b->eng));
	T_CHECK(count_of(b, ha) < 1500);
	T_CHECK(st[PFS_DIG_RECEIVED] > 0);
	T_EQ(st[PFS_DIG_ASKS], 0);
	run_s(&net, 30);
	T_CHECK(pfs_engine_synced(b->eng));
	T_CHECK(same_of(a, b, ha));
	T_EQ(st[PFS_DIG_DELETED], 0);
	sim_fini(&net);
}

/* Half of a large table lost behind b's back: the answers span several
 * packets and the fetched states come back while an answer is still read;
 * none of them is deleted when the answer ends (they were listed). */
static void test_repair_many(void)
{
	struct pfs_engine_conf c;
	struct sim_net net;
	struct sim_node *a, *b;
	uint32_t ha;
	unsigned i;

	conf_dig(&c, false);
	sim_init(&net, 2, &c, 31, T0);
	a = &net.node[0];
	b = &net.node[1];
	ha = pfs_engine_conf(a->eng)->hostid;
	fill(&net, 0, 20000, 1000);
	run_s(&net, 5);
	T_CHECK(same_of(a, b, ha));
	for (i = 0; i < 20000; i += 2)
		T_EQ(pfs_engine_delete(b->eng, 1000 + i, ha, net.now_ms), 0);
	run_s(&net, 30);
	T_CHECK(same_of(a, b, ha));
	T_EQ(pfs_engine_dig_stats(b->eng)[PFS_DIG_DELETED], 0);
	sim_fini(&net);
}

int main(void)
{
	T_RUN(test_sums_order_free);
	T_RUN(test_wire_golden);
	T_RUN(test_repair_lost_unreliable);
	T_RUN(test_repair_lost_reliable);
	T_RUN(test_repair_ghost);
	T_RUN(test_loss_converges);
	T_RUN(test_third_party_ignored);
	T_RUN(test_three_creators);
	T_RUN(test_restart_confirms);
	T_RUN(test_restart_fallback);
	T_RUN(test_bulk_no_repair);
	T_RUN(test_repair_many);
	return t_done();
}
