/*
 * dialect_sem.h - what a dialect's fields and counters mean, where the
 * three dialects disagree.  The codecs (wire_v3.c, wire_v5.c, wire_v6.c)
 * move the bytes; this says what a value read or written *means*, so the
 * engine applies a NetBSD, FreeBSD or OpenBSD peer's state as that peer's
 * own pf would, and a BSD receiver does with ours what we mean.
 *
 * `expire`, a state's 32-bit relative time:
 *
 *   v3 (NetBSD)   the sender's "last packet" minus now, 0 when past
 *                 (a live state) (NetBSD sys/dist/pf/net/if_pfsync.c
 *                 pfsync_pack_state); a receiver keeps the state wire +
 *                 the timeout of its class, on INS and on every update
 *                 (pfsync_insert_net_state, pfsync_input PFSYNC_ACT_UPD
 *                 and _UPD_C).
 *   v5 (FreeBSD)  the seconds the state has left at the sender (0 when
 *   v6 (OpenBSD)  none; FreeBSD pf_ioctl.c pfsync_state_export, OpenBSD
 *                 pf.c pf_state_export).  A new state (INS, or an UPD of
 *                 one the receiver lacks) lives those seconds, a full
 *                 timeout of its class when 0 (FreeBSD if_pfsync.c
 *                 pfsync_state_import, OpenBSD pf.c pf_state_import).
 *                 An update of a state held ignores it and restarts the
 *                 class timeout (FreeBSD pfsync_in_upd, pfsync_in_upd_c;
 *                 OpenBSD if_pfsync.c pfsync_in_updates).  UPD_C is sent
 *                 with 0 (FreeBSD and OpenBSD pfsync_out_upd_c).
 *
 * Counters of refused records (stats.h slots):
 *
 *   event                          v3 (NetBSD)  v5, v6 (FreeBSD, OpenBSD)
 *   values out of range            badstate     badval
 *   stale update (ours is newer)   badstate     stale
 *   UPD_C of a state we lack       badstate     none (an UPD_REQ is sent)
 *   UPD import, DEL, DEL_C or
 *   UPD_REQ of a state we lack     badstate     badstate
 *
 * (NetBSD pfsync_input; FreeBSD if_pfsync.c pfsync_in_upd, _upd_c,
 * _del_c, _ureq; OpenBSD if_pfsync.c pfsync_in_upd, pfsync_in_updates,
 * pfsync_in_upd_c, pfsync_in_del_c, pfsync_in_ureq.)
 *
 * A dialect id outside 3, 5 and 6 has v3's meaning.  Times are seconds
 * on the engine's clock; results saturate at UINT32_MAX.
 */
#ifndef PFSYNC_DIALECT_SEM_H
#define PFSYNC_DIALECT_SEM_H

#include <stdbool.h>
#include <stdint.h>

#include "pfsync/state.h"

enum pfs_dsem_event {
	PFS_DSEM_INVALID = 0, /* a record's values out of range */
	PFS_DSEM_STALE,	      /* an update older than the state held */
	PFS_DSEM_UPDC_UNKNOWN, /* UPD_C of a state not held: asked for */
	PFS_DSEM_NOTFOUND,     /* UPD import failed; DEL or UREQ: no state */
	PFS_DSEM_NEVENTS
};

/* The stats.h slot dialect d counts ev in; -1 when it counts none. */
int pfs_dsem_stat(unsigned d, enum pfs_dsem_event ev);

/* The seconds st has left at now (0 when past). */
uint32_t pfs_dsem_left(const struct pfs_state *st, uint32_t now);

/* `expire` for dialect d of a state of class tclass with left seconds
 * to live (INS and UPD; UPD_C carries 0 in every dialect we send). */
uint32_t pfs_dsem_wire_expire(unsigned d, uint32_t left, uint8_t tclass);

/* The absolute expiry of a new state (INS, or UPD of a state not held)
 * received from dialect d with `wire` and class tclass at now. */
uint32_t pfs_dsem_import_expire(unsigned d, uint32_t wire, uint8_t tclass,
				uint32_t now);

/* The absolute expiry of a held state after an update (UPD, UPD_C)
 * from dialect d was merged. */
uint32_t pfs_dsem_merge_expire(unsigned d, uint32_t wire, uint8_t tclass,
			       uint32_t now);

/*
 * Whether a pfsyncd peer needs a state's seconds left besides v3's
 * `expire` (wire_xst.h): v3 would overstate them (fewer than the class
 * timeout) by 2 s or more and by more than 1/64 of the class timeout.
 * A state with nearly all of its timeout left is let be (a
 * tcp.established one with 23 h 37 min or more: up to 22 min over), so
 * a table of fresh states costs no extras section.
 */
bool pfs_dsem_v3_needs_left(uint32_t left, uint8_t tclass);

/* now + secs, saturating. */
uint32_t pfs_dsem_at(uint32_t now, uint32_t secs);

#endif
