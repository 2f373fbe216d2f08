/*
 * ctnl.c - the conntrack backend: ctnetlink over libmnl (see ctnl.h).
 *
 * Two sockets.  `ev` is subscribed to the NEW/UPDATE/DESTROY groups, non
 * blocking, with a big SO_RCVBUFFORCE buffer, and read from the loop.
 * `wr` does the synchronous work: dumps, and writes acknowledged one by
 * one (NLM_F_ACK).  Its port id marks the events our writes cause, which
 * is how we avoid announcing back what a peer told us (as conntrackd).
 *
 * What is announced, re-read and adopted is decided by the pure rules of
 * ctpolicy.h.  States in the mirror that a dump no longer shows are
 * removed (a lost DESTROY event).  The backend sees the daemon only
 * through struct pfsd_ctnl_env (ctnl.h).
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
 *    the startup dump shows is therefore provisional (PFS_LF_PROVISIONAL
 *    on the state): when a peer's full state for the same flow key
 *    arrives under another id (its bulk update), the engine asks
 *    pfsd_ctnl_adopt (pfsd_ctpol_adopt) and our state takes the peer's
 *    id and creator, then merges it as an update (and the write puts
 *    BE_LIBERAL on the kernel entry).  An entry we saw
 *    created (a NEW event) is never provisional, so two firewalls that
 *    both saw one flow keep their own states, as pf does.
 * A peer's update for a re-read entry of ours, found by id, is applied as
 * any peer's update: the dump has no sequence numbers, so a copy with
 * real ones (a pf peer) is newer; if our TCP state is ahead, the merge
 * calls the peer stale and we answer with our copy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/filter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_compat.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>

#include "pfsync/engine_dig.h"
#include "pfsync/table.h"

#include "ctget.h"
#include "ctliberal.h"
#include "ctexp.h"
#include "ctmap.h"
#include "ctproto.h"
#include "ctnl.h"
#include "ctpolicy.h"
#include "ctwr.h"
#include "os/log.h"
#include "idset.h"
#include "loop.h"
#include "nlrx.h"

#define CTNL_RCVBUF	   (16 * 1024 * 1024)
#define CTNL_EV_RCVBUF	   (64 * 1024 * 1024) /* a burst of ~100 k events */
#define CTNL_EV_RCVBUF_MAX (256 * 1024 * 1024) /* doubled to this on overruns */
#define CTNL_RXBUF	   (64 * 1024)
#define CTNL_EV_VLEN	   64	/* event datagrams per recvmmsg */
#define CTNL_EV_SLOT	   4096 /* one event: a few hundred bytes */
#define CTNL_EV_ROUNDS	   4	/* recvmmsgs per wakeup: others get a turn */
#define CTNL_DUMP_BATCH	   8   /* dump recvs per wakeup (~100 entries each) */
#define CTNL_RESYNC_MS	   200 /* after an overrun */
#define CTNL_START_WAIT_MS 30000 /* the startup dump, at most */
#define CTNL_SCAN_MS	   1000	 /* one slice of the mirror a second */
#define CTNL_SCAN_SLICES   10	 /* so each state is looked at every 10 s */
#define CTNL_SCAN_MIN	   1024	 /* states per slice, at least */
#define CTNL_SEEN_KEEP	   4096	 /* seen list kept between dumps */
#define CTNL_REFUSED_MAX   4096	 /* refused peer inserts dropped a pump */

struct pfsd_ctnl {
	struct pfsd_ctnl_env env;
	struct mnl_socket *ev, *dump, *get;
	struct pfsd_ctwr *w;
	struct pfsd_ctlib *lib; /* own entries made liberal (ctliberal.h) */
	uint32_t wr_portid;
	uint32_t seq, dump_seq;
	int timer_id;
	bool enobufs_logged;
	bool logged[PFSD_CTNL_ERRNO_MAX]; /* failure logged, per errno */
	bool starting;		  /* the startup dump is running */
	bool dumping;		  /* a dump is being read */
	bool resync;		  /* events were lost: dump once drained */
	int dump_oom;
	const struct pfs_state **seen; /* mirror states a dump showed */
	size_t nseen, capseen;
	uint8_t *rx;
	int ev_rcvbuf;		/* the event socket's buffer, grown on overruns */
	struct pfsd_nlrx *evrx; /* event datagrams, many per call */
	struct pfsd_idset gone; /* CTA_IDs destroyed while the dump runs */
	int scan_id;	 /* the refresh scan's timer */
	size_t scan_cur; /* where the next slice starts */
	/* no local state expires before exp_floor (as far as we know):
	 * the scan rests until one may be near (ctnl_scan_rests) */
	uint32_t exp_floor;
	uint32_t pass_min;  /* the lowest local expiry seen this pass */
	uint32_t pass_host; /* the hostid of the pass (a reload moves it) */
	struct pfsd_ctget *getq; /* batched GETs on `get` (ctget.h) */
	struct pfsd_ctnl_stats st;
	struct pfsd_ctfilter filter; /* what is not synced */
	/* peers' states the kernel refused to insert, dropped from the
	 * mirror at the next pump (ctnl_drop_refused) */
	struct {
		uint64_t id;
		uint32_t creatorid;
	} refused[CTNL_REFUSED_MAX];
	unsigned nrefused;
};

static void ctnl_arm(struct pfsd_ctnl *c, uint64_t in_ms);
static void ctnl_scan(void *arg);
static void ctnl_seen(struct pfsd_ctnl *c, const struct pfs_state *s);

static uint32_t ctnl_now_sec(void)
{
	return (uint32_t)(pfsd_now_ms() / 1000);
}

/* Our creator id: the engine's (a reload may change it). */
static uint32_t ctnl_hostid(const struct pfsd_ctnl *c)
{
	return pfs_engine_conf(c->env.engine)->hostid;
}

/* A local state inserted or changed: the floor comes down to it. */
static void ctnl_floor_note(struct pfsd_ctnl *c, const struct pfs_state *s)
{
	if (s == NULL || s->creatorid != ctnl_hostid(c))
		return;
	if (s->expire < c->exp_floor)
		c->exp_floor = s->expire;
	if (s->expire < c->pass_min)
		c->pass_min = s->expire;
}

