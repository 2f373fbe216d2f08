/*
 * ctexp.c - conntrack expectations to and from pfsyncd peers (ctexp.h).
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "ctexp.h"
#include "ctexpmap.h"
#include "ctnl.h"
#include "os/log.h"
#include "loop.h"

struct ctexp_held {
	struct pfs_xexp x;
	uint64_t until_ms;
};

struct ctexp_reread {
	struct pfs_xexp_tuple master;
	uint8_t af;
	uint16_t zone;
	uint64_t at_ms;
};

struct pfsd_ctexp {
	struct pfsd_ctexp_env env;
	struct mnl_socket *ev, *wr;
	uint32_t wr_portid;
	uint32_t seq;
	struct ctexp_held held[PFSD_CTEXP_HELD_MAX];
	size_t nheld;
	int timer; /* retry timer, 0 when none */
	struct ctexp_reread rr[PFSD_CTEXP_REREAD_MAX];
	size_t nrr;
	int rr_timer; /* re-read timer, 0 when none */
	bool logged[256];
	struct pfsd_ctexp_stats st;
};

static const struct pfsd_ctexp_stats ctexp_zero;

/* ---- kernel -> peers ----------------------------------------------------*/

static int ctexp_request(struct pfsd_ctexp *c, const void *msg, size_t len);

/* GET the master's entry and hand the answer to the conntrack backend. */
static void ctexp_get_master(struct pfsd_ctexp *c, const struct ctexp_reread *r)
{
	uint8_t msg[PFSD_CTMAP_MSG_MAX], buf[8192];
	struct pfsd_ct_entry e;
	const struct nlmsghdr *nlh = (const void *)buf;
	size_t len;
	ssize_t n;

	memset(&e, 0, sizeof(e));
	e.af = r->af == 2 ? AF_INET : AF_INET6;
	e.orig.src = r->master.src;
	e.orig.dst = r->master.dst;
	e.orig.sport = r->master.sport;
	e.orig.dport = r->master.dport;
	e.orig.proto = r->master.proto;
	e.orig.ok = 1;
	e.zone = r->zone;
	if (r->zone != 0)
		e.have |= PFSD_CT_HAVE_ZONE;
	len = pfsd_ctmap_build_get(msg, sizeof(msg), &e, ++c->seq);
	if (len == 0 || mnl_socket_sendto(c->wr, msg, len) < 0)
		return;
	n = recv(mnl_socket_get_fd(c->wr), buf, sizeof(buf), MSG_DONTWAIT);
	if (n < (ssize_t)sizeof(*nlh) || nlh->nlmsg_len > (size_t)n ||
	    nlh->nlmsg_type == NLMSG_ERROR)
		return;
	c->st.reread++;
	pfsd_ctnl_reread(c->env.ct, nlh);
}

static void ctexp_reread_due(void *arg)
{
	struct pfsd_ctexp *c = arg;
	uint64_t now = pfsd_now_ms();
	size_t i = 0;

	c->rr_timer = 0;
	while (i < c->nrr) {
		if (c->rr[i].at_ms > now) {
			i++;
			continue;
		}
		ctexp_get_master(c, &c->rr[i]);
		c->rr[i] = c->rr[--c->nrr];
	}
	if (c->nrr > 0)
		c->rr_timer = pfsd_loop_timer_add(
		    c->env.loop, now + PFSD_CTEXP_REREAD_MS, ctexp_reread_due, c);
	if (c->rr_timer < 0)
		c->rr_timer = 0;
}

static void ctexp_reread_later(struct pfsd_ctexp *c, const struct pfs_xexp *x)
{
	struct ctexp_reread *r;

	if (c->nrr == PFSD_CTEXP_REREAD_MAX)
		return; /* the next event of the master carries it anyway */
	r = &c->rr[c->nrr++];
	r->master = x->master;
	r->af = x->af;
	r->zone = x->zone;
	r->at_ms = pfsd_now_ms() + PFSD_CTEXP_REREAD_MS;
	if (c->rr_timer == 0)
		c->rr_timer = pfsd_loop_timer_add(c->env.loop, r->at_ms,
						  ctexp_reread_due, c);
	if (c->rr_timer < 0)
		c->rr_timer = 0;
}

static void ctexp_event(struct pfsd_ctexp *c, const void *buf, size_t len)
{
	struct pfs_xexp x;
	uint32_t portid;

	c->st.events++;
	if (pfsd_ctexpmap_parse(buf, len, &x, &portid) < 0) {
		c->st.malformed++;
		return;
	}
	if (portid != 0 && portid == c->wr_portid) {
		c->st.own++; /* a peer's, written by us */
		return;
	}
	log_debug("conntrack expectation %s: proto %u port %u (master port "
		  "%u -> %u)",
		  x.op == PFS_XEXP_NEW ? "new" : "destroyed", x.tuple.proto,
		  x.tuple.dport, x.master.sport, x.master.dport);
	if (x.op == PFS_XEXP_NEW)
		ctexp_reread_later(c, &x);
	if (pfs_engine_expect_send(c->env.engine, &x, 1, pfsd_now_ms()) == 1)
		c->st.sent++;
	else
		c->st.unsent++;
}

