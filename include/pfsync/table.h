/*
 * table.h - the in-memory state table: states indexed by (id, creatorid)
 * and by flow key, with a slot-order walk for bulk sends.
 *
 * The table owns its states.  A pointer returned by insert or find stays
 * valid until that state is removed (storage is chunked, never moved).
 * Callers may change any field in place except id, creatorid and the flow
 * key fields (af, proto, direction, lan, ext), which are indexed.
 * Sized for tens of millions of states, at most 256 bytes each with their
 * indexes.
 */
#ifndef PFSYNC_TABLE_H
#define PFSYNC_TABLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/hash.h"
#include "pfsync/state.h"

struct pfs_table;

/*
 * hint: expected number of states (0 for a small default).  key: the
 * secret of the indexes' hashes (hash.h), PFS_HASHKEY_LEN bytes copied:
 * random and unknown outside the process (pfsyncd draws it with
 * randombytes_buf), or ids and flow keys could be chosen to collide.
 * NULL+ENOMEM, or EINVAL without a key.
 */
struct pfs_table *pfs_table_new(size_t hint,
				const uint8_t key[PFS_HASHKEY_LEN]);
void pfs_table_free(struct pfs_table *t);
/*
 * A key for another hashed set of the table's owner (label tells them
 * apart), derived from the table's: it reveals nothing of it.
 */
void pfs_table_subkey(const struct pfs_table *t, uint64_t label,
		      uint8_t key[PFS_HASHKEY_LEN]);
/*
 * The most index cells one lookup, insert or removal may read now (the
 * longest stretch of used cells in either index), walking both indexes:
 * for tests and diagnostics, to show that no input piles states up.
 */
size_t pfs_table_probe_max(const struct pfs_table *t);

size_t pfs_table_count(const struct pfs_table *t);
/* Bytes held by the table and its indexes. */
size_t pfs_table_memory(const struct pfs_table *t);

/*
 * Copies *st in.  Returns the stored state, or NULL with errno EEXIST
 * (same id and creator, or same flow key) or ENOMEM.
 */
struct pfs_state *pfs_table_insert(struct pfs_table *t,
				   const struct pfs_state *st);
/*
 * Inserts sts[0 .. n-1] in order, exactly as n calls of pfs_table_insert
 * would (a later duplicate of an earlier element fails with EEXIST), with
 * the index cache misses of up to 16 states overlapped.  out[i] is the
 * stored state or NULL; errno is that of the last failure.  Returns how
 * many were inserted.
 */
size_t pfs_table_insert_batch(struct pfs_table *t, size_t n,
			      const struct pfs_state *sts,
			      struct pfs_state **out);
/*
 * Extras (state.h's pfs_stx), kept out of line: a table without any
 * costs nothing; mark, zone and flags take an 8-byte record per slot of
 * each 8192-slot chunk holding a state with extras (8 bytes a state at
 * most: 254 bytes a state with the indexes at 1 M states); labels or a
 * second translation a 40-byte cell more, in a table of their own.  insert_x is insert with
 * extras; the zone is part of the flow key (pfs_flowkey.zone), fixed at
 * insertion.  xset replaces a stored state's extras (NULL or none: they
 * go); -1/EINVAL when the zone would change, ENOENT, ENOMEM.  xget fills
 * *x (zeroed first) and is true when the state has extras.  Removing a
 * state removes its extras.  xcount: states that have extras.
 */
struct pfs_state *pfs_table_insert_x(struct pfs_table *t,
				     const struct pfs_state *st,
				     const struct pfs_stx *x);
int pfs_table_xset(struct pfs_table *t, const struct pfs_state *st,
		   const struct pfs_stx *x);
bool pfs_table_xget(const struct pfs_table *t, const struct pfs_state *st,
		    struct pfs_stx *x);
size_t pfs_table_xcount(const struct pfs_table *t);

struct pfs_state *pfs_table_find_id(const struct pfs_table *t, uint64_t id,
				    uint32_t creatorid);
struct pfs_state *pfs_table_find_key(const struct pfs_table *t,
				     const struct pfs_flowkey *k);
/*
 * Batched lookups: out[i] is what pfs_table_find_id(t, ids[i],
 * creatorids[i]) (or pfs_table_find_key(t, &keys[i])) returns, NULL on a
 * miss; any n, duplicates allowed.  The cache misses of up to 16 lookups
 * overlap, which a loop of single finds cannot do: use them wherever
 * several states are wanted at once (the records of a packet).
 */
void pfs_table_find_id_batch(const struct pfs_table *t, size_t n,
			     const uint64_t *ids, const uint32_t *creatorids,
			     struct pfs_state **out);
void pfs_table_find_key_batch(const struct pfs_table *t, size_t n,
			      const struct pfs_flowkey *keys,
			      struct pfs_state **out);
/* Removes a stored state; st must come from this table. */
void pfs_table_remove(struct pfs_table *t, struct pfs_state *st);
/* Removes every state of a creator; returns how many. */
size_t pfs_table_clear_creator(struct pfs_table *t, uint32_t creatorid);
/* Removes every state. */
void pfs_table_clear(struct pfs_table *t);

/*
 * Slot-order walk.  Start with *cursor = 0; each call returns the next
 * live state and advances *cursor, or NULL at the end.  Removing states
 * (the returned one included) during a walk is safe; states inserted during
 * a walk may or may not be seen.
 */
struct pfs_state *pfs_table_next(const struct pfs_table *t, size_t *cursor);

#endif