/* After changes into the engine: the daemon re-arms its timer. */
static void ctnl_kick(struct pfsd_ctnl *c)
{
	c->env.kick(c->env.arg);
}

/* ---- the writer's reports ----------------------------------------------*/

static const char *ctnl_what(uint8_t kind)
{
	switch (kind) {
	case PFSD_CTWR_DELETE:
		return "delete";
	case PFSD_CTWR_UPSERT:
		return "write";
	case PFSD_CTWR_CREATE:
	case PFSD_CTWR_CREATE_NAT:
		return "insert";
	default:
		return "update";
	}
}

/*
 * A peer's state the kernel refused to write for want of room (ENOMEM:
 * its table full) is not in
 * the kernel: with anti-entropy on it leaves the mirror too, so the
 * creator's next digest finds it missing and it is written again once
 * there is room (pfsyncd(8) ANTI-ENTROPY).  Noted here, dropped at the
 * next pump: a write may fail inside the engine's report of the state.
 */
static void ctnl_note_refused(struct pfsd_ctnl *c, const struct pfsd_ctwr_req *r)
{
	if (r->err != -ENOMEM || r->kind == PFSD_CTWR_DELETE ||
	    r->kind == PFSD_CTWR_LIBERAL || r->creatorid == ctnl_hostid(c) ||
	    pfs_engine_dig_stats(c->env.engine) == NULL ||
	    c->nrefused == CTNL_REFUSED_MAX)
		return;
	c->refused[c->nrefused].id = r->id;
	c->refused[c->nrefused].creatorid = r->creatorid;
	c->nrefused++;
}

static void ctnl_drop_refused(struct pfsd_ctnl *c)
{
	unsigned i;

	for (i = 0; i < c->nrefused; i++)
		(void)pfs_engine_delete(c->env.engine, c->refused[i].id,
					c->refused[i].creatorid, pfsd_now_ms());
	c->nrefused = 0;
}

/* One request done (ctwr.h): counted, the first failure per errno logged. */
static void ctnl_done(void *arg, const struct pfsd_ctwr_req *r)
{
	struct pfsd_ctnl *c = arg;
	unsigned i = r->err < 0 ? (unsigned)-r->err : 0;

	if (r->kind == PFSD_CTWR_LIBERAL) {
		pfsd_ctlib_done(c->lib, r);
		return;
	}
	if (r->err == 0) {
		c->st.ct_ok++;
		return;
	}
	c->st.ct_fail++;
	ctnl_note_refused(c, r);
	if (i >= PFSD_CTNL_ERRNO_MAX)
		i = 0;
	c->st.fail_errno[i]++;
	if (c->logged[i])
		return;
	c->logged[i] = true;
	log_warnx("conntrack %s (state %016llx/%08x): %s (logged once)",
		  ctnl_what(r->kind), (unsigned long long)r->id, r->creatorid,
		  strerror(-r->err));
}

/*
 * Provenance (top of file): the entry of a peer's state carries its
 * creator's tag in the provenance bits, ours 0.  With the peer's extras
 * the whole mark is written (the peer's, its provenance bits replaced);
 * without, only the provenance bits (CTA_MARK_MASK), so the entry's own
 * mark stays.
 */
static void ctnl_prov(const struct pfsd_ctnl *c, const struct pfs_state *s,
		      struct pfsd_ct_entry *e)
{
	uint32_t mask = c->env.prov_mark;
	uint32_t bits =
	    pfsd_ctpol_prov_bits(mask, s->creatorid, ctnl_hostid(c));

	if (mask == 0)
		return;
	if (e->have & PFSD_CT_HAVE_MARK) {
		e->mark = (e->mark & ~mask) | bits;
		return;
	}
	e->mark = bits;
	e->mark_mask = mask;
	e->have |= PFSD_CT_HAVE_MARK;
}

/* Queue a state's write (with its extras x, may be NULL); a state that
 * cannot be written is a failure. */
static void ctnl_write(struct pfsd_ctnl *c, const struct pfs_state *s,
		       const struct pfs_stx *x, enum pfsd_ctwr_kind kind)
{
	struct pfsd_ctwr_req r;

	memset(&r, 0, sizeof(r));
	if (pfsd_ctmap_from_state_x(s, x, ctnl_now_sec(), &r.e) == 0) {
		if (kind != PFSD_CTWR_DELETE)
			ctnl_prov(c, s, &r.e);
		if (pfsd_ctwr_put(c->w, &r.e, kind, s->id, s->creatorid) == 0)
			return;
	}
	r.kind = (uint8_t)kind;
	r.id = s->id;
	r.creatorid = s->creatorid;
	r.err = -errno;
	ctnl_done(c, &r);
}

/* ---- the engine's reports: peers' changes to the kernel ----------------*/

/* A peer's change during a dump: the dump may have passed its entry
 * already, so the sweep must not take it for gone. */
static void ctnl_seen_peer(struct pfsd_ctnl *c, const struct pfs_state *st)
{
	if (c->dumping)
		ctnl_seen(
		    c, pfs_table_find_id(c->env.table, st->id, st->creatorid));
}

/*
 * A peer's state with the extras it carried (mark, zone, labels, the
 * second translation: pfsd_ctmap_from_state_x), or with none: then the
 * kernel entry's own mark is written back as 0 only when extras are
 * carried at all (a pfsyncd peer that reads them was heard), so a BSD
 * peer's update never clears a mark.
 */
void pfsd_ctnl_applied(struct pfsd_ctnl *c, enum pfs_op op,
		       const struct pfs_state *st)
{
	struct pfs_stx x;
	bool hasx;

	if (c == NULL)
		return;
	/* the extras (zone, mark, labels, the second NAT) go with it */
	hasx = pfs_table_xget(c->env.table, st, &x) ||
	       pfs_engine_xst_peer(c->env.engine);
	if (op != PFS_OP_DELETE) {
		ctnl_seen_peer(c, st);
		ctnl_floor_note(c, st); /* a peer's change of a state of ours */
	}
	ctnl_write(c, st, hasx || op == PFS_OP_DELETE ? &x : NULL,
		   pfsd_ctpol_write_kind(op, st, (x.has & PFS_STX_NAT2) != 0));
}

