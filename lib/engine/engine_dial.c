/*
 * engine_dial.c - which dialect the engine frames its packets in, for
 * which peer, and the framing itself (dialect.h).
 *
 * The engine decides *what* to announce and keeps its pending packet as
 * neutral records of one message kind (engine.c, dialect.h); at the
 * flush a v5 or v6 packet is framed from them here: one section of the
 * pending kind, the local form with full UPDs, the wire form with UPD_C
 * (expire 0, as OpenBSD and FreeBSD send it) when the pfsd twin would
 * be compressed.  A full state's `expire` is the seconds it had left
 * when packed, as the BSDs mean it (dialect_sem.h), not the NetBSD
 * value the pfsd framing carries.  Deletes are DEL_C in both, since
 * neither BSD sends a full DEL.
 *
 * `version auto`: the sender and dialect of a packet that proves a peer
 * are remembered (16 peers); packets go out as v3 until peers are heard,
 * then in the one dialect all of them speak, to the group or syncpeer.
 * A packet proves its sender only when it is well formed and carries a
 * record we act on, or a pfsyncd trailer (engine_rx.c): a bare header,
 * which anyone on the link can forge for the price of 20 bytes, neither
 * adds a peer nor changes one's dialect.  A sender that cannot be a peer
 * (0.0.0.0, a multicast or broadcast address) is never learned, so never
 * unicast to.  A peer heard in the last ENG_PEER_LIVE_MS still talks and
 * is never evicted: when every slot holds one, a new sender is not
 * learned (counted); otherwise the least recently heard makes room.  A
 * peer silent for ENG_PEER_EXPIRE_MS is forgotten, except the syncpeer.
 * A v5 cluster gets the oldest state format its peers sent (a 1301 peer
 * next to a 1500 one gets 1301, which both read).
 *
 * Peers of different dialects (mixed): the pending packet is framed once
 * per dialect among them and sent to each peer of that dialect by
 * unicast, since no one packet to the group is read by all (pfsync0 shows
 * it once, as v3).  A homogeneous cluster never takes that path, so it
 * sends exactly what it sent before.
 *
 * The bridge: a state a peer sent us is never sent back to peers that
 * could read that peer's packet (pf does not rebroadcast), but it is
 * announced to the peers that could not (another dialect, or an older v5
 * format), in their framing, like a change of our own.  Loops cannot
 * form: a peer never gets a state from us in the dialect it was heard in,
 * and BSD peers rebroadcast nothing.  A pinned `version N` sends only N
 * and bridges nothing.
 */
#include <string.h>

#include "pfsync/dialect.h"
#include "pfsync/dialect_sem.h"
#include "pfsync/engine.h"

#include "engine_priv.h"

#define ENG_FROM_NONE ((struct eng_from){0, 0, 0})

/* A peer heard this recently still talks: it keeps its slot. */
#define ENG_PEER_LIVE_MS (5u * 60 * 1000)
/* A peer silent this long is forgotten: a day, since a BSD backup with
 * no traffic of its own sends nothing while it only receives. */
#define ENG_PEER_EXPIRE_MS (24ull * 3600 * 1000)

bool pfs_eng_conf_dialect_ok(const struct pfs_engine_conf *c)
{
	bool v = c->version == PFS_ENGINE_VERSION_AUTO ||
		 c->version == PFS_DIALECT_V3 || c->version == PFS_DIALECT_V5 ||
		 c->version == PFS_DIALECT_V6;

	return v && pfs_dialect_fmt_ok(PFS_DIALECT_V5, c->v5_fmt);
}

/* The format a v5 peer reads: its oldest heard, else the cluster's. */
static unsigned eng_dial_peer_fmt(const struct pfs_engine *e,
				  const struct pfs_engine_peer *p)
{
	return p->fmt != 0 ? p->fmt : e->v5_fmt;
}

/* The oldest v5 format heard (conf's when none); true when v5 peers
 * sent different ones. */
static bool eng_dial_v5_fmt(struct pfs_engine *e)
{
	unsigned i, lo = 0, hi = 0;

	for (i = 0; i < e->npeers; i++) {
		unsigned f =
		    e->peers[i].dialect == PFS_DIALECT_V5 ? e->peers[i].fmt : 0;

		if (f != 0 && (lo == 0 || f < lo))
			lo = f;
		if (f > hi)
			hi = f;
	}
	e->v5_fmt = lo != 0 ? lo : e->conf.v5_fmt;
	return lo != hi;
}

