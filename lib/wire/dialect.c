/*
 * dialect.c - dialect-neutral messages framed as v3, v5 or v6 and packets
 * of any of them walked back into messages (see dialect.h).  The byte
 * work is the codecs' (wire_v3.c, wire_v5.c, wire_v6.c); this file only
 * maps message kinds onto actions and records.
 */
#include <string.h>

#include "pfsync/dialect.h"
#include "pfsync/pfsd.h"
#include "pfsync/stats.h"
#include "pfsync/wire_v3.h"
#include "pfsync/wire_v5.h"
#include "pfsync/wire_v6.h"

/* the shared values are v3's own, which named them first */
_Static_assert(PFS_SYNC_PROTO == PFS_V3_PROTO && PFS_SYNC_TTL == PFS_V3_TTL &&
		   PFS_SYNC_GROUP == PFS_V3_GROUP &&
		   PFS_SYNC_MTU_MAX == PFS_V3_MTU_MAX &&
		   PFS_SYNC_CHKSUM_LEN == PFS_V3_CHKSUM_LEN,
	       "the shared pfsync values are v3's");
_Static_assert(PFS_BUS_START == PFS_V3_BUS_START &&
		   PFS_BUS_END == PFS_V3_BUS_END &&
		   PFS_BUS_END_UNSYNCED == PFS_V3_BUS_END_UNSYNCED,
	       "bulk status values are v3's");
_Static_assert(PFS_DIALECT_REC_MAX ==
		   (PFS_SYNC_MTU_MAX - PFS_V3_HDR_LEN) / PFS_V3_STATE_LEN,
	       "the most states of a packet: v3's at the largest MTU");
_Static_assert(PFS_DIALECT_PKT_MAX == PFS_BSD_HDR_LEN + PFS_BSD_SUBHDR_LEN +
					      PFS_BSD_SUBHDR_LEN +
					      PFS_DIALECT_REC_MAX *
						  PFS_V5_STATE_1500_LEN,
	       "the largest packet: v5 1500 states");

void pfs_msg_of_rec(struct pfs_msg *m, enum pfs_msg_kind k,
		    const union pfs_msg_rec *r)
{
	m->kind = k; /* per record: the union is not cleared, only set */
	m->ack_wanted = false;
	switch (k) {
	case PFS_MSG_INS:
	case PFS_MSG_UPD:
	case PFS_MSG_DEL_FULL:
		m->u.state = &r->state;
		break;
	case PFS_MSG_UPD_C:
		m->u.upd_c = r->upd_c;
		break;
	case PFS_MSG_CLR:
		m->u.clr = r->clr;
		break;
	case PFS_MSG_BUS:
		m->u.bus = r->bus;
		break;
	default: /* DEL, UREQ, INS_ACK */
		m->u.ref = r->ref;
		break;
	}
}

unsigned pfs_dialect_maxcount(enum pfs_dialect_id d, unsigned fmt,
			      unsigned mtu)
{
	unsigned n, over, slen;

	if (mtu > PFS_SYNC_MTU_MAX)
		mtu = PFS_SYNC_MTU_MAX;
	slen = d == PFS_DIALECT_V6 ? PFS_V6_STATE_LEN
				   : (unsigned)pfs_v5_state_len(fmt);
	if (slen == 0)
		return 1;
	over = 20 + PFS_BSD_HDR_LEN + PFS_BSD_SUBHDR_LEN +
	       (d == PFS_DIALECT_V5 ? PFS_BSD_SUBHDR_LEN : 0);
	n = mtu > over ? (mtu - over) / slen : 0;
	n = n > PFS_DIALECT_REC_MAX ? PFS_DIALECT_REC_MAX : n;
	return n ? n : 1;
}

bool pfs_dialect_fmt_ok(enum pfs_dialect_id d, unsigned fmt)
{
	if (d == PFS_DIALECT_V5)
		return pfs_v5_state_len(fmt) != 0;
	return fmt == 0;
}

/* --- framing: v3, one action per packet ----------------------------------- */

