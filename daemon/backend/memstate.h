/*
 * memstate.h - a new local state of the memory backend, which is the
 * firewall's table: made by the control commands (add, cmd/memfw.c) and
 * the churn generator (churn.c), then given to the engine.
 */
#ifndef PFSYNCD_MEMSTATE_H
#define PFSYNCD_MEMSTATE_H

#include <stdint.h>

#include "pfsync/state.h"

struct pfs_engine;

/*
 * Fill *st as a new local state: fresh id from engine e, creatorid =
 * hostid, creation now_s, peers at (src, dst) states with plausible
 * sequence windows, expire by class.  Flow fields (af, addresses, ports,
 * direction, ifname) are left to the caller; proto is set.
 */
void pfsd_memstate_new(struct pfs_engine *e, uint32_t hostid, uint32_t now_s,
		       struct pfs_state *st, uint8_t proto, uint8_t src,
		       uint8_t dst);

#endif
