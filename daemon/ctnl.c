/*
 * ctnl.c - the conntrack backend: ctnetlink over libmnl (see ctnl.h).
 *
 * Two sockets.  `ev` is subscribed to the NEW/UPDATE/DESTROY groups, non
 * blocking, with a big SO_RCVBUFFORCE buffer, and read from the loop.
 * `wr` does the synchronous work: dumps, and writes acknowledged one by
 * one (NLM_F_ACK).  Its port id marks the events our writes cause, which
 * is how we avoid announcing back what a peer told us (as conntrackd).
 *
 * Refresh policy: the kernel sends no event when a timeout is refreshed,
 * so every PFSD_CTNL_REFRESH_MS the table is dumped and reconciled.  A
 * state is announced again when its TCP state or window scale changed,
 * or when its expiry moved forward by 5 s or more *and* the copy the
 * peers hold has less than half of the real remaining lifetime left.  So
 * an idle flow costs nothing, a busy UDP flow (120 s) is re-announced
 * about once a minute, a busy TCP flow (5 days) every 2.5 days, and a
 * peer's copy never expires while ours lives.  States in the mirror that
 * the dump no longer shows are removed (a lost DESTROY event).
 *
 * Identity across a restart of the daemon alone (the kernel keeps its
 * table, the mirror is lost).  A peer holds our states by (id, creator),
 * so a re-read entry must come back under the same pair, or the peer's
 * copy collides with it by flow key: its bulk UPD is refused, our entry
 * never gets its newer state (nor BE_LIBERAL), and our later updates go
 * out under an id the peer cannot place.  Two rules:
 *  - a local entry's id is derived from its CTA_ID (stable for the
 *    entry's life; pfsd_ctmap_state_id), the same in every life of the
 *    daemon; a counter id only when CTA_ID is missing or already held by
 *    another live state of ours (counted: id_taken);
 *  - the kernel does not remember who created an entry: one we injected
 *    for peer A comes back from the dump looking like ours.  Every entry
 *    the startup dump shows is therefore provisional (`prov`): when a
 *    peer's full state for the same flow key arrives under another id
 *    (its bulk update), the engine asks pfsd_ctnl_adopt and our state
 *    takes the peer's id and creator, then merges it as an update (and
 *    the write puts BE_LIBERAL on the kernel entry).  An entry we saw
 *    created (a NEW event) is never provisional, so two firewalls that
 *    both saw one flow keep their own states, as pf does.
 * A peer's update for a re-read entry of ours, found by id, is applied as
 * any peer's update: the dump has no sequence numbers, so a copy with
 * real ones (a pf peer) is newer; if our TCP state is ahead, the merge
 * calls the peer stale and we answer with our copy.
 */
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_compat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "pfsync/table.h"

#include "ctmap.h"
#include "ctnl.h"
#include "daemon.h"
#include "log.h"

#define CTNL_RCVBUF (16 * 1024 * 1024)
#define CTNL_RXBUF (64 * 1024)
#define CTNL_EV_BATCH 64      /* recvs per wakeup: others get a turn */
#define CTNL_RESYNC_MS 200    /* after an overrun */
#define CTNL_REFRESH_MIN_S 5

struct pfsd_ctnl {
	struct pfsd_daemon *d;
	struct mnl_socket *ev, *wr;
	uint32_t wr_portid;
	uint32_t seq;
	int timer_id;
	bool enobufs_logged;
	bool logged[PFSD_CTNL_ERRNO_MAX]; /* failure logged, per errno */
	struct pfs_table *shadow; /* peers' states we injected (for CLR) */
	struct pfs_table *prov;	  /* re-read at startup: may be a peer's */
	bool starting;		  /* the startup dump is running */
	const struct pfs_state **seen; /* mirror states a dump showed */
	size_t nseen, capseen;
	uint8_t *rx;
	struct pfsd_ctnl_stats st;
};

static void ctnl_arm(struct pfsd_ctnl *c, uint64_t in_ms);

/* ---- synchronous requests on `wr` -------------------------------------*/

