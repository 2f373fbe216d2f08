/*
 * commands.h - pfsyncd's control command handlers (the command language
 * of pfsyncctl): show and change pfsync0, counters, the state listing,
 * bulk requests, and the memory backend's add/update/kill/flush/churn.
 * Every show command answers in text or, with PFS_CTL_F_JSON, JSON.
 */
#ifndef PFSYNCD_COMMANDS_H
#define PFSYNCD_COMMANDS_H

#include <stddef.h>
#include <stdint.h>

#include "pfsync/state.h"

#include "control.h"

#define PFSD_VERSION "0.1"

struct pfsd_daemon;

/* The pfsd_ctl_handler; ctx is the struct pfsd_daemon. */
int pfsd_commands_handle(void *ctx, int argc, char *argv[], unsigned flags,
			 struct pfsd_out *out, char *err, size_t errlen);


/*
 * Fill *st as a new local state of the memory backend: fresh id from the
 * engine, creatorid = hostid, creation now, peers at (src, dst) states,
 * expire by class.  Flow fields (af, addresses, ports, direction, ifname)
 * are left to the caller; proto is set.
 */
void pfsd_commands_new_state(struct pfsd_daemon *d, struct pfs_state *st,
			     uint8_t proto, uint8_t src, uint8_t dst);

#endif
