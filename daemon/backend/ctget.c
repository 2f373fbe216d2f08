/*
 * ctget.c - batched GETs of conntrack entries (see ctget.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>

#include "ctget.h"
#include "ctmap.h"
#include "os/log.h"

#define CTGET_RXBUF (64 * 1024)

struct pfsd_ctget {
	struct mnl_socket *nl;
	const char *what;
	pfsd_ctget_cb cb;
	void *arg;
	uint32_t seq;
	struct { /* the GETs of one batch, by seq - seq of [0] */
		uint64_t id;
		uint32_t creatorid, seq;
	} gets[PFSD_CTGET_BATCH];
	size_t nget, glen;
	uint8_t gbuf[PFSD_CTGET_BATCH * PFSD_CTMAP_MSG_MAX];
	uint8_t rx[CTGET_RXBUF];
};

struct pfsd_ctget *pfsd_ctget_new(struct mnl_socket *nl, const char *what,
				  pfsd_ctget_cb cb, void *arg)
{
	struct pfsd_ctget *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->nl = nl;
	g->what = what;
	g->cb = cb;
	g->arg = arg;
	return g;
}

void pfsd_ctget_free(struct pfsd_ctget *g)
{
	free(g);
}

/* One answer, matched to its GET by sequence number. */
static void ctget_answer(struct pfsd_ctget *g, const struct nlmsghdr *nlh)
{
	uint32_t i = nlh->nlmsg_seq - g->gets[0].seq;

	if (g->nget == 0 || i >= g->nget)
		return;
	g->cb(g->arg, g->gets[i].id, g->gets[i].creatorid, nlh);
}

void pfsd_ctget_flush(struct pfsd_ctget *g)
{
	const struct nlmsghdr *nlh;
	ssize_t n;
	int len;

	if (g->nget == 0)
		return;
	if (mnl_socket_sendto(g->nl, g->gbuf, g->glen) < 0)
		log_warn("%s", g->what);
	/* the kernel answered every GET inside sendmsg */
	while ((n = recv(mnl_socket_get_fd(g->nl), g->rx, sizeof(g->rx),
			 MSG_DONTWAIT)) > 0 ||
	       (n < 0 && errno == ENOBUFS)) {
		len = (int)n;
		for (nlh = (const void *)g->rx; n > 0 && mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			ctget_answer(g, nlh);
	}
	g->nget = 0;
	g->glen = 0;
}

int pfsd_ctget_put(struct pfsd_ctget *g, const struct pfs_table *t,
		   const struct pfs_state *s)
{
	struct pfsd_ct_entry e;
	struct pfs_stx x;
	size_t n;

	(void)pfs_table_xget(t, s, &x); /* the zone finds it */
	if (pfsd_ctmap_from_state_x(s, &x, 0, &e) == -1)
		return -1;
	n = pfsd_ctmap_build_get(g->gbuf + g->glen, sizeof(g->gbuf) - g->glen,
				 &e, ++g->seq);
	if (n == 0)
		return -1;
	g->gets[g->nget].id = s->id;
	g->gets[g->nget].creatorid = s->creatorid;
	g->gets[g->nget].seq = g->seq;
	g->glen += n;
	if (++g->nget == PFSD_CTGET_BATCH)
		pfsd_ctget_flush(g);
	return 0;
}