/* The dialect all peers speak; v3 when none is heard or they differ. */
static void eng_dial_auto(struct pfs_engine *e, uint8_t *d, unsigned *fmt,
			  bool *mixed)
{
	unsigned i;

	*d = PFS_DIALECT_V3;
	*mixed = false;
	for (i = 0; i < e->npeers; i++) {
		if (i > 0 && e->peers[i].dialect != *d)
			*mixed = true;
		*d = e->peers[i].dialect;
	}
	e->bridge = eng_dial_v5_fmt(e) || *mixed;
	if (*mixed)
		*d = PFS_DIALECT_V3;
	*fmt = *d == PFS_DIALECT_V5 ? e->v5_fmt : 0;
}

/* maxcount: what fits in every framing a packet may take. */
static unsigned eng_dial_maxcount(const struct pfs_engine *e)
{
	unsigned i, m, n = pfs_eng_maxcount(e, &e->conf);

	if (!e->bridge)
		return n;
	for (i = 0; i < e->npeers; i++) {
		const struct pfs_engine_peer *p = &e->peers[i];

		m = pfs_eng_maxcount_of(
		    p->dialect,
		    p->dialect == PFS_DIALECT_V5 ? eng_dial_peer_fmt(e, p) : 0,
		    &e->conf);
		n = m < n ? m : n;
	}
	return n;
}

/*
 * Decide the dialect from the configuration and the peers heard.  A
 * change flushes the pending packet in the old dialect first; maxcount
 * follows the dialect.
 */
void pfs_eng_dial_choose(struct pfs_engine *e, uint64_t now_ms)
{
	uint8_t d = e->conf.version;
	unsigned fmt = d == PFS_DIALECT_V5 ? e->conf.v5_fmt : 0;
	bool mixed = false, changed;

	e->bridge = false;
	e->v5_fmt = e->conf.v5_fmt;
	if (d == PFS_ENGINE_VERSION_AUTO)
		eng_dial_auto(e, &d, &fmt, &mixed);
	changed = d != e->dialect || fmt != e->fmt || mixed != e->mixed;
	if (changed)
		pfs_engine_flush(e, now_ms);
	e->dialect = d;
	e->fmt = fmt;
	e->mixed = mixed;
	e->maxcount = eng_dial_maxcount(e);
	if (changed && e->conf.version == PFS_ENGINE_VERSION_AUTO &&
	    e->ops.dialect)
		e->ops.dialect(e->ctx, d, fmt, mixed);
}

/* Not a peer's address: 0.0.0.0, loopback, multicast (the group too),
 * broadcast.  IPv6 peers' keys (0.0.0.0/8 but 0) pass. */
static bool eng_dial_plausible(uint32_t src)
{
	return src != 0 && src >> 24 != 127 && src >> 28 != 0xe &&
	       src != 0xffffffffu;
}

/* The configured syncpeer: never evicted nor forgotten. */
static bool eng_dial_pinned(const struct pfs_engine *e,
			    const struct pfs_engine_peer *p)
{
	return e->conf.syncpeer != 0 && p->addr == e->conf.syncpeer;
}

static bool eng_dial_live(const struct pfs_engine_peer *p, uint64_t now_ms)
{
	return p->heard_ms + ENG_PEER_LIVE_MS > now_ms;
}

static struct pfs_engine_peer *eng_dial_find(struct pfs_engine *e, uint32_t src)
{
	unsigned i;

	for (i = 0; i < e->npeers; i++)
		if (e->peers[i].addr == src)
			return &e->peers[i];
	return NULL;
}

/* Where a new peer goes: a free slot, else the least recently heard of
 * those that no longer talk (the syncpeer stays); NULL when none. */
