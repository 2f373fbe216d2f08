/*
 * peerstat.c - packets to and from each configured peer (peerstat.h).
 */
#include <stdio.h>
#include <string.h>

#include "net/peeraddr.h"
#include "net/peerstat.h"

struct pfsd_peerstat_ent *pfsd_peerstat_find(struct pfsd_peerstat *ps,
					     uint32_t key)
{
	size_t i;

	for (i = 0; i < ps->n; i++)
		if (ps->p[i].key == key)
			return &ps->p[i];
	return NULL;
}

void pfsd_peerstat_set(struct pfsd_peerstat *ps, const uint32_t *keys, size_t n)
{
	struct pfsd_peerstat old = *ps;
	struct pfsd_peerstat_ent *o;
	size_t i;

	ps->n = 0;
	for (i = 0; i < n && ps->n < PFSD_PEERSTAT_MAX; i++) {
		if (keys[i] == 0 || pfsd_peerstat_find(ps, keys[i]) != NULL)
			continue;
		o = pfsd_peerstat_find(&old, keys[i]);
		memset(&ps->p[ps->n], 0, sizeof(ps->p[ps->n]));
		if (o != NULL)
			ps->p[ps->n] = *o;
		ps->p[ps->n++].key = keys[i];
	}
}

static void peerstat_section(const struct pfsd_peerstat_ent *p,
			     const struct pfsd_peeraddr *pa,
			     struct pfsd_tp_section *s)
{
	char a[PFSD_PEERADDR_STRLEN];

	memset(s, 0, sizeof(*s));
	pfsd_peeraddr_str(pa, p->key, a, sizeof(a));
	snprintf(s->head, sizeof(s->head), "peer %s:", a);
	s->metric = "pfsyncd_peer_packets_total";
	s->help = "Packets to and from each configured unicast peer.";
	s->what_label = "peer";
	snprintf(s->what, sizeof(s->what), "%s", a);
	pfsd_tp_line_add(s, "peer_rx", "packets received", "received", p->rx);
	pfsd_tp_line_add(s, "peer_tx", "packets sent", "sent", p->tx);
	pfsd_tp_line_add(s, "peer_send_errors", "send failures", "send_error",
			 p->tx_err);
}

size_t pfsd_peerstat_sections(const struct pfsd_peerstat *ps,
			      const struct pfsd_peeraddr *pa,
			      struct pfsd_tp_section *s, size_t max)
{
	size_t i;

	for (i = 0; i < ps->n && i < max; i++)
		peerstat_section(&ps->p[i], pa, &s[i]);
	return i;
}
