/*
 * ctwr.c - batched, unacknowledged ctnetlink writes (see ctwr.h).
 *
 * Two request arrays: `q` holds the requests whose messages sit in `buf`
 * (the next batch), `fl` the batch in flight while its errors are read.
 * Second forms are queued into `q` while `fl` is walked; the buffer has
 * room for them on top of a full batch.
 *
 * Requests wait in `pend`, a ring that grows (up to pend_max, at most
 * CTWR_PEND_MAX), until
 * the pump moves them into a batch: the sync socket is read at the pace
 * packets come, and the kernel is written at the pace it takes, so a
 * burst waits here (about 150 B a request) rather than in the socket's
 * buffer, where the kernel would drop it.  A full ring writes at once.
 * A state already waiting is not queued twice: its request takes the
 * newer entry and kind in place (coalesced), found through `ix`, an
 * open-addressing index of ring positions by (id, creator) whose stale
 * slots (positions already sent) are reused.  A slot holds the position
 * + 1 in its low CTWR_IX_POSBITS bits and 16 more bits of the hash above
 * them, so a probe reads a request (a cache miss: the ring is large in a
 * burst) only when those bits match (after 2^48 requests, nine years of
 * a million a second, slots look stale: no more coalescing, still
 * correct).  It is hashed under a random key of
 * its own (ids come from peers: with a known hash they could be chosen
 * to share one probe chain, each put then walking all of it).  An empty
 * ring is freed, so the memory of a burst goes back once it is written.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ctwr.h"
#include "pfsync/hash.h"

#define CTWR_MAXREQ  1024 /* requests per batch */
#define CTWR_QCAP    (2 * CTWR_MAXREQ)
#define CTWR_BUFCAP  (3 * PFSD_CTWR_BATCH)
#define CTWR_RXBUF   (64 * 1024)
#define CTWR_SOCKBUF (4 * 1024 * 1024)
#define CTWR_ROUNDS  3 /* batches per flush: first forms, second forms */
#define CTWR_PUMP    2 /* batches per pump (each wakeup of the loop) */
#define CTWR_PUMP_MAX 16   /* ... while more than CTWR_PEND_LOW wait */
#define CTWR_PEND_LOW 8192
#define CTWR_PEND_MIN 1024
#define CTWR_PEND_MAX (1u << 22) /* the bound's ceiling (~700 MB) */
#define CTWR_IX_POSBITS 48 /* a slot: position + 1, then a fingerprint */
#define CTWR_IX_POS	((UINT64_C(1) << CTWR_IX_POSBITS) - 1)

struct pfsd_ctwr {
	struct mnl_socket *nl;
	uint32_t portid, seq;
	pfsd_ctwr_done_cb done;
	void *arg;
	struct pfsd_ctwr_req *q, *fl;
	size_t nq, nfl;
	struct pfsd_ctwr_req *pend; /* ring: waiting for a batch */
	size_t phead, pcount, pcap;
	size_t pend_max;	    /* pcap grows to this at most */
	uint64_t head_pos;	    /* ring position of pend[phead] */
	uint64_t *ix;		    /* position + 1 by (id, creator); 0 free */
	size_t ixcap, ixused;
	struct pfs_hashkey hk;	    /* ix's secret */
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

/* A random key for the index's hash, drawn once. */
static void ctwr_key(struct pfsd_ctwr *w)
{
	uint8_t key[PFS_HASHKEY_LEN];

	randombytes_buf(key, sizeof(key));
	pfs_hashkey_set(&w->hk, key);
	sodium_memzero(key, sizeof(key));
}

struct pfsd_ctwr *pfsd_ctwr_new(pfsd_ctwr_done_cb done, void *arg)
{
	struct pfsd_ctwr *w = calloc(1, sizeof(*w));

