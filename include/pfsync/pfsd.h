/*
 * pfsd.h - the pfsyncd framing, the dialect two pfsyncd nodes speak: a
 * v3 packet (version 3, one action, records) followed by sections only a
 * pfsyncd peer reads, each opened by its magic byte, then the trailer:
 *
 *   v3 header | v3 records | extras 0xF6 | expectations 0xF7 |
 *   digest 0xF8 | trailer 0xF5 (12 B)
 *
 * A NetBSD peer reads only the records its header counts, so it sees the
 * v3 packet it understands (pfsync-v3.md 4.1).  The sections' layouts
 * are in lib/wire (wire_xst.c, wire_xexp.c, wire_dig.c, wire_ext.c);
 * this header speaks of them in the engine's terms only: how many states
 * fit, how many bytes their extras take, and the framing of a packet of
 * neutral messages (dialect.h) with its header's ruleset digest.
 */
#ifndef PFSYNC_PFSD_H
#define PFSYNC_PFSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/dialect.h"
#include "pfsync/state.h"

/* the trailer's length: what a numbered packet grows by */
#define PFS_PFSD_TRAILER_LEN 12
/* a packet is numbered only when it fits this with its trailer: the
 * largest v3 packet of states (20 + 8 * 240) and the trailer */
#define PFS_PFSD_STAMP_MAX (20 + PFS_DIALECT_REC_MAX * 240 + 12)

/*
 * maxcount of a pfsd packet for a sync interface MTU: v3's (min(mtu,
 * 2048) - 20) / 240, at most PFS_DIALECT_REC_MAX; with trailer one
 * record fewer when the trailer would not fit beside a 20-byte IP
 * header (at 1500 it fits: 20 + 20 + 6 * 240 + 12 = 1492).  At least 1.
 */
unsigned pfs_pfsd_maxcount(unsigned mtu, bool trailer);

/* Bytes the extras of one state take in the extras section (0: none). */
size_t pfs_pfsd_xst_len(const struct pfs_stx *x);

/*
 * Whether a packet of n full states whose extras take xlen bytes, with
 * the extras section and the trailer, fits mtu beside a 20-byte IP
 * header.
 */
bool pfs_pfsd_fits(size_t n, size_t xlen, unsigned mtu);

/*
 * Append the extras section for the n records of the packet in
 * wire[0, len) (x[i]: record i's).  With no entry it still says "these
 * records have none", if it fits mtu with the trailer.  Returns the new
 * length, len when it does not fit cap or mtu.
 */
size_t pfs_pfsd_put_xst(uint8_t *wire, size_t len, size_t cap,
			const struct pfs_stx *x, size_t n, unsigned mtu);

/* Close a packet framed in PFS_DIALECT_V3 with f, its header carrying
 * the sender's ruleset digest; its length (0 if empty or broken). */
size_t pfs_pfsd_finish(struct pfs_framer *f,
		       const uint8_t chksum[PFS_SYNC_CHKSUM_LEN]);

#endif
