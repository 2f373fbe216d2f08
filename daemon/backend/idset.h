/*
 * idset.h - a set of 32-bit ids (conntrack's CTA_ID), open addressing,
 * growing as needed; emptied in O(1) amortized (a generation counter).
 *
 * The backend keeps the ids of the entries destroyed while a dump runs:
 * the dump walks the kernel's table bucket by bucket, so an entry it
 * reaches after its DESTROY event was read would otherwise come back to
 * life in the mirror (and be announced to the peers) after it is gone.
 *
 * Hashed under a random key of its own, drawn by init: the kernel's ids
 * are not chosen by outsiders, but the set does not have to rely on it.
 */
#ifndef PFSYNCD_IDSET_H
#define PFSYNCD_IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/hash.h"

struct pfsd_idset {
	uint64_t *slot; /* (gen << 32) | id; a slot of an older gen is free */
	size_t cap, n;	/* cap a power of 2 (or 0) */
	uint32_t gen;	/* >= 1 */
	struct pfs_hashkey hk;
};

void pfsd_idset_init(struct pfsd_idset *s);
void pfsd_idset_free(struct pfsd_idset *s);
/* Forget every id (memory is kept, unless it grew large). */
void pfsd_idset_clear(struct pfsd_idset *s);
/* 0, or -1 when memory ran out (the id is then not held). */
int pfsd_idset_add(struct pfsd_idset *s, uint32_t id);
bool pfsd_idset_has(const struct pfsd_idset *s, uint32_t id);

#endif