static int v3_action(enum pfs_msg_kind k)
{
	switch (k) {
	case PFS_MSG_INS:
		return PFS_V3_ACT_INS;
	case PFS_MSG_UPD:
		return PFS_V3_ACT_UPD;
	case PFS_MSG_UPD_C:
		return PFS_V3_ACT_UPD_C;
	case PFS_MSG_DEL:
		return PFS_V3_ACT_DEL_C;
	case PFS_MSG_DEL_FULL:
		return PFS_V3_ACT_DEL;
	case PFS_MSG_CLR:
		return PFS_V3_ACT_CLR;
	case PFS_MSG_UREQ:
		return PFS_V3_ACT_UREQ;
	case PFS_MSG_BUS:
		return PFS_V3_ACT_BUS;
	default:
		return -1; /* INS_ACK: v3 has no defer */
	}
}

static void v3_record(const struct pfs_msg *m, union pfs_v3_record *r)
{
	memset(r, 0, sizeof(*r));
	switch (m->kind) {
	case PFS_MSG_INS:
	case PFS_MSG_UPD:
	case PFS_MSG_DEL_FULL:
		r->state = *m->u.state;
		break;
	case PFS_MSG_UPD_C:
		r->upd.id = m->u.upd_c.id;
		r->upd.creatorid = m->u.upd_c.creatorid;
		r->upd.src = m->u.upd_c.src;
		r->upd.dst = m->u.upd_c.dst;
		r->upd.expire = m->u.upd_c.expire;
		r->upd.timeout = m->u.upd_c.timeout;
		r->upd.updates = m->u.upd_c.updates;
		break;
	case PFS_MSG_DEL: /* DEL_C: the peer states stay 0, as v3 sends */
		r->del.id = m->u.ref.id;
		r->del.creatorid = m->u.ref.creatorid;
		break;
	case PFS_MSG_UREQ:
		r->ureq.id = m->u.ref.id;
		r->ureq.creatorid = m->u.ref.creatorid;
		break;
	case PFS_MSG_CLR:
		memcpy(r->clr.ifname, m->u.clr.ifname, PFS_IFNAMSIZ);
		r->clr.ifname[PFS_IFNAMSIZ - 1] = '\0';
		r->clr.creatorid = m->u.clr.creatorid;
		break;
	default:
		r->bus.creatorid = m->u.bus.creatorid;
		r->bus.endtime = m->u.bus.endtime;
		r->bus.status = m->u.bus.status;
		break;
	}
}

/* States and compressed updates, the bulk of the traffic, go straight
 * from the message to the wire; the rest through a v3 record (r). */
static void v3_put(struct pfs_wbuf *wb, uint8_t act, const struct pfs_msg *m,
		   union pfs_v3_record *r)
{
	struct pfs_v3_upd u;

	switch (m->kind) {
	case PFS_MSG_INS:
	case PFS_MSG_UPD:
	case PFS_MSG_DEL_FULL:
		pfs_v3_put_state(wb, m->u.state);
		return;
	case PFS_MSG_UPD_C:
		u.id = m->u.upd_c.id;
		u.creatorid = m->u.upd_c.creatorid;
		u.src = m->u.upd_c.src;
		u.dst = m->u.upd_c.dst;
		u.expire = m->u.upd_c.expire;
		u.timeout = m->u.upd_c.timeout;
		u.updates = m->u.upd_c.updates;
		pfs_v3_put_upd(wb, &u);
		return;
	default:
		v3_record(m, r);
		pfs_v3_put_record(wb, act, r);
		return;
	}
}

static int v3_add(struct pfs_framer *f, const struct pfs_msg *m)
{
	int act = v3_action(m->kind);
	union pfs_v3_record r;
	size_t rl;

	if (act < 0)
		return -1;
	rl = pfs_v3_reclen((uint8_t)act);
	if (f->count > 0 && (f->action != act || f->single ||
			     f->count >= PFS_V3_MAXCOUNT_CAP))
		return PFS_FRAME_FULL;
	if (pfs_wbuf_left(&f->wb) < rl)
		return f->count > 0 ? PFS_FRAME_FULL : -1;
	v3_put(&f->wb, (uint8_t)act, m, &r);
	f->action = (uint8_t)act;
	f->single = act == PFS_V3_ACT_CLR || act == PFS_V3_ACT_BUS;
	f->count++;
	return f->wb.err ? -1 : 0;
}

/* The header goes in last: action and count are known only now. */
static size_t v3_finish(struct pfs_framer *f)
{
	struct pfs_wbuf *wb = &f->wb;

	if (f->count == 0 || wb->err)
		return 0;
	pfs_wbuf_poke_u8(wb, 0, PFS_V3_VERSION);
	pfs_wbuf_poke_u8(wb, 2, f->action);
	pfs_wbuf_poke_u8(wb, 3, f->single ? 0 : (uint8_t)f->count);
	return wb->err ? 0 : wb->off;
}

