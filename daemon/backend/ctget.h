/*
 * ctget.h - GETs of conntrack entries by tuple, batched: up to
 * PFSD_CTGET_BATCH requests to one sendmsg on a netlink socket the caller
 * owns, the kernel's answers (it answers inside sendmsg) read at once and
 * each handed back with the state it was asked for.  Used by the refresh
 * scan (ctnl.c) and the liberal pass (ctliberal.c).
 */
#ifndef PFSYNCD_CTGET_H
#define PFSYNCD_CTGET_H

#include <libmnl/libmnl.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/table.h"

#define PFSD_CTGET_BATCH 256 /* GETs per sendmsg */

struct pfsd_ctget;

/* One answer: the entry (a CT_NEW message) or an NLMSG_ERROR, for the
 * state (id, creatorid) it was asked for. */
typedef void (*pfsd_ctget_cb)(void *arg, uint64_t id, uint32_t creatorid,
			      const struct nlmsghdr *nlh);

/* what: named in the log line of a failed send. */
struct pfsd_ctget *pfsd_ctget_new(struct mnl_socket *nl, const char *what,
				  pfsd_ctget_cb cb, void *arg);
void pfsd_ctget_free(struct pfsd_ctget *g);
/* Ask for the kernel entry of s (t holds its zone); sent when the batch
 * is full.  0 asked, -1 when s has no entry form (not asked). */
int pfsd_ctget_put(struct pfsd_ctget *g, const struct pfs_table *t,
		   const struct pfs_state *s);
/* Send what is asked and hand back the answers. */
void pfsd_ctget_flush(struct pfsd_ctget *g);

#endif
