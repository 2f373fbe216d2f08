/*
 * engine_bulk.c - the bulk update of pfsync v3 (reference §5).
 *
 * Requester: UREQ {0, 0}, re-sent after bulk_retry_ms without progress,
 * up to 12 times; after the last retry we give up and call ourselves
 * synced, as NetBSD does.  Patience follows progress, not a guess: every
 * bulk packet received while we wait (a full UPD, a BUS START) re-arms
 * the wait and resets the retry count, so a long transfer that is moving
 * is never asked for again; only bulk_retry_ms of silence is.  A transfer
 * the caller saw lose packets (pfs_engine_bulk_lost) is asked for again
 * at its end instead of making us synced.  NetBSD
 * instead waits state_limit / (maxcount * packets per tick) ticks after
 * a START, which a table near the limit overruns.  A BUS END whose age
 * fits the request ends the wait.
 *
 * Responder: on UREQ {0, 0} walk the whole table once, sending full UPDs
 * of the states not sent since the request.  A request arriving mid-walk
 * does not restart it: as in NetBSD (bulk_terminator) the walk goes on
 * to the end, wraps to slot 0 and stops where the new request found it,
 * a full cycle for the new requester and no repeat for the old one.  A
 * requester the walk already serves is merged, and one source cannot
 * keep walks going back to back (pfs_eng_bulk_received).  The
 * pace is a parameter: bulk_pkts full packets every bulk_tick_ms (NetBSD:
 * 1 per 10 ms tick).  A send that fails during the walk adds a cycle
 * (pfs_engine_bulk_send_lost), so the END follows a walk sent whole,
 * unless every requester is a pfsyncd peer that follows our numbered
 * stream: the packet is in the resend ring and their NACK brings it
 * back, where a cycle would send the whole table again (on a loaded
 * machine a 1 M walk went round 2.6 times so).
 * Between pfsyncd peers (reliable) the pace is a ceiling: a NACK from a
 * peer during the walk means it could not take the packets as fast as
 * they came, so the pace halves (at most once per ENG_BULK_CUT_MS, one
 * loss is seen by several NACKs) and, after ENG_BULK_CUT_MS without a
 * NACK, comes back by one packet every ENG_BULK_GROW_MS: a slow
 * receiver gets the walk at the rate it can read instead of a storm of
 * resends.  And the walk runs at most ENG_BULK_WINDOW packets ahead of
 * what its pfsyncd requesters acknowledged (ACKs: engine_rel.c), so a
 * receiver slower than the pace (a loaded machine, a kernel writer
 * behind) is never sent more than its socket buffer holds: without it a
 * 1 M bulk on a loaded machine lost half its packets to the receiver's
 * buffer and was asked for again over a hundred times.  The window is
 * the walk's requesters' (the one furthest behind): another peer's
 * silence does not hold it.  No ACK within ENG_BULK_STALL_MS lets one
 * packet go (the ACK may be what was lost); a requester that has not
 * acknowledged for ENG_BULK_QUIET_MS (gone, an older pfsyncd that never
 * does) no longer counts, and with none left the pace alone rules.
 *
 * BUS START and END go out only while we are synced ourselves, as in
 * NetBSD: a node still waiting for its own bulk must not tell a peer its
 * table is complete.  It ends its walk with an END of status
 * PFS_BUS_END_UNSYNCED instead, which NetBSD ignores (it knows only 1
 * and 2).  A pfsyncd requester that heard no START from a synced peer
 * takes it as "this peer has sent all it has" and is done once nothing
 * more arrives for ENG_BULK_SETTLE_MS: two nodes started together are in
 * sync in about a second instead of timing out after 13 retries.
 */
#include <string.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/dialect.h"

#include "engine_priv.h"

#define ENG_BULK_CUT_MS	 50   /* one cut per loss: its NACKs come within */
#define ENG_BULK_GROW_MS 10   /* then one packet more per this, quiet */
#define ENG_BULK_JOINS	 8    /* requesters that may extend one walk */
#define ENG_BULK_SRC_MS	 2000 /* a served source's next walk, at least */
/* Packets of the walk ahead of the peers' ACKs: twice a receiver's ACK
 * interval (ENG_REL_ACK_EVERY 1024), a few MB of its socket buffer. */
