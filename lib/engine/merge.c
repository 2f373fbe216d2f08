/*
 * merge.c - pfsync v3's stale tests and peer import (reference §4.4).
 *
 * A received update must never move a state backwards.  The tests below
 * are NetBSD's, in NetBSD's order, so that the sfail code (and with it the
 * reply a peer sees) matches a real pfsync box entry for entry.
 */
#include <netinet/in.h>
#include <sys/socket.h>

#include <stdbool.h>
#include <stdint.h>

#include "pfsync/merge.h"
#include "pfsync/state.h"

/* Only PFSS_TIMESTAMP survives an import; pf masks the rest away. */
#define MERGE_PFSS_TIMESTAMP 0x0001

/*
 * (int32_t)(a - b) > 0 without implementation-defined conversion: the
 * difference is taken modulo 2^32 and is "positive" when it lies in
 * 1 .. 2^31 - 1, i.e. a is ahead of b by less than half the space.
 */
bool pfs_seq_gt(uint32_t a, uint32_t b)
{
	uint32_t d = a - b;

	return d != 0 && d < 0x80000000u;
}

/*
 * sfail 1: the local src peer is further along, unless the local side is
 * in a synproxy pseudo state and the message is not - then the peer's
 * real TCP state legitimately replaces the proxy one.
 */
static bool merge_src_state_stale(const struct pfs_peer *lsrc,
				  const struct pfs_peer *msrc)
{
	if (lsrc->state <= msrc->state)
		return false;
	if (lsrc->state >= PFS_TCPS_PROXY_SRC &&
	    msrc->state < PFS_TCPS_PROXY_SRC)
		return false;
	return true;
}

/* sfail 4: only meaningful once the dst peer has sent something. */
static bool merge_dst_seq_stale(const struct pfs_peer *ldst,
				const struct pfs_peer *mdst)
{
	return ldst->state >= PFS_TCPS_SYN_SENT &&
	       pfs_seq_gt(ldst->seqlo, mdst->seqlo);
}

/* TCP, full update: 1, 3, 7 (partial), 4. */
static enum pfs_sfail merge_tcp_upd(const struct pfs_peer *lsrc,
				    const struct pfs_peer *ldst,
				    const struct pfs_peer *msrc,
				    const struct pfs_peer *mdst)
{
	if (merge_src_state_stale(lsrc, msrc))
		return PFS_SFAIL_SRC_STATE;
	if (pfs_seq_gt(lsrc->seqlo, msrc->seqlo))
		return PFS_SFAIL_SRC_SEQ;
	if (ldst->state > mdst->state)
		return PFS_SFAIL_DST_PARTIAL;
	if (merge_dst_seq_stale(ldst, mdst))
		return PFS_SFAIL_DST_SEQ;
	return PFS_SFAIL_NONE;
}

/* TCP, compressed update: 1, 2, 3, 4 - no partial import. */
static enum pfs_sfail merge_tcp_upd_c(const struct pfs_peer *lsrc,
				      const struct pfs_peer *ldst,
				      const struct pfs_peer *msrc,
				      const struct pfs_peer *mdst)
{
	if (merge_src_state_stale(lsrc, msrc))
		return PFS_SFAIL_SRC_STATE;
	if (ldst->state > mdst->state)
		return PFS_SFAIL_DST_STATE_C;
	if (pfs_seq_gt(lsrc->seqlo, msrc->seqlo))
		return PFS_SFAIL_SRC_SEQ;
	if (merge_dst_seq_stale(ldst, mdst))
		return PFS_SFAIL_DST_SEQ;
	return PFS_SFAIL_NONE;
}

enum pfs_sfail pfs_merge_check(enum pfs_merge_kind kind, uint8_t proto,
			       const struct pfs_peer *lsrc,
			       const struct pfs_peer *ldst,
			       const struct pfs_peer *msrc,
			       const struct pfs_peer *mdst)
{
	if (proto == IPPROTO_TCP) {
		if (kind == PFS_MERGE_UPD_C)
			return merge_tcp_upd_c(lsrc, ldst, msrc, mdst);
		return merge_tcp_upd(lsrc, ldst, msrc, mdst);
	}
	/* UDP, ICMP and the rest only have a coarse state level. */
	if (lsrc->state > msrc->state)
		return PFS_SFAIL_OTHER_SRC;
	if (ldst->state > mdst->state)
		return PFS_SFAIL_OTHER_DST;
	return PFS_SFAIL_NONE;
}

bool pfs_merge_values_ok_upd(uint8_t timeout, const struct pfs_peer *src,
			     const struct pfs_peer *dst)
{
	return timeout < PFS_TM_MAX && src->state <= PFS_TCPS_PROXY_DST &&
	       dst->state <= PFS_TCPS_PROXY_DST;
}

/* INS also checks direction and af; `af` is already the Linux value. */
bool pfs_merge_values_ok_ins(const struct pfs_state *st)
{
	if (!pfs_merge_values_ok_upd(st->timeout, &st->src, &st->dst))
		return false;
	if (st->direction > PFS_DIR_OUT)
		return false;
	return st->af == AF_INET || st->af == AF_INET6;
}

/*
 * pf's quirks, kept on purpose: storage is allocated when the message's
 * scrub flag is nonzero, but values are copied only when it is exactly
 * VALID - so a flag of, say, 2 leaves freshly allocated (zeroed) storage.
 */
void pfs_merge_import_peer(struct pfs_peer *local, const struct pfs_peer *msg,
			   bool alloc_scrub)
{
	struct pfs_scrub keep = local->scrub;

	if (alloc_scrub && msg->scrub.valid != 0 && keep.valid == 0) {
		keep.ts_mod = 0;
		keep.flags = 0;
		keep.ttl = 0;
		keep.valid = PFS_SCRUB_FLAG_VALID;
	}
	if (msg->scrub.valid == PFS_SCRUB_FLAG_VALID && keep.valid != 0) {
		keep.ts_mod = msg->scrub.ts_mod;
		keep.flags = msg->scrub.flags & MERGE_PFSS_TIMESTAMP;
		keep.ttl = msg->scrub.ttl;
	}
	*local = *msg;
	local->scrub = keep;
}
