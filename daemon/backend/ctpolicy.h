/*
 * ctpolicy.h - the conntrack backend's policy, pure: no sockets, no
 * logging, no clock of its own (the caller passes `now`).  ctnl.c does
 * the I/O around these rules; tests/unit/test_ctpolicy.c checks them
 * without a kernel.
 *
 *  - write: a peer's change (ops->applied) becomes one kernel request;
 *    NATed states are created with their translation (create-only in
 *    the kernel), the others are one create-or-update;
 *  - announce: a kernel entry seen again (event, dump, re-read) is sent
 *    to the peers only when what pfsync carries changed (TCP states,
 *    window scales), or by the refresh rule: its expiry moved forward by
 *    PFSD_CTPOL_REFRESH_MIN_S or more *and* the copy the peers hold has
 *    less than half of the real remaining lifetime left; or it moved
 *    back by as much and the real remaining lifetime is less than half
 *    of the copy's (a timeout cut by `conntrack -U -t`: the peers'
 *    copy, which holds our remaining seconds (wire_xst.h), would
 *    outlive ours).  So an idle flow costs nothing, a busy UDP flow (120 s) is re-announced about
 *    once a minute, a busy TCP flow (5 days) every 2.5 days, and a
 *    peer's copy never expires while ours lives; a change pfsync does
 *    not carry (a mark) makes no traffic;
 *  - re-read: the refresh scan asks the kernel again for a local entry
 *    within PFSD_CTPOL_LEAD_S of the expiry its peers hold;
 *  - adopt: a state re-read from the kernel at startup (marked
 *    PFS_LF_PROVISIONAL, its creator unknown) takes the identity of a
 *    peer's state for the same flow key; a state we saw created never.
 */
#ifndef PFSYNCD_CTPOLICY_H
#define PFSYNCD_CTPOLICY_H

#include <stdbool.h>
#include <stdint.h>

#include "pfsync/engine.h"
#include "pfsync/state.h"

#include "ctwr.h"

#define PFSD_CTPOL_REFRESH_MIN_S 5
#define PFSD_CTPOL_LEAD_S	 15

/* What a kernel entry seen again means for its mirror state. */
enum pfsd_ctpol_act {
	PFSD_CTPOL_NONE,    /* nothing pfsync carries changed */
	PFSD_CTPOL_CHANGED, /* TCP state or window scale changed */
	PFSD_CTPOL_REFRESH, /* the refresh rule: announce the new expiry */
};

/* The kernel request for a peer's change of st; nat2: it carries a
 * second translation (its extras), so it is written as NAT too. */
enum pfsd_ctwr_kind pfsd_ctpol_write_kind(enum pfs_op op,
					  const struct pfs_state *st, bool nat2);

/* Mirror state m, the same entry as the kernel shows it now (st). */
enum pfsd_ctpol_act pfsd_ctpol_seen(const struct pfs_state *m,
				    const struct pfs_state *st, uint32_t now_s);

/* The update to announce: m with what the kernel changed (peers' TCP
 * states and window scales, expiry, timeout class) taken from st. */
void pfsd_ctpol_merge(const struct pfs_state *m, const struct pfs_state *st,
		      struct pfs_state *u);

/* The refresh scan: true when local state s is due a re-read. */
bool pfsd_ctpol_reread_due(const struct pfs_state *s, uint32_t hostid,
			   uint32_t now_s);

/* The engine's ops->adopt for the backend: true when `local` is one of
 * ours only re-read from the kernel, so `peer`'s identity wins. */
bool pfsd_ctpol_adopt(const struct pfs_state *local,
		      const struct pfs_state *peer, uint32_t hostid);

/*
 * Provenance (`provenance mark MASK`, pfsyncd.conf(5)): an entry written
 * for a peer carries in the mask's bits a nonzero tag of its creator,
 * 1 + creatorid % (2^bits - 1), so a single bit says only "a peer's"
 * and 8 bits tell 255 creators apart; our own entries carry 0 there.
 * prov_bits: the mark bits to write for creatorid (0 for our own, or
 * with no mask); prov_tag: the tag a mark carries; prov_may: an entry
 * of that tag may have been written for creatorid.
 */
uint32_t pfsd_ctpol_prov_bits(uint32_t mask, uint32_t creatorid,
			      uint32_t hostid);
uint8_t pfsd_ctpol_prov_tag(uint32_t mask, uint32_t mark);
bool pfsd_ctpol_prov_may(uint32_t mask, uint8_t tag, uint32_t creatorid);

#endif