#define ENG_BULK_WINDOW	  2048
#define ENG_BULK_STALL_MS 1000 /* no ACK this long: one packet goes */
#define ENG_BULK_QUIET_MS                                                      \
	2000 /* a requester without an ACK this long                           \
		no longer holds the walk back */

/* Quiet time after an unsynced peer's END before we call ourselves done. */
#define ENG_BULK_SETTLE_MS 1000

static void eng_send_ureq0(struct pfs_engine *e, uint64_t now_ms)
{
	union pfs_msg_rec r;

	memset(&r, 0, sizeof(r));
	pfs_engine_flush(e, now_ms);
	pfs_eng_pack_rec(e, PFS_MSG_UREQ, &r, now_ms);
	pfs_engine_flush(e, now_ms);
}

static void eng_bulk_wait(struct pfs_engine *e, uint64_t now_ms)
{
	uint64_t ms = e->conf.bulk_retry_ms;

	if (e->bulk_peer_end && ms > ENG_BULK_SETTLE_MS)
		ms = ENG_BULK_SETTLE_MS;
	e->bulkfail_at = now_ms + ms;
}

void pfs_engine_bulk_request(struct pfs_engine *e, uint64_t now_ms)
{
	uint32_t now_s = eng_secs(now_ms);

	/* 0 means "no request": a request at second 0 is stored as 1 */
	e->ureq_sent = now_s ? now_s : 1;
	e->bulk_tries = e->bulk_loss_tries = 0;
	e->bulk_started = e->bulk_peer_end = e->bulk_lost = false;
	e->bulk_gen++; /* states heard from now on belong to this bulk */
	e->sweep_ok = false;
	pfs_eng_set_synced(e, false);
	eng_bulk_wait(e, now_ms);
	eng_send_ureq0(e, now_ms);
}

static void eng_bulk_done(struct pfs_engine *e)
{
	e->ureq_sent = 0;
	e->bulk_tries = e->bulk_loss_tries = 0;
	e->bulkfail_at = ENG_NEVER;
	e->bulk_started = e->bulk_peer_end = e->bulk_lost = false;
	pfs_eng_set_synced(e, true);
}

static void eng_bulk_ask_again(struct pfs_engine *e, uint64_t now_ms)
{
	e->bulk_started = e->bulk_peer_end = e->bulk_lost = false;
	eng_bulk_wait(e, now_ms);
	eng_send_ureq0(e, now_ms);
}

/* Ask again after a silent wait; give up after the last try and pretend
 * the transfer succeeded, as NetBSD does. */
static void eng_bulk_retry(struct pfs_engine *e, uint64_t now_ms)
{
	if (e->bulk_tries++ >= PFS_BULK_MAX_TRIES)
		eng_bulk_done(e);
	else
		eng_bulk_ask_again(e, now_ms);
}

/* The transfer ended: synced, unless we know part of it was lost; then
 * we ask again, up to 12 times (progress does not reset this count). */
static void eng_bulk_complete(struct pfs_engine *e, uint64_t now_ms)
{
	if (e->bulk_lost && e->bulk_loss_tries++ < PFS_BULK_MAX_TRIES)
		eng_bulk_ask_again(e, now_ms);
	else
		eng_bulk_done(e);
}

bool pfs_engine_bulk_lost(struct pfs_engine *e)
{
	/* A pfsyncd peer's bulk seen in order from its START: its lost
	 * packets are asked for again by number, and one given up makes the
	 * bulk not whole (engine_rel.c); a second walk is not needed. */
	if (e->ureq_sent == 0 || e->sweep_ok)
		return false;
	e->bulk_lost = true;
	return true;
}

