/*
 * engine_rel.c - reliable delivery between pfsyncd peers.
 *
 * pfsync v3 sends each change once.  Between pfsyncd peers every packet
 * sent to the group (or the configured peer) carries a trailer with a
 * stream number (epoch, new at each start) and a sequence number
 * (pfsd.h).  The receiver applies a peer's packets in sequence
 * order: a packet after a gap is held back, and the missing numbers are
 * asked for with a NACK, unicast to the sender, which sends them again
 * from a ring of its last ENG_REL_RING packets, unicast to the asker.
 * A heartbeat 100 ms after the last packet sent (then every 2 s) names
 * the last number, so a lost tail is found too.  What cannot be had
 * again (the sender's ring moved on, the hold-back queue is full, or no
 * answer after ENG_REL_TRIES NACKs) is given up, counted, and repaired
 * by a bulk update.  Since packets apply in order, a delete is never
 * overtaken by an older insert of the same state.
 *
 * Joining a stream: we follow a peer's stream from the first packet we
 * see of it; what came before is what our bulk request is for.  That
 * the bulk itself arrived whole is known only when its BUS START and
 * everything after it arrived in order: otherwise its BUS END does not
 * end our wait, and the request is repeated (pfs_eng_rel_bus_in).
 *
 * Packets from BSD peers (no trailer) apply at once, as before; a BSD
 * peer ignores the trailer (it reads only the records it is told of).
 *
 * Negotiation: until a trailer from a pfsyncd peer has been seen, our
 * packets go out as plain v3, byte for byte, and a probe (a heartbeat:
 * an empty UPD_C that a BSD peer counts as received and ignores) goes
 * out at start and every 30 s.  A pfsyncd that hears one answers with a
 * heartbeat at once, and from then on both number their packets.  A bulk
 * request is numbered even before (a probe as well): the peer's bulk
 * update that answers it is then numbered from its BUS START on.
 * Heartbeats and resends are not copied to pfsync0 (not state changes).
 *
 * Acknowledgements: a receiver tells the sender, unicast, the last number
 * it applied in order (ACK), after ENG_REL_ACK_EVERY packets or
 * ENG_REL_ACK_MS after progress.  The sender frees its ring up to the
 * lowest number every pfsyncd peer it hears has acknowledged, so in
 * steady state the ring holds only what is in flight instead of its
 * full 32 MB.  A peer that never acknowledges (an older pfsyncd) keeps
 * the ring as it was: the oldest packets go only when it is full.
 *
 * Forged control messages (issue 15; unsealed, anyone on the sync link
 * can send them).  A stream is tied to the address of its first packet.
 * ACKs and NACKs are taken only from the address of a stream we follow;
 * resends go unicast there only, capped per NACK and per source
 * (engine_src.c).  A number more than ENG_REL_HOLD away from the next
 * expected moves nothing (rel_in_window): one forged heartbeat cannot
 * push a stream 2^31 ahead and make its real packets duplicates; a
 * stream that really went on out there is taken up after a while and
 * repaired by a bulk (rel_far).  Within the window, a gap a forged
 * trailer opened is closed by the sender's answer to our NACK, a
 * heartbeat naming its real last number (rel_unclaim).  The hold of all
 * streams together is capped, and a stream gives its slot only when it
 * has been silent.
 */
#include <stdlib.h>
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/dialect.h"
#include "pfsync/engine.h"
#include "pfsync/pfsd.h"

#include "engine_priv.h"

/*
 * The sender keeps its last packets for resending, and a receiver holds
 * back a peer's packets that came after a gap: both by the byte, so that
 * they cover a peer's whole socket receive buffer (sync-rcvbuf), behind
 * which a resend waits its turn.
 */
#define ENG_REL_RING	    65536	/* packets kept for resending ... */
#define ENG_REL_RING_BYTES  (32u << 20) /* ... and at most these bytes */
#define ENG_REL_HOLD	    65536	/* packets held back a peer ... */
#define ENG_REL_HOLD_BYTES  (32u << 20) /* ... and at most these bytes */
#define ENG_REL_HOLD_TOTAL  (32u << 20) /* ... all streams together */
#define ENG_REL_PEERS	    32		/* streams followed at once */
#define ENG_REL_RESEND_MAX  1024	/* packets resent for one NACK */
#define ENG_REL_FAR_N	    3	  /* numbers out of the window in a row ... */
#define ENG_REL_FAR_MS	    2000  /* ... and this long: the stream went on */
#define ENG_REL_NACK_MS	    40	  /* wait for an answer before asking again, */
#define ENG_REL_NACK_MAX_MS 1000  /* doubling up to this */
#define ENG_REL_NACK_RUNS   64	  /* runs of missing packets asked at once */
#define ENG_REL_TRIES	    12	  /* rounds without progress before giving up */
#define ENG_REL_HB_MS	    100	  /* heartbeat after the last packet */
#define ENG_REL_IDLE_MS	    2000  /* heartbeat while idle ... */
#define ENG_REL_IDLE_HBS    3	  /* ... this many times, then quiet */
#define ENG_REL_PROBE_MS    30000 /* "is a pfsyncd there?" while none is */
#define ENG_REL_FORGET_MS                                                      \
	60000			/* a stream silent this long may give          \
				  its slot; no ACK is waited for from it */
#define ENG_REL_ACK_EVERY 1024	/* acknowledge after this many packets */
#define ENG_REL_ACK_MS	  100	/* ... or this long after progress */
#define ENG_REL_RESYNC_MS 10000 /* bulk requests after losses, apart */

/* A packet kept (sent, or received and held back), allocated to size. */
struct eng_rel_pkt {
	uint32_t seq;
	uint16_t len;
	struct pfs_rx_meta m;
	uint8_t buf[];
};

/* One peer's stream, as we receive it. */
struct eng_rel_peer {
	uint32_t epoch; /* 0: unused */
	uint32_t src;	/* where NACKs go (0: the group) */
	uint32_t next;	/* the number we apply next */
	uint32_t hi;	/* highest number held back */
	unsigned held;
	size_t held_bytes;
	unsigned tries;
	uint64_t nack_at; /* ask again then; ENG_NEVER: no gap */
	uint64_t heard_ms;
	struct eng_rel_pkt **hold; /* [ENG_REL_HOLD], allocated at a gap */
	uint32_t acked;		   /* the last number we acknowledged */
	uint64_t ack_at;  /* acknowledge then; ENG_NEVER: nothing new */
	uint32_t far_seq; /* the last number outside the window ... */
	unsigned far_n;	  /* ... how many in a row, nothing in it between */
	uint64_t far_at;  /* ... since then */
};

