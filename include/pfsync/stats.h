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

#endif