void pfs_eng_bulk_fail(struct pfs_engine *e, uint64_t now_ms)
{
	e->bulkfail_at = ENG_NEVER;
	if (e->ureq_sent == 0)
		return;
	if (e->bulk_peer_end)
		eng_bulk_complete(e, now_ms); /* a peer sent all; quiet since */
	else
		eng_bulk_retry(e, now_ms);
}

unsigned pfs_engine_bulk_tries(const struct pfs_engine *e)
{
	return e->bulk_tries + e->bulk_loss_tries;
}

/* A bulk packet arrived while we wait: the transfer is moving. */
void pfs_eng_bulk_progress(struct pfs_engine *e, uint64_t now_ms)
{
	if (e->ureq_sent == 0)
		return;
	e->bulk_tries = 0;
	eng_bulk_wait(e, now_ms);
}

/* The walk an END closes began no earlier than our request. */
static bool eng_bulk_end_fits(const struct pfs_engine *e,
			      const struct pfs_msg_bus *b, uint64_t now_ms)
{
	return (int64_t)eng_secs(now_ms) - (int64_t)b->endtime >=
	       (int64_t)e->ureq_sent;
}

/*
 * START: a synced peer is walking its table; wait for its END (progress
 * re-arms the wait).  END: accepted when the transfer began no earlier
 * than our request (now - endtime >= request second).  An unsynced
 * peer's END, by the same rule, counts only while no synced peer has
 * started.
 */
void pfs_eng_bulk_bus_in(struct pfs_engine *e, const struct pfs_msg_bus *b,
			 uint64_t now_ms)
{
	if (e->ureq_sent == 0)
		return;
	if (b->status == PFS_BUS_START) {
		e->bulk_started = true;
		e->bulk_peer_end = false;
		pfs_eng_bulk_progress(e, now_ms);
	} else if (b->status == PFS_BUS_END) {
		if (eng_bulk_end_fits(e, b, now_ms))
			eng_bulk_complete(e, now_ms);
	} else if (b->status == PFS_BUS_END_UNSYNCED && !e->bulk_started &&
		   eng_bulk_end_fits(e, b, now_ms)) {
		e->bulk_peer_end = true;
		pfs_eng_bulk_progress(e, now_ms);
	}
}

/* Unsynced, we send no START and an END only pfsyncd takes (above). */
static void eng_send_bus(struct pfs_engine *e, uint8_t status, uint32_t endtime,
			 uint64_t now_ms)
{
	union pfs_msg_rec r;

	if (!e->synced && status == PFS_BUS_START)
		return;
	if (!e->synced)
		status = PFS_BUS_END_UNSYNCED;
	memset(&r, 0, sizeof(r));
	r.bus.creatorid = e->conf.hostid;
	r.bus.endtime = endtime;
	r.bus.status = status;
	pfs_engine_flush(e, now_ms);
	pfs_eng_pack_rec(e, PFS_MSG_BUS, &r, now_ms);
}

/* Go round once more from here: a full cycle, as a request now makes. */
static void eng_bulk_cycle(struct pfs_engine *e, uint64_t now_ms)
{
	e->ureq_received = eng_secs(now_ms);
	e->bulk_stop = e->bulk_cursor; /* 0: the walk to the end is */
	e->bulk_wrapped = false;       /* already a full cycle */
	e->bulk_end_pending = false;
}

/* The source a walk just served asks again: not before the longer of
 * ENG_BULK_SRC_MS and that walk's length have passed since its end; the
 * time it may start, 0 when now. */
static uint64_t eng_bulk_too_soon(const struct pfs_engine *e,
				  const struct eng_src *s, uint64_t now_ms)
{
	uint64_t wait = e->bulk_ended_ms - e->bulk_began_ms;

	if (s->walk == 0 || s->walk != e->bulk_walk || e->bulk_ended_ms == 0)
		return 0;
	if (wait < ENG_BULK_SRC_MS)
		wait = ENG_BULK_SRC_MS;
	return now_ms - e->bulk_ended_ms < wait ? e->bulk_ended_ms + wait : 0;
}

