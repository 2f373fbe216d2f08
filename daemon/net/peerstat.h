/*
 * peerstat.h - packets to and from each configured unicast peer (`peer`
 * lines, the syncpeer): received, sent, failed to send.  Kept by the
 * transports that send to a list of peers (tp_ucast.c, tp_udp.c) and
 * shown as one section per peer in `pfsyncctl -v stats` and the metrics
 * (pfsyncd_peer_packets_total{peer, kind}).
 *
 * Peers are named as the transports name them: IPv4 addresses in host
 * order, or keys of IPv6 peers in a struct pfsd_peeraddr.
 */
#ifndef PFSYNCD_PEERSTAT_H
#define PFSYNCD_PEERSTAT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "net/tp.h"

#define PFSD_PEERSTAT_MAX (PFSD_PEERS_MAX + 1) /* peer lines, syncpeer */

struct pfsd_peerstat_ent {
	uint32_t key;
	uint64_t rx, tx, tx_err;
};

struct pfsd_peerstat {
	struct pfsd_peerstat_ent p[PFSD_PEERSTAT_MAX];
	size_t n;
};

/* The peers are keys[0..n) (0 and repeats skipped); the counters of the
 * peers that stay are kept, the others' dropped. */
void pfsd_peerstat_set(struct pfsd_peerstat *ps, const uint32_t *keys,
		       size_t n);
/* The entry of key, NULL when it is no peer. */
struct pfsd_peerstat_ent *pfsd_peerstat_find(struct pfsd_peerstat *ps,
					     uint32_t key);
/* One section per peer into s (at most max), named by pa's text of its
 * key (pa may be NULL: IPv4 only); how many. */
size_t pfsd_peerstat_sections(const struct pfsd_peerstat *ps,
			      const struct pfsd_peeraddr *pa,
			      struct pfsd_tp_section *s, size_t max);

#endif