static void ctnl_writer_stats(struct pfsd_ctnl *c)
{
	const struct pfsd_ctwr_stats *ws = pfsd_ctwr_stats(c->w);

	c->st.batches = ws->batches;
	c->st.retried = ws->retried;
	c->st.lost = ws->lost;
	c->st.waiting = pfsd_ctwr_waiting(c->w);
	c->st.wait_max = ws->pend_max;
	c->st.wait_full = ws->full;
	c->st.wait_bound = ws->pend_bound;
	c->st.coalesced = ws->coalesced;
}

void pfsd_ctnl_set_limit(struct pfsd_ctnl *c, uint32_t max_states)
{
	if (c == NULL)
		return;
	pfsd_ctwr_set_max(c->w, max_states / PFSD_CTNL_WQ_DIV);
	ctnl_writer_stats(c);
}

/* The state stays in the mirror: the peer's next change of it writes it
 * again (a create or update, ctpolicy.h), so room made later takes it. */
uint64_t pfsd_ctnl_table_full(const struct pfsd_ctnl *c)
{
	return c == NULL ? 0 : c->st.fail_errno[ENOMEM];
}

size_t pfsd_ctnl_waiting(const struct pfsd_ctnl *c)
{
	return c == NULL ? 0 : pfsd_ctwr_waiting(c->w);
}

void pfsd_ctnl_flush(struct pfsd_ctnl *c)
{
	if (c == NULL)
		return;
	pfsd_ctwr_flush(c->w);
	ctnl_writer_stats(c);
}

bool pfsd_ctnl_pump(struct pfsd_ctnl *c)
{
	bool more;

	if (c == NULL)
		return false;
	more = pfsd_ctwr_pump(c->w);
	ctnl_writer_stats(c);
	ctnl_drop_refused(c);
	return more;
}

/* The identity rule (top of file): a re-read state of ours that a peer
 * knows under another id takes that id and creator. */
bool pfsd_ctnl_adopt(struct pfsd_ctnl *c, const struct pfs_state *local,
		     const struct pfs_state *peer)
{
	if (c == NULL || !pfsd_ctpol_adopt(local, peer, ctnl_hostid(c)))
		return false;
	if ((local->local_flags & PFS_LF_UNCONFIRMED) &&
	    !pfsd_ctnl_unconfirmed_of(c, local, peer->creatorid))
		return false; /* written for another creator */
	c->st.adopted++;
	log_debug("conntrack: state %016llx/%08x is %016llx/%08x (peer's)",
		  (unsigned long long)local->id, local->creatorid,
		  (unsigned long long)peer->id, peer->creatorid);
	return true;
}

/* The sweep at the end of creatorid's bulk (engine.h): an unconfirmed
 * state whose tag is creatorid's may be its. */
bool pfsd_ctnl_unconfirmed_of(struct pfsd_ctnl *c, const struct pfs_state *st,
			      uint32_t creatorid)
{
	return c != NULL &&
	       pfsd_ctpol_prov_may(c->env.prov_mark, st->prov, creatorid);
}

/* ---- local changes: kernel to the mirror -------------------------------*/

/* The mirror state of an entry: by its OUT key, else as a peer's IN
 * state, whose original tuple is (ext -> gwy) and reply (lan -> ext);
 * in the entry's zone (a tuple is unique only within its zone). */
static struct pfs_state *ctnl_find(const struct pfsd_ctnl *c,
				   const struct pfsd_ct_entry *e,
				   const struct pfs_state *st)
{
	struct pfs_flowkey k;
	struct pfs_state *m;

	pfs_state_flowkey(st, &k);
	k.zone = (e->have & PFSD_CT_HAVE_ZONE) ? e->zone : 0;
	m = pfs_table_find_key(c->env.table, &k);
	if (m != NULL || !(e->have & PFSD_CT_HAVE_REPLY))
		return m;
	k.direction = PFS_DIR_IN;
	k.lan.addr = e->reply.src;
	k.lan.port = e->reply.sport;
	k.ext = st->lan;
	return pfs_table_find_key(c->env.table, &k);
}

/* A local entry's id: from its CTA_ID, else a counter id (top of file). */
static uint64_t ctnl_local_id(struct pfsd_ctnl *c,
			      const struct pfsd_ct_entry *e)
{
	uint64_t id = pfsd_ctmap_state_id(e);

	if (id != 0 &&
	    pfs_table_find_id(c->env.table, id, ctnl_hostid(c)) == NULL)
		return id;
	if (id != 0)
		c->st.id_taken++;
	return pfs_engine_new_id(c->env.engine);
}

/*
 * An entry new to the mirror.  Re-read at start, its creator is unknown
 * (top of file): provisional.  Its provenance tag (tag, not 0) says we
 * wrote it for a peer: held unconfirmed and never announced (state.h);
 * without provenance, its age is unknown too and it is taken as old as
 * the clock, so a peer whose tombstone names its connection refuses it
 * (with provenance a tag of 0 says it is ours: a new connection there).
 */
static struct pfs_state *ctnl_insert(struct pfsd_ctnl *c,
				     const struct pfsd_ct_entry *e,
				     struct pfs_state *st,
				     const struct pfs_stx *x, uint8_t tag)
{
	struct pfs_flowkey k;

	st->id = ctnl_local_id(c, e);
	st->creatorid = ctnl_hostid(c);
	if (c->starting) {
		st->local_flags |= PFS_LF_PROVISIONAL;
		if (c->env.prov_mark == 0)
			st->creation = 0;
	}
	if (tag != 0) {
		st->local_flags |= PFS_LF_PROVISIONAL | PFS_LF_UNCONFIRMED;
		st->sync_flags |= PFS_SF_NOSYNC;
		st->prov = tag;
		c->st.unconfirmed++;
	}
	if (pfs_engine_insert_x(c->env.engine, st, x, pfsd_now_ms()) == -1)
		return NULL;
	pfs_state_flowkey(st, &k);
	k.zone = x->zone;
	return pfs_table_find_key(c->env.table, &k);
}

