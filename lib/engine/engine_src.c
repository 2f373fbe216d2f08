/*
 * engine_src.c - what a source may make us send (issue 15, review M1,
 * M3, L6).
 *
 * A known peer is a source address that is not 0.0.0.0 (the transport
 * refuses 0.0.0.0/8, multicast and broadcast sources), of a packet that
 * came in on the syncdev with TTL 255 (authenticated when sealed), and,
 * when a syncpeer is configured, that syncpeer.  Unsealed, anyone on
 * the sync link can claim to be one, so what a peer can get is bounded:
 *
 * - answers to update requests (UPD_REQ) and the UREQs we send for an
 *   unknown UPD_C cost their bytes, paid from what that source sent us
 *   (at most ENG_REPLY_BURST kept), then from a small pool shared by all
 *   sources (ENG_REPLY_POOL bytes a second): in the long run a peer gets
 *   back no more bytes than it sent, plus its share of the pool;
 * - resends on its NACKs come at most ENG_RESEND_RATE packets a second
 *   to each source (engine_rel.c caps each NACK as well);
 * - bulk walks: see engine_bulk.c.
 *
 * A source's first packet earns nothing and gets no answer: a stranger
 * that sends one packet from a forged address (the review's L6: an
 * UPD_C of unknown ids makes us send UREQs) gets nothing back, while a
 * real peer, which keeps talking (heartbeats every 2 s between pfsyncd
 * peers, its changes), is answered from its second packet on.
 *
 * ENG_SRCS sources are tracked; a new one takes the slot of the one
 * heard least recently.
 */
#include <string.h>

#include "engine_priv.h"

#define ENG_REPLY_BURST 65536u /* bytes of credit a source keeps */
#define ENG_REPLY_POOL	2048u  /* bytes a second beyond credit, all sources */
#define ENG_RESEND_RATE 8192u  /* packets resent a second to one source */

bool pfs_eng_src_known(const struct pfs_engine *e, uint32_t src)
{
	return src != 0 && (e->conf.syncpeer == 0 || src == e->conf.syncpeer);
}

static struct eng_src *eng_src_find(struct pfs_engine *e, uint32_t src)
{
	unsigned i;

	for (i = 0; i < ENG_SRCS; i++)
		if (e->src[i].addr == src)
			return &e->src[i];
	return NULL;
}

/* The slot of src, taken from the least recently heard when new. */
static struct eng_src *eng_src_slot(struct pfs_engine *e, uint32_t src,
				    uint64_t now_ms)
{
	struct eng_src *s = eng_src_find(e, src), *old = &e->src[0];
	unsigned i;

	if (s != NULL)
		return s;
	for (i = 1; i < ENG_SRCS; i++)
		if (e->src[i].heard_ms < old->heard_ms)
			old = &e->src[i]; /* a free slot has 0: the oldest */
	memset(old, 0, sizeof(*old));
	old->addr = src;
	old->resend = ENG_RESEND_RATE;
	old->fill_ms = now_ms;
	old->heard_ms = now_ms;
	return old;
}

/* A packet of len bytes from src passed the input checks: it earns
 * src the right to as many bytes of answers.  NULL: not a known peer. */
struct eng_src *pfs_eng_src_heard(struct pfs_engine *e, uint32_t src,
				  size_t len, uint64_t now_ms)
{
	struct eng_src *s;

	if (!pfs_eng_src_known(e, src))
		return NULL;
	s = eng_src_find(e, src);
	if (s == NULL) { /* its first packet: known from the next one */
		s = eng_src_slot(e, src, now_ms);
		return s;
	}
	s->heard_before = true;
	s->heard_ms = now_ms;
	if (len > ENG_REPLY_BURST - s->reply)
		s->reply = ENG_REPLY_BURST;
	else
		s->reply += (uint32_t)len;
	return s;
}

/* The shared pool, refilled by the time since its last use. */
static bool eng_src_pool(struct pfs_engine *e, size_t bytes, uint64_t now_ms)
{
	uint64_t add = (now_ms - e->reply_pool_ms) * ENG_REPLY_POOL / 1000;

	if (e->reply_pool_ms == 0 || now_ms < e->reply_pool_ms ||
	    add >= ENG_REPLY_POOL - e->reply_pool)
		e->reply_pool = ENG_REPLY_POOL;
	else
		e->reply_pool += (uint32_t)add;
	e->reply_pool_ms = now_ms;
	if (bytes > e->reply_pool)
		return false;
	e->reply_pool -= (uint32_t)bytes;
	return true;
}

/* May src make us send an answer of `bytes`?  Paid if so. */
bool pfs_eng_src_reply(struct pfs_engine *e, uint32_t src, size_t bytes,
		       uint64_t now_ms)
{
	struct eng_src *s;

	if (!pfs_eng_src_known(e, src))
		return false;
	s = eng_src_find(e, src);
	if (s == NULL || !s->heard_before)
		return false; /* a stranger's first packet: no answer */
	if (s->reply >= bytes) {
		s->reply -= (uint32_t)bytes;
		return true;
	}
	return eng_src_pool(e, bytes, now_ms);
}

bool pfs_eng_src_proven(const struct pfs_engine *e, uint32_t src)
{
	unsigned i;

	if (!pfs_eng_src_known(e, src))
		return false;
	for (i = 0; i < ENG_SRCS; i++)
		if (e->src[i].addr == src)
			return e->src[i].heard_before;
	return false;
}

/* How many of `want` packets may be resent to src now (taken). */
unsigned pfs_eng_src_resend(struct pfs_engine *e, uint32_t src, unsigned want,
			    uint64_t now_ms)
{
	struct eng_src *s;
	uint64_t add;

	if (!pfs_eng_src_known(e, src))
		return 0;
	s = eng_src_slot(e, src, now_ms);
	add = now_ms > s->fill_ms
		  ? (now_ms - s->fill_ms) * ENG_RESEND_RATE / 1000
		  : 0;
	if (add > 0) {
		s->resend = add >= ENG_RESEND_RATE - s->resend
				? ENG_RESEND_RATE
				: s->resend + (uint32_t)add;
		s->fill_ms = now_ms;
	}
	if (want > s->resend)
		want = s->resend;
	s->resend -= want;
	return want;
}
