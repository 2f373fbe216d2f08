/*
 * merge.h - pfsync's stale tests as pure functions.
 *
 * A received update is stale when it would move a state backwards: an
 * older TCP state or a lower sequence number.  The result says what to do;
 * the engine applies it.
 */
#ifndef PFSYNC_MERGE_H
#define PFSYNC_MERGE_H

#include <stdbool.h>
#include <stdint.h>

#include "pfsync/state.h"

/* SEQ_GT with wrap-around: (int32_t)(a - b) > 0 */
bool pfs_seq_gt(uint32_t a, uint32_t b);

enum pfs_merge_kind {
	PFS_MERGE_UPD,	 /* full update (UPD, action 2) */
	PFS_MERGE_UPD_C	 /* compressed update (UPD_C, action 4) */
};

/* sfail codes, as NetBSD's debug output numbers them; 0 means apply. */
enum pfs_sfail {
	PFS_SFAIL_NONE = 0,
	PFS_SFAIL_SRC_STATE = 1,   /* local src state newer */
	PFS_SFAIL_DST_STATE_C = 2, /* UPD_C: local dst state newer */
	PFS_SFAIL_SRC_SEQ = 3,	   /* local src seqlo ahead */
	PFS_SFAIL_DST_SEQ = 4,	   /* local dst seqlo ahead */
	PFS_SFAIL_OTHER_SRC = 5,   /* non-TCP: src state newer */
	PFS_SFAIL_OTHER_DST = 6,   /* non-TCP: dst state newer */
	PFS_SFAIL_DST_PARTIAL = 7  /* UPD: dst older, import src only */
};

/*
 * Decide whether the peers (msrc, mdst) of a received update for a state
 * with protocol `proto` are stale against the local peers (lsrc, ldst).
 * The reference's order of tests.  For PFS_SFAIL_DST_PARTIAL the caller
 * imports msrc into the local src peer and replies unmarked.
 */
enum pfs_sfail pfs_merge_check(enum pfs_merge_kind kind, uint8_t proto,
			       const struct pfs_peer *lsrc,
			       const struct pfs_peer *ldst,
			       const struct pfs_peer *msrc,
			       const struct pfs_peer *mdst);

/* True when received values are acceptable (timeout < PFS_TM_MAX, peer
 * states <= PFS_TCPS_PROXY_DST); the INS variant also checks direction
 * and af. */
bool pfs_merge_values_ok_upd(uint8_t timeout, const struct pfs_peer *src,
			     const struct pfs_peer *dst);
bool pfs_merge_values_ok_ins(const struct pfs_state *st);

/*
 * Apply a received peer to a local one: copy every field except scrub.
 * If alloc_scrub and msg->scrub.valid, the local peer gains scrub storage
 * (local->scrub.valid = VALID) first - pfsync does this for the dst peer
 * only.  Scrub values are then copied only if msg->scrub.valid and the
 * local peer has scrub storage.
 */
void pfs_merge_import_peer(struct pfs_peer *local, const struct pfs_peer *msg,
			   bool alloc_scrub);

#endif
