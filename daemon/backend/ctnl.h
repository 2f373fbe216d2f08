/*
 * ctnl.h - the Linux conntrack backend (`backend conntrack`): keeps the
 * engine's table a mirror of the kernel's conntrack table over ctnetlink
 * (libmnl), and writes the changes peers announce into the kernel.
 *
 *  - start: subscribe to NEW/UPDATE/DESTROY events, then dump the table
 *    into the mirror (local states: our hostid, the id derived from the
 *    entry's CTA_ID, so that it survives a restart of the daemon; with
 *    `provenance mark`, an entry whose mark says we wrote it for a peer
 *    is held unconfirmed, never announced, until a peer claims it or
 *    its creator's bulk ends without it: see ctnl.c);
 *  - events: NEW -> pfs_engine_insert, UPDATE -> pfs_engine_update of the
 *    state with that flow key (a peer's state keeps its id and creator),
 *    DESTROY -> pfs_engine_delete; a change pfsync does not carry (a
 *    mark) is not announced; events caused by our own writes (their
 *    nlmsg_pid is our writer's port id) are dropped in the kernel by a
 *    socket filter;
 *  - ENOBUFS on the event socket: counted, logged once, full resync
 *    (dump and reconcile), read from the loop a few recvs at a time,
 *    between other work;
 *  - timeouts (refreshed by traffic without any event): a scan re-reads
 *    each local entry near the expiry its peers hold, by batched GETs,
 *    and announces it again if it lives on (see ctnl.c); no periodic
 *    dump, so an idle table costs next to nothing;
 *  - peers' changes (ops->applied; a CLR comes as one DELETE a state)
 *    become CT_NEW / CT_DELETE requests batched many to a sendmsg
 *    without acks (ctwr.h), a few batches sent by pfsd_ctnl_pump after
 *    each loop wakeup; failures counted.
 * Not synced: protocol 240, loopback tuples, protocols other than TCP,
 * UDP, ICMP and ICMPv6.
 */
#ifndef PFSYNCD_CTNL_H
#define PFSYNCD_CTNL_H

#include <stdbool.h>
#include <stdint.h>

struct nlmsghdr;

#include "pfsync/engine.h"

#include "ctfilter.h"

#define PFSD_CTNL_ERRNO_MAX 136 /* per-errno failure counters */

struct pfsd_ctnl;
struct pfsd_loop;

/*
 * What the backend needs of the daemon, and nothing more: the engine it
 * feeds local changes to (and whose hostid is ours), the engine's table
 * (the mirror), the loop its sockets and timers run on, and kick, called
 * after the backend changed the engine's table from the loop (the
 * daemon then re-arms the engine's timer).  The daemon in turn calls
 * pfsd_ctnl_applied / _adopt from the engine's ops and pfsd_ctnl_pump
 * after each wakeup, through the backend interface (ctbackend.c).
 */
struct pfsd_ctnl_env {
	struct pfs_engine *engine;
	struct pfs_table *table;
	struct pfsd_loop *loop;
	void (*kick)(void *arg);
	void *arg;
	const struct pfsd_ctfilter *filter; /* copied; NULL: sync all */
	uint32_t prov_mark; /* provenance mark bits (pfsyncd.conf(5)), 0: off */
};

struct pfsd_ctnl_stats {
	uint64_t ct_ok;				  /* kernel writes done */
	uint64_t ct_fail;			  /* kernel writes refused */
	uint64_t fail_errno[PFSD_CTNL_ERRNO_MAX]; /* ct_fail by errno */
	uint64_t events;			  /* events received */
	uint64_t own;	     /* echoes of our own writes, ignored */
	uint64_t skipped;    /* entries not synced (proto, loopback) */
	uint64_t malformed;  /* messages without a usable tuple */
	uint64_t enobufs;    /* event socket overruns */
	uint64_t resyncs;    /* full dumps after the first */
	uint64_t gets;	     /* entries re-read near their expiry */
	uint64_t batches;    /* kernel write batches (sendmsg calls) */
	uint64_t retried;    /* NAT writes sent in their second form */
	uint64_t lost;	     /* write results lost (socket errors) */
	uint64_t refreshed;  /* updates announced by a refresh */
	uint64_t reconciled; /* mirror states gone from the kernel */
	uint64_t id_taken;   /* CTA_ID id taken: a counter id instead */
	uint64_t adopted;    /* re-read states that took a peer's id */
	uint64_t waiting;    /* writes waiting for a batch now */
	uint64_t wait_max;   /* most writes waiting at once */
	uint64_t wait_full;  /* writes that found the queue full */
	uint64_t wait_bound; /* writes that may wait (pfsd_ctnl_set_limit) */
	uint64_t coalesced;  /* writes merged into one still waiting */
	uint64_t dump_gone;  /* dump entries destroyed meanwhile, skipped */
	uint64_t filtered[PFSD_CTF_NWHY]; /* not synced, by reason */
	uint64_t unconfirmed; /* re-read entries written for a peer, held */
};

