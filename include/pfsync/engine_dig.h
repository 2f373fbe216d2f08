/*
 * engine_dig.h - anti-entropy between pfsyncd peers: what the engine
 * (engine_digest.c) shows of it.  The configuration is conf.digest_ms
 * (engine.h); the digests themselves are digest.h's, their wire form
 * wire_dig.h's.
 */
#ifndef PFSYNC_ENGINE_DIG_H
#define PFSYNC_ENGINE_DIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/engine.h"

#define PFS_DIG_MS_DEFAULT 2000 /* pfsyncd's period (pfsyncd.conf(5)) */

enum pfs_dig_stat {
	PFS_DIG_SENT = 0,	/* digest packets sent (our own states) */
	PFS_DIG_RECEIVED,	/* digest packets received (a creator's) */
	PFS_DIG_DIFFER,		/* buckets found different, in a round */
	PFS_DIG_ASKS,		/* asks sent for differing ranges */
	PFS_DIG_ANSWERED,	/* asks of peers answered */
	PFS_DIG_REFUSED,	/* asks or fetches refused: not a known peer,
				   another node's states, busy, no budget */
	PFS_DIG_RANGES,		/* ranges repaired (an answer taken whole) */
	PFS_DIG_STATES,		/* states repaired: fetched or confirmed */
	PFS_DIG_CONFIRMED,	/* ... of them held unconfirmed, confirmed */
	PFS_DIG_DELETED,	/* states deleted by a repair */
	PFS_DIG_SWEPT,		/* unconfirmed states no creator has, deleted */
	PFS_DIG_INCOMPLETE,	/* answers lost in part: retried */
	PFS_DIG_FOREIGN,	/* digests about a third node's states, or from
				   another address than the creator's */
	PFS_DIG_BAD,		/* sections refused (malformed, other geometry) */
	PFS_DIG_REBUILT,	/* digests rebuilt by a walk of the table */
	PFS_DIG_SEND_ERR,	/* digest packets that failed to go */
	PFS_DIG_NSTATS
};

/* What we hold of one creator, compared with its digests. */
struct pfs_dig_peer {
	uint32_t creatorid;
	uint32_t src;	    /* the address its digests come from */
	uint64_t heard_ms;  /* its last digest */
	uint64_t since_ms;  /* out of sync since (engine clock), 0: in sync */
	uint32_t differ;    /* buckets differing in its last round */
	uint64_t states;    /* states of it we hold (summed) */
	uint64_t theirs;    /* states it says it holds */
};

/* The counters, [PFS_DIG_NSTATS]; NULL when the digest is off. */
const uint64_t *pfs_engine_dig_stats(const struct pfs_engine *e);
/* The creators whose digests we compare; returns how many (<= max). */
size_t pfs_engine_dig_peers(const struct pfs_engine *e,
			    struct pfs_dig_peer *out, size_t max);
/*
 * A restart with the kernel's table kept: instead of a full bulk update,
 * ask the peers for their digests now and repair what differs; synced
 * (ops->synced) once every creator heard matches.  Falls back to
 * pfs_engine_bulk_request when no digest comes within bulk_retry_ms, or
 * when the digest is off (then returns -1).
 */
int pfs_engine_digest_sync(struct pfs_engine *e, uint64_t now_ms);

#endif
