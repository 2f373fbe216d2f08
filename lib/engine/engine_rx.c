/*
 * engine_rx.c - the receive side of the pfsync engine (pfsync-v3.md §4;
 * v5 and v6 packets: pfsync-modern.md §1.7, below).
 *
 * Validate, count, then apply: the packet preconditions (syncdev, BADIF,
 * BADTTL) are checked here, the frame (HDROPS, BADVER, BADACT, BADLEN) by
 * the pfsd dialect (pfs_pfsd_parse, once), then one handler per message
 * kind walks the records.
 * States learned here are never announced again: no handler packs a
 * received state, only the replies pfsync makes (stale replies, UREQ
 * answers, UREQs for unknown states, bulk traffic).
 */
#include <string.h>

#include "pfsync/dialect.h"
#include "pfsync/dialect_sem.h"
#include "pfsync/engine.h"
#include "pfsync/merge.h"
#include "pfsync/pfsd.h"
#include "pfsync/table.h"

#include "engine_priv.h"

/* CLR records one packet may apply (a peer sends one: pfctl -F states);
 * the rest are counted and ignored (PFS_GUARD_CLR_CAPPED). */
#define ENG_CLR_MAX 8

/* The CLRs applied from one packet, for repeats and the cap. */
struct eng_clr_run {
	unsigned n;
	uint32_t creator[ENG_CLR_MAX];
	char ifname[ENG_CLR_MAX][PFS_IFNAMSIZ]; /* "" : the whole creator */
};

/* One received packet being applied. */
struct eng_rx {
	struct pfs_engine *e;
	const struct pfs_pfsd_pkt *f;
	const struct pfs_rx_meta *m;
	uint64_t now_ms;
	uint32_t now_s;
	bool chksum_ok;	      /* sender's ruleset digest equals ours */
	struct eng_from from; /* the sender, for the bridge (engine_dial.c) */
	bool same;	      /* the update being applied changed no peer */
	bool refused;	      /* the insert was refused (a tombstone) */
	/* the extras section (pfsd.h): x[i] of record i when xst */
	bool xst;
	const struct pfs_stx *x;
	size_t cur; /* the record being applied */
	struct eng_clr_run clr;
	bool limited; /* the last insert was refused at the state limit */
};

/* The extras of the record being applied; NULL when the packet has no
 * section (a BSD peer's, or one that does not carry them). */
static const struct pfs_stx *eng_rx_x(const struct eng_rx *rx)
{
	return rx->xst && rx->cur < rx->f->nrec ? &rx->x[rx->cur] : NULL;
}

/* A section says what the record's extras now are; the zone stays. */
static void eng_rx_xset(struct eng_rx *rx, struct pfs_state *s)
{
	const struct pfs_stx *x = eng_rx_x(rx);
	struct pfs_stx old, n;

	if (x == NULL)
		return;
	(void)pfs_table_xget(rx->e->table, s, &old);
	n = *x;
	n.zone = old.zone;
	n.has = (uint8_t)((n.has & ~PFS_STX_ZONE) | (old.has & PFS_STX_ZONE));
	(void)pfs_table_xset(rx->e->table, s, &n);
}

typedef void (*eng_rx_fn)(struct eng_rx *rx);

/* Records decoded and looked up together (a packet of UPD_C holds 13). */
#define ENG_RX_GROUP 16
/* Records whose extras a packet may carry: UPD_C at the largest MTU. */
#define ENG_RX_XMAX PFS_PFSD_XST_RX_MAX

static size_t eng_rx_group_len(const struct eng_rx *rx, size_t first)
{
	size_t left = rx->f->nrec - first;

	return left < ENG_RX_GROUP ? left : ENG_RX_GROUP;
}

/* The state a record of UPD, UPD_C or DEL names. */
static void eng_rx_rec_id(enum pfs_msg_kind kind, const union pfs_msg_rec *r,
			  uint64_t *id, uint32_t *creatorid)
{
	if (kind == PFS_MSG_UPD_C) {
		*id = r->upd_c.id;
		*creatorid = r->upd_c.creatorid;
	} else if (kind == PFS_MSG_DEL) {
		*id = r->ref.id;
		*creatorid = r->ref.creatorid;
	} else {
		*id = r->state.id;
		*creatorid = r->state.creatorid;
	}
}

/*
 * Decodes n records from first into r[] and looks their states up in one
 * batch, which overlaps the cache misses of a large table.  The results
 * are only a prefetch: the handlers still find each state themselves, in
 * record order, since a record may insert or remove a state a later one
 * names; those finds now hit the cache.
 */
static void eng_rx_decode_group(const struct eng_rx *rx, size_t first, size_t n,
				union pfs_msg_rec *r)
{
	uint64_t ids[ENG_RX_GROUP];
	uint32_t creators[ENG_RX_GROUP];
	struct pfs_state *found[ENG_RX_GROUP];
	size_t i;

	for (i = 0; i < n; i++) {
		pfs_pfsd_rec(rx->f, first + i, &r[i]);
		eng_rx_rec_id(rx->f->kind, &r[i], &ids[i], &creators[i]);
	}
	pfs_table_find_id_batch(rx->e->table, n, ids, creators, found);
}

