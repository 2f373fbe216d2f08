/*
 * ctwr.h - the conntrack backend's kernel writer: peers' changes become
 * ctnetlink requests packed many to a sendmsg, without NLM_F_ACK.
 *
 * ctnetlink handles the messages of one sendmsg in order, inside the
 * call, and queues an NLMSG_ERROR for each one that fails (NETLINK_CAP_ACK
 * keeps them small); success is silent.  So when sendmsg returns, the
 * errors of the whole batch wait on the socket: they are read at once
 * (never waiting) and every request is reported to the done callback, ok
 * or failed.  A request whose first form fails in an expected way is
 * sent again in its second form with the next batch (NAT is create-only:
 * a NATed entry is created with EXCL, and updated without NAT on EEXIST;
 * updated, and created with NAT on ENOENT; refused for its labels with
 * ENOSPC: sent again without them).  A non-NATed entry is one
 * CT_NEW with NLM_F_CREATE, which creates or updates; a delete of an
 * entry already gone is ok.
 *
 * Requests wait in a growing queue (up to a bound, pfsd_ctwr_set_max;
 * 4 M of them unless set) and the daemon
 * pumps a few batches after every loop wakeup (PFSD_CTWR_BATCH bytes
 * each; more, up to 16, while the queue holds over 8192), coming back at
 * once while requests wait: the sync socket is read between batches, so
 * a burst from a peer waits in this queue instead of overflowing the
 * socket's buffer.  A queue kept short stays in the cache: a bulk of a
 * million states that waited here whole cost B a cache miss and a page
 * fault a request.  The queue full, a put
 * writes a batch first (back-pressure on the loop: the sync socket is
 * then read at the pace the kernel takes the writes, and what its buffer
 * cannot hold is dropped by the kernel, counted and asked for again by
 * the reliable layer or a bulk update; nothing is dropped here).
 */
#ifndef PFSYNCD_CTWR_H
#define PFSYNCD_CTWR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ctmap.h"

#define PFSD_CTWR_BATCH (64 * 1024) /* bytes per sendmsg */

enum pfsd_ctwr_kind {
	PFSD_CTWR_UPSERT,     /* CT_NEW|CREATE: create or update (no NAT) */
	PFSD_CTWR_CREATE_NAT, /* CREATE|EXCL with NAT; EEXIST: update */
	PFSD_CTWR_UPDATE_NAT, /* update; ENOENT: create with NAT */
	PFSD_CTWR_UPDATE,     /* update only (second form of CREATE_NAT) */
	PFSD_CTWR_CREATE,     /* CREATE|EXCL with NAT (second form) */
	PFSD_CTWR_DELETE,     /* CT_DELETE; ENOENT is ok */
	PFSD_CTWR_LIBERAL,    /* BE_LIBERAL on an entry (ctliberal.h): an
				 update of the TCP flags alone; ENOENT is ok;
				 never replaces a write of the state that
				 waits (every write carries BE_LIBERAL) */
};

/* A request: the entry and who it belongs to (for the report). */
struct pfsd_ctwr_req {
	struct pfsd_ct_entry e;
	uint64_t id;
	uint32_t creatorid;
	uint32_t seq;
	uint8_t kind; /* enum pfsd_ctwr_kind */
	int err;      /* 0 or -errno once done */
};

/* Called once per request when it is done (err 0 or -errno). */
typedef void (*pfsd_ctwr_done_cb)(void *arg, const struct pfsd_ctwr_req *r);

struct pfsd_ctwr_stats {
	uint64_t batches;  /* sendmsg calls */
	uint64_t messages; /* requests sent (second forms included) */
	uint64_t retried;  /* second forms */
	uint64_t lost;	   /* results lost (send or receive failure) */
	uint64_t pend_max; /* most requests waiting at once */
	uint64_t pend_cap; /* the queue's largest size */
	uint64_t pend_bound; /* the size it may grow to (set_max) */
	uint64_t full;	   /* puts that found the queue full */
	uint64_t coalesced; /* puts merged into a request still waiting */
};

struct pfsd_ctwr;

/* Open the socket; NULL on error (errno). */
struct pfsd_ctwr *pfsd_ctwr_new(pfsd_ctwr_done_cb done, void *arg);
void pfsd_ctwr_free(struct pfsd_ctwr *w);

/* The port id the kernel puts in the events our writes cause. */
uint32_t pfsd_ctwr_portid(const struct pfsd_ctwr *w);

/* Queue one request (sent at the next flush, or now if the batch is
 * full); 0, or -1 with errno when the entry cannot be written. */
int pfsd_ctwr_put(struct pfsd_ctwr *w, const struct pfsd_ct_entry *e,
		  enum pfsd_ctwr_kind kind, uint64_t id, uint32_t creatorid);

/* Send everything queued and report every request. */
void pfsd_ctwr_flush(struct pfsd_ctwr *w);
/* Send a few batches; true when requests are still waiting. */
bool pfsd_ctwr_pump(struct pfsd_ctwr *w);
/* Requests waiting for a batch. */
size_t pfsd_ctwr_waiting(const struct pfsd_ctwr *w);
/* The most requests that may wait (rounded up to a power of two, 1024
 * to 4 M); a queue larger already keeps its size until it empties. */
void pfsd_ctwr_set_max(struct pfsd_ctwr *w, size_t n);

/* The longest stretch of used slots in the index of waiting requests:
 * the most slots one put may probe (tests, diagnostics). */
size_t pfsd_ctwr_ix_probe_max(const struct pfsd_ctwr *w);

const struct pfsd_ctwr_stats *pfsd_ctwr_stats(const struct pfsd_ctwr *w);

#endif
