/*
 * engine_bulk.c - the bulk update of pfsync v3 (reference §5).
 *
 * Requester: UREQ {0, 0}, re-sent every 5 s up to 12 times; a BUS START
 * stretches the wait, a BUS END whose age fits the request ends it; after
 * the last retry we give up and call ourselves synced, as NetBSD does.
 *
 * Responder: on UREQ {0, 0} walk the whole table once, from slot cursor 0,
 * sending full UPDs of the states not sent since the request (a request
 * arriving mid-walk restarts a full cycle).  The pace is a parameter:
 * bulk_pkts full packets every bulk_tick_ms (NetBSD: 1 per 10 ms tick).
 * BUS START and END go out only while we are synced ourselves.
 */
#include <string.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/wire_v3.h"

#include "engine_priv.h"

static void eng_send_ureq0(struct pfs_engine *e, uint64_t now_ms)
{
	union pfs_v3_record r;

	memset(&r, 0, sizeof(r));
	pfs_engine_flush(e, now_ms);
	eng_pack_rec(e, PFS_V3_ACT_UREQ, &r, now_ms);
	pfs_engine_flush(e, now_ms);
}

void pfs_engine_bulk_request(struct pfs_engine *e, uint64_t now_ms)
{
	uint32_t now_s = eng_secs(now_ms);

	/* 0 means "no request": a request at second 0 is stored as 1 */
	e->ureq_sent = now_s ? now_s : 1;
	e->bulk_tries = 0;
	e->bulk_gen++; /* states heard from now on belong to this bulk */
	e->sweep_ok = false;
	eng_set_synced(e, false);
	e->bulkfail_at = now_ms + e->conf.bulk_retry_ms;
	eng_send_ureq0(e, now_ms);
}

static void eng_bulk_done(struct pfs_engine *e)
{
	e->ureq_sent = 0;
	e->bulk_tries = 0;
	e->bulkfail_at = ENG_NEVER;
	eng_set_synced(e, true);
}

void eng_bulk_fail(struct pfs_engine *e, uint64_t now_ms)
{
	e->bulkfail_at = ENG_NEVER;
	if (e->ureq_sent == 0)
		return;
	if (e->bulk_tries++ < PFS_BULK_MAX_TRIES) {
		e->bulkfail_at = now_ms + e->conf.bulk_retry_ms;
		eng_send_ureq0(e, now_ms);
		return;
	}
	eng_bulk_done(e); /* give up: pretend the transfer succeeded */
}

/*
 * BUS START: the sender is walking its table; wait state_limit /
 * (bulk_pkts * maxcount) ticks for the END (NetBSD counts callout ticks),
 * never less than the 5 s retry.  END: accepted when the transfer began
 * no earlier than our request (now - endtime >= request second).
 */
void eng_bulk_bus_in(struct pfs_engine *e, const struct pfs_v3_bus *b,
		     uint64_t now_ms)
{
	uint64_t ticks, ms;

	if (e->ureq_sent == 0)
		return;
	if (b->status == PFS_V3_BUS_START) {
		ticks = e->conf.state_limit /
			((uint64_t)e->conf.bulk_pkts * e->maxcount);
		ms = ticks * e->conf.bulk_tick_ms;
		if (ms < e->conf.bulk_retry_ms)
			ms = e->conf.bulk_retry_ms;
		e->bulkfail_at = now_ms + ms;
	} else if (b->status == PFS_V3_BUS_END) {
		if ((int64_t)eng_secs(now_ms) - (int64_t)b->endtime >=
		    (int64_t)e->ureq_sent)
			eng_bulk_done(e);
	}
}

static void eng_send_bus(struct pfs_engine *e, uint8_t status,
			 uint32_t endtime, uint64_t now_ms)
{
	union pfs_v3_record r;

	if (!e->synced)
		return;
	memset(&r, 0, sizeof(r));
	r.bus.creatorid = e->conf.hostid;
	r.bus.endtime = endtime;
	r.bus.status = status;
	pfs_engine_flush(e, now_ms);
	eng_pack_rec(e, PFS_V3_ACT_BUS, &r, now_ms);
}

void eng_bulk_received(struct pfs_engine *e, uint64_t now_ms)
{
	e->ureq_received = eng_secs(now_ms);
	e->bulk_cursor = 0;
	e->bulk_sending = true;
	eng_send_bus(e, PFS_V3_BUS_START, 0, now_ms);
	e->bulk_tick_at = now_ms + e->conf.bulk_tick_ms;
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

	eng_send_bus(e, PFS_V3_BUS_END, now_s - e->ureq_received, now_ms);
	e->bulk_sending = false;
	e->ureq_received = 0;
	e->bulk_cursor = 0;
}

void eng_bulk_tick(struct pfs_engine *e, uint64_t now_ms)
{
	size_t limit = (size_t)e->maxcount * e->conf.bulk_pkts, n = 0;
	struct pfs_state *s;

	e->bulk_tick_at = ENG_NEVER;
	if (!e->bulk_sending)
		return;
	pfs_engine_flush(e, now_ms);
	while (n < limit) {
		s = pfs_table_next(e->table, &e->bulk_cursor);
		if (!s) {
			eng_bulk_end(e, now_ms);
			break;
		}
		if (!eng_bulk_wanted(e, s))
			continue;
		eng_pack_state(e, PFS_V3_ACT_UPD, s, 0, now_ms);
		n++;
	}
	if (e->bulk_sending)
		e->bulk_tick_at = now_ms + e->conf.bulk_tick_ms;
	pfs_engine_flush(e, now_ms);
}
