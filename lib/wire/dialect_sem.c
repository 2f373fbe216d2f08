/*
 * dialect_sem.c - what each dialect means by `expire` and which counter
 * it bumps for a refused record (see dialect_sem.h for the BSD sources
 * each row follows).  One row per dialect; v3's row serves any other id.
 */
#include <stddef.h>

#include "pfsync/dialect_sem.h"
#include "pfsync/stats.h"

struct dsem_row {
	uint32_t (*wire)(uint32_t left, uint8_t tclass);
	uint32_t (*import)(uint32_t wire, uint8_t tclass, uint32_t now);
	uint32_t (*merge)(uint32_t wire, uint8_t tclass, uint32_t now);
	int stat[PFS_DSEM_NEVENTS]; /* a pfs_stat slot, -1: none */
};

uint32_t pfs_dsem_at(uint32_t now, uint32_t secs)
{
	uint64_t at = (uint64_t)now + secs;

	return at > UINT32_MAX ? UINT32_MAX : (uint32_t)at;
}

uint32_t pfs_dsem_left(const struct pfs_state *st, uint32_t now)
{
	return st->expire > now ? st->expire - now : 0;
}

/* --- v3 (NetBSD): "last packet" relative to now --------------------------*/

/* The last packet is left - timeout seconds away; a live state has it
 * in the past, so 0. */
static uint32_t dsem_last_wire(uint32_t left, uint8_t tclass)
{
	uint32_t tmo = pfs_timeout_default(tclass);

	return left > tmo ? left - tmo : 0;
}

bool pfs_dsem_v3_needs_left(uint32_t left, uint8_t tclass)
{
	uint32_t tmo = pfs_timeout_default(tclass), over;

	if (left >= tmo)
		return false;
	over = tmo - left;
	return over >= 2 && over > tmo / 64;
}

/* --- v5 (FreeBSD), v6 (OpenBSD): seconds left -----------------------------*/

/* A state still held has a second left: 0 would tell a BSD importer
 * "a full timeout", which is the opposite. */
static uint32_t dsem_left_wire(uint32_t left, uint8_t tclass)
{
	(void)tclass;
	return left > 0 ? left : 1;
}

static uint32_t dsem_left_at(uint32_t wire, uint8_t tclass, uint32_t now)
{
	return pfs_dsem_at(now, wire != 0 ? wire : pfs_timeout_default(tclass));
}

/* The update restarts the timer: `expire` is not read. */
static uint32_t dsem_restart_at(uint32_t wire, uint8_t tclass, uint32_t now)
{
	(void)wire;
	return pfs_dsem_at(now, pfs_timeout_default(tclass));
}

#define DSEM_BSD                                                               \
	{                                                                      \
		dsem_left_wire, dsem_left_at, dsem_restart_at,                 \
		{                                                              \
			[PFS_DSEM_INVALID] = PFS_STAT_BADVAL,                  \
			[PFS_DSEM_STALE] = PFS_STAT_STALE,                     \
			[PFS_DSEM_UPDC_UNKNOWN] = -1,                          \
			[PFS_DSEM_NOTFOUND] = PFS_STAT_BADSTATE,               \
		}                                                              \
	}

static const struct dsem_row dsem_v3 = {
    dsem_last_wire,
    pfs_state_expire_from_wire, /* import and merge alike (state.h) */
    pfs_state_expire_from_wire,
    {
	[PFS_DSEM_INVALID] = PFS_STAT_BADSTATE,
	[PFS_DSEM_STALE] = PFS_STAT_BADSTATE,
	[PFS_DSEM_UPDC_UNKNOWN] = PFS_STAT_BADSTATE,
	[PFS_DSEM_NOTFOUND] = PFS_STAT_BADSTATE,
    },
};

static const struct dsem_row dsem_v5 = DSEM_BSD;
static const struct dsem_row dsem_v6 = DSEM_BSD;

static const struct dsem_row *dsem_row(unsigned d)
{
	switch (d) {
	case 5:
		return &dsem_v5;
	case 6:
		return &dsem_v6;
	default:
		return &dsem_v3;
	}
}

int pfs_dsem_stat(unsigned d, enum pfs_dsem_event ev)
{
	if ((unsigned)ev >= PFS_DSEM_NEVENTS)
		return -1;
	return dsem_row(d)->stat[ev];
}

uint32_t pfs_dsem_wire_expire(unsigned d, uint32_t left, uint8_t tclass)
{
	return dsem_row(d)->wire(left, tclass);
}

uint32_t pfs_dsem_import_expire(unsigned d, uint32_t wire, uint8_t tclass,
				uint32_t now)
{
	return dsem_row(d)->import(wire, tclass, now);
}

uint32_t pfs_dsem_merge_expire(unsigned d, uint32_t wire, uint8_t tclass,
			       uint32_t now)
{
	return dsem_row(d)->merge(wire, tclass, now);
}
