/*
 * engine_dial.c - which dialect the engine frames its packets in, and the
 * framing itself (dialect.h).
 *
 * The engine decides *what* to announce and keeps its pending packet as
 * v3 records (engine.c); at the flush a v5 or v6 packet is framed from
 * them here: one section of the pending action, the local form with full
 * UPDs, the wire form with UPD_C (expire 0, as OpenBSD and FreeBSD send
 * it) when the v3 twin would be compressed.  Deletes are DEL_C in both,
 * since neither BSD sends a full DEL.
 *
 * `version auto`: every packet's sender and dialect are remembered (16
 * peers, the least recently heard makes room); packets go out as v3 until
 * peers are heard, then in the one dialect all of them speak.  Peers of
 * different dialects (mixed): v3 stays and ops->dialect says so, since one
 * packet to the group cannot be read by both.  A v5 cluster gets the
 * oldest state format its peers sent (a 1301 peer next to a 1500 one
 * gets 1301, which both read).
 */
#include <string.h>

#include "pfsync/dialect.h"
#include "pfsync/engine.h"
#include "pfsync/wire_v3.h"

#include "engine_priv.h"

bool eng_conf_dialect_ok(const struct pfs_engine_conf *c)
{
	bool v = c->version == PFS_ENGINE_VERSION_AUTO ||
		 c->version == PFS_DIALECT_V3 || c->version == PFS_DIALECT_V5 ||
		 c->version == PFS_DIALECT_V6;

	return v && pfs_v5_state_len(c->v5_fmt) != 0;
}

/* The dialect all peers speak; v3 when none is heard or they differ. */
static void eng_dial_auto(const struct pfs_engine *e, uint8_t *d, unsigned *fmt,
			  bool *mixed)
{
	unsigned i;

	*d = PFS_DIALECT_V3;
	*fmt = 0;
	*mixed = false;
	for (i = 0; i < e->npeers; i++) {
		const struct pfs_engine_peer *p = &e->peers[i];

		if (i > 0 && p->dialect != *d)
			*mixed = true;
		*d = p->dialect;
		if (p->fmt != 0 && (*fmt == 0 || p->fmt < *fmt))
			*fmt = p->fmt;
	}
	if (*mixed)
		*d = PFS_DIALECT_V3;
	if (*d == PFS_DIALECT_V5 && *fmt == 0)
		*fmt = e->conf.v5_fmt;
	if (*d != PFS_DIALECT_V5)
		*fmt = 0;
}

/*
 * Decide the dialect from the configuration and the peers heard.  A
 * change flushes the pending packet in the old dialect first; maxcount
 * follows the dialect.
 */
void eng_dial_choose(struct pfs_engine *e, uint64_t now_ms)
{
	uint8_t d = e->conf.version;
	unsigned fmt = d == PFS_DIALECT_V5 ? e->conf.v5_fmt : 0;
	bool mixed = false, changed;

	if (d == PFS_ENGINE_VERSION_AUTO)
		eng_dial_auto(e, &d, &fmt, &mixed);
	changed = d != e->dialect || fmt != e->fmt || mixed != e->mixed;
	if (d != e->dialect || fmt != e->fmt)
		pfs_engine_flush(e, now_ms);
	e->dialect = d;
	e->fmt = fmt;
	e->mixed = mixed;
	e->maxcount = eng_maxcount(e, &e->conf);
	if (changed && e->conf.version == PFS_ENGINE_VERSION_AUTO &&
	    e->ops.dialect)
		e->ops.dialect(e->ctx, d, fmt, mixed);
}

static struct pfs_engine_peer *eng_dial_slot(struct pfs_engine *e, uint32_t src)
{
	struct pfs_engine_peer *old = &e->peers[0];
	unsigned i;