static void ctnl_count(struct pfsd_ctnl *c, int err, const char *what,
		       const struct pfs_state *s)
{
	unsigned i = err < 0 ? (unsigned)-err : 0;

	if (err == 0) {
		c->st.ct_ok++;
		return;
	}
	c->st.ct_fail++;
	if (i >= PFSD_CTNL_ERRNO_MAX)
		i = 0;
	c->st.fail_errno[i]++;
	if (c->logged[i])
		return;
	c->logged[i] = true;
	log_warnx("conntrack %s (state %016llx/%08x): %s (logged once)", what,
		  (unsigned long long)s->id, s->creatorid, strerror(-err));
}

/* The ack of request seq: 0 or -errno.  Other messages are skipped. */
static int ctnl_ack(struct pfsd_ctnl *c, uint32_t seq)
{
	const struct nlmsghdr *nlh;
	const struct nlmsgerr *ne;
	ssize_t n;
	int len;

	for (;;) {
		n = mnl_socket_recvfrom(c->wr, c->rx, CTNL_RXBUF);
		if (n < 0)
			return errno == EAGAIN ? -ETIMEDOUT : -errno;
		len = (int)n;
		for (nlh = (const void *)c->rx; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len)) {
			if (nlh->nlmsg_seq != seq ||
			    nlh->nlmsg_type != NLMSG_ERROR)
				continue;
			if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ne)))
				return -EPROTO;
			ne = mnl_nlmsg_get_payload(nlh);
			return ne->error;
		}
	}
}

static int ctnl_request(struct pfsd_ctnl *c, const void *msg, size_t len)
{
	const struct nlmsghdr *nlh = msg;

	if (len == 0)
		return -EINVAL;
	if (mnl_socket_sendto(c->wr, msg, len) < 0)
		return -errno;
	return ctnl_ack(c, nlh->nlmsg_seq);
}

/* CT_NEW: create (EXCL) then update, or update then create. */
static int ctnl_put(struct pfsd_ctnl *c, const struct pfs_state *s,
		    bool create_first)
{
	struct pfsd_ct_entry e;
	uint8_t msg[PFSD_CTMAP_MSG_MAX];
	bool nat = pfsd_ctmap_is_nat(s);
	int rc;

	if (pfsd_ctmap_from_state(s, pfsd_daemon_now_sec(), &e) == -1)
		return -errno;
	if (create_first) {
		rc = ctnl_request(c, msg, pfsd_ctmap_build_new(msg, sizeof(msg),
			&e, NLM_F_CREATE | NLM_F_EXCL, nat, ++c->seq));
		if (rc != -EEXIST)
			return rc;
		/* NAT is create-only: an update carries none */
		return ctnl_request(c, msg, pfsd_ctmap_build_new(msg,
			sizeof(msg), &e, 0, false, ++c->seq));
	}
	rc = ctnl_request(c, msg, pfsd_ctmap_build_new(msg, sizeof(msg), &e,
						       0, false, ++c->seq));
	if (rc != -ENOENT)
		return rc;
	return ctnl_request(c, msg, pfsd_ctmap_build_new(msg, sizeof(msg),
		&e, NLM_F_CREATE | NLM_F_EXCL, nat, ++c->seq));
}

static int ctnl_del(struct pfsd_ctnl *c, const struct pfs_state *s)
{
	struct pfsd_ct_entry e;
	uint8_t msg[PFSD_CTMAP_MSG_MAX];

	if (pfsd_ctmap_from_state(s, pfsd_daemon_now_sec(), &e) == -1)
		return -errno;
	return ctnl_request(c, msg, pfsd_ctmap_build_delete(msg, sizeof(msg),
							    &e, ++c->seq));
}

/* ---- the engine's reports: peers' changes to the kernel ----------------*/

/* A state leaves the mirror: forget it in the shadow and in prov. */
static void ctnl_shadow_drop(struct pfsd_ctnl *c, const struct pfs_state *s)
{
	struct pfs_state *sh = pfs_table_find_id(c->shadow, s->id,
						 s->creatorid);

	if (sh != NULL)
		pfs_table_remove(c->shadow, sh);
	sh = pfs_table_find_id(c->prov, s->id, s->creatorid);
	if (sh != NULL)
		pfs_table_remove(c->prov, sh);
}

