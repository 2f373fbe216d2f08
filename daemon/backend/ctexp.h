/*
 * ctexp.h - conntrack expectations between pfsyncd peers (wire_xexp.h):
 * the kernel's new and destroyed expectations, read from ctnetlink's
 * expectation groups, go to the engine (pfs_engine_expect_send, pfsyncd
 * peers only); a peer's are written to the kernel.
 *
 * An expectation needs its master in the kernel, with its helper
 * (ctmap.h: CTA_HELP goes with the master's state).  The peer's stream
 * is applied in order and the kernel writer is flushed before each
 * write, so a master sent before its expectation is there first; one
 * whose master is not there yet (ENOENT: a master filtered, or still on
 * its way) is held and tried again every PFSD_CTEXP_RETRY_MS, for as
 * long as the expectation would live and at most PFSD_CTEXP_HOLD_MS,
 * then refused.  A peer's destroyed expectation is deleted here (and
 * let go if held).  When a master goes, the kernel removes its
 * expectations itself.  Echoes of our own writes (the port id of the
 * write socket) are never sent back.
 *
 * A NAT helper that rewrites a command (nf_nat_ftp's PORT through SNAT)
 * moves the master's TCP sequence (seqadj) without any conntrack event;
 * it does so right after it makes the expectation.  So the master of
 * each new expectation is read again PFSD_CTEXP_REREAD_MS later and
 * taken by the conntrack backend as a dump entry: its sequence
 * adjustment then goes to the peers with it (ctmap.h).
 */
#ifndef PFSYNCD_CTEXP_H
#define PFSYNCD_CTEXP_H

#include <stdint.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/wire_xexp.h"

#include "ctmap.h"

#define PFSD_CTEXP_RETRY_MS 100
#define PFSD_CTEXP_HOLD_MS  30000
#define PFSD_CTEXP_HELD_MAX 256
#define PFSD_CTEXP_REREAD_MS 50
#define PFSD_CTEXP_REREAD_MAX 256

struct pfsd_ctexp_stats {
	uint64_t events;   /* expectation events read from the kernel */
	uint64_t own;	   /* echoes of our own writes, not sent */
	uint64_t sent;	   /* sent to pfsyncd peers */
	uint64_t unsent;   /* not sent: no pfsyncd peer reads them */
	uint64_t received; /* received from peers */
	uint64_t written;  /* written to the kernel (created or deleted) */
	uint64_t held;	   /* held for their master at least once */
	uint64_t refused;  /* refused by the kernel or given up */
	uint64_t malformed; /* kernel messages without master/tuple/mask */
	uint64_t enobufs;  /* event socket overruns */
	uint64_t reread;   /* masters read again for their seqadj */
	uint64_t expired;  /* held ones let go: their master was deleted */
};

struct pfsd_loop;
struct pfsd_ctnl;
struct pfsd_ctexp;

struct pfsd_ctexp_env {
	struct pfs_engine *engine;
	struct pfsd_loop *loop;
	struct pfsd_ctnl *ct; /* its writer is flushed before each write */
};

/* Open the sockets and subscribe; NULL on error (logged). */
struct pfsd_ctexp *pfsd_ctexp_new(const struct pfsd_ctexp_env *env);
void pfsd_ctexp_free(struct pfsd_ctexp *c);

/* The engine's ops->expect: a peer's expectation to the kernel. */
void pfsd_ctexp_apply(struct pfsd_ctexp *c, const struct pfs_xexp *x);

/* A peer deleted st: expectations held for it as master go with it
 * (the kernel drops those it holds itself).  NULL-safe. */
void pfsd_ctexp_master_gone(struct pfsd_ctexp *c, const struct pfs_state *st);

/* NULL-safe: zeros for NULL. */
const struct pfsd_ctexp_stats *pfsd_ctexp_stats(const struct pfsd_ctexp *c);

/*
 * The kernel reports an entry's sequence adjustment only in the event
 * that changed it (and in dumps): an event without it keeps the one the
 * mirror state m holds (ctnl.c's keep-unsent rule).  Pure.
 */
void pfsd_ctexp_keep_seqadj(const struct pfsd_ct_entry *e,
			    const struct pfs_table *t,
			    const struct pfs_state *m, struct pfs_stx *x);

#endif
