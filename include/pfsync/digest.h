/*
 * digest.h - anti-entropy digests of the state table, per creator
 * (engine_digest.c carries them between pfsyncd peers).
 *
 * The states of each creator are spread over PFS_DIG_BUCKETS buckets by
 * a hash of (id, creatorid); each bucket holds the number of its states
 * and the sum (mod 2^64) of a 64-bit hash of each state's identity (id,
 * creatorid, address family, protocol).  A sum is order-independent and
 * can be taken back, so the digest follows every insert and removal in
 * O(1) and a round of it costs O(buckets), never a walk of the table.
 * Two nodes that hold the same states of a creator have equal buckets;
 * a bucket that differs names the 1/PFS_DIG_BUCKETS of that creator's
 * states to compare (about 1000 of 1 M).
 *
 * Only identity is summed: those fields never change while a state is in
 * a table (table.h), so no in-place change can leave the sums behind.
 * What changes (TCP states, windows, expiry) is the update stream's job.
 *
 * The hashes are fixed and public (both ends must compute the same): a
 * creator's ids are the creator's to choose, so a collision it crafts
 * hides only a difference in its own states.
 */
#ifndef PFSYNC_DIGEST_H
#define PFSYNC_DIGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/state.h"

#define PFS_DIG_BUCKETS 1024 /* a power of two */
#define PFS_DIG_CREATORS 64  /* creators followed; more are not summed */

struct pfs_dig_bucket {
	uint32_t count;
	uint64_t sum;
};

/* The digest of one creator's states. */
struct pfs_dig_sums {
	uint32_t creatorid;
	uint64_t total; /* states summed */
	struct pfs_dig_bucket b[PFS_DIG_BUCKETS];
};

struct pfs_digest;

struct pfs_digest *pfs_digest_new(void);
void pfs_digest_free(struct pfs_digest *d);
/* Forget every sum (before a rebuild). */
void pfs_digest_reset(struct pfs_digest *d);

/* The bucket of a state and the hash it adds there. */
unsigned pfs_dig_bucket_of(uint64_t id, uint32_t creatorid);
uint64_t pfs_dig_hash(uint64_t id, uint32_t creatorid, uint8_t af,
		      uint8_t proto);

/*
 * Add or take back a state.  add fails with ENOSPC when
 * PFS_DIG_CREATORS creators are already summed (the caller then
 * rebuilds later; the digest of that creator is not sent or compared).
 */
int pfs_digest_add(struct pfs_digest *d, const struct pfs_state *st);
void pfs_digest_sub(struct pfs_digest *d, const struct pfs_state *st);

/* The sums of a creator, NULL when none of its states is summed. */
const struct pfs_dig_sums *pfs_digest_get(const struct pfs_digest *d,
					  uint32_t creatorid);
/* States summed, all creators. */
uint64_t pfs_digest_total(const struct pfs_digest *d);

/*
 * The buckets of `a` that differ from the n buckets from `first` of
 * `peer` (count and sum as the peer sent them; a NULL a: holds none):
 * their indexes into out (room for n), returns how many.
 */
size_t pfs_dig_compare(const struct pfs_dig_sums *a, unsigned first,
		       const struct pfs_dig_bucket *peer, size_t n,
		       uint16_t *out);

#endif
