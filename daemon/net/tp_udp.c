/*
 * tp_udp.c - pfsync over UDP behind the ops table (tp.h), on the
 * sockets of udp.c.  What goes to the group or to the syncpeer goes to
 * every peer; a reply to one requester goes to it alone.  Each peer's
 * datagrams are counted (peerstat.h).
 *
 * A raw protocol-240 socket stays open beside the UDP one, as with the
 * raw transports: its syncdev gives the MTU and the pfsync0 copy's
 * addresses, and what arrives on it is counted and ignored (a forged
 * protocol 240 packet is not a way around the peers list).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/wire_v3.h"

#include "net/peerstat.h"
#include "net/tp.h"
#include "net/transport.h"
#include "net/udp.h"

struct tp_udp {
	struct pfsd_udp *u;
	struct pfsd_transport *raw; /* counted and ignored */
	struct pfsd_peeraddr *pa;   /* IPv6 peers' addresses, for the text */
	pfsd_tp_rx_cb cb;
	void *arg;
	uint32_t everyone;
	struct pfsd_peerstat ps; /* per peer */
	unsigned failed;	 /* failures beyond a send's own -1 */
};

/* udp.c hands on the peers' datagrams only: each counted by its peer. */
static void tpu_rx(void *arg, const uint8_t *pkt, size_t len,
		   const struct pfs_rx_meta *m)
{
	struct tp_udp *x = arg;
	struct pfsd_peerstat_ent *p = pfsd_peerstat_find(&x->ps, m->src);

	if (p != NULL)
		p->rx++;
	x->cb(x->arg, pkt, len, m);
}

static void tpu_raw_rx(void *arg, const uint8_t *pkt, size_t len,
		       const struct pfs_rx_meta *m)
{
	struct tp_udp *x = arg;

	(void)pkt;
	(void)len;
	(void)m;
	if (x->u != NULL)
		pfsd_udp_stats(x->u)->raw_ignored++;
}

/* UDP to IPv6 peers needs the IPv6 socket (kept once opened). */
static int tpu_inet6(struct tp_udp *x, const struct pfsd_tp_conf *tc)
{
	if (tc->c->npeers6 == 0 && !pfsd_conf_inet6(tc->c))
		return 0;
	return pfsd_udp_set_inet6(x->u, tc->pa);
}

static int tpu_reconf(void *impl, const struct pfsd_tp_conf *tc)
{
	struct tp_udp *x = impl;

	if (pfsd_transport_rcvbuf(x->raw) != 2 * tc->rcvbuf &&
	    pfsd_transport_set_rcvbuf(x->raw, tc->rcvbuf) == -1)
		return -1;
	if (tpu_inet6(x, tc) == -1)
		return -1;
	pfsd_udp_set_peers(x->u, tc->peers, tc->npeers);
	pfsd_peerstat_set(&x->ps, tc->peers, tc->npeers);
	x->everyone = tc->everyone;
	return 0;
}

static int tpu_open_raw(struct tp_udp *x, const struct pfsd_tp_conf *tc)
{
	x->raw = pfsd_transport_new(tc->loop, tc->c->syncdev, tc->rcvbuf,
				    tpu_raw_rx, x);
	if (x->raw == NULL)
		return -1;
	if (!pfsd_conf_inet6(tc->c))
		return 0;
	return pfsd_transport_set_inet6(x->raw, tc->group6, tc->pa, tc->rcvbuf);
}

static void tpu_close(void *impl)
{
	struct tp_udp *x = impl;

	pfsd_udp_free(x->u);
	pfsd_transport_free(x->raw);
	free(x);
}

static void *tpu_open(const struct pfsd_tp_conf *tc)
{
	struct tp_udp *x = calloc(1, sizeof(*x));
	int saved;

	if (x == NULL)
		return NULL;
	x->pa = tc->pa;
	x->cb = tc->cb;
	x->arg = tc->arg;
	if (tpu_open_raw(x, tc) == 0) {
		x->u = pfsd_udp_new(tc->loop, tc->c->udp_port, tc->c->syncdev,
				    tpu_rx, x);
		if (x->u != NULL && tpu_reconf(x, tc) == 0)
			return x;
	}
	saved = errno;
	tpu_close(x);
	errno = saved;
	return NULL;
}