void pfsd_ctnl_applied(struct pfsd_ctnl *c, enum pfs_op op,
		       const struct pfs_state *st)
{
	int rc;

	if (c == NULL)
		return;
	switch (op) {
	case PFS_OP_INSERT:
		(void)pfs_table_insert(c->shadow, st);
		ctnl_count(c, ctnl_put(c, st, true), "insert", st);
		break;
	case PFS_OP_UPDATE:
		ctnl_count(c, ctnl_put(c, st, false), "update", st);
		break;
	case PFS_OP_DELETE:
		ctnl_shadow_drop(c, st);
		rc = ctnl_del(c, st);
		/* the kernel may have expired it first: not a failure */
		ctnl_count(c, rc == -ENOENT ? 0 : rc, "delete", st);
		break;
	}
}

/* A peer's CLR: the engine already emptied the mirror; the shadow knows
 * which kernel entries were that creator's. */
void pfsd_ctnl_cleared(struct pfsd_ctnl *c, uint32_t creatorid)
{
	struct pfs_state *s;
	size_t cur = 0;
	int rc;

	if (c == NULL)
		return;
	while ((s = pfs_table_next(c->shadow, &cur)) != NULL) {
		if (s->creatorid != creatorid)
			continue;
		rc = ctnl_del(c, s);
		ctnl_count(c, rc == -ENOENT ? 0 : rc, "clear", s);
		pfs_table_remove(c->shadow, s);
	}
}

/* The identity rule (top of file): a re-read state of ours that a peer
 * knows under another id takes that id and creator. */
bool pfsd_ctnl_adopt(struct pfsd_ctnl *c, const struct pfs_state *local,
		     const struct pfs_state *peer)
{
	struct pfs_state *p, sh;

	if (c == NULL || local->creatorid != c->d->hostid)
		return false;
	p = pfs_table_find_id(c->prov, local->id, local->creatorid);
	if (p == NULL)
		return false;
	pfs_table_remove(c->prov, p);
	c->st.adopted++;
	log_debug("conntrack: state %016llx/%08x is %016llx/%08x (peer's)",
		  (unsigned long long)local->id, local->creatorid,
		  (unsigned long long)peer->id, peer->creatorid);
	if (peer->creatorid == c->d->hostid)
		return true; /* ours under an older id: not a peer's */
	sh = *local;
	sh.id = peer->id;
	sh.creatorid = peer->creatorid;
	(void)pfs_table_insert(c->shadow, &sh);
	return true;
}

/* ---- local changes: kernel to the mirror -------------------------------*/

/* The mirror state of an entry: by its OUT key, else as a peer's IN
 * state, whose original tuple is (ext -> gwy) and reply (lan -> ext). */
static struct pfs_state *ctnl_find(const struct pfsd_ctnl *c,
				   const struct pfsd_ct_entry *e,
				   const struct pfs_state *st)
{
	struct pfs_flowkey k;
	struct pfs_state *m;

	pfs_state_flowkey(st, &k);
	m = pfs_table_find_key(c->d->table, &k);
	if (m != NULL || !(e->have & PFSD_CT_HAVE_REPLY))
		return m;
	k.direction = PFS_DIR_IN;
	k.lan.addr = e->reply.src;
	k.lan.port = e->reply.sport;
	k.ext = st->lan;
	return pfs_table_find_key(c->d->table, &k);
}

static bool ctnl_peers_differ(const struct pfs_state *a,
			      const struct pfs_state *b)
{
	return a->src.state != b->src.state || a->dst.state != b->dst.state ||
	       a->src.wscale != b->src.wscale ||
	       a->dst.wscale != b->dst.wscale;
}

/* The refresh rule (top of file). */
static bool ctnl_expire_moved(const struct pfs_state *m, uint32_t expire,
			      uint32_t now)
{
	int64_t old_left = (int64_t)m->expire - now;
	int64_t new_left = (int64_t)expire - now;

	return (int64_t)expire - m->expire >= CTNL_REFRESH_MIN_S &&
	       old_left < new_left / 2;
}

static void ctnl_update(struct pfsd_ctnl *c, const struct pfs_state *m,
			const struct pfs_state *st)
{
	struct pfs_state u = *m;

	u.src.state = st->src.state;
	u.dst.state = st->dst.state;
	u.src.wscale = st->src.wscale;
	u.dst.wscale = st->dst.wscale;
	u.expire = st->expire;
	u.timeout = st->timeout;
	(void)pfs_engine_update(c->d->engine, &u, pfsd_daemon_now_ms());
}

