/*
 * ctwr.c - batched, unacknowledged ctnetlink writes (see ctwr.h).
 *
 * Two request arrays: `q` holds the requests whose messages sit in `buf`
 * (the next batch), `fl` the batch in flight while its errors are read.
 * Second forms are queued into `q` while `fl` is walked; the buffer has
 * room for them on top of a full batch.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ctwr.h"

#define CTWR_MAXREQ  1024 /* requests per batch */
#define CTWR_QCAP    (2 * CTWR_MAXREQ)
#define CTWR_BUFCAP  (3 * PFSD_CTWR_BATCH)
#define CTWR_RXBUF   (64 * 1024)
#define CTWR_SOCKBUF (4 * 1024 * 1024)
#define CTWR_ROUNDS  3 /* batches per flush: first forms, second forms */

struct pfsd_ctwr {
	struct mnl_socket *nl;
	uint32_t portid, seq;
	pfsd_ctwr_done_cb done;
	void *arg;
	struct pfsd_ctwr_req *q, *fl;
	size_t nq, nfl;
	uint8_t *buf, *rx;
	size_t len;
	struct pfsd_ctwr_stats st;
};

static void ctwr_sockbufs(int fd)
{
	int v = CTWR_SOCKBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
}

static int ctwr_open(struct pfsd_ctwr *w)
{
	int one = 1;

	w->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (w->nl == NULL)
		return -1;
	if (mnl_socket_bind(w->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	/* errors carry only the failed message's header, not all of it */
	(void)mnl_socket_setsockopt(w->nl, NETLINK_CAP_ACK, &one, sizeof(one));
	ctwr_sockbufs(mnl_socket_get_fd(w->nl));
	w->portid = mnl_socket_get_portid(w->nl);
	return 0;
}

struct pfsd_ctwr *pfsd_ctwr_new(pfsd_ctwr_done_cb done, void *arg)
{
	struct pfsd_ctwr *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->done = done;
	w->arg = arg;
	w->q = calloc(CTWR_QCAP, sizeof(*w->q));
	w->fl = calloc(CTWR_QCAP, sizeof(*w->fl));
	w->buf = malloc(CTWR_BUFCAP);
	w->rx = malloc(CTWR_RXBUF);
	if (w->q == NULL || w->fl == NULL || w->buf == NULL || w->rx == NULL ||
	    ctwr_open(w) == -1) {
		pfsd_ctwr_free(w);
		return NULL;
	}
	return w;
}

void pfsd_ctwr_free(struct pfsd_ctwr *w)
{
	if (w == NULL)
		return;
	if (w->nl != NULL)
		mnl_socket_close(w->nl);
	free(w->q);
	free(w->fl);
	free(w->buf);
	free(w->rx);
	free(w);
}

uint32_t pfsd_ctwr_portid(const struct pfsd_ctwr *w)
{
	return w->portid;
}

const struct pfsd_ctwr_stats *pfsd_ctwr_stats(const struct pfsd_ctwr *w)
{
	return &w->st;
}

/* The message of one request form, appended to buf: its length or 0. */
static size_t ctwr_build(struct pfsd_ctwr *w, const struct pfsd_ctwr_req *r)
{
	void *at = w->buf + w->len;
	size_t room = CTWR_BUFCAP - w->len;
	const struct pfsd_ct_entry *e = &r->e;

	switch (r->kind) {
	case PFSD_CTWR_UPSERT:
		return pfsd_ctmap_build_new(at, room, e, NLM_F_CREATE, false,
					    r->seq);
	case PFSD_CTWR_CREATE_NAT:
	case PFSD_CTWR_CREATE:
		return pfsd_ctmap_build_new(
		    at, room, e, NLM_F_CREATE | NLM_F_EXCL, true, r->seq);
	case PFSD_CTWR_UPDATE_NAT:
	case PFSD_CTWR_UPDATE:
		return pfsd_ctmap_build_new(at, room, e, 0, false, r->seq);
	case PFSD_CTWR_DELETE:
		return pfsd_ctmap_build_delete(at, room, e, 0, r->seq);
	}
	return 0;
}

/* Append one request to the next batch (room is the caller's check). */
static int ctwr_queue(struct pfsd_ctwr *w, const struct pfsd_ct_entry *e,
		      enum pfsd_ctwr_kind kind, uint64_t id, uint32_t creator)
{
	struct pfsd_ctwr_req *r = &w->q[w->nq];
	size_t n;

	r->e = *e;
	r->kind = (uint8_t)kind;
	r->id = id;
	r->creatorid = creator;
	r->err = 0;
	r->seq = ++w->seq;
	n = ctwr_build(w, r);
	if (n == 0) {
		errno = EMSGSIZE;
		return -1;
	}
	w->len += n;
	w->nq++;
	return 0;
}

/* The second form of a request that failed with err, if it has one. */
static int ctwr_second(uint8_t kind, int err)
{
	if (kind == PFSD_CTWR_CREATE_NAT && err == -EEXIST)
		return PFSD_CTWR_UPDATE;
	if (kind == PFSD_CTWR_UPDATE_NAT && err == -ENOENT)
		return PFSD_CTWR_CREATE;
	return -1;
}

/* One NLMSG_ERROR: the error of the in-flight request with its seq. */
static void ctwr_error(struct pfsd_ctwr *w, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *ne = mnl_nlmsg_get_payload(nlh);
	uint32_t first;

	if (w->nfl == 0 || nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ne)))
		return;
	first = w->fl[0].seq;
	if (nlh->nlmsg_seq - first < w->nfl && ne->error < 0)
		w->fl[nlh->nlmsg_seq - first].err = ne->error;
}

