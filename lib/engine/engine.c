/*
 * engine.c - the pfsync sync engine: configuration, the local hooks,
 * the send side (packing, collapsing, compression, flushing) and timers.
 * The receive side is in engine_rx.c, the bulk update in engine_bulk.c.
 *
 * Send model (reference §3.3, §3.4): one pending packet of one action.
 * Its records are the full forms (what pfsync0 shows); with a syncdev and
 * a local change the wire carries the compressed twin (UPD_C / DEL_C),
 * record for record.  A packet is sent when full, when an entry was
 * collapsed maxupd times, when another action (or compress mode) must be
 * packed, on the 1 s timer armed when the packet was started, and on the
 * explicit flushes of CLR, BUS, UREQ handling and the bulk ticks.
 * The pending packet is neutral messages (dialect.h) of one kind: at the
 * flush it is framed as pfsd (pfsd.h: v3 records and the pfsyncd
 * sections) here or as v5 / v6 by engine_dial.c.
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/dialect.h"
#include "pfsync/dialect_sem.h"
#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/pfsd.h"

#include "engine_priv.h"

void pfs_engine_conf_default(struct pfs_engine_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->hostid = 1;
	c->maxupd = PFS_MAXUPD_DEFAULT;
	c->mtu = PFS_MTU_DEFAULT;
	c->bulk_pkts = 1;
	c->bulk_tick_ms = 10;
	c->bulk_retry_ms = PFS_BULK_RETRY_MS;
	c->flush_ms = PFS_FLUSH_MS;
	c->version = PFS_ENGINE_VERSION_AUTO;
	c->v5_fmt = PFS_ENGINE_V5_FMT_DEFAULT;
}

static bool eng_conf_ok(const struct pfs_engine_conf *c)
{
	/* maxupd is a byte, so <= 255 holds by its type */
	return c->hostid != 0 && c->bulk_pkts >= 1 && c->bulk_tick_ms >= 1 &&
	       c->bulk_retry_ms >= 1 && c->flush_ms >= 1 &&
	       c->flush_ms <= PFS_FLUSH_MS && c->defer_ms <= PFS_DEFER_MS_MAX &&
	       pfs_eng_conf_dialect_ok(c);
}

/*
 * pfsync's maxcount; with the pfsyncd trailer one record fewer when the
 * trailer would not fit in the MTU with a 20-byte IP header (at 1500 it
 * fits: 20 + 20 + 6 * 240 + 12 = 1492).  Framed as v5 or v6, as many
 * states of that dialect as fit with its header, one subheader and (v5)
 * EOF: 5 v6 states or 4 v5 1500 states at 1500.
 */
unsigned pfs_eng_maxcount_of(uint8_t dialect, unsigned fmt,
			     const struct pfs_engine_conf *c)
{
	unsigned mtu = c->mtu ? c->mtu : PFS_MTU_DEFAULT;

	if (dialect != PFS_DIALECT_V3)
		return pfs_dialect_maxcount((enum pfs_dialect_id)dialect, fmt,
					    mtu);
	return pfs_pfsd_maxcount(mtu, c->reliable);
}

unsigned pfs_eng_maxcount(const struct pfs_engine *e,
			  const struct pfs_engine_conf *c)
{
	return pfs_eng_maxcount_of(e->dialect, e->fmt, c);
}

/* The tombs, hashed under a key derived from the table's secret. */
static struct pfs_tomb *eng_tomb_new(const struct pfs_engine *e)
{
	uint8_t key[PFS_HASHKEY_LEN];
	struct pfs_tomb *t;

	pfs_table_subkey(e->table, 0x746f6d62 /* "tomb" */, key);
	t = pfs_tomb_new(0, key);
	sodium_memzero(key, sizeof(key));
	return t;
}

/* The optional parts a configuration asks for: the reliable stream and
 * the set of our deleted states. */
