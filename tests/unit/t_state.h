/*
 * t_state.h - helpers on struct pfs_state shared by the unit tests and the
 * fuzzers: field-by-field equality (the structs have padding that memcmp
 * would see) and an IPv4 host builder.
 */
#ifndef PFSYNC_T_STATE_H
#define PFSYNC_T_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pfsync/state.h"

static inline bool t_peer_eq(const struct pfs_peer *a, const struct pfs_peer *b)
{
	return a->scrub.flags == b->scrub.flags &&
	       a->scrub.ttl == b->scrub.ttl &&
	       a->scrub.valid == b->scrub.valid &&
	       a->scrub.ts_mod == b->scrub.ts_mod && a->seqlo == b->seqlo &&
	       a->seqhi == b->seqhi && a->seqdiff == b->seqdiff &&
	       a->max_win == b->max_win && a->mss == b->mss &&
	       a->state == b->state && a->wscale == b->wscale;
}

static inline bool t_host_eq(const struct pfs_host *a, const struct pfs_host *b)
{
	return memcmp(a->addr.a, b->addr.a, sizeof(a->addr.a)) == 0 &&
	       a->port == b->port;
}

static inline void t_host4(struct pfs_host *h, uint8_t a, uint8_t b,
			   uint8_t c, uint8_t d, uint16_t port)
{
	memset(h, 0, sizeof(*h));
	h->addr.a[0] = a;
	h->addr.a[1] = b;
	h->addr.a[2] = c;
	h->addr.a[3] = d;
	h->port = port;
}

#endif
