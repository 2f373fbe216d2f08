/*
 * buf.c - bounds-checked byte cursors (see include/pfsync/buf.h).
 *
 * Invariant of both cursors: off <= len (cap).  A request that does not fit
 * sets the sticky err flag and consumes nothing; once err is set every later
 * request fails as well, so a codec may read or write a whole record and
 * test err once at the end.  Big-endian conversion is done with shifts, so
 * the code is independent of the host byte order and of alignment.
 */
#include <string.h>

#include "pfsync/buf.h"

/* Reserve n bytes of the reader; NULL (and err set) if they do not fit. */
static const uint8_t *pfs_rbuf_take(struct pfs_rbuf *rb, size_t n)
{
	const uint8_t *p;

	if (rb->err || n > rb->len - rb->off) {
		rb->err = true;
		return NULL;
	}
	p = rb->base + rb->off;
	rb->off += n;
	return p;
}

void pfs_rbuf_init(struct pfs_rbuf *rb, const void *data, size_t len)
{
	rb->base = data;
	rb->len = data != NULL ? len : 0;
	rb->off = 0;
	rb->err = false;
}

size_t pfs_rbuf_left(const struct pfs_rbuf *rb)
{
	if (rb->err)
		return 0;
	return rb->len - rb->off;
}

uint8_t pfs_rbuf_get_u8(struct pfs_rbuf *rb)
{
	const uint8_t *p = pfs_rbuf_take(rb, 1);

	return p != NULL ? p[0] : 0;
}

uint16_t pfs_rbuf_get_be16(struct pfs_rbuf *rb)
{
	const uint8_t *p = pfs_rbuf_take(rb, 2);

	if (p == NULL)
		return 0;
	return (uint16_t)((unsigned)p[0] << 8 | p[1]);
}

uint32_t pfs_rbuf_get_be32(struct pfs_rbuf *rb)
{
	const uint8_t *p = pfs_rbuf_take(rb, 4);

	if (p == NULL)
		return 0;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

uint64_t pfs_rbuf_get_be64(struct pfs_rbuf *rb)
{
	const uint8_t *p = pfs_rbuf_take(rb, 8);
	uint64_t v = 0;
	int i;

	if (p == NULL)
		return 0;
	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

void pfs_rbuf_get_bytes(struct pfs_rbuf *rb, void *out, size_t n)
{
	const uint8_t *p = pfs_rbuf_take(rb, n);

	if (n == 0)
		return;
	if (p != NULL)
		memcpy(out, p, n);
	else
		memset(out, 0, n);
}

void pfs_rbuf_skip(struct pfs_rbuf *rb, size_t n)
{
	(void)pfs_rbuf_take(rb, n);
}

/* Reserve n bytes of the writer; NULL (and err set) if they do not fit. */
static uint8_t *pfs_wbuf_take(struct pfs_wbuf *wb, size_t n)
{
	uint8_t *p;

	if (wb->err || n > wb->cap - wb->off) {
		wb->err = true;
		return NULL;
	}
	p = wb->base + wb->off;
	wb->off += n;
	return p;
}

void pfs_wbuf_init(struct pfs_wbuf *wb, void *data, size_t cap)
{
	wb->base = data;
	wb->cap = data != NULL ? cap : 0;
	wb->off = 0;
	wb->err = false;
}

size_t pfs_wbuf_left(const struct pfs_wbuf *wb)
{
	if (wb->err)
		return 0;
	return wb->cap - wb->off;
}

void pfs_wbuf_put_u8(struct pfs_wbuf *wb, uint8_t v)
{
	uint8_t *p = pfs_wbuf_take(wb, 1);

	if (p != NULL)
		p[0] = v;
}

void pfs_wbuf_put_be16(struct pfs_wbuf *wb, uint16_t v)
{
	uint8_t *p = pfs_wbuf_take(wb, 2);

	if (p == NULL)
		return;
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

void pfs_wbuf_put_be32(struct pfs_wbuf *wb, uint32_t v)
{
	uint8_t *p = pfs_wbuf_take(wb, 4);

	if (p == NULL)
		return;
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

void pfs_wbuf_put_be64(struct pfs_wbuf *wb, uint64_t v)
{
	uint8_t *p = pfs_wbuf_take(wb, 8);
	int i;

	if (p == NULL)
		return;
	for (i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

void pfs_wbuf_put_bytes(struct pfs_wbuf *wb, const void *data, size_t n)
{
	uint8_t *p = pfs_wbuf_take(wb, n);

	if (p != NULL && n != 0)
		memcpy(p, data, n);
}

void pfs_wbuf_put_zero(struct pfs_wbuf *wb, size_t n)
{
	uint8_t *p = pfs_wbuf_take(wb, n);

	if (p != NULL && n != 0)
		memset(p, 0, n);
}

void pfs_wbuf_poke_u8(struct pfs_wbuf *wb, size_t off, uint8_t v)
{
	/* Only bytes already written may be patched. */
	if (wb->err || off >= wb->off) {
		wb->err = true;
		return;
	}
	wb->base[off] = v;
}

void pfs_wbuf_poke_be16(struct pfs_wbuf *wb, size_t off, uint16_t v)
{
	pfs_wbuf_poke_u8(wb, off, (uint8_t)(v >> 8));
	pfs_wbuf_poke_u8(wb, off + 1, (uint8_t)v);
}