/*
 * An event carries only what changed: TCP protoinfo only with a TCP
 * change, labels only with a label change (a rule that sets a mark sends
 * neither).  What the event lacks is what the mirror holds, not "none":
 * else a re-marked ESTABLISHED entry would be read as SYN_SENT (NONE) and
 * announced backwards, and its labels dropped.  (The mark and the status
 * are in every event; dumps and GETs carry everything.)
 */
static void ctnl_keep_unsent(const struct pfsd_ctnl *c,
			     const struct pfsd_ct_entry *e,
			     const struct pfs_state *m, struct pfs_state *st,
			     struct pfs_stx *x)
{
	struct pfs_stx old;

	if (st->proto == IPPROTO_TCP && !(e->have & PFSD_CT_HAVE_TCP)) {
		st->src.state = m->src.state;
		st->dst.state = m->dst.state;
		st->src.wscale = m->src.wscale;
		st->dst.wscale = m->dst.wscale;
		st->timeout = m->timeout;
	}
	(void)pfs_table_xget(c->env.table, m, &old);
	if (!(e->have & PFSD_CT_HAVE_LABELS) && (old.has & PFS_STX_LABELS)) {
		x->has |= PFS_STX_LABELS;
		memcpy(x->labels, old.labels, sizeof(x->labels));
	}
	pfsd_ctexp_keep_seqadj(e, c->env.table, m, x);
	pfsd_ctproto_keep_unsent(e, m, &old, st, x);
}

/* The extras of the entry differ from those the mirror holds (zone
 * aside: it is the key's, so it is equal). */
static bool ctnl_stx_changed(const struct pfsd_ctnl *c,
			     const struct pfs_state *m, const struct pfs_stx *x)
{
	struct pfs_stx old;

	(void)pfs_table_xget(c->env.table, m, &old);
	return pfs_stx_differ(&old, x);
}

/*
 * One entry seen in an event or a dump: new to the mirror, inserted; else
 * announced as the policy says (pfsd_ctpol_seen: what pfsync carries
 * changed, or the refresh rule).  Mark, labels and the second translation (the extras) are kept
 * with the state; a change of them alone is announced only when a peer
 * reads them (a pfsyncd peer, wire_xst.h): a BSD peer gets no traffic
 * for what it cannot hold.  (The kernel reports a mark only when it
 * changes, so rules that set the same mark on every packet cost nothing.)
 * Returns the mirror state.
 */
static const struct pfs_state *ctnl_upsert(struct pfsd_ctnl *c,
					   const struct pfsd_ct_entry *e,
					   struct pfs_state *st)
{
	struct pfs_state *m = ctnl_find(c, e, st);
	enum pfsd_ctpol_act act;
	struct pfs_state u;
	struct pfs_stx x;
	uint8_t tag = 0;
	bool xch;

	(void)pfsd_ctmap_to_stx(e, st, &x);
	if (e->have & PFSD_CT_HAVE_MARK) { /* our provenance bits are no mark */
		tag = pfsd_ctpol_prov_tag(c->env.prov_mark, e->mark);
		x.mark &= ~c->env.prov_mark;
		(void)pfs_stx_norm(&x);
	}
	if (m == NULL) {
		m = ctnl_insert(c, e, st, &x, tag);
		ctnl_floor_note(c, m);
		return m;
	}
	ctnl_keep_unsent(c, e, m, st, &x);
	xch = ctnl_stx_changed(c, m, &x);
	act = pfsd_ctpol_seen(m, st, ctnl_now_sec());
	if (act == PFSD_CTPOL_NONE && xch && pfs_engine_xst_peer(c->env.engine))
		act = PFSD_CTPOL_CHANGED; /* extras alone, to a peer reading them */
	if (act == PFSD_CTPOL_NONE) {
		if (xch) /* kept silently: no peer reads them */
			(void)pfs_table_xset(c->env.table, m, &x);
		return m;
	}
	if (act == PFSD_CTPOL_REFRESH)
		c->st.refreshed++;
	pfsd_ctpol_merge(m, st, &u);
	(void)pfs_engine_update_x(c->env.engine, &u, &x, pfsd_now_ms());
	ctnl_floor_note(c, m);
	return m;
}

static void ctnl_destroy(struct pfsd_ctnl *c, const struct pfsd_ct_entry *e,
			 const struct pfs_state *st)
{
	struct pfs_state *m = ctnl_find(c, e, st);

	/* the dump may still reach this entry: it must not bring it back */
	if (c->dumping && (e->have & PFSD_CT_HAVE_ID) &&
	    pfsd_idset_add(&c->gone, e->id) == -1)
		c->dump_oom = 1;
	if (m == NULL)
		return;
	(void)pfs_engine_delete(c->env.engine, m->id, m->creatorid,
				pfsd_now_ms());
}

/* Left out by the filter (counted by reason).  An entry that was synced
 * before (its mark or label set since, or a reload) is deleted from the
 * table, and so from the peers.  The filter sees the mark without our
 * provenance bits: they are no mark of the operator's. */
static bool ctnl_filtered(struct pfsd_ctnl *c, int kind,
			  const struct pfsd_ct_entry *e,
			  const struct pfs_state *st)
{
	struct pfsd_ct_entry fe;
	enum pfsd_ctf_why why;

	if (c->env.prov_mark != 0 && (e->have & PFSD_CT_HAVE_MARK) &&
	    (e->mark & c->env.prov_mark) != 0) {
		fe = *e;
		fe.mark &= ~c->env.prov_mark;
		e = &fe;
	}
	why = pfsd_ctfilter_check(&c->filter, e);

	if (why == PFSD_CTF_SYNC)
		return false;
	c->st.filtered[why]++;
	if (kind != PFSD_CT_NEW)
		ctnl_destroy(c, e, st);
	return true;
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
	if (pfsd_ctmap_to_state(e, ctnl_now_sec(), st) == -1) {
		if (errno == EINVAL)
			c->st.malformed++;
		else
			c->st.skipped++;
		return -1;
	}
	return ctnl_filtered(c, kind, e, st) ? -1 : kind;
}

