/*
 * peers.h - the pfsync peers this daemon has heard from: source address,
 * packets received and when the last one arrived (monotonic ms).  Fed by
 * every packet the transport hands on (our own are filtered before), read
 * by `pfsyncctl metrics` and `pfsyncctl peers`.
 *
 * A fixed table: a sync link has a handful of peers, and a stranger
 * spraying protocol 240 must not grow memory.  When it is full the peer
 * heard from least recently makes room (and `evicted` counts it).
 */
#ifndef PFSYNCD_PEERS_H
#define PFSYNCD_PEERS_H

#include <stddef.h>
#include <stdint.h>

#define PFSD_PEERS_MAX 16

struct pfsd_peer {
	uint32_t addr;	   /* IPv4, host order */
	uint64_t first_ms; /* first packet, monotonic */
	uint64_t last_ms;  /* last packet, monotonic */
	uint64_t packets;
};

struct pfsd_peers {
	struct pfsd_peer p[PFSD_PEERS_MAX];
	size_t n;
	uint64_t evicted;
};

/* A packet from addr arrived at now_ms. */
void pfsd_peers_seen(struct pfsd_peers *ps, uint32_t addr, uint64_t now_ms);
/* The entry of addr, NULL if unknown. */
const struct pfsd_peer *pfsd_peers_find(const struct pfsd_peers *ps,
					uint32_t addr);

#endif