/* A local entry's id: from its CTA_ID, else a counter id (top of file). */
static uint64_t ctnl_local_id(struct pfsd_ctnl *c,
			      const struct pfsd_ct_entry *e)
{
	uint64_t id = pfsd_ctmap_state_id(e);

	if (id != 0 &&
	    pfs_table_find_id(c->d->table, id, c->d->hostid) == NULL)
		return id;
	if (id != 0)
		c->st.id_taken++;
	return pfs_engine_new_id(c->d->engine);
}

static struct pfs_state *ctnl_insert(struct pfsd_ctnl *c,
				     const struct pfsd_ct_entry *e,
				     struct pfs_state *st)
{
	struct pfs_flowkey k;
	struct pfs_state *m;

	st->id = ctnl_local_id(c, e);
	st->creatorid = c->d->hostid;
	if (pfs_engine_insert(c->d->engine, st, pfsd_daemon_now_ms()) == -1)
		return NULL;
	pfs_state_flowkey(st, &k);
	m = pfs_table_find_key(c->d->table, &k);
	if (m != NULL && c->starting)
		(void)pfs_table_insert(c->prov, m);
	return m;
}

/*
 * One entry seen in an event (refresh false: always announce) or a dump
 * (refresh true: only by the refresh rule).  Returns the mirror state.
 */
static const struct pfs_state *ctnl_upsert(struct pfsd_ctnl *c,
					   const struct pfsd_ct_entry *e,
					   struct pfs_state *st, bool refresh)
{
	struct pfs_state *m = ctnl_find(c, e, st);

	if (m == NULL)
		return ctnl_insert(c, e, st);
	if (!refresh || ctnl_peers_differ(m, st)) {
		ctnl_update(c, m, st);
	} else if (ctnl_expire_moved(m, st->expire, pfsd_daemon_now_sec())) {
		c->st.refreshed++;
		ctnl_update(c, m, st);
	}
	return m;
}

static void ctnl_destroy(struct pfsd_ctnl *c, const struct pfsd_ct_entry *e,
			 const struct pfs_state *st)
{
	struct pfs_state *m = ctnl_find(c, e, st);

	if (m == NULL)
		return;
	ctnl_shadow_drop(c, m);
	(void)pfs_engine_delete(c->d->engine, m->id, m->creatorid,
				pfsd_daemon_now_ms());
}

/* Parse and map one message; the kind, or -1 when not synced. */
static int ctnl_entry(struct pfsd_ctnl *c, const struct nlmsghdr *nlh,
		      struct pfsd_ct_entry *e, struct pfs_state *st)
{
	int kind = pfsd_ctmap_parse(nlh, nlh->nlmsg_len, e);

	if (kind < 0) {
		c->st.malformed++;
		return -1;
	}
	if (pfsd_ctmap_to_state(e, pfsd_daemon_now_sec(), st) == -1) {
		if (errno == EINVAL)
			c->st.malformed++;
		else
			c->st.skipped++;
		return -1;
	}
	return kind;
}

static void ctnl_event(struct pfsd_ctnl *c, const struct nlmsghdr *nlh)
{
	struct pfsd_ct_entry e;
	struct pfs_state st;
	int kind;

	c->st.events++;
	if (nlh->nlmsg_pid == c->wr_portid && c->wr_portid != 0) {
		c->st.own++;
		return;
	}
	kind = ctnl_entry(c, nlh, &e, &st);
	if (kind == PFSD_CT_NEW || kind == PFSD_CT_UPDATE)
		(void)ctnl_upsert(c, &e, &st, false);
	else if (kind == PFSD_CT_DESTROY)
		ctnl_destroy(c, &e, &st);
}

static void ctnl_overrun(struct pfsd_ctnl *c)
{
	c->st.enobufs++;
	if (!c->enobufs_logged)
		log_warnx("conntrack events overrun (ENOBUFS): events were "
			  "lost, resyncing (logged once)");
	c->enobufs_logged = true;
	ctnl_arm(c, CTNL_RESYNC_MS);
}

