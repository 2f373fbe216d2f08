/*
 * wire_xexp.c - the pfsyncd expectations section (see wire_xexp.h).
 */
#include <string.h>

#include "pfsync/wire_ext.h"
#include "pfsync/wire_xexp.h"

_Static_assert(PFS_XEXP_FIXED_LEN ==
		   20 + 2 * PFS_XEXP_TUPLE_LEN + 16 + 2,
	       "fixed part of an entry");
_Static_assert(PFS_XEXP_ENT_MAX == 180, "largest entry is 180 bytes");

static size_t xexp_name_len(const char *s, size_t max)
{
	return strnlen(s, max);
}

/* The flags of what is sent: an empty name is none. */
static uint8_t xexp_flags(const struct pfs_xexp *x)
{
	uint8_t f = x->flags & PFS_XEXP_F_ALL;

	if (x->helper[0] == '\0')
		f &= (uint8_t)~PFS_XEXP_F_HELPER;
	if (x->fn[0] == '\0')
		f &= (uint8_t)~PFS_XEXP_F_FN;
	return f;
}

size_t pfs_xexp_ent_len(const struct pfs_xexp *x)
{
	uint8_t f = xexp_flags(x);
	size_t n = PFS_XEXP_FIXED_LEN;

	if (f & PFS_XEXP_F_NAT)
		n += 18;
	if (f & PFS_XEXP_F_HELPER)
		n += 1 + xexp_name_len(x->helper, PFS_XEXP_HELPER_MAX);
	if (f & PFS_XEXP_F_FN)
		n += 1 + xexp_name_len(x->fn, PFS_XEXP_FN_MAX);
	return n;
}

static void xexp_put_tuple(struct pfs_wbuf *wb, const struct pfs_xexp_tuple *t)
{
	pfs_wbuf_put_u8(wb, t->proto);
	pfs_wbuf_put_u8(wb, 0);
	pfs_wbuf_put_be16(wb, t->sport);
	pfs_wbuf_put_be16(wb, t->dport);
	pfs_wbuf_put_bytes(wb, t->src.a, 16);
	pfs_wbuf_put_bytes(wb, t->dst.a, 16);
}

static void xexp_put_name(struct pfs_wbuf *wb, const char *s, size_t max)
{
	size_t n = xexp_name_len(s, max);

	pfs_wbuf_put_u8(wb, (uint8_t)n);
	pfs_wbuf_put_bytes(wb, s, n);
}

static void xexp_put_ent(struct pfs_wbuf *wb, const struct pfs_xexp *x)
{
	uint8_t flags = xexp_flags(x);

	pfs_wbuf_put_u8(wb, x->op);
	pfs_wbuf_put_u8(wb, flags);
	pfs_wbuf_put_be16(wb, (uint16_t)pfs_xexp_ent_len(x));
	pfs_wbuf_put_u8(wb, x->af);
	pfs_wbuf_put_u8(wb, x->nat_dir);
	pfs_wbuf_put_be16(wb, x->zone);
	pfs_wbuf_put_be32(wb, x->exp_flags);
	pfs_wbuf_put_be32(wb, x->klass);
	pfs_wbuf_put_be32(wb, x->timeout);
	xexp_put_tuple(wb, &x->master);
	xexp_put_tuple(wb, &x->tuple);
	pfs_wbuf_put_bytes(wb, x->mask_src.a, 16);
	pfs_wbuf_put_be16(wb, x->mask_sport);
	if (flags & PFS_XEXP_F_NAT) {
		pfs_wbuf_put_bytes(wb, x->nat_addr.a, 16);
		pfs_wbuf_put_be16(wb, x->nat_port);
	}
	if (flags & PFS_XEXP_F_HELPER)
		xexp_put_name(wb, x->helper, PFS_XEXP_HELPER_MAX);
	if (flags & PFS_XEXP_F_FN)
		xexp_put_name(wb, x->fn, PFS_XEXP_FN_MAX);
}

void pfs_xexp_put(struct pfs_wbuf *wb, const struct pfs_xexp *x, size_t n)
{
	size_t i, total = PFS_XEXP_HDR_LEN;

	for (i = 0; i < n; i++)
		total += pfs_xexp_ent_len(&x[i]);
	if (n == 0 || total > UINT16_MAX) {
		wb->err = true;
		return;
	}
	pfs_wbuf_put_u8(wb, PFS_XEXP_MAGIC);
	pfs_wbuf_put_u8(wb, PFS_XEXP_VERSION);
	pfs_wbuf_put_be16(wb, (uint16_t)total);
	for (i = 0; i < n; i++)
		xexp_put_ent(wb, &x[i]);
}