/* --- framing: v5 and v6, sections ----------------------------------------- */

static int bsd_action(const struct pfs_framer *f, enum pfs_msg_kind k)
{
	int v5 = f->dialect == PFS_DIALECT_V5;

	switch (k) {
	case PFS_MSG_INS:
		return v5 ? pfs_v5_ins_action(f->fmt) : PFS_V6_ACT_INS;
	case PFS_MSG_UPD:
		return v5 ? pfs_v5_upd_action(f->fmt) : PFS_V6_ACT_UPD;
	case PFS_MSG_UPD_C:
		return PFS_V6_ACT_UPD_C; /* same number in v5 */
	case PFS_MSG_DEL:
		return PFS_V6_ACT_DEL_C;
	case PFS_MSG_CLR:
		return PFS_V6_ACT_CLR;
	case PFS_MSG_UREQ:
		return PFS_V6_ACT_UPD_REQ;
	case PFS_MSG_BUS:
		return PFS_V6_ACT_BUS;
	case PFS_MSG_INS_ACK:
		return PFS_V6_ACT_INS_ACK;
	default:
		return -1;
	}
}

/* v5 and v6 records share their C types (wire_bsd.h), so one union of
 * either dialect is filled through the same members. */
static void bsd_record(const struct pfs_msg *m, struct pfs_bsd_state *st,
		       struct pfs_bsd_upd_c *u, struct pfs_bsd_ref *ref,
		       struct pfs_bsd_clr *c, struct pfs_bsd_bus *b)
{
	switch (m->kind) {
	case PFS_MSG_INS:
	case PFS_MSG_UPD:
		st->st = *m->u.state;
		pfs_bsd_extra_default(&st->x, &st->st);
		if (m->kind == PFS_MSG_INS && m->ack_wanted)
			st->x.state_flags |= PFS_BSD_PFSTATE_ACK;
		break;
	case PFS_MSG_UPD_C:
		memset(u, 0, sizeof(*u));
		u->id = m->u.upd_c.id;
		u->creatorid = m->u.upd_c.creatorid;
		u->src = m->u.upd_c.src;
		u->dst = m->u.upd_c.dst;
		u->expire = m->u.upd_c.expire;
		u->timeout = m->u.upd_c.timeout;
		break;
	case PFS_MSG_CLR:
		memcpy(c->ifname, m->u.clr.ifname, PFS_IFNAMSIZ);
		c->ifname[PFS_IFNAMSIZ - 1] = '\0';
		c->creatorid = m->u.clr.creatorid;
		break;
	case PFS_MSG_BUS:
		memset(b, 0, sizeof(*b));
		b->creatorid = m->u.bus.creatorid;
		b->endtime = m->u.bus.endtime;
		b->status = m->u.bus.status;
		break;
	default: /* DEL, UREQ, INS_ACK */
		ref->id = m->u.ref.id;
		ref->creatorid = m->u.ref.creatorid;
		break;
	}
}

/* The v5 and v6 section writers have the same fields: one is built from
 * the framer before each step (LOAD) and its position kept (STORE). */
#define BSD_LOAD(w, f)                                                     \
	((w)->wb = (f)->wb, (w)->sub_off = (f)->sub_off,                   \
	 (w)->count = (uint16_t)(f)->count, (w)->action = (f)->action,     \
	 (w)->open = (f)->open)
#define BSD_STORE(f, w)                                                    \
	((f)->wb = (w)->wb, (f)->sub_off = (w)->sub_off,                   \
	 (f)->count = (w)->count, (f)->action = (w)->action,               \
	 (f)->open = (w)->open)

static int bsd_put(struct pfs_framer *f, int act, const struct pfs_msg *m)
{
	struct pfs_v6_writer w6;
	struct pfs_v5_writer w5;
	union pfs_v6_record r6;
	union pfs_v5_record r5;
	int rc;

	if (f->dialect == PFS_DIALECT_V6) {
		bsd_record(m, &r6.state, &r6.upd_c, &r6.ref, &r6.clr, &r6.bus);
		BSD_LOAD(&w6, f);
		rc = pfs_v6_writer_add(&w6, (uint8_t)act, &r6);
		BSD_STORE(f, &w6);
		return rc;
	}
	bsd_record(m, &r5.state, &r5.upd_c, &r5.ref, &r5.clr, &r5.bus);
	BSD_LOAD(&w5, f);
	rc = pfs_v5_writer_add(&w5, (uint8_t)act, &r5);
	BSD_STORE(f, &w5);
	return rc;
}

