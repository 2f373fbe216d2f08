/*
 * test_wire_ext.c - the pfsyncd trailer (wire_ext.h), from bytes written
 * by hand from its layout, and the negotiation: plain v3 until a pfsyncd
 * peer is heard, numbered packets after.
 */
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/wire_ext.h"
#include "sim.h"
#include "t.h"

/* an empty UPD_C (version 3, af 0, action 4, count 0, zero chksum) with a
 * HB trailer: magic F5, version 1 / kind 2, arg 0, epoch 0x01020304,
 * seq 0x0000002a */
static const uint8_t hb_pkt[32] = {
	3, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0xf5, 0x12, 0x00, 0x00, 0x01, 0x02, 0x03, 0x04, 0x00, 0x00, 0x00, 0x2a,
};

static void test_ext_golden_get(void)
{
	struct pfs_ext x;

	T_EQ(pfs_ext_get(hb_pkt, sizeof(hb_pkt), 20, &x), 0);
	T_EQ(x.kind, PFS_EXT_HB);
	T_EQ(x.arg, 0);
	T_EQ(x.epoch, 0x01020304);
	T_EQ(x.seq, 42);
}

static void test_ext_golden_put(void)
{
	const struct pfs_ext x = {PFS_EXT_NACK, 7, 0xa0b0c0d0u, 0x10000u};
	static const uint8_t want[12] = {0xf5, 0x13, 0, 7, 0xa0, 0xb0,
					 0xc0, 0xd0, 0, 1, 0, 0};
	uint8_t b[12];
	struct pfs_wbuf wb;

	pfs_wbuf_init(&wb, b, sizeof(b));
	pfs_ext_put(&wb, &x);
	T_EQ(wb.off, 12);
	T_CHECK(!wb.err);
	T_MEMEQ(b, want, 12);
	pfs_wbuf_init(&wb, b, 11);
	pfs_ext_put(&wb, &x);
	T_CHECK(wb.err); /* does not fit */
}

/* Anything but exactly 12 valid bytes after the records is no trailer. */
static void test_ext_rejects(void)
{
	uint8_t p[40];
	struct pfs_ext x;

	memcpy(p, hb_pkt, sizeof(hb_pkt));
	T_EQ(pfs_ext_get(p, 31, 20, &x), -1); /* 11 bytes */
	T_EQ(pfs_ext_get(p, 32, 19, &x), -1); /* 13 bytes */
	T_EQ(pfs_ext_get(p, 32, 33, &x), -1); /* used beyond len */
	T_EQ(pfs_ext_get(NULL, 32, 20, &x), -1);
	p[20] = 0xf4; /* magic */
	T_EQ(pfs_ext_get(p, 32, 20, &x), -1);
	p[20] = 0xf5;
	p[21] = 0x22; /* version 2 */
	T_EQ(pfs_ext_get(p, 32, 20, &x), -1);
	p[21] = 0x10; /* kind 0 */
	T_EQ(pfs_ext_get(p, 32, 20, &x), -1);
	p[21] = 0x16; /* kind 6: none yet */
	T_EQ(pfs_ext_get(p, 32, 20, &x), -1);
	p[21] = 0x15; /* kind 5: ACK */
	T_EQ(pfs_ext_get(p, 32, 20, &x), 0);
	T_EQ(x.kind, PFS_EXT_ACK);
	p[21] = 0x11;
	memset(p + 24, 0, 4); /* epoch 0 */
	T_EQ(pfs_ext_get(p, 32, 20, &x), -1);
}

/* ---- negotiation, on one engine -------------------------------------*/

static uint8_t out_pkt[4][PFS_V3_MTU_MAX];
static size_t out_len[4], out_llen[4];
static int nout;

static int out(void *ctx, const uint8_t *local, size_t llen,
	       const uint8_t *wire, size_t wlen, uint32_t dst)
{
	(void)ctx, (void)local, (void)dst;
	if (nout < 4 && wire) {
		memcpy(out_pkt[nout], wire, wlen);
		out_len[nout] = wlen;
		out_llen[nout] = llen;
		nout++;
	}
	return 0;
}