static struct pfs_engine_peer *eng_dial_room(struct pfs_engine *e,
					     uint64_t now_ms)
{
	struct pfs_engine_peer *old = NULL, *p;
	unsigned i;

	if (e->npeers < PFS_ENGINE_PEERS)
		return &e->peers[e->npeers];
	for (i = 0; i < e->npeers; i++) {
		p = &e->peers[i];
		if (eng_dial_pinned(e, p) || eng_dial_live(p, now_ms))
			continue;
		if (old == NULL || p->heard_ms < old->heard_ms)
			old = p;
	}
	return old;
}

/* Peers silent for ENG_PEER_EXPIRE_MS go; true when one did. */
static bool eng_dial_expire(struct pfs_engine *e, uint64_t now_ms)
{
	bool gone = false;
	unsigned i = 0;

	while (i < e->npeers) {
		struct pfs_engine_peer *p = &e->peers[i];

		if (eng_dial_pinned(e, p) ||
		    p->heard_ms + ENG_PEER_EXPIRE_MS > now_ms) {
			i++;
			continue;
		}
		*p = e->peers[--e->npeers];
		e->guard_stats[PFS_GUARD_PEER_EXPIRED]++;
		gone = true;
	}
	return gone;
}

void pfs_eng_dial_tick(struct pfs_engine *e, uint64_t now_ms)
{
	if (eng_dial_expire(e, now_ms))
		pfs_eng_dial_choose(e, now_ms);
}

/*
 * A packet of `dialect` from src that did not prove its sender (a bare
 * header, nothing we act on, or malformed): nothing learned.  Counted
 * when it would have been news.
 */
void pfs_eng_dial_unproven(struct pfs_engine *e, uint32_t src, uint8_t dialect)
{
	const struct pfs_engine_peer *p = eng_dial_find(e, src);

	if (p == NULL || p->dialect != dialect)
		e->guard_stats[PFS_GUARD_PEER_UNPROVEN]++;
}

/*
 * A packet of `dialect` from src proved its sender.  fmt: the v5 state
 * format it carried, 0 if none (a v5 peer's format is its oldest seen
 * since it last spoke another dialect).  What is pending leaves first,
 * under the peers it was packed for, when the news may change how
 * packets are framed (never between v3 peers).
 */
void pfs_eng_dial_heard(struct pfs_engine *e, uint32_t src, uint8_t dialect,
			unsigned fmt, uint64_t now_ms)
{
	bool gone = eng_dial_expire(e, now_ms), news;
	struct pfs_engine_peer *p;

	if (!eng_dial_plausible(src)) {
		e->guard_stats[PFS_GUARD_PEER_BADADDR]++;
		goto out;
	}
	p = eng_dial_find(e, src);
	if (p == NULL && eng_dial_room(e, now_ms) == NULL) {
		e->guard_stats[PFS_GUARD_PEER_FULL]++;
		goto out;
	}
	news = !p || p->dialect != dialect ||
	       (fmt != 0 && (p->fmt == 0 || fmt < p->fmt));
	if (news && e->conf.version == PFS_ENGINE_VERSION_AUTO &&
	    (dialect != PFS_DIALECT_V3 || e->dialect != PFS_DIALECT_V3 ||
	     e->bridge))
		pfs_engine_flush(e, now_ms);
	if (p == NULL) {
		p = eng_dial_room(e, now_ms);
		if (p == &e->peers[e->npeers])
			e->npeers++;
		memset(p, 0, sizeof(*p));
	}
	if (p->addr != src || p->dialect != dialect)
		p->fmt = 0;
	p->addr = src;
	p->dialect = dialect;
	if (fmt != 0 && (p->fmt == 0 || fmt < p->fmt))
		p->fmt = fmt;
	p->heard_ms = now_ms;
	gone = gone || news;
out:
	if (gone)
		pfs_eng_dial_choose(e, now_ms);
}

/* Pending record i as a message in dialect d; net: the compressed form.
 * A full state is copied into *st with d's `expire` (dialect_sem.h). */
