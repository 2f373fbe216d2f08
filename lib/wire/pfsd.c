/*
 * pfsd.c - the pfsyncd framing (pfsd.h): v3 records framed by the
 * dialect seam, the pfsyncd sections after them.
 */
#include <string.h>

#include "pfsync/pfsd.h"
#include "pfsync/stats.h"
#include "pfsync/wire_dig.h"
#include "pfsync/wire_ext.h"
#include "pfsync/wire_v3.h"
#include "pfsync/wire_xexp.h"
#include "pfsync/wire_xst.h"

_Static_assert(PFS_PFSD_TRAILER_LEN == PFS_EXT_LEN, "the trailer's length");
_Static_assert(PFS_PFSD_STAMP_MAX ==
		   PFS_V3_HDR_LEN + PFS_DIALECT_REC_MAX * PFS_V3_STATE_LEN +
		       PFS_EXT_LEN,
	       "a numbered packet's bound");
/* the largest v3 packet with its extras section and trailer fits the
 * buffers every framer is given */
_Static_assert(PFS_V3_HDR_LEN + PFS_DIALECT_REC_MAX * PFS_V3_STATE_LEN +
		       PFS_EXT_LEN + PFS_XST_HDR_LEN +
		       PFS_DIALECT_REC_MAX * PFS_XST_ENT_MAX <=
		   PFS_DIALECT_PKT_MAX,
	       "the extras section fits the packet buffers");

/* The message kind of each v3 action; 0: records never applied (INS_F,
 * DEL_F, TDB_UPD).  DEL and DEL_C are both deletes by id. */
static const enum pfs_msg_kind pfsd_kinds[PFS_V3_ACT_MAX] = {
    [PFS_V3_ACT_CLR] = PFS_MSG_CLR,	[PFS_V3_ACT_INS] = PFS_MSG_INS,
    [PFS_V3_ACT_UPD] = PFS_MSG_UPD,	[PFS_V3_ACT_DEL] = PFS_MSG_DEL,
    [PFS_V3_ACT_UPD_C] = PFS_MSG_UPD_C, [PFS_V3_ACT_DEL_C] = PFS_MSG_DEL,
    [PFS_V3_ACT_UREQ] = PFS_MSG_UREQ,	[PFS_V3_ACT_BUS] = PFS_MSG_BUS,
};

unsigned pfs_pfsd_maxcount(unsigned mtu, bool trailer)
{
	unsigned n = pfs_v3_maxcount(mtu);

	if (n > PFS_DIALECT_REC_MAX)
		n = PFS_DIALECT_REC_MAX;
	if (trailer && n > 1 &&
	    20 + PFS_V3_HDR_LEN + n * PFS_V3_STATE_LEN + PFS_EXT_LEN > mtu)
		n--;
	return n ? n : 1;
}

size_t pfs_pfsd_xst_len(const struct pfs_stx *x)
{
	return pfs_xst_ent_len(x);
}

bool pfs_pfsd_fits(size_t n, size_t xlen, unsigned mtu)
{
	return 20 + PFS_V3_HDR_LEN + n * PFS_V3_STATE_LEN + PFS_XST_HDR_LEN +
		   xlen + PFS_EXT_LEN <=
	       mtu;
}

size_t pfs_pfsd_put_xst(uint8_t *wire, size_t len, size_t cap,
			const struct pfs_stx *x, size_t n, unsigned mtu)
{
	struct pfs_wbuf wb;
	size_t i, xlen = 0;

	for (i = 0; i < n; i++)
		xlen += pfs_xst_ent_len(&x[i]);
	if (xlen == 0 && 20 + len + PFS_XST_HDR_LEN + PFS_EXT_LEN > mtu)
		return len;
	if (len > cap)
		return len;
	pfs_wbuf_init(&wb, wire + len, cap - len);
	pfs_xst_put(&wb, x, n);
	return wb.err ? len : len + wb.off;
}

size_t pfs_pfsd_finish(struct pfs_framer *f,
		       const uint8_t chksum[PFS_SYNC_CHKSUM_LEN])
{
	size_t len = pfs_framer_finish(f);

	if (len >= PFS_V3_HDR_LEN)
		memcpy(f->wb.base + 4, chksum, PFS_V3_CHKSUM_LEN);
	return len;
}