/* A refused record, counted where the sender's dialect counts it
 * (dialect_sem.h: NetBSD's badstate for all, the others' stale and
 * badval). */
static void eng_rx_count(struct eng_rx *rx, enum pfs_dsem_event ev)
{
	int slot = pfs_dsem_stat(rx->from.dialect, ev);

	if (slot >= 0)
		rx->e->stats[slot]++;
}

/* The absolute expiry of the record being applied: the seconds a
 * pfsyncd peer says its state has left (wire_xst.h), else `expire` as
 * the sender's dialect means it for a new state (import) or an update. */
static uint32_t eng_rx_expire(const struct eng_rx *rx, uint32_t wire,
			      uint8_t tclass, bool import)
{
	const struct pfs_stx *x = eng_rx_x(rx);
	unsigned d = rx->from.dialect;

	if (x != NULL && (x->has & PFS_STX_LEFT))
		return pfs_dsem_at(rx->now_s, x->left);
	if (import)
		return pfs_dsem_import_expire(d, wire, tclass, rx->now_s);
	return pfs_dsem_merge_expire(d, wire, tclass, rx->now_s);
}

static void eng_applied(struct eng_rx *rx, enum pfs_op op, struct pfs_state *st)
{
	if (op != PFS_OP_DELETE)
		st->heard_gen = rx->e->bulk_gen; /* for the bulk's sweep */
	if (rx->e->ops.applied)
		rx->e->ops.applied(rx->e->ctx, op, st);
	if (rx->e->bridge)
		pfs_eng_dial_bridge(rx->e, op, st, rx->from, rx->same,
				    rx->now_ms);
}

/*
 * pfsync_insert_net_state: times back to absolute, counters not
 * imported, sync_flags cleared (FROMSYNC is only transient: insertion
 * here never announces).  The rule number is kept only when the ruleset
 * digests match and there is no anchor; otherwise the default rule.
 */
/*
 * A state we created and deleted, offered back by a peer that still holds
 * it: refused, and the peer is told with a delete (the full form: only
 * id and creatorid are read, pfsync-v3.md 4.5).
 */
static bool eng_rx_refuse_deleted(struct eng_rx *rx, uint64_t id,
				  uint32_t creatorid)
{
	struct pfs_engine *e = rx->e;
	struct pfs_state del;

	if (!e->tomb || creatorid != e->conf.hostid ||
	    !pfs_tomb_has(e->tomb, id, creatorid, rx->now_s))
		return false;
	e->rel_stats[PFS_REL_REFUSED]++;
	memset(&del, 0, sizeof(del));
	del.id = id;
	del.creatorid = creatorid;
	pfs_eng_pack_state(e, PFS_MSG_DEL, &del, 0, rx->now_ms);
	return true;
}

/*
 * A copy of a connection whose state we created and deleted, under any
 * id and creator (a peer that re-read it from its kernel after a restart
 * offers it as its own): refused and answered with a delete of that copy,
 * unless it began after our delete (a new connection on the same
 * addresses and ports).  creation: the copy's, absolute.
 */
static bool eng_rx_refuse_conn(struct eng_rx *rx, const struct pfs_state *w,
			       uint32_t creation)
{
	struct pfs_engine *e = rx->e;
	const struct pfs_stx *x = eng_rx_x(rx);
	struct pfs_state del;
	struct pfs_flowkey k;
	uint32_t until;

	if (!e->ctomb)
		return false;
	pfs_state_flowkey(w, &k);
	k.zone = x != NULL && (x->has & PFS_STX_ZONE) ? x->zone : 0;
	until = pfs_tomb_until(e->ctomb, pfs_flowkey_digest(&k), 0, rx->now_s);
	/* begun in the second of our delete or after: a new connection on
	 * the same addresses (ages are whole seconds), not the deleted one */
	if (until == 0 || (int64_t)creation >= (int64_t)until - e->conf.tomb_s)
		return false;
	e->rel_stats[PFS_REL_REFUSED]++;
	memset(&del, 0, sizeof(del));
	del.id = w->id;
	del.creatorid = w->creatorid;
	pfs_eng_pack_state(e, PFS_MSG_DEL, &del, 0, rx->now_ms);
	return true;
}

static struct pfs_state *eng_rx_insert(struct eng_rx *rx,
				       const struct pfs_state *w)
{
	struct pfs_state tmp = *w, *s;

	rx->limited = false;
	tmp.creation = rx->now_s >= w->creation ? rx->now_s - w->creation : 0;
	if (eng_rx_refuse_deleted(rx, w->id, w->creatorid) ||
	    eng_rx_refuse_conn(rx, w, tmp.creation)) {
		rx->refused = true;
		return NULL;
	}
	if (eng_at_limit(rx->e) &&
	    pfs_table_find_id(rx->e->table, w->id, w->creatorid) == NULL) {
		rx->limited = true; /* counted by the caller: adopt may do */
		return NULL;
	}
	tmp.expire = eng_rx_expire(rx, w->expire, w->timeout, true);
	memset(tmp.packets, 0, sizeof(tmp.packets));
	memset(tmp.bytes, 0, sizeof(tmp.bytes));
	tmp.sync_flags = 0;
	tmp.sync_time = 0;
	tmp.local_flags = 0; /* our bookkeeping: a decoder leaves it as is */
	tmp.prov = 0;
	tmp.updates = 0;
	tmp.nat_rule = 0;
	if (!rx->chksum_ok || w->anchor != PFS_NO_RULE)
		tmp.rule = PFS_NO_RULE;
	tmp.anchor = PFS_NO_RULE;
	s = pfs_eng_tbl_insert(rx->e, &tmp, eng_rx_x(rx));
	if (s)
		eng_applied(rx, PFS_OP_INSERT, s);
	return s;
}

