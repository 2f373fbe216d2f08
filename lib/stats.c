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
