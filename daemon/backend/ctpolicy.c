/*
 * ctpolicy.c - the conntrack backend's policy (see ctpolicy.h).
 */
#include "ctmap.h"
#include "ctpolicy.h"

enum pfsd_ctwr_kind pfsd_ctpol_write_kind(enum pfs_op op,
					  const struct pfs_state *st, bool nat2)
{
	bool nat = pfsd_ctmap_is_nat(st) || nat2;

	switch (op) {
	case PFS_OP_INSERT:
		return nat ? PFSD_CTWR_CREATE_NAT : PFSD_CTWR_UPSERT;
	case PFS_OP_UPDATE:
		return nat ? PFSD_CTWR_UPDATE_NAT : PFSD_CTWR_UPSERT;
	default:
		return PFSD_CTWR_DELETE;
	}
}

static bool ctpol_peers_differ(const struct pfs_state *a,
			       const struct pfs_state *b)
{
	return a->src.state != b->src.state || a->dst.state != b->dst.state ||
	       a->src.wscale != b->src.wscale || a->dst.wscale != b->dst.wscale;
}

/* The refresh rule (ctpolicy.h): forward, or back (a timeout cut by
 * `conntrack -U -t`), each by half of what is left. */
static bool ctpol_expire_moved(const struct pfs_state *m, uint32_t expire,
			       uint32_t now)
{
	int64_t old_left = (int64_t)m->expire - now;
	int64_t new_left = (int64_t)expire - now;
	int64_t moved = (int64_t)expire - m->expire;

	if (moved >= PFSD_CTPOL_REFRESH_MIN_S)
		return old_left < new_left / 2;
	return -moved >= PFSD_CTPOL_REFRESH_MIN_S && new_left < old_left / 2;
}

enum pfsd_ctpol_act pfsd_ctpol_seen(const struct pfs_state *m,
				    const struct pfs_state *st, uint32_t now_s)
{
	if (ctpol_peers_differ(m, st))
		return PFSD_CTPOL_CHANGED;
	if (ctpol_expire_moved(m, st->expire, now_s))
		return PFSD_CTPOL_REFRESH;
	return PFSD_CTPOL_NONE;
}

void pfsd_ctpol_merge(const struct pfs_state *m, const struct pfs_state *st,
		      struct pfs_state *u)
{
	*u = *m;
	u->src.state = st->src.state;
	u->dst.state = st->dst.state;
	u->src.wscale = st->src.wscale;
	u->dst.wscale = st->dst.wscale;
	u->expire = st->expire;
	u->timeout = st->timeout;
}

bool pfsd_ctpol_reread_due(const struct pfs_state *s, uint32_t hostid,
			   uint32_t now_s)
{
	return s->creatorid == hostid && s->expire <= now_s + PFSD_CTPOL_LEAD_S;
}

/* The tag of creatorid in a mask of n bits (1 <= n <= 8), shifted. */
static uint32_t ctpol_prov_tag_of(uint32_t mask, uint32_t creatorid)
{
	unsigned shift = (unsigned)__builtin_ctz(mask);
	uint32_t max = (mask >> shift); /* 2^n - 1 */

	return (1 + creatorid % max) << shift;
}

uint32_t pfsd_ctpol_prov_bits(uint32_t mask, uint32_t creatorid,
			      uint32_t hostid)
{
	if (mask == 0 || creatorid == hostid)
		return 0;
	return ctpol_prov_tag_of(mask, creatorid);
}

uint8_t pfsd_ctpol_prov_tag(uint32_t mask, uint32_t mark)
{
	if (mask == 0)
		return 0;
	return (uint8_t)((mark & mask) >> __builtin_ctz(mask));
}

bool pfsd_ctpol_prov_may(uint32_t mask, uint8_t tag, uint32_t creatorid)
{
	return mask != 0 && tag != 0 &&
	       pfsd_ctpol_prov_tag(mask, ctpol_prov_tag_of(mask, creatorid)) ==
		   tag;
}

bool pfsd_ctpol_adopt(const struct pfs_state *local,
		      const struct pfs_state *peer, uint32_t hostid)
{
	(void)peer;
	return local->creatorid == hostid &&
	       (local->local_flags & PFS_LF_PROVISIONAL) != 0;
}