static void eng_dial_msg(const struct pfs_engine *e, unsigned i, uint8_t d,
			 bool net, struct pfs_msg *m, struct pfs_state *st)
{
	const union pfs_msg_rec *r = &e->pkt.rec[i];

	memset(m, 0, sizeof(*m));
	switch (e->pkt.action) {
	case PFS_MSG_INS:
	case PFS_MSG_UPD:
		m->kind =
		    e->pkt.action == PFS_MSG_INS ? PFS_MSG_INS : PFS_MSG_UPD;
		*st = r->state;
		st->expire =
		    pfs_dsem_wire_expire(d, e->pkt.left[i], r->state.timeout);
		m->u.state = st;
		/* defer: a BSD peer answers with an INS_ACK (engine_defer.c) */
		m->ack_wanted = m->kind == PFS_MSG_INS && e->conf.defer;
		if (!net || m->kind == PFS_MSG_INS)
			break;
		m->kind = PFS_MSG_UPD_C; /* expire 0, as the BSDs send */
		m->u.upd_c.id = r->state.id;
		m->u.upd_c.creatorid = r->state.creatorid;
		m->u.upd_c.src = r->state.src;
		m->u.upd_c.dst = r->state.dst;
		m->u.upd_c.timeout = e->pkt.net_timeout[i];
		break;
	case PFS_MSG_DEL:
		m->kind = PFS_MSG_DEL;
		m->u.ref.id = r->state.id;
		m->u.ref.creatorid = r->state.creatorid;
		break;
	default: /* UREQ, CLR, BUS */
		pfs_msg_of_rec(m, e->pkt.action, r);
		break;
	}
}

/*
 * Message m of record i as a BSD peer of dialect (fmt) can hold it
 * (bsdproto.h): a full state translated in place in *st (eng_dial_msg's
 * copy, which m points at), a compressed update in m itself; -1 when it
 * is left out.  count: this framing goes on the wire (into nbuf, once
 * per dialect and packet; pfsync0's copy is not counted again).
 */
static int eng_dial_fit(struct pfs_engine *e, uint8_t dialect, unsigned fmt,
			unsigned i, struct pfs_msg *m, struct pfs_state *st,
			bool count)
{
	enum pfs_bsdp_stat why = PFS_BSDP_PORTS;
	struct pfs_state tmp, *t = st;
	int rc;

	if (m->kind != PFS_MSG_INS && m->kind != PFS_MSG_UPD &&
	    m->kind != PFS_MSG_UPD_C)
		return 0;
	if (m->kind == PFS_MSG_UPD_C) {
		tmp = e->pkt.rec[i].state;
		tmp.timeout = m->u.upd_c.timeout;
		t = &tmp;
	}
	rc = pfs_bsdproto_fit(dialect, fmt, t, &why);
	if (rc != 0 && count)
		e->bsdp_stats[why]++;
	if (rc < 0)
		return -1;
	if (m->kind == PFS_MSG_UPD_C) {
		m->u.upd_c.src = tmp.src;
		m->u.upd_c.dst = tmp.dst;
		m->u.upd_c.timeout = tmp.timeout;
	}
	return 0;
}

/*
 * The pending packet framed as v5 or v6 into buf; its length.  maxcount
 * is sized for the dialect, so every record fits; one that would not is
 * left out rather than overrunning.
 */
size_t pfs_eng_dial_frame(struct pfs_engine *e, uint8_t dialect, unsigned fmt,
			  uint8_t *buf, size_t cap, bool net)
{
	struct pfs_framer f;
	struct pfs_state st;
	struct pfs_msg m;
	unsigned i;

	if (pfs_framer_init(&f, (enum pfs_dialect_id)dialect, fmt, buf, cap) !=
	    0)
		return 0;
	for (i = 0; i < e->pkt.count; i++) {
		eng_dial_msg(e, i, dialect, net, &m, &st);
		if (eng_dial_fit(e, dialect, fmt, i, &m, &st, buf == e->nbuf) <
		    0)
			continue;
		if (pfs_framer_add(&f, &m) != 0)
			break;
	}
	return pfs_framer_finish(&f);
}

/* ---- per-peer framing and the bridge ------------------------------------*/

/* True when p reads what `from` sent: the same dialect and, in v5, a
 * format no older than the one it was sent in. */
static bool eng_dial_reads(const struct pfs_engine *e,
			   const struct pfs_engine_peer *p,
			   struct eng_from from)
{
	if (p->addr == from.addr)
		return true;
	if (p->dialect != from.dialect)
		return false;
	return from.dialect != PFS_DIALECT_V5 || from.fmt == 0 ||
	       eng_dial_peer_fmt(e, p) >= from.fmt;
}