/*
 * The states of creatorid (of ifname too, when not NULL) go, each one
 * reported through ops->applied (DELETE) just before its removal, so a
 * backend removes exactly those from its kernel (engine.h).  Only a
 * creator that holds states costs a walk of the table; the walk stops
 * once all of them are gone.
 */
static void eng_rx_clear_walk(struct eng_rx *rx, uint32_t creatorid,
			      const char *ifname, uint64_t held)
{
	struct pfs_engine *e = rx->e;
	struct pfs_state *s;
	size_t cur = 0;

	e->guard_stats[PFS_GUARD_CLR_WALKS]++;
	while (held > 0 && (s = pfs_table_next(e->table, &cur)) != NULL) {
		if (s->creatorid != creatorid)
			continue;
		held--;
		if (ifname != NULL &&
		    strncmp(s->ifname, ifname, PFS_IFNAMSIZ) != 0)
			continue;
		if (ifname != NULL)
			eng_applied(rx, PFS_OP_DELETE, s);
		else if (e->ops.applied) /* bridged as one CLR below */
			e->ops.applied(e->ctx, PFS_OP_DELETE, s);
		pfs_eng_tbl_remove(e, s);
	}
}

/*
 * Whether a CLR record is one to apply: never one naming our own hostid
 * (no peer clears the states we created: a BSD peer's CLR names its own
 * id, and ours would delete our live connections, M9); at most
 * ENG_CLR_MAX a packet (a peer sends one); a repeat of one already
 * applied in this packet is not applied again.  Refusals are counted.
 */
static bool eng_rx_clear_ok(struct eng_rx *rx, uint32_t creatorid,
			    const char *ifname)
{
	struct eng_clr_run *c = &rx->clr;
	uint64_t *g = rx->e->guard_stats;
	const char *n = ifname != NULL ? ifname : "";
	unsigned i;

	if (creatorid == rx->e->conf.hostid) {
		g[PFS_GUARD_CLR_OWN]++;
		return false;
	}
	for (i = 0; i < c->n; i++)
		if (c->creator[i] == creatorid &&
		    (c->ifname[i][0] == '\0' ||
		     strncmp(c->ifname[i], n, PFS_IFNAMSIZ) == 0)) {
			g[PFS_GUARD_CLR_DUP]++;
			return false;
		}
	if (c->n == ENG_CLR_MAX) {
		g[PFS_GUARD_CLR_CAPPED]++;
		return false;
	}
	c->creator[c->n] = creatorid;
	strncpy(c->ifname[c->n], n, PFS_IFNAMSIZ - 1);
	c->ifname[c->n][PFS_IFNAMSIZ - 1] = '\0';
	c->n++;
	return true;
}

/*
 * A CLR of creatorid (of its states on ifname, when not NULL).  A creator
 * we hold no state of costs nothing more (creators.h); each state it
 * removes is reported to ops->applied; a CLR of the whole creator is
 * then bridged.
 */
static void eng_rx_clear(struct eng_rx *rx, uint32_t creatorid,
			 const char *ifname)
{
	struct pfs_engine *e = rx->e;
	const struct pfs_creators *cr;
	uint64_t held;

	if (!eng_rx_clear_ok(rx, creatorid, ifname))
		return;
	cr = pfs_eng_creators(e);
	held = cr != NULL ? pfs_creators_count(cr, creatorid)
			  : pfs_table_count(e->table);
	if (held > 0)
		eng_rx_clear_walk(rx, creatorid, ifname, held);
	if (ifname != NULL)
		return;
	if (e->bridge)
		pfs_eng_dial_bridge_clr(e, "", creatorid, rx->from, rx->now_ms);
}

/*
 * CLR {ifname, creatorid}: every state of that creator goes.  As in
 * NetBSD the ifname is NOT used as a filter (an upstream bug we keep for
 * compatibility: a peer's "pfctl -i if -F states" clears all its states
 * here).
 */
static void eng_rx_clr(struct eng_rx *rx)
{
	union pfs_msg_rec r;

	pfs_pfsd_rec(rx->f, 0, &r);
	eng_rx_clear(rx, r.clr.creatorid, NULL);
}

/* A peer's new state did not fit under the state limit. */
static void eng_rx_limit_count(struct eng_rx *rx)
{
	if (rx->limited)
		rx->e->lim_stats[PFS_LIM_PEER]++;
	rx->limited = false;
}

/*
 * A peer's INS of a state in our name is refused and counted: a peer
 * announces only states it created (pf imports synced states silently),
 * and neither our bulk nor a restart uses INS (a peer's copies of our
 * states come back as UPD, which stays accepted, as do UPD and DEL of
 * our states from the peer that carries them after a failover).  One we
 * deleted is still answered with its delete.
 */