/* What a peer acknowledged of our stream. */
struct eng_rel_ack {
	uint32_t src; /* 0: unused */
	uint32_t seq;
	uint64_t heard_ms;
};

struct eng_rel {
	uint32_t epoch;
	uint32_t seq;	/* last number sent, 0: none yet */
	bool peer_seen; /* a pfsyncd peer answered: number our packets */
	unsigned idle_hbs;
	uint64_t hb_at; /* next heartbeat; probe while no peer is seen */
	struct eng_rel_pkt **ring; /* [ENG_REL_RING], allocated at first send */
	size_t ring_bytes;
	size_t held_total;    /* bytes held back, all streams */
	uint32_t cur_epoch;   /* the stream being applied in order */
	uint64_t resync_ms;   /* our last bulk request after a loss */
	uint64_t resync_at;   /* the next one kept for then, or ENG_NEVER */
	uint32_t sweep_epoch; /* the stream whose BUS START opened a sweep */
	uint32_t oldest;      /* the oldest number still in the ring */
	struct eng_rel_peer peer[ENG_REL_PEERS];
	struct eng_rel_ack ack[ENG_REL_PEERS];
};

static uint32_t rel_mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

/* Wrapping "a before b" on 32-bit sequence numbers. */
static bool rel_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static struct eng_rel_pkt *rel_pkt_new(uint32_t seq, const uint8_t *data,
				       size_t len, const struct pfs_rx_meta *m)
{
	struct eng_rel_pkt *p = malloc(sizeof(*p) + len);

	if (!p)
		return NULL;
	p->seq = seq;
	p->len = (uint16_t)len;
	if (m)
		p->m = *m;
	else
		memset(&p->m, 0, sizeof(p->m));
	memcpy(p->buf, data, len);
	return p;
}

/* Free every packet of an array of n slots (and the array). */
static void rel_pkts_free(struct eng_rel_pkt **v, size_t n)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

int pfs_eng_rel_open(struct pfs_engine *e, uint64_t now_ms)
{
	struct eng_rel *r;

	if (e->rel)
		return 0;
	r = calloc(1, sizeof(*r));
	if (!r)
		return -1;
	r->epoch =
	    rel_mix((uint64_t)e->conf.hostid << 32 ^ now_ms ^ (uintptr_t)r);
	if (r->epoch == 0)
		r->epoch = 1;
	r->hb_at = now_ms; /* the first probe */
	r->resync_at = ENG_NEVER;
	r->oldest = 1;
	e->rel = r;
	return 0;
}

void pfs_eng_rel_close(struct pfs_engine *e)
{
	struct eng_rel *r = e->rel;
	unsigned i;

	if (!r)
		return;
	for (i = 0; i < ENG_REL_PEERS; i++)
		rel_pkts_free(r->peer[i].hold, ENG_REL_HOLD);
	rel_pkts_free(r->ring, ENG_REL_RING);
	free(r);
	e->rel = NULL;
}

/* ---- sending -----------------------------------------------------------*/

int pfs_eng_output_raw(struct pfs_engine *e, const uint8_t *pkt, size_t len,
		       uint32_t dst)
{
	int rc;

	e->stats[PFS_STAT_OPACKETS]++;
	rc = e->ops.output(e->ctx, pkt, 0, pkt, len, dst); /* not for pfsync0 */
	if (rc < 0)
		e->stats[PFS_STAT_OERRORS]++;
	return rc;
}

static uint32_t rel_group(const struct pfs_engine *e)
{
	return e->conf.syncpeer ? e->conf.syncpeer : PFS_SYNC_GROUP;
}

/* An empty packet carrying only a trailer (HB, NACK, GONE, ACK). */
static void rel_send_ctl(struct pfs_engine *e, const struct pfs_ext *x,
			 uint32_t dst)
{
	uint8_t buf[PFS_PFSD_CTL_LEN];
	size_t len = pfs_pfsd_ctl(buf, e->conf.chksum, x);

	if (len != 0)
		(void)pfs_eng_output_raw(e, buf, len, dst);
}

/* Drop the oldest packet of the ring. */
static void rel_ring_evict(struct eng_rel *r)
{
	struct eng_rel_pkt **slot = &r->ring[r->oldest % ENG_REL_RING];

	if (*slot && (*slot)->seq == r->oldest) {
		r->ring_bytes -= (*slot)->len;
		free(*slot);
		*slot = NULL;
	}
	r->oldest++;
}

/* Keep a copy of packet seq; the oldest go when the ring is over its
 * bytes or its slots. */
static void rel_ring_keep(struct eng_rel *r, uint32_t seq, const uint8_t *buf,
			  size_t len)
{
	struct eng_rel_pkt **slot = &r->ring[seq % ENG_REL_RING];

	while (rel_before(r->oldest, seq + 1 - ENG_REL_RING))
		rel_ring_evict(r); /* the slot seq takes */
	*slot = rel_pkt_new(seq, buf, len, NULL);
	if (!*slot) {
		while (rel_before(r->oldest, seq + 1))
			rel_ring_evict(r); /* nothing older can be resent */
		return;
	}
	r->ring_bytes += len;
	while (r->ring_bytes > ENG_REL_RING_BYTES && rel_before(r->oldest, seq))
		rel_ring_evict(r);
}

/*
 * A packet to the group or the configured peer is about to leave: give it
 * the next number, append the trailer and keep a copy.  Returns the new
 * length (len when the trailer does not fit or the ring cannot be had).
 */