/* Whether the pending packet goes to peer p (to: that peer only, when
 * not 0: a reply, or the syncpeer). */
static bool eng_dial_gets(const struct pfs_engine *e,
			  const struct pfs_engine_peer *p, uint32_t to)
{
	if (to != 0 && p->addr != to)
		return false;
	return e->pkt.from.dialect == 0 || !eng_dial_reads(e, p, e->pkt.from);
}

/* Mixed peers or bridged records: the pending packet goes per peer. */
bool pfs_eng_dial_split(const struct pfs_engine *e)
{
	return e->conf.version == PFS_ENGINE_VERSION_AUTO && !eng_wire_off(e) &&
	       (e->mixed || e->pkt.from.dialect != 0);
}

/* The v5 format for the v5 peers that get this packet: their oldest. */
static unsigned eng_dial_audience_fmt(const struct pfs_engine *e, uint32_t to)
{
	unsigned i, f, fmt = 0;

	for (i = 0; i < e->npeers; i++) {
		const struct pfs_engine_peer *p = &e->peers[i];

		if (p->dialect != PFS_DIALECT_V5 || !eng_dial_gets(e, p, to))
			continue;
		f = eng_dial_peer_fmt(e, p);
		if (fmt == 0 || f < fmt)
			fmt = f;
	}
	return fmt;
}

/*
 * The pending packet framed in dialect d and sent to each peer of d that
 * gets it; the first send carries the local form for pfsync0.  v3 in the
 * stream carries the pfsyncd trailer, stamped once.  Returns how many
 * peers it went to.
 */
static unsigned eng_dial_send_to(struct pfs_engine *e, uint8_t d, size_t *llen,
				 bool reply, uint32_t to, uint64_t now_ms)
{
	unsigned i, fmt = 0, n = 0;
	size_t wlen = 0;

	if (d == PFS_DIALECT_V5 && (fmt = eng_dial_audience_fmt(e, to)) == 0)
		return 0;
	for (i = 0; i < e->npeers; i++) {
		const struct pfs_engine_peer *p = &e->peers[i];

		if (p->dialect != d || !eng_dial_gets(e, p, to))
			continue;
		if (n++ == 0) {
			wlen = pfs_eng_encode(e, d, fmt, e->nbuf, e->pkt.net);
			wlen = pfs_eng_xst_append(e, d, e->nbuf, wlen,
						  ENG_BUF_MAX);
			if (d == PFS_DIALECT_V3 && !reply)
				wlen = pfs_eng_rel_stamp(e, e->nbuf, wlen,
							 ENG_WIRE_MAX, now_ms);
		}
		pfs_eng_send(e, e->lbuf, *llen, e->nbuf, wlen, p->addr);
		*llen = 0; /* pfsync0 shows it once */
	}
	return n;
}

/*
 * Flush per peer: once per dialect among the peers that get the packet
 * (a bridged one: those who could not read it), each by unicast; with a
 * syncpeer configured, to it alone.  A reply, or a packet for a syncpeer
 * not heard yet, goes to it in the local form's dialect.
 */
void pfs_eng_dial_flush(struct pfs_engine *e, uint64_t now_ms)
{
	static const uint8_t dialects[] = {PFS_DIALECT_V3, PFS_DIALECT_V5,
					   PFS_DIALECT_V6};
	bool reply = e->sendaddr_set;
	uint32_t to = reply ? e->sendaddr : e->conf.syncpeer;
	size_t llen, wlen;
	unsigned i, n = 0;

	e->sendaddr_set = false;
	llen = pfs_eng_encode(e, e->dialect, e->fmt, e->lbuf, false);
	for (i = 0; i < sizeof(dialects); i++)
		n += eng_dial_send_to(e, dialects[i], &llen, reply, to, now_ms);
	if (n == 0 && to != 0 && (reply || !eng_dial_find(e, to))) {
		wlen =
		    pfs_eng_encode(e, e->dialect, e->fmt, e->nbuf, e->pkt.net);
		wlen = pfs_eng_xst_append(e, e->dialect, e->nbuf, wlen,
					  ENG_BUF_MAX);
		if (!reply && e->dialect == PFS_DIALECT_V3)
			wlen = pfs_eng_rel_stamp(e, e->nbuf, wlen, ENG_WIRE_MAX,
						 now_ms);
		pfs_eng_send(e, e->lbuf, llen, e->nbuf, wlen, to);
	} else if (n == 0) {
		pfs_eng_send(e, e->lbuf, llen, NULL, 0, PFS_SYNC_GROUP);
	}
	pfs_eng_drop(e);
}

