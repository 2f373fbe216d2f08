/*
 * transport.h - the pfsync wire: one raw IPv4 socket for IP protocol 240,
 * and a raw IPv6 one beside it when the sync runs over IPv6 (FreeBSD 14:
 * the group ff12::f0 or an IPv6 syncpeer).
 *
 * Receives from every interface (so that packets arriving elsewhere than
 * on the syncdev can be counted as BADIF), joins 224.0.0.240 (and the
 * IPv6 group) on the syncdev only, and sends with TTL (hop limit) 255,
 * TOS (traffic class) LOWDELAY and DF (no fragmentation).  Received
 * packets are handed to a callback with their IP facts (source, TTL or
 * hop limit, ingress interface) and the payload that follows the IP
 * header.  An IPv6 source is handed on as its key in a struct
 * pfsd_peeraddr, and a destination that is such a key (or the group,
 * PFS_V3_GROUP) is sent over IPv6: the engine sees 32-bit peers only.
 */
#ifndef PFSYNCD_TRANSPORT_H
#define PFSYNCD_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/engine.h"

#include "loop.h"

/* At most this many packets are read per wakeup, to stay fair, with
 * one recvmmsg per PFSD_TP_RX_BATCH. */
#define PFSD_TP_RX_BUDGET 4096
#define PFSD_TP_RX_BATCH  32
/* Socket buffer sizes: the send buffer, and the default receive buffer
 * (config sync-rcvbuf), room for bursts: 8 MB hold ~3500 full packets. */
#define PFSD_TP_SOCKBUF (8u << 20)

typedef void (*pfsd_tp_rx_cb)(void *arg, const uint8_t *pkt, size_t len,
			      const struct pfs_rx_meta *m);

struct pfsd_transport;

/*
 * Open the socket and register it with the loop, read first in each
 * wakeup.  syncdev may be "" (no group membership; unicast sends only).
 * rcvbuf is the receive buffer asked for (SO_RCVBUFFORCE when allowed,
 * else SO_RCVBUF, capped by net.core.rmem_max).  NULL with errno on
 * failure; a syncdev that does not exist is an error (ENODEV).
 */
struct pfsd_transport *pfsd_transport_new(struct pfsd_loop *loop,
					  const char *syncdev, unsigned rcvbuf,
					  pfsd_tp_rx_cb cb, void *arg);
/* Ask for another receive buffer size (0 or -1/errno); the size the
 * kernel accounts (twice the request, as SO_RCVBUF reads back). */
int pfsd_transport_set_rcvbuf(struct pfsd_transport *t, unsigned bytes);
unsigned pfsd_transport_rcvbuf(const struct pfsd_transport *t);
/* The socket's drop count in /proc/net/raw (drops after the last datagram
 * read show here first); 0 when not found. */
uint64_t pfsd_transport_proc_drops(const struct pfsd_transport *t);
void pfsd_transport_free(struct pfsd_transport *t);
/* Take packets from the syncdev only (SO_BINDTODEVICE): one socket per
 * link when several carry the sync (links.c).  0 or -1/errno. */
int pfsd_transport_bind_dev(struct pfsd_transport *t);

/* Leave the group joined on the syncdev: a unicast cluster takes its
 * peers' packets only (tp_ucast.c).  0 or -1/errno. */
int pfsd_transport_leave_group(struct pfsd_transport *t);

struct pfsd_peeraddr;
/*
 * Sync over IPv6 as well: open the IPv6 socket (receive buffer rcvbuf),
 * join group on the syncdev when it is multicast.  From now on
 * PFS_V3_GROUP is sent to group and keys of pa (which must outlive t)
 * to their IPv6 address; IPv6 sources are handed on as keys of pa.
 * 0 or -1/errno.
 */
int pfsd_transport_set_inet6(struct pfsd_transport *t, const uint8_t group[16],
			     struct pfsd_peeraddr *pa, unsigned rcvbuf);
bool pfsd_transport_inet6(const struct pfsd_transport *t);
/* When dst goes over IPv6: its address into dst6 and the syncdev's
 * address a packet to it would carry (of the same scope when there is
 * one) into src6, 0; else -1 (IPv4: see pfsd_transport_src). */
int pfsd_transport_addr6(const struct pfsd_transport *t, uint32_t dst,
			 uint8_t src6[16], uint8_t dst6[16]);

/* Send one pfsync payload to dst (IPv4, host order; over IPv6 the group
 * or an IPv6 peer's key, see above).  0 or -1/errno.
 * A failure is logged once per errno value until a send succeeds.
 * Queued packets go first, so the order on the wire is kept. */
int pfsd_transport_send(struct pfsd_transport *t, const uint8_t *p, size_t len,
			uint32_t dst);

/*
 * Batched sends: queue a copy of the payload; the queue goes out with
 * one sendmmsg when PFSD_TP_TX_BATCH packets wait and at every
 * pfsd_transport_flush() (the daemon flushes after each loop wakeup).
 * Returns 0 when queued; a payload larger than a slot flushes the queue
 * and is sent at once (0 or -1 as pfsd_transport_send).  Failures of
 * queued packets are counted by the flush, not here.
 */
#define PFSD_TP_TX_BATCH 16
#define PFSD_TP_TX_SLOT	 2048 /* pfsync packets: MCLBYTES at most */
int pfsd_transport_queue(struct pfsd_transport *t, const uint8_t *p, size_t len,
			 uint32_t dst);
/* Send what is queued, in order; the number of packets that failed
 * (each also counted in send_errors).  Cheap when nothing is queued. */
unsigned pfsd_transport_flush(struct pfsd_transport *t);
/* The failures of the flushes done inside pfsd_transport_queue() (a
 * full queue) since the last call; reading resets it. */
unsigned pfsd_transport_take_failures(struct pfsd_transport *t);

/* The syncdev's first IPv4 address (host order), 0 when none. */
uint32_t pfsd_transport_src(const struct pfsd_transport *t);
/* The syncdev's MTU, 0 when there is no syncdev. */
unsigned pfsd_transport_mtu(const struct pfsd_transport *t);

/* Counters kept here (besides the engine's): datagrams read and the
 * recvmmsg calls that read them, packets ignored because we sent them,
 * reads that were truncated or not IPv4/240, and datagrams the kernel
 * dropped on this socket because its receive buffer was full (learnt
 * from SO_RXQ_OVFL with the next datagram read). */
struct pfsd_tp_stats {
	uint64_t received;
	uint64_t batches;
	uint64_t own;
	uint64_t malformed;
	uint64_t badsrc; /* sources no peer can have: 0/8, multicast, 240/4 */
	uint64_t send_errors;
	uint64_t kernel_drops;
};
const struct pfsd_tp_stats *
pfsd_transport_stats(const struct pfsd_transport *t);

/*
 * Parse a raw IPv4 packet as a raw socket returns it (Linux: tot_len in
 * network order): fill src and ttl, set *payload / *plen to what follows
 * the header.  -1 if it is not a sane IPv4 protocol-240 packet.
 */
int pfsd_transport_parse_ip(const uint8_t *pkt, size_t len, uint32_t *src,
			    uint8_t *ttl, const uint8_t **payload,
			    size_t *plen);

#endif