size_t pfs_eng_rel_stamp(struct pfs_engine *e, uint8_t *wire, size_t len,
			 size_t cap, uint64_t now_ms)
{
	struct eng_rel *r = e->rel;
	struct pfs_ext x = {.kind = PFS_EXT_DATA, .arg = PFS_EXT_ARG_XST};

	if (!r || len + PFS_PFSD_TRAILER_LEN > cap)
		return len;
	/* before a pfsyncd peer is heard only a bulk request is numbered:
	 * it is a probe too, so the bulk that answers it is numbered whole */
	if (!r->peer_seen && pfs_pfsd_kind(wire, len) != PFS_MSG_UREQ)
		return len;
	if (!r->ring) {
		r->ring = calloc(ENG_REL_RING, sizeof(*r->ring));
		if (!r->ring)
			return len;
	}
	if (e->conf.defer) /* a packet may wait for this one's ACK */
		x.arg |= PFS_EXT_ARG_DEFER;
	x.epoch = r->epoch;
	x.seq = ++r->seq;
	if (x.seq == 0)
		x.seq = ++r->seq; /* 0 means "none" in a heartbeat */
	len = pfs_pfsd_stamp(wire, len, cap, &x);
	rel_ring_keep(r, x.seq, wire, len);
	if (r->hb_at == ENG_NEVER || r->hb_at > now_ms + ENG_REL_HB_MS)
		r->hb_at = now_ms + ENG_REL_HB_MS;
	r->idle_hbs = 0;
	return len;
}

static void rel_heartbeat(struct pfs_engine *e, uint64_t now_ms)
{
	struct eng_rel *r = e->rel;
	struct pfs_ext x = {.kind = PFS_EXT_HB, .arg = PFS_EXT_ARG_XST};

	if (e->dialect != PFS_DIALECT_V3) {
		r->hb_at = ENG_NEVER; /* v5 / v6 packets carry no trailer */
		return;
	}
	x.epoch = r->epoch;
	x.seq = r->seq;
	rel_send_ctl(e, &x, rel_group(e));
	if (!r->peer_seen)
		r->hb_at = now_ms + ENG_REL_PROBE_MS;
	else if (++r->idle_hbs < ENG_REL_IDLE_HBS)
		r->hb_at = now_ms + ENG_REL_IDLE_MS;
	else
		r->hb_at = ENG_NEVER; /* quiet until we send again */
}

/*
 * A peer (the source of a stream we follow: pfs_eng_rel_input) asks for
 * numbers [seq, seq + arg) of our stream again.  Resent unicast to it,
 * at most ENG_REL_RESEND_MAX for one NACK and what its rate allows
 * (engine_src.c); the rest it asks for again.  Numbers never sent are
 * answered with a heartbeat naming our last one: a receiver that a
 * forged trailer made wait for them stops waiting (rel_hb).
 */
static void rel_resend(struct pfs_engine *e, const struct pfs_ext *x,
		       uint32_t to, uint64_t now_ms)
{
	struct eng_rel *r = e->rel;
	struct pfs_ext ctl = {.kind = PFS_EXT_GONE, .arg = PFS_EXT_ARG_XST};
	uint32_t s, from = x->seq, last = x->seq + x->arg - 1, n;
	const struct eng_rel_pkt *p;

	if (!r->ring || x->arg == 0)
		return;
	ctl.epoch = r->epoch;
	if (rel_before(x->seq, r->oldest)) {
		ctl.seq = r->oldest;
		e->rel_stats[PFS_REL_GONE]++;
		rel_send_ctl(e, &ctl, to);
		from = r->oldest;
	}
	for (n = 0; n < ENG_REL_PEERS; n++) /* it has what it acknowledged */
		if (r->ack[n].src == to && rel_before(from, r->ack[n].seq + 1))
			from = r->ack[n].seq + 1;
	if (rel_before(r->seq, last)) {
		ctl.kind = PFS_EXT_HB;
		ctl.seq = r->seq;
		rel_send_ctl(e, &ctl, to);
		last = r->seq;
	}
	if (rel_before(last, from) || last - from >= x->arg)
		return; /* nothing of it held */
	n = last - from + 1;
	if (n > ENG_REL_RESEND_MAX)
		n = ENG_REL_RESEND_MAX;
	n = pfs_eng_src_resend(e, to, n, now_ms);
	if (n < last - from + 1)
		e->rel_stats[PFS_REL_NACK_LIMITED]++;
	for (s = from; n > 0; s++, n--) {
		p = r->ring[s % ENG_REL_RING];
		if (!p || p->seq != s)
			continue;
		e->rel_stats[PFS_REL_RESENT]++;
		(void)pfs_eng_output_raw(e, p->buf, p->len, to);
	}
}

/* ---- acknowledgements ---------------------------------------------------*/

/* Tell p's sender the last number of its stream we applied in order. */
static void rel_ack_send(struct pfs_engine *e, struct eng_rel_peer *p)
{
	struct pfs_ext x = {.kind = PFS_EXT_ACK};

	x.epoch = p->epoch;
	x.seq = p->next - 1;
	p->acked = x.seq;
	p->ack_at = ENG_NEVER;
	/* as heartbeats: a v3 packet would tell a peer in auto we speak v3 */
	if (e->dialect == PFS_DIALECT_V3)
		rel_send_ctl(e, &x, p->src ? p->src : rel_group(e));
}

/* Progress on p's stream: acknowledge now after many packets, else soon. */
static void rel_ack_due(struct pfs_engine *e, struct eng_rel_peer *p,
			uint64_t now_ms)
{
	uint32_t done = p->next - 1;

	if (done == p->acked || rel_before(done, p->acked))
		return;
	if (done - p->acked >= ENG_REL_ACK_EVERY)
		rel_ack_send(e, p);
	else if (p->ack_at == ENG_NEVER)
		p->ack_at = now_ms + ENG_REL_ACK_MS;
}

/* The lowest number every pfsyncd peer we hear acknowledged; false when
 * one of them has not (its ring share stays). */
static bool rel_acked_floor(const struct eng_rel *r, uint64_t now_ms,
			    uint32_t *floor)
{
	bool any = false;
	unsigned i, j;

	for (i = 0; i < ENG_REL_PEERS; i++) {
		const struct eng_rel_peer *p = &r->peer[i];
		const struct eng_rel_ack *a = NULL;

		if (!p->epoch || now_ms - p->heard_ms > ENG_REL_FORGET_MS)
			continue;
		for (j = 0; j < ENG_REL_PEERS && a == NULL; j++)
			if (r->ack[j].src == p->src && r->ack[j].src != 0)
				a = &r->ack[j];
		if (a == NULL)
			return false;
		if (!any || rel_before(a->seq, *floor))
			*floor = a->seq;
		any = true;
	}
	return any;
}

