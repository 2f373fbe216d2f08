/*
 * t_bsd.h - field-by-field equality of the BSD-dialect records (v5, v6),
 * shared by their unit tests and fuzzers.  Structs have padding that
 * memcmp would see, so every field is compared by name.
 */
#ifndef PFSYNC_T_BSD_H
#define PFSYNC_T_BSD_H

#include <stdbool.h>
#include <string.h>

#include "pfsync/wire_bsd.h"
#include "t_state.h"

/* Every pfs_state field a wire carries (sync_time is engine-only). */
static inline bool t_state_eq(const struct pfs_state *a,
			      const struct pfs_state *b)
{
	return a->id == b->id && a->creatorid == b->creatorid &&
	       memcmp(a->ifname, b->ifname, PFS_IFNAMSIZ) == 0 &&
	       t_host_eq(&a->lan, &b->lan) && t_host_eq(&a->gwy, &b->gwy) &&
	       t_host_eq(&a->ext, &b->ext) && t_peer_eq(&a->src, &b->src) &&
	       t_peer_eq(&a->dst, &b->dst) &&
	       memcmp(a->rt_addr.a, b->rt_addr.a, 16) == 0 &&
	       a->rule == b->rule && a->anchor == b->anchor &&
	       a->nat_rule == b->nat_rule && a->creation == b->creation &&
	       a->expire == b->expire && a->packets[0] == b->packets[0] &&
	       a->packets[1] == b->packets[1] && a->bytes[0] == b->bytes[0] &&
	       a->bytes[1] == b->bytes[1] && a->af == b->af &&
	       a->proto == b->proto && a->direction == b->direction &&
	       a->log == b->log && a->allow_opts == b->allow_opts &&
	       a->timeout == b->timeout && a->sync_flags == b->sync_flags &&
	       a->updates == b->updates;
}

static inline bool t_bsd_extra_eq(const struct pfs_bsd_extra *a,
				  const struct pfs_bsd_extra *b)
{
	return a->key_af[0] == b->key_af[0] && a->key_af[1] == b->key_af[1] &&
	       a->rdomain[0] == b->rdomain[0] &&
	       a->rdomain[1] == b->rdomain[1] &&
	       a->rtableid[0] == b->rtableid[0] &&
	       a->rtableid[1] == b->rtableid[1] &&
	       a->state_flags == b->state_flags && a->max_mss == b->max_mss &&
	       a->sync_flags == b->sync_flags && a->min_ttl == b->min_ttl &&
	       a->set_tos == b->set_tos && a->set_prio[0] == b->set_prio[0] &&
	       a->set_prio[1] == b->set_prio[1] && a->rt == b->rt &&
	       a->rt_af == b->rt_af && a->stack_proto == b->stack_proto &&
	       a->qid == b->qid && a->pqid == b->pqid &&
	       a->dnpipe == b->dnpipe && a->dnrpipe == b->dnrpipe &&
	       memcmp(a->rt_ifname, b->rt_ifname, PFS_IFNAMSIZ) == 0 &&
	       memcmp(a->orig_ifname, b->orig_ifname, PFS_IFNAMSIZ) == 0 &&
	       memcmp(a->tagname, b->tagname, PFS_BSD_TAGLEN) == 0;
}

static inline bool t_bsd_state_eq(const struct pfs_bsd_state *a,
				  const struct pfs_bsd_state *b)
{
	return t_state_eq(&a->st, &b->st) && t_bsd_extra_eq(&a->x, &b->x);
}

static inline bool t_bsd_upd_c_eq(const struct pfs_bsd_upd_c *a,
				  const struct pfs_bsd_upd_c *b)
{
	return a->id == b->id && a->creatorid == b->creatorid &&
	       t_peer_eq(&a->src, &b->src) && t_peer_eq(&a->dst, &b->dst) &&
	       a->expire == b->expire && a->timeout == b->timeout &&
	       a->state_flags == b->state_flags;
}

static inline bool t_bsd_small_eq(const struct pfs_bsd_ref *ra,
				  const struct pfs_bsd_ref *rb)
{
	return ra->id == rb->id && ra->creatorid == rb->creatorid;
}

#endif