/* Whether the state was inserted. */
static bool eng_rx_ins_one(struct eng_rx *rx, const struct pfs_state *w)
{
	if (w->creatorid != rx->e->conf.hostid) {
		if (eng_rx_insert(rx, w))
			return true;
		eng_rx_limit_count(rx);
		return false;
	}
	if (!eng_rx_refuse_deleted(rx, w->id, w->creatorid))
		rx->e->guard_stats[PFS_GUARD_INS_OWN]++;
	return false;
}

/* INS: bad values count BADSTATE; a failed insert is not counted, but
 * for the state limit's own counter. */
static void eng_rx_ins(struct eng_rx *rx)
{
	union pfs_msg_rec r;
	size_t i;

	for (i = 0; i < rx->f->nrec; i++) {
		rx->cur = i;
		pfs_pfsd_rec(rx->f, i, &r);
		if (!pfs_merge_values_ok_ins(&r.state)) {
			eng_rx_count(rx, PFS_DSEM_INVALID);
			continue;
		}
		(void)eng_rx_ins_one(rx, &r.state); /* v3: no INS_ACK */
	}
}

static bool eng_peer_same(const struct pfs_peer *a, const struct pfs_peer *b)
{
	return a->seqlo == b->seqlo && a->seqhi == b->seqhi &&
	       a->seqdiff == b->seqdiff && a->max_win == b->max_win &&
	       a->mss == b->mss && a->state == b->state &&
	       a->wscale == b->wscale;
}

static void eng_apply(struct eng_rx *rx, struct pfs_state *s,
		      const struct pfs_peer *src, const struct pfs_peer *dst,
		      uint32_t expire, uint8_t timeout)
{
	struct pfs_peer osrc = s->src, odst = s->dst;
	uint8_t otimeout = s->timeout;

	pfs_merge_import_peer(&s->src, src, false);
	pfs_merge_import_peer(&s->dst, dst, true);
	s->expire = eng_rx_expire(rx, expire, timeout, false);
	s->timeout = timeout;
	rx->same = otimeout == timeout && eng_peer_same(&osrc, &s->src) &&
		   eng_peer_same(&odst, &s->dst);
	eng_rx_xset(rx, s);
	eng_applied(rx, PFS_OP_UPDATE, s);
	rx->same = false;
}

/*
 * A stale full UPD: our copy is better.  Answer with it (uncompressed,
 * STALE-marked except after the sfail 7 partial import) unless the
 * incoming entry is itself a stale reply: that stops ping-pong.
 */
static void eng_stale_upd(struct eng_rx *rx, struct pfs_state *s,
			  const struct pfs_state *w, enum pfs_sfail sf,
			  bool *replied)
{
	if (sf == PFS_SFAIL_DST_PARTIAL) {
		pfs_merge_import_peer(&s->src, &w->src, false);
		eng_applied(rx, PFS_OP_UPDATE, s);
	}
	eng_rx_count(rx, PFS_DSEM_STALE);
	if (w->sync_flags & PFS_SF_STALE)
		return;
	if (!*replied)
		pfs_engine_flush(rx->e, rx->now_ms);
	*replied = true;
	if (s->sync_flags == 0)
		pfs_eng_pack_state(
		    rx->e, PFS_MSG_UPD, s,
		    sf == PFS_SFAIL_DST_PARTIAL ? 0 : ENG_F_STALE, rx->now_ms);
}

/*
 * The key of peer state w is taken by another id: ask ops->adopt whether
 * that state takes w's identity (see engine.h).  The re-keyed state, or
 * NULL (nothing changed).
 */
static struct pfs_state *eng_rx_adopt(struct eng_rx *rx,
				      const struct pfs_state *w)
{
	struct pfs_engine *e = rx->e;
	const struct pfs_stx *x = eng_rx_x(rx);
	struct pfs_flowkey k;
	struct pfs_state *old, tmp;
	struct pfs_stx ox;

	if (e->ops.adopt == NULL ||
	    pfs_table_find_id(e->table, w->id, w->creatorid) != NULL)
		return NULL;
	pfs_state_flowkey(w, &k);
	k.zone = x != NULL && (x->has & PFS_STX_ZONE) ? x->zone : 0;
	old = pfs_table_find_key(e->table, &k);
	if (old == NULL || !e->ops.adopt(e->ctx, old, w))
		return NULL;
	tmp = *old;
	tmp.id = w->id;
	tmp.creatorid = w->creatorid;
	if (tmp.local_flags & PFS_LF_UNCONFIRMED) /* confirmed: announced */
		tmp.sync_flags &= (uint8_t)~PFS_SF_NOSYNC;
	tmp.local_flags &= (uint8_t) ~(PFS_LF_PROVISIONAL | PFS_LF_UNCONFIRMED);
	(void)pfs_table_xget(e->table, old, &ox);
	pfs_eng_tbl_remove(e, old);
	return pfs_eng_tbl_insert(e, &tmp, &ox);
}