/* Open the sockets, subscribe, dump the table into the mirror. NULL on
 * error (logged). */
struct pfsd_ctnl *pfsd_ctnl_new(const struct pfsd_ctnl_env *env);
void pfsd_ctnl_free(struct pfsd_ctnl *c);

/* The engine's ops->applied, to the kernel. */
void pfsd_ctnl_applied(struct pfsd_ctnl *c, enum pfs_op op,
		       const struct pfs_state *st);
/* An entry re-read by another module (a GET's answer, ctexp.c: the
 * master of a new expectation, whose sequence adjustment changed without
 * an event), taken as a dump entry is.  NULL-safe. */
void pfsd_ctnl_reread(struct pfsd_ctnl *c, const struct nlmsghdr *nlh);
/* Peers' changes waiting to be written to the kernel. */
size_t pfsd_ctnl_waiting(const struct pfsd_ctnl *c);
/* Send every write queued (before an expectation needs its master). */
void pfsd_ctnl_flush(struct pfsd_ctnl *c);
/* Send a few batches of the writes queued (after every loop wakeup);
 * true when writes still wait, so the loop comes back at once. */
bool pfsd_ctnl_pump(struct pfsd_ctnl *c);
/* The engine's ops->adopt: true when `local` was only re-read from the
 * kernel at startup (PFS_LF_PROVISIONAL), so the peer's identity wins
 * (pfsd_ctpol_adopt). */
bool pfsd_ctnl_adopt(struct pfsd_ctnl *c, const struct pfs_state *local,
		     const struct pfs_state *peer);

/* The engine's ops->unconfirmed_of: an unconfirmed state (re-read with
 * a provenance tag) may have been written for creatorid. */
bool pfsd_ctnl_unconfirmed_of(struct pfsd_ctnl *c, const struct pfs_state *st,
			      uint32_t creatorid);

const struct pfsd_ctnl_stats *pfsd_ctnl_stats(const struct pfsd_ctnl *c);

/* defer: the entry a queued packet makes (read from its headers) into
 * the mirror, announced as its events would be; the mirror state, NULL
 * when not synced (filtered, protocol); *inserted: it was new there. */
struct pfsd_ct_entry;
const struct pfs_state *pfsd_ctnl_queued(struct pfsd_ctnl *c,
					 const struct pfsd_ct_entry *e,
					 bool *inserted);
/* A new filter (a reload): later events are judged by it; an entry of
 * the table that it leaves out goes at its next event (a delete). */
void pfsd_ctnl_set_filter(struct pfsd_ctnl *c, const struct pfsd_ctfilter *f);
/* The filter in force. */
const struct pfsd_ctfilter *pfsd_ctnl_filter(const struct pfsd_ctnl *c);

/*
 * The state limit in force (engine.h's max_states): the kernel write
 * queue holds a quarter of it at most (PFSD_CTNL_WQ_DIV; a full queue
 * writes before it takes more, ctwr.h).  NULL-safe.
 */
#define PFSD_CTNL_WQ_DIV 4
void pfsd_ctnl_set_limit(struct pfsd_ctnl *c, uint32_t max_states);
/* Writes of new entries the kernel refused for its table was full
 * (ENOMEM at nf_conntrack_max); 0 for NULL. */
uint64_t pfsd_ctnl_table_full(const struct pfsd_ctnl *c);

/* Own entries made liberal on a bulk request (ctliberal.h); NULL for
 * NULL. */
struct pfsd_ctlib;
struct pfsd_ctlib *pfsd_ctnl_lib(struct pfsd_ctnl *c);

#endif
