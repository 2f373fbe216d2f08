/*
 * g_bsd.h - golden byte helpers shared by the v5 and v6 tests: big-endian
 * stores at explicit offsets and the 32-byte peer (pfsync-modern.md §1.5),
 * written from the reference, not from lib/.
 */
#ifndef PFSYNC_G_BSD_H
#define PFSYNC_G_BSD_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "pfsync/state.h"

/* --- golden helpers: big-endian stores at an explicit offset -------------- */

static inline void g8(uint8_t *b, size_t off, uint8_t v)
{
	b[off] = v;
}

static inline void g16(uint8_t *b, size_t off, uint16_t v)
{
	b[off] = (uint8_t)(v >> 8);
	b[off + 1] = (uint8_t)v;
}

static inline void g32(uint8_t *b, size_t off, uint32_t v)
{
	g16(b, off, (uint16_t)(v >> 16));
	g16(b, off + 2, (uint16_t)v);
}

static inline void g64(uint8_t *b, size_t off, uint64_t v)
{
	g32(b, off, (uint32_t)(v >> 32));
	g32(b, off + 4, (uint32_t)v);
}

static inline void gip4(uint8_t *b, size_t off, uint8_t x, uint8_t y, uint8_t z,
			uint8_t w)
{
	b[off] = x;
	b[off + 1] = y;
	b[off + 2] = z;
	b[off + 3] = w;
}

/* --- fixtures ------------------------------------------------------------- */

static inline void fx_peer(struct pfs_peer *p, uint8_t k)
{
	memset(p, 0, sizeof(*p));
	p->scrub.flags = 0x0001;
	p->scrub.ttl = (uint8_t)(60 + k);
	p->scrub.valid = 1;
	p->scrub.ts_mod = 0x11223344u + k;
	p->seqlo = 0xa1a2a3a4u + k;
	p->seqhi = 0xb1b2b3b4u + k;
	p->seqdiff = 0xc1c2c3c4u + k;
	p->max_win = (uint16_t)(0xd1d2 + k);
	p->mss = (uint16_t)(1460 - k);
	p->state = (uint8_t)(4 + k);
	p->wscale = (uint8_t)(0x80 | k);
}

/* pfsync_state_peer, 32 bytes (§1.5) */
static inline void g_peer(uint8_t *b, size_t off, uint8_t k)
{
	g16(b, off + 0, 0x0001);
	g8(b, off + 2, (uint8_t)(60 + k));
	g8(b, off + 3, 1);
	g32(b, off + 4, 0x11223344u + k);
	g32(b, off + 8, 0xa1a2a3a4u + k);
	g32(b, off + 12, 0xb1b2b3b4u + k);
	g32(b, off + 16, 0xc1c2c3c4u + k);
	g16(b, off + 20, (uint16_t)(0xd1d2 + k));
	g16(b, off + 22, (uint16_t)(1460 - k));
	g8(b, off + 24, (uint8_t)(4 + k));
	g8(b, off + 25, (uint8_t)(0x80 | k));
}

#endif
