/*
 * creators.h - how many states each creator id has in the table, kept as
 * states come and go (the engine's insert and remove paths), so that a
 * CLR for a creator we hold nothing of costs O(1) instead of a walk of
 * the table, and the metrics list states by creator without one.
 *
 * A keyed hash (SipHash, a random key per table: creator ids come from
 * the network and must not steer the probes), open addressing, grown at
 * half full; a creator whose count drops to 0 leaves it.
 */
#ifndef PFSYNC_CREATORS_H
#define PFSYNC_CREATORS_H

#include <stddef.h>
#include <stdint.h>

struct pfs_creators;

struct pfs_creator_count {
	uint32_t creatorid;
	uint64_t n;
};

/* NULL with errno ENOMEM (or EIO when libsodium cannot start). */
struct pfs_creators *pfs_creators_new(void);
void pfs_creators_free(struct pfs_creators *c);

/* One state of creatorid more: 0, or -1/ENOMEM (nothing changed). */
int pfs_creators_add(struct pfs_creators *c, uint32_t creatorid);
/* One state of creatorid less (nothing when it has none). */
void pfs_creators_sub(struct pfs_creators *c, uint32_t creatorid);
/* Forget every count. */
void pfs_creators_reset(struct pfs_creators *c);

uint64_t pfs_creators_count(const struct pfs_creators *c, uint32_t creatorid);
/* States over all creators. */
uint64_t pfs_creators_total(const struct pfs_creators *c);

/*
 * The `max` creators holding the most states into out[], ordered by
 * creator id; the states of the others summed into *other.  Returns how
 * many were written.  O(creators x max).
 */
size_t pfs_creators_top(const struct pfs_creators *c,
			struct pfs_creator_count *out, size_t max,
			uint64_t *other);

#endif
