/*
 * engine_defer.c - our own `defer` (issue 20): who must acknowledge a
 * change before the packet that caused it may go.
 *
 * The daemon holds the first packet of a new connection (and, between
 * pfsyncd nodes, the first reply of a peer's connection: pfsyncd(8)
 * DEFER) and calls pfs_engine_defer after announcing the change.  The
 * packet waits for every live peer (heard within PFS_DEFER_LIVE_MS)
 * that can acknowledge:
 *
 *   - an OpenBSD (v6) or FreeBSD (v5) peer: our INS carry PFSTATE_ACK
 *     while defer is on (engine_dial.c), and the peer answers each with
 *     an INS_ACK (id, creatorid), as pf does; updates are not answered,
 *     so such a peer is awaited for inserts only;
 *   - a pfsyncd peer whose stream we follow (engine_rel.c): packets carry
 *     PFS_EXT_ARG_DEFER in their trailer and the peer ACKs them at once,
 *     after its kernel writes (the ACK leaves from its engine timer, which
 *     runs after the loop wrote the kernel); since it applies our packets
 *     in order, an ACK of number n acknowledges every change up to n;
 *   - a NetBSD (v3) peer, or pfsyncd without the trailer, cannot: it is
 *     not awaited.
 *
 * At most defer_ms later the packet goes anyway (counted).  At most
 * PFS_DEFER_MAX packets wait; past that a packet is not held (counted),
 * so a SYN flood costs a bounded ring, never more.
 *
 * The ring keeps the waits in the order they came; with one timeout for
 * all, that is also the order they expire, so the timer looks at the
 * head only.  An acknowledgement scans the waits (few: the rate times a
 * round trip).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine_priv.h"

struct eng_defer_ent {
	uint64_t cookie;
	uint64_t id;
	uint64_t deadline;
	uint32_t creatorid;
	uint32_t seq;		       /* our packet carrying the change */
	uint32_t wait[PFS_DEFER_WAIT]; /* peers still awaited */
	uint8_t by_seq;		       /* bit i: wait[i] ACKs our stream */
	uint8_t nwait;
	bool done; /* reported; popped at the head */
};

struct eng_defer {
	size_t head, n; /* ring of PFS_DEFER_MAX */
	struct eng_defer_ent ring[PFS_DEFER_MAX];
};

static const char *const eng_defer_names[PFS_DEFER_NSTATS] = {
    [PFS_DEFER_HELD] = "defer_held",
    [PFS_DEFER_ACKED] = "defer_acked",
    [PFS_DEFER_TIMEDOUT] = "defer_timedout",
    [PFS_DEFER_DROPPED] = "defer_dropped",
    [PFS_DEFER_NOPEER] = "defer_nopeer",
    [PFS_DEFER_FULL] = "defer_full",
    [PFS_DEFER_ACKS_IN] = "defer_acks_in",
};

const char *pfs_defer_stat_name(enum pfs_defer_stat s)
{
	return (unsigned)s < PFS_DEFER_NSTATS ? eng_defer_names[s] : "?";
}

static bool eng_seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static struct eng_defer_ent *eng_defer_at(struct eng_defer *d, size_t i)
{
	return &d->ring[(d->head + i) % PFS_DEFER_MAX];
}

static void eng_defer_pop_done(struct eng_defer *d)
{
	while (d->n > 0 && d->ring[d->head].done) {
		d->head = (d->head + 1) % PFS_DEFER_MAX;
		d->n--;
	}
}

static void eng_defer_report(struct pfs_engine *e, struct eng_defer_ent *w,
			     enum pfs_defer_stat why)
{
	w->done = true;
	e->defer_stats[why]++;
	e->ops.deferred(e->ctx, w->cookie, why == PFS_DEFER_ACKED);
}

/* The peers that can acknowledge this change, into w; how many. */
static unsigned eng_defer_waits(const struct pfs_engine *e, bool insert,
				struct eng_defer_ent *w, uint64_t now_ms)
{
	unsigned i;

	w->nwait = 0;
	w->by_seq = 0;
	w->seq = pfs_eng_rel_defer_seq(e);
	for (i = 0; i < e->npeers && w->nwait < PFS_DEFER_WAIT; i++) {
		const struct pfs_engine_peer *p = &e->peers[i];
		bool seq;

		/* pfsyncd: live while its stream is; a BSD peer: heard */
		seq = p->dialect == PFS_DIALECT_V3 && w->seq != 0 &&
		      pfs_eng_rel_follows(e, p->addr, now_ms);
		if (!seq &&
		    (now_ms - p->heard_ms > PFS_DEFER_LIVE_MS || !insert ||
		     (p->dialect != PFS_DIALECT_V5 &&
		      p->dialect != PFS_DIALECT_V6)))
			continue;
		if (seq)
			w->by_seq |= (uint8_t)(1u << w->nwait);
		w->wait[w->nwait++] = p->addr;
	}
	return w->nwait;
}

