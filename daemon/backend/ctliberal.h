/*
 * ctliberal.h - the conntrack backend's own TCP entries made liberal
 * (IP_CT_TCP_FLAG_BE_LIBERAL) once another firewall may carry them.
 *
 * The kernel tracks the TCP windows of the connections it forwards.  An
 * entry the kernel created itself (a connection opened through this
 * node) is strict; the entries pfsyncd writes for its peers are liberal
 * (ctmap.h), since ctnetlink cannot carry the windows.  While a peer
 * carries one of our connections, the windows move there and conntrack
 * sends no event for it, so our entry is behind when the traffic comes
 * back: without BE_LIBERAL the switch back drops every packet of the
 * connection as INVALID.
 *
 * So every time this node asks its peers for a bulk update (at start, on
 * `pfsyncctl bulk`, and on keepalived's notify BACKUP, FAULT and STOP
 * through pfsync-keepalived), it may hand, or may have handed, its connections
 * to a peer: a pass reads back (batched GETs) each of our own TCP states
 * of the mirror (the connections a peer can carry: the others are not
 * synced) and sets BE_LIBERAL in both directions, flags and mask, on
 * those not liberal yet, through the batched writer (ctwr.h,
 * PFSD_CTWR_LIBERAL: an update of the flags alone, never a create).  An
 * entry already liberal costs a GET and no write, so a restart of the
 * daemon writes nothing twice.  The pass runs a slice of the mirror per
 * loop turn; pfsd_ctlib_busy is part of "synced" (bulk-done), so
 * keepalived's check keeps the node demoted until its entries are
 * liberal.  A peer's update of one of our states is written liberal
 * anyway (ctmap.h), the pass covers the connections whose windows alone
 * moved.
 *
 * The trade-off: a liberal entry accepts out-of-window segments (a blind
 * injection needs the connection's addresses and ports, not its sequence
 * numbers), as the peers' entries and conntrackd's injected ones do.  It
 * stays liberal for the entry's life: the kernel does not move a liberal
 * entry's window on out-of-window segments, so it cannot be made strict
 * again safely.  Connections opened later are strict until the next bulk
 * request.
 */
#ifndef PFSYNCD_CTLIBERAL_H
#define PFSYNCD_CTLIBERAL_H

#include <stdbool.h>
#include <stdint.h>

#include "pfsync/engine.h"
#include "pfsync/state.h"

#include "ctmap.h"
#include "ctwr.h"

struct pfsd_loop;
struct pfsd_ctlib;

struct pfsd_ctlib_env {
	struct pfs_engine *engine; /* our hostid */
	struct pfs_table *table;   /* the mirror */
	struct pfsd_loop *loop;
	struct pfsd_ctwr *w; /* the writer (its done callback
				hands LIBERAL reports to ctlib_done) */
};

struct pfsd_ctlib_stats {
	uint64_t passes;  /* passes started (bulk requests) */
	uint64_t checked; /* own TCP entries read back */
	uint64_t made;	  /* entries made liberal (writes) */
	uint64_t already; /* entries liberal already: no write */
	uint64_t failed;  /* writes the kernel refused */
};

/* The rules, pure: a state of the mirror the pass reads back (ours, TCP),
 * and an entry read back that needs the write (not liberal both ways). */
bool pfsd_ctlib_due(const struct pfs_state *s, uint32_t hostid);
bool pfsd_ctlib_wants(const struct pfsd_ct_entry *e);

/* NULL on error (logged). */
struct pfsd_ctlib *pfsd_ctlib_new(const struct pfsd_ctlib_env *env);
void pfsd_ctlib_free(struct pfsd_ctlib *l);

/* Start a pass (again from the start if one runs).  NULL-safe. */
void pfsd_ctlib_start(struct pfsd_ctlib *l);
/* A pass is running; false for NULL. */
bool pfsd_ctlib_busy(const struct pfsd_ctlib *l);
/* The writer's report of one LIBERAL request. */
void pfsd_ctlib_done(struct pfsd_ctlib *l, const struct pfsd_ctwr_req *r);
/* NULL for NULL. */
const struct pfsd_ctlib_stats *pfsd_ctlib_stats(const struct pfsd_ctlib *l);

#endif
