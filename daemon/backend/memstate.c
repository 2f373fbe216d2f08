/*
 * memstate.c - a new local state of the memory firewall (memstate.h).
 */
#include <netinet/in.h>
#include <string.h>

#include "pfsync/engine.h"

#include "backend/memstate.h"

#define MEMSTATE_WINDOW 65535

static void memstate_init_peer(struct pfs_peer *p, uint8_t proto, uint8_t state,
			       uint32_t seq)
{
	memset(p, 0, sizeof(*p));
	p->state = state;
	if (proto != IPPROTO_TCP)
		return;
	p->seqlo = seq;
	p->seqhi = seq + MEMSTATE_WINDOW;
	p->max_win = MEMSTATE_WINDOW;
	p->mss = 1460;
}

void pfsd_memstate_new(struct pfs_engine *e, uint32_t hostid, uint32_t now_s,
		       struct pfs_state *st, uint8_t proto, uint8_t src,
		       uint8_t dst)
{
	uint32_t mix;

	memset(st, 0, sizeof(*st));
	st->id = pfs_engine_new_id(e);
	st->creatorid = hostid;
	st->rule = PFS_NO_RULE;
	st->anchor = PFS_NO_RULE;
	st->proto = proto;
	st->creation = now_s;
	st->timeout = pfs_state_timeout_class(proto, src, dst);
	st->expire = now_s + pfs_timeout_default(st->timeout);
	/* Distinct, plausible initial sequence numbers per state. */
	mix = (uint32_t)(st->id ^ st->id >> 32) * 2654435761u;
	memstate_init_peer(&st->src, proto, src, mix);
	memstate_init_peer(&st->dst, proto, dst,
			   mix * 2246822519u ^ 0x5bd1e995u);
}
