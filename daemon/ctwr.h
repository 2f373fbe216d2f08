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
 * A batch is sent when it is full and at each flush (the daemon flushes
 * after every loop wakeup), so the kernel work per call is bounded
 * (PFSD_CTWR_BATCH bytes) and the writer is paced by the sync socket that
 * feeds it: nothing waits on the kernel, nothing queues without bound.
 */
#ifndef PFSYNCD_CTWR_H
#define PFSYNCD_CTWR_H

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

/* Send what is queued and report every request. */
void pfsd_ctwr_flush(struct pfsd_ctwr *w);

const struct pfsd_ctwr_stats *pfsd_ctwr_stats(const struct pfsd_ctwr *w);

#endif
