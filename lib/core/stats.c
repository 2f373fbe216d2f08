/*
 * stats.c - names of the 16 pfsync counter slots.  The names are those of
 * OpenBSD's struct pfsyncstats fields without the "pfsyncs_" prefix, so a
 * JSON or text dump reads like the BSD originals.
 */
#include <stddef.h>

#include "pfsync/stats.h"

static const char *const pfs_stat_names[PFS_NSTATS] = {
    [PFS_STAT_IPACKETS] = "ipackets", [PFS_STAT_IPACKETS6] = "ipackets6",
    [PFS_STAT_BADIF] = "badif",	      [PFS_STAT_BADTTL] = "badttl",
    [PFS_STAT_HDROPS] = "hdrops",     [PFS_STAT_BADVER] = "badver",
    [PFS_STAT_BADACT] = "badact",     [PFS_STAT_BADLEN] = "badlen",
    [PFS_STAT_BADAUTH] = "badauth",   [PFS_STAT_STALE] = "stale",
    [PFS_STAT_BADVAL] = "badval",     [PFS_STAT_BADSTATE] = "badstate",
    [PFS_STAT_OPACKETS] = "opackets", [PFS_STAT_OPACKETS6] = "opackets6",
    [PFS_STAT_ONOMEM] = "onomem",     [PFS_STAT_OERRORS] = "oerrors",
};

/* Returns "?" for a value outside the 16 slots. */
const char *pfs_stat_name(enum pfs_stat s)
{
	if ((unsigned)s >= PFS_NSTATS)
		return "?";
	return pfs_stat_names[s];
}

static const char *const pfs_rel_stat_names[PFS_REL_NSTATS] = {
    [PFS_REL_GAPS] = "rel_gaps",
    [PFS_REL_NACKS] = "rel_nacks",
    [PFS_REL_RECOVERED] = "rel_recovered",
    [PFS_REL_LOST] = "rel_lost",
    [PFS_REL_DUPS] = "rel_dups",
    [PFS_REL_HELD] = "rel_held",
    [PFS_REL_RESENT] = "rel_resent",
    [PFS_REL_GONE] = "rel_gone",
    [PFS_REL_RESYNCS] = "rel_resyncs",
    [PFS_REL_SWEPT] = "rel_swept",
    [PFS_REL_REFUSED] = "rel_refused",
    [PFS_REL_TOMB_FULL] = "rel_tomb_full",
    [PFS_REL_BULK_SLOWED] = "rel_bulk_slowed",
    [PFS_REL_XST_BAD] = "rel_xst_bad",
    [PFS_REL_REPLY_REFUSED] = "rel_reply_refused",
    [PFS_REL_NACK_REFUSED] = "rel_nack_refused",
    [PFS_REL_NACK_LIMITED] = "rel_nack_limited",
    [PFS_REL_ACK_REFUSED] = "rel_ack_refused",
    [PFS_REL_FOREIGN] = "rel_foreign",
    [PFS_REL_FAR] = "rel_far",
    [PFS_REL_REJOINED] = "rel_rejoined",
    [PFS_REL_HOLD_FULL] = "rel_hold_full",
    [PFS_REL_STREAMS_FULL] = "rel_streams_full",
    [PFS_REL_UREQ_LIMITED] = "rel_ureq_limited",
    [PFS_REL_BULK_MERGED] = "rel_bulk_merged",
    [PFS_REL_IACKS] = "rel_iacks",
    [PFS_REL_BULK_WAITED] = "rel_bulk_waited",
};

const char *pfs_rel_stat_name(enum pfs_rel_stat s)
{
	if ((unsigned)s >= PFS_REL_NSTATS)
		return "?";
	return pfs_rel_stat_names[s];
}

static const char *const pfs_guard_stat_names[PFS_GUARD_NSTATS] = {
    [PFS_GUARD_CLR_OWN] = "guard_clr_own",
    [PFS_GUARD_CLR_DUP] = "guard_clr_dup",
    [PFS_GUARD_CLR_CAPPED] = "guard_clr_capped",
    [PFS_GUARD_CLR_WALKS] = "guard_clr_walks",
    [PFS_GUARD_INS_OWN] = "guard_ins_own",
    [PFS_GUARD_PEER_UNPROVEN] = "guard_peer_unproven",
    [PFS_GUARD_PEER_BADADDR] = "guard_peer_badaddr",
    [PFS_GUARD_PEER_FULL] = "guard_peer_full",
    [PFS_GUARD_PEER_EXPIRED] = "guard_peer_expired",
};

const char *pfs_guard_stat_name(enum pfs_guard_stat s)
{
	if ((unsigned)s >= PFS_GUARD_NSTATS)
		return "?";
	return pfs_guard_stat_names[s];
}

static const char *const pfs_lim_stat_names[PFS_LIM_NSTATS] = {
    [PFS_LIM_PEER] = "state_limit",
    [PFS_LIM_LOCAL] = "state_limit_local",
};

const char *pfs_lim_stat_name(enum pfs_lim_stat s)
{
	if ((unsigned)s >= PFS_LIM_NSTATS)
		return "?";
	return pfs_lim_stat_names[s];
}
