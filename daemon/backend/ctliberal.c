/*
 * ctliberal.c - own TCP entries made liberal on a bulk request (see
 * ctliberal.h).
 *
 * A pass walks the mirror a slice per loop turn (CTLIB_SLICE states, a
 * timer at "now" brings the next), asks the kernel for each of our TCP
 * states by a GET of its tuple, batched on a socket of its own
 * (ctget.h), and queues a LIBERAL
 * write for each entry that comes back strict in either direction.  A
 * GET answered ENOENT is an entry gone meanwhile: nothing to do.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/table.h"

#include "ctget.h"
#include "ctliberal.h"
#include "os/log.h"
#include "loop.h"

#define CTLIB_SLICE	4096 /* mirror states walked per loop turn */
#define CTLIB_RCVBUF	(4 * 1024 * 1024)

struct pfsd_ctlib {
	struct pfsd_ctlib_env env;
	struct mnl_socket *nl;
	int timer_id;
	bool busy;
	bool logged; /* a refused write logged */
	size_t cur;  /* the walk's cursor */
	struct pfsd_ctget *getq; /* batched GETs on nl */
	struct pfsd_ctlib_stats st;
};

bool pfsd_ctlib_due(const struct pfs_state *s, uint32_t hostid)
{
	return s->proto == IPPROTO_TCP && s->creatorid == hostid;
}

bool pfsd_ctlib_wants(const struct pfsd_ct_entry *e)
{
	return e->orig.ok && e->orig.proto == IPPROTO_TCP &&
	       (e->have & PFSD_CT_HAVE_TCP) &&
	       !(e->flags_orig & e->flags_reply & IP_CT_TCP_FLAG_BE_LIBERAL);
}

/* One answer of a GET batch (ctget.h): the entry (strict: queue the
 * write), or an error (ENOENT: gone meanwhile). */
static void ctlib_reply(void *arg, uint64_t id, uint32_t creatorid,
			const struct nlmsghdr *nlh)
{
	struct pfsd_ctlib *l = arg;
	struct pfsd_ct_entry e;

	if (nlh->nlmsg_type == NLMSG_ERROR)
		return;
	if (pfsd_ctmap_parse(nlh, nlh->nlmsg_len, &e) < 0)
		return;
	l->st.checked++;
	if (!pfsd_ctlib_wants(&e)) {
		l->st.already++;
		return;
	}
	if (pfsd_ctwr_put(l->env.w, &e, PFSD_CTWR_LIBERAL, id,
			  creatorid) == 0)
		l->st.made++;
	else
		l->st.failed++;
}

static void ctlib_tick(void *arg);

static void ctlib_arm(struct pfsd_ctlib *l)
{
	if (l->timer_id > 0)
		return;
	l->timer_id =
	    pfsd_loop_timer_add(l->env.loop, pfsd_now_ms(), ctlib_tick, l);
	if (l->timer_id < 0) {
		log_warn("conntrack liberal pass: timer");
		l->timer_id = 0;
		l->busy = false;
	}
}

/* One slice of the pass; the next comes at once until the walk ends. */
static void ctlib_tick(void *arg)
{
	struct pfsd_ctlib *l = arg;
	uint32_t hostid = pfs_engine_conf(l->env.engine)->hostid;
	const struct pfs_state *s = NULL;
	size_t i;

	l->timer_id = 0;
	for (i = 0; i < CTLIB_SLICE; i++) {
		s = pfs_table_next(l->env.table, &l->cur);
		if (s == NULL)
			break;
		if (pfsd_ctlib_due(s, hostid))
			(void)pfsd_ctget_put(l->getq, l->env.table, s);
	}
	pfsd_ctget_flush(l->getq);
	if (s != NULL) {
		ctlib_arm(l);
		return;
	}
	l->busy = false;
	log_debug("conntrack liberal pass: %llu read back, %llu made "
		  "liberal, %llu liberal already (in all)",
		  (unsigned long long)l->st.checked,
		  (unsigned long long)l->st.made,
		  (unsigned long long)l->st.already);
}

void pfsd_ctlib_start(struct pfsd_ctlib *l)
{
	if (l == NULL)
		return;
	l->st.passes++;
	l->cur = 0;
	l->busy = true;
	ctlib_arm(l);
}

bool pfsd_ctlib_busy(const struct pfsd_ctlib *l)
{
	return l != NULL && l->busy;
}

void pfsd_ctlib_done(struct pfsd_ctlib *l, const struct pfsd_ctwr_req *r)
{
	if (l == NULL || r->err == 0)
		return;
	l->st.failed++;
	if (l->logged)
		return;
	l->logged = true;
	log_warnx("conntrack liberal (state %016llx/%08x): %s (logged once)",
		  (unsigned long long)r->id, r->creatorid, strerror(-r->err));
}

const struct pfsd_ctlib_stats *pfsd_ctlib_stats(const struct pfsd_ctlib *l)
{
	return l == NULL ? NULL : &l->st;
}

static int ctlib_open(struct pfsd_ctlib *l)
{
	int v = CTLIB_RCVBUF, fd;

	l->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (l->nl == NULL)
		return -1;
	if (mnl_socket_bind(l->nl, 0, MNL_SOCKET_AUTOPID) < 0)
		return -1;
	fd = mnl_socket_get_fd(l->nl);
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
	return 0;
}

struct pfsd_ctlib *pfsd_ctlib_new(const struct pfsd_ctlib_env *env)
{
	struct pfsd_ctlib *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	l->env = *env;
	if (ctlib_open(l) == -1 ||
	    (l->getq = pfsd_ctget_new(l->nl, "conntrack liberal pass",
				      ctlib_reply, l)) == NULL) {
		log_warn("conntrack liberal pass: socket");
		pfsd_ctlib_free(l);
		return NULL;
	}
	return l;
}

void pfsd_ctlib_free(struct pfsd_ctlib *l)
{
	if (l == NULL)
		return;
	if (l->timer_id > 0)
		pfsd_loop_timer_cancel(l->env.loop, l->timer_id);
	pfsd_ctget_free(l->getq);
	if (l->nl != NULL)
		mnl_socket_close(l->nl);
	free(l);
}
