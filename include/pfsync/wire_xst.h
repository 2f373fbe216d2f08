/*
 * wire_xst.h - the pfsyncd state-extras section: what a Linux conntrack
 * entry has beyond pf's v3 state (state.h's pfs_stx: mark, zone, labels,
 * the second translation of an entry with both source and destination
 * NAT), carried between pfsyncd peers after the records of a v3 packet.
 *
 * A NetBSD receiver reads only the `count` records its header names and
 * ignores the bytes after them (pfsync-v3.md 4.1: only shortness is
 * checked), so it sees exactly the v3 packet it understands.  The section
 * sits between the last record and the 12-byte trailer (wire_ext.h), when
 * there is one; it is sent only to peers whose trailer says they read it
 * (PFS_EXT_ARG_XST).  Layout, big-endian:
 *
 *   section header, 4 bytes:
 *    0  u8   magic 0xF6
 *    1  u8   version 1
 *    2  u16  length of the whole section, this header included
 *   then one entry per record that has extras, in record order:
 *    0  u8   index of the record in this packet (0 .. count - 1)
 *    1  u8   flags: 0x01 mark, 0x02 zone, 0x04 labels, 0x08 nat2,
 *            0x10 helper, 0x20 seqadj, 0x40 protocol info, 0x80 left
 *            (other bits: fields of a later version, skipped)
 *    2  u8   length of the fields that follow
 *    3       the fields whose flag is set, in the order of their
 *            flag bits (a field of bit 0x10 or 0x20 goes between nat2
 *            and proto):
 *            mark   u32
 *            zone   u16
 *            labels 16 bytes, bit i of the label set is bit (i % 8)
 *                   of byte i / 8 (as conntrack's CTA_LABELS)
 *            nat2   16-byte address (pf_addr) and u16 port: the reply
 *                   source of an OUT state (the real destination)
 *            helper 16 bytes: the conntrack helper's name (CTA_HELP),
 *                   NUL-padded ("ftp"), at most 15 characters
 *            seqadj 24 bytes: NAT sequence adjustment, the original
 *                   direction then the reply one, each u32 correction
 *                   position, u32 offset before, u32 offset after
 *                   (CTA_SEQ_ADJ_ORIG, CTA_SEQ_ADJ_REPLY)
 *            proto  u8 kind, u8 length of the body, the body
 *                   (state.h's pfs_stx_proto):
 *                     1 SCTP: u8 conntrack state (enum sctp_conntrack),
 *                             u32 vtag original, u32 vtag reply (9)
 *                     2 GRE:  u16 reply source key, u16 reply
 *                             destination key (4)
 *                     3 DCCP: u8 conntrack state, u8 role (2)
 *                   a kind unknown is skipped by its length; a body
 *                   longer than the kind's is read in part (a later
 *                   version's), a shorter one makes the entry invalid
 *            left   u32, flag 0x80, last: the seconds the state had
 *                   left at the sender when it was sent.  Sent when
 *                   v3's `expire` cannot say it (fewer than the timeout
 *                   of the state's class: NetBSD's meaning keeps a state
 *                   at least a whole timeout; dialect_sem.h
 *                   pfs_dsem_v3_needs_left has the margin), so the replica
 *                   of a conntrack entry dies when the owner's does.
 *                   The receiver uses it instead of `expire` and keeps
 *                   nothing of it (state.h PFS_STX_LEFT).
 *
 * The section is recognised only when magic and version match, its
 * length fits, and nothing or exactly a 12-byte trailer follows it.  An
 * entry whose index is past the records, repeated, or whose fields do
 * not fit its length makes the whole section invalid (the records still
 * apply, without extras).
 */
#ifndef PFSYNC_WIRE_XST_H
#define PFSYNC_WIRE_XST_H

#include <stddef.h>
#include <stdint.h>

#include "pfsync/buf.h"
#include "pfsync/state.h"

#define PFS_XST_MAGIC	    0xF6
#define PFS_XST_VERSION	    1
#define PFS_XST_HDR_LEN	    4
#define PFS_XST_ENT_HDR_LEN 3
/* the flags this version reads and writes */
#define PFS_XST_FLAGS (PFS_STX_ALL | PFS_STX_LEFT)
/* the largest protocol info: kind, length, SCTP's 9 bytes */
#define PFS_XST_PROTO_MAX (2 + 9)
/* the largest entry: header, mark, zone, labels, nat2, helper, seqadj,
 * proto, left */
#define PFS_XST_SEQADJ_LEN 24
#define PFS_XST_ENT_MAX                                                   \
	(PFS_XST_ENT_HDR_LEN + 4 + 2 + 16 + 18 + PFS_STX_HELPER_LEN +      \
	 PFS_XST_SEQADJ_LEN + PFS_XST_PROTO_MAX + 4)

/* Bytes of the entry of x (0 when x has nothing). */
size_t pfs_xst_ent_len(const struct pfs_stx *x);

/*
 * Append a section of the n extras x[i] (index i; those with has == 0
 * are left out: a section without entries says no record has extras).
 * Sets the cursor's error when it does not fit.
 */
void pfs_xst_put(struct pfs_wbuf *wb, const struct pfs_stx *x, size_t n);

/*
 * The section of a packet whose records (nrec of them) end at `used`.
 * Returns its length, 0 when there is none, -1 when one is there but
 * invalid (the caller skips its length if it wants: *span is set to the
 * declared length in both cases, 0 when there is none).  x[0 .. nrec-1]
 * is filled: has == 0 for records without extras.
 */
int pfs_xst_get(const uint8_t *pkt, size_t len, size_t used, size_t nrec,
		struct pfs_stx *x, size_t *span);

#endif