/* Header: version 3, af 0, action, count (0 for CLR and BUS), chksum. */
static void pfsd_put_header(struct pfs_wbuf *wb, uint8_t action,
			    const uint8_t chksum[PFS_SYNC_CHKSUM_LEN])
{
	struct pfs_v3_header h;

	memset(&h, 0, sizeof(h));
	h.version = PFS_V3_VERSION;
	h.action = action;
	memcpy(h.chksum, chksum, sizeof(h.chksum));
	pfs_v3_put_header(wb, &h);
}

_Static_assert(PFS_PFSD_CTL_LEN == PFS_V3_HDR_LEN + PFS_EXT_LEN,
	       "a control packet: header and trailer");

size_t pfs_pfsd_ctl(uint8_t *buf, const uint8_t chksum[PFS_SYNC_CHKSUM_LEN],
		    const struct pfs_ext *x)
{
	struct pfs_wbuf wb;

	pfs_wbuf_init(&wb, buf, PFS_PFSD_CTL_LEN);
	pfsd_put_header(&wb, PFS_V3_ACT_UPD_C, chksum);
	pfs_ext_put(&wb, x);
	return wb.err ? 0 : wb.off;
}

size_t pfs_pfsd_stamp(uint8_t *wire, size_t len, size_t cap,
		      const struct pfs_ext *x)
{
	struct pfs_wbuf wb;

	if (len + PFS_EXT_LEN > cap)
		return len;
	pfs_wbuf_init(&wb, wire + len, PFS_EXT_LEN);
	pfs_ext_put(&wb, x);
	return wb.err ? len : len + PFS_EXT_LEN;
}

enum pfs_msg_kind pfs_pfsd_kind(const uint8_t *wire, size_t len)
{
	if (len < PFS_V3_HDR_LEN || wire[0] != PFS_V3_VERSION ||
	    wire[2] >= PFS_V3_ACT_MAX)
		return (enum pfs_msg_kind)0;
	return pfsd_kinds[wire[2]];
}

/* How many of x[0 .. n-1], from the first, fit one packet of mtu. */
static size_t pfsd_xexp_fit(const struct pfs_xexp *x, size_t n, unsigned mtu)
{
	size_t i, len = 20 + PFS_V3_HDR_LEN + PFS_XEXP_HDR_LEN + PFS_EXT_LEN;

	for (i = 0; i < n; i++) {
		len += pfs_xexp_ent_len(&x[i]);
		if (len > mtu)
			break;
	}
	return i;
}

size_t pfs_pfsd_xexp_frame(uint8_t *buf, size_t cap, unsigned mtu,
			   const uint8_t chksum[PFS_SYNC_CHKSUM_LEN],
			   const struct pfs_xexp *x, size_t first, size_t n,
			   size_t *taken)
{
	struct pfs_wbuf wb;
	size_t k;

	*taken = 0;
	if (first >= n || cap < PFS_EXT_LEN)
		return 0;
	k = pfsd_xexp_fit(x + first, n - first, mtu);
	if (k == 0)
		k = 1; /* an entry alone always fits 1280 */
	*taken = k;
	pfs_wbuf_init(&wb, buf, cap - PFS_EXT_LEN);   /* room for the trailer */
	pfsd_put_header(&wb, PFS_V3_ACT_INS, chksum); /* count 0 */
	pfs_xexp_put(&wb, x + first, k);
	return wb.err ? 0 : wb.off;
}

int pfs_pfsd_xexp_each(const uint8_t *pkt, size_t len, size_t used,
		       pfs_xexp_fn fn, void *arg)
{
	struct pfs_xexp x[PFS_PFSD_XEXP_RX_MAX];
	size_t n = 0, span, i;
	int rc;

	rc = pfs_xexp_get(pkt, len, used, x, PFS_PFSD_XEXP_RX_MAX, &n, &span);
	if (rc <= 0)
		return rc;
	for (i = 0; i < n; i++)
		fn(arg, &x[i]);
	return (int)n;
}

/* ---- receiving ---------------------------------------------------------- */

_Static_assert(PFS_PFSD_XST_RX_MAX ==
		   (PFS_SYNC_MTU_MAX - PFS_V3_HDR_LEN) / PFS_V3_UPD_LEN,
	       "UPD_C records of the largest packet");

/* The sections after the records, then the trailer. */
static void pfsd_sections(struct pfs_pfsd_pkt *p)
{
	size_t span;

	p->used = p->rec_end;
	(void)pfs_xst_get(p->pkt, p->len, p->used, 0, NULL, &span);
	p->used += span;
	(void)pfs_xexp_get(p->pkt, p->len, p->used, NULL, 0, NULL, &span);
	p->used += span;
	p->trailer = pfs_ext_get(p->pkt, p->len, p->used, &p->ext) == 0;
}