/* Our numbered stream's last number (0 when not numbered). */
static uint32_t eng_bulk_seq_now(const struct pfs_engine *e)
{
	uint32_t sent = 0, acked;
	uint64_t heard;

	(void)pfs_eng_rel_acked_by(e, 0, &sent, &acked, &heard);
	return sent;
}

static void eng_bulk_begin(struct pfs_engine *e, uint64_t now_ms)
{
	e->bulk_cursor = 0;
	e->bulk_resends = 0;
	e->bulk_sending = true;
	e->bulk_pace = e->conf.bulk_pkts;
	e->bulk_cut_at = e->bulk_grown_at = 0;
	e->bulk_tick_at = now_ms + e->conf.bulk_tick_ms;
	e->bulk_walk++;
	e->bulk_joins = 0;
	e->bulk_began_ms = now_ms;
	e->bulk_ended_ms = 0;
	e->bulk_deferred = false;
	e->bulk_seq0 = eng_bulk_seq_now(e);
	e->bulk_acked = e->bulk_seq0;
	e->bulk_ack_ms = now_ms;
	e->bulk_win_shut = false;
}

/* A request that came too soon is answered now: the walk serves every
 * source that asked meanwhile. */
static void eng_bulk_deferred(struct pfs_engine *e, uint64_t now_ms)
{
	unsigned i;

	eng_bulk_begin(e, now_ms);
	for (i = 0; i < ENG_SRCS; i++) {
		if (e->src[i].deferred) {
			e->src[i].deferred = false;
			e->src[i].walk = e->bulk_walk;
			e->src[i].walk_ms = now_ms;
		}
	}
	eng_bulk_cycle(e, now_ms);
	eng_send_bus(e, PFS_BUS_START, 0, now_ms);
}

/*
 * A bulk request of the known peer src (engine_rx.c).  No walk: one
 * starts.  A walk under way that already serves src does not change (the
 * request is merged: src's retry, or a forged copy).  A new requester
 * mid-walk makes it go on, wrap and stop where the request found it
 * (NetBSD): a full cycle for it and no repeat for the others; at most
 * ENG_BULK_JOINS of them a walk, later ones are merged without being
 * served (they ask again after it).  A source the last walk served gets
 * its new one later (eng_bulk_too_soon): the request is kept and the
 * walk starts then.  So each request costs at most one table, and one
 * source cannot keep walks going back to back.
 * A request while we wait for a bulk ourselves is answered, as the BSDs
 * do: two nodes started together each wait for the other's.
 */
void pfs_eng_bulk_received(struct pfs_engine *e, uint32_t src, uint64_t now_ms)
{
	struct eng_src *s = pfs_eng_src_heard(e, src, 0, now_ms);
	uint64_t at;

	if (s == NULL) {
		e->rel_stats[PFS_REL_REPLY_REFUSED]++;
		return;
	}
	if ((e->bulk_sending && s->walk == e->bulk_walk) ||
	    (e->bulk_sending && e->bulk_joins >= ENG_BULK_JOINS) ||
	    (!e->bulk_sending && e->bulk_deferred)) {
		s->deferred = s->deferred || !e->bulk_sending;
		e->rel_stats[PFS_REL_BULK_MERGED]++;
		return;
	}
	at = e->bulk_sending ? 0 : eng_bulk_too_soon(e, s, now_ms);
	if (at != 0) { /* kept: the walk starts then */
		s->deferred = true;
		e->bulk_deferred = true;
		e->bulk_tick_at = at;
		e->rel_stats[PFS_REL_BULK_MERGED]++;
		return;
	}
	if (!e->bulk_sending)
		eng_bulk_begin(e, now_ms);
	else
		e->bulk_joins++;
	s->walk = e->bulk_walk;
	s->walk_ms = now_ms;
	eng_bulk_cycle(e, now_ms);
	eng_send_bus(e, PFS_BUS_START, 0, now_ms);
}

/* Every requester of the walk repairs a lost packet by NACK
 * (pfs_eng_rel_repairs): a send that failed is in the resend ring. */