int pfs_engine_defer(struct pfs_engine *e, uint64_t id, uint32_t creatorid,
		     bool insert, uint64_t cookie, uint64_t now_ms)
{
	struct eng_defer_ent *w;
	struct eng_defer *d;
	unsigned ms =
	    e->conf.defer_ms ? e->conf.defer_ms : PFS_DEFER_MS_DEFAULT;

	if (!e->conf.defer || e->ops.deferred == NULL) {
		errno = EINVAL;
		return -1;
	}
	if (e->defer == NULL && (e->defer = calloc(1, sizeof(*d))) == NULL)
		return -1;
	d = e->defer;
	if (d->n == PFS_DEFER_MAX) {
		e->defer_stats[PFS_DEFER_FULL]++;
		errno = ENOBUFS;
		return -1;
	}
	w = eng_defer_at(d, d->n);
	memset(w, 0, sizeof(*w));
	if (eng_defer_waits(e, insert, w, now_ms) == 0) {
		e->defer_stats[PFS_DEFER_NOPEER]++;
		return 1;
	}
	w->cookie = cookie;
	w->id = id;
	w->creatorid = creatorid;
	w->deadline = now_ms + ms;
	d->n++;
	e->defer_stats[PFS_DEFER_HELD]++;
	return 0;
}

/* src acknowledged wait slot i of w; the last one releases it. */
static void eng_defer_drop_wait(struct pfs_engine *e, struct eng_defer_ent *w,
				unsigned i)
{
	unsigned last = w->nwait - 1u;
	uint8_t lastbit = (uint8_t)((w->by_seq >> last) & 1u);

	w->wait[i] = w->wait[last];
	w->by_seq = (uint8_t)((w->by_seq & ~(1u << i) & ~(1u << last)) |
			      (unsigned)(lastbit << i));
	w->nwait--;
	e->defer_stats[PFS_DEFER_ACKS_IN]++;
	if (w->nwait == 0)
		eng_defer_report(e, w, PFS_DEFER_ACKED);
}

/* Does w wait for src by its stream (by_seq) or by INS_ACK (!by_seq)? */
static int eng_defer_slot(const struct eng_defer_ent *w, uint32_t src,
			  bool by_seq)
{
	unsigned i;

	for (i = 0; i < w->nwait; i++)
		if (w->wait[i] == src &&
		    (((w->by_seq >> i) & 1u) != 0) == by_seq)
			return (int)i;
	return -1;
}

void pfs_eng_defer_ack_id(struct pfs_engine *e, uint32_t src, uint64_t id,
			  uint32_t creatorid, uint64_t now_ms)
{
	struct eng_defer *d = e->defer;
	size_t i;
	int k;

	(void)now_ms;
	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		struct eng_defer_ent *w = eng_defer_at(d, i);

		if (w->done || w->id != id || w->creatorid != creatorid)
			continue;
		if ((k = eng_defer_slot(w, src, false)) >= 0)
			eng_defer_drop_wait(e, w, (unsigned)k);
	}
	eng_defer_pop_done(d);
}

void pfs_eng_defer_ack_seq(struct pfs_engine *e, uint32_t src, uint32_t seq,
			   uint64_t now_ms)
{
	struct eng_defer *d = e->defer;
	size_t i;
	int k;

	(void)now_ms;
	if (d == NULL)
		return;
	for (i = 0; i < d->n; i++) {
		struct eng_defer_ent *w = eng_defer_at(d, i);

		if (w->done || eng_seq_before(seq, w->seq))
			continue;
		if ((k = eng_defer_slot(w, src, true)) >= 0)
			eng_defer_drop_wait(e, w, (unsigned)k);
	}
	eng_defer_pop_done(d);
}

uint64_t pfs_eng_defer_next_timeout(const struct pfs_engine *e)
{
	const struct eng_defer *d = e->defer;

	if (d == NULL || d->n == 0)
		return ENG_NEVER;
	return d->ring[d->head].deadline;
}

void pfs_eng_defer_timer(struct pfs_engine *e, uint64_t now_ms)
{
	struct eng_defer *d = e->defer;
	struct eng_defer_ent *w;

	if (d == NULL)
		return;
	eng_defer_pop_done(d);
	while (d->n > 0 && (w = &d->ring[d->head])->deadline <= now_ms) {
		if (!w->done)
			eng_defer_report(e, w, PFS_DEFER_TIMEDOUT);
		eng_defer_pop_done(d);
	}
}

/* defer went off: every packet held goes now. */
void pfs_eng_defer_conf(struct pfs_engine *e)
{
	struct eng_defer *d = e->defer;

	if (d == NULL || e->conf.defer)
		return;
	while (d->n > 0) {
		struct eng_defer_ent *w = &d->ring[d->head];

		if (!w->done)
			eng_defer_report(e, w, PFS_DEFER_DROPPED);
		eng_defer_pop_done(d);
	}
}

void pfs_eng_defer_free(struct pfs_engine *e)
{
	free(e->defer);
	e->defer = NULL;
}

void pfs_engine_acks(struct pfs_engine *e, uint64_t now_ms)
{
	pfs_eng_rel_acks_due(e, now_ms);
}

size_t pfs_engine_defer_held(const struct pfs_engine *e)
{
	const struct eng_defer *d = e->defer;
	size_t i, n = 0;

	for (i = 0; d != NULL && i < d->n; i++)
		if (!d->ring[(d->head + i) % PFS_DEFER_MAX].done)
			n++;
	return n;
}

const uint64_t *pfs_engine_defer_stats(const struct pfs_engine *e)
{
	return e->defer_stats;
}
