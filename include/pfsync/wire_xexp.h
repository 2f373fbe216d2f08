/*
 * wire_xexp.h - the pfsyncd expectations section: conntrack expectations
 * (the data connections a helper such as nf_conntrack_ftp announced on
 * a control connection) carried between pfsyncd peers only.
 *
 * Expectations are not states and pf has no record for them.  They go in
 * a packet of their own: a v3 header of action INS with a count of 0 (a
 * NetBSD receiver applies nothing), then this section, then the 12-byte
 * trailer (wire_ext.h) that puts it in the sender's reliable stream, so
 * it is applied after the records of the master connection sent before
 * it.  Such packets go only to pfsyncd peers (PFS_EXT_ARG_XST heard),
 * never in another dialect.  Layout, big-endian:
 *
 *   section header, 4 bytes:
 *    0  u8   magic 0xF7
 *    1  u8   version 1
 *    2  u16  length of the whole section, this header included
 *   then entries, each:
 *    0  u8   op: 1 new, 2 destroyed
 *    1  u8   flags: 0x01 nat, 0x02 helper, 0x04 fn
 *            (other bits: fields of a later version, skipped)
 *    2  u16  length of the entry, this header included
 *    4  u8   address family (2 inet, 10 inet6)
 *    5  u8   direction of the NAT (CTA_EXPECT_NAT_DIR), 0 without
 *    6  u16  zone
 *    8  u32  expectation flags (CTA_EXPECT_FLAGS)
 *   12  u32  class (CTA_EXPECT_CLASS)
 *   16  u32  timeout, seconds left
 *   20  38   master tuple: the master's original direction
 *   58  38   expected tuple
 *   96  16   mask: source address
 *  112  u16  mask: source port
 *  114       the fields whose flag is set, in this order:
 *            nat    16-byte address, u16 port: where the expected
 *                   connection is sent (CTA_EXPECT_NAT_TUPLE's source)
 *            helper u8 length (1..15), the helper's name
 *            fn     u8 length (1..31), the expect function's name
 *                   (CTA_EXPECT_FN: "nat-follow-master")
 *   a tuple, 38 bytes: u8 protocol, u8 0, u16 source port, u16
 *   destination port, 16-byte source, 16-byte destination address
 *   (IPv4 in the first 4 bytes, the rest 0).
 *
 * The section is recognised only when magic and version match, its
 * length fits, and nothing or exactly a 12-byte trailer follows it.  An
 * entry shorter than its fields, of an unknown op or family, or a name
 * too long makes the whole section invalid.
 */
#ifndef PFSYNC_WIRE_XEXP_H
#define PFSYNC_WIRE_XEXP_H

#include <stddef.h>
#include <stdint.h>

#include "pfsync/buf.h"
#include "pfsync/state.h"

#define PFS_XEXP_MAGIC	    0xF7
#define PFS_XEXP_VERSION    1
#define PFS_XEXP_HDR_LEN    4
#define PFS_XEXP_TUPLE_LEN  38
#define PFS_XEXP_FIXED_LEN  114
#define PFS_XEXP_HELPER_MAX 15
#define PFS_XEXP_FN_MAX	    31
#define PFS_XEXP_ENT_MAX                                                   \
	(PFS_XEXP_FIXED_LEN + 18 + 1 + PFS_XEXP_HELPER_MAX + 1 +           \
	 PFS_XEXP_FN_MAX)

#define PFS_XEXP_NEW	 1
#define PFS_XEXP_DESTROY 2

#define PFS_XEXP_F_NAT	  0x01
#define PFS_XEXP_F_HELPER 0x02
#define PFS_XEXP_F_FN	  0x04
#define PFS_XEXP_F_ALL	  0x07

struct pfs_xexp_tuple {
	uint8_t proto;
	uint16_t sport, dport;
	struct pfs_addr src, dst;
};

/* One expectation as carried (names NUL-terminated). */
struct pfs_xexp {
	uint8_t op;    /* PFS_XEXP_NEW, PFS_XEXP_DESTROY */
	uint8_t flags; /* PFS_XEXP_F_*: which optional fields mean something */
	uint8_t af;
	uint8_t nat_dir;
	uint16_t zone;
	uint32_t exp_flags;
	uint32_t klass;
	uint32_t timeout;
	struct pfs_xexp_tuple master, tuple;
	struct pfs_addr mask_src;
	uint16_t mask_sport;
	struct pfs_addr nat_addr;
	uint16_t nat_port;
	char helper[PFS_XEXP_HELPER_MAX + 1];
	char fn[PFS_XEXP_FN_MAX + 1];
};

/* Bytes of x's entry. */
size_t pfs_xexp_ent_len(const struct pfs_xexp *x);

/* Append a section of the n expectations x; sets the cursor's error
 * when it does not fit (or n is 0). */
void pfs_xexp_put(struct pfs_wbuf *wb, const struct pfs_xexp *x, size_t n);

/*
 * The section at `used` of a packet: its length (*span too), 0 when
 * there is none (*span 0).  With x non-NULL its entries are decoded into
 * x[0 .. max-1] and *n set to their number; -1 (with *span the declared
 * length) when the section is there but invalid or has more than max.
 */
int pfs_xexp_get(const uint8_t *pkt, size_t len, size_t used,
		 struct pfs_xexp *x, size_t max, size_t *n, size_t *span);

#endif
