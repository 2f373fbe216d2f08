/*
 * wire_ext.h - the pfsyncd extension trailer: 12 bytes after the last
 * record of a pfsync v3 packet, which carry a per-sender sequence number
 * so that pfsyncd peers find lost packets and get them again.
 *
 * A NetBSD receiver ignores bytes after the records it is told of (it
 * only checks that the packet is not shorter, pfsync-v3.md 4.1), so the
 * trailer costs a BSD peer nothing.  Layout, big-endian:
 *
 *    0  u8   magic 0xF5
 *    1  u8   version (high nibble, 1) | kind (low nibble)
 *    2  u16  arg: NACK: number of packets asked for; DATA, HB, GONE:
 *            flags, 0x8000 (PFS_EXT_ARG_XST) "I read the state-extras
 *            section" (wire_xst.h), 0x4000 (PFS_EXT_ARG_DEFER, DATA)
 *            "ACK this packet at once", other bits 0 and ignored
 *    4  u32  epoch: DATA, HB, GONE: the sender's stream (random, nonzero,
 *            new at each start); NACK: the stream asked
 *    8  u32  seq: DATA: this packet's number (from 1); HB: the last DATA
 *            number sent (0: none yet); NACK: the first number asked;
 *            GONE: the oldest number the sender still holds; ACK: the
 *            last number of stream epoch applied in order
 *
 * DATA rides on a normal packet.  HB, NACK, GONE and ACK ride on an empty
 * compressed update (action UPD_C, count 0), which a BSD peer counts as
 * received and otherwise ignores.  A trailer is recognised only when
 * exactly 12 bytes follow the records (and the state-extras section,
 * wire_xst.h, when there is one) and magic and version match.
 */
#ifndef PFSYNC_WIRE_EXT_H
#define PFSYNC_WIRE_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/buf.h"
#include "pfsync/pfsd.h" /* struct pfs_ext, its kinds and flags */

#define PFS_EXT_LEN 12
#define PFS_EXT_MAGIC 0xF5
#define PFS_EXT_VERSION 1
/* Append the trailer; sets the cursor's error when it does not fit. */
void pfs_ext_put(struct pfs_wbuf *wb, const struct pfs_ext *x);

/*
 * The trailer of a packet whose records end at `used` bytes, if exactly
 * PFS_EXT_LEN bytes follow them and they are a valid trailer: 0 and *x
 * filled; -1 otherwise (no trailer: a BSD peer's packet, or garbage).
 */
int pfs_ext_get(const uint8_t *pkt, size_t len, size_t used,
		struct pfs_ext *x);

#endif
