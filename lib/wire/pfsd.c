/*
 * pfsd.c - the pfsyncd framing (pfsd.h): v3 records framed by the
 * dialect seam, the pfsyncd sections after them.
 */
#include <string.h>

#include "pfsync/pfsd.h"
#include "pfsync/wire_ext.h"
#include "pfsync/wire_v3.h"
#include "pfsync/wire_xexp.h"
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

/* Header: version 3, af 0, action, count (0 for CLR and BUS), chksum. */
static void pfsd_put_header(struct pfs_wbuf *wb, uint8_t action,
			    const uint8_t chksum[PFS_SYNC_CHKSUM_LEN])
{
	struct pfs_v3_header h;

	memset(&h, 0, sizeof(h));
	h.version = PFS_V3_VERSION;
	h.action = action;
	memcpy(h.chksum, chksum, sizeof(h.chksum));
	pfs_v3_put_header(wb, &h);
}

_Static_assert(PFS_PFSD_CTL_LEN == PFS_V3_HDR_LEN + PFS_EXT_LEN,
	       "a control packet: header and trailer");

size_t pfs_pfsd_ctl(uint8_t *buf, const uint8_t chksum[PFS_SYNC_CHKSUM_LEN],
		    const struct pfs_ext *x)
{
	struct pfs_wbuf wb;

	pfs_wbuf_init(&wb, buf, PFS_PFSD_CTL_LEN);
	pfsd_put_header(&wb, PFS_V3_ACT_UPD_C, chksum);
	pfs_ext_put(&wb, x);
	return wb.err ? 0 : wb.off;
}

size_t pfs_pfsd_stamp(uint8_t *wire, size_t len, size_t cap,
		      const struct pfs_ext *x)
{
	struct pfs_wbuf wb;

	if (len + PFS_EXT_LEN > cap)
		return len;
	pfs_wbuf_init(&wb, wire + len, PFS_EXT_LEN);
	pfs_ext_put(&wb, x);
	return wb.err ? len : len + PFS_EXT_LEN;
}

enum pfs_msg_kind pfs_pfsd_kind(const uint8_t *wire, size_t len)
{
	static const enum pfs_msg_kind kinds[PFS_V3_ACT_MAX] = {
	    [PFS_V3_ACT_CLR] = PFS_MSG_CLR,   [PFS_V3_ACT_INS] = PFS_MSG_INS,
	    [PFS_V3_ACT_UPD] = PFS_MSG_UPD,   [PFS_V3_ACT_DEL] = PFS_MSG_DEL,
	    [PFS_V3_ACT_UPD_C] = PFS_MSG_UPD_C,
	    [PFS_V3_ACT_DEL_C] = PFS_MSG_DEL, [PFS_V3_ACT_UREQ] = PFS_MSG_UREQ,
	    [PFS_V3_ACT_BUS] = PFS_MSG_BUS,
	};

	if (len < PFS_V3_HDR_LEN || wire[0] != PFS_V3_VERSION ||
	    wire[2] >= PFS_V3_ACT_MAX)
		return (enum pfs_msg_kind)0;
	return kinds[wire[2]];
}

/* How many of x[0 .. n-1], from the first, fit one packet of mtu. */
static size_t pfsd_xexp_fit(const struct pfs_xexp *x, size_t n, unsigned mtu)
{
	size_t i, len = 20 + PFS_V3_HDR_LEN + PFS_XEXP_HDR_LEN + PFS_EXT_LEN;

	for (i = 0; i < n; i++) {
		len += pfs_xexp_ent_len(&x[i]);
		if (len > mtu)
			break;
	}
	return i;
}

size_t pfs_pfsd_xexp_frame(uint8_t *buf, size_t cap, unsigned mtu,
			   const uint8_t chksum[PFS_SYNC_CHKSUM_LEN],
			   const struct pfs_xexp *x, size_t first, size_t n,
			   size_t *taken)
{
	struct pfs_wbuf wb;
	size_t k;

	*taken = 0;
	if (first >= n || cap < PFS_EXT_LEN)
		return 0;
	k = pfsd_xexp_fit(x + first, n - first, mtu);
	if (k == 0)
		k = 1; /* an entry alone always fits 1280 */
	*taken = k;
	pfs_wbuf_init(&wb, buf, cap - PFS_EXT_LEN); /* room for the trailer */
	pfsd_put_header(&wb, PFS_V3_ACT_INS, chksum); /* count 0 */
	pfs_xexp_put(&wb, x + first, k);
	return wb.err ? 0 : wb.off;
}

int pfs_pfsd_xexp_each(const uint8_t *pkt, size_t len, size_t used,
		       pfs_xexp_fn fn, void *arg)
{
	struct pfs_xexp x[PFS_PFSD_XEXP_RX_MAX];
	size_t n = 0, span, i;
	int rc;

	rc = pfs_xexp_get(pkt, len, used, x, PFS_PFSD_XEXP_RX_MAX, &n, &span);
	if (rc <= 0)
		return rc;
	for (i = 0; i < n; i++)
		fn(arg, &x[i]);
	return (int)n;
}