static void ctnl_event(struct pfsd_ctnl *c, const struct nlmsghdr *nlh)
{
	struct pfsd_ct_entry e;
	struct pfs_state st;
	int kind;

	c->st.events++;
	/* the socket filter drops these in the kernel; kept as a guard */
	if (nlh->nlmsg_pid == c->wr_portid && c->wr_portid != 0) {
		c->st.own++;
		return;
	}
	kind = ctnl_entry(c, nlh, &e, &st);
	if (kind == PFSD_CT_NEW || kind == PFSD_CT_UPDATE)
		ctnl_seen(c, ctnl_upsert(c, &e, &st));
	else if (kind == PFSD_CT_DESTROY)
		ctnl_destroy(c, &e, &st);
}

/*
 * defer (defer.c): the entry a queued packet makes, read from its
 * headers.  A new connection's entry is not confirmed while its first
 * packet is held, so no NEW event has come: it is inserted and announced
 * here; its NEW event later finds it by its key and is an update,
 * announced only if something changed (ctnl_upsert).
 */
const struct pfs_state *pfsd_ctnl_queued(struct pfsd_ctnl *c,
					 const struct pfsd_ct_entry *e,
					 bool *inserted)
{
	struct pfs_state st;
	const struct pfs_state *m;

	*inserted = false;
	if (pfsd_ctmap_to_state(e, ctnl_now_sec(), &st) == -1 ||
	    ctnl_filtered(c, PFSD_CT_NEW, e, &st))
		return NULL;
	*inserted = ctnl_find(c, e, &st) == NULL;
	m = ctnl_upsert(c, e, &st);
	ctnl_seen(c, m);
	return m;
}

static void ctnl_dump_start(struct pfsd_ctnl *c);

/*
 * An overrun.  The kernel then drops every event for this socket until
 * its queue is empty again (netlink's congested state) and says so only
 * once, so the dump that recovers the lost events must start after the
 * queue was seen drained: entries made before that are in the table the
 * dump walks, entries made after it come as events.
 */
static void ctnl_rcvbuf(struct mnl_socket *s, int v);

/* Each overrun doubles the event socket's buffer, up to
 * CTNL_EV_RCVBUF_MAX (as conntrackd's NetlinkBufferSizeMaxGrowth): a
 * burst that overran once is met by a deeper queue the next time. */
static void ctnl_overrun(struct pfsd_ctnl *c)
{
	c->st.enobufs++;
	if (!c->enobufs_logged)
		log_warnx("conntrack events overrun (ENOBUFS): events were "
			  "lost, resyncing (logged once)");
	c->enobufs_logged = true;
	if (c->ev_rcvbuf < CTNL_EV_RCVBUF_MAX) {
		c->ev_rcvbuf *= 2;
		ctnl_rcvbuf(c->ev, c->ev_rcvbuf);
		log_info("conntrack events: receive buffer now %d MB",
			 c->ev_rcvbuf >> 20);
	}
	c->resync = true;
	ctnl_arm(c, CTNL_RESYNC_MS); /* in case no event comes to drain */
}

/* The event queue is empty: a resync waiting for that starts. */
static void ctnl_drained(struct pfsd_ctnl *c)
{
	if (!c->resync || c->dumping)
		return;
	c->resync = false;
	c->st.resyncs++;
	ctnl_dump_start(c);
}

/* The events of one datagram; a cut one is malformed, not parsed. */
static void ctnl_ev_datagram(struct pfsd_ctnl *c, unsigned i)
{
	const struct nlmsghdr *nlh;
	size_t n;
	bool cut;
	int len;

	nlh = pfsd_nlrx_get(c->evrx, i, &n, &cut);
	if (cut) {
		c->st.events++;
		c->st.malformed++;
		return;
	}
	for (len = (int)n; mnl_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len))
		ctnl_event(c, nlh);
}

/* Up to CTNL_EV_ROUNDS recvmmsgs of events. */
static void ctnl_ev_drain(struct pfsd_ctnl *c)
{
	int r, n, i;

	for (r = 0; r < CTNL_EV_ROUNDS; r++) {
		n = pfsd_nlrx_read(c->evrx, mnl_socket_get_fd(c->ev));
		if (n < 0 && errno == ENOBUFS) {
			ctnl_overrun(c);
			continue;
		}
		if (n < 0) {
			if (errno == EAGAIN)
				ctnl_drained(c);
			else
				log_warn("conntrack events");
			break;
		}
		for (i = 0; i < n; i++)
			ctnl_ev_datagram(c, (unsigned)i);
	}
}

static void ctnl_ev_read(void *arg, int fd, uint32_t events)
{
	struct pfsd_ctnl *c = arg;

	(void)fd;
	(void)events;
	ctnl_ev_drain(c);
	ctnl_kick(c);
}

/* ---- dump and reconcile, read from the loop a few recvs at a time -------*/

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

/* Between dumps the list of seen states is not kept: a big one would
 * cost 8 to 16 bytes per entry for nothing. */
static void ctnl_seen_release(struct pfsd_ctnl *c)
{
	if (c->capseen <= CTNL_SEEN_KEEP)
		return;
	free(c->seen);
	c->seen = NULL;
	c->capseen = 0;
}

/* A mirror state that is in the kernel (a dump showed it, or an event or
 * a write touched it while a dump runs). */
static void ctnl_seen(struct pfsd_ctnl *c, const struct pfs_state *s)
{
	if (c->dumping && s != NULL && ctnl_seen_add(c, s) == -1)
		c->dump_oom = 1;
}

/* One dump reply message: 1 at NLMSG_DONE, -errno, else 0. */
static int ctnl_dump_msg(struct pfsd_ctnl *c, const struct nlmsghdr *nlh)
{
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
	if ((e.have & PFSD_CT_HAVE_ID) && pfsd_idset_has(&c->gone, e.id)) {
		c->st.dump_gone++; /* destroyed after the walk began */
		return 0;
	}
	ctnl_seen(c, ctnl_upsert(c, &e, &st));
	return 0;
}

static int ctnl_ptr_cmp(const void *a, const void *b)
{
	uintptr_t x = (uintptr_t) * (const struct pfs_state *const *)a;
	uintptr_t y = (uintptr_t) * (const struct pfs_state *const *)b;

	return x < y ? -1 : x > y;
}