/* A peer at src (the source of a stream we follow) applied our numbers
 * up to seq: free what all have. */
static void rel_ack_in(struct pfs_engine *e, uint32_t src, uint32_t seq,
		       uint64_t now_ms)
{
	struct eng_rel *r = e->rel;
	struct eng_rel_ack *a = NULL, *old = &r->ack[0];
	uint32_t floor = 0;
	unsigned i;

	if (rel_before(r->seq, seq))
		return; /* a number never sent */
	for (i = 0; i < ENG_REL_PEERS && a == NULL; i++) {
		if (r->ack[i].src == src)
			a = &r->ack[i];
		else if (r->ack[i].heard_ms < old->heard_ms)
			old = &r->ack[i];
	}
	if (a == NULL) {
		a = old; /* a free slot has heard_ms 0: the oldest */
		a->src = src;
		a->seq = seq;
	}
	if (rel_before(a->seq, seq))
		a->seq = seq;
	a->heard_ms = now_ms;
	pfs_eng_defer_ack_seq(e, src, a->seq, now_ms); /* engine_defer.c */
	if (!r->ring || !rel_acked_floor(r, now_ms, &floor))
		return;
	while (!rel_before(floor, r->oldest) && !rel_before(r->seq, r->oldest))
		rel_ring_evict(r);
}

/* ---- receiving ----------------------------------------------------------*/

/* Forget a stream and what it held. */
static void rel_forget(struct eng_rel *r, struct eng_rel_peer *p)
{
	r->held_total -= p->held_bytes;
	rel_pkts_free(p->hold, ENG_REL_HOLD);
	memset(p, 0, sizeof(*p));
}

/*
 * The stream of epoch.  A new one takes a free slot, else the slot of
 * the stream heard least recently if it has been silent for
 * ENG_REL_FORGET_MS: never one that still talks (its packets, ACKs or
 * NACKs).  NULL when all talk: counted, and the packet is applied
 * without order.  A stream is kept while there is room, so that a quiet
 * receiver's NACKs are still taken (pfs_eng_rel_input).
 */
static struct eng_rel_peer *rel_peer(struct pfs_engine *e, uint32_t epoch,
				     uint64_t now_ms)
{
	struct eng_rel *r = e->rel;
	struct eng_rel_peer *p, *old = NULL;
	unsigned i;

	for (i = 0; i < ENG_REL_PEERS; i++) {
		p = &r->peer[i];
		if (p->epoch == epoch)
			return p;
		if (old == NULL || (old->epoch && !p->epoch) ||
		    (old->epoch && p->heard_ms < old->heard_ms))
			old = p;
	}
	if (old->epoch && now_ms - old->heard_ms <= ENG_REL_FORGET_MS) {
		e->rel_stats[PFS_REL_STREAMS_FULL]++;
		return NULL;
	}
	if (old->epoch)
		rel_forget(r, old);
	return old;
}

/* A packet of a peer's stream, applied in order: a bulk it completes
 * may end our wait and sweep (pfs_eng_rel_bus_in). */
static void rel_apply(struct pfs_engine *e, const struct eng_rel_peer *p,
		      const struct pfs_pfsd_pkt *pkt,
		      const struct pfs_rx_meta *m, uint64_t now_ms)
{
	e->rx_in_order = true;
	e->rel->cur_epoch = p->epoch;
	pfs_eng_rx_apply(e, pkt, m, now_ms);
	e->rx_in_order = false;
}

/* A held packet applied: its bytes are parsed again (they passed
 * pfs_pfsd_parse when they came; the trailer is not kept). */
static void rel_apply_held(struct pfs_engine *e, const struct eng_rel_peer *p,
			   const struct eng_rel_pkt *h, uint64_t now_ms)
{
	struct pfs_pfsd_pkt pkt;

	if (pfs_pfsd_parse(h->buf, h->len, &pkt) == 0)
		rel_apply(e, p, &pkt, &h->m, now_ms);
}

/* The held packet seq, taken out of the queue (the caller frees it). */
static struct eng_rel_pkt *rel_take(struct eng_rel *r, struct eng_rel_peer *p,
				    uint32_t seq)
{
	struct eng_rel_pkt **slot, *h;

	if (!p->hold)
		return NULL;
	slot = &p->hold[seq % ENG_REL_HOLD];
	h = *slot;
	if (!h || h->seq != seq)
		return NULL;
	*slot = NULL;
	p->held--;
	p->held_bytes -= h->len;
	r->held_total -= h->len;
	return h;
}

/* Apply what is held from p->next on, while it is contiguous. */
static void rel_drain(struct pfs_engine *e, struct eng_rel_peer *p,
		      uint64_t now_ms)
{
	struct eng_rel_pkt *h;

	while (p->held > 0 && (h = rel_take(e->rel, p, p->next)) != NULL) {
		p->next++;
		p->tries = 0; /* progress: the gap is being filled */
		rel_apply_held(e, p, h, now_ms);
		free(h);
	}
	if (!rel_before(p->next, p->hi + 1)) {
		p->nack_at = ENG_NEVER; /* nothing known missing */
		p->tries = 0;
	}
}

/* Ask for numbers [from, to] of p's stream, unicast to its sender. */
static void rel_nack_run(struct pfs_engine *e, const struct eng_rel_peer *p,
			 uint32_t from, uint32_t to)
{
	struct pfs_ext x = {.kind = PFS_EXT_NACK};
	uint32_t n = to - from + 1;

	x.epoch = p->epoch;
	x.seq = from;
	x.arg = (uint16_t)(n > 0xffff ? 0xffff : n);
	e->rel_stats[PFS_REL_NACKS]++;
	rel_send_ctl(e, &x, p->src ? p->src : rel_group(e));
}

static bool rel_is_held(const struct eng_rel_peer *p, uint32_t seq)
{
	const struct eng_rel_pkt *h;

	if (!p->hold)
		return false;
	h = p->hold[seq % ENG_REL_HOLD];
	return h && h->seq == seq;
}