	if (w == NULL)
		return NULL;
	w->done = done;
	w->arg = arg;
	w->pend_max = w->st.pend_bound = CTWR_PEND_MAX;
	ctwr_key(w);
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
	free(w->pend);
	free(w->ix);
	free(w->q);
	free(w->fl);
	free(w->buf);
	free(w->rx);
	sodium_memzero(&w->hk, sizeof(w->hk));
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
	case PFSD_CTWR_LIBERAL:
		return pfsd_ctmap_build_liberal(at, room, e, r->seq);
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

/* The batch has room for one more first form. */
static bool ctwr_room(const struct pfsd_ctwr *w)
{
	return w->len < PFSD_CTWR_BATCH && w->nq < CTWR_MAXREQ;
}

/* ---- the index of waiting requests by state ----------------------------*/

static uint64_t ctwr_ix_hash(const struct pfsd_ctwr *w, uint64_t id,
			     uint32_t creator)
{
	return pfs_hash2(&w->hk, id, creator);
}

/* The bits of a hash a slot keeps beside the position. */
static uint64_t ctwr_ix_fp(uint64_t h)
{
	return h & ~CTWR_IX_POS;
}

/* The ring position a slot names (slot nonzero). */
static uint64_t ctwr_ix_pos(uint64_t slot)
{
	return (slot & CTWR_IX_POS) - 1;
}

/* Ring position pos is still waiting (not sent). */
static bool ctwr_waits(const struct pfsd_ctwr *w, uint64_t pos)
{
	return pos >= w->head_pos && pos - w->head_pos < w->pcount;
}

/* The waiting request at ring position pos, NULL once it left (pcap is
 * a power of two). */
static struct pfsd_ctwr_req *ctwr_at(const struct pfsd_ctwr *w, uint64_t pos)
{
	if (!ctwr_waits(w, pos))
		return NULL;
	return &w->pend[(w->phead + (pos - w->head_pos)) & (w->pcap - 1)];
}

/* The request of (id, creator) still waiting, or NULL. */
static struct pfsd_ctwr_req *ctwr_ix_find(const struct pfsd_ctwr *w,
					  uint64_t id, uint32_t creator)
{
	uint64_t h, fp;
	size_t j, n;

	if (w->ixcap == 0)
		return NULL;
	h = ctwr_ix_hash(w, id, creator);
	fp = ctwr_ix_fp(h);
	for (j = (size_t)h & (w->ixcap - 1), n = 0;
	     w->ix[j] != 0 && n < w->ixcap; j = (j + 1) & (w->ixcap - 1), n++) {
		struct pfsd_ctwr_req *r;

		if (ctwr_ix_fp(w->ix[j]) != fp)
			continue;
		r = ctwr_at(w, ctwr_ix_pos(w->ix[j]));
		if (r != NULL && r->id == id && r->creatorid == creator)
			return r;
	}
	return NULL;
}

/* Index the request at pos: the first free or stale slot on its path. */
static void ctwr_ix_add(struct pfsd_ctwr *w, uint64_t pos)
{
	const struct pfsd_ctwr_req *r = ctwr_at(w, pos);
	uint64_t h = ctwr_ix_hash(w, r->id, r->creatorid);
	size_t j = (size_t)h & (w->ixcap - 1);

	while (w->ix[j] != 0 && ctwr_waits(w, ctwr_ix_pos(w->ix[j])))
		j = (j + 1) & (w->ixcap - 1);
	if (w->ix[j] == 0)
		w->ixused++;
	w->ix[j] = ctwr_ix_fp(h) | ((pos + 1) & CTWR_IX_POS);
}

/* Index the waiting requests anew (stale slots gone); -1 without memory. */
static int ctwr_ix_rebuild(struct pfsd_ctwr *w, size_t cap)
{
	uint64_t *ix = calloc(cap, sizeof(*ix));
	size_t i;

	if (ix == NULL)
		return -1;
	free(w->ix);
	w->ix = ix;
	w->ixcap = cap;
	w->ixused = 0;
	for (i = 0; i < w->pcount; i++)
		ctwr_ix_add(w, w->head_pos + i);
	return 0;
}

/* ---- the ring of waiting requests ---------------------------------------*/

/* The ring emptied: give a burst's memory back. */
static void ctwr_shrink(struct pfsd_ctwr *w)
{
	if (w->pcount != 0 || w->pcap <= CTWR_PEND_MIN)
		return;
	free(w->pend);
	free(w->ix);
	w->pend = NULL;
	w->ix = NULL;
	w->pcap = w->ixcap = w->ixused = 0;
	w->phead = 0;
}

/* Move waiting requests into the batch while it has room; one that
 * cannot be built is reported failed at once. */
static void ctwr_fill(struct pfsd_ctwr *w)
{
	while (w->pcount > 0 && ctwr_room(w)) {
		struct pfsd_ctwr_req *r = &w->pend[w->phead];

		w->phead = (w->phead + 1) & (w->pcap - 1);
		w->pcount--;
		w->head_pos++;
		if (ctwr_queue(w, &r->e, (enum pfsd_ctwr_kind)r->kind, r->id,
			       r->creatorid) == -1) {
			r->err = -errno;
			w->done(w->arg, r);
		}
	}
	ctwr_shrink(w);
}

/* Make room for one more waiting request: the ring doubles, unwrapped,
 * and its index with it. */
static int ctwr_grow(struct pfsd_ctwr *w)
{
	size_t cap = w->pcap ? 2 * w->pcap : CTWR_PEND_MIN, i;
	struct pfsd_ctwr_req *p;

	if (cap > w->pend_max)
		return -1;
	p = malloc(cap * sizeof(*p));
	if (p == NULL)
		return -1;
	for (i = 0; i < w->pcount; i++)
		p[i] = w->pend[(w->phead + i) & (w->pcap - 1)];
	free(w->pend);
	w->pend = p;
	w->pcap = cap;
	w->phead = 0;
	if (cap > w->st.pend_cap)
		w->st.pend_cap = cap;
	if (ctwr_ix_rebuild(w, 2 * cap) == -1) {
		free(w->ix); /* no index: no coalescing, still correct */
		w->ix = NULL;
		w->ixcap = w->ixused = 0;
	}
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

/*
 * A write refused for its helper (EOPNOTSUPP: the helper is not in this
 * kernel, or the entry exists without one; EBUSY: it has another) goes
 * again without it: the kernel sets a helper only when it creates the
 * entry, and the connection matters more than its helper.
 */
static bool ctwr_unhelp(struct pfsd_ctwr *w, const struct pfsd_ctwr_req *r)
{
	struct pfsd_ct_entry e;

	if ((r->err != -EOPNOTSUPP && r->err != -EBUSY) ||
	    !(r->e.have & PFSD_CT_HAVE_HELPER))
		return false;
	e = r->e;
	e.have &= ~(unsigned)PFSD_CT_HAVE_HELPER;
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
		if ((r->kind == PFSD_CTWR_DELETE ||
		     r->kind == PFSD_CTWR_LIBERAL) &&
		    r->err == -ENOENT)
			r->err = 0; /* expired first: not a failure */
		if (ctwr_unlabel(w, r) || ctwr_unhelp(w, r))
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

/* Send up to `batches` batches of waiting requests; their second forms
 * go in a few more.  True when requests are still waiting. */
static bool ctwr_write(struct pfsd_ctwr *w, size_t batches)
{
	size_t i;
	int r;

	for (i = 0; i < batches && (w->pcount > 0 || w->nq > 0); i++) {
		ctwr_fill(w);
		if (w->nq > 0)
			ctwr_send(w);
	}
	for (r = 0; r < CTWR_ROUNDS && w->nq > 0; r++)
		ctwr_send(w);
	return w->pcount > 0;
}

void pfsd_ctwr_flush(struct pfsd_ctwr *w)
{
	(void)ctwr_write(w, SIZE_MAX);
}

bool pfsd_ctwr_pump(struct pfsd_ctwr *w)
{
	bool more = ctwr_write(w, CTWR_PUMP);
	size_t i;

	/* a backlog: batches until it is short (the sync socket is read
	 * between wakeups, the ring stays small and in the cache) */
	for (i = CTWR_PUMP;
	     more && w->pcount > CTWR_PEND_LOW && i < CTWR_PUMP_MAX; i++)
		more = ctwr_write(w, 1);
	return more;
}

int pfsd_ctwr_put(struct pfsd_ctwr *w, const struct pfsd_ct_entry *e,
		  enum pfsd_ctwr_kind kind, uint64_t id, uint32_t creatorid)
{
	struct pfsd_ctwr_req *r = ctwr_ix_find(w, id, creatorid);

	if (r != NULL && kind == PFSD_CTWR_LIBERAL) {
		w->st.coalesced++; /* the waiting write is liberal, or ends it */
		return 0;
	}
	if (r != NULL) { /* waiting already: the newer entry replaces it */
		r->e = *e;
		r->kind = (uint8_t)kind;
		w->st.coalesced++;
		return 0;
	}
	if (w->pcount == w->pcap && ctwr_grow(w) == -1) {
		w->st.full++; /* back-pressure: this wakeup waits on the kernel */
		(void)ctwr_write(w, 1);
		if (w->pcount == w->pcap) {
			ctwr_fill(w); /* q has room after a send */
			return ctwr_room(w) ?
				   ctwr_queue(w, e, kind, id, creatorid) :
				   (errno = ENOBUFS, -1);
		}
	}
	r = &w->pend[(w->phead + w->pcount) & (w->pcap - 1)];
	memset(r, 0, sizeof(*r));
	r->e = *e;
	r->kind = (uint8_t)kind;
	r->id = id;
	r->creatorid = creatorid;
	w->pcount++;
	if (w->ixcap != 0 && w->ixused >= w->ixcap - w->ixcap / 4)
		(void)ctwr_ix_rebuild(w, w->ixcap); /* stale slots out */
	if (w->ixcap != 0)
		ctwr_ix_add(w, w->head_pos + w->pcount - 1);
	if (w->pcount > w->st.pend_max)
		w->st.pend_max = w->pcount;
	return 0;
}

size_t pfsd_ctwr_waiting(const struct pfsd_ctwr *w)
{
	return w->pcount;
}

void pfsd_ctwr_set_max(struct pfsd_ctwr *w, size_t n)
{
	size_t cap = CTWR_PEND_MIN;

	while (cap < n && cap < CTWR_PEND_MAX)
		cap *= 2;
	w->pend_max = w->st.pend_bound = cap;
}

size_t pfsd_ctwr_ix_probe_max(const struct pfsd_ctwr *w)
{
	size_t i, run = 0, max = 0;

	for (i = 0; i < w->ixcap; i++) {
		run = w->ix[i] == 0 ? 0 : run + 1;
		max = run > max ? run : max;
	}
	return max;
}