static void ctnl_get_put(struct pfsd_ctnl *c, const struct pfs_state *s);

/* The mirror states a dump did not show (id and creator). */
struct ctnl_unseen {
	uint64_t id;
	uint32_t creatorid;
};

/*
 * Mirror states the dump did not show may be gone from the kernel; each
 * is asked for by a GET of its tuple, and only an ENOENT removes it
 * (ctnl_get_gone).  A dump can miss live entries (a walk of a table
 * that changes under it missed half of 300 000 under load), and a state
 * removed for nothing would be deleted on every peer.
 */
static void ctnl_sweep(struct pfsd_ctnl *c)
{
	struct ctnl_unseen *v = NULL, *nv;
	struct pfsd_ct_entry e;
	struct pfs_state *s;
	size_t cur = 0, n = 0, cap = 0, i;

	if (c->nseen != 0)
		qsort(c->seen, c->nseen, sizeof(*c->seen), ctnl_ptr_cmp);
	while ((s = pfs_table_next(c->env.table, &cur)) != NULL) {
		const struct pfs_state *key = s;

		if (c->nseen != 0 &&
		    bsearch(&key, c->seen, c->nseen, sizeof(*c->seen),
			    ctnl_ptr_cmp) != NULL)
			continue;
		if (pfsd_ctmap_from_state(s, 0, &e) == -1)
			continue; /* never in the kernel: not ours to judge */
		if (n == cap) {
			cap = cap ? 2 * cap : 256;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				log_warnx("conntrack dump: out of memory, "
					  "no reconcile");
				free(v);
				return;
			}
			v = nv;
		}
		v[n].id = s->id;
		v[n++].creatorid = s->creatorid;
	}
	/* after the walk: a GET's answer may remove states */
	for (i = 0; i < n; i++) {
		s = pfs_table_find_id(c->env.table, v[i].id, v[i].creatorid);
		if (s != NULL)
			ctnl_get_put(c, s);
	}
	pfsd_ctget_flush(c->getq);
	free(v);
}

/* The dump's end (rc: 1 done, -errno failed): reconcile, then the next. */
static void ctnl_dump_end(struct pfsd_ctnl *c, int rc)
{
	/* writes queued so far must reach the kernel before it is judged */
	uint64_t gone = c->st.reconciled;

	if (rc < 0)
		log_warnx("conntrack dump: %s", strerror(-rc));
	else if (c->dump_oom)
		log_warnx("conntrack dump: out of memory, no reconcile");
	else
		ctnl_sweep(c);
	log_debug("conntrack dump: %zu states seen, %llu gone", c->nseen,
		  (unsigned long long)(c->st.reconciled - gone));
	c->dumping = false;
	c->nseen = 0;
	ctnl_seen_release(c);
	if (rc < 0)
		c->resync = true;
	if (c->resync) /* lost again meanwhile: once drained */
		ctnl_arm(c, CTNL_RESYNC_MS);
	ctnl_kick(c);
}

/* Up to max recvs of the dump; 1 when it ended, 0 if more is to come. */
static int ctnl_dump_read(struct pfsd_ctnl *c, int max)
{
	const struct nlmsghdr *nlh;
	ssize_t n;
	int i, len, rc = 0;

	for (i = 0; i < max && rc == 0; i++) {
		n = recv(mnl_socket_get_fd(c->dump), c->rx, CTNL_RXBUF,
			 MSG_DONTWAIT);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return 0;
		if (n <= 0) {
			rc = n < 0 ? -errno : -EPROTO;
			break;
		}
		len = (int)n;
		for (nlh = (const void *)c->rx;
		     rc == 0 && mnl_nlmsg_ok(nlh, len);
		     nlh = mnl_nlmsg_next(nlh, &len))
			if (nlh->nlmsg_seq == c->dump_seq)
				rc = ctnl_dump_msg(c, nlh);
	}
	if (rc == 0)
		return 0;
	ctnl_dump_end(c, rc);
	return 1;
}

static void ctnl_dump_ready(void *arg, int fd, uint32_t events)
{
	struct pfsd_ctnl *c = arg;

	(void)fd;
	(void)events;
	if (c->dumping)
		(void)ctnl_dump_read(c, CTNL_DUMP_BATCH);
	else /* a stale reply of an abandoned dump */
		(void)recv(mnl_socket_get_fd(c->dump), c->rx, CTNL_RXBUF,
			   MSG_DONTWAIT);
}

static void ctnl_dump_start(struct pfsd_ctnl *c)
{
	uint8_t msg[PFSD_CTMAP_MSG_MAX];

	c->dump_seq = ++c->seq;
	c->nseen = 0;
	pfsd_idset_clear(&c->gone);
	c->dump_oom = 0;
	/* what we wrote so far is in the kernel before the walk starts */
	pfsd_ctwr_flush(c->w);
	if (mnl_socket_sendto(
		c->dump, msg,
		pfsd_ctmap_build_dump(msg, sizeof(msg), c->dump_seq)) < 0) {
		log_warn("conntrack dump");
		c->resync = true;
		ctnl_arm(c, CTNL_RESYNC_MS);
		return;
	}
	c->dumping = true;
	log_debug("conntrack dump started");
}

/* A resync is due: read events until the queue is empty (which starts
 * the dump), else try again later. */
static void ctnl_on_timer(void *arg)
{
	struct pfsd_ctnl *c = arg;

	c->timer_id = 0;
	if (c->dumping || !c->resync)
		return;
	ctnl_ev_drain(c);
	if (c->resync && !c->dumping)
		ctnl_arm(c, CTNL_RESYNC_MS);
	ctnl_kick(c);
}

static void ctnl_arm(struct pfsd_ctnl *c, uint64_t in_ms)
{
	uint64_t at = pfsd_now_ms() + in_ms;

	if (c->timer_id > 0) {
		pfsd_loop_timer_move(c->env.loop, c->timer_id, at);
		return;
	}
	c->timer_id = pfsd_loop_timer_add(c->env.loop, at, ctnl_on_timer, c);
	if (c->timer_id < 0) {
		log_warn("conntrack refresh timer");
		c->timer_id = 0;
	}
}