/*
 * Ask again for every run of missing numbers between p->next and p->hi
 * (not for those held back, which would come twice), one NACK a run,
 * at most ENG_REL_NACK_RUNS a round; the next round in ENG_REL_NACK_MS.
 */
static void rel_nack_all(struct pfs_engine *e, struct eng_rel_peer *p,
			 uint64_t now_ms)
{
	uint32_t s = p->next, from;
	unsigned runs = 0;

	while (rel_before(s, p->hi + 1) && runs < ENG_REL_NACK_RUNS) {
		if (rel_is_held(p, s)) {
			s++;
			continue;
		}
		from = s;
		while (rel_before(s, p->hi + 1) && !rel_is_held(p, s))
			s++;
		rel_nack_run(e, p, from, s - 1);
		runs++;
	}
	if (runs == 0) { /* all there: nothing to wait for */
		p->nack_at = ENG_NEVER;
		p->tries = 0;
		return;
	}
	/* doubling: a resend may wait behind a full socket buffer */
	p->nack_at =
	    now_ms + (p->tries < 5 ? (uint64_t)ENG_REL_NACK_MS << p->tries
				   : ENG_REL_NACK_MAX_MS);
	if (p->nack_at > now_ms + ENG_REL_NACK_MAX_MS)
		p->nack_at = now_ms + ENG_REL_NACK_MAX_MS;
	p->tries++;
}

/* Numbers [from, to] are newly known missing: count them, ask for them. */
static void rel_gap(struct pfs_engine *e, struct eng_rel_peer *p, uint32_t from,
		    uint32_t to, uint64_t now_ms)
{
	if (rel_before(to, from))
		return;
	e->rel_stats[PFS_REL_GAPS] += to - from + 1;
	rel_nack_run(e, p, from, to);
	if (p->nack_at == ENG_NEVER) {
		p->tries = 0;
		p->nack_at = now_ms + ENG_REL_NACK_MS;
	}
}

/*
 * A loss was given up: a bulk update repairs it.  One asked for already
 * covers it; else at most one every ENG_REL_RESYNC_MS, the next one kept
 * for then (pfs_eng_rel_timer), so that streams forged to lose packets do not
 * keep this node waiting for bulk updates, unsynced.
 */
static void rel_resync(struct pfs_engine *e, uint64_t now_ms)
{
	struct eng_rel *r = e->rel;

	if (e->ureq_sent != 0)
		return;
	if (r->resync_ms != 0 && now_ms - r->resync_ms < ENG_REL_RESYNC_MS) {
		if (r->resync_at == ENG_NEVER)
			r->resync_at = r->resync_ms + ENG_REL_RESYNC_MS;
		return;
	}
	r->resync_ms = now_ms ? now_ms : 1;
	r->resync_at = ENG_NEVER;
	e->rel_stats[PFS_REL_RESYNCS]++;
	pfs_engine_bulk_request(e, now_ms);
}

/*
 * Give up on the numbers before `to`: apply what is held below it in
 * order, skip the rest, and ask for a bulk update to repair the loss.
 */
static void rel_skip(struct pfs_engine *e, struct eng_rel_peer *p, uint32_t to,
		     uint64_t now_ms)
{
	struct eng_rel_pkt *h;
	uint32_t dist = to - p->next, walk, i;
	uint64_t lost = 0;

	if (!rel_before(p->next, to))
		return;
	/* held packets lie within ENG_REL_HOLD of next: walk no further */
	walk = dist < ENG_REL_HOLD ? dist : ENG_REL_HOLD;
	for (i = 0; i < walk; i++) {
		h = rel_take(e->rel, p, p->next);
		p->next++;
		if (h) {
			rel_apply_held(e, p, h, now_ms);
			free(h);
		} else {
			lost++;
		}
	}
	lost += dist - walk;
	p->next = to;
	if (rel_before(p->hi, p->next))
		p->hi = p->next - 1;
	p->tries = 0;
	rel_drain(e, p, now_ms);
	e->rel_stats[PFS_REL_LOST] += lost;
	e->sweep_ok = false; /* this bulk, if any, is no longer whole */
	rel_resync(e, now_ms);
}

/*
 * Hold packet seq back until the gap before it fills.  False when it
 * cannot be held (no memory, or the queue is full): the gap before it is
 * then given up, and seq is next to apply.
 */
static bool rel_hold(struct pfs_engine *e, struct eng_rel_peer *p,
		     const uint8_t *pkt, size_t len, uint32_t seq,
		     const struct pfs_rx_meta *m, uint64_t now_ms)
{
	struct eng_rel_pkt *h;

	if (rel_is_held(p, seq)) {
		e->rel_stats[PFS_REL_DUPS]++;
		return true;
	}
	if (e->rel->held_total + len > ENG_REL_HOLD_TOTAL) {
		/* not held, not given up: asked for again when its turn
		 * comes, so that streams that hold much cannot make another
		 * lose its packets */
		e->rel_stats[PFS_REL_HOLD_FULL]++;
		if (rel_before(p->hi, seq)) {
			rel_gap(e, p, p->hi + 1, seq - 1, now_ms);
			p->hi = seq;
		}
		return true;
	}
	if (!p->hold)
		p->hold = calloc(ENG_REL_HOLD, sizeof(*p->hold));
	if (seq - p->next >= ENG_REL_HOLD) /* too far ahead: give up */
		rel_skip(e, p, seq - ENG_REL_HOLD + 1, now_ms); /* the oldest */
	h = p->hold && p->held_bytes + len <= ENG_REL_HOLD_BYTES
		? rel_pkt_new(seq, pkt, len, m)
		: NULL;
	if (!h) {
		rel_skip(e, p, seq, now_ms);
		return false;
	}
	if (rel_before(p->hi, seq)) {
		rel_gap(e, p, p->hi + 1, seq - 1, now_ms);
		p->hi = seq;
	}
	p->hold[seq % ENG_REL_HOLD] = h;
	p->held++;
	p->held_bytes += len;
	e->rel->held_total += len;
	e->rel_stats[PFS_REL_HELD]++;
	return true;
}

