/*
 * tp_raw.c - the raw transports behind the ops table (tp.h): IP
 * protocol 240 over IPv4, and with raw6 over IPv6 as well (the group
 * and the IPv6 peers' keys over IPv6, IPv4 addresses over IPv4), both
 * on the sockets of transport.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/wire_v3.h"

#include "net/peeraddr.h"
#include "net/tp.h"
#include "net/transport.h"

struct tp_raw {
	struct pfsd_transport *t;
};

static void *tpr_open(const struct pfsd_tp_conf *tc, bool v6)
{
	struct tp_raw *r = calloc(1, sizeof(*r));
	int saved;

	if (r == NULL)
		return NULL;
	r->t = pfsd_transport_new(tc->loop, tc->c->syncdev, tc->rcvbuf, tc->cb,
				  tc->arg);
	if (r->t != NULL &&
	    (!v6 || pfsd_transport_set_inet6(r->t, tc->group6, tc->pa,
					     tc->rcvbuf) == 0) &&
	    (!tc->bind_dev || pfsd_transport_bind_dev(r->t) == 0))
		return r;
	saved = errno;
	pfsd_transport_free(r->t);
	free(r);
	errno = saved;
	return NULL;
}

static void *tpr_open4(const struct pfsd_tp_conf *tc)
{
	return tpr_open(tc, false);
}

static void *tpr_open6(const struct pfsd_tp_conf *tc)
{
	return tpr_open(tc, true);
}

static void tpr_close(void *impl)
{
	struct tp_raw *r = impl;

	pfsd_transport_free(r->t);
	free(r);
}

static int tpr_reconf(void *impl, const struct pfsd_tp_conf *tc)
{
	struct tp_raw *r = impl;

	if (pfsd_transport_rcvbuf(r->t) == 2 * tc->rcvbuf)
		return 0;
	return pfsd_transport_set_rcvbuf(r->t, tc->rcvbuf);
}

static int tpr_send(void *impl, const uint8_t *p, size_t len, uint32_t dst)
{
	struct tp_raw *r = impl;

	/* queued: sent with one sendmmsg per wakeup (pfsd_tp_flush) */
	return pfsd_transport_queue(r->t, p, len, dst);
}

static unsigned tpr_flush(void *impl)
{
	struct tp_raw *r = impl;

	return pfsd_transport_flush(r->t) + pfsd_transport_take_failures(r->t);
}

static bool tpr_over6(const void *impl, uint32_t dst)
{
	const struct tp_raw *r = impl;

	return pfsd_transport_inet6(r->t) &&
	       (dst == PFS_V3_GROUP || pfsd_peeraddr_is_key(dst));
}

int pfsd_tp_raw_addr(const struct pfsd_transport *t, uint32_t dst,
		     struct pfsd_tp_addr *a)
{
	if (pfsd_transport_addr6(t, dst, a->src6, a->dst6) == 0) {
		a->v6 = true;
		return 0;
	}
	a->v6 = false;
	a->src4 = pfsd_transport_src(t);
	return 0;
}

static int tpr_tap_addr(const void *impl, uint32_t dst, struct pfsd_tp_addr *a)
{
	const struct tp_raw *r = impl;

	return pfsd_tp_raw_addr(r->t, dst, a);
}

static unsigned tpr_mtu(const void *impl)
{
	const struct tp_raw *r = impl;

	return pfsd_transport_mtu(r->t);
}

static unsigned tpr_rcvbuf(const void *impl)
{
	const struct tp_raw *r = impl;

	return pfsd_transport_rcvbuf(r->t);
}

static void tpr_stats(const void *impl, struct pfsd_tp_stats *s)
{
	const struct tp_raw *r = impl;

	*s = *pfsd_transport_stats(r->t);
}

static uint64_t tpr_proc_drops(const void *impl)
{
	const struct tp_raw *r = impl;

	return pfsd_transport_proc_drops(r->t);
}

#define TPR_OPS(nm, op)                                                        \
	{                                                                      \
		.name = nm, .carrier = "IP protocol 240", .hdr = 0,            \
		.open = op, .close = tpr_close, .reconf = tpr_reconf,          \
		.send = tpr_send, .flush = tpr_flush, .over6 = tpr_over6,      \
		.tap_addr = tpr_tap_addr, .mtu = tpr_mtu,                      \
		.rcvbuf = tpr_rcvbuf, .stats = tpr_stats,                      \
		.proc_drops = tpr_proc_drops, .sections = NULL,                \
	}

const struct pfsd_tp_ops pfsd_tp_raw4_ops = TPR_OPS("raw4", tpr_open4);
const struct pfsd_tp_ops pfsd_tp_raw6_ops = TPR_OPS("raw6", tpr_open6);
