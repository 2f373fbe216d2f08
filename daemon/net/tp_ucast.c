/*
 * tp_ucast.c - a unicast cluster over IP protocol 240 behind the ops
 * table (tp.h): the raw transport when `peer` lines name the other
 * nodes (pfsyncd.conf(5)), for networks that carry no multicast.
 *
 *   interface pfsync0 up syncdev eth2
 *   peer 10.0.0.2
 *   peer 10.0.0.3
 *
 * What the engine sends to everyone (the group, or the syncpeer, which
 * is one of the peers then) goes to each peer by unicast, the same
 * payload (framed and sealed once); a reply to one peer (an update
 * request's answer, a resend on its NACK, a digest answer) goes to it
 * alone.  A bulk walk goes to everyone, as to the group: its packets are
 * numbered in the one stream all peers follow (engine_rel.c), and one
 * walk serves every requester that joins it (engine_bulk.c).  Nothing
 * goes to 224.0.0.240, and the socket leaves the group.
 *
 * Only the peers' packets are taken: any other source is dropped and
 * counted, as the UDP transport does (tp_udp.c), so that each peer is
 * to this node what the one syncpeer is otherwise (the engine, which
 * sees no syncpeer then, answers every source it is handed).  The
 * engine keeps its state per source (its place in each peer's stream,
 * resends, what a source may cost), so each peer has its own.
 *
 * Counters per peer (packets received, sent, failed to send;
 * peerstat.h) show in `pfsyncctl -v stats` and in the metrics.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/wire_v3.h"

#include "net/peeraddr.h"
#include "net/peerstat.h"
#include "net/tp.h"
#include "net/transport.h"

struct tp_ucast {
	struct pfsd_transport *t;
	struct pfsd_peeraddr *pa; /* IPv6 peers' addresses, for the text */
	pfsd_tp_rx_cb cb;
	void *arg;
	uint32_t everyone; /* the syncpeer's key: every peer, 0 = none */
	struct pfsd_peerstat ps;
	uint64_t unknown;  /* packets from no peer, dropped */
	uint64_t not_peer; /* replies to an address no longer a peer */
	unsigned failed;   /* failures beyond a send's own -1 */
};

static void uc_rx(void *arg, const uint8_t *pkt, size_t len,
		  const struct pfs_rx_meta *m)
{
	struct tp_ucast *u = arg;
	struct pfsd_peerstat_ent *p = pfsd_peerstat_find(&u->ps, m->src);

	if (p == NULL) {
		u->unknown++;
		return;
	}
	p->rx++;
	u->cb(u->arg, pkt, len, m);
}

static int uc_reconf(void *impl, const struct pfsd_tp_conf *tc)
{
	struct tp_ucast *u = impl;

	if (pfsd_transport_rcvbuf(u->t) != 2 * tc->rcvbuf &&
	    pfsd_transport_set_rcvbuf(u->t, tc->rcvbuf) == -1)
		return -1;
	pfsd_peerstat_set(&u->ps, tc->peers, tc->npeers);
	u->everyone = tc->everyone;
	return 0;
}

/* IPv6 peers need the IPv6 socket (raw6 opens it for an IPv6 syncpeer
 * as well); neither socket stays in a group. */
static int uc_open_socks(struct tp_ucast *u, const struct pfsd_tp_conf *tc)
{
	u->t =
	    pfsd_transport_new(tc->loop, tc->c->syncdev, tc->rcvbuf, uc_rx, u);
	if (u->t == NULL || pfsd_transport_leave_group(u->t) == -1)
		return -1;
	if (tc->c->npeers6 == 0 && !pfsd_conf_inet6(tc->c))
		return 0;
	return pfsd_transport_set_inet6(u->t, tc->group6, tc->pa, tc->rcvbuf);
}

static void uc_close(void *impl)
{
	struct tp_ucast *u = impl;

	pfsd_transport_free(u->t);
	free(u);
}

static void *uc_open(const struct pfsd_tp_conf *tc)
{
	struct tp_ucast *u = calloc(1, sizeof(*u));
	int saved;

	if (u == NULL)
		return NULL;
	u->cb = tc->cb;
	u->arg = tc->arg;
	u->pa = tc->pa;
	if (uc_open_socks(u, tc) == 0 && uc_reconf(u, tc) == 0)
		return u;
	saved = errno;
	uc_close(u);
	errno = saved;
	return NULL;
}

