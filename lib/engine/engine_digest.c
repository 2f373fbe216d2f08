/*
 * engine_digest.c - anti-entropy between pfsyncd peers (issue 16, item
 * 4): whatever made a replica's copy of a creator's states drift (loss
 * on a link without `reliable`, a kernel drop, `conntrack -D` behind the
 * daemon's back), it is found and repaired.
 *
 * Only the creator is authoritative for its states.  Every digest_ms
 * each node sends the digest of the states it created (digest.h: per
 * bucket a count and an order-independent sum, kept up to date on every
 * insert and removal, so a round costs O(buckets)), as SUM sections
 * (pfsd.h) to the group.  A replica compares each bucket with what
 * it holds of that creator.  Digests about a third node's states are
 * never acted on: a SUM names its creator, the creator is tied to the
 * address it was first heard from, and one naming us is ignored.
 *
 * In-flight changes against a snapshot: a round is sent after the
 * pending packet is flushed, so the changes it sums are on the wire
 * before it; still, a change can be on its way (a lost packet being
 * resent, reordering).  A bucket is therefore repaired only when it
 * differed in two consecutive rounds (the rule is waived for a node
 * that just restarted, which asked for a round: it knows it is behind).
 * Repair itself never deletes on a snapshot's word alone:
 *
 *  1. the replica ASKs the creator (unicast) for the differing buckets,
 *     DIG_ASK_MAX at a time, one ask per creator in flight;
 *  2. the creator answers with a LIST of (id, flow key) of its states in
 *     those buckets, paced (DIG_ANS_PKTS a tick) and paid from a byte
 *     budget, only to a known peer that spoke before (engine_src.c: a
 *     source's first packet gets nothing), one answer at a time; the
 *     last LIST says how many entries the answer had;
 *  3. the replica confirms what it holds by id; an entry it holds under
 *     another id by flow key (re-read from the kernel after a restart,
 *     unconfirmed) is adopted by the ops->adopt rule and re-keyed
 *     without a kernel write; the rest it FETCHes (the creator sends
 *     them as full UPDs to the group, as bulk replies);
 *  4. when the answer arrived whole (entries counted), the states of
 *     that creator in those buckets that it did not list are deleted,
 *     unless they began in the second of the ask or later (created
 *     after the creator's walk; their INS may come before the LIST's
 *     end).  An answer with a loss deletes nothing; the buckets are
 *     asked again.
 *
 * Every id the creator lists is kept from that delete, held or fetched
 * (a fetched state, or a bulk's, may land before the LIST's end).  No
 * repair is asked while a bulk update is awaited (outside a restart's
 * digest sync) and the node holds less than half of the creator's
 * states: the bulk brings them, and repairs asked meanwhile would fetch
 * them twice.
 *
 * So a state the replica lost comes back, and a state the creator
 * deleted never comes back: the creator lists and sends only what it
 * holds (its tombstones refuse copies offered back, engine_rx.c).
 *
 * Unconfirmed states (state.h) that may be a creator's are deleted once
 * a round of that creator matched entirely: all its states are then held
 * under its ids, and the flow key of an unconfirmed one is taken by it
 * alone, so the creator has no state of that connection (had it one,
 * the state would be missing under the creator's id: no match).
 *
 * Digests go only where pfsyncd peers are: in the v3 dialect (not while
 * peers of other dialects are heard), to the group, as a probe every
 * DIG_PROBE_MS until a pfsyncd peer is heard (a digest, or a trailer
 * that reads extras), then every digest_ms.  They are not numbered by
 * the reliable stream and are not copied to pfsync0.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/digest.h"
#include "pfsync/engine_dig.h"
#include "pfsync/table.h"

#include "engine_priv.h"

#define DIG_W		 (PFS_DIG_BUCKETS / 64) /* words of a bucket bitmap */
#define DIG_PEERS	 16			/* creators compared at once */
#define DIG_ASK_MAX	 128			/* buckets one ASK names */
#define DIG_ASK_WAIT_MS	 4000  /* an answer not ended by then: lost */
#define DIG_BIND_MS	 60000 /* a creator stays tied to its address */
#define DIG_PROVEN_MS	 60000 /* a pfsyncd peer heard: rounds go on */
#define DIG_PROBE_MS	 30000 /* until then, a round this often */
#define DIG_ROUND_MIN_MS 500   /* rounds asked for, at most this often */
#define DIG_ANS_PKTS	 32    /* LIST packets an answer tick sends */
#define DIG_ANS_TICK_MS	 2
#define DIG_RATE	 (8u << 20) /* answer bytes a second, all peers */
#define DIG_FETCH_MAX	 128	    /* ids one FETCH names */
#define DIG_PKT_MAX	 1500  /* digest packets: one Ethernet MTU at most */
#define DIG_SYNC_MAX_MS	 60000 /* a restart's repair longer: a bulk */

/* A growable set of ids (open addressing; 0 is the empty cell, so id 0
 * is kept apart). */
struct dig_set {
	uint64_t *v;
	size_t cap, n;
	bool zero;
};

