/*
 * peers.c - last-seen table of pfsync peers (see peers.h).
 */
#include <string.h>

#include "net/peers.h"

static size_t peers_index(const struct pfsd_peers *ps, uint32_t addr)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (ps->p[i].addr == addr)
			break;
	return i;
}

const struct pfsd_peer *pfsd_peers_find(const struct pfsd_peers *ps,
					uint32_t addr)
{
	size_t i = peers_index(ps, addr);

	return i < ps->n ? &ps->p[i] : NULL;
}

/* The slot for a new peer: a free one, else the least recently heard. */
static struct pfsd_peer *peers_slot(struct pfsd_peers *ps)
{
	size_t i, old = 0;

	if (ps->n < PFSD_PEERS_MAX)
		return &ps->p[ps->n++];
	for (i = 1; i < ps->n; i++)
		if (ps->p[i].last_ms < ps->p[old].last_ms)
			old = i;
	ps->evicted++;
	return &ps->p[old];
}

void pfsd_peers_seen(struct pfsd_peers *ps, uint32_t addr, uint64_t now_ms)
{
	size_t i = peers_index(ps, addr);
	struct pfsd_peer *p = i < ps->n ? &ps->p[i] : NULL;

	if (p == NULL) {
		p = peers_slot(ps);
		memset(p, 0, sizeof(*p));
		p->addr = addr;
		p->first_ms = now_ms;
	}
	p->last_ms = now_ms;
	p->packets++;
}
