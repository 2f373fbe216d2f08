/*
 * wire_dig.h - the pfsyncd digest section: anti-entropy between pfsyncd
 * peers (digest.h, engine_digest.c).
 *
 * It rides on an empty compressed update (v3 header, action UPD_C, count
 * 0), right after the header: a NetBSD receiver counts such a packet as
 * received and reads nothing past the records it is told of (pfsync-v3.md
 * 4.1), as it does with the reliable heartbeat (wire_ext.h).  Nothing or
 * exactly a 12-byte trailer may follow the section.  Layout, big-endian:
 *
 *   header, 24 bytes:
 *    0  u8   magic 0xF8
 *    1  u8   version 1
 *    2  u16  length of the whole section, this header included
 *    4  u8   kind: 1 SUM, 2 ASK, 3 LIST, 4 FETCH
 *    5  u8   flags: SUM: 0x01 the last packet of a round; ASK: 0x02
 *            "send your digest now" (a restarted node); LIST: 0x01 the
 *            last packet of an answer (other bits: 0, ignored)
 *    6  u16  n: entries that follow
 *    8  u32  creatorid the section is about (SUM: the sender's own)
 *   12  u32  tag: SUM: the round's number; ASK, FETCH: the asker's tag;
 *            LIST: the tag of the ASK it answers
 *   16  u32  total: SUM: the creator's states; LIST with flag 0x01: the
 *            entries of the whole answer; else 0
 *   20  u16  first: SUM: the index of its first bucket; else 0
 *   22  u16  buckets: the sender's PFS_DIG_BUCKETS (a SUM or ASK of
 *            another geometry is refused)
 *   then n entries of the kind:
 *    SUM    u32 count, u64 sum of bucket first + i              (12 B)
 *    ASK    u16 bucket asked for                                 (2 B)
 *    LIST   u64 id, u8 af, u8 proto, u8 direction, u16 zone,
 *           lan address (4 bytes when af is AF_INET, else 16), u16 lan
 *           port, ext address (same length), u16 ext port   (25 or 49 B)
 *    FETCH  u64 id                                               (8 B)
 *
 * A section is recognised when magic and version match, its length
 * fits, and nothing or 12 bytes follow it; it is valid when its kind is
 * known and its n entries fill its length exactly.
 */
#ifndef PFSYNC_WIRE_DIG_H
#define PFSYNC_WIRE_DIG_H

#include <stddef.h>
#include <stdint.h>

#include "pfsync/buf.h"
#include "pfsync/digest.h"
#include "pfsync/pfsd.h" /* the digest messages */
#include "pfsync/state.h"

#define PFS_DIG_MAGIC 0xF8
#define PFS_DIG_VERSION 1
#define PFS_DIG_HDR_LEN 24
#define PFS_DIG_SUM_LEN 12
#define PFS_DIG_ASK_LEN 2
#define PFS_DIG_LIST4_LEN 25
#define PFS_DIG_LIST6_LEN 49
#define PFS_DIG_FETCH_LEN 8
/* Bytes of a LIST entry of this address family. */
size_t pfs_dig_ent_len(uint8_t af);

/* Writers: the header (with its length patched by _end), then entries.
 * Errors stick in the cursor. */
void pfs_dig_put_hdr(struct pfs_wbuf *wb, const struct pfs_dig_hdr *h);
void pfs_dig_put_sum(struct pfs_wbuf *wb, const struct pfs_dig_bucket *b);
void pfs_dig_put_ask(struct pfs_wbuf *wb, uint16_t bucket);
void pfs_dig_put_ent(struct pfs_wbuf *wb, const struct pfs_dig_ent *e);
void pfs_dig_put_fetch(struct pfs_wbuf *wb, uint64_t id);
/* Patch n and the length of the section that began at `start`. */
void pfs_dig_end(struct pfs_wbuf *wb, size_t start, uint16_t n);

/*
 * The section at `off` of a packet of len bytes.  0: none there (not a
 * digest section); -1: one is there but invalid (counted by the caller);
 * 1: m filled, its entries decoded into the arrays m points to, each
 * with room for PFS_DIG_ENT_MAX entries (those of other kinds may be
 * NULL).  m NULL: only whether a section is there (1 or 0).
 */
int pfs_dig_get(const uint8_t *pkt, size_t len, size_t off,
		struct pfs_dig_msg *m);

#endif