static bool eng_bulk_repaired(const struct pfs_engine *e)
{
	unsigned i;

	for (i = 0; i < ENG_SRCS; i++)
		if (e->src[i].addr != 0 && e->src[i].walk == e->bulk_walk &&
		    !pfs_eng_rel_repairs(e, e->src[i].addr, e->src[i].walk_ms))
			return false;
	return true;
}

bool pfs_engine_bulk_send_lost(struct pfs_engine *e, uint64_t now_ms)
{
	if (!e->bulk_sending || e->bulk_resends >= PFS_BULK_MAX_TRIES ||
	    eng_bulk_repaired(e))
		return false;
	e->bulk_resends++;
	eng_bulk_cycle(e, now_ms);
	return true;
}

/* Sent since the request (by a local update or this walk)? Then skip. */
static bool eng_bulk_wanted(const struct pfs_engine *e,
			    const struct pfs_state *s)
{
	return s->sync_flags == 0 && s->timeout < PFS_TM_MAX &&
	       s->sync_time <= e->ureq_received;
}

static void eng_bulk_end(struct pfs_engine *e, uint64_t now_ms)
{
	uint32_t now_s = eng_secs(now_ms);

	eng_send_bus(e, PFS_BUS_END, now_s - e->ureq_received, now_ms);
	e->bulk_sending = false;
	e->bulk_ended_ms = now_ms ? now_ms : 1;
	e->ureq_received = 0;
	e->bulk_cursor = e->bulk_stop = 0;
	e->bulk_wrapped = e->bulk_end_pending = false;
}

/* The next state of the walk, wrapping once when a stop is set; NULL
 * when the walk is over. */
static struct pfs_state *eng_bulk_next(struct pfs_engine *e)
{
	struct pfs_state *s;

	if (e->bulk_wrapped && e->bulk_cursor >= e->bulk_stop)
		return NULL;
	s = pfs_table_next(e->table, &e->bulk_cursor);
	if (s != NULL || e->bulk_stop == 0 || e->bulk_wrapped)
		return s;
	e->bulk_wrapped = true;
	e->bulk_cursor = 0;
	return eng_bulk_next(e);
}

/* The pace NACKs cannot cut below: an eighth of the configured one, so
 * that forged NACKs slow a bulk at most eightfold (not to 1 a tick). */
static unsigned eng_bulk_floor(const struct pfs_engine *e)
{
	return e->conf.bulk_pkts / 8 > 1 ? e->conf.bulk_pkts / 8 : 1;
}

/*
 * One tick: up to maxcount * bulk_pkts states.  At the walk's end the END
 * waits one tick, so that failures of the last sends (reported after the
 * packets leave, pfs_engine_bulk_send_lost) still add a cycle instead.
 */
void pfs_eng_bulk_congested(struct pfs_engine *e, uint64_t now_ms)
{
	if (!e->bulk_sending ||
	    (e->bulk_cut_at != 0 && now_ms < e->bulk_cut_at + ENG_BULK_CUT_MS))
		return;
	e->bulk_cut_at = now_ms;
	e->bulk_pace = e->bulk_pace / 2 > eng_bulk_floor(e) ? e->bulk_pace / 2
							    : eng_bulk_floor(e);
	e->rel_stats[PFS_REL_BULK_SLOWED]++;
}

/* The packets of this tick: the pace, one more after a quiet while. */
static size_t eng_bulk_pace(struct pfs_engine *e, uint64_t now_ms)
{
	if (e->bulk_pace == 0 || e->bulk_pace > e->conf.bulk_pkts)
		e->bulk_pace = e->conf.bulk_pkts;
	if (e->bulk_pace < e->conf.bulk_pkts &&
	    now_ms >= e->bulk_cut_at + ENG_BULK_CUT_MS &&
	    now_ms >= e->bulk_grown_at + ENG_BULK_GROW_MS) {
		e->bulk_pace++;
		e->bulk_grown_at = now_ms;
	}
	return e->bulk_pace;
}