/* One datagram to one address, counted by its peer if it is one. */
static int tpu_send_one(struct tp_udp *x, const uint8_t *p, size_t len,
			uint32_t dst)
{
	struct pfsd_peerstat_ent *e = pfsd_peerstat_find(&x->ps, dst);
	int rc = pfsd_udp_send(x->u, p, len, dst);

	if (e != NULL && rc == 0)
		e->tx++;
	else if (e != NULL)
		e->tx_err++;
	return rc;
}

static int tpu_send(void *impl, const uint8_t *p, size_t len, uint32_t dst)
{
	struct tp_udp *x = impl;
	unsigned n = 0;
	size_t i;

	if (dst != PFS_V3_GROUP && dst != x->everyone)
		return tpu_send_one(x, p, len, dst);
	for (i = 0; i < x->ps.n; i++)
		n += tpu_send_one(x, p, len, x->ps.p[i].key) == -1;
	if (n == 0)
		return 0;
	x->failed += n - 1;
	return -1;
}

static unsigned tpu_flush(void *impl)
{
	struct tp_udp *x = impl;
	unsigned n = x->failed;

	x->failed = 0;
	return n + pfsd_transport_flush(x->raw) +
	       pfsd_transport_take_failures(x->raw);
}

static bool tpu_over6(const void *impl, uint32_t dst)
{
	(void)impl;
	(void)dst;
	return false; /* the udp counters say it */
}

static int tpu_tap_addr(const void *impl, uint32_t dst, struct pfsd_tp_addr *a)
{
	const struct tp_udp *x = impl;

	return pfsd_tp_raw_addr(x->raw, dst, a);
}

static unsigned tpu_mtu(const void *impl)
{
	const struct tp_udp *x = impl;

	return pfsd_transport_mtu(x->raw);
}

static unsigned tpu_rcvbuf(const void *impl)
{
	const struct tp_udp *x = impl;

	return pfsd_transport_rcvbuf(x->raw);
}

static void tpu_stats(const void *impl, struct pfsd_tp_stats *s)
{
	const struct tp_udp *x = impl;

	*s = *pfsd_transport_stats(x->raw);
}

static uint64_t tpu_proc_drops(const void *impl)
{
	const struct tp_udp *x = impl;

	return pfsd_transport_proc_drops(x->raw);
}

static size_t tpu_sections(const void *impl, struct pfsd_tp_section *s,
			   size_t max)
{
	const struct tp_udp *x = impl;
	const struct pfsd_udp_stats *u = pfsd_udp_stats(x->u);

	if (max == 0)
		return 0;
	memset(s, 0, sizeof(*s));
	snprintf(s->head, sizeof(s->head), "udp: port");
	s->head_key = "udp_port";
	s->head_v = pfsd_udp_port(x->u);
	s->metric = "pfsyncd_udp_datagrams_total";
	s->help = "UDP transport datagrams, by what became of them.";
	pfsd_tp_line_add(s, "udp_rx", "datagrams received", "received", u->rx);
	pfsd_tp_line_add(s, "udp_unknown", "datagrams from no peer dropped",
			 "unknown_source", u->unknown);
	pfsd_tp_line_add(s, "udp_raw_ignored", "protocol 240 packets ignored",
			 "raw_ignored", u->raw_ignored);
	pfsd_tp_line_add(s, "udp_tx", "datagrams sent", "sent", u->tx);
	pfsd_tp_line_add(s, "udp_send_errors", "send failures", "send_error",
			 u->send_errors);
	return 1 + pfsd_peerstat_sections(&x->ps, x->pa, s + 1, max - 1);
}

const struct pfsd_tp_ops pfsd_tp_udp_ops = {
    .name = "udp",
    .carrier = "the UDP port",
    .hdr = 8,
    .devless = true, /* from the peers, on any interface */
    .open = tpu_open,
    .close = tpu_close,
    .reconf = tpu_reconf,
    .send = tpu_send,
    .flush = tpu_flush,
    .over6 = tpu_over6,
    .tap_addr = tpu_tap_addr,
    .mtu = tpu_mtu,
    .rcvbuf = tpu_rcvbuf,
    .stats = tpu_stats,
    .proc_drops = tpu_proc_drops,
    .sections = tpu_sections,
};