static void eng_rx_upd_one(struct eng_rx *rx, const struct pfs_state *w,
			   bool *replied)
{
	struct pfs_state *s;
	enum pfs_sfail sf;

	if (!pfs_merge_values_ok_upd(w->timeout, &w->src, &w->dst)) {
		eng_rx_count(rx, PFS_DSEM_INVALID);
		return;
	}
	s = pfs_table_find_id(rx->e->table, w->id, w->creatorid);
	if (!s) {
		/* how bulk updates create states */
		rx->refused = false;
		if (eng_rx_insert(rx, w) || rx->refused)
			return;
		s = eng_rx_adopt(rx, w);
		if (!s) {
			eng_rx_count(rx, PFS_DSEM_NOTFOUND);
			eng_rx_limit_count(rx);
			return;
		}
	}
	sf = pfs_merge_check(PFS_MERGE_UPD, s->proto, &s->src, &s->dst, &w->src,
			     &w->dst);
	if (sf == PFS_SFAIL_NONE)
		eng_apply(rx, s, &w->src, &w->dst, w->expire, w->timeout);
	else
		eng_stale_upd(rx, s, w, sf, replied);
}

static void eng_rx_upd(struct eng_rx *rx)
{
	union pfs_msg_rec r[ENG_RX_GROUP];
	bool replied = false;
	size_t i, j, n;

	for (i = 0; i < rx->f->nrec; i += n) {
		n = eng_rx_group_len(rx, i);
		eng_rx_decode_group(rx, i, n, r);
		for (j = 0; j < n; j++) {
			rx->cur = i + j;
			eng_rx_upd_one(rx, &r[j].state, &replied);
		}
	}
	if (replied)
		pfs_engine_flush(rx->e, rx->now_ms);
}

/* Unknown UPD_C state: ask its creator, unicast back to the sender, a
 * known peer within its budget (engine_src.c). */
static void eng_request_update(struct eng_rx *rx,
			       const struct pfs_msg_upd_c *u)
{
	struct pfs_engine *e = rx->e;
	union pfs_msg_rec r;

	if (!pfs_eng_src_known(e, rx->m->src)) {
		e->rel_stats[PFS_REL_REPLY_REFUSED]++; /* 0.0.0.0: nobody */
		return;
	}
	if (!pfs_eng_src_reply(e, rx->m->src,
			       pfs_pfsd_rec_len(PFS_MSG_UREQ) + ENG_REPLY_HDR,
			       rx->now_ms)) {
		e->rel_stats[PFS_REL_UREQ_LIMITED]++;
		return;
	}
	memset(&r, 0, sizeof(r));
	r.ref.id = u->id;
	r.ref.creatorid = u->creatorid;
	if (e->pkt.active && e->pkt.action != PFS_MSG_UREQ)
		pfs_engine_flush(e, rx->now_ms);
	e->sendaddr = rx->m->src;
	e->sendaddr_set = true;
	pfs_eng_pack_rec(e, PFS_MSG_UREQ, &r, rx->now_ms);
}

struct eng_upd_c_run {
	bool requested; /* a UREQ is pending */
	bool stale;	/* a stale reply was made */
};

static void eng_rx_upd_c_one(struct eng_rx *rx, const struct pfs_msg_upd_c *u,
			     struct eng_upd_c_run *run)
{
	struct pfs_state *s;
	enum pfs_sfail sf;

	if (!pfs_merge_values_ok_upd(u->timeout, &u->src, &u->dst)) {
		eng_rx_count(rx, PFS_DSEM_INVALID);
		return;
	}
	s = pfs_table_find_id(rx->e->table, u->id, u->creatorid);
	if (!s) {
		eng_request_update(rx, u);
		run->requested = true;
		eng_rx_count(rx, PFS_DSEM_UPDC_UNKNOWN);
		return;
	}
	sf = pfs_merge_check(PFS_MERGE_UPD_C, s->proto, &s->src, &s->dst,
			     &u->src, &u->dst);
	if (sf == PFS_SFAIL_NONE) {
		eng_apply(rx, s, &u->src, &u->dst, u->expire, u->timeout);
		return;
	}
	/* UPD_C has no STALE flag: always answer */
	eng_rx_count(rx, PFS_DSEM_STALE);
	if (!run->stale || run->requested)
		pfs_engine_flush(rx->e, rx->now_ms);
	run->requested = false;
	run->stale = true;
	if (s->sync_flags == 0)
		pfs_eng_pack_state(rx->e, PFS_MSG_UPD, s, ENG_F_STALE,
				   rx->now_ms);
}

static void eng_rx_upd_c(struct eng_rx *rx)
{
	struct eng_upd_c_run run = {false, false};
	union pfs_msg_rec r[ENG_RX_GROUP];
	size_t i, j, n;

	for (i = 0; i < rx->f->nrec; i += n) {
		n = eng_rx_group_len(rx, i);
		eng_rx_decode_group(rx, i, n, r);
		for (j = 0; j < n; j++) {
			rx->cur = i + j;
			eng_rx_upd_c_one(rx, &r[j].upd_c, &run);
		}
	}
	if (run.requested || run.stale)
		pfs_engine_flush(rx->e, rx->now_ms);
}

static void eng_rx_del_id(struct eng_rx *rx, uint64_t id, uint32_t creatorid)
{
	struct pfs_state *s = pfs_table_find_id(rx->e->table, id, creatorid);

	if (!s) {
		eng_rx_count(rx, PFS_DSEM_NOTFOUND);
		return;
	}
	eng_applied(rx, PFS_OP_DELETE, s);
	pfs_eng_tbl_remove(rx->e, s);
}

