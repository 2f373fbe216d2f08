/*
 * wire_xst.c - the pfsyncd state-extras section (see wire_xst.h).
 */
#include <string.h>

#include "pfsync/wire_ext.h"
#include "pfsync/wire_xst.h"

_Static_assert(PFS_XST_ENT_MAX == 98, "largest entry is 98 bytes");
_Static_assert(PFS_XST_PROTO_MAX == 11, "largest protocol info: SCTP");

/* Bytes of the body of a protocol info of kind (0: a kind unknown). */
static size_t xst_proto_body(uint8_t kind)
{
	static const uint8_t len[PFS_XPROTO_MAX] = {
	    [PFS_XPROTO_SCTP] = 9, [PFS_XPROTO_GRE] = 4, [PFS_XPROTO_DCCP] = 2};

	return kind < PFS_XPROTO_MAX ? len[kind] : 0;
}

size_t pfs_xst_ent_len(const struct pfs_stx *x)
{
	size_t n = PFS_XST_ENT_HDR_LEN;

	if ((x->has & PFS_XST_FLAGS) == 0)
		return 0;
	if (x->has & PFS_STX_MARK)
		n += 4;
	if (x->has & PFS_STX_ZONE)
		n += 2;
	if (x->has & PFS_STX_LABELS)
		n += PFS_STX_LABELS_LEN;
	if (x->has & PFS_STX_NAT2)
		n += 18;
	if (x->has & PFS_STX_HELPER)
		n += PFS_STX_HELPER_LEN;
	if (x->has & PFS_STX_SEQADJ)
		n += PFS_XST_SEQADJ_LEN;
	if (x->has & PFS_STX_PROTO)
		n += 2 + xst_proto_body(x->proto.kind);
	if (x->has & PFS_STX_LEFT)
		n += 4;
	return n;
}

static void xst_put_seqadj(struct pfs_wbuf *wb, const struct pfs_stx *x)
{
	int d;

	for (d = 0; d < 2; d++) {
		pfs_wbuf_put_be32(wb, x->seqadj[d].pos);
		pfs_wbuf_put_be32(wb, x->seqadj[d].before);
		pfs_wbuf_put_be32(wb, x->seqadj[d].after);
	}
}

static void xst_get_seqadj(struct pfs_rbuf *rb, struct pfs_stx *x)
{
	int d;

	for (d = 0; d < 2; d++) {
		x->seqadj[d].pos = pfs_rbuf_get_be32(rb);
		x->seqadj[d].before = pfs_rbuf_get_be32(rb);
		x->seqadj[d].after = pfs_rbuf_get_be32(rb);
	}
}

static void xst_put_proto(struct pfs_wbuf *wb, const struct pfs_stx_proto *p)
{
	pfs_wbuf_put_u8(wb, p->kind);
	pfs_wbuf_put_u8(wb, (uint8_t)xst_proto_body(p->kind));
	switch (p->kind) {
	case PFS_XPROTO_SCTP:
		pfs_wbuf_put_u8(wb, p->state);
		pfs_wbuf_put_be32(wb, p->vtag[0]);
		pfs_wbuf_put_be32(wb, p->vtag[1]);
		break;
	case PFS_XPROTO_GRE:
		pfs_wbuf_put_be16(wb, p->key[0]);
		pfs_wbuf_put_be16(wb, p->key[1]);
		break;
	case PFS_XPROTO_DCCP:
		pfs_wbuf_put_u8(wb, p->state);
		pfs_wbuf_put_u8(wb, p->role);
		break;
	default:
		break;
	}
}

static void xst_put_ent(struct pfs_wbuf *wb, uint8_t index,
			const struct pfs_stx *x)
{
	uint8_t has = x->has & PFS_XST_FLAGS;

	pfs_wbuf_put_u8(wb, index);
	pfs_wbuf_put_u8(wb, has);
	pfs_wbuf_put_u8(wb,
			(uint8_t)(pfs_xst_ent_len(x) - PFS_XST_ENT_HDR_LEN));
	if (has & PFS_STX_MARK)
		pfs_wbuf_put_be32(wb, x->mark);
	if (has & PFS_STX_ZONE)
		pfs_wbuf_put_be16(wb, x->zone);
	if (has & PFS_STX_LABELS)
		pfs_wbuf_put_bytes(wb, x->labels, PFS_STX_LABELS_LEN);
	if (has & PFS_STX_NAT2) {
		pfs_wbuf_put_bytes(wb, x->nat2.addr.a, 16);
		pfs_wbuf_put_be16(wb, x->nat2.port);
	}
	if (has & PFS_STX_HELPER)
		pfs_wbuf_put_bytes(wb, x->helper, PFS_STX_HELPER_LEN);
	if (has & PFS_STX_SEQADJ)
		xst_put_seqadj(wb, x);
	if (has & PFS_STX_PROTO)
		xst_put_proto(wb, &x->proto);
	if (has & PFS_STX_LEFT)
		pfs_wbuf_put_be32(wb, x->left);
}

void pfs_xst_put(struct pfs_wbuf *wb, const struct pfs_stx *x, size_t n)
{
	size_t i, total = PFS_XST_HDR_LEN;

	for (i = 0; i < n && i <= UINT8_MAX; i++)
		total += pfs_xst_ent_len(&x[i]);
	pfs_wbuf_put_u8(wb, PFS_XST_MAGIC);
	pfs_wbuf_put_u8(wb, PFS_XST_VERSION);
	pfs_wbuf_put_be16(wb, (uint16_t)total);
	for (i = 0; i < n && i <= UINT8_MAX; i++)
		if (pfs_xst_ent_len(&x[i]) != 0)
			xst_put_ent(wb, (uint8_t)i, &x[i]);
}