static void rel_data(struct pfs_engine *e, struct eng_rel_peer *p,
		     const struct pfs_pfsd_pkt *pkt, uint32_t seq,
		     const struct pfs_rx_meta *m, uint64_t now_ms)
{
	if (rel_before(seq, p->next)) {
		e->rel_stats[PFS_REL_DUPS]++;
		return;
	}
	if (seq != p->next &&
	    rel_hold(e, p, pkt->pkt, pkt->len, seq, m, now_ms))
		return;
	if (p->nack_at != ENG_NEVER)
		e->rel_stats[PFS_REL_RECOVERED]++;
	p->next++;
	p->tries = 0; /* progress */
	if (rel_before(p->hi, seq))
		p->hi = seq; /* hi: the highest number known sent */
	rel_apply(e, p, pkt, m, now_ms);
	rel_drain(e, p, now_ms);
}

/*
 * The sender's last number is below what we thought it sent (a forged
 * trailer named more, or packets after a heartbeat overtook it): what we
 * hold above it was not sent by it, and nothing above it is missing.
 */
static void rel_unclaim(struct pfs_engine *e, struct eng_rel_peer *p,
			uint32_t last)
{
	struct eng_rel_pkt *h;
	uint32_t s;

	for (s = last + 1; !rel_before(p->hi, s); s++) {
		h = rel_take(e->rel, p, s);
		if (h) {
			e->rel_stats[PFS_REL_FAR]++;
			free(h);
		}
	}
	p->hi = last;
	if (rel_before(p->hi, p->next)) {
		p->nack_at = ENG_NEVER;
		p->tries = 0;
	}
}

/* A heartbeat: numbers up to `last` were sent; ask for any we lack. */
static void rel_hb(struct pfs_engine *e, struct eng_rel_peer *p, uint32_t last,
		   uint64_t now_ms)
{
	if (rel_before(p->hi, last)) {
		rel_gap(e, p, p->hi + 1, last, now_ms);
		p->hi = last;
	} else if (rel_before(last, p->hi) && !rel_before(last + 1, p->next)) {
		rel_unclaim(e, p, last);
	}
}

/* A new stream: followed from this packet on (see the top). */
static void rel_join(struct eng_rel_peer *p, const struct pfs_ext *x)
{
	p->epoch = x->epoch;
	p->next = x->kind == PFS_EXT_DATA ? x->seq : x->seq + 1;
	p->hi = p->next - 1;
	p->nack_at = ENG_NEVER;
	p->acked = p->next - 1;
	p->ack_at = ENG_NEVER;
}

/* Is src where a stream we follow comes from?  Its latest stream is
 * refreshed: a peer that acknowledges or asks still talks (the streams
 * of its earlier runs do not, and give their slots in time). */
/*
 * Would src ask again for a packet of our stream that never left?  It
 * does when our packets are numbered (a pfsyncd peer was heard, one v3
 * packet for all) and src is a pfsyncd peer whose stream we follow and
 * heard since `since` (its bulk request, numbered: a node restarted
 * with `reliable off` at the same address is no longer one): the gap
 * shows at its next packet or our heartbeat, its NACK brings the copy
 * from the ring.
 */
bool pfs_eng_rel_repairs(const struct pfs_engine *e, uint32_t src,
			 uint64_t since)
{
	const struct eng_rel *r = e->rel;
	unsigned i;

	if (r == NULL || !r->peer_seen || r->ring == NULL || src == 0 ||
	    e->dialect != PFS_DIALECT_V3 || pfs_eng_dial_split(e))
		return false;
	for (i = 0; i < ENG_REL_PEERS; i++)
		if (r->peer[i].epoch && r->peer[i].src == src &&
		    r->peer[i].heard_ms >= since)
			return true;
	return false;
}

/*
 * Our numbered stream: its last number (sent) and, when src (a pfsyncd
 * peer) acknowledged any of it, the last number it acknowledged (acked)
 * and when (heard).  1 with all three; 0 with sent alone (src never
 * acknowledged); -1 when our packets are not numbered for every reader
 * (no pfsyncd peer heard, another dialect, or one packet per dialect).
 */
int pfs_eng_rel_acked_by(const struct pfs_engine *e, uint32_t src,
			 uint32_t *sent, uint32_t *acked, uint64_t *heard)
{
	const struct eng_rel *r = e->rel;
	unsigned i;

	if (r == NULL || !r->peer_seen || e->dialect != PFS_DIALECT_V3 ||
	    pfs_eng_dial_split(e))
		return -1;
	*sent = r->seq;
	for (i = 0; i < ENG_REL_PEERS && src != 0; i++) {
		if (r->ack[i].src == src) {
			*acked = r->ack[i].seq;
			*heard = r->ack[i].heard_ms;
			return 1;
		}
	}
	return 0;
}

static bool rel_src_follows(struct eng_rel *r, uint32_t src, uint64_t now_ms)
{
	struct eng_rel_peer *last = NULL;
	unsigned i;

	for (i = 0; i < ENG_REL_PEERS && src != 0; i++) {
		struct eng_rel_peer *p = &r->peer[i];

		if (p->epoch && p->src == src &&
		    (last == NULL || p->heard_ms > last->heard_ms))
			last = p;
	}
	if (last != NULL)
		last->heard_ms = now_ms;
	return last != NULL;
}

/*
 * An ACK or NACK of our stream.  Taken only from the source of a stream
 * we follow (a pfsyncd peer that sends to us; every one does, at least
 * its probes and its bulk request): a stranger's ACK frees nothing, a
 * stranger's NACK is not answered and does not slow a bulk walk.
 */
static void rel_ctl_in(struct pfs_engine *e, const struct pfs_ext *x,
		       uint32_t src, uint64_t now_ms)
{
	bool ok;

	if (x->epoch != e->rel->epoch)
		return; /* another node's stream */
	ok = pfs_eng_src_known(e, src) && rel_src_follows(e->rel, src, now_ms);
	if (x->kind == PFS_EXT_ACK) {
		if (ok)
			rel_ack_in(e, src, x->seq, now_ms);
		else
			e->rel_stats[PFS_REL_ACK_REFUSED]++;
		return;
	}
	if (!ok) {
		e->rel_stats[PFS_REL_NACK_REFUSED]++;
		return;
	}
	pfs_eng_bulk_congested(e, now_ms); /* our stream lost packets */
	rel_resend(e, x, src, now_ms);
}