int pfs_pfsd_parse(const uint8_t *pkt, size_t len, struct pfs_pfsd_pkt *p)
{
	struct pfs_v3_frame f;
	int rc = pfs_v3_frame_parse(pkt, len, &f);

	memset(p, 0, sizeof(*p));
	p->pkt = pkt;
	p->len = len;
	if (rc == PFS_STAT_BADLEN)
		p->kind = pfsd_kinds[f.hdr.action];
	if (rc != 0)
		return rc;
	p->kind = pfsd_kinds[f.hdr.action];
	p->act = f.hdr.action;
	p->nrec = f.nrec;
	p->reclen = f.reclen;
	memcpy(p->chksum, f.hdr.chksum, sizeof(p->chksum));
	p->rec_end = PFS_V3_HDR_LEN + f.nrec * f.reclen;
	pfsd_sections(p);
	return 0;
}

/* A state record's ids, for a DEL of the full form. */
static void pfsd_del_ref(struct pfs_rbuf *rb, union pfs_msg_rec *r)
{
	struct pfs_state st;

	pfs_v3_get_state(rb, &st);
	r->ref.id = st.id;
	r->ref.creatorid = st.creatorid;
}

static void pfsd_upd_c(struct pfs_rbuf *rb, struct pfs_msg_upd_c *m)
{
	struct pfs_v3_upd u;

	pfs_v3_get_upd(rb, &u);
	m->id = u.id;
	m->creatorid = u.creatorid;
	m->src = u.src;
	m->dst = u.dst;
	m->expire = u.expire;
	m->timeout = u.timeout;
	m->updates = u.updates;
}

/* CLR, BUS: the records that are not a state or its ids. */
static void pfsd_misc(struct pfs_rbuf *rb, uint8_t act, union pfs_msg_rec *r)
{
	struct pfs_v3_clr c;
	struct pfs_v3_bus b;

	if (act == PFS_V3_ACT_CLR) {
		pfs_v3_get_clr(rb, &c);
		memcpy(r->clr.ifname, c.ifname, PFS_IFNAMSIZ);
		r->clr.creatorid = c.creatorid;
		return;
	}
	pfs_v3_get_bus(rb, &b);
	memset(&r->bus, 0, sizeof(r->bus));
	r->bus.creatorid = b.creatorid;
	r->bus.endtime = b.endtime;
	r->bus.status = b.status;
}

void pfs_pfsd_rec(const struct pfs_pfsd_pkt *p, size_t i, union pfs_msg_rec *r)
{
	struct pfs_rbuf rb;
	struct pfs_v3_del d;
	struct pfs_v3_ureq q;

	if (i >= p->nrec || p->kind == 0) {
		memset(r, 0, sizeof(*r));
		return;
	}
	pfs_rbuf_init(&rb, p->pkt + PFS_V3_HDR_LEN + i * p->reclen, p->reclen);
	switch (p->act) {
	case PFS_V3_ACT_INS:
	case PFS_V3_ACT_UPD:
		pfs_v3_get_state(&rb, &r->state);
		break;
	case PFS_V3_ACT_DEL:
		pfsd_del_ref(&rb, r);
		break;
	case PFS_V3_ACT_UPD_C:
		pfsd_upd_c(&rb, &r->upd_c);
		break;
	case PFS_V3_ACT_DEL_C:
		pfs_v3_get_del(&rb, &d);
		r->ref.id = d.id;
		r->ref.creatorid = d.creatorid;
		break;
	case PFS_V3_ACT_UREQ:
		pfs_v3_get_ureq(&rb, &q);
		r->ref.id = q.id;
		r->ref.creatorid = q.creatorid;
		break;
	default:
		pfsd_misc(&rb, p->act, r);
		break;
	}
}

size_t pfs_pfsd_rec_len(enum pfs_msg_kind k)
{
	switch (k) {
	case PFS_MSG_INS:
	case PFS_MSG_UPD:
	case PFS_MSG_DEL_FULL:
		return PFS_V3_STATE_LEN;
	case PFS_MSG_UPD_C:
		return PFS_V3_UPD_LEN;
	case PFS_MSG_DEL:
		return PFS_V3_DEL_LEN;
	case PFS_MSG_UREQ:
		return PFS_V3_UREQ_LEN;
	case PFS_MSG_CLR:
		return PFS_V3_CLR_LEN;
	case PFS_MSG_BUS:
		return PFS_V3_BUS_LEN;
	default:
		return 0;
	}
}

