/*
 * defer.h - `defer` (pfsyncd(8) DEFER): the first packet of each new
 * connection waits in an NFQUEUE until the peers that can acknowledge
 * its state did, at most defer-timeout; between pfsyncd nodes the first
 * reply (SYN+ACK) of a peer's connection waits the same way for its
 * update to reach the peers.  Glue between the queue (nfq.h), the table
 * that feeds it (nftq.h), the conntrack mirror (ctnl.h) and the engine,
 * which decides who is awaited (engine.h pfs_engine_defer).
 */
#ifndef PFSYNCD_DEFER_H
#define PFSYNCD_DEFER_H

#include <stdbool.h>
#include <stdint.h>

#include "pfsync/engine.h"

#define PFSD_DEFER_QUEUE 240	/* NFQUEUE of new connections; + 1: replies */
#define PFSD_DEFER_HIST 5000	/* hold times, 10 us buckets, to 50 ms */

struct pfsd_defer;
struct pfsd_loop;
struct pfsd_ctnl;

struct pfsd_defer_env {
	struct pfsd_loop *loop;
	struct pfs_engine *engine;
	struct pfsd_backend *bk; /* its entries (backend.h: queued) */
	void (*kick)(void *arg); /* the engine was called: re-arm its timer */
	void (*send)(void *arg); /* what the engine queued goes out now */
	void *arg;
};

struct pfsd_defer_stats {
	uint64_t queued;     /* packets read from the queue */
	uint64_t no_ct;	     /* without a conntrack entry: passed at once */
	uint64_t not_synced; /* entry not synced (filter, protocol): passed */
	uint64_t not_first;  /* entry known already (a retransmission):
				passed */
	uint64_t own_reply;  /* SYN+ACK of a connection of ours: passed */
	uint64_t other;	     /* packets that start no entry here (not a
				SYN, SYN+ACK or echo request): passed */
	uint64_t released;   /* held packets let go (acked, timed out, off) */
	uint64_t verdict_failed; /* verdicts the kernel did not take */
	uint64_t hold_max_us; /* longest hold */
};

/* Open the queue and table sockets, bind, install; NULL on error
 * (logged). */
struct pfsd_defer *pfsd_defer_new(const struct pfsd_defer_env *env);
/* Let every held packet go, remove the table, unbind, close. */
void pfsd_defer_free(struct pfsd_defer *f);

/* The engine's ops->deferred: packet cookie may go. */
void pfsd_defer_release(struct pfsd_defer *f, uint64_t cookie, bool acked);

const struct pfsd_defer_stats *pfsd_defer_stats(const struct pfsd_defer *f);
/* The hold time (us) at or below which pct percent of the holds were;
 * 0 when none. */
uint32_t pfsd_defer_hold_pct(const struct pfsd_defer *f, unsigned pct);
/* Holds counted in the histogram. */
uint64_t pfsd_defer_holds(const struct pfsd_defer *f);

#endif