/*
 * Can the stream have sent x's number?  Ahead of what we apply next by
 * less than the hold, or behind it by no more (a late duplicate).  One
 * packet cannot move a stream further: not even a heartbeat's claim of
 * 2^31 packets lost.
 */
static bool rel_in_window(const struct eng_rel_peer *p, uint32_t seq)
{
	return seq - p->next < ENG_REL_HOLD || p->next - seq <= ENG_REL_HOLD;
}

/* The stream is taken up where it is now; what was missed is repaired
 * by a bulk update. */
static void rel_rejoin(struct pfs_engine *e, struct eng_rel_peer *p,
		       const struct pfs_ext *x, uint64_t now_ms)
{
	struct eng_rel *r = e->rel;
	uint32_t src = p->src;

	rel_forget(r, p);
	rel_join(p, x);
	p->src = src;
	p->heard_ms = now_ms;
	e->rel_stats[PFS_REL_REJOINED]++;
	e->sweep_ok = false;
	rel_resync(e, now_ms);
}

/*
 * A number outside the window (rel_in_window): a forged trailer, or the
 * stream went on while we heard none of it for longer than the window.
 * Counted, not applied.  When ENG_REL_FAR_N such numbers come in order
 * over ENG_REL_FAR_MS with nothing in the window between them, it is the
 * stream: taken up there (rel_rejoin).  A GONE names the sender's oldest
 * number, not where it is: it only counts.
 */
static bool rel_far(struct pfs_engine *e, struct eng_rel_peer *p,
		    const struct pfs_ext *x, uint64_t now_ms)
{
	e->rel_stats[PFS_REL_FAR]++;
	if (x->kind == PFS_EXT_GONE)
		return false;
	if (p->far_n == 0 || x->seq - p->far_seq >= ENG_REL_HOLD) {
		p->far_n = 0;
		p->far_at = now_ms;
	}
	p->far_seq = x->seq;
	p->far_n++;
	if (p->far_n < ENG_REL_FAR_N || now_ms - p->far_at < ENG_REL_FAR_MS)
		return false;
	rel_rejoin(e, p, x, now_ms);
	return true;
}

/* A GONE: the sender no longer holds numbers below x->seq.  Only what we
 * know it sent is given up (it cannot have freed more). */
static void rel_gone(struct pfs_engine *e, struct eng_rel_peer *p, uint32_t seq,
		     uint64_t now_ms)
{
	if (rel_before(p->hi + 1, seq))
		seq = p->hi + 1;
	if (rel_before(p->next, seq))
		rel_skip(e, p, seq, now_ms);
}

/* The stream of a packet from a peer; NULL when it is not followed: an
 * unknown source or no slot (*drop false: the packet applies as it
 * comes), or another address than the stream's (*drop true). */
static struct eng_rel_peer *rel_stream(struct pfs_engine *e,
				       const struct pfs_ext *x, uint32_t src,
				       uint64_t now_ms, bool *drop)
{
	struct eng_rel_peer *p;

	*drop = false;
	if (src == 0)
		return NULL; /* nobody to answer */
	p = rel_peer(e, x->epoch, now_ms);
	if (p == NULL)
		return NULL;
	if (!p->epoch) { /* a new stream, tied to this source */
		rel_join(p, x);
		p->src = src;
	} else if (p->src != src) {
		e->rel_stats[PFS_REL_FOREIGN]++;
		*drop = true;
		return NULL;
	}
	return p;
}

bool pfs_eng_rel_knows(const struct pfs_engine *e, uint32_t src)
{
	unsigned i;

	if (e->rel == NULL)
		return false;
	for (i = 0; i < ENG_REL_PEERS; i++)
		if (e->rel->peer[i].epoch != 0 && e->rel->peer[i].src == src)
			return true;
	return false;
}

/* A packet from a peer with a trailer (in->ext); what comes before the
 * trailer is applied, or held. */
void pfs_eng_rel_input(struct pfs_engine *e, const struct pfs_pfsd_pkt *in,
		       const struct pfs_rx_meta *m, uint64_t now_ms)
{
	const struct pfs_ext *x = &in->ext;
	struct pfs_pfsd_pkt pkt = *in;
	struct eng_rel_peer *p;
	bool drop;

	pkt.len = pkt.used; /* the records and sections, not the trailer */

	if (x->kind == PFS_EXT_ACK || x->kind == PFS_EXT_NACK) {
		rel_ctl_in(e, x, m->src, now_ms);
		return;
	}
	if (x->epoch == e->rel->epoch)
		return; /* our own, looped back */
	p = rel_stream(e, x, m->src, now_ms, &drop);
	if (p == NULL) {
		if (x->kind == PFS_EXT_DATA && !drop)
			pfs_eng_rx_apply(e, &pkt, m, now_ms);
		return;
	}
	if (x->arg & PFS_EXT_ARG_XST)
		e->xst_peer = true; /* it reads the extras section */
	if (!e->rel->peer_seen) {   /* a pfsyncd peer: answer at once */
		e->rel->peer_seen = true;
		e->rel->hb_at = now_ms;
	}
	p->heard_ms = now_ms;
	if (!rel_in_window(p, x->seq) && !rel_far(e, p, x, now_ms))
		return;
	p->far_n = 0;
	if (x->kind == PFS_EXT_DATA)
		rel_data(e, p, &pkt, x->seq, m, now_ms);
	else if (x->kind == PFS_EXT_HB)
		rel_hb(e, p, x->seq, now_ms);
	else if (x->kind == PFS_EXT_GONE)
		rel_gone(e, p, x->seq, now_ms);
	rel_ack_due(e, p, now_ms);
	/* the sender holds a packet for this one (defer): the ACK goes from
	 * the next timer run, after the loop has written the kernel */
	if (x->kind == PFS_EXT_DATA && (x->arg & PFS_EXT_ARG_DEFER) &&
	    p->ack_at != ENG_NEVER)
		p->ack_at = now_ms;
}

/* ---- defer (engine_defer.c) -----------------------------------------------*/