static void ctnl_ev_read(void *arg, int fd, uint32_t events)
{
	struct pfsd_ctnl *c = arg;
	const struct nlmsghdr *nlh;
	ssize_t n;
	int i, len;

	(void)fd;
	(void)events;
	for (i = 0; i < CTNL_EV_BATCH; i++) {
		n = mnl_socket_recvfrom(c->ev, c->rx, CTNL_RXBUF);
		if (n < 0) {
			if (errno == ENOBUFS)
				ctnl_overrun(c);
			else if (errno != EAGAIN && errno != EINTR)
				log_warn("conntrack events");
			break;
		}
		len = (int)n;
		for (nlh = (const void *)c->rx; mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			ctnl_event(c, nlh);
	}
	pfsd_daemon_kick(c->d);
}

/* ---- dump and reconcile --------------------------------------------------*/

static int ctnl_seen_add(struct pfsd_ctnl *c, const struct pfs_state *s)
{
	const struct pfs_state **n;
	size_t cap;

	if (c->nseen == c->capseen) {
		cap = c->capseen != 0 ? c->capseen * 2 : 1024;
		n = realloc(c->seen, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		c->seen = n;
		c->capseen = cap;
	}
	c->seen[c->nseen++] = s;
	return 0;
}

/* One dump reply message: 1 at NLMSG_DONE, -errno, else 0. */
static int ctnl_dump_msg(struct pfsd_ctnl *c, const struct nlmsghdr *nlh,
			 int *oom)
{
	const struct pfs_state *m;
	struct pfsd_ct_entry e;
	struct pfs_state st;
	const struct nlmsgerr *ne;

	if (nlh->nlmsg_type == NLMSG_DONE)
		return 1;
	if (nlh->nlmsg_type == NLMSG_ERROR) {
		if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ne)))
			return -EPROTO;
		ne = mnl_nlmsg_get_payload(nlh);
		return ne->error < 0 ? ne->error : 1;
	}
	if (ctnl_entry(c, nlh, &e, &st) < 0)
		return 0;
	m = ctnl_upsert(c, &e, &st, true);
	if (m != NULL && ctnl_seen_add(c, m) == -1)
		*oom = 1;
	return 0;
}

static int ctnl_dump(struct pfsd_ctnl *c, int *oom)
{
	uint8_t msg[PFSD_CTMAP_MSG_MAX];
	const struct nlmsghdr *nlh;
	uint32_t seq = ++c->seq;
	ssize_t n;
	int len, rc = 0;

	if (mnl_socket_sendto(c->wr, msg, pfsd_ctmap_build_dump(msg,
			      sizeof(msg), seq)) < 0)
		return -errno;
	while (rc == 0) {
		n = mnl_socket_recvfrom(c->wr, c->rx, CTNL_RXBUF);
		if (n < 0)
			return -errno;
		len = (int)n;
		for (nlh = (const void *)c->rx;
		     rc == 0 && mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			if (nlh->nlmsg_seq == seq)
				rc = ctnl_dump_msg(c, nlh, oom);
	}
	return rc < 0 ? rc : 0;
}

static int ctnl_ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (const struct pfs_state *const *)a;
	uintptr_t y = (uintptr_t) * (const struct pfs_state *const *)b;

	return x < y ? -1 : x > y;
}

/* Mirror states the dump did not show are gone from the kernel. */
static void ctnl_sweep(struct pfsd_ctnl *c)
{
	struct pfsd_ct_entry e;
	struct pfs_state *s;
	size_t cur = 0;

	if (c->nseen != 0)
		qsort(c->seen, c->nseen, sizeof(*c->seen), ctnl_ptr_cmp);
	while ((s = pfs_table_next(c->d->table, &cur)) != NULL) {
		const struct pfs_state *key = s;

		if (c->nseen != 0 &&
		    bsearch(&key, c->seen, c->nseen, sizeof(*c->seen),
			    ctnl_ptr_cmp) != NULL)
			continue;
		if (pfsd_ctmap_from_state(s, 0, &e) == -1)
			continue; /* never in the kernel: not ours to judge */
		c->st.reconciled++;
		ctnl_shadow_drop(c, s);
		(void)pfs_engine_delete(c->d->engine, s->id, s->creatorid,
					pfsd_daemon_now_ms());
	}
}

static void ctnl_resync(struct pfsd_ctnl *c)
{
	int oom = 0, rc;

	c->nseen = 0;
	rc = ctnl_dump(c, &oom);
	if (rc < 0)
		log_warnx("conntrack dump: %s", strerror(-rc));
	else if (oom)
		log_warnx("conntrack dump: out of memory, no reconcile");
	else
		ctnl_sweep(c);
	pfsd_daemon_kick(c->d);
}