int pfs_pfsd_xst(const struct pfs_pfsd_pkt *p, struct pfs_stx *x)
{
	size_t span;
	int rc;

	if ((p->kind != PFS_MSG_INS && p->kind != PFS_MSG_UPD &&
	     p->kind != PFS_MSG_UPD_C) ||
	    p->nrec > PFS_PFSD_XST_RX_MAX)
		return 0;
	rc = pfs_xst_get(p->pkt, p->len, p->rec_end, p->nrec, x, &span);
	return rc < 0 ? -1 : rc > 0;
}

bool pfs_pfsd_has_xexp(const struct pfs_pfsd_pkt *p)
{
	return p->nrec == 0 && p->act == PFS_V3_ACT_INS;
}

bool pfs_pfsd_digest_carrier(const struct pfs_pfsd_pkt *p)
{
	return p->nrec == 0 && p->act == PFS_V3_ACT_UPD_C;
}

/* ---- the digest section -------------------------------------------------- */

size_t pfs_pfsd_dig_room(unsigned mtu, size_t pkt_max)
{
	size_t room = mtu > pkt_max ? pkt_max : mtu;
	size_t least = PFS_V3_HDR_LEN + PFS_DIG_HDR_LEN + PFS_DIG_LIST6_LEN;

	return room > 20 + least ? room - 20 : least;
}

size_t pfs_pfsd_dig_sums_per(size_t room)
{
	return (room - PFS_V3_HDR_LEN - PFS_DIG_HDR_LEN) / PFS_DIG_SUM_LEN;
}

void pfs_pfsd_dig_begin(struct pfs_pfsd_dig *w, uint8_t *buf, size_t room,
			const uint8_t chksum[PFS_SYNC_CHKSUM_LEN],
			const struct pfs_dig_hdr *h)
{
	pfs_wbuf_init(&w->wb, buf, room);
	pfsd_put_header(&w->wb, PFS_V3_ACT_UPD_C, chksum);
	w->start = PFS_V3_HDR_LEN;
	pfs_dig_put_hdr(&w->wb, h);
}

void pfs_pfsd_dig_sum(struct pfs_pfsd_dig *w, const struct pfs_dig_bucket *b)
{
	pfs_dig_put_sum(&w->wb, b);
}

void pfs_pfsd_dig_ask(struct pfs_pfsd_dig *w, uint16_t bucket)
{
	pfs_dig_put_ask(&w->wb, bucket);
}

void pfs_pfsd_dig_ent(struct pfs_pfsd_dig *w, const struct pfs_dig_ent *e)
{
	pfs_dig_put_ent(&w->wb, e);
}

void pfs_pfsd_dig_fetch(struct pfs_pfsd_dig *w, uint64_t id)
{
	pfs_dig_put_fetch(&w->wb, id);
}

bool pfs_pfsd_dig_ent_room(const struct pfs_pfsd_dig *w)
{
	return pfs_wbuf_left(&w->wb) >= PFS_DIG_LIST6_LEN;
}

/* flags at 5, total at 16 of the section header (wire_dig.h) */
void pfs_pfsd_dig_last(struct pfs_pfsd_dig *w, uint32_t total)
{
	size_t at = w->start;

	pfs_wbuf_poke_u8(&w->wb, at + 5, PFS_DIG_F_LAST);
	pfs_wbuf_poke_u8(&w->wb, at + 16, (uint8_t)(total >> 24));
	pfs_wbuf_poke_u8(&w->wb, at + 17, (uint8_t)(total >> 16));
	pfs_wbuf_poke_u8(&w->wb, at + 18, (uint8_t)(total >> 8));
	pfs_wbuf_poke_u8(&w->wb, at + 19, (uint8_t)total);
}

size_t pfs_pfsd_dig_end(struct pfs_pfsd_dig *w, uint16_t n)
{
	pfs_dig_end(&w->wb, w->start, n);
	return w->wb.err ? 0 : w->wb.off;
}

int pfs_pfsd_dig_get(const struct pfs_pfsd_pkt *p, struct pfs_dig_msg *m)
{
	return pfs_dig_get(p->pkt, p->len, p->rec_end, m);
}
