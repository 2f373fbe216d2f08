/*
 * engine_xexp.c - conntrack expectations between pfsyncd peers
 * (wire_xexp.h): sent in packets of their own in the reliable stream,
 * after the records pending before them; received ones handed to
 * ops->expect in the stream's order.
 */
#include <string.h>

#include "engine_priv.h"
#include "pfsync/wire_v3.h"
#include "pfsync/wire_xexp.h"

/* A BSD peer was heard: one of another dialect, or a v3 one without a
 * pfsyncd stream (NetBSD). */
static bool eng_xexp_bsd_heard(const struct pfs_engine *e)
{
	unsigned i;

	for (i = 0; i < e->npeers; i++)
		if (e->peers[i].dialect != PFS_DIALECT_V3 ||
		    !pfs_eng_rel_knows(e, e->peers[i].addr))
			return true;
	return false;
}

/* Whether a packet of expectations may go out now: a pfsyncd peer that
 * reads the extras heard and no BSD peer, the reliable stream on, and
 * somebody to send to. */
static bool eng_xexp_on(const struct pfs_engine *e)
{
	return e->rel != NULL && pfs_engine_xst_peer(e) &&
	       !pfs_eng_dial_split(e) &&
	       (e->conf.syncdev || e->conf.syncpeer != 0) &&
	       !eng_xexp_bsd_heard(e);
}

/* How many of x[0 .. n-1], from the first, fit one packet of mtu. */
static size_t eng_xexp_fit(const struct pfs_engine *e, const struct pfs_xexp *x,
			   size_t n)
{
	unsigned mtu = e->conf.mtu ? e->conf.mtu : PFS_MTU_DEFAULT;
	size_t i, len = 20 + PFS_V3_HDR_LEN + PFS_XEXP_HDR_LEN + PFS_EXT_LEN;

	for (i = 0; i < n; i++) {
		len += pfs_xexp_ent_len(&x[i]);
		if (len > mtu)
			break;
	}
	return i;
}

static void eng_xexp_packet(struct pfs_engine *e, const struct pfs_xexp *x,
			    size_t n, uint64_t now_ms)
{
	struct pfs_v3_header h;
	struct pfs_wbuf wb;
	size_t len;

	memset(&h, 0, sizeof(h));
	h.version = PFS_V3_VERSION;
	h.action = PFS_V3_ACT_INS; /* count 0: nothing to a v3 reader */
	memcpy(h.chksum, e->conf.chksum, sizeof(h.chksum));
	pfs_wbuf_init(&wb, e->nbuf, ENG_BUF_MAX - PFS_EXT_LEN);
	pfs_v3_put_header(&wb, &h);
	pfs_xexp_put(&wb, x, n);
	if (wb.err)
		return;
	len = pfs_eng_rel_stamp(e, e->nbuf, wb.off, ENG_BUF_MAX, now_ms);
	/* local_len 0: no state change for pfsync0 */
	pfs_eng_send(e, e->nbuf, 0, e->nbuf, len,
		     e->conf.syncpeer ? e->conf.syncpeer : PFS_V3_GROUP);
}

size_t pfs_engine_expect_send(struct pfs_engine *e, const struct pfs_xexp *x,
			      size_t n, uint64_t now_ms)
{
	size_t done = 0, k;

	if (!eng_xexp_on(e))
		return 0;
	pfs_engine_flush(e, now_ms); /* the master's records go first */
	while (done < n) {
		k = eng_xexp_fit(e, x + done, n - done);
		if (k == 0)
			k = 1; /* an entry alone always fits 1280 */
		eng_xexp_packet(e, x + done, k, now_ms);
		done += k;
	}
	return done;
}

void pfs_eng_xexp_rx(struct pfs_engine *e, const uint8_t *pkt, size_t len,
		     size_t used)
{
	struct pfs_xexp x[ENG_XEXP_RX_MAX];
	size_t n = 0, span, i;
	int rc;

	rc = pfs_xexp_get(pkt, len, used, x, ENG_XEXP_RX_MAX, &n, &span);
	if (rc == 0)
		return;
	if (rc < 0) {
		e->rel_stats[PFS_REL_XST_BAD]++; /* an extras section too */
		return;
	}
	for (i = 0; i < n; i++)
		if (e->ops.expect != NULL)
			e->ops.expect(e->ctx, &x[i]);
}
