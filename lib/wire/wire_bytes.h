/*
 * wire_bytes.h - private to the codecs in lib/ (wire_v3.c, wire_bsd.c,
 * wire_v5.c, wire_v6.c): the record-window helpers they all use.
 *
 * A record is first taken whole from a checked cursor
 * (wb_rd_take, wb_wr_take), then each field is loaded or stored at its
 * constant offset inside that window, big-endian, with shifts.  A writer
 * window is zeroed first, so padding never needs writing.
 */
#ifndef PFSYNC_WIRE_BYTES_H
#define PFSYNC_WIRE_BYTES_H

#include <stdint.h>
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/state.h"

static inline const uint8_t *wb_rd_take(struct pfs_rbuf *rb, size_t n)
{
	pfs_rbuf_skip(rb, n);
	if (rb->err)
		return NULL;
	return rb->base + rb->off - n;
}

static inline uint8_t *wb_wr_take(struct pfs_wbuf *wb, size_t n)
{
	pfs_wbuf_put_zero(wb, n);
	if (wb->err)
		return NULL;
	return wb->base + wb->off - n;
}

static inline uint16_t wb_ld16(const uint8_t *p, size_t off)
{
	return (uint16_t)((unsigned)p[off] << 8 | p[off + 1]);
}

static inline uint32_t wb_ld32(const uint8_t *p, size_t off)
{
	return (uint32_t)p[off] << 24 | (uint32_t)p[off + 1] << 16 |
	       (uint32_t)p[off + 2] << 8 | p[off + 3];
}

/* Ids and the 64-bit counters: high 32-bit word first, each big-endian. */
static inline uint64_t wb_ld64(const uint8_t *p, size_t off)
{
	return (uint64_t)wb_ld32(p, off) << 32 | wb_ld32(p, off + 4);
}

static inline void wb_st16(uint8_t *p, size_t off, uint16_t v)
{
	p[off] = (uint8_t)(v >> 8);
	p[off + 1] = (uint8_t)v;
}

static inline void wb_st32(uint8_t *p, size_t off, uint32_t v)
{
	p[off] = (uint8_t)(v >> 24);
	p[off + 1] = (uint8_t)(v >> 16);
	p[off + 2] = (uint8_t)(v >> 8);
	p[off + 3] = (uint8_t)v;
}

static inline void wb_st64(uint8_t *p, size_t off, uint64_t v)
{
	wb_st32(p, off, (uint32_t)(v >> 32));
	wb_st32(p, off + 4, (uint32_t)v);
}

/*
 * A fixed-size name field (ifname 16, tagname 64): keep the bytes up to
 * the first NUL (at most n - 1) and zero the rest, so the result is a
 * terminated string that re-encodes to the same bytes.
 */
static inline void wb_ld_name(const uint8_t *p, char *name, size_t n)
{
	size_t l = strnlen((const char *)p, n - 1);

	memcpy(name, p, l);
	memset(name + l, 0, n - l);
}

/* The window is zero, so only the name's bytes are copied. */
static inline void wb_st_name(uint8_t *p, const char *name, size_t n)
{
	memcpy(p, name, strnlen(name, n - 1));
}

/*
 * struct pfsync_state_peer, 32 bytes (the same in v3, v5 and v6):
 *   0 pfss_flags (be16)  2 pfss_ttl  3 scrub_flag  4 pfss_ts_mod (be32)
 *   8 seqlo  12 seqhi  16 seqdiff (be32)  20 max_win  22 mss (be16)
 *  24 state  25 wscale  26 pad (6)
 */
static inline void wb_ld_peer(const uint8_t *p, struct pfs_peer *pe)
{
	pe->scrub.flags = wb_ld16(p, 0);
	pe->scrub.ttl = p[2];
	pe->scrub.valid = p[3];
	pe->scrub.ts_mod = wb_ld32(p, 4);
	pe->seqlo = wb_ld32(p, 8);
	pe->seqhi = wb_ld32(p, 12);
	pe->seqdiff = wb_ld32(p, 16);
	pe->max_win = wb_ld16(p, 20);
	pe->mss = wb_ld16(p, 22);
	pe->state = p[24];
	pe->wscale = p[25];
}

static inline void wb_st_peer(uint8_t *p, const struct pfs_peer *pe)
{
	wb_st16(p, 0, pe->scrub.flags);
	p[2] = pe->scrub.ttl;
	p[3] = pe->scrub.valid;
	wb_st32(p, 4, pe->scrub.ts_mod);
	wb_st32(p, 8, pe->seqlo);
	wb_st32(p, 12, pe->seqhi);
	wb_st32(p, 16, pe->seqdiff);
	wb_st16(p, 20, pe->max_win);
	wb_st16(p, 22, pe->mss);
	p[24] = pe->state;
	p[25] = pe->wscale;
}

#endif