static int uc_send_one(struct tp_ucast *u, struct pfsd_peerstat_ent *p,
		       const uint8_t *pkt, size_t len)
{
	/* queued: sent with one sendmmsg per wakeup (pfsd_tp_flush) */
	if (pfsd_transport_queue(u->t, pkt, len, p->key) == 0) {
		p->tx++;
		return 0;
	}
	p->tx_err++;
	return -1;
}

/* Everyone: each peer.  Sent when one peer took it (as links.c); the
 * others' failures are counted by the next flush. */
static int uc_send_all(struct tp_ucast *u, const uint8_t *pkt, size_t len)
{
	unsigned failed = 0;
	size_t i;

	for (i = 0; i < u->ps.n; i++)
		if (uc_send_one(u, &u->ps.p[i], pkt, len) == -1)
			failed++;
	if (failed == 0 || u->ps.n == 0)
		return 0;
	u->failed += failed - 1;
	return -1;
}

static int uc_send(void *impl, const uint8_t *pkt, size_t len, uint32_t dst)
{
	struct tp_ucast *u = impl;
	struct pfsd_peerstat_ent *p;

	if (dst == PFS_V3_GROUP || (u->everyone != 0 && dst == u->everyone))
		return uc_send_all(u, pkt, len);
	p = pfsd_peerstat_find(&u->ps, dst);
	if (p == NULL) { /* a peer dropped from the config: none of ours */
		u->not_peer++;
		errno = EHOSTUNREACH;
		return -1;
	}
	return uc_send_one(u, p, pkt, len);
}

static unsigned uc_flush(void *impl)
{
	struct tp_ucast *u = impl;
	unsigned n = u->failed;

	u->failed = 0;
	return n + pfsd_transport_flush(u->t) +
	       pfsd_transport_take_failures(u->t);
}

static bool uc_over6(const void *impl, uint32_t dst)
{
	const struct tp_ucast *u = impl;

	return pfsd_transport_inet6(u->t) && pfsd_peeraddr_is_key(dst);
}

static int uc_tap_addr(const void *impl, uint32_t dst, struct pfsd_tp_addr *a)
{
	const struct tp_ucast *u = impl;

	return pfsd_tp_raw_addr(u->t, dst, a);
}

static unsigned uc_mtu(const void *impl)
{
	const struct tp_ucast *u = impl;

	return pfsd_transport_mtu(u->t);
}

static unsigned uc_rcvbuf(const void *impl)
{
	const struct tp_ucast *u = impl;

	return pfsd_transport_rcvbuf(u->t);
}

static void uc_stats(const void *impl, struct pfsd_tp_stats *s)
{
	const struct tp_ucast *u = impl;

	*s = *pfsd_transport_stats(u->t);
}

static uint64_t uc_proc_drops(const void *impl)
{
	const struct tp_ucast *u = impl;

	return pfsd_transport_proc_drops(u->t);
}

/* The whole first (what it drops), then one section per peer. */
static size_t uc_sections(const void *impl, struct pfsd_tp_section *s,
			  size_t max)
{
	const struct tp_ucast *u = impl;

	if (max == 0)
		return 0;
	memset(s, 0, sizeof(*s));
	snprintf(s->head, sizeof(s->head), "unicast: peers");
	s->head_key = "unicast_peers";
	s->head_v = (unsigned)u->ps.n;
	s->metric = "pfsyncd_unicast_dropped_total";
	s->help = "Unicast cluster (peer lines): packets from no peer "
		  "dropped, replies to a former peer refused.";
	pfsd_tp_line_add(s, "unicast_unknown", "packets from no peer dropped",
			 "unknown_source", u->unknown);
	pfsd_tp_line_add(s, "unicast_not_peer",
			 "replies to a former peer refused", "not_peer",
			 u->not_peer);
	return 1 + pfsd_peerstat_sections(&u->ps, u->pa, s + 1, max - 1);
}

const struct pfsd_tp_ops pfsd_tp_ucast_ops = {
    .name = "unicast",
    .carrier = "IP protocol 240",
    .hdr = 0,
    .devless = false,
    .open = uc_open,
    .close = uc_close,
    .reconf = uc_reconf,
    .send = uc_send,
    .flush = uc_flush,
    .over6 = uc_over6,
    .tap_addr = uc_tap_addr,
    .mtu = uc_mtu,
    .rcvbuf = uc_rcvbuf,
    .stats = uc_stats,
    .proc_drops = uc_proc_drops,
    .sections = uc_sections,
};
