/*
 * tomb.h - a set of deleted state identities, each kept until a time:
 * the engine remembers the states this node created and deleted, so that
 * a peer's stale copy (a lost delete, a bulk from a peer that still holds
 * it) is never put back into our table.
 *
 * Open addressing with linear probing; expired entries are dropped when
 * the set is rebuilt, before it grows.  It grows up to `max` entries and
 * then refuses new ones (the caller counts that).
 */
#ifndef PFSYNC_TOMB_H
#define PFSYNC_TOMB_H

#include <stddef.h>
#include <stdint.h>

#include "pfsync/hash.h"

struct pfs_tomb;

/* A set of at most max entries (0: a default of 1 M), hashed under key
 * (secret: hash.h).  NULL on ENOMEM, or EINVAL without a key. */
struct pfs_tomb *pfs_tomb_new(size_t max, const uint8_t key[PFS_HASHKEY_LEN]);
void pfs_tomb_free(struct pfs_tomb *t);

/* Remember (id, creatorid) until second `until`; -1 when full. */
int pfs_tomb_add(struct pfs_tomb *t, uint64_t id, uint32_t creatorid,
		 uint32_t until, uint32_t now);
/* True when (id, creatorid) was added and its time has not passed. */
int pfs_tomb_has(const struct pfs_tomb *t, uint64_t id, uint32_t creatorid,
		 uint32_t now);
/* The time (id, creatorid) is kept until, or 0 when absent or past. */
uint32_t pfs_tomb_until(const struct pfs_tomb *t, uint64_t id,
			uint32_t creatorid, uint32_t now);
/* Forget (id, creatorid) (an id used again for a new state). */
void pfs_tomb_del(struct pfs_tomb *t, uint64_t id, uint32_t creatorid);

#endif