/* The window is shut: wait for ACKs, or after ENG_BULK_STALL_MS send
 * one packet (the ACK may be what was lost). */
static size_t eng_bulk_stalled(struct pfs_engine *e, uint64_t now_ms)
{
	if (now_ms - e->bulk_ack_ms < ENG_BULK_STALL_MS) {
		if (!e->bulk_win_shut)
			e->rel_stats[PFS_REL_BULK_WAITED]++;
		e->bulk_win_shut = true;
		return 0;
	}
	e->bulk_ack_ms = now_ms;
	return 1;
}

/*
 * How much of the walk requester src acknowledged (*acked, never before
 * the walk's start); false when it does not hold the walk back: it is
 * not a pfsyncd reader of our numbered stream (*numbered false then), or
 * it has been quiet ENG_BULK_QUIET_MS (gone, or it never acknowledges).
 */
static bool eng_bulk_reader(const struct pfs_engine *e, const struct eng_src *s,
			    uint64_t now_ms, uint32_t *sent, uint32_t *acked,
			    bool *numbered)
{
	uint64_t heard = s->walk_ms;
	int w = pfs_eng_rel_acked_by(e, s->addr, sent, acked, &heard);

	*numbered = w >= 0;
	if (w <= 0)
		*acked = e->bulk_seq0; /* nothing of the walk acknowledged */
	if (w < 0 || now_ms - heard >= ENG_BULK_QUIET_MS)
		return false;
	if ((int32_t)(*acked - e->bulk_seq0) < 0)
		*acked = e->bulk_seq0;
	return true;
}

/* Packets the walk may send now by its window (SIZE_MAX: no window):
 * the requester furthest behind sets it. */
static size_t eng_bulk_room(struct pfs_engine *e, uint64_t now_ms)
{
	uint32_t sent = 0, acked, floor = 0;
	bool any = false, numbered;
	unsigned i;

	for (i = 0; i < ENG_SRCS; i++) {
		const struct eng_src *s = &e->src[i];

		if (s->addr == 0 || s->walk != e->bulk_walk)
			continue;
		if (!eng_bulk_reader(e, s, now_ms, &sent, &acked, &numbered)) {
			if (!numbered)
				return SIZE_MAX;
			continue;
		}
		if (!any || (int32_t)(acked - floor) < 0)
			floor = acked;
		any = true;
	}
	if (!any)
		return SIZE_MAX;
	if (floor != e->bulk_acked) {
		e->bulk_acked = floor;
		e->bulk_ack_ms = now_ms;
	}
	if (sent - floor >= ENG_BULK_WINDOW)
		return eng_bulk_stalled(e, now_ms);
	e->bulk_win_shut = false;
	return ENG_BULK_WINDOW - (sent - floor);
}

void pfs_eng_bulk_tick(struct pfs_engine *e, uint64_t now_ms)
{
	size_t limit, room, n = 0;
	struct pfs_state *s;

	e->bulk_tick_at = ENG_NEVER;
	if (!e->bulk_sending && e->bulk_deferred)
		eng_bulk_deferred(e, now_ms);
	if (!e->bulk_sending)
		return;
	limit = eng_bulk_pace(e, now_ms);
	room = eng_bulk_room(e, now_ms);
	limit = (size_t)e->maxcount * (room < limit ? room : limit);
	pfs_engine_flush(e, now_ms);
	if (e->bulk_end_pending) {
		eng_bulk_end(e, now_ms);
		pfs_engine_flush(e, now_ms);
		return;
	}
	while (n < limit) {
		s = eng_bulk_next(e);
		if (!s) {
			e->bulk_end_pending = true;
			break;
		}
		if (!eng_bulk_wanted(e, s))
			continue;
		pfs_eng_pack_state(e, PFS_MSG_UPD, s, 0, now_ms);
		n++;
	}
	e->bulk_tick_at = now_ms + e->conf.bulk_tick_ms;
	pfs_engine_flush(e, now_ms);
}
