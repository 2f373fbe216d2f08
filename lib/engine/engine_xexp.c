/*
 * engine_xexp.c - conntrack expectations between pfsyncd peers
 * (pfsd.h): sent in packets of their own in the reliable stream,
 * after the records pending before them; received ones handed to
 * ops->expect in the stream's order.
 */
#include <string.h>

#include "engine_priv.h"
#include "pfsync/pfsd.h"

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

size_t pfs_engine_expect_send(struct pfs_engine *e, const struct pfs_xexp *x,
			      size_t n, uint64_t now_ms)
{
	unsigned mtu = e->conf.mtu ? e->conf.mtu : PFS_MTU_DEFAULT;
	uint32_t dst = e->conf.syncpeer ? e->conf.syncpeer : PFS_SYNC_GROUP;
	size_t done = 0, k, len;

	if (!eng_xexp_on(e))
		return 0;
	pfs_engine_flush(e, now_ms); /* the master's records go first */
	while (done < n) {
		len = pfs_pfsd_xexp_frame(e->nbuf, ENG_BUF_MAX, mtu,
					  e->conf.chksum, x, done, n, &k);
		if (k == 0)
			break;
		done += k;
		if (len == 0)
			continue;
		len = pfs_eng_rel_stamp(e, e->nbuf, len, ENG_BUF_MAX, now_ms);
		/* local_len 0: no state change for pfsync0 */
		pfs_eng_send(e, e->nbuf, 0, e->nbuf, len, dst);
	}
	return done;
}

static void eng_xexp_one(void *arg, const struct pfs_xexp *x)
{
	struct pfs_engine *e = arg;

	if (e->ops.expect != NULL)
		e->ops.expect(e->ctx, x);
}

void pfs_eng_xexp_rx(struct pfs_engine *e, const uint8_t *pkt, size_t len,
		     size_t used)
{
	if (pfs_pfsd_xexp_each(pkt, len, used, eng_xexp_one, e) < 0)
		e->rel_stats[PFS_REL_XST_BAD]++; /* an extras section too */
}
