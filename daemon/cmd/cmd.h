/*
 * cmd.h - pfsyncd's control commands (the command language of
 * pfsyncctl): show and change pfsync0, counters, the state listing, bulk
 * requests, latency, metrics, and the memory backend's changes.  Every
 * reply is described once and rendered as text or, with PFS_CTL_F_JSON,
 * JSON (render.h).
 *
 * Access: commands that only show are open to every client that may
 * connect to the socket (its file mode, control-mode, decides who may);
 * commands that change something (pfsync0 WORDS, add, update, kill,
 * flush, churn, bulk, latency reset) need uid 0 or the daemon's own uid,
 * as SO_PEERCRED tells; others get EPERM and a message saying so.
 */
#ifndef PFSYNCD_CMD_H
#define PFSYNCD_CMD_H

#include <stddef.h>

#include "control.h"

/* The pfsd_ctl_handler; ctx is the struct pfsd_daemon. */
int pfsd_cmd_handle(void *ctx, const struct pfsd_ctl_who *who, int argc,
		    char *argv[], unsigned flags, struct pfsd_out *out,
		    char *err, size_t errlen);

#endif
