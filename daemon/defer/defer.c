/*
 * defer.c - `defer`: the queue's packets to the engine and back (see
 * defer.h and pfsyncd(8) DEFER).
 *
 * For each packet the queue hands us, with its conntrack entry:
 *   - original direction, an entry new to the mirror (not confirmed yet:
 *     its first packet): inserted and announced (ctnl.c), then held
 *     until the engine reports the peers' acknowledgements or the
 *     timeout (ops->deferred, pfsd_defer_release);
 *   - reply direction (the SYN+ACK rule), the entry of a peer's state:
 *     the update it makes (SYN_RECV) announced and held likewise, so the
 *     connection's creator knows the handshake before the client's ACK
 *     can reach it (pfsyncd(8) DEFER, asymmetric paths);
 *   - anything else passes at once, counted by reason.
 * The packets read in one wakeup share one pfsync packet: the engine is
 * flushed once after them, and the packet sent at once (env.send), not at
 * the end of the loop's wakeup behind the conntrack events read in it;
 * the queue is read first in a wakeup, for the same reason.  The kernel queue is bounded (PFS_DEFER_MAX,
 * fail open past it) and so is the engine's list of waits.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "backend/backend.h"
#include "backend/ctmap.h"
#include "defer/deferpkt.h"
#include "defer/defer.h"
#include "metrics/latency.h"
#include "os/log.h"
#include "loop.h"
#include "defer/nfq.h"
#include "defer/nftq.h"

#define DFR_READ_MAX 256     /* queue messages read a wakeup */
#define DFR_SLOTS 8192	     /* arrival times by packet id (> PFS_DEFER_MAX) */

struct dfr_slot {
	uint32_t id;
	uint16_t queue;
	bool held;
	uint64_t at_us;
};

struct pfsd_defer {
	struct pfsd_defer_env env;
	struct pfsd_nfq *q;
	struct pfsd_nftq *t;
	bool fd_added;
	bool flush;		/* an announce waits for the engine flush */
	bool closing;		/* everything read passes at once */
	struct pfsd_defer_stats st;
	uint64_t holds;
	uint32_t hist[PFSD_DEFER_HIST + 1];
	struct dfr_slot slot[DFR_SLOTS];
};

static void dfr_accept(struct pfsd_defer *f, uint16_t queue, uint32_t id)
{
	if (pfsd_nfq_accept(f->q, queue, id) == -1)
		f->st.verdict_failed++;
}

static void dfr_hold(struct pfsd_defer *f, uint16_t queue, uint32_t id)
{
	struct dfr_slot *s = &f->slot[id % DFR_SLOTS];

	s->id = id;
	s->queue = queue;
	s->held = true;
	s->at_us = pfsd_latency_now_us();
}

/* Which packet this is, and whether it waits; true when held. */
static bool dfr_try(struct pfsd_defer *f, const struct pfsd_nfq_pkt *p)
{
	struct pfsd_ct_entry e;
	const struct pfs_state *m;
	bool reply = p->queue == PFSD_DEFER_QUEUE + 1, inserted;
	uint64_t id;
	uint32_t creator;
	int rc;

	if (pfsd_deferpkt_entry(p->data, p->len, reply, &e) == -1) {
		f->st.other++;
		return false;
	}
	m = pfsd_backend_queued(f->env.bk, &e, &inserted);
	if (m == NULL) {
		f->st.not_synced++;
		return false;
	}
	id = m->id;
	creator = m->creatorid;
	f->flush = true; /* announced (or nothing pending: harmless) */
	if (!reply && !inserted) { /* a retransmission: held once only */
		f->st.not_first++;
		return false;
	}
	if (reply && creator == pfs_engine_conf(f->env.engine)->hostid) {
		f->st.own_reply++;
		return false;
	}
	rc = pfs_engine_defer(f->env.engine, id, creator, !reply,
			      ((uint64_t)p->queue << 32) | p->id,
			      pfsd_now_ms());
	if (rc != 0)
		return false; /* nobody to wait for, or full: counted there */
	dfr_hold(f, p->queue, p->id);
	return true;
}

static void dfr_pkt(void *arg, const struct pfsd_nfq_pkt *p)
{
	struct pfsd_defer *f = arg;

	f->st.queued++;
	if (f->closing || !dfr_try(f, p))
		dfr_accept(f, p->queue, p->id);
}

static void dfr_read(void *arg, int fd, uint32_t events)
{
	struct pfsd_defer *f = arg;

	(void)fd;
	(void)events;
	f->flush = false;
	(void)pfsd_nfq_read(f->q, DFR_READ_MAX, dfr_pkt, f);
	if (f->flush) { /* the inserts leave now: their acks are awaited */
		pfs_engine_flush(f->env.engine, pfsd_now_ms());
		if (f->env.send != NULL)
			f->env.send(f->env.arg);
	}
	f->env.kick(f->env.arg);
}