static void ctnl_on_timer(void *arg)
{
	struct pfsd_ctnl *c = arg;

	c->timer_id = 0;
	c->st.resyncs++;
	ctnl_resync(c);
	ctnl_arm(c, PFSD_CTNL_REFRESH_MS);
}

static void ctnl_arm(struct pfsd_ctnl *c, uint64_t in_ms)
{
	uint64_t at = pfsd_daemon_now_ms() + in_ms;

	if (c->timer_id > 0) {
		pfsd_loop_timer_move(c->d->loop, c->timer_id, at);
		return;
	}
	c->timer_id = pfsd_loop_timer_add(c->d->loop, at, ctnl_on_timer, c);
	if (c->timer_id < 0) {
		log_warn("conntrack refresh timer");
		c->timer_id = 0;
	}
}

/* ---- setup ---------------------------------------------------------------*/

static struct mnl_socket *ctnl_open(unsigned groups, int flags)
{
	struct mnl_socket *s = mnl_socket_open2(NETLINK_NETFILTER, flags);

	if (s == NULL)
		return NULL;
	if (mnl_socket_bind(s, groups, MNL_SOCKET_AUTOPID) < 0) {
		mnl_socket_close(s);
		return NULL;
	}
	return s;
}

/* Root may exceed rmem_max (SO_RCVBUFFORCE); others get what they can. */
static void ctnl_rcvbuf(struct mnl_socket *s)
{
	int fd = mnl_socket_get_fd(s), v = CTNL_RCVBUF;

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

static int ctnl_open_all(struct pfsd_ctnl *c)
{
	struct timeval tv = { 2, 0 }; /* a write never hangs the loop */

	c->ev = ctnl_open(NF_NETLINK_CONNTRACK_NEW |
			  NF_NETLINK_CONNTRACK_UPDATE |
			  NF_NETLINK_CONNTRACK_DESTROY,
			  SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (c->ev == NULL) {
		log_warn("conntrack event socket");
		return -1;
	}
	ctnl_rcvbuf(c->ev);
	c->wr = ctnl_open(0, SOCK_CLOEXEC);
	if (c->wr == NULL) {
		log_warn("conntrack socket");
		return -1;
	}
	ctnl_rcvbuf(c->wr);
	(void)setsockopt(mnl_socket_get_fd(c->wr), SOL_SOCKET, SO_RCVTIMEO,
			 &tv, sizeof(tv));
	c->wr_portid = mnl_socket_get_portid(c->wr);
	if (pfsd_loop_add_fd(c->d->loop, mnl_socket_get_fd(c->ev), EPOLLIN,
			     ctnl_ev_read, c) == -1) {
		log_warn("conntrack event socket: loop");
		return -1;
	}
	return 0;
}

struct pfsd_ctnl *pfsd_ctnl_new(struct pfsd_daemon *d)
{
	struct pfsd_ctnl *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->d = d;
	c->rx = malloc(CTNL_RXBUF);
	c->shadow = pfs_table_new(0);
	c->prov = pfs_table_new(0);
	if (c->rx == NULL || c->shadow == NULL || c->prov == NULL ||
	    ctnl_open_all(c) == -1) {
		pfsd_ctnl_free(c);
		return NULL;
	}
	/* subscribed first, then dumped: nothing falls in between */
	c->starting = true;
	ctnl_resync(c);
	c->starting = false;
	log_info("conntrack backend: %zu states in the kernel table",
		 pfs_table_count(d->table));
	ctnl_arm(c, PFSD_CTNL_REFRESH_MS);
	return c;
}

void pfsd_ctnl_free(struct pfsd_ctnl *c)
{
	if (c == NULL)
		return;
	if (c->timer_id > 0)
		pfsd_loop_timer_cancel(c->d->loop, c->timer_id);
	if (c->ev != NULL) {
		pfsd_loop_del_fd(c->d->loop, mnl_socket_get_fd(c->ev));
		mnl_socket_close(c->ev);
	}
	if (c->wr != NULL)
		mnl_socket_close(c->wr);
	pfs_table_free(c->shadow);
	pfs_table_free(c->prov);
	free(c->seen);
	free(c->rx);
	free(c);
}

const struct pfsd_ctnl_stats *pfsd_ctnl_stats(const struct pfsd_ctnl *c)
{
	return &c->st;
}