/* ---- the refresh scan: timeouts without dumps ----------------------------
 *
 * The kernel sends no event when traffic refreshes a timeout, so the
 * expiry the peers hold for a local state (m->expire, as last announced)
 * falls behind the kernel's.  Every CTNL_SCAN_MS a slice of the mirror is
 * walked (all of it every CTNL_SCAN_SLICES slices); each local state due
 * (pfsd_ctpol_reread_due: near its announced expiry) is re-read from the
 * kernel
 * by a GET of its tuple, many to a sendmsg.  The entry that comes back is
 * taken as a dump entry would be (the refresh rule decides whether to
 * announce it); ENOENT means it is gone and its DESTROY was lost.  An
 * idle table costs no walk while no local state is near its expiry
 * (exp_floor, kept by every local insert and change and by each pass:
 * ctnl_scan_rests); a live one a GET per state about once per timeout,
 * in its last PFSD_CTPOL_LEAD_S seconds: a TCP entry every five days, a
 * busy UDP one every two minutes.
 */

static void ctnl_get_gone(struct pfsd_ctnl *c, uint64_t id, uint32_t creatorid)
{
	struct pfs_state *s = pfs_table_find_id(c->env.table, id, creatorid);

	if (s == NULL)
		return;
	c->st.reconciled++;
	(void)pfs_engine_delete(c->env.engine, s->id, s->creatorid,
				pfsd_now_ms());
}

/* One answer of a GET batch (ctget.h): the entry, or an error. */
static void ctnl_get_reply(void *arg, uint64_t id, uint32_t creatorid,
			   const struct nlmsghdr *nlh)
{
	struct pfsd_ctnl *c = arg;
	const struct nlmsgerr *ne;
	struct pfsd_ct_entry e;
	struct pfs_state st;

	if (nlh->nlmsg_type != NLMSG_ERROR) {
		if (ctnl_entry(c, nlh, &e, &st) >= 0)
			ctnl_seen(c, ctnl_upsert(c, &e, &st));
		return;
	}
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ne)))
		return;
	ne = mnl_nlmsg_get_payload(nlh);
	if (ne->error == -ENOENT)
		ctnl_get_gone(c, id, creatorid);
}

void pfsd_ctnl_reread(struct pfsd_ctnl *c, const struct nlmsghdr *nlh)
{
	struct pfsd_ct_entry e;
	struct pfs_state st;

	if (c != NULL && ctnl_entry(c, nlh, &e, &st) >= 0)
		ctnl_seen(c, ctnl_upsert(c, &e, &st));
}

/*
 * At the start of a pass: rest when no local state can come within
 * PFSD_CTPOL_LEAD_S of its expiry before a pass started now has ended
 * (CTNL_SCAN_SLICES seconds): an idle table of ten million states then
 * costs no walk at all, where it cost a million states a second.
 */
static bool ctnl_scan_rests(const struct pfsd_ctnl *c, uint32_t now,
			    uint32_t hostid)
{
	uint64_t near = (uint64_t)now + PFSD_CTPOL_LEAD_S + CTNL_SCAN_SLICES +
			CTNL_SCAN_MS / 1000;

	return c->scan_cur == 0 && c->pass_host == hostid &&
	       c->exp_floor > near;
}

static void ctnl_get_put(struct pfsd_ctnl *c, const struct pfs_state *s)
{
	if (pfsd_ctget_put(c->getq, c->env.table, s) == 0)
		c->st.gets++;
}

static void ctnl_scan_arm(struct pfsd_ctnl *c)
{
	c->scan_id = pfsd_loop_timer_add(
	    c->env.loop, pfsd_now_ms() + CTNL_SCAN_MS, ctnl_scan, c);
	if (c->scan_id < 0) {
		log_warn("conntrack refresh timer");
		c->scan_id = 0;
	}
}

static void ctnl_scan(void *arg)
{
	struct pfsd_ctnl *c = arg;
	size_t n = pfs_table_count(c->env.table) / CTNL_SCAN_SLICES, i;
	uint32_t now = ctnl_now_sec(), hostid = ctnl_hostid(c);
	const struct pfs_state *s;

	c->scan_id = 0;
	if (ctnl_scan_rests(c, now, hostid)) {
		ctnl_scan_arm(c);
		return;
	}
	if (c->scan_cur == 0) {
		c->pass_min = UINT32_MAX;
		c->pass_host = hostid;
	}
	for (i = 0; i < (n > CTNL_SCAN_MIN ? n : CTNL_SCAN_MIN); i++) {
		s = pfs_table_next(c->env.table, &c->scan_cur);
		if (s == NULL) {
			c->scan_cur = 0; /* the next slice starts over */
			c->exp_floor = c->pass_min;
			break;
		}
		ctnl_floor_note(c, s);
		if (pfsd_ctpol_reread_due(s, hostid, now))
			ctnl_get_put(c, s);
	}
	pfsd_ctget_flush(c->getq);
	ctnl_scan_arm(c);
	ctnl_kick(c);
}

/* The startup dump, read to its end before the loop runs. */
static void ctnl_dump_startup(struct pfsd_ctnl *c)
{
	struct pollfd p = {mnl_socket_get_fd(c->dump), POLLIN, 0};

	c->starting = true;
	ctnl_dump_start(c);
	while (c->dumping && poll(&p, 1, CTNL_START_WAIT_MS) > 0)
		(void)ctnl_dump_read(c, CTNL_DUMP_BATCH);
	if (c->dumping)
		ctnl_dump_end(c, -ETIMEDOUT);
	c->starting = false;
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
static void ctnl_rcvbuf(struct mnl_socket *s, int v)
{
	int fd = mnl_socket_get_fd(s);

	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &v, sizeof(v)) == -1)
		(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof(v));
}

/*
 * The echoes of our own writes never reach user space: a socket filter
 * on the event socket drops every message whose nlmsg_pid is the
 * writer's port id (the kernel sets it to the port id of the socket
 * whose request caused the event; 0 for the kernel's own changes).  An
 * event skb holds one message, so its header is at offset 0.  BPF loads
 * words big-endian, hence the ntohl of the host-order port id.
 */