static void dfr_record(struct pfsd_defer *f, uint64_t us)
{
	size_t b = (size_t)(us / 10);

	if (b > PFSD_DEFER_HIST)
		b = PFSD_DEFER_HIST;
	f->hist[b]++;
	f->holds++;
	if (us > f->st.hold_max_us)
		f->st.hold_max_us = us;
}

void pfsd_defer_release(struct pfsd_defer *f, uint64_t cookie, bool acked)
{
	uint32_t id = (uint32_t)cookie;
	uint16_t queue = (uint16_t)(cookie >> 32);
	struct dfr_slot *s;

	(void)acked; /* counted by the engine */
	if (f == NULL)
		return;
	s = &f->slot[id % DFR_SLOTS];
	if (s->held && s->id == id && s->queue == queue) {
		s->held = false;
		dfr_record(f, pfsd_latency_now_us() - s->at_us);
	}
	f->st.released++;
	dfr_accept(f, queue, id);
}

struct pfsd_defer *pfsd_defer_new(const struct pfsd_defer_env *env)
{
	struct pfsd_defer *f = calloc(1, sizeof(*f));

	if (f == NULL) {
		log_warn("defer");
		return NULL;
	}
	f->env = *env;
	f->q = pfsd_nfq_open();
	f->t = pfsd_nftq_open();
	if (f->q == NULL || f->t == NULL) {
		log_warn("defer: netfilter socket");
		goto fail;
	}
	if (pfsd_nfq_bind(f->q, PFSD_DEFER_QUEUE, PFS_DEFER_MAX) == -1 ||
	    pfsd_nfq_bind(f->q, PFSD_DEFER_QUEUE + 1, PFS_DEFER_MAX) == -1) {
		log_warn("defer: bind NFQUEUE %u", PFSD_DEFER_QUEUE);
		goto fail;
	}
	if (pfsd_loop_add_fd(env->loop, pfsd_nfq_fd(f->q), EPOLLIN, dfr_read,
			     f) == -1) {
		log_warn("defer: loop");
		goto fail;
	}
	f->fd_added = true;
	pfsd_loop_fd_first(env->loop, pfsd_nfq_fd(f->q));
	if (pfsd_nftq_install(f->t, PFSD_DEFER_QUEUE) == -1) {
		log_warn("defer: nftables table %s", PFSD_NFTQ_TABLE);
		goto fail;
	}
	log_info("defer: on, NFQUEUE %u and %u from table inet %s",
		 PFSD_DEFER_QUEUE, PFSD_DEFER_QUEUE + 1, PFSD_NFTQ_TABLE);
	return f;
fail:
	pfsd_defer_free(f);
	return NULL;
}

/* Every packet still held goes: unbinding would drop them. */
static void dfr_release_all(struct pfsd_defer *f)
{
	size_t i;

	for (i = 0; i < DFR_SLOTS; i++)
		if (f->slot[i].held) {
			f->slot[i].held = false;
			dfr_accept(f, f->slot[i].queue, f->slot[i].id);
		}
}

void pfsd_defer_free(struct pfsd_defer *f)
{
	if (f == NULL)
		return;
	pfsd_nftq_free(f->t); /* no packet comes in any more */
	if (f->q != NULL) {
		/* read what is queued already, to let it go */
		f->closing = true;
		(void)pfsd_nfq_read(f->q, DFR_READ_MAX, dfr_pkt, f);
		dfr_release_all(f);
	}
	if (f->fd_added)
		pfsd_loop_del_fd(f->env.loop, pfsd_nfq_fd(f->q));
	if (f->q != NULL)
		pfsd_nfq_unbind(f->q);
	pfsd_nfq_free(f->q);
	free(f);
}

const struct pfsd_defer_stats *pfsd_defer_stats(const struct pfsd_defer *f)
{
	return &f->st;
}

uint32_t pfsd_defer_hold_pct(const struct pfsd_defer *f, unsigned pct)
{
	uint64_t want, seen = 0;
	size_t b;

	if (f == NULL || f->holds == 0)
		return 0;
	want = (f->holds * pct + 99) / 100;
	for (b = 0; b <= PFSD_DEFER_HIST; b++) {
		seen += f->hist[b];
		if (seen >= want)
			return (uint32_t)(b * 10 + 10);
	}
	return (uint32_t)(PFSD_DEFER_HIST * 10);
}

uint64_t pfsd_defer_holds(const struct pfsd_defer *f)
{
	return f == NULL ? 0 : f->holds;
}