static void ctexp_readable(void *arg, int fd, uint32_t events)
{
	struct pfsd_ctexp *c = arg;
	uint8_t buf[16384];
	const struct nlmsghdr *nlh;
	ssize_t n;
	int len;

	(void)fd;
	(void)events;
	for (;;) {
		n = recv(mnl_socket_get_fd(c->ev), buf, sizeof(buf),
			 MSG_DONTWAIT);
		if (n < 0 && errno == ENOBUFS) {
			c->st.enobufs++;
			continue;
		}
		if (n <= 0)
			return;
		len = (int)n;
		for (nlh = (const void *)buf; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			ctexp_event(c, nlh, nlh->nlmsg_len);
	}
}

/* ---- peers -> kernel ----------------------------------------------------*/

/* Send one request and read its ACK (ctnetlink answers inside the
 * send); 0 or -errno. */
static int ctexp_request(struct pfsd_ctexp *c, const void *msg, size_t len)
{
	uint8_t buf[8192];
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct nlmsgerr *err;
	ssize_t n;

	if (mnl_socket_sendto(c->wr, msg, len) < 0)
		return -errno;
	n = recv(mnl_socket_get_fd(c->wr), buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0)
		return -errno;
	if ((size_t)n < sizeof(*nlh) + sizeof(*err) ||
	    nlh->nlmsg_type != NLMSG_ERROR)
		return -EPROTO;
	err = mnl_nlmsg_get_payload(nlh);
	return err->error;
}

static int ctexp_write(struct pfsd_ctexp *c, const struct pfs_xexp *x)
{
	uint8_t msg[PFSD_CTEXPMAP_MSG_MAX];
	size_t len;
	int rc;

	if (x->op == PFS_XEXP_NEW)
		len = pfsd_ctexpmap_build_new(msg, sizeof(msg), x, ++c->seq);
	else
		len = pfsd_ctexpmap_build_delete(msg, sizeof(msg), x, ++c->seq);
	if (len == 0)
		return -EINVAL;
	rc = ctexp_request(c, msg, len);
	if (rc == -EEXIST && x->op == PFS_XEXP_NEW)
		rc = 0; /* there already */
	if (rc == -ENOENT && x->op == PFS_XEXP_DESTROY)
		rc = 0; /* gone already: used or expired */
	return rc;
}

static void ctexp_refused(struct pfsd_ctexp *c, int rc)
{
	unsigned i = (unsigned)-rc < 256 ? (unsigned)-rc : 0;

	c->st.refused++;
	if (c->logged[i])
		return;
	c->logged[i] = true;
	log_warnx("conntrack expectation write: %s (logged once)",
		  strerror(-rc));
}

static bool ctexp_same(const struct pfs_xexp *a, const struct pfs_xexp *b)
{
	return a->zone == b->zone && a->tuple.proto == b->tuple.proto &&
	       a->tuple.sport == b->tuple.sport &&
	       a->tuple.dport == b->tuple.dport &&
	       memcmp(&a->tuple.src, &b->tuple.src, sizeof(a->tuple.src)) ==
		   0 &&
	       memcmp(&a->tuple.dst, &b->tuple.dst, sizeof(a->tuple.dst)) == 0;
}

static void ctexp_unhold(struct pfsd_ctexp *c, size_t i)
{
	c->held[i] = c->held[--c->nheld];
}

static void ctexp_retry(void *arg);

static void ctexp_arm(struct pfsd_ctexp *c)
{
	uint64_t at = pfsd_now_ms() + PFSD_CTEXP_RETRY_MS;

	if (c->nheld == 0 || c->timer > 0)
		return;
	c->timer = pfsd_loop_timer_add(c->env.loop, at, ctexp_retry, c);
	if (c->timer < 0)
		c->timer = 0;
}

static void ctexp_hold(struct pfsd_ctexp *c, const struct pfs_xexp *x)
{
	uint64_t life = (uint64_t)x->timeout * 1000;

	if (c->nheld == PFSD_CTEXP_HELD_MAX) {
		ctexp_refused(c, -ENOSPC);
		return;
	}
	if (life > PFSD_CTEXP_HOLD_MS || life == 0)
		life = PFSD_CTEXP_HOLD_MS;
	c->held[c->nheld].x = *x;
	c->held[c->nheld].until_ms = pfsd_now_ms() + life;
	c->nheld++;
	c->st.held++;
	ctexp_arm(c);
}

static void ctexp_retry(void *arg)
{
	struct pfsd_ctexp *c = arg;
	uint64_t now = pfsd_now_ms();
	size_t i = 0;
	int rc;

	c->timer = 0;
	pfsd_ctnl_flush(c->env.ct);
	while (i < c->nheld) {
		rc = ctexp_write(c, &c->held[i].x);
		if (rc == -ENOENT && now < c->held[i].until_ms) {
			i++;
			continue;
		}
		if (rc == 0)
			c->st.written++;
		else
			ctexp_refused(c, rc);
		ctexp_unhold(c, i);
	}
	ctexp_arm(c);
}

void pfsd_ctexp_apply(struct pfsd_ctexp *c, const struct pfs_xexp *x)
{
	size_t i;
	int rc;

	if (c == NULL)
		return;
	c->st.received++;
	if (x->op == PFS_XEXP_DESTROY)
		for (i = 0; i < c->nheld; i++)
			if (ctexp_same(&c->held[i].x, x))
				ctexp_unhold(c, i--);
	pfsd_ctnl_flush(c->env.ct); /* the master's write goes first */
	rc = ctexp_write(c, x);
	if (rc == 0)
		c->st.written++;
	else if (rc == -ENOENT)
		ctexp_hold(c, x);
	else
		ctexp_refused(c, rc);
}

static bool ctexp_master_is(const struct pfs_xexp *x,
			    const struct pfsd_ct_entry *e)
{
	return x->master.proto == e->orig.proto &&
	       x->master.sport == e->orig.sport &&
	       x->master.dport == e->orig.dport &&
	       memcmp(&x->master.src, &e->orig.src, sizeof(e->orig.src)) == 0 &&
	       memcmp(&x->master.dst, &e->orig.dst, sizeof(e->orig.dst)) == 0;
}

void pfsd_ctexp_master_gone(struct pfsd_ctexp *c, const struct pfs_state *st)
{
	struct pfsd_ct_entry e;
	size_t i;

	if (c == NULL || c->nheld == 0 ||
	    pfsd_ctmap_from_state(st, 0, &e) == -1)
		return;
	for (i = 0; i < c->nheld; i++)
		if (ctexp_master_is(&c->held[i].x, &e)) {
			c->st.expired++;
			ctexp_unhold(c, i--);
		}
}

/* ---- setup --------------------------------------------------------------*/

static struct mnl_socket *ctexp_open(unsigned groups_bits)
{
	struct mnl_socket *s = mnl_socket_open(NETLINK_NETFILTER);

	if (s == NULL)
		return NULL;
	if (mnl_socket_bind(s, groups_bits, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(s);
		return NULL;
	}
	return s;
}

static int ctexp_subscribe(struct mnl_socket *s)
{
	int g[2] = {NFNLGRP_CONNTRACK_EXP_NEW, NFNLGRP_CONNTRACK_EXP_DESTROY};
	int i, bufsz = 1 << 20;

	for (i = 0; i < 2; i++)
		if (mnl_socket_setsockopt(s, NETLINK_ADD_MEMBERSHIP, &g[i],
					  sizeof(g[i])) < 0)
			return -1;
	if (setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVBUFFORCE,
		       &bufsz, sizeof(bufsz)) < 0)
		(void)setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_RCVBUF,
				 &bufsz, sizeof(bufsz));
	return 0;
}