/* One creator we hold states of and compare with its digests. */
struct dig_peer {
	uint32_t creatorid; /* 0: unused */
	uint32_t src;
	uint64_t heard_ms;
	uint64_t since_ms;
	uint32_t round;
	uint32_t theirs;
	unsigned round_differ; /* buckets differing in this round */
	unsigned last_differ;  /* ... in the last complete round */
	unsigned matched;      /* complete rounds in a row without any */
	bool eager;	       /* act on one round's difference */
	uint64_t differ[DIG_W];
	uint64_t want[DIG_W];
	/* the ask in flight */
	uint32_t tag;
	uint64_t ask_ms; /* 0: none */
	uint32_t ask_s;
	uint64_t asked[DIG_W];
	uint32_t got;
	struct dig_set listed;
	uint64_t fetch[DIG_FETCH_MAX];
	unsigned nfetch;
};

/* The answer we are sending (one at a time). */
struct dig_answer {
	bool on;
	uint32_t to, tag;
	uint64_t want[DIG_W];
	size_t cursor;
	uint32_t listed;
	uint64_t at;
};

struct eng_dig {
	struct pfs_digest *sums;
	bool stale;	      /* the sums may not match the table: rebuild */
	uint32_t hostid;      /* whose states are "ours" in the sums */
	uint64_t unconfirmed; /* unconfirmed states in the table */
	uint64_t seen;	      /* states the hooks saw in the table */
	uint32_t round;
	uint64_t next_ms;   /* our next round */
	uint64_t round_ms;  /* our last one */
	uint64_t proven_ms; /* a pfsyncd peer's digest last heard */
	uint64_t budget;
	uint64_t budget_ms;
	uint32_t next_tag;
	bool sync_wait;		/* a restart waits for its repair */
	bool sync_heard;	/* ... and a digest came */
	uint64_t sync_fallback; /* ... a bulk then, if none came */
	uint64_t sync_until;	/* ... a bulk then, if not synced */
	uint64_t sync_ms;	/* ... asked then */
	struct dig_answer ans;
	struct dig_peer peer[DIG_PEERS];
	uint64_t stats[PFS_DIG_NSTATS];
	uint8_t buf[DIG_PKT_MAX];
	/* a received section's entries (pfsd.h) */
	struct pfs_dig_bucket rx_sum[PFS_DIG_ENT_MAX];
	uint16_t rx_ask[PFS_DIG_ENT_MAX];
	struct pfs_dig_ent rx_list[PFS_DIG_ENT_MAX];
	uint64_t rx_fetch[PFS_DIG_ENT_MAX];
};

/* ---- bitmaps and the id set ------------------------------------------*/

static bool dig_bit(const uint64_t *m, unsigned i)
{
	return (m[i / 64] >> (i % 64)) & 1;
}

static void dig_bit_set(uint64_t *m, unsigned i, bool v)
{
	if (v)
		m[i / 64] |= 1ULL << (i % 64);
	else
		m[i / 64] &= ~(1ULL << (i % 64));
}

static bool dig_any(const uint64_t *m)
{
	unsigned i;

	for (i = 0; i < DIG_W; i++)
		if (m[i])
			return true;
	return false;
}

static uint64_t dig_set_h(uint64_t id)
{
	id ^= id >> 33;
	id *= 0xff51afd7ed558ccdULL;
	return id ^ (id >> 33);
}

