/*
 * linkdup.h - one copy of each packet that arrives on several sync
 * links, and the peers known by their address on each link (links.c
 * says why and how).  No I/O: the caller gives the time.
 */
#ifndef PFSYNCD_LINKDUP_H
#define PFSYNCD_LINKDUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "net/linkconf.h"

#define PFSD_LINKDUP_LINKS     (PFSD_LINKS_MAX + 1) /* syncdev and links */
#define PFSD_LINKDUP_WINDOW_MS 2000 /* a copy is known this long */
#define PFSD_LINKDUP_KEYLEN    16

struct pfsd_linkdup;

/* key: PFSD_LINKDUP_KEYLEN bytes of hash key, NULL for a random one.
 * NULL with errno. */
struct pfsd_linkdup *pfsd_linkdup_new(const uint8_t *key);
void pfsd_linkdup_free(struct pfsd_linkdup *ld); /* NULL-safe */

/* This arrival of p on link from src: a copy of a packet taken already
 * (true: drop it), or one to take (false).  Learns, from a copy, that
 * src on link is the address of the node the first copy came from. */
bool pfsd_linkdup_copy(struct pfsd_linkdup *ld, const uint8_t *p, size_t len,
		       unsigned link, uint32_t src, uint64_t now_ms);
/* The engine's key of src on link (its node's). */
uint32_t pfsd_linkdup_key(struct pfsd_linkdup *ld, unsigned link, uint32_t src,
			  uint64_t now_ms);
/* Where a packet to key goes on link: the group, the node's address
 * there, or key itself on link 0 when no node has it; 0: not there. */
uint32_t pfsd_linkdup_dst(struct pfsd_linkdup *ld, unsigned link, uint32_t key);
/* A configured peer: addr[i] on link i (0: not known there). */
void pfsd_linkdup_seed(struct pfsd_linkdup *ld,
		       const uint32_t addr[PFSD_LINKDUP_LINKS]);

uint64_t pfsd_linkdup_evicted(const struct pfsd_linkdup *ld);
uint64_t pfsd_linkdup_joined(const struct pfsd_linkdup *ld);

#endif