/* Whether a record heard from `from` has a peer that could not read it. */
static bool eng_dial_unread(const struct pfs_engine *e, struct eng_from from)
{
	unsigned i;

	if (!e->bridge || from.dialect == 0)
		return false;
	for (i = 0; i < e->npeers; i++)
		if (!eng_dial_reads(e, &e->peers[i], from))
			return true;
	return false;
}

/*
 * A peer's change applied to st (op): announced, like one of ours, to
 * the peers that could not read it.  Deletes go before st is removed.
 * An update that changed no peer of a state already announced this
 * second is not passed on again: it is the echo of one we passed on (a
 * second bridge on the link sending it back), and dropping it is what
 * ends any round of equal updates between bridges.
 */
void pfs_eng_dial_bridge(struct pfs_engine *e, enum pfs_op op,
			 struct pfs_state *st, struct eng_from from, bool same,
			 uint64_t now_ms)
{
	enum pfs_msg_kind action = op == PFS_OP_INSERT   ? PFS_MSG_INS
			 : op == PFS_OP_UPDATE ? PFS_MSG_UPD
					       : PFS_MSG_DEL;

	if (st->sync_flags != 0 || !eng_dial_unread(e, from))
		return;
	if (same && op == PFS_OP_UPDATE && st->sync_time == eng_secs(now_ms)) {
		e->bridge_echoes++;
		return;
	}
	e->bridged++;
	e->pack_from = from;
	pfs_eng_pack_state(e, action, st, ENG_F_COMPRESS, now_ms);
	e->pack_from = ENG_FROM_NONE;
}

/* A peer's CLR of all its states, passed on the same way. */
void pfs_eng_dial_bridge_clr(struct pfs_engine *e, const char *ifname,
			     uint32_t creatorid, struct eng_from from,
			     uint64_t now_ms)
{
	union pfs_msg_rec r;

	if (!eng_dial_unread(e, from))
		return;
	memset(&r, 0, sizeof(r));
	strncpy(r.clr.ifname, ifname, sizeof(r.clr.ifname) - 1);
	r.clr.creatorid = creatorid;
	e->bridged++;
	e->pack_from = from;
	pfs_eng_pack_rec(e, PFS_MSG_CLR, &r, now_ms);
	e->pack_from = ENG_FROM_NONE;
}

/* ---- read side ----------------------------------------------------------*/

unsigned pfs_engine_dialect(const struct pfs_engine *e, unsigned *fmt)
{
	if (fmt)
		*fmt = e->fmt;
	return e->dialect;
}

bool pfs_engine_dialect_mixed(const struct pfs_engine *e)
{
	return e->mixed;
}

uint64_t pfs_engine_bridged(const struct pfs_engine *e, uint64_t *echoes)
{
	if (echoes)
		*echoes = e->bridge_echoes;
	return e->bridged;
}

/* The dialect p is answered in: the pinned or common one, else its own. */
static void eng_dial_answer(const struct pfs_engine *e,
			    struct pfs_engine_peer *p)
{
	p->answer = e->dialect;
	p->answer_fmt = e->fmt;
	if (!e->mixed)
		return;
	p->answer = p->dialect;
	p->answer_fmt = p->dialect == PFS_DIALECT_V5 ? e->v5_fmt : 0;
}

size_t pfs_engine_peers(const struct pfs_engine *e, struct pfs_engine_peer *out,
			size_t max)
{
	size_t n = 0, i, j;

	for (i = 0; i < e->npeers && n < max; i++) {
		/* insertion by heard_ms, newest first */
		for (j = n; j > 0 && out[j - 1].heard_ms < e->peers[i].heard_ms;
		     j--)
			out[j] = out[j - 1];
		out[j] = e->peers[i];
		eng_dial_answer(e, &out[j]);
		n++;
	}
	return n;
}