/* Read every error the batch left on the socket, never waiting. */
static void ctwr_drain(struct pfsd_ctwr *w)
{
	const struct nlmsghdr *nlh;
	ssize_t n;
	int len;

	for (;;) {
		n = recv(mnl_socket_get_fd(w->nl), w->rx, CTWR_RXBUF,
			 MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == ENOBUFS) {
			w->st.lost++; /* some results dropped: count, go on */
			continue;
		}
		if (n <= 0)
			return;
		len = (int)n;
		for (nlh = (const void *)w->rx; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			if (nlh->nlmsg_type == NLMSG_ERROR)
				ctwr_error(w, nlh);
	}
}

/*
 * A write refused for its labels (ENOSPC: no label rule is loaded in this
 * kernel, so its entries have no room for them) goes again without them:
 * the connection matters more than its labels.
 */
static bool ctwr_unlabel(struct pfsd_ctwr *w, const struct pfsd_ctwr_req *r)
{
	struct pfsd_ct_entry e;

	if (r->err != -ENOSPC || !(r->e.have & PFSD_CT_HAVE_LABELS))
		return false;
	e = r->e;
	e.have &= ~(unsigned)PFSD_CT_HAVE_LABELS;
	if (ctwr_queue(w, &e, (enum pfsd_ctwr_kind)r->kind, r->id,
		       r->creatorid) != 0)
		return false;
	w->st.retried++;
	return true;
}

/* Report the batch in flight; failed first forms go again. */
static void ctwr_report(struct pfsd_ctwr *w)
{
	struct pfsd_ctwr_req *r;
	size_t i;
	int k;

	for (i = 0; i < w->nfl; i++) {
		r = &w->fl[i];
		if (r->kind == PFSD_CTWR_DELETE && r->err == -ENOENT)
			r->err = 0; /* expired first: not a failure */
		if (ctwr_unlabel(w, r))
			continue;
		k = ctwr_second(r->kind, r->err);
		if (k >= 0 && ctwr_queue(w, &r->e, (enum pfsd_ctwr_kind)k,
					 r->id, r->creatorid) == 0) {
			w->st.retried++;
			continue;
		}
		w->done(w->arg, r);
	}
	w->nfl = 0;
}

static void ctwr_send(struct pfsd_ctwr *w)
{
	struct pfsd_ctwr_req *t = w->fl;
	ssize_t n;
	size_t i;

	w->fl = w->q;
	w->nfl = w->nq;
	w->q = t;
	w->nq = 0;
	do
		n = mnl_socket_sendto(w->nl, w->buf, w->len);
	while (n < 0 && errno == EINTR);
	w->len = 0;
	w->st.batches++;
	w->st.messages += w->nfl;
	if (n < 0) {
		w->st.lost++;
		for (i = 0; i < w->nfl; i++)
			w->fl[i].err = -errno;
	} else {
		ctwr_drain(w);
	}
	ctwr_report(w);
}

void pfsd_ctwr_flush(struct pfsd_ctwr *w)
{
	int i;

	for (i = 0; i < CTWR_ROUNDS && w->nq > 0; i++)
		ctwr_send(w);
}

int pfsd_ctwr_put(struct pfsd_ctwr *w, const struct pfsd_ct_entry *e,
		  enum pfsd_ctwr_kind kind, uint64_t id, uint32_t creatorid)
{
	if (w->len >= PFSD_CTWR_BATCH || w->nq >= CTWR_MAXREQ)
		pfsd_ctwr_flush(w);
	return ctwr_queue(w, e, kind, id, creatorid);
}