static int eng_conf_parts(struct pfs_engine *e, uint64_t now_ms)
{
	if (e->conf.reliable && pfs_eng_rel_open(e, now_ms) < 0)
		return -1;
	if (!e->conf.reliable) {
		pfs_eng_rel_close(e);
		e->xst_peer = false; /* it is learnt from trailers */
	}
	if (e->conf.tomb_s && !e->tomb && !(e->tomb = eng_tomb_new(e)))
		return -1;
	if (e->conf.tomb_s && !e->ctomb && !(e->ctomb = eng_tomb_new(e)))
		return -1;
	return pfs_eng_dig_open(e, now_ms);
}

/* The table may come from an engine before us: its bulk generations
 * mean nothing to ours (the sweep compares them). */
static void eng_forget_heard(struct pfs_engine *e)
{
	struct pfs_state *s;
	size_t cur = 0;

	while ((s = pfs_table_next(e->table, &cur)) != NULL)
		s->heard_gen = 0;
}

struct pfs_engine *pfs_engine_new(const struct pfs_engine_conf *conf,
				  struct pfs_table *table,
				  const struct pfs_engine_ops *ops, void *ctx,
				  uint64_t now_ms)
{
	struct pfs_engine *e;

	if (!conf || !table || !ops || !ops->output || !eng_conf_ok(conf)) {
		errno = EINVAL;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->conf = *conf;
	e->table = table;
	e->ops = *ops;
	e->ctx = ctx;
	e->dialect = PFS_DIALECT_V3;
	e->creators = pfs_creators_new(); /* NULL: CLRs walk the table */
	pfs_eng_dial_choose(e, now_ms);	  /* also sets maxcount */
	e->flush_at = e->bulkfail_at = e->bulk_tick_at = ENG_NEVER;
	e->synced = true;
	/* pf: stateid starts at (time_second << 32) */
	e->next_id = (uint64_t)eng_secs(now_ms) << 32;
	if (e->next_id == 0)
		e->next_id = 1;
	eng_forget_heard(e);
	if (eng_conf_parts(e, now_ms) < 0) {
		pfs_engine_free(e);
		return NULL;
	}
	return e;
}

void pfs_engine_free(struct pfs_engine *e)
{
	if (!e)
		return;
	pfs_eng_rel_close(e);
	pfs_eng_dig_close(e);
	pfs_eng_defer_free(e);
	pfs_tomb_free(e->tomb);
	pfs_creators_free(e->creators);
	pfs_tomb_free(e->ctomb);
	free(e);
}

const struct pfs_engine_conf *pfs_engine_conf(const struct pfs_engine *e)
{
	return &e->conf;
}

const uint64_t *pfs_engine_stats(const struct pfs_engine *e)
{
	return e->stats;
}

const uint64_t *pfs_engine_rel_stats(const struct pfs_engine *e)
{
	return e->rel_stats;
}

const uint64_t *pfs_engine_lim_stats(const struct pfs_engine *e)
{
	return e->lim_stats;
}

const uint64_t *pfs_engine_bsdp_stats(const struct pfs_engine *e)
{
	return e->bsdp_stats;
}

void pfs_engine_count_oerrors(struct pfs_engine *e, uint64_t n)
{
	e->stats[PFS_STAT_OERRORS] += n;
}

uint64_t pfs_engine_new_id(struct pfs_engine *e)
{
	return e->next_id++;
}

bool pfs_engine_synced(const struct pfs_engine *e)
{
	return e->synced;
}

bool pfs_engine_bulk_sending(const struct pfs_engine *e)
{
	return e->bulk_sending;
}

void pfs_eng_set_synced(struct pfs_engine *e, bool synced)
{
	if (e->synced == synced)
		return;
	e->synced = synced;
	if (e->ops.synced)
		e->ops.synced(e->ctx, synced);
}

/* No bpf reader, no syncdev and the peer is the group: nobody listens. */
static bool eng_nobody_listens(const struct pfs_engine *e)
{
	return !e->conf.syncdev && e->conf.syncpeer == 0 && !e->conf.tap;
}

void pfs_eng_drop(struct pfs_engine *e)
{
	e->pkt.active = false;
	e->pkt.net = false;
	e->pkt.count = 0;
	e->pkt.xlen = 0;
	e->flush_at = ENG_NEVER;
}

/*
 * Pending record i as a pfsd (v3) message: the full form (a delete with
 * its whole state, as pfsync0 shows it), or with net the compressed twin
 * (UPD -> UPD_C, DEL -> DEL_C).
 */
static void eng_pfsd_msg(const struct pfs_engine *e, unsigned i, bool net,
			 struct pfs_msg *m)
{
	const union pfs_msg_rec *r = &e->pkt.rec[i];
	const struct pfs_state *s = &r->state;
	enum pfs_msg_kind k = e->pkt.action;
	bool st = k == PFS_MSG_INS || k == PFS_MSG_UPD || k == PFS_MSG_DEL;

	m->ack_wanted = false;
	if (st && (!net || k == PFS_MSG_INS)) { /* a full state: most */
		m->kind = k == PFS_MSG_DEL ? PFS_MSG_DEL_FULL : k;
		m->u.state = s;
		return;
	}
	if (!st) { /* UREQ, CLR, BUS */
		pfs_msg_of_rec(m, k, r);
		return;
	}
	m->kind = k == PFS_MSG_UPD ? PFS_MSG_UPD_C : PFS_MSG_DEL;
	if (k == PFS_MSG_DEL) {
		m->u.ref.id = s->id;
		m->u.ref.creatorid = s->creatorid;
		return;
	}
	m->u.upd_c.id = s->id;
	m->u.upd_c.creatorid = s->creatorid;
	m->u.upd_c.src = s->src;
	m->u.upd_c.dst = s->dst;
	m->u.upd_c.expire = s->expire;
	m->u.upd_c.timeout = e->pkt.net_timeout[i];
	m->u.upd_c.updates = s->updates;
}

/* The pending packet in the pfsd framing, without its sections. */
static size_t eng_encode_pfsd(struct pfs_engine *e, uint8_t *buf, bool net)
{
	struct pfs_framer f;
	struct pfs_msg m;
	unsigned i;

	if (pfs_framer_init(&f, PFS_DIALECT_V3, 0, buf, ENG_BUF_MAX) != 0)
		return 0;
	for (i = 0; i < e->pkt.count; i++) {
		eng_pfsd_msg(e, i, net, &m);
		if (pfs_framer_add(&f, &m) != 0)
			return 0;
	}
	return pfs_pfsd_finish(&f, e->conf.chksum);
}

/*
 * The pending packet in `dialect` (v5: state format fmt) into buf (of
 * ENG_BUF_MAX bytes): its full form, or with net its compressed twin.
 */
size_t pfs_eng_encode(struct pfs_engine *e, uint8_t dialect, unsigned fmt,
		      uint8_t *buf, bool net)
{
	if (dialect != PFS_DIALECT_V3)
		return pfs_eng_dial_frame(e, dialect, fmt, buf, ENG_BUF_MAX,
					  net);
	return eng_encode_pfsd(e, buf, net);
}

/* One packet to ops->output, counted (OPACKETS when it goes on the wire,
 * OERRORS when that fails). */
void pfs_eng_send(struct pfs_engine *e, const uint8_t *local, size_t llen,
		  const uint8_t *wire, size_t wlen, uint32_t dst)
{
	if (wire && wlen == 0) /* every record left out (bsdproto.h) */
		wire = NULL;
	if (wire)
		e->stats[PFS_STAT_OPACKETS]++;
	if (e->ops.output(e->ctx, local, llen, wire, wlen, dst) < 0 && wire)
		e->stats[PFS_STAT_OERRORS]++;
}

/* ---- the state-extras section (pfsd.h, wire_xst.h) ----------------------
 *
 * Only to pfsyncd peers that said they read it (PFS_EXT_ARG_XST), only
 * on v3 packets of INS and UPD (the UPD_C twin too), and only while the
 * table holds extras at all.  Each record's extras are copied when it is
 * packed; the section then goes between the records and the trailer, so
 * a record fewer fits when the MTU asks for it.
 */
static bool eng_xst_on(const struct pfs_engine *e)
{
	return e->xst_peer && e->dialect == PFS_DIALECT_V3 &&
	       pfs_table_xcount(e->table) > 0;
}

static void eng_state_stx(const struct pfs_engine *e, enum pfs_msg_kind action,
			  const struct pfs_state *st, uint32_t left,
			  struct pfs_stx *x)
{
	bool upd = action == PFS_MSG_INS || action == PFS_MSG_UPD;

	memset(x, 0, sizeof(*x));
	if (upd && eng_xst_on(e))
		(void)pfs_table_xget(e->table, st, x);
	/* the seconds v3's expire cannot say (wire_xst.h: left) */
	if (upd && e->xst_peer && e->dialect == PFS_DIALECT_V3 &&
	    pfs_dsem_v3_needs_left(left, st->timeout)) {
		x->has |= PFS_STX_LEFT;
		x->left = left;
	}
}

/* The section's bytes with record i's extras replaced by x (i < 0: x
 * added as a new record). */
static size_t eng_xst_len_with(const struct pfs_engine *e, int i,
			       const struct pfs_stx *x)
{
	size_t n = e->pkt.xlen + pfs_pfsd_xst_len(x);

	if (i >= 0)
		n -= pfs_pfsd_xst_len(&e->pkt.x[i]);
	return n;
}

/* Whether the pending packet still fits the MTU with x in record i
 * (i < 0: one record more), with an IP header and the trailer. */
static bool eng_xst_fits(const struct pfs_engine *e, int i,
			 const struct pfs_stx *x)
{
	unsigned mtu = e->conf.mtu ? e->conf.mtu : PFS_MTU_DEFAULT;
	size_t n = e->pkt.count + (i < 0);
	size_t xl = eng_xst_len_with(e, i, x);

	if (e->pkt.count == 0 || (xl == 0 && e->pkt.xlen == 0))
		return true;
	return pfs_pfsd_fits(n, xl, mtu);
}

static void eng_xst_set(struct pfs_engine *e, unsigned i,
			const struct pfs_stx *x)
{
	e->pkt.xlen = eng_xst_len_with(e, (int)i, x);
	e->pkt.x[i] = *x;
}

/*
 * The section after the records of a packet of states, when extras are
 * carried at all: with no entry it still says "these records have none"
 * (a mark that went back to 0), if it fits the MTU.
 */
size_t pfs_eng_xst_append(struct pfs_engine *e, uint8_t dialect, uint8_t *wire,
			  size_t len, size_t cap)
{
	unsigned mtu = e->conf.mtu ? e->conf.mtu : PFS_MTU_DEFAULT;
	enum pfs_msg_kind a = e->pkt.action;

	if (dialect != PFS_DIALECT_V3 || !e->xst_peer ||
	    (a != PFS_MSG_INS && a != PFS_MSG_UPD) ||
	    (e->pkt.xlen == 0 && !eng_xst_on(e)))
		return len;
	return pfs_pfsd_put_xst(wire, len, cap, e->pkt.x, e->pkt.count, mtu);
}

static uint32_t eng_dst(struct pfs_engine *e)
{
	uint32_t dst = e->conf.syncpeer ? e->conf.syncpeer : PFS_SYNC_GROUP;

	if (e->sendaddr_set)
		dst = e->sendaddr;
	e->sendaddr_set = false;
	return dst;
}

/*
 * Send the pending packet.  Every peer speaking one dialect (or none
 * heard, or a pinned version): one packet to the group or syncpeer, in
 * that dialect.  Otherwise (version auto) it is framed per dialect and
 * sent to each peer (engine_dial.c).
 */
void pfs_engine_flush(struct pfs_engine *e, uint64_t now_ms)
{
	uint8_t *wire = NULL;
	size_t llen, wlen = 0;
	uint32_t dst;
	bool unicast;

	e->flush_at = ENG_NEVER;
	if (!e->pkt.active)
		return;
	if (pfs_eng_dial_split(e)) {
		pfs_eng_dial_flush(e, now_ms);
		return;
	}
	llen = pfs_eng_encode(e, e->dialect, e->fmt, e->lbuf, false);
	if (!eng_wire_off(e)) {
		wire = e->lbuf;
		wlen = llen;
		/* the compressed twin, or a BSD dialect's wire form (framed
		 * apart so that what it leaves out is counted once) */
		if (e->pkt.net || e->dialect != PFS_DIALECT_V3) {
			wire = e->nbuf;
			wlen = pfs_eng_encode(e, e->dialect, e->fmt, e->nbuf,
					      e->pkt.net);
		}
	}
	if (wire)
		wlen =
		    pfs_eng_xst_append(e, e->dialect, wire, wlen, ENG_BUF_MAX);
	unicast = e->sendaddr_set; /* a reply to one peer: not in the stream */
	dst = eng_dst(e);
	pfs_eng_drop(e);
	if (wire && !unicast && e->dialect == PFS_DIALECT_V3)
		wlen = pfs_eng_rel_stamp(e, wire, wlen, ENG_WIRE_MAX, now_ms);
	pfs_eng_send(e, e->lbuf, llen, wire, wlen, dst);
}

/*
 * Make sure a packet of `action` in compress mode `net` is pending and
 * has room: flush one of another action or mode, start one (arming the
 * flush timer, flush_ms, which later additions never extend).
 */
static void eng_begin(struct pfs_engine *e, enum pfs_msg_kind action, bool net,
		      uint64_t now_ms)
{
	if (e->pkt.active && (e->pkt.action != action || e->pkt.net != net ||
			      e->pkt.from.dialect != e->pack_from.dialect ||
			      e->pkt.from.fmt != e->pack_from.fmt ||
			      e->pkt.from.addr != e->pack_from.addr))
		pfs_engine_flush(e, now_ms);
	if (e->pkt.active)
		return;
	e->pkt.active = true;
	e->pkt.from = e->pack_from;
	e->pkt.net = net;
	e->pkt.action = action;
	e->pkt.count = 0;
	e->pkt.xlen = 0;
	e->flush_at = now_ms + e->conf.flush_ms;
}

/* The pending entry of the same state, for collapsing; -1 if none. */
static int eng_find_dup(const struct pfs_engine *e, const struct pfs_state *st)
{
	unsigned i;

	for (i = 0; i < e->pkt.count; i++) {
		const struct pfs_state *r = &e->pkt.rec[i].state;

		if (r->id == st->id && r->creatorid == st->creatorid)
			return (int)i;
	}
	return -1;
}

static void eng_fill_new(struct pfs_state *w, const struct pfs_state *st,
			 unsigned flags, uint32_t now_s)
{
	*w = *st;
	w->creation = now_s >= st->creation ? now_s - st->creation : 0;
	w->nat_rule = 0;
	w->sync_time = 0;
	w->sync_flags = (flags & ENG_F_STALE) ? PFS_SF_STALE : 0;
	w->updates = 0;
}

/*
 * pfsync_pack_state: append (or collapse) a state of INS, UPD or DEL.
 * ENG_F_COMPRESS marks a local change; only then, and only with a
 * syncdev, are UPD and DEL sent compressed.
 */
void pfs_eng_pack_state(struct pfs_engine *e, enum pfs_msg_kind action,
			struct pfs_state *st, unsigned flags, uint64_t now_ms)
{
	uint32_t now_s = eng_secs(now_ms);
	bool net = e->conf.syncdev && (flags & ENG_F_COMPRESS) &&
		   action != PFS_MSG_INS;
	uint32_t left = pfs_dsem_left(st, now_s);
	struct pfs_state *w;
	struct pfs_stx x;
	int i = -1;

	if (eng_nobody_listens(e)) {
		pfs_eng_drop(e);
		return;
	}
	eng_state_stx(e, action, st, left, &x);
	eng_begin(e, action, net, now_ms);
	if (action == PFS_MSG_UPD && e->conf.maxupd != 0)
		i = eng_find_dup(e, st);
	if (!eng_xst_fits(e, i, &x)) { /* the MTU: a new packet */
		pfs_engine_flush(e, now_ms);
		eng_begin(e, action, net, now_ms);
		i = -1;
	}
	st->sync_time = now_s;
	if (i >= 0) {
		w = &e->pkt.rec[i].state;
		w->updates++;
	} else {
		i = (int)e->pkt.count++;
		w = &e->pkt.rec[i].state;
		eng_fill_new(w, st, flags, now_s);
		memset(&e->pkt.x[i], 0, sizeof(e->pkt.x[i]));
	}
	eng_xst_set(e, (unsigned)i, &x);
	/* new or collapsed: the peers and expire are (re)written */
	w->src = st->src;
	w->dst = st->dst;
	w->expire = pfs_state_wire_expire(st, now_s);
	e->pkt.left[i] = left; /* v5 and v6 say it (engine_dial.c) */
	e->pkt.net_timeout[i] = st->timeout;
	if (e->pkt.count == e->maxcount ||
	    (e->conf.maxupd != 0 && w->updates >= e->conf.maxupd))
		pfs_engine_flush(e, now_ms);
}

/* Append a UREQ, CLR or BUS record; never compressed or collapsed. */
void pfs_eng_pack_rec(struct pfs_engine *e, enum pfs_msg_kind action,
		      const union pfs_msg_rec *r, uint64_t now_ms)
{
	if (eng_nobody_listens(e)) {
		pfs_eng_drop(e);
		return;
	}
	eng_begin(e, action, false, now_ms);
	e->pkt.rec[e->pkt.count++] = *r;
	if (e->pkt.count == e->maxcount || action == PFS_MSG_CLR ||
	    action == PFS_MSG_BUS)
		pfs_engine_flush(e, now_ms);
}

int pfs_engine_set_conf(struct pfs_engine *e, const struct pfs_engine_conf *c,
			uint64_t now_ms)
{
	bool dev = c->syncdev != e->conf.syncdev;
	bool peer = c->syncpeer != e->conf.syncpeer;
	bool mtu = c->mtu != e->conf.mtu;

	if (!eng_conf_ok(c)) {
		errno = EINVAL;
		return -1;
	}
	/*
	 * -syncdev drops the pending compressed packet (NetBSD); the local
	 * form stays and leaves under the new configuration (pfsync0 or the
	 * unicast peer).  Other changes flush under the old one.
	 */
	if (e->conf.syncdev && !c->syncdev) {
		e->pkt.net = false;
		e->conf = *c;
		e->maxcount = pfs_eng_maxcount(e, c);
	}
	if (dev || peer || mtu || c->reliable != e->conf.reliable)
		pfs_engine_flush(e, now_ms);
	e->conf = *c;
	pfs_eng_defer_conf(e);		/* defer off: what is held goes */
	pfs_eng_dial_choose(e, now_ms); /* flushes when the dialect changes */
	return eng_conf_parts(e, now_ms);
}

/* ---- local hooks -------------------------------------------------------*/

int pfs_engine_insert(struct pfs_engine *e, const struct pfs_state *st,
		      uint64_t now_ms)
{
	return pfs_engine_insert_x(e, st, NULL, now_ms);
}

int pfs_engine_insert_x(struct pfs_engine *e, const struct pfs_state *st,
			const struct pfs_stx *x, uint64_t now_ms)
{
	struct pfs_state tmp = *st, *s;

	if (eng_at_limit(e)) { /* as pf's state pool at its hard limit */
		e->lim_stats[PFS_LIM_LOCAL]++;
		errno = ENOMEM;
		return -1;
	}
	tmp.sync_flags &= PFS_SF_NOSYNC;
	if (tmp.proto == PFS_SYNC_PROTO)
		tmp.sync_flags = PFS_SF_NOSYNC;
	tmp.updates = 0;
	tmp.sync_time = 0;
	s = pfs_eng_tbl_insert(e, &tmp, x);
	if (!s)
		return -1;
	if (e->tomb && s->creatorid == e->conf.hostid)
		pfs_tomb_del(e->tomb, s->id, s->creatorid); /* an id reused */
	if (s->sync_flags == 0)
		pfs_eng_pack_state(e, PFS_MSG_INS, s, ENG_F_COMPRESS,
				   now_ms);
	return 0;
}

int pfs_engine_update(struct pfs_engine *e, const struct pfs_state *st,
		      uint64_t now_ms)
{
	return pfs_engine_update_x(e, st, NULL, now_ms);
}

int pfs_engine_update_x(struct pfs_engine *e, const struct pfs_state *st,
			const struct pfs_stx *x, uint64_t now_ms)
{
	struct pfs_state *s =
	    pfs_table_find_id(e->table, st->id, st->creatorid);
	struct pfs_stx old, n;

	if (!s) {
		errno = ENOENT;
		return -1;
	}
	if (x != NULL) {
		/* the zone is the key's: it stays what it was */
		(void)pfs_table_xget(e->table, s, &old);
		n = *x;
		n.zone = old.zone;
		n.has = (uint8_t)((n.has & ~PFS_STX_ZONE) |
				  (old.has & PFS_STX_ZONE));
		if (pfs_table_xset(e->table, s, &n) < 0)
			return -1;
	}
	s->src = st->src;
	s->dst = st->dst;
	s->expire = st->expire;
	s->timeout = st->timeout;
	memcpy(s->packets, st->packets, sizeof(s->packets));
	memcpy(s->bytes, st->bytes, sizeof(s->bytes));
	if (s->sync_flags == 0)
		pfs_eng_pack_state(e, PFS_MSG_UPD, s, ENG_F_COMPRESS,
				   now_ms);
	return 0;
}

/*
 * Our own states, once deleted, are remembered for tomb_s seconds: a
 * peer's copy that comes back (a delete it lost, a bulk from a peer that
 * still holds it) is refused and answered with a delete (engine_rx.c).
 * So is their connection (its flow key, zone included): a copy of it
 * under any id and creator, as a peer that restarted and re-read it from
 * its kernel offers it, is refused too, unless it began after our delete
 * (eng_rx_refuse_conn).  An unconfirmed state was never ours to delete.
 */
static void eng_remember_deleted(struct pfs_engine *e,
				 const struct pfs_state *s, uint64_t now_ms)
{
	uint32_t now_s = eng_secs(now_ms), until = now_s + e->conf.tomb_s;
	struct pfs_flowkey k;
	struct pfs_stx x;

	if (!e->tomb || s->creatorid != e->conf.hostid ||
	    (s->local_flags & PFS_LF_UNCONFIRMED))
		return;
	pfs_state_flowkey(s, &k);
	if (pfs_table_xget(e->table, s, &x) && (x.has & PFS_STX_ZONE))
		k.zone = x.zone;
	if (pfs_tomb_add(e->tomb, s->id, s->creatorid, until, now_s) < 0 ||
	    (e->ctomb && pfs_tomb_add(e->ctomb, pfs_flowkey_digest(&k), 0,
				      until, now_s) < 0))
		e->rel_stats[PFS_REL_TOMB_FULL]++;
}

/* Delete (expiry, local removal): announced only for our own states. */
int pfs_engine_delete(struct pfs_engine *e, uint64_t id, uint32_t creatorid,
		      uint64_t now_ms)
{
	struct pfs_state *s = pfs_table_find_id(e->table, id, creatorid);

	if (!s) {
		errno = ENOENT;
		return -1;
	}
	if (s->creatorid == e->conf.hostid && s->sync_flags == 0)
		pfs_eng_pack_state(e, PFS_MSG_DEL, s, ENG_F_COMPRESS,
				   now_ms);
	eng_remember_deleted(e, s, now_ms);
	pfs_eng_tbl_remove(e, s);
	return 0;
}

/* Explicit kill (pfctl -k): announced whoever created the state. */
int pfs_engine_kill(struct pfs_engine *e, uint64_t id, uint32_t creatorid,
		    uint64_t now_ms)
{
	struct pfs_state *s = pfs_table_find_id(e->table, id, creatorid);

	if (!s) {
		errno = ENOENT;
		return -1;
	}
	if (!(s->sync_flags & PFS_SF_NOSYNC))
		pfs_eng_pack_state(e, PFS_MSG_DEL, s, ENG_F_COMPRESS,
				   now_ms);
	eng_remember_deleted(e, s, now_ms);
	pfs_eng_tbl_remove(e, s);
	return 0;
}

static bool eng_ifname_match(const struct pfs_state *s, const char *ifname)
{
	return strncmp(s->ifname, ifname, PFS_IFNAMSIZ) == 0;
}

/* pfctl -F states: silent removal, then one CLR with our hostid. */
int pfs_engine_clear(struct pfs_engine *e, const char *ifname, uint64_t now_ms)
{
	union pfs_msg_rec r;
	struct pfs_state *s;
	size_t cur = 0;

	if (!ifname)
		ifname = "";
	while ((s = pfs_table_next(e->table, &cur)) != NULL) {
		if (ifname[0] != '\0' && !eng_ifname_match(s, ifname))
			continue;
		eng_remember_deleted(e, s, now_ms);
		pfs_eng_tbl_remove(e, s);
	}
	memset(&r, 0, sizeof(r));
	strncpy(r.clr.ifname, ifname, sizeof(r.clr.ifname) - 1);
	r.clr.creatorid = e->conf.hostid;
	pfs_engine_flush(e, now_ms);
	pfs_eng_pack_rec(e, PFS_MSG_CLR, &r, now_ms);
	return 0;
}

/* ---- timers -------------------------------------------------------------*/

static uint64_t eng_min(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

uint64_t pfs_engine_next_timeout(const struct pfs_engine *e)
{
	return eng_min(
	    eng_min(eng_min(e->flush_at, pfs_eng_rel_next_timeout(e)),
		    eng_min(e->bulkfail_at, e->bulk_tick_at)),
	    eng_min(pfs_eng_dig_next_timeout(e),
		    pfs_eng_defer_next_timeout(e)));
}

void pfs_engine_timer(struct pfs_engine *e, uint64_t now_ms)
{
	if (e->flush_at <= now_ms)
		pfs_engine_flush(e, now_ms);
	if (e->bulkfail_at <= now_ms)
		pfs_eng_bulk_fail(e, now_ms);
	if (e->bulk_tick_at <= now_ms)
		pfs_eng_bulk_tick(e, now_ms);
	pfs_eng_rel_timer(e, now_ms);
	pfs_eng_dig_timer(e, now_ms);
	pfs_eng_defer_timer(e, now_ms);
	pfs_eng_dial_tick(e, now_ms); /* peers long silent are forgotten */
}

bool pfs_engine_xst_peer(const struct pfs_engine *e)
{
	return e->xst_peer && e->dialect == PFS_DIALECT_V3;
}