/*
 * DEL and DEL_C: only id and creatorid are used (of the 240-byte DEL
 * record too).
 */
static void eng_rx_del(struct eng_rx *rx)
{
	union pfs_msg_rec r[ENG_RX_GROUP];
	size_t i, j, n;
	uint64_t id;
	uint32_t creatorid;

	for (i = 0; i < rx->f->nrec; i += n) {
		n = eng_rx_group_len(rx, i);
		eng_rx_decode_group(rx, i, n, r);
		for (j = 0; j < n; j++) {
			eng_rx_rec_id(rx->f->kind, &r[j], &id, &creatorid);
			eng_rx_del_id(rx, id, creatorid);
		}
	}
}

/*
 * One request: {0, 0} asks for a bulk update, else the full state.  Only
 * a known peer is answered, and a state only within the bytes it earned
 * (engine_src.c): one request, one answer at most.
 */
static void eng_rx_ureq_one(struct eng_rx *rx, uint64_t id, uint32_t creatorid)
{
	struct pfs_engine *e = rx->e;
	struct pfs_state *s;

	if (!pfs_eng_src_known(e, rx->m->src)) {
		e->rel_stats[PFS_REL_REPLY_REFUSED]++;
		return;
	}
	if (id == 0 && creatorid == 0) {
		pfs_eng_bulk_received(e, rx->m->src, rx->now_ms);
		return;
	}
	s = pfs_table_find_id(e->table, id, creatorid);
	if (!s)
		eng_rx_count(rx, PFS_DSEM_NOTFOUND);
	else if (s->sync_flags != 0)
		return;
	else if (!pfs_eng_src_reply(e, rx->m->src,
				    pfs_pfsd_rec_len(PFS_MSG_UPD) +
					ENG_REPLY_HDR,
				    rx->now_ms))
		e->rel_stats[PFS_REL_UREQ_LIMITED]++;
	else
		pfs_eng_pack_state(e, PFS_MSG_UPD, s, 0, rx->now_ms);
}

/*
 * UREQ: {0, 0} asks for a bulk update; otherwise answer with the full
 * state (never compressed) to the peer or group, not to the requester.
 */
static void eng_rx_ureq(struct eng_rx *rx)
{
	union pfs_msg_rec r;
	size_t i;

	pfs_engine_flush(rx->e, rx->now_ms);
	for (i = 0; i < rx->f->nrec; i++) {
		pfs_pfsd_rec(rx->f, i, &r);
		eng_rx_ureq_one(rx, r.ref.id, r.ref.creatorid);
	}
	pfs_engine_flush(rx->e, rx->now_ms);
}

static void eng_rx_bus(struct eng_rx *rx)
{
	union pfs_msg_rec r;

	pfs_pfsd_rec(rx->f, 0, &r);
	if (pfs_eng_rel_bus_in(rx->e, &r.bus, rx->now_ms))
		pfs_eng_bulk_bus_in(rx->e, &r.bus, rx->now_ms);
}

/* Handlers by message kind; records of a kind never applied (INS_F,
 * DEL_F, TDB_UPD: kind 0) are ignored, as NetBSD does. */
static const eng_rx_fn eng_rx_kinds[] = {
    [PFS_MSG_CLR] = eng_rx_clr,	    [PFS_MSG_INS] = eng_rx_ins,
    [PFS_MSG_UPD] = eng_rx_upd,	    [PFS_MSG_DEL] = eng_rx_del,
    [PFS_MSG_UPD_C] = eng_rx_upd_c, [PFS_MSG_UREQ] = eng_rx_ureq,
    [PFS_MSG_BUS] = eng_rx_bus,
};

static eng_rx_fn eng_rx_handler(enum pfs_msg_kind k)
{
	if ((size_t)k >= sizeof(eng_rx_kinds) / sizeof(eng_rx_kinds[0]))
		return NULL;
	return eng_rx_kinds[k];
}

/*
 * NetBSD checks the length inside each action's case, so a short packet
 * of an action it ignores moves no counter: TDB_UPD has no case at all,
 * and a BUS is dropped for "no bulk update awaited" before its pullup.
 */
static bool eng_rx_counts_refusal(const struct pfs_engine *e,
				  const struct pfs_pfsd_pkt *p, int rc)
{
	if (rc != PFS_STAT_BADLEN)
		return true;
	if (p->kind == 0) /* TDB_UPD: INS_F and DEL_F have no records */
		return false;
	if (p->kind == PFS_MSG_BUS && e->ureq_sent == 0)
		return false;
	return true;
}

/* The extras section of a packet of INS, UPD or UPD_C (pfsd.h): true
 * when it is there and valid; a bad one is counted and ignored. */
static bool eng_rx_section(struct pfs_engine *e, const struct pfs_pfsd_pkt *p,
			   struct pfs_stx *x)
{
	int rc = pfs_pfsd_xst(p, x);

	if (rc < 0)
		e->rel_stats[PFS_REL_XST_BAD]++;
	return rc > 0;
}

/* Apply a received packet that passed the checks of pfs_engine_input
 * (p->len: the bytes its sections are read within). */
