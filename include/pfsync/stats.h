/*
 * stats.h - the 16 pfsync counters, in NetBSD's PFSYNC_STAT_* slot order
 * (binary compatible with OpenBSD's struct pfsyncstats).
 */
#ifndef PFSYNC_STATS_H
#define PFSYNC_STATS_H

#include <stdint.h>

enum pfs_stat {
	PFS_STAT_IPACKETS = 0,	/* packets received (IPv4) */
	PFS_STAT_IPACKETS6 = 1, /* packets received (IPv6) */
	PFS_STAT_BADIF = 2,	/* not received on the syncdev */
	PFS_STAT_BADTTL = 3,	/* TTL is not 255 */
	PFS_STAT_HDROPS = 4,	/* shorter than the pfsync header */
	PFS_STAT_BADVER = 5,	/* version is not ours */
	PFS_STAT_BADACT = 6,	/* action out of range */
	PFS_STAT_BADLEN = 7,	/* payload shorter than count records */
	PFS_STAT_BADAUTH = 8,	/* authentication failed */
	PFS_STAT_STALE = 9,	/* stale states */
	PFS_STAT_BADVAL = 10,	/* states with bad values */
	PFS_STAT_BADSTATE = 11, /* failed state lookups / inserts */
	PFS_STAT_OPACKETS = 12, /* packets sent (IPv4) */
	PFS_STAT_OPACKETS6 = 13,/* packets sent (IPv6) */
	PFS_STAT_ONOMEM = 14,	/* send failed: no memory */
	PFS_STAT_OERRORS = 15,	/* send errors */
	PFS_NSTATS = 16
};

/* Short symbolic name ("ipackets", "badttl", ...) of a counter slot. */
const char *pfs_stat_name(enum pfs_stat s);

/*
 * pfsyncd's own counters of reliable delivery between pfsyncd peers and
 * of the guards against deleted states coming back (engine_rel.c).
 */
enum pfs_rel_stat {
	PFS_REL_GAPS = 0,	/* packets found missing in a peer's stream */
	PFS_REL_NACKS,		/* NACKs sent (asking for missing packets) */
	PFS_REL_RECOVERED,	/* missing packets received again */
	PFS_REL_LOST,		/* missing packets given up on (then resync) */
	PFS_REL_DUPS,		/* packets received twice, dropped */
	PFS_REL_HELD,		/* packets held back until a gap filled */
	PFS_REL_RESENT,		/* packets we sent again on a NACK */
	PFS_REL_GONE,		/* NACKs for packets no longer held */
	PFS_REL_RESYNCS,	/* bulk updates asked for after a loss */
	PFS_REL_SWEPT,		/* peer states a complete bulk did not hold */
	PFS_REL_REFUSED,	/* our deleted states offered back, refused */
	PFS_REL_TOMB_FULL,	/* deletes not remembered: the set was full */
	PFS_REL_BULK_SLOWED,	/* bulk walk pace halved on a peer's NACK */
	PFS_REL_XST_BAD,	/* extras sections refused (wire_xst.h) */
	/* guards against forged control messages (engine_rel.c) */
	PFS_REL_REPLY_REFUSED,	/* requests from no known peer, unanswered */
	PFS_REL_NACK_REFUSED,	/* NACKs from no stream we follow */
	PFS_REL_NACK_LIMITED,	/* resends cut by the per-NACK or rate cap */
	PFS_REL_ACK_REFUSED,	/* ACKs from no stream we follow */
	PFS_REL_FOREIGN,	/* trailers of a stream from another address */
	PFS_REL_FAR,		/* numbers outside the hold window, ignored */
	PFS_REL_REJOINED,	/* streams restarted where they went on */
	PFS_REL_HOLD_FULL,	/* packets not held: the total hold is full */
	PFS_REL_STREAMS_FULL,	/* streams not followed: every slot talks */
	PFS_REL_UREQ_LIMITED,	/* UPD_REQ answers / UREQs over the budget */
	PFS_REL_BULK_MERGED,	/* bulk requests merged into a walk */
	PFS_REL_IACKS,		/* INS_ACKs sent for a BSD peer's defer */
	PFS_REL_BULK_WAITED,	/* bulk walk waits for its readers' ACKs */
	PFS_REL_NSTATS
};

/* Short symbolic name ("rel_gaps", ...) of a reliability counter. */
const char *pfs_rel_stat_name(enum pfs_rel_stat s);

/*
 * Records and senders refused by the receive guards (engine_rx.c,
 * engine_dial.c): what no peer sends, or what would cost more than its
 * bytes.  Each refusal has its slot.
 */
enum pfs_guard_stat {
	PFS_GUARD_CLR_OWN = 0,	 /* CLRs naming our hostid, ignored */
	PFS_GUARD_CLR_DUP,	 /* CLR records repeated in one packet */
	PFS_GUARD_CLR_CAPPED,	 /* CLR records past the cap of a packet */
	PFS_GUARD_CLR_WALKS,	 /* CLRs that walked the table (not refused) */
	PFS_GUARD_INS_OWN,	 /* INS naming our hostid, refused */
	PFS_GUARD_PEER_UNPROVEN, /* packets that taught no dialect */
	PFS_GUARD_PEER_BADADDR,	 /* senders that cannot be peers */
	PFS_GUARD_PEER_FULL,	 /* new peers not learned: all slots live */
	PFS_GUARD_PEER_EXPIRED,	 /* peers forgotten after a long silence */
	PFS_GUARD_NSTATS
};

/* Short symbolic name ("guard_clr_own", ...) of a guard counter. */
const char *pfs_guard_stat_name(enum pfs_guard_stat s);

/*
 * States refused at the state limit (engine.h's max_states).  pf counts
 * the same event as "memory" (its state pool at `set limit states`);
 * NetBSD's pfsync drops the rest of such an INS packet uncounted and
 * counts BADSTATE in the UPD path, which we count too.
 */
enum pfs_lim_stat {
	PFS_LIM_PEER = 0, /* peers' new states refused */
	PFS_LIM_LOCAL,	  /* local inserts refused (ENOMEM) */
	PFS_LIM_NSTATS
};

/* "state_limit", "state_limit_local"; "?" out of range. */
const char *pfs_lim_stat_name(enum pfs_lim_stat s);

#endif