/*
 * A protocol info with `left` bytes of its entry remaining: -1 when it
 * does not fit them; a kind unknown (a later version's) is skipped and
 * leaves PFS_STX_PROTO clear, a longer body than ours is read in part.
 */
static int xst_get_proto(struct pfs_rbuf *rb, size_t left, struct pfs_stx *x)
{
	struct pfs_stx_proto *p = &x->proto;
	size_t start = rb->off, body;
	uint8_t kind, len;

	if (left < 2)
		return -1;
	kind = pfs_rbuf_get_u8(rb);
	len = pfs_rbuf_get_u8(rb);
	body = xst_proto_body(kind);
	if ((size_t)len > left - 2 || len < body)
		return -1;
	if (body == 0) {
		x->has &= (uint8_t)~PFS_STX_PROTO;
	} else {
		p->kind = kind;
		if (kind == PFS_XPROTO_GRE) {
			p->key[0] = pfs_rbuf_get_be16(rb);
			p->key[1] = pfs_rbuf_get_be16(rb);
		} else {
			p->state = pfs_rbuf_get_u8(rb);
		}
		if (kind == PFS_XPROTO_SCTP) {
			p->vtag[0] = pfs_rbuf_get_be32(rb);
			p->vtag[1] = pfs_rbuf_get_be32(rb);
		} else if (kind == PFS_XPROTO_DCCP) {
			p->role = pfs_rbuf_get_u8(rb);
		}
	}
	pfs_rbuf_skip(rb, 2 + (size_t)len - (rb->off - start));
	return rb->err ? -1 : 0;
}

/* One entry's fields (flags has, len bytes) into x; -1 if they do not
 * fit their length. */
static int xst_get_fields(struct pfs_rbuf *rb, uint8_t has, size_t len,
			  struct pfs_stx *x)
{
	/* the fixed-size fields; the protocol info is read by its length */
	struct pfs_stx want = {.has = has & PFS_XST_FLAGS & ~PFS_STX_PROTO};
	size_t need = pfs_xst_ent_len(&want), start = rb->off;

	if (need != 0 && need - PFS_XST_ENT_HDR_LEN > len)
		return -1;
	x->has = has & PFS_XST_FLAGS;
	if (has & PFS_STX_MARK)
		x->mark = pfs_rbuf_get_be32(rb);
	if (has & PFS_STX_ZONE)
		x->zone = pfs_rbuf_get_be16(rb);
	if (has & PFS_STX_LABELS)
		pfs_rbuf_get_bytes(rb, x->labels, PFS_STX_LABELS_LEN);
	if (has & PFS_STX_NAT2) {
		pfs_rbuf_get_bytes(rb, x->nat2.addr.a, 16);
		x->nat2.port = pfs_rbuf_get_be16(rb);
	}
	if (has & PFS_STX_HELPER) {
		pfs_rbuf_get_bytes(rb, x->helper, PFS_STX_HELPER_LEN);
		x->helper[PFS_STX_HELPER_LEN - 1] = '\0';
	}
	if (has & PFS_STX_SEQADJ)
		xst_get_seqadj(rb, x);
	/* the protocol info, leaving room for `left` after it */
	if ((has & PFS_STX_PROTO) &&
	    xst_get_proto(rb,
			  len - (rb->off - start) -
			      ((has & PFS_STX_LEFT) ? 4 : 0),
			  x) < 0)
		return -1;
	if (has & PFS_STX_LEFT)
		x->left = pfs_rbuf_get_be32(rb);
	pfs_rbuf_skip(rb, len - (rb->off - start)); /* a later version's */
	return rb->err ? -1 : 0;
}

static int xst_get_entries(struct pfs_rbuf *rb, size_t nrec, struct pfs_stx *x)
{
	uint8_t index, has, len;

	while (pfs_rbuf_left(rb) > 0) {
		index = pfs_rbuf_get_u8(rb);
		has = pfs_rbuf_get_u8(rb);
		len = pfs_rbuf_get_u8(rb);
		if (rb->err || index >= nrec || x[index].has != 0 ||
		    pfs_rbuf_left(rb) < len ||
		    xst_get_fields(rb, has, len, &x[index]) < 0)
			return -1;
	}
	return 0;
}

int pfs_xst_get(const uint8_t *pkt, size_t len, size_t used, size_t nrec,
		struct pfs_stx *x, size_t *span)
{
	struct pfs_rbuf rb;
	size_t total, after;

	*span = 0;
	if (x != NULL && nrec > 0)
		memset(x, 0, nrec * sizeof(*x));
	if (pkt == NULL || used > len || len - used < PFS_XST_HDR_LEN ||
	    pkt[used] != PFS_XST_MAGIC || pkt[used + 1] != PFS_XST_VERSION)
		return 0;
	total = (size_t)pkt[used + 2] << 8 | pkt[used + 3];
	if (total < PFS_XST_HDR_LEN || total > len - used)
		return 0;
	after = len - used - total;
	if (after != 0 && after != PFS_EXT_LEN)
		return 0;
	*span = total;
	if (x == NULL)
		return (int)total;
	pfs_rbuf_init(&rb, pkt + used + PFS_XST_HDR_LEN,
		      total - PFS_XST_HDR_LEN);
	if (xst_get_entries(&rb, nrec, x) < 0) {
		memset(x, 0, nrec * sizeof(*x));
		return -1;
	}
	return (int)total;
}