void pfs_eng_rx_apply(struct pfs_engine *e, const struct pfs_pfsd_pkt *p,
		      const struct pfs_rx_meta *m, uint64_t now_ms)
{
	struct pfs_stx x[ENG_RX_XMAX];
	eng_rx_fn fn = eng_rx_handler(p->kind);
	struct eng_rx rx;

	if (fn == NULL)
		return;
	if (p->kind == PFS_MSG_UPD)
		pfs_eng_bulk_progress(e, now_ms); /* bulk traffic, if we wait */
	rx.e = e;
	rx.f = p;
	rx.m = m;
	rx.now_ms = now_ms;
	rx.now_s = eng_secs(now_ms);
	rx.chksum_ok =
	    memcmp(p->chksum, e->conf.chksum, PFS_SYNC_CHKSUM_LEN) == 0;
	rx.from.dialect = PFS_DIALECT_V3;
	rx.from.fmt = 0;
	rx.from.addr = m->src;
	rx.same = false;
	rx.limited = false;
	rx.cur = 0;
	rx.clr.n = 0;
	rx.x = x;
	rx.xst = eng_rx_section(e, p, x);
	fn(&rx);
	if (pfs_pfsd_has_xexp(p))
		pfs_eng_xexp_rx(e, p->pkt, p->len, p->rec_end);
}

/* ---- v5 (FreeBSD) and v6 (OpenBSD) ----------------------------------------*/

/*
 * A v5 or v6 packet is walked by the dialect seam into messages, applied
 * by the v3 handlers' per-record halves with the same merge rules: INS
 * imports, UPD merges or imports, UPD_C merges (expire 0 from the BSDs
 * resets the expiry to now, as they do) or asks with an UPD_REQ, DEL and
 * DEL_C remove, CLR removes the creator's states (of one interface when
 * it names one, as OpenBSD and FreeBSD do), UPD_REQ answers, BUS drives
 * our bulk wait.  An applied INS that asks for it (PFSTATE_ACK: the peer
 * deferred a packet) is answered with an INS_ACK (engine_iack.c).
 * INS_ACK, TDB and the skipped sections change nothing.
 * The rule numbers of the BSDs' states are never trusted (no shared
 * ruleset digest), and no pfsyncd trailer is read.
 */
struct eng_bsd_run {
	struct eng_rx rx;
	const struct pfs_rx_result *res; /* the walk's: well_formed, fmt */
	bool learned;	  /* the sender proved (engine_dial.c) */
	bool replied;	  /* stale UPD answered */
	struct eng_upd_c_run upd_c;
	bool ureq;	      /* an UPD_REQ was handled */
	bool progress;	      /* bulk progress noted */
	struct eng_iack iack; /* INS_ACKs for the sender's defer */
};

static void eng_bsd_clr(struct eng_rx *rx, const struct pfs_msg *m)
{
	eng_rx_clear(rx, m->u.clr.creatorid,
		     m->u.clr.ifname[0] != '\0' ? m->u.clr.ifname : NULL);
}

static void eng_bsd_upd_c(struct eng_bsd_run *b, const struct pfs_msg *m)
{
	eng_rx_upd_c_one(&b->rx, &m->u.upd_c, &b->upd_c);
}

static void eng_bsd_bus(struct eng_rx *rx, const struct pfs_msg *m)
{
	pfs_eng_bulk_bus_in(rx->e, &m->u.bus, rx->now_ms);
}

/* Whether a record proves its sender a peer: one we act on, not naming
 * our hostid where no peer may (CLR, INS). */
static bool eng_bsd_proves(const struct eng_rx *rx, const struct pfs_msg *m)
{
	uint32_t own = rx->e->conf.hostid;

	switch (m->kind) {
	case PFS_MSG_INS_ACK:
		return false;
	case PFS_MSG_CLR:
		return m->u.clr.creatorid != own;
	case PFS_MSG_INS:
		return m->u.state->creatorid != own;
	default:
		return true;
	}
}

/* A well-formed packet's first record that proves its sender: the
 * sender's dialect is learned before it is applied (replies go in it). */
static void eng_bsd_learn(struct eng_bsd_run *b, const struct pfs_msg *m)
{
	struct eng_rx *rx = &b->rx;

	if (b->learned || !b->res->well_formed || !eng_bsd_proves(rx, m))
		return;
	b->learned = true;
	pfs_eng_dial_heard(rx->e, rx->from.addr, rx->from.dialect, rx->from.fmt,
			   rx->now_ms);
}