static int bsd_add(struct pfs_framer *f, const struct pfs_msg *m)
{
	int act = bsd_action(f, m->kind);
	bool empty = pfs_framer_empty(f);

	if (act <= 0 && m->kind != PFS_MSG_CLR)
		return -1;
	if (bsd_put(f, act, m) == 0)
		return 0;
	return empty ? -1 : PFS_FRAME_FULL;
}

static int bsd_init(struct pfs_framer *f, uint8_t *buf, size_t cap)
{
	struct pfs_v6_writer w6;
	struct pfs_v5_writer w5;
	int rc;

	if (f->dialect == PFS_DIALECT_V6) {
		rc = pfs_v6_writer_init(&w6, buf, cap);
		BSD_STORE(f, &w6);
		return rc;
	}
	rc = pfs_v5_writer_init(&w5, buf, cap, NULL);
	BSD_STORE(f, &w5);
	return rc;
}

static size_t bsd_finish(struct pfs_framer *f)
{
	struct pfs_v6_writer w6;
	struct pfs_v5_writer w5;
	size_t len;

	if (f->dialect == PFS_DIALECT_V6) {
		BSD_LOAD(&w6, f);
		len = pfs_v6_writer_finish(&w6);
		BSD_STORE(f, &w6);
		return len;
	}
	BSD_LOAD(&w5, f);
	len = pfs_v5_writer_finish(&w5);
	BSD_STORE(f, &w5);
	return len;
}

/* --- framer entry points -------------------------------------------------- */

int pfs_framer_init(struct pfs_framer *f, enum pfs_dialect_id d, unsigned fmt,
		    uint8_t *buf, size_t cap)
{
	memset(f, 0, sizeof(*f));
	f->dialect = d;
	switch (d) {
	case PFS_DIALECT_V3:
		pfs_wbuf_init(&f->wb, buf, cap);
		pfs_wbuf_put_zero(&f->wb, PFS_V3_HDR_LEN);
		return f->wb.err ? -1 : 0;
	case PFS_DIALECT_V5:
		if (pfs_v5_state_len(fmt) == 0)
			return -1;
		f->fmt = fmt;
		return bsd_init(f, buf, cap);
	case PFS_DIALECT_V6:
		return bsd_init(f, buf, cap);
	default:
		return -1;
	}
}

int pfs_framer_add(struct pfs_framer *f, const struct pfs_msg *m)
{
	if (f->dialect == PFS_DIALECT_V3)
		return v3_add(f, m);
	return bsd_add(f, m);
}

bool pfs_framer_empty(const struct pfs_framer *f)
{
	if (f->dialect == PFS_DIALECT_V3)
		return f->count == 0;
	return !f->open;
}

size_t pfs_framer_finish(struct pfs_framer *f)
{
	if (pfs_framer_empty(f))
		return 0;
	if (f->dialect == PFS_DIALECT_V3)
		return v3_finish(f);
	return bsd_finish(f);
}

/* --- receive: v3 ---------------------------------------------------------- */

/* v3 records are decoded by the pfsd dialect (pfsd.h), its superset; v3
 * states are checked by the engine's own v3 rules, not here. */
static int rx_v3(const uint8_t *pkt, size_t len, pfs_msg_fn fn, void *arg,
		 struct pfs_rx_result *res)
{
	struct pfs_pfsd_pkt p;
	union pfs_msg_rec r;
	struct pfs_msg m;
	size_t i;
	int rc = pfs_pfsd_parse(pkt, len, &p);

	if (rc != 0)
		return rc;
	res->framed = true;
	res->well_formed = true;
	for (i = 0; i < p.nrec; i++) {
		res->walked++;
		if (p.kind == 0) { /* TDB_UPD */
			res->skipped++;
			continue;
		}
		pfs_pfsd_rec(&p, i, &r);
		pfs_msg_of_rec(&m, p.kind, &r);
		if (fn(&m, arg) != 0)
			break;
	}
	return 0;
}

/* --- receive: v5 and v6 --------------------------------------------------- */