struct pfsd_ctexp *pfsd_ctexp_new(const struct pfsd_ctexp_env *env)
{
	struct pfsd_ctexp *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->env = *env;
	c->ev = ctexp_open(0);
	c->wr = ctexp_open(0);
	if (c->ev == NULL || c->wr == NULL || ctexp_subscribe(c->ev) < 0 ||
	    pfsd_loop_add_fd(env->loop, mnl_socket_get_fd(c->ev), EPOLLIN,
			     ctexp_readable, c) < 0) {
		log_warn("conntrack expectations");
		pfsd_ctexp_free(c);
		return NULL;
	}
	c->wr_portid = mnl_socket_get_portid(c->wr);
	return c;
}

void pfsd_ctexp_free(struct pfsd_ctexp *c)
{
	if (c == NULL)
		return;
	if (c->timer > 0)
		pfsd_loop_timer_cancel(c->env.loop, c->timer);
	if (c->rr_timer > 0)
		pfsd_loop_timer_cancel(c->env.loop, c->rr_timer);
	if (c->ev != NULL) {
		pfsd_loop_del_fd(c->env.loop, mnl_socket_get_fd(c->ev));
		mnl_socket_close(c->ev);
	}
	if (c->wr != NULL)
		mnl_socket_close(c->wr);
	free(c);
}

const struct pfsd_ctexp_stats *pfsd_ctexp_stats(const struct pfsd_ctexp *c)
{
	return c == NULL ? &ctexp_zero : &c->st;
}

void pfsd_ctexp_keep_seqadj(const struct pfsd_ct_entry *e,
			    const struct pfs_table *t,
			    const struct pfs_state *m, struct pfs_stx *x)
{
	struct pfs_stx old;

	if ((e->have & PFSD_CT_HAVE_SEQADJ) || !pfs_table_xget(t, m, &old) ||
	    !(old.has & PFS_STX_SEQADJ))
		return;
	x->has |= PFS_STX_SEQADJ;
	memcpy(x->seqadj, old.seqadj, sizeof(x->seqadj));
}