/* The ACKs due now (a peer holds a packet for them), sent at once. */
void pfs_eng_rel_acks_due(struct pfs_engine *e, uint64_t now_ms)
{
	struct eng_rel *r = e->rel;
	unsigned i;

	for (i = 0; r != NULL && i < ENG_REL_PEERS; i++)
		if (r->peer[i].epoch && r->peer[i].ack_at <= now_ms)
			rel_ack_send(e, &r->peer[i]);
}

/* src is a pfsyncd peer whose stream we follow, heard within
 * ENG_REL_FORGET_MS (the peers whose ACKs free the ring): it ACKs ours.
 * Its idle heartbeats stop after a while, so this is the liveness the
 * stream knows, not the last packet with records. */
bool pfs_eng_rel_follows(const struct pfs_engine *e, uint32_t src,
			 uint64_t now_ms)
{
	const struct eng_rel *r = e->rel;
	unsigned i;

	if (r == NULL || !r->peer_seen || src == 0)
		return false;
	for (i = 0; i < ENG_REL_PEERS; i++)
		if (r->peer[i].epoch && r->peer[i].src == src &&
		    now_ms - r->peer[i].heard_ms <= ENG_REL_FORGET_MS)
			return true;
	return false;
}

/* The number of the packet that carries what is packed so far: the
 * pending one, else the last sent (0: none, the stream is off). */
uint32_t pfs_eng_rel_defer_seq(const struct pfs_engine *e)
{
	const struct eng_rel *r = e->rel;
	uint32_t s;

	if (r == NULL || !r->peer_seen)
		return 0;
	if (!e->pkt.active || e->pkt.count == 0)
		return r->seq;
	s = r->seq + 1;
	return s == 0 ? 1 : s;
}

/* ---- timers --------------------------------------------------------------*/

uint64_t pfs_eng_rel_next_timeout(const struct pfs_engine *e)
{
	const struct eng_rel *r = e->rel;
	uint64_t t;
	unsigned i;

	if (!r)
		return ENG_NEVER;
	t = r->hb_at < r->resync_at ? r->hb_at : r->resync_at;
	for (i = 0; i < ENG_REL_PEERS; i++) {
		if (r->peer[i].epoch && r->peer[i].nack_at < t)
			t = r->peer[i].nack_at;
		if (r->peer[i].epoch && r->peer[i].ack_at < t)
			t = r->peer[i].ack_at;
	}
	return t;
}

void pfs_eng_rel_timer(struct pfs_engine *e, uint64_t now_ms)
{
	struct eng_rel *r = e->rel;
	struct eng_rel_peer *p;
	unsigned i;

	if (!r)
		return;
	if (r->hb_at <= now_ms) {
		if (eng_wire_off(e))
			r->hb_at = ENG_NEVER;
		else
			rel_heartbeat(e, now_ms);
	}
	if (r->resync_at <= now_ms) {
		r->resync_at = ENG_NEVER;
		r->resync_ms = 0; /* its time has come */
		rel_resync(e, now_ms);
	}
	for (i = 0; i < ENG_REL_PEERS; i++) {
		p = &r->peer[i];
		if (p->epoch && p->ack_at <= now_ms)
			rel_ack_send(e, p);
		if (!p->epoch || p->nack_at > now_ms)
			continue;
		if (p->tries < ENG_REL_TRIES)
			rel_nack_all(e, p, now_ms);
		else
			rel_skip(e, p, p->hi + 1, now_ms);
	}
}

/* ---- the sweep
 * -------------------------------------------------------------*/

/* Not heard since our bulk request: a state of `creator`, or an
 * unconfirmed one that may be its (state.h), is gone there. */
static bool rel_swept(const struct pfs_engine *e, const struct pfs_state *s,
		      uint32_t creator)
{
	if (s->local_flags & PFS_LF_UNCONFIRMED)
		return e->ops.unconfirmed_of == NULL ||
		       e->ops.unconfirmed_of(e->ctx, s, creator);
	return s->creatorid == creator && s->heard_gen != e->bulk_gen;
}

static void rel_sweep(struct pfs_engine *e, uint32_t creator)
{
	struct pfs_state *s;
	size_t cur = 0;

	while ((s = pfs_table_next(e->table, &cur)) != NULL) {
		if (!rel_swept(e, s, creator))
			continue;
		e->rel_stats[PFS_REL_SWEPT]++;
		if (e->ops.applied)
			e->ops.applied(e->ctx, PFS_OP_DELETE, s);
		pfs_eng_tbl_remove(e, s);
	}
}

/*
 * A bulk update from a pfsyncd peer, received whole and in order from its
 * BUS START to its BUS END, holds every state that peer created and still
 * has (pfsync's bulk sends every state it holds).  So the states of that
 * creator we hold but did not hear since our request are gone there: a
 * delete we lost, or one made while we were down.  They are removed.  A
 * BSD peer's bulk (no sequence numbers) or one with a loss sweeps nothing.
 * Called before the bulk logic sees the BUS (while the request is open);
 * false: this END must not end our wait (its bulk is not known whole).
 */
bool pfs_eng_rel_bus_in(struct pfs_engine *e, const struct pfs_msg_bus *b,
			uint64_t now_ms)
{
	if (!e->rx_in_order || e->ureq_sent == 0)
		return true; /* a BSD peer's bulk: NetBSD's rules alone */
	if (b->status == PFS_BUS_START) {
		e->sweep_ok = true;
		e->sweep_creator = b->creatorid;
		e->rel->sweep_epoch = e->rel->cur_epoch;
		return true;
	}
	if (b->status != PFS_BUS_END)
		return true;
	/* the END on the stream of the START: a BUS on another stream
	 * (forged, or another peer's) neither ends nor sweeps this one */
	if (!e->sweep_ok || e->sweep_creator != b->creatorid ||
	    e->rel->sweep_epoch != e->rel->cur_epoch)
		return false; /* not known whole: ask again, do not end */
	/* the END must answer our request, as pfs_eng_bulk_bus_in checks */
	if ((int64_t)eng_secs(now_ms) - (int64_t)b->endtime <
	    (int64_t)e->ureq_sent)
		return true;
	e->sweep_ok = false;
	if (b->creatorid != e->conf.hostid)
		rel_sweep(e, b->creatorid);
	return true;
}
