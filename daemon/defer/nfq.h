/*
 * nfq.h - one nfnetlink_queue (NFQUEUE) over libmnl: bind, receive the
 * queued packets' metadata with their conntrack entry, and give each a
 * verdict.  Only the headers are copied (PFSD_NFQ_COPY bytes): pfsyncd
 * never changes a packet, it only holds it (defer.c).  One socket may
 * bind several queues; a packet's verdict names its queue.
 *
 * The queue is bound with NFQA_CFG_F_FAIL_OPEN: a full kernel queue, or
 * a message the socket cannot take, lets the packet pass.  This kernel
 * has no NETFILTER_NETLINK_GLUE_CT, so NFQA_CFG_F_CONNTRACK is refused
 * (EOPNOTSUPP) and no message carries its conntrack entry (NFQA_CT):
 * defer.c reads the tuple from the headers.
 */
#ifndef PFSYNCD_NFQ_H
#define PFSYNCD_NFQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pfsd_nfq;

/* One queued packet; ct points into the receive buffer (valid during the
 * callback only). */
#define PFSD_NFQ_COPY 80 /* IPv4 or IPv6 header and 20 bytes after */

struct pfsd_nfq_pkt {
	uint32_t id;	   /* the kernel's packet id, for the verdict */
	uint16_t queue;	   /* the queue it came from */
	uint8_t family;	   /* NFPROTO_IPV4 / NFPROTO_IPV6 */
	const uint8_t *data; /* its first bytes (network header on) */
	size_t len;
};

struct pfsd_nfq_stats {
	uint64_t packets;   /* messages received */
	uint64_t malformed; /* messages without a packet id: no verdict */
	uint64_t verdicts;  /* verdicts sent */
	uint64_t verdict_failed; /* sends refused (the packet stays queued
				    until the socket closes: fail open) */
	uint64_t enobufs;   /* receive overruns (the kernel let them pass) */
};

typedef void (*pfsd_nfq_cb)(void *arg, const struct pfsd_nfq_pkt *p);

/* The socket (needs CAP_NET_ADMIN to bind); NULL on error (errno). */
struct pfsd_nfq *pfsd_nfq_open(void);
void pfsd_nfq_free(struct pfsd_nfq *q);
int pfsd_nfq_fd(const struct pfsd_nfq *q);

/* Bind queue num (one more), at most maxlen packets in the kernel; -1
 * (errno). */
int pfsd_nfq_bind(struct pfsd_nfq *q, uint16_t num, uint32_t maxlen);
/* Unbind every queue: the kernel drops the packets still queued. */
void pfsd_nfq_unbind(struct pfsd_nfq *q);

/* Read up to max messages without blocking, cb for each; how many. */
int pfsd_nfq_read(struct pfsd_nfq *q, int max, pfsd_nfq_cb cb, void *arg);

/* Let packet id of queue pass (NF_ACCEPT); -1 when the send failed. */
int pfsd_nfq_accept(struct pfsd_nfq *q, uint16_t queue, uint32_t id);

const struct pfsd_nfq_stats *pfsd_nfq_stats(const struct pfsd_nfq *q);

#endif
