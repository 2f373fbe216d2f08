/*
 * pfsd.c - the pfsyncd framing (pfsd.h): v3 records framed by the
 * dialect seam, the pfsyncd sections after them.
 */
#include <string.h>

#include "pfsync/pfsd.h"
#include "pfsync/wire_ext.h"
#include "pfsync/wire_v3.h"
#include "pfsync/wire_xst.h"

_Static_assert(PFS_PFSD_TRAILER_LEN == PFS_EXT_LEN, "the trailer's length");
_Static_assert(PFS_PFSD_STAMP_MAX == PFS_V3_HDR_LEN + PFS_DIALECT_REC_MAX *
							  PFS_V3_STATE_LEN +
					    PFS_EXT_LEN,
	       "a numbered packet's bound");
/* the largest v3 packet with its extras section and trailer fits the
 * buffers every framer is given */
_Static_assert(PFS_V3_HDR_LEN + PFS_DIALECT_REC_MAX * PFS_V3_STATE_LEN +
			   PFS_EXT_LEN + PFS_XST_HDR_LEN +
			   PFS_DIALECT_REC_MAX * PFS_XST_ENT_MAX <=
		   PFS_DIALECT_PKT_MAX,
	       "the extras section fits the packet buffers");

unsigned pfs_pfsd_maxcount(unsigned mtu, bool trailer)
{
	unsigned n = pfs_v3_maxcount(mtu);

	if (n > PFS_DIALECT_REC_MAX)
		n = PFS_DIALECT_REC_MAX;
	if (trailer && n > 1 &&
	    20 + PFS_V3_HDR_LEN + n * PFS_V3_STATE_LEN + PFS_EXT_LEN > mtu)
		n--;
	return n ? n : 1;
}

size_t pfs_pfsd_xst_len(const struct pfs_stx *x)
{
	return pfs_xst_ent_len(x);
}

bool pfs_pfsd_fits(size_t n, size_t xlen, unsigned mtu)
{
	return 20 + PFS_V3_HDR_LEN + n * PFS_V3_STATE_LEN + PFS_XST_HDR_LEN +
		   xlen + PFS_EXT_LEN <=
	       mtu;
}

size_t pfs_pfsd_put_xst(uint8_t *wire, size_t len, size_t cap,
			const struct pfs_stx *x, size_t n, unsigned mtu)
{
	struct pfs_wbuf wb;
	size_t i, xlen = 0;

	for (i = 0; i < n; i++)
		xlen += pfs_xst_ent_len(&x[i]);
	if (xlen == 0 && 20 + len + PFS_XST_HDR_LEN + PFS_EXT_LEN > mtu)
		return len;
	if (len > cap)
		return len;
	pfs_wbuf_init(&wb, wire + len, cap - len);
	pfs_xst_put(&wb, x, n);
	return wb.err ? len : len + wb.off;
}

size_t pfs_pfsd_finish(struct pfs_framer *f,
		       const uint8_t chksum[PFS_SYNC_CHKSUM_LEN])
{
	size_t len = pfs_framer_finish(f);

	if (len >= PFS_V3_HDR_LEN)
		memcpy(f->w.v3.wb.base + 4, chksum, PFS_V3_CHKSUM_LEN);
	return len;
}