	for (i = 0; i < e->npeers; i++)
		if (e->peers[i].addr == src)
			return &e->peers[i];
	if (e->npeers < PFS_ENGINE_PEERS) {
		memset(&e->peers[e->npeers], 0, sizeof(e->peers[0]));
		return &e->peers[e->npeers++];
	}
	for (i = 1; i < e->npeers; i++)
		if (e->peers[i].heard_ms < old->heard_ms)
			old = &e->peers[i];
	memset(old, 0, sizeof(*old));
	return old;
}

/*
 * A packet of `dialect` from src passed its header checks.  fmt: the v5
 * state format it carried, 0 if none (a v5 peer's format is its oldest
 * seen since it last spoke another dialect).
 */
void eng_dial_heard(struct pfs_engine *e, uint32_t src, uint8_t dialect,
		    unsigned fmt, uint64_t now_ms)
{
	struct pfs_engine_peer *p = eng_dial_slot(e, src);
	bool news = p->addr != src || p->dialect != dialect ||
		    (fmt != 0 && (p->fmt == 0 || fmt < p->fmt));

	if (p->addr != src || p->dialect != dialect)
		p->fmt = 0;
	p->addr = src;
	p->dialect = dialect;
	if (fmt != 0 && (p->fmt == 0 || fmt < p->fmt))
		p->fmt = fmt;
	p->heard_ms = now_ms;
	if (news)
		eng_dial_choose(e, now_ms);
}

/* Pending record i as a message; net: the compressed form. */
static void eng_dial_msg(const struct pfs_engine *e, unsigned i, bool net,
			 struct pfs_msg *m)
{
	const union pfs_v3_record *r = &e->pkt.rec[i];

	memset(m, 0, sizeof(*m));
	switch (e->pkt.action) {
	case PFS_V3_ACT_INS:
	case PFS_V3_ACT_UPD:
		m->kind =
		    e->pkt.action == PFS_V3_ACT_INS ? PFS_MSG_INS : PFS_MSG_UPD;
		m->u.state = &r->state;
		if (!net || m->kind == PFS_MSG_INS)
			break;
		m->kind = PFS_MSG_UPD_C; /* expire 0, as the BSDs send */
		m->u.upd_c.id = r->state.id;
		m->u.upd_c.creatorid = r->state.creatorid;
		m->u.upd_c.src = r->state.src;
		m->u.upd_c.dst = r->state.dst;
		m->u.upd_c.timeout = e->pkt.net_timeout[i];
		break;
	case PFS_V3_ACT_DEL:
		m->kind = PFS_MSG_DEL;
		m->u.ref.id = r->state.id;
		m->u.ref.creatorid = r->state.creatorid;
		break;
	case PFS_V3_ACT_UREQ:
		m->kind = PFS_MSG_UREQ;
		m->u.ref.id = r->ureq.id;
		m->u.ref.creatorid = r->ureq.creatorid;
		break;
	case PFS_V3_ACT_CLR:
		m->kind = PFS_MSG_CLR;
		memcpy(m->u.clr.ifname, r->clr.ifname, PFS_IFNAMSIZ);
		m->u.clr.creatorid = r->clr.creatorid;
		break;
	default:
		m->kind = PFS_MSG_BUS;
		m->u.bus.creatorid = r->bus.creatorid;
		m->u.bus.endtime = r->bus.endtime;
		m->u.bus.status = r->bus.status;
		break;
	}
}

/*
 * The pending packet framed as v5 or v6 into buf; its length.  maxcount
 * is sized for the dialect, so every record fits; one that would not is
 * left out rather than overrunning.
 */
size_t eng_dial_frame(struct pfs_engine *e, uint8_t *buf, size_t cap, bool net)
{
	struct pfs_framer f;
	struct pfs_msg m;
	unsigned i;

	if (pfs_framer_init(&f, (enum pfs_dialect_id)e->dialect, e->fmt, buf,
			    cap) != 0)
		return 0;
	for (i = 0; i < e->pkt.count; i++) {
		eng_dial_msg(e, i, net, &m);
		if (pfs_framer_add(&f, &m) != 0)
			break;
	}
	return pfs_framer_finish(&f);
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
		n++;
	}
	return n;
}