static int eng_bsd_msg(const struct pfs_msg *m, void *arg)
{
	struct eng_bsd_run *b = arg;
	struct eng_rx *rx = &b->rx;

	rx->from.fmt = b->res->fmt; /* what a peer of version auto gets */
	eng_bsd_learn(b, m);
	switch (m->kind) {
	case PFS_MSG_INS:
		if (eng_rx_ins_one(rx, m->u.state) && m->ack_wanted)
			pfs_eng_iack_add(rx->e, &b->iack, m->u.state->id,
					 m->u.state->creatorid, rx->now_ms);
		break;
	case PFS_MSG_UPD:
		if (!b->progress)
			pfs_eng_bulk_progress(rx->e, rx->now_ms);
		b->progress = true;
		eng_rx_upd_one(rx, m->u.state, &b->replied);
		break;
	case PFS_MSG_UPD_C:
		eng_bsd_upd_c(b, m);
		break;
	case PFS_MSG_DEL:
		eng_rx_del_id(rx, m->u.ref.id, m->u.ref.creatorid);
		break;
	case PFS_MSG_CLR:
		eng_bsd_clr(rx, m);
		break;
	case PFS_MSG_UREQ:
		if (!b->ureq)
			pfs_engine_flush(rx->e, rx->now_ms);
		b->ureq = true;
		eng_rx_ureq_one(rx, m->u.ref.id, m->u.ref.creatorid);
		break;
	case PFS_MSG_BUS:
		eng_bsd_bus(rx, m);
		break;
	case PFS_MSG_INS_ACK: /* our defer (engine_defer.c) */
		pfs_eng_defer_ack_id(rx->e, rx->from.addr, m->u.ref.id,
				     m->u.ref.creatorid, rx->now_ms);
		break;
	default:
		break;
	}
	return 0;
}

static void eng_rx_bsd(struct pfs_engine *e, const uint8_t *pkt, size_t len,
		       const struct pfs_rx_meta *m, uint64_t now_ms)
{
	struct pfs_rx_result res;
	struct eng_bsd_run b;
	int rc;

	memset(&b, 0, sizeof(b));
	b.res = &res;
	b.rx.from.dialect = pkt[0];
	b.rx.from.addr = m->src;
	b.rx.e = e;
	b.rx.m = m;
	b.rx.now_ms = now_ms;
	b.rx.now_s = eng_secs(now_ms);
	pfs_eng_iack_init(&b.iack, pkt[0], m->src);
	rc = pfs_dialect_rx(pkt, len, eng_bsd_msg, &b, &res);
	if (rc > 0 && rc < PFS_NSTATS)
		e->stats[rc]++;
	if (!res.framed) /* HDROPS, BADVER, BADLEN of the header */
		return;
	if (!b.learned)
		pfs_eng_dial_unproven(e, m->src, pkt[0]);
	e->stats[PFS_STAT_BADVAL] += res.badval;
	if (b.replied || b.upd_c.requested || b.upd_c.stale || b.ureq)
		pfs_engine_flush(e, now_ms);
	pfs_eng_iack_flush(e, &b.iack, now_ms); /* at once, as pf answers */
}

/*
 * A v3 packet proves its sender a peer (engine_dial.c) when it carries a
 * pfsyncd trailer (heartbeats are how an idle pfsyncd peer speaks) or a
 * record of an action we handle, a CLR not naming our hostid; a bare
 * header does not.
 */
static void eng_rx_learn_pfsd(struct pfs_engine *e,
			      const struct pfs_pfsd_pkt *p, uint32_t src,
			      uint64_t now_ms)
{
	enum pfs_msg_kind k = p->kind;
	union pfs_msg_rec r;
	bool proves = p->trailer;
	uint32_t cr;

	if (!proves && p->nrec > 0 && eng_rx_handler(k) != NULL) {
		proves = true;
		if (k == PFS_MSG_CLR || k == PFS_MSG_INS) {
			pfs_pfsd_rec(p, 0, &r);
			cr = k == PFS_MSG_CLR ? r.clr.creatorid
					      : r.state.creatorid;
			proves = cr != e->conf.hostid;
		}
	}
	if (proves)
		pfs_eng_dial_heard(e, src, PFS_DIALECT_V3, 0, now_ms);
	else
		pfs_eng_dial_unproven(e, src, PFS_DIALECT_V3);
}

void pfs_engine_input(struct pfs_engine *e, const uint8_t *pkt, size_t len,
		      const struct pfs_rx_meta *m, uint64_t now_ms)
{
	struct pfs_pfsd_pkt p;
	int rc;

	e->stats[PFS_STAT_IPACKETS]++;
	if (!e->conf.syncdev)
		return; /* receive is off: dropped without a counter */
	if (!m->on_syncdev) {
		e->stats[PFS_STAT_BADIF]++;
		return;
	}
	if (m->ttl != PFS_SYNC_TTL) {
		e->stats[PFS_STAT_BADTTL]++;
		return;
	}
	(void)pfs_eng_src_heard(e, m->src, len, now_ms); /* what it may cost */
	if (len > 0 && (pkt[0] == PFS_DIALECT_V5 || pkt[0] == PFS_DIALECT_V6)) {
		eng_rx_bsd(e, pkt, len, m, now_ms);
		return;
	}
	rc = pfs_pfsd_parse(pkt, len, &p);
	if (rc != 0) {
		if (rc > 0 && rc < PFS_NSTATS &&
		    eng_rx_counts_refusal(e, &p, rc))
			e->stats[rc]++;
		return;
	}
	if (pfs_eng_dig_input(e, &p, m, now_ms))
		return; /* a digest section (engine_digest.c) */
	/* a pfsyncd peer's packet: in its stream's order (engine_rel.c);
	 * its extras section, if any, stays with the records */
	eng_rx_learn_pfsd(e, &p, m->src, now_ms);
	if (e->rel && p.trailer) {
		pfs_eng_rel_input(e, &p, m, now_ms);
		return;
	}
	pfs_eng_rx_apply(e, &p, m, now_ms);
}