static int ctnl_filter_own(struct mnl_socket *ev, uint32_t portid)
{
	struct sock_filter code[] = {
	    BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
		     offsetof(struct nlmsghdr, nlmsg_pid)),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(portid), 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, 0),
	    BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
	};
	struct sock_fprog prog = {sizeof(code) / sizeof(code[0]), code};

	return setsockopt(mnl_socket_get_fd(ev), SOL_SOCKET, SO_ATTACH_FILTER,
			  &prog, sizeof(prog));
}

static int ctnl_open_all(struct pfsd_ctnl *c)
{
	c->ev =
	    ctnl_open(NF_NETLINK_CONNTRACK_NEW | NF_NETLINK_CONNTRACK_UPDATE |
			  NF_NETLINK_CONNTRACK_DESTROY,
		      SOCK_NONBLOCK | SOCK_CLOEXEC);
	c->dump = ctnl_open(0, SOCK_NONBLOCK | SOCK_CLOEXEC);
	c->get = ctnl_open(0, SOCK_CLOEXEC);
	c->w = pfsd_ctwr_new(ctnl_done, c);
	if (c->get != NULL)
		c->getq = pfsd_ctget_new(c->get, "conntrack refresh",
					 ctnl_get_reply, c);
	if (c->ev == NULL || c->dump == NULL || c->get == NULL ||
	    c->getq == NULL || c->w == NULL) {
		log_warn("conntrack sockets");
		return -1;
	}
	c->ev_rcvbuf = CTNL_EV_RCVBUF;
	ctnl_rcvbuf(c->ev, c->ev_rcvbuf);
	ctnl_rcvbuf(c->dump, CTNL_RCVBUF);
	ctnl_rcvbuf(c->get, CTNL_RCVBUF);
	c->wr_portid = pfsd_ctwr_portid(c->w);
	if (ctnl_filter_own(c->ev, c->wr_portid) == -1)
		log_warn("conntrack events: no echo filter (echoes are "
			 "dropped in user space)");
	if (pfsd_loop_add_fd(c->env.loop, mnl_socket_get_fd(c->ev), EPOLLIN,
			     ctnl_ev_read, c) == -1 ||
	    pfsd_loop_add_fd(c->env.loop, mnl_socket_get_fd(c->dump), EPOLLIN,
			     ctnl_dump_ready, c) == -1) {
		log_warn("conntrack sockets: loop");
		return -1;
	}
	return 0;
}

static int ctnl_open_lib(struct pfsd_ctnl *c)
{
	struct pfsd_ctlib_env env = {c->env.engine, c->env.table, c->env.loop,
				     c->w};

	c->lib = pfsd_ctlib_new(&env);
	return c->lib == NULL ? -1 : 0;
}

struct pfsd_ctlib *pfsd_ctnl_lib(struct pfsd_ctnl *c)
{
	return c == NULL ? NULL : c->lib;
}

struct pfsd_ctnl *pfsd_ctnl_new(const struct pfsd_ctnl_env *env)
{
	struct pfsd_ctnl *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->env = *env;
	pfsd_ctnl_set_filter(c, env->filter);
	c->env.filter = NULL; /* the copy is c->filter */
	c->rx = malloc(CTNL_RXBUF);
	c->evrx = pfsd_nlrx_new(CTNL_EV_VLEN, CTNL_EV_SLOT);
	pfsd_idset_init(&c->gone);
	if (c->rx == NULL || c->evrx == NULL ||
	    ctnl_open_all(c) == -1 || ctnl_open_lib(c) == -1) {
		pfsd_ctnl_free(c);
		return NULL;
	}
	/* subscribed first, then dumped: nothing falls in between */
	ctnl_dump_startup(c);
	c->st.resyncs = 0;
	ctnl_scan_arm(c);
	log_info("conntrack backend: %zu states in the kernel table",
		 pfs_table_count(env->table));
	if (env->prov_mark == 0)
		log_info("conntrack: no provenance mark: entries written for "
			 "peers are re-read as ours after a restart "
			 "(pfsyncd.conf(5): provenance)");
	else if (c->st.unconfirmed != 0)
		log_info("conntrack: %llu of them written for peers, held "
			 "until their creators' bulk updates",
			 (unsigned long long)c->st.unconfirmed);
	return c;
}

void pfsd_ctnl_free(struct pfsd_ctnl *c)
{
	if (c == NULL)
		return;
	if (c->timer_id > 0)
		pfsd_loop_timer_cancel(c->env.loop, c->timer_id);
	if (c->scan_id > 0)
		pfsd_loop_timer_cancel(c->env.loop, c->scan_id);
	pfsd_ctget_free(c->getq);
	if (c->get != NULL)
		mnl_socket_close(c->get);
	if (c->ev != NULL) {
		pfsd_loop_del_fd(c->env.loop, mnl_socket_get_fd(c->ev));
		mnl_socket_close(c->ev);
	}
	if (c->dump != NULL) {
		pfsd_loop_del_fd(c->env.loop, mnl_socket_get_fd(c->dump));
		mnl_socket_close(c->dump);
	}
	if (c->w != NULL)
		pfsd_ctwr_flush(c->w);
	pfsd_ctlib_free(c->lib);
	pfsd_ctwr_free(c->w);
	free(c->seen);
	free(c->rx);
	pfsd_nlrx_free(c->evrx);
	pfsd_idset_free(&c->gone);
	free(c);
}

void pfsd_ctnl_set_filter(struct pfsd_ctnl *c, const struct pfsd_ctfilter *f)
{
	struct pfsd_filter_conf all;

	if (f != NULL) {
		c->filter = *f;
		return;
	}
	pfsd_filter_conf_default(&all);
	all.own = false;
	pfsd_ctfilter_init(&c->filter, &all);
}

const struct pfsd_ctfilter *pfsd_ctnl_filter(const struct pfsd_ctnl *c)
{
	return &c->filter;
}

const struct pfsd_ctnl_stats *pfsd_ctnl_stats(const struct pfsd_ctnl *c)
{
	return &c->st;
}