/* A BSD record as a message, the state checked first; 1 = not handed on. */
static int bsd_msg(int kind, const struct pfs_bsd_state *st,
		   const struct pfs_bsd_upd_c *u, const struct pfs_bsd_ref *ref,
		   const struct pfs_bsd_clr *c, const struct pfs_bsd_bus *b,
		   struct pfs_msg *m, struct pfs_rx_result *res)
{
	memset(m, 0, sizeof(*m));
	m->kind = (enum pfs_msg_kind)kind;
	switch (kind) {
	case PFS_MSG_INS:
	case PFS_MSG_UPD:
		if (pfs_bsd_state_check(st) != 0) {
			res->badval++;
			return 1;
		}
		m->u.state = &st->st;
		m->ack_wanted = kind == PFS_MSG_INS &&
				(st->x.state_flags & PFS_BSD_PFSTATE_ACK) != 0;
		return 0;
	case PFS_MSG_UPD_C:
		m->u.upd_c.id = u->id;
		m->u.upd_c.creatorid = u->creatorid;
		m->u.upd_c.src = u->src;
		m->u.upd_c.dst = u->dst;
		m->u.upd_c.expire = u->expire;
		m->u.upd_c.timeout = u->timeout;
		return 0;
	case PFS_MSG_CLR:
		memcpy(m->u.clr.ifname, c->ifname, PFS_IFNAMSIZ);
		m->u.clr.creatorid = c->creatorid;
		return 0;
	case PFS_MSG_BUS:
		m->u.bus.creatorid = b->creatorid;
		m->u.bus.endtime = b->endtime;
		m->u.bus.status = b->status;
		return 0;
	case PFS_MSG_DEL:
	case PFS_MSG_UREQ:
	case PFS_MSG_INS_ACK:
		m->u.ref.id = ref->id;
		m->u.ref.creatorid = ref->creatorid;
		return 0;
	default:
		res->skipped++;
		return 1;
	}
}

/* Message kind of a v6 action; 0 for TDB and the skipped ones. */
static int v6_kind(uint8_t act)
{
	switch (act) {
	case PFS_V6_ACT_INS:
		return PFS_MSG_INS;
	case PFS_V6_ACT_UPD:
		return PFS_MSG_UPD;
	case PFS_V6_ACT_UPD_C:
		return PFS_MSG_UPD_C;
	case PFS_V6_ACT_DEL:
	case PFS_V6_ACT_DEL_C:
		return PFS_MSG_DEL;
	case PFS_V6_ACT_CLR:
		return PFS_MSG_CLR;
	case PFS_V6_ACT_UPD_REQ:
		return PFS_MSG_UREQ;
	case PFS_V6_ACT_BUS:
		return PFS_MSG_BUS;
	case PFS_V6_ACT_INS_ACK:
		return PFS_MSG_INS_ACK;
	default:
		return 0;
	}
}

/* v5 numbers agree with v6 except for the state actions. */
static int v5_kind(uint8_t act)
{
	switch (act) {
	case PFS_V5_ACT_INS_1301:
	case PFS_V5_ACT_INS_1400:
	case PFS_V5_ACT_INS_1500:
		return PFS_MSG_INS;
	case PFS_V5_ACT_UPD_1301:
	case PFS_V5_ACT_UPD_1400:
	case PFS_V5_ACT_UPD_1500:
		return PFS_MSG_UPD;
	case PFS_V5_ACT_TDB:
		return 0;
	default:
		return v6_kind(act);
	}
}

/* A DEL carrying a full state needs no value check: only ids are used. */
static void bsd_del_ref(struct pfs_bsd_ref *ref, const struct pfs_bsd_state *st)
{
	uint64_t id = st->st.id;
	uint32_t creatorid = st->st.creatorid;

	ref->id = id;
	ref->creatorid = creatorid;
}

/* The records of one section; 1 when fn asked to stop. */
static int rx_section6(const struct pfs_v6_section *s, pfs_msg_fn fn, void *arg,
		       struct pfs_rx_result *res)
{
	union pfs_v6_record r;
	struct pfs_msg m;
	size_t i;
	int kind = v6_kind(s->sub.action);

	/* a skipped section's records are counted, not visited: one of
	 * zero-length records (4 bytes, count 65 535) costs nothing */
	if (s->skip || kind == 0) {
		res->skipped += s->sub.count;
		return 0;
	}
	for (i = 0; i < s->sub.count; i++) {
		res->walked++;
		pfs_v6_section_record(s, i, &r);
		if (s->sub.action == PFS_V6_ACT_DEL)
			bsd_del_ref(&r.ref, &r.state);
		if (bsd_msg(kind, &r.state, &r.upd_c, &r.ref, &r.clr, &r.bus,
			    &m, res) == 0 &&
		    fn(&m, arg) != 0)
			return 1;
	}
	return 0;
}