static void test_negotiation(void)
{
	const struct pfs_engine_ops ops = {.output = out};
	const struct pfs_rx_meta m = {0x0a000002u, true, 255};
	struct pfs_engine_conf c;
	struct pfs_table *t = pfs_table_new(0);
	struct pfs_engine *e;
	struct pfs_state s = sim_state(1, 0x100);
	struct pfs_ext x;
	uint8_t pkt[32];

	pfs_engine_conf_default(&c);
	c.hostid = 0x100;
	c.syncdev = true;
	c.reliable = true;
	e = pfs_engine_new(&c, t, &ops, NULL, 1000);
	/* the probe at start: a heartbeat, not for pfsync0 */
	pfs_engine_timer(e, 1000);
	T_EQ(nout, 1);
	T_EQ(out_len[0], 32);
	T_EQ(out_llen[0], 0);
	T_EQ(out_pkt[0][2], 4); /* UPD_C */
	T_EQ(out_pkt[0][3], 0); /* count 0 */
	T_EQ(pfs_ext_get(out_pkt[0], 32, 20, &x), 0);
	T_EQ(x.kind, PFS_EXT_HB);
	T_EQ(x.seq, 0);
	T_EQ(pfs_engine_next_timeout(e), 1000 + 30000);
	/* nobody answered: an INS is plain v3, byte for byte */
	T_EQ(pfs_engine_insert(e, &s, 1500), 0);
	pfs_engine_flush(e, 1500);
	T_EQ(nout, 2);
	T_EQ(out_len[1], 20 + 240);
	/* a pfsyncd peer's heartbeat: we answer at once, then number */
	pfs_engine_input(e, hb_pkt, sizeof(hb_pkt), &m, 2000);
	pfs_engine_timer(e, 2000);
	T_EQ(nout, 3);
	T_EQ(pfs_ext_get(out_pkt[2], out_len[2], 20, &x), 0);
	T_EQ(x.kind, PFS_EXT_HB);
	/* its stream is followed from 43: a DATA 45 shows 43 and 44 lost */
	memcpy(pkt, hb_pkt, sizeof(hb_pkt));
	pkt[21] = 0x11; /* DATA */
	pkt[31] = 45;
	pfs_engine_input(e, pkt, sizeof(pkt), &m, 2005);
	T_EQ(nout, 4);
	T_EQ(pfs_ext_get(out_pkt[3], out_len[3], 20, &x), 0);
	T_EQ(x.kind, PFS_EXT_NACK);
	T_EQ(x.epoch, 0x01020304);
	T_EQ(x.seq, 43);
	T_EQ(x.arg, 2);
	nout = 0;
	s = sim_state(2, 0x100);
	T_EQ(pfs_engine_insert(e, &s, 2010), 0);
	pfs_engine_flush(e, 2010);
	T_EQ(nout, 1);
	T_EQ(out_len[0], 20 + 240 + 12);
	T_EQ(out_llen[0], 20 + 240); /* pfsync0 gets the v3 packet alone */
	T_EQ(pfs_ext_get(out_pkt[0], out_len[0], 260, &x), 0);
	T_EQ(x.kind, PFS_EXT_DATA);
	T_EQ(x.seq, 1);
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* A number far ahead (a bug, or a forged packet) moves nothing: counted,
 * not applied, not given up number by number (found by fuzz_engine).
 * Only a stream that goes on out there, three numbers in order over two
 * seconds with nothing in the window between, is taken up there and
 * repaired by a bulk update. */
static void test_far_ahead(void)
{
	const struct pfs_engine_ops ops = {.output = out};
	const struct pfs_rx_meta m = {0x0a000002u, true, 255};
	struct pfs_engine_conf c;
	struct pfs_table *t = pfs_table_new(0);
	struct pfs_engine *e;
	const uint64_t *rs;
	uint8_t pkt[32];

	pfs_engine_conf_default(&c);
	c.hostid = 0x100;
	c.syncdev = true;
	c.reliable = true;
	e = pfs_engine_new(&c, t, &ops, NULL, 1000);
	rs = pfs_engine_rel_stats(e);
	memcpy(pkt, hb_pkt, sizeof(pkt));
	pkt[21] = 0x11; /* DATA 42 */
	pfs_engine_input(e, pkt, sizeof(pkt), &m, 1000);
	pkt[28] = 0x80; /* DATA 0x8000002a */
	pfs_engine_input(e, pkt, sizeof(pkt), &m, 1001);
	T_EQ(rs[PFS_REL_FAR], 1);
	T_EQ(rs[PFS_REL_LOST], 0);
	T_EQ(rs[PFS_REL_RESYNCS], 0);
	T_CHECK(pfs_engine_synced(e));
	/* a heartbeat even further ahead: the same */
	pkt[21] = 0x12;
	pkt[28] = 0xf0;
	pfs_engine_input(e, pkt, sizeof(pkt), &m, 1002);
	T_EQ(rs[PFS_REL_FAR], 2);
	T_EQ(rs[PFS_REL_LOST], 0);
	/* the stream going on out there for two seconds: taken up */
	pkt[21] = 0x11;
	pkt[31] = 43;
	pfs_engine_input(e, pkt, sizeof(pkt), &m, 2000);
	pkt[31] = 44;
	pfs_engine_input(e, pkt, sizeof(pkt), &m, 3000);
	T_EQ(rs[PFS_REL_REJOINED], 0);
	pkt[31] = 45;
	pfs_engine_input(e, pkt, sizeof(pkt), &m, 4100);
	T_EQ(rs[PFS_REL_REJOINED], 1);
	T_EQ(rs[PFS_REL_RESYNCS], 1);
	T_CHECK(!pfs_engine_synced(e)); /* a bulk update is asked for */
	T_EQ(rs[PFS_REL_DUPS], 0);
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* ---- engine and peer for the reliable layer's tests ------------------ */

static const struct pfs_rx_meta peer_m = {0x0a000002u, true, 255};
static unsigned bulk_upds, acks_out, gone_out;
static uint32_t our_epoch, last_ack;

/* What the engine sends: full UPDs for pfsync0 (a bulk walk), ACK and
 * GONE control packets, and the epoch of our numbered packets. */
static int out_rel(void *ctx, const uint8_t *local, size_t llen,
		   const uint8_t *wire, size_t wlen, uint32_t dst)
{
	struct pfs_ext x;

	(void)ctx, (void)dst;
	if (llen > 0 && local[2] == 2) /* UPD */
		bulk_upds++;
	if (!wire || pfs_ext_get(wire, wlen, llen ? llen : 20, &x) != 0)
		return 0;
	if (llen > 0)
		our_epoch = x.epoch;
	else if (x.kind == PFS_EXT_ACK)
		acks_out++, last_ack = x.seq;
	else if (x.kind == PFS_EXT_GONE)
		gone_out++;
	return 0;
}

/* A reliable engine (hostid 0x100, a syncdev) sending to out_rel. */
static struct pfs_engine *rel_engine(struct pfs_table *t, unsigned bulk_pkts,
				     uint64_t now)
{
	static const struct pfs_engine_ops ops = {.output = out_rel};
	struct pfs_engine_conf c;

	pfs_engine_conf_default(&c);
	c.hostid = 0x100;
	c.syncdev = true;
	c.reliable = true;
	if (bulk_pkts != 0) {
		c.bulk_pkts = bulk_pkts;
		c.bulk_tick_ms = 1;
	}
	bulk_upds = acks_out = gone_out = 0;
	our_epoch = last_ack = 0;
	return pfs_engine_new(&c, t, &ops, NULL, now);
}

/* From the peer: head (a v3 header and its records, hlen bytes) with a
 * trailer of kind, epoch, seq, arg; head NULL: an empty UPD_C. */
static void rel_in(struct pfs_engine *e, const uint8_t *head, size_t hlen,
		   uint8_t kind, uint32_t epoch, uint32_t seq, uint16_t arg,
		   uint64_t now)
{
	uint8_t pkt[64] = {3, 0, 4, 0};
	struct pfs_ext x = {kind, arg, epoch, seq};
	struct pfs_wbuf wb;

	if (head != NULL)
		memcpy(pkt, head, hlen);
	else
		hlen = 20;
	pfs_wbuf_init(&wb, pkt, sizeof(pkt));
	wb.off = hlen;
	pfs_ext_put(&wb, &x);
	pfs_engine_input(e, pkt, wb.off, &peer_m, now);
}

/* ---- the bulk walk slows down on a NACK (engine_bulk.c) ----------------*/

/* a UREQ {0, 0}: version 3, af 0, action 8, count 1, chksum 0, and a
 * 16-byte record of zeros (id 8, creatorid 4, padding 4) */
static const uint8_t ureq_all[36] = {3, 0, 8, 1};

static unsigned bulk_tick(struct pfs_engine *e, uint64_t now)
{
	bulk_upds = 0;
	pfs_engine_timer(e, now);
	return bulk_upds;
}

static void test_bulk_slows_on_nack(void)
{
	struct pfs_table *t = pfs_table_new(0);
	uint64_t now = 1000;
	struct pfs_engine *e = rel_engine(t, 8, now);
	unsigned i;

	for (i = 1; i <= 3000; i++) {
		struct pfs_state s = sim_state(i, 0x100);

		T_EQ(pfs_engine_insert(e, &s, now), 0);
	}
	pfs_engine_flush(e, now);
	now += 5000; /* states sent in the second of a request are skipped */
	pfs_engine_input(e, ureq_all, sizeof(ureq_all), &peer_m, now);
	T_CHECK(pfs_engine_bulk_sending(e));
	pfs_engine_input(e, hb_pkt, sizeof(hb_pkt), &peer_m, now);
	T_CHECK(pfs_engine_bulk_sending(e));
	T_EQ(bulk_tick(e, now += 1), 8); /* full pace */
	T_CHECK(our_epoch != 0);
	rel_in(e, NULL, 0, PFS_EXT_NACK, our_epoch, 1, 0, now);
	T_EQ(pfs_engine_rel_stats(e)[PFS_REL_BULK_SLOWED], 1);
	T_EQ(bulk_tick(e, now += 1), 4); /* halved */
	/* the same loss seen again: no second cut */
	rel_in(e, NULL, 0, PFS_EXT_NACK, our_epoch, 1, 0, now);
	T_EQ(pfs_engine_rel_stats(e)[PFS_REL_BULK_SLOWED], 1);
	T_EQ(bulk_tick(e, now += 1), 4);
	now += 50; /* quiet: one more packet every 10 ms, up to the pace set */
	T_EQ(bulk_tick(e, now), 5);
	T_EQ(bulk_tick(e, now += 1), 5);
	T_EQ(bulk_tick(e, now += 9), 6);
	T_EQ(bulk_tick(e, now += 10), 7);
	T_EQ(bulk_tick(e, now += 10), 8);
	T_EQ(bulk_tick(e, now += 10), 8);
	/* another stream's NACK does not slow us */
	rel_in(e, NULL, 0, PFS_EXT_NACK, our_epoch + 1, 1, 0, now);
	T_EQ(pfs_engine_rel_stats(e)[PFS_REL_BULK_SLOWED], 1);
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* Kernel drops during a pfsyncd peer's bulk seen in order from its START
 * do not ask for the bulk again: the stream's numbers recover them. */
static void test_bulk_drops_numbered(void)
{
	struct pfs_table *t = pfs_table_new(0);
	struct pfs_engine *e = rel_engine(t, 0, 5000);
	/* BUS START of creator 0x0a000002, endtime 0: header, 16-byte record */
	uint8_t bus[20 + 16] = {3, 0, 9, 1};

	pfs_engine_bulk_request(e, 5000);
	T_CHECK(pfs_engine_bulk_lost(e)); /* no numbered START yet: lost */
	pfs_engine_input(e, hb_pkt, sizeof(hb_pkt), &peer_m, 5001);
	bus[20] = 0x0a, bus[23] = 0x02; /* creatorid */
	bus[28] = PFS_V3_BUS_START;
	/* in the peer's stream after hb_pkt's 42: DATA 43 */
	rel_in(e, bus, sizeof(bus), PFS_EXT_DATA, 0x01020304u, 43, 0, 5002);
	T_CHECK(!pfs_engine_bulk_lost(e));
	pfs_engine_free(e);
	pfs_table_free(t);
}

/* ---- acknowledgements free the ring ----------------------------------- */

/* The sender frees what every peer acknowledged: a NACK below it gets
 * GONE, above it a resend; the receiver acknowledges every 1024 packets
 * at once, fewer 100 ms after progress. */
static void test_ack(void)
{
	struct pfs_table *t = pfs_table_new(0);
	uint64_t now = 1000;
	struct pfs_engine *e = rel_engine(t, 0, now);
	const uint64_t *rs = pfs_engine_rel_stats(e);
	uint32_t i;

	pfs_engine_input(e, hb_pkt, sizeof(hb_pkt), &peer_m, now); /* a peer */
	for (i = 1; i <= 100; i++) { /* 100 numbered packets of ours */
		struct pfs_state s = sim_state(i, 0x100);

		T_EQ(pfs_engine_insert(e, &s, now), 0);
		pfs_engine_flush(e, now);
	}
	T_CHECK(our_epoch != 0);
	rel_in(e, NULL, 0, PFS_EXT_NACK, our_epoch, 10, 1, now);
	T_EQ(rs[PFS_REL_RESENT], 1); /* held before any ACK */
	rel_in(e, NULL, 0, PFS_EXT_ACK, our_epoch, 60, 0, now);
	rel_in(e, NULL, 0, PFS_EXT_NACK, our_epoch, 10, 1, now);
	T_EQ(gone_out, 1); /* freed: acknowledged */
	T_EQ(rs[PFS_REL_RESENT], 1);
	rel_in(e, NULL, 0, PFS_EXT_NACK, our_epoch, 61, 1, now);
	T_EQ(rs[PFS_REL_RESENT], 2); /* still held */
	/* a number never sent frees nothing */
	rel_in(e, NULL, 0, PFS_EXT_ACK, our_epoch, 5000, 0, now);
	rel_in(e, NULL, 0, PFS_EXT_NACK, our_epoch, 61, 1, now);
	T_EQ(rs[PFS_REL_RESENT], 3);
	/* receiving: the peer's stream from 43 (hb_pkt said 42) */
	for (i = 43; i < 43 + 1500; i++)
		rel_in(e, NULL, 0, PFS_EXT_DATA, 0x01020304u, i, 0, now);
	T_EQ(acks_out, 1); /* after 1024 */
	T_EQ(last_ack, 42 + 1024);
	pfs_engine_timer(e, now + 99);
	T_EQ(acks_out, 1);
	pfs_engine_timer(e, now + 100); /* the rest, 100 ms after */
	T_EQ(acks_out, 2);
	T_EQ(last_ack, 42 + 1500);
	pfs_engine_timer(e, now + 300);
	T_EQ(acks_out, 2); /* nothing new: no ACK */
	pfs_engine_free(e);
	pfs_table_free(t);
}

int main(void)
{
	T_RUN(test_ext_golden_get);
	T_RUN(test_ext_golden_put);
	T_RUN(test_ext_rejects);
	T_RUN(test_negotiation);
	T_RUN(test_far_ahead);
	T_RUN(test_bulk_slows_on_nack);
	T_RUN(test_bulk_drops_numbered);
	T_RUN(test_ack);
	return t_done();
}
