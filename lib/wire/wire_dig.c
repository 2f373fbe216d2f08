/*
 * wire_dig.c - the pfsyncd digest section (wire_dig.h).
 */
#include <string.h>
#include <sys/socket.h>

#include "pfsync/wire_dig.h"
#include "pfsync/wire_ext.h"

static size_t dig_alen(uint8_t af)
{
	return af == AF_INET ? 4 : 16;
}

size_t pfs_dig_ent_len(uint8_t af)
{
	return af == AF_INET ? PFS_DIG_LIST4_LEN : PFS_DIG_LIST6_LEN;
}

void pfs_dig_put_hdr(struct pfs_wbuf *wb, const struct pfs_dig_hdr *h)
{
	pfs_wbuf_put_u8(wb, PFS_DIG_MAGIC);
	pfs_wbuf_put_u8(wb, PFS_DIG_VERSION);
	pfs_wbuf_put_be16(wb, PFS_DIG_HDR_LEN); /* patched by pfs_dig_end */
	pfs_wbuf_put_u8(wb, h->kind);
	pfs_wbuf_put_u8(wb, h->flags);
	pfs_wbuf_put_be16(wb, h->n);
	pfs_wbuf_put_be32(wb, h->creatorid);
	pfs_wbuf_put_be32(wb, h->tag);
	pfs_wbuf_put_be32(wb, h->total);
	pfs_wbuf_put_be16(wb, h->first);
	pfs_wbuf_put_be16(wb, h->buckets);
}

void pfs_dig_put_sum(struct pfs_wbuf *wb, const struct pfs_dig_bucket *b)
{
	pfs_wbuf_put_be32(wb, b->count);
	pfs_wbuf_put_be64(wb, b->sum);
}

void pfs_dig_put_ask(struct pfs_wbuf *wb, uint16_t bucket)
{
	pfs_wbuf_put_be16(wb, bucket);
}

static void dig_put_host(struct pfs_wbuf *wb, const struct pfs_host *h,
			 uint8_t af)
{
	pfs_wbuf_put_bytes(wb, h->addr.a, dig_alen(af));
	pfs_wbuf_put_be16(wb, h->port);
}

void pfs_dig_put_ent(struct pfs_wbuf *wb, const struct pfs_dig_ent *e)
{
	pfs_wbuf_put_be64(wb, e->id);
	pfs_wbuf_put_u8(wb, e->key.af);
	pfs_wbuf_put_u8(wb, e->key.proto);
	pfs_wbuf_put_u8(wb, e->key.direction);
	pfs_wbuf_put_be16(wb, e->key.zone);
	dig_put_host(wb, &e->key.lan, e->key.af);
	dig_put_host(wb, &e->key.ext, e->key.af);
}

void pfs_dig_put_fetch(struct pfs_wbuf *wb, uint64_t id)
{
	pfs_wbuf_put_be64(wb, id);
}

void pfs_dig_end(struct pfs_wbuf *wb, size_t start, uint16_t n)
{
	size_t len = wb->off - start;

	if (wb->err || len > UINT16_MAX || start + PFS_DIG_HDR_LEN > wb->off) {
		wb->err = true;
		return;
	}
	pfs_wbuf_poke_u8(wb, start + 2, (uint8_t)(len >> 8));
	pfs_wbuf_poke_u8(wb, start + 3, (uint8_t)len);
	pfs_wbuf_poke_u8(wb, start + 6, (uint8_t)(n >> 8));
	pfs_wbuf_poke_u8(wb, start + 7, (uint8_t)n);
}

static void dig_get_hdr(struct pfs_rbuf *rb, struct pfs_dig_hdr *h)
{
	pfs_rbuf_skip(rb, 4); /* magic, version, length: checked */
	h->kind = pfs_rbuf_get_u8(rb);
	h->flags = pfs_rbuf_get_u8(rb);
	h->n = pfs_rbuf_get_be16(rb);
	h->creatorid = pfs_rbuf_get_be32(rb);
	h->tag = pfs_rbuf_get_be32(rb);
	h->total = pfs_rbuf_get_be32(rb);
	h->first = pfs_rbuf_get_be16(rb);
	h->buckets = pfs_rbuf_get_be16(rb);
}

static void dig_get_host(struct pfs_rbuf *rb, struct pfs_host *h, uint8_t af)
{
	memset(h, 0, sizeof(*h));
	pfs_rbuf_get_bytes(rb, h->addr.a, dig_alen(af));
	h->port = pfs_rbuf_get_be16(rb);
}

static void dig_get_ent(struct pfs_rbuf *rb, struct pfs_dig_ent *e)
{
	memset(e, 0, sizeof(*e));
	e->id = pfs_rbuf_get_be64(rb);
	e->key.af = pfs_rbuf_get_u8(rb);
	e->key.proto = pfs_rbuf_get_u8(rb);
	e->key.direction = pfs_rbuf_get_u8(rb);
	e->key.zone = pfs_rbuf_get_be16(rb);
	dig_get_host(rb, &e->key.lan, e->key.af);
	dig_get_host(rb, &e->key.ext, e->key.af);
}

/* The n entries of m's kind; -1 when they do not fill rb exactly or an
 * array is missing. */
static int dig_get_entries(struct pfs_rbuf *rb, struct pfs_dig_msg *m)
{
	size_t i;

	for (i = 0; i < m->h.n && !rb->err; i++) {
		switch (m->h.kind) {
		case PFS_DIG_SUM:
			if (m->sum == NULL)
				return -1;
			m->sum[i].count = pfs_rbuf_get_be32(rb);
			m->sum[i].sum = pfs_rbuf_get_be64(rb);
			break;
		case PFS_DIG_ASK:
			if (m->ask == NULL)
				return -1;
			m->ask[i] = pfs_rbuf_get_be16(rb);
			break;
		case PFS_DIG_LIST:
			if (m->list == NULL)
				return -1;
			dig_get_ent(rb, &m->list[i]);
			break;
		case PFS_DIG_FETCH:
			if (m->fetch == NULL)
				return -1;
			m->fetch[i] = pfs_rbuf_get_be64(rb);
			break;
		default:
			return -1;
		}
	}
	return rb->err || pfs_rbuf_left(rb) != 0 ? -1 : 0;
}

int pfs_dig_get(const uint8_t *pkt, size_t len, size_t off,
		struct pfs_dig_msg *m)
{
	struct pfs_rbuf rb;
	size_t total, after;

	struct pfs_dig_msg none;

	if (m == NULL) {
		memset(&none, 0, sizeof(none));
		m = &none;
	}
	m->span = 0;
	if (pkt == NULL || off > len || len - off < PFS_DIG_HDR_LEN ||
	    pkt[off] != PFS_DIG_MAGIC || pkt[off + 1] != PFS_DIG_VERSION)
		return 0;
	total = (size_t)pkt[off + 2] << 8 | pkt[off + 3];
	if (total < PFS_DIG_HDR_LEN || total > len - off)
		return 0;
	after = len - off - total;
	if (after != 0 && after != PFS_EXT_LEN)
		return 0;
	m->span = total;
	if (m == &none)
		return 1; /* only asked whether one is there */
	pfs_rbuf_init(&rb, pkt + off, total);
	dig_get_hdr(&rb, &m->h);
	if (m->h.kind == 0 || m->h.kind >= PFS_DIG_KIND_MAX ||
	    m->h.n > PFS_DIG_ENT_MAX)
		return -1;
	return dig_get_entries(&rb, m) < 0 ? -1 : 1;
}