static void xexp_get_tuple(struct pfs_rbuf *rb, struct pfs_xexp_tuple *t)
{
	t->proto = pfs_rbuf_get_u8(rb);
	(void)pfs_rbuf_get_u8(rb);
	t->sport = pfs_rbuf_get_be16(rb);
	t->dport = pfs_rbuf_get_be16(rb);
	pfs_rbuf_get_bytes(rb, t->src.a, 16);
	pfs_rbuf_get_bytes(rb, t->dst.a, 16);
}

/* A name of 1..max bytes, none of them NUL; -1 otherwise. */
static int xexp_get_name(struct pfs_rbuf *rb, char *s, size_t max)
{
	size_t n = pfs_rbuf_get_u8(rb);

	if (rb->err || n == 0 || n > max || pfs_rbuf_left(rb) < n)
		return -1;
	pfs_rbuf_get_bytes(rb, s, n);
	s[n] = '\0';
	return strlen(s) == n ? 0 : -1;
}

static void xexp_get_fixed(struct pfs_rbuf *rb, struct pfs_xexp *x)
{
	x->af = pfs_rbuf_get_u8(rb);
	x->nat_dir = pfs_rbuf_get_u8(rb);
	x->zone = pfs_rbuf_get_be16(rb);
	x->exp_flags = pfs_rbuf_get_be32(rb);
	x->klass = pfs_rbuf_get_be32(rb);
	x->timeout = pfs_rbuf_get_be32(rb);
	xexp_get_tuple(rb, &x->master);
	xexp_get_tuple(rb, &x->tuple);
	pfs_rbuf_get_bytes(rb, x->mask_src.a, 16);
	x->mask_sport = pfs_rbuf_get_be16(rb);
}

/* The fields of one entry (after its 4-byte header: len bytes). */
static int xexp_get_fields(const uint8_t *p, size_t len, struct pfs_xexp *x)
{
	struct pfs_rbuf rb;

	pfs_rbuf_init(&rb, p, len);
	xexp_get_fixed(&rb, x);
	if (rb.err || (x->af != 2 && x->af != 10))
		return -1;
	if (x->flags & PFS_XEXP_F_NAT) {
		pfs_rbuf_get_bytes(&rb, x->nat_addr.a, 16);
		x->nat_port = pfs_rbuf_get_be16(&rb);
	}
	if ((x->flags & PFS_XEXP_F_HELPER) &&
	    xexp_get_name(&rb, x->helper, PFS_XEXP_HELPER_MAX) < 0)
		return -1;
	if ((x->flags & PFS_XEXP_F_FN) &&
	    xexp_get_name(&rb, x->fn, PFS_XEXP_FN_MAX) < 0)
		return -1;
	return rb.err ? -1 : 0; /* the rest: a later version's fields */
}

static int xexp_get_entries(const uint8_t *p, size_t len, struct pfs_xexp *x,
			    size_t max, size_t *n)
{
	size_t off = 0, elen;

	*n = 0;
	while (off < len) {
		if (len - off < 4 || *n >= max)
			return -1;
		elen = (size_t)p[off + 2] << 8 | p[off + 3];
		if (elen < 4 || elen > len - off ||
		    (p[off] != PFS_XEXP_NEW && p[off] != PFS_XEXP_DESTROY))
			return -1;
		memset(&x[*n], 0, sizeof(x[*n]));
		x[*n].op = p[off];
		x[*n].flags = p[off + 1] & PFS_XEXP_F_ALL;
		if (xexp_get_fields(p + off + 4, elen - 4, &x[*n]) < 0)
			return -1;
		(*n)++;
		off += elen;
	}
	return 0;
}

int pfs_xexp_get(const uint8_t *pkt, size_t len, size_t used,
		 struct pfs_xexp *x, size_t max, size_t *n, size_t *span)
{
	size_t total, after;

	*span = 0;
	if (n != NULL)
		*n = 0;
	if (pkt == NULL || used > len || len - used < PFS_XEXP_HDR_LEN ||
	    pkt[used] != PFS_XEXP_MAGIC || pkt[used + 1] != PFS_XEXP_VERSION)
		return 0;
	total = (size_t)pkt[used + 2] << 8 | pkt[used + 3];
	if (total < PFS_XEXP_HDR_LEN || total > len - used)
		return 0;
	after = len - used - total;
	if (after != 0 && after != PFS_EXT_LEN)
		return 0;
	*span = total;
	if (x == NULL || n == NULL)
		return (int)total;
	if (xexp_get_entries(pkt + used + PFS_XEXP_HDR_LEN,
			     total - PFS_XEXP_HDR_LEN, x, max, n) < 0) {
		*n = 0;
		return -1;
	}
	return (int)total;
}