static void dig_set_free(struct dig_set *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int dig_set_put(struct dig_set *s, uint64_t id);

static int dig_set_grow(struct dig_set *s)
{
	struct dig_set n = {NULL, s->cap ? s->cap * 2 : 1024, 0, s->zero};
	size_t i;

	if ((n.v = calloc(n.cap, sizeof(*n.v))) == NULL)
		return -1;
	for (i = 0; i < s->cap; i++)
		if (s->v[i] != 0)
			(void)dig_set_put(&n, s->v[i]);
	free(s->v);
	*s = n;
	return 0;
}

static int dig_set_put(struct dig_set *s, uint64_t id)
{
	size_t i;

	if (id == 0) {
		s->zero = true;
		return 0;
	}
	if ((s->n + 1) * 2 > s->cap && dig_set_grow(s) < 0)
		return -1;
	for (i = dig_set_h(id) & (s->cap - 1); s->v[i] != 0;
	     i = (i + 1) & (s->cap - 1))
		if (s->v[i] == id)
			return 0;
	s->v[i] = id;
	s->n++;
	return 0;
}

static bool dig_set_has(const struct dig_set *s, uint64_t id)
{
	size_t i;

	if (id == 0)
		return s->zero;
	if (s->cap == 0)
		return false;
	for (i = dig_set_h(id) & (s->cap - 1); s->v[i] != 0;
	     i = (i + 1) & (s->cap - 1))
		if (s->v[i] == id)
			return true;
	return false;
}

/* ---- the sums, kept with the table (engine_creators.c calls these) ----*/

/* Summed: what a peer holds too (never no-sync or unconfirmed states). */
static bool dig_counted(const struct pfs_state *s)
{
	return !(s->local_flags & PFS_LF_UNCONFIRMED) &&
	       !(s->sync_flags & PFS_SF_NOSYNC);
}

void pfs_eng_dig_added(struct pfs_engine *e, const struct pfs_state *s)
{
	struct eng_dig *d = e->dig;

	if (d == NULL)
		return;
	d->seen++;
	if (s->local_flags & PFS_LF_UNCONFIRMED)
		d->unconfirmed++;
	if (dig_counted(s) && pfs_digest_add(d->sums, s) < 0)
		d->stale = true;
}

void pfs_eng_dig_removed(struct pfs_engine *e, const struct pfs_state *s)
{
	struct eng_dig *d = e->dig;

	if (d == NULL)
		return;
	if (d->seen > 0)
		d->seen--;
	if ((s->local_flags & PFS_LF_UNCONFIRMED) && d->unconfirmed > 0)
		d->unconfirmed--;
	if (dig_counted(s))
		pfs_digest_sub(d->sums, s);
}

/* The sums, rebuilt by one walk when they may not match the table (a
 * table changed behind the engine's back: its count differs from what
 * the hooks saw; a creator that did not fit). */
static void dig_fresh(struct pfs_engine *e)
{
	struct eng_dig *d = e->dig;
	struct pfs_state *s;
	size_t cur = 0, n = 0;

	if (!d->stale && d->seen == pfs_table_count(e->table))
		return;
	d->stats[PFS_DIG_REBUILT]++;
	pfs_digest_reset(d->sums);
	d->unconfirmed = 0;
	d->stale = false;
	while ((s = pfs_table_next(e->table, &cur)) != NULL) {
		n++;
		if (s->local_flags & PFS_LF_UNCONFIRMED)
			d->unconfirmed++;
		if (dig_counted(s) && pfs_digest_add(d->sums, s) < 0)
			d->stale = true; /* more creators than fit */
	}
	d->seen = n;
}

/* ---- opening, closing, the configuration -----------------------------*/

int pfs_eng_dig_open(struct pfs_engine *e, uint64_t now_ms)
{
	struct eng_dig *d = e->dig;

	if (e->conf.digest_ms == 0) {
		pfs_eng_dig_close(e);
		return 0;
	}
	if (d != NULL) {
		if (d->hostid != e->conf.hostid)
			d->stale = true; /* "ours" changed */
		d->hostid = e->conf.hostid;
		return 0;
	}
	if ((d = calloc(1, sizeof(*d))) == NULL)
		return -1;
	if ((d->sums = pfs_digest_new()) == NULL) {
		free(d);
		return -1;
	}
	d->hostid = e->conf.hostid;
	d->stale = pfs_table_count(e->table) > 0;
	d->next_ms = now_ms + e->conf.digest_ms;
	d->round = (uint32_t)(now_ms / 1000) << 8; /* new at each start */
	d->ans.at = ENG_NEVER;
	d->sync_fallback = d->sync_until = ENG_NEVER;
	e->dig = d;
	return 0;
}

void pfs_eng_dig_close(struct pfs_engine *e)
{
	struct eng_dig *d = e->dig;
	unsigned i;

	if (d == NULL)
		return;
	for (i = 0; i < DIG_PEERS; i++)
		dig_set_free(&d->peer[i].listed);
	pfs_digest_free(d->sums);
	free(d);
	e->dig = NULL;
}

/* ---- sending ----------------------------------------------------------*/

static uint32_t dig_group(const struct pfs_engine *e)
{
	return e->conf.syncpeer ? e->conf.syncpeer : PFS_SYNC_GROUP;
}

/* Bytes a digest packet may have: the MTU less an IPv4 header. */
static size_t dig_room(const struct pfs_engine *e)
{
	unsigned mtu = e->conf.mtu ? e->conf.mtu : PFS_MTU_DEFAULT;

	return pfs_pfsd_dig_room(mtu, DIG_PKT_MAX);
}

/* Start a digest packet in d->buf: the empty UPD_C and a section
 * header (pfsd.h). */
static void dig_begin(struct pfs_engine *e, struct pfs_pfsd_dig *w,
		      const struct pfs_dig_hdr *h)
{
	pfs_pfsd_dig_begin(w, e->dig->buf, dig_room(e), e->conf.chksum, h);
}

/* Counted in OPACKETS as every packet sent, and not shown on pfsync0 (not
 * state changes), as the reliable layer's control packets. */
static void dig_send(struct pfs_engine *e, struct pfs_pfsd_dig *w, uint16_t n,
		     uint32_t dst)
{
	size_t len = pfs_pfsd_dig_end(w, n);

	if (len == 0) {
		e->dig->stats[PFS_DIG_SEND_ERR]++;
		return;
	}
	e->dig->stats[PFS_DIG_SENT]++;
	if (pfs_eng_output_raw(e, e->dig->buf, len, dst) < 0)
		e->dig->stats[PFS_DIG_SEND_ERR]++;
}

/* Digests go out in the v3 dialect only, never to BSD peers of v5/v6. */
static bool dig_can_send(const struct pfs_engine *e)
{
	return !eng_wire_off(e) && e->dialect == PFS_DIALECT_V3 && !e->mixed;
}

/* One round: the sums of our own states, all buckets, to the group. */
static void dig_round(struct pfs_engine *e, uint64_t now_ms)
{
	struct eng_dig *d = e->dig;
	const struct pfs_dig_sums *s;
	static const struct pfs_dig_bucket none;
	struct pfs_dig_hdr h;
	struct pfs_pfsd_dig w;
	size_t per;
	unsigned first, i, n;

	pfs_engine_flush(e, now_ms); /* what the round sums goes first */
	dig_fresh(e);
	s = pfs_digest_get(d->sums, e->conf.hostid);
	per = pfs_pfsd_dig_sums_per(dig_room(e));
	d->round++;
	d->round_ms = now_ms;
	for (first = 0; first < PFS_DIG_BUCKETS; first += n) {
		n = PFS_DIG_BUCKETS - first < per ? PFS_DIG_BUCKETS - first
						  : (unsigned)per;
		memset(&h, 0, sizeof(h));
		h.kind = PFS_DIG_SUM;
		h.flags = first + n == PFS_DIG_BUCKETS ? PFS_DIG_F_LAST : 0;
		h.creatorid = e->conf.hostid;
		h.tag = d->round;
		h.total = s != NULL ? (uint32_t)s->total : 0;
		h.first = (uint16_t)first;
		h.buckets = PFS_DIG_BUCKETS;
		dig_begin(e, &w, &h);
		for (i = 0; i < n; i++)
			pfs_pfsd_dig_sum(&w, s ? &s->b[first + i] : &none);
		dig_send(e, &w, (uint16_t)n, dig_group(e));
	}
}

static bool dig_proven(const struct pfs_engine *e, uint64_t now_ms)
{
	const struct eng_dig *d = e->dig;

	return e->xst_peer ||
	       (d->proven_ms != 0 && now_ms - d->proven_ms < DIG_PROVEN_MS);
}

/* The answer budget, refilled by the time since it was last used. */
static bool dig_budget(struct eng_dig *d, size_t bytes, uint64_t now_ms)
{
	uint64_t add = now_ms > d->budget_ms
			   ? (now_ms - d->budget_ms) * DIG_RATE / 1000
			   : 0;

	if (d->budget_ms == 0 || add >= DIG_RATE - d->budget)
		d->budget = DIG_RATE;
	else
		d->budget += add;
	d->budget_ms = now_ms;
	if (bytes > d->budget)
		return false;
	d->budget -= bytes;
	return true;
}

/* ---- the creator's side: answering asks and fetches --------------------*/

static void dig_entry_of(const struct pfs_engine *e, const struct pfs_state *s,
			 struct pfs_dig_ent *ent)
{
	struct pfs_stx x;

	memset(ent, 0, sizeof(*ent));
	ent->id = s->id;
	pfs_state_flowkey(s, &ent->key);
	if (pfs_table_xget(e->table, s, &x) && (x.has & PFS_STX_ZONE))
		ent->key.zone = x.zone;
}

static bool dig_listed_here(const struct pfs_engine *e,
			    const struct pfs_state *s, const uint64_t *want)
{
	return s->creatorid == e->conf.hostid && dig_counted(s) &&
	       dig_bit(want, pfs_dig_bucket_of(s->id, s->creatorid));
}

/* One LIST packet of the answer: true when the walk is over. */
static bool dig_answer_pkt(struct pfs_engine *e)
{
	struct dig_answer *a = &e->dig->ans;
	struct pfs_dig_ent ent;
	struct pfs_dig_hdr h;
	struct pfs_state *s;
	struct pfs_pfsd_dig w;
	uint16_t n = 0;
	bool end = false;

	memset(&h, 0, sizeof(h));
	h.kind = PFS_DIG_LIST;
	h.creatorid = e->conf.hostid;
	h.tag = a->tag;
	h.buckets = PFS_DIG_BUCKETS;
	dig_begin(e, &w, &h);
	for (;;) {
		if (!pfs_pfsd_dig_ent_room(&w))
			break;
		s = pfs_table_next(e->table, &a->cursor);
		if (s == NULL) {
			end = true;
			break;
		}
		if (!dig_listed_here(e, s, a->want))
			continue;
		dig_entry_of(e, s, &ent);
		pfs_pfsd_dig_ent(&w, &ent);
		n++;
	}
	a->listed += n;
	if (end) /* the last packet: flag and count patched in */
		pfs_pfsd_dig_last(&w, (uint32_t)a->listed);
	dig_send(e, &w, n, a->to);
	return end;
}

static void dig_answer_tick(struct pfs_engine *e, uint64_t now_ms)
{
	struct dig_answer *a = &e->dig->ans;
	unsigned i;

	for (i = 0; i < DIG_ANS_PKTS; i++) {
		if (!dig_budget(e->dig, dig_room(e), now_ms)) {
			a->at = now_ms + 10; /* the budget refills */
			return;
		}
		if (dig_answer_pkt(e)) {
			a->on = false;
			a->at = ENG_NEVER;
			return;
		}
	}
	a->at = now_ms + DIG_ANS_TICK_MS;
}

/* A peer asks for the ids of our states in some buckets. */
static void dig_ask_in(struct pfs_engine *e, const struct pfs_dig_msg *m,
		       uint32_t src, uint64_t now_ms)
{
	struct eng_dig *d = e->dig;
	struct dig_answer *a = &d->ans;
	unsigned i;

	if (a->on && (a->to != src || a->tag != m->h.tag)) {
		d->stats[PFS_DIG_REFUSED]++; /* busy: asked again later */
		return;
	}
	memset(a, 0, sizeof(*a));
	for (i = 0; i < m->h.n; i++)
		if (m->ask[i] < PFS_DIG_BUCKETS)
			dig_bit_set(a->want, m->ask[i], true);
	a->on = true;
	a->to = src;
	a->tag = m->h.tag;
	a->at = now_ms;
	d->stats[PFS_DIG_ANSWERED]++;
}

/* A peer fetches states of ours by id: full UPDs to the group. */
static void dig_fetch_in(struct pfs_engine *e, const struct pfs_dig_msg *m,
			 uint64_t now_ms)
{
	struct pfs_state *s;
	unsigned i;

	pfs_engine_flush(e, now_ms);
	for (i = 0; i < m->h.n; i++) {
		s = pfs_table_find_id(e->table, m->fetch[i], e->conf.hostid);
		if (s == NULL || !dig_counted(s))
			continue;
		if (!dig_budget(e->dig, pfs_pfsd_rec_len(PFS_MSG_UPD), now_ms)) {
			e->dig->stats[PFS_DIG_REFUSED]++;
			break;
		}
		pfs_eng_pack_state(e, PFS_MSG_UPD, s, 0, now_ms);
	}
	pfs_engine_flush(e, now_ms);
}

/* ---- the replica's side ------------------------------------------------*/

static struct dig_peer *dig_peer_find(struct eng_dig *d, uint32_t creatorid)
{
	unsigned i;

	for (i = 0; i < DIG_PEERS; i++)
		if (d->peer[i].creatorid == creatorid)
			return &d->peer[i];
	return NULL;
}

/* The creator's slot, tied to src; NULL when another address holds it
 * (counted) or no slot is free. */
static struct dig_peer *dig_peer_of(struct eng_dig *d, uint32_t creatorid,
				    uint32_t src, uint64_t now_ms)
{
	struct dig_peer *p = dig_peer_find(d, creatorid), *old = NULL;
	unsigned i;

	if (p != NULL) {
		if (p->src == src || now_ms - p->heard_ms > DIG_BIND_MS) {
			p->src = src;
			return p;
		}
		d->stats[PFS_DIG_FOREIGN]++;
		return NULL;
	}
	for (i = 0; i < DIG_PEERS; i++)
		if (d->peer[i].creatorid == 0 ||
		    now_ms - d->peer[i].heard_ms > DIG_BIND_MS) {
			old = &d->peer[i];
			break;
		}
	if (old == NULL)
		return NULL;
	dig_set_free(&old->listed);
	memset(old, 0, sizeof(*old));
	old->creatorid = creatorid;
	old->src = src;
	old->eager = d->sync_wait;
	return old;
}

static void dig_fetch_send(struct pfs_engine *e, struct dig_peer *p)
{
	struct pfs_dig_hdr h;
	struct pfs_pfsd_dig w;
	unsigned i;

	if (p->nfetch == 0)
		return;
	memset(&h, 0, sizeof(h));
	h.kind = PFS_DIG_FETCH;
	h.creatorid = p->creatorid;
	h.tag = p->tag;
	h.buckets = PFS_DIG_BUCKETS;
	dig_begin(e, &w, &h);
	for (i = 0; i < p->nfetch; i++)
		pfs_pfsd_dig_fetch(&w, p->fetch[i]);
	dig_send(e, &w, (uint16_t)p->nfetch, p->src);
	e->dig->stats[PFS_DIG_STATES] += p->nfetch;
	p->nfetch = 0;
}

/* A bulk update is awaited and will bring most of the creator's states:
 * we hold less than half of them (an empty node's first bulk).  Its
 * repairs wait; a few missing from a large table are repaired at once
 * (a bulk asked again after a loss walks the creator's whole table). */
static bool dig_bulk_brings(const struct pfs_engine *e,
			    const struct dig_peer *p)
{
	const struct pfs_dig_sums *s;

	if (e->ureq_sent == 0 || e->dig->sync_wait)
		return false;
	s = pfs_digest_get(e->dig->sums, p->creatorid);
	return (uint64_t)(s != NULL ? s->total : 0) * 2 < p->theirs;
}

/* Ask the creator for the next differing buckets, if none is asked. */
static void dig_ask_next(struct pfs_engine *e, struct dig_peer *p,
			 uint64_t now_ms)
{
	struct eng_dig *d = e->dig;
	struct pfs_dig_hdr h;
	struct pfs_pfsd_dig w;
	uint16_t n = 0;
	unsigned i;

	if (dig_bulk_brings(e, p)) {
		memset(p->want, 0, sizeof(p->want));
		return;
	}
	if (p->ask_ms != 0 || !dig_any(p->want))
		return;
	memset(&h, 0, sizeof(h));
	h.kind = PFS_DIG_ASK;
	h.creatorid = p->creatorid;
	h.tag = ++d->next_tag;
	h.buckets = PFS_DIG_BUCKETS;
	dig_begin(e, &w, &h);
	memset(p->asked, 0, sizeof(p->asked));
	for (i = 0; i < PFS_DIG_BUCKETS && n < DIG_ASK_MAX; i++)
		if (dig_bit(p->want, i)) {
			pfs_pfsd_dig_ask(&w, (uint16_t)i);
			dig_bit_set(p->asked, i, true);
			n++;
		}
	dig_set_free(&p->listed);
	p->tag = h.tag;
	p->ask_ms = now_ms;
	p->ask_s = eng_secs(now_ms);
	p->got = 0;
	p->nfetch = 0;
	d->stats[PFS_DIG_ASKS]++;
	dig_send(e, &w, n, p->src);
}

/* Re-key a state to the creator's id (a confirmed re-read entry). */
static void dig_rekey(struct pfs_engine *e, struct pfs_state *old, uint64_t id,
		      uint32_t creatorid)
{
	struct pfs_state tmp = *old;
	struct pfs_stx ox;

	tmp.id = id;
	tmp.creatorid = creatorid;
	if (tmp.local_flags & PFS_LF_UNCONFIRMED)
		tmp.sync_flags &= (uint8_t)~PFS_SF_NOSYNC;
	tmp.local_flags &= (uint8_t) ~(PFS_LF_PROVISIONAL | PFS_LF_UNCONFIRMED);
	tmp.heard_gen = e->bulk_gen;
	(void)pfs_table_xget(e->table, old, &ox);
	pfs_eng_tbl_remove(e, old);
	(void)pfs_eng_tbl_insert(e, &tmp, &ox);
}

/* One listed state: held, adopted, or fetched. */
static void dig_list_one(struct pfs_engine *e, struct dig_peer *p,
			 const struct pfs_dig_ent *ent, uint64_t now_ms)
{
	struct eng_dig *d = e->dig;
	struct pfs_state *s, w;

	if (!dig_bit(p->asked, pfs_dig_bucket_of(ent->id, p->creatorid)))
		return; /* not asked for: not ours to judge */
	if (pfs_table_find_id(e->table, ent->id, p->creatorid) != NULL) {
		if (dig_set_put(&p->listed, ent->id) < 0)
			p->got = UINT32_MAX; /* no memory: deletes nothing */
		return;
	}
	s = pfs_table_find_key(e->table, &ent->key);
	if (s != NULL) {
		memset(&w, 0, sizeof(w));
		w.id = ent->id;
		w.creatorid = p->creatorid;
		w.af = ent->key.af;
		w.proto = ent->key.proto;
		w.direction = ent->key.direction;
		w.lan = ent->key.lan;
		w.ext = ent->key.ext;
		if (e->ops.adopt == NULL || !e->ops.adopt(e->ctx, s, &w))
			return; /* held by another: the update path decides */
		dig_rekey(e, s, ent->id, p->creatorid);
		d->stats[PFS_DIG_STATES]++;
		d->stats[PFS_DIG_CONFIRMED]++;
		if (dig_set_put(&p->listed, ent->id) < 0)
			p->got = UINT32_MAX;
		return;
	}
	if (dig_set_put(&p->listed, ent->id) < 0) /* theirs: never deleted */
		p->got = UINT32_MAX;
	p->fetch[p->nfetch++] = ent->id;
	if (p->nfetch == DIG_FETCH_MAX)
		dig_fetch_send(e, p);
	(void)now_ms;
}

/* The answer is whole: the creator's states in the asked buckets that it
 * did not list, begun before the ask, are gone there. */
static void dig_ask_done(struct pfs_engine *e, struct dig_peer *p)
{
	struct eng_dig *d = e->dig;
	struct pfs_state *s;
	size_t cur = 0;
	unsigned i;

	while ((s = pfs_table_next(e->table, &cur)) != NULL) {
		if (s->creatorid != p->creatorid ||
		    !dig_bit(p->asked,
			     pfs_dig_bucket_of(s->id, s->creatorid)) ||
		    dig_set_has(&p->listed, s->id) ||
		    (int64_t)s->creation + 1 >= (int64_t)p->ask_s)
			continue;
		d->stats[PFS_DIG_DELETED]++;
		if (e->ops.applied)
			e->ops.applied(e->ctx, PFS_OP_DELETE, s);
		pfs_eng_tbl_remove(e, s);
	}
	for (i = 0; i < DIG_W; i++)
		p->want[i] &= ~p->asked[i];
	for (i = 0; i < PFS_DIG_BUCKETS; i++)
		if (dig_bit(p->asked, i))
			d->stats[PFS_DIG_RANGES]++;
}

static void dig_ask_clear(struct dig_peer *p)
{
	p->ask_ms = 0;
	p->got = 0;
	memset(p->asked, 0, sizeof(p->asked));
	dig_set_free(&p->listed);
}

static void dig_list_in(struct pfs_engine *e, const struct pfs_dig_msg *m,
			uint32_t src, uint64_t now_ms)
{
	struct eng_dig *d = e->dig;
	struct dig_peer *p = dig_peer_find(d, m->h.creatorid);
	unsigned i;

	if (p == NULL || p->src != src || p->ask_ms == 0 ||
	    p->tag != m->h.tag) {
		d->stats[PFS_DIG_FOREIGN]++;
		return;
	}
	for (i = 0; i < m->h.n; i++)
		dig_list_one(e, p, &m->list[i], now_ms);
	if (p->got != UINT32_MAX)
		p->got += m->h.n;
	if (!(m->h.flags & PFS_DIG_F_LAST))
		return;
	dig_fetch_send(e, p);
	if (p->got == m->h.total)
		dig_ask_done(e, p);
	else
		d->stats[PFS_DIG_INCOMPLETE]++;
	dig_ask_clear(p);
	dig_ask_next(e, p, now_ms);
}

/* Unconfirmed states that may be p's creator's, which matched whole. */
static void dig_sweep(struct pfs_engine *e, struct dig_peer *p)
{
	struct pfs_state *s;
	size_t cur = 0;

	while (e->dig->unconfirmed > 0 &&
	       (s = pfs_table_next(e->table, &cur)) != NULL) {
		if (!(s->local_flags & PFS_LF_UNCONFIRMED) ||
		    (e->ops.unconfirmed_of != NULL &&
		     !e->ops.unconfirmed_of(e->ctx, s, p->creatorid)))
			continue;
		e->dig->stats[PFS_DIG_SWEPT]++;
		if (e->ops.applied)
			e->ops.applied(e->ctx, PFS_OP_DELETE, s);
		pfs_eng_tbl_remove(e, s);
	}
}

static void dig_sync_check(struct pfs_engine *e)
{
	struct eng_dig *d = e->dig;
	unsigned i;

	if (!d->sync_wait || !d->sync_heard)
		return;
	for (i = 0; i < DIG_PEERS; i++) /* those heard since the ask */
		if (d->peer[i].creatorid != 0 &&
		    d->peer[i].heard_ms >= d->sync_ms &&
		    (d->peer[i].since_ms != 0 || d->peer[i].matched == 0))
			return;
	d->sync_wait = false;
	d->sync_fallback = d->sync_until = ENG_NEVER;
	pfs_eng_set_synced(e, true);
}

static void dig_round_end(struct pfs_engine *e, struct dig_peer *p,
			  uint64_t now_ms)
{
	p->last_differ = p->round_differ;
	if (p->round_differ == 0) {
		p->since_ms = 0;
		p->matched++;
		memset(p->want, 0, sizeof(p->want));
		if (e->dig->unconfirmed > 0)
			dig_sweep(e, p);
	} else {
		if (p->since_ms == 0)
			p->since_ms = now_ms;
		p->matched = 0;
	}
	p->round_differ = 0;
	p->eager = false;
	if (p->ask_ms != 0 && now_ms - p->ask_ms > DIG_ASK_WAIT_MS) {
		e->dig->stats[PFS_DIG_INCOMPLETE]++;
		dig_ask_clear(p);
	}
	dig_ask_next(e, p, now_ms);
	dig_sync_check(e);
}

static void dig_sum_in(struct pfs_engine *e, const struct pfs_dig_msg *m,
		       uint32_t src, uint64_t now_ms)
{
	struct eng_dig *d = e->dig;
	uint16_t idx[PFS_DIG_BUCKETS];
	struct dig_peer *p;
	size_t k, i, j;
	bool now_differ;

	if (m->h.creatorid == 0 || m->h.creatorid == e->conf.hostid) {
		d->stats[PFS_DIG_FOREIGN]++; /* never about our own states */
		return;
	}
	if ((size_t)m->h.first + m->h.n > PFS_DIG_BUCKETS) {
		d->stats[PFS_DIG_BAD]++;
		return;
	}
	if ((p = dig_peer_of(d, m->h.creatorid, src, now_ms)) == NULL)
		return;
	d->stats[PFS_DIG_RECEIVED]++;
	d->proven_ms = now_ms;
	d->sync_heard = d->sync_heard || d->sync_wait;
	p->heard_ms = now_ms;
	p->theirs = m->h.total;
	if (m->h.tag != p->round) {
		p->round = m->h.tag;
		p->round_differ = 0;
	}
	dig_fresh(e);
	k = pfs_dig_compare(pfs_digest_get(d->sums, p->creatorid), m->h.first,
			    m->sum, m->h.n, idx);
	d->stats[PFS_DIG_DIFFER] += k;
	p->round_differ += (unsigned)k;
	for (i = 0, j = 0; i < m->h.n; i++) {
		unsigned b = m->h.first + (unsigned)i;

		now_differ = j < k && idx[j] == b;
		if (now_differ)
			j++;
		if (now_differ && (p->eager || dig_bit(p->differ, b)))
			dig_bit_set(p->want, b, true);
		dig_bit_set(p->differ, b, now_differ);
	}
	if (m->h.flags & PFS_DIG_F_LAST)
		dig_round_end(e, p, now_ms);
}

/* ---- input, timers ------------------------------------------------------*/

static bool dig_for_us(struct pfs_engine *e, const struct pfs_dig_msg *m,
		       uint32_t src)
{
	struct eng_dig *d = e->dig;

	if (m->h.creatorid != e->conf.hostid) {
		d->stats[PFS_DIG_FOREIGN]++;
		return false;
	}
	if (!pfs_eng_src_proven(e, src)) {
		d->stats[PFS_DIG_REFUSED]++;
		return false;
	}
	return true;
}

bool pfs_eng_dig_input(struct pfs_engine *e, const struct pfs_pfsd_pkt *p,
		       const struct pfs_rx_meta *m, uint64_t now_ms)
{
	struct eng_dig *d = e->dig;
	struct pfs_dig_msg msg;
	int rc;

	if (!pfs_pfsd_digest_carrier(p))
		return false;
	if (d == NULL) /* digest off: an empty update, ignored */
		return pfs_pfsd_dig_get(p, NULL) != 0;
	memset(&msg, 0, sizeof(msg));
	msg.sum = d->rx_sum;
	msg.ask = d->rx_ask;
	msg.list = d->rx_list;
	msg.fetch = d->rx_fetch;
	rc = pfs_pfsd_dig_get(p, &msg);
	if (rc == 0)
		return false;
	if (rc < 0 ||
	    (msg.h.buckets != PFS_DIG_BUCKETS && msg.h.kind != PFS_DIG_FETCH)) {
		d->stats[PFS_DIG_BAD]++;
		return true;
	}
	if (!pfs_eng_src_known(e, m->src)) {
		d->stats[PFS_DIG_REFUSED]++;
		return true;
	}
	switch (msg.h.kind) {
	case PFS_DIG_SUM:
		dig_sum_in(e, &msg, m->src, now_ms);
		break;
	case PFS_DIG_ASK:
		d->proven_ms = now_ms;
		if ((msg.h.flags & PFS_DIG_F_ROUND) &&
		    now_ms - d->round_ms >= DIG_ROUND_MIN_MS)
			d->next_ms = now_ms; /* a restarted node: a round now */
		if (msg.h.n > 0 && dig_for_us(e, &msg, m->src))
			dig_ask_in(e, &msg, m->src, now_ms);
		break;
	case PFS_DIG_LIST:
		dig_list_in(e, &msg, m->src, now_ms);
		break;
	default:
		if (dig_for_us(e, &msg, m->src))
			dig_fetch_in(e, &msg, now_ms);
		break;
	}
	return true;
}

uint64_t pfs_eng_dig_next_timeout(const struct pfs_engine *e)
{
	const struct eng_dig *d = e->dig;
	uint64_t t;

	if (d == NULL)
		return ENG_NEVER;
	t = d->next_ms < d->ans.at ? d->next_ms : d->ans.at;
	t = t < d->sync_fallback ? t : d->sync_fallback;
	return t < d->sync_until ? t : d->sync_until;
}

static void dig_sync_timer(struct pfs_engine *e, uint64_t now_ms)
{
	struct eng_dig *d = e->dig;

	if (!d->sync_wait)
		return;
	if ((!d->sync_heard && d->sync_fallback <= now_ms) ||
	    d->sync_until <= now_ms) {
		d->sync_wait = false;
		d->sync_fallback = d->sync_until = ENG_NEVER;
		pfs_engine_bulk_request(e, now_ms); /* no digest: a bulk */
	}
}

void pfs_eng_dig_timer(struct pfs_engine *e, uint64_t now_ms)
{
	struct eng_dig *d = e->dig;

	if (d == NULL)
		return;
	if (d->ans.on && d->ans.at <= now_ms)
		dig_answer_tick(e, now_ms);
	dig_sync_timer(e, now_ms);
	if (d->next_ms > now_ms)
		return;
	if (dig_can_send(e) &&
	    (dig_proven(e, now_ms) || now_ms - d->round_ms >= DIG_PROBE_MS ||
	     d->round_ms == 0))
		dig_round(e, now_ms);
	d->next_ms = now_ms + e->conf.digest_ms;
}

/* ---- the restart path and what is shown ----------------------------------*/

int pfs_engine_digest_sync(struct pfs_engine *e, uint64_t now_ms)
{
	struct eng_dig *d = e->dig;
	struct pfs_dig_hdr h;
	struct pfs_pfsd_dig w;
	unsigned retry;

	if (d == NULL || !dig_can_send(e)) {
		pfs_engine_bulk_request(e, now_ms);
		return -1;
	}
	retry =
	    e->conf.bulk_retry_ms ? e->conf.bulk_retry_ms : PFS_BULK_RETRY_MS;
	pfs_eng_set_synced(e, false);
	d->sync_wait = true;
	d->sync_heard = false;
	d->sync_ms = now_ms;
	d->sync_fallback = now_ms + retry;
	d->sync_until = now_ms + DIG_SYNC_MAX_MS;
	memset(&h, 0, sizeof(h));
	h.kind = PFS_DIG_ASK;
	h.flags = PFS_DIG_F_ROUND;
	h.buckets = PFS_DIG_BUCKETS;
	dig_begin(e, &w, &h);
	dig_send(e, &w, 0, dig_group(e));
	d->next_ms = now_ms; /* and ours, so the peers repair their side */
	return 0;
}

const uint64_t *pfs_engine_dig_stats(const struct pfs_engine *e)
{
	return e->dig != NULL ? e->dig->stats : NULL;
}

size_t pfs_engine_dig_peers(const struct pfs_engine *e,
			    struct pfs_dig_peer *out, size_t max)
{
	const struct eng_dig *d = e->dig;
	const struct pfs_dig_sums *s;
	size_t n = 0;
	unsigned i;

	if (d == NULL)
		return 0;
	for (i = 0; i < DIG_PEERS && n < max; i++) {
		const struct dig_peer *p = &d->peer[i];

		if (p->creatorid == 0)
			continue;
		s = pfs_digest_get(d->sums, p->creatorid);
		out[n].creatorid = p->creatorid;
		out[n].src = p->src;
		out[n].heard_ms = p->heard_ms;
		out[n].since_ms = p->since_ms;
		out[n].differ = p->last_differ;
		out[n].states = s != NULL ? s->total : 0;
		out[n].theirs = p->theirs;
		n++;
	}
	return n;
}
