/*
 * memfw.h - the memory backend as a firewall: its table is the
 * firewall's, changed by the control commands (add, update, kill, flush,
 * churn) and the churn generator through the engine.
 */
#ifndef PFSYNCD_CMD_MEMFW_H
#define PFSYNCD_CMD_MEMFW_H

#include <stdint.h>

#include "pfsync/state.h"

struct pfs_engine;

/*
 * Fill *st as a new local state: fresh id from engine e, creatorid =
 * hostid, creation now_s, peers at (src, dst) states with plausible
 * sequence windows, expire by class.  Flow fields (af, addresses, ports,
 * direction, ifname) are left to the caller; proto is set.
 */
void pfsd_memfw_new_state(struct pfs_engine *e, uint32_t hostid, uint32_t now_s,
			  struct pfs_state *st, uint8_t proto, uint8_t src,
			  uint8_t dst);

#endif