static int rx_section5(const struct pfs_v5_section *s, pfs_msg_fn fn, void *arg,
		       struct pfs_rx_result *res)
{
	union pfs_v5_record r;
	struct pfs_msg m;
	size_t i;
	int kind = v5_kind(s->sub.action);

	if (kind == 0) {
		res->skipped += s->sub.count;
		return 0;
	}
	for (i = 0; i < s->sub.count; i++) {
		res->walked++;
		pfs_v5_section_record(s, i, &r);
		if (s->sub.action == PFS_V5_ACT_DEL)
			bsd_del_ref(&r.ref, &r.state);
		if (bsd_msg(kind, &r.state, &r.upd_c, &r.ref, &r.clr, &r.bus,
			    &m, res) == 0 &&
		    fn(&m, arg) != 0)
			return 1;
	}
	return 0;
}

/* The state format a v5 section's action names (DEL's is none). */
static unsigned v5_section_fmt(const struct pfs_v5_section *s)
{
	if (s->sub.action == PFS_V5_ACT_DEL)
		return 0;
	return pfs_v5_action_format(s->sub.action);
}

/* Walk a copy of f's sections (subheaders only, 4 bytes at least a
 * step): whether all parse to the end; *fmt: the last state format. */
static bool v5_check(struct pfs_v5_frame f, unsigned *fmt)
{
	struct pfs_v5_section s;
	int rc;

	while ((rc = pfs_v5_frame_next(&f, &s)) == 0)
		if (v5_section_fmt(&s) != 0)
			*fmt = v5_section_fmt(&s);
	return rc == PFS_V5_END;
}

static bool v6_check(struct pfs_v6_frame f)
{
	struct pfs_v6_section s;
	int rc;

	while ((rc = pfs_v6_frame_next(&f, &s)) == 0)
		;
	return rc == PFS_V6_END;
}

static int rx_v6(const uint8_t *pkt, size_t len, pfs_msg_fn fn, void *arg,
		 struct pfs_rx_result *res)
{
	struct pfs_v6_frame f;
	struct pfs_v6_section s;
	int rc = pfs_v6_frame_parse(pkt, len, &f);

	if (rc != 0)
		return rc;
	res->framed = true;
	res->well_formed = v6_check(f);
	while ((rc = pfs_v6_frame_next(&f, &s)) == 0)
		if (rx_section6(&s, fn, arg, res) != 0)
			return 0;
	return rc == PFS_V6_END ? 0 : rc;
}

static int rx_v5(const uint8_t *pkt, size_t len, pfs_msg_fn fn, void *arg,
		 struct pfs_rx_result *res)
{
	struct pfs_v5_frame f;
	struct pfs_v5_section s;
	int rc = pfs_v5_frame_parse(pkt, len, &f);

	if (rc != 0)
		return rc;
	res->framed = true;
	res->well_formed = v5_check(f, &res->fmt);
	while ((rc = pfs_v5_frame_next(&f, &s)) == 0)
		if (rx_section5(&s, fn, arg, res) != 0)
			return 0;
	return rc == PFS_V5_END ? 0 : rc;
}

int pfs_dialect_rx(const uint8_t *pkt, size_t len, pfs_msg_fn fn, void *arg,
		   struct pfs_rx_result *r)
{
	int rc;

	memset(r, 0, sizeof(*r));
	if (pkt == NULL || len == 0) {
		r->refused = PFS_STAT_HDROPS;
		return r->refused;
	}
	r->dialect = (enum pfs_dialect_id)pkt[0];
	switch (pkt[0]) {
	case PFS_DIALECT_V3:
		rc = rx_v3(pkt, len, fn, arg, r);
		break;
	case PFS_DIALECT_V5:
		rc = rx_v5(pkt, len, fn, arg, r);
		break;
	case PFS_DIALECT_V6:
		rc = rx_v6(pkt, len, fn, arg, r);
		break;
	default:
		rc = len < PFS_BSD_HDR_LEN ? PFS_STAT_HDROPS : PFS_STAT_BADVER;
		break;
	}
	r->refused = rc;
	return rc;
}
