/*
 * buf.h - bounds-checked byte cursors for wire codecs.
 *
 * A reader never reads past its buffer: a get that does not fit sets the
 * sticky error flag, returns zero / leaves the output zeroed, and every later
 * get fails too.  A writer never writes past its capacity in the same way.
 * All multi-byte values are big-endian (network order) on the wire and host
 * order in the caller's variables.  Nothing here allocates.
 */
#ifndef PFSYNC_BUF_H
#define PFSYNC_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pfs_rbuf {
	const uint8_t *base;
	size_t len;
	size_t off;
	bool err; /* sticky: a read did not fit */
};

struct pfs_wbuf {
	uint8_t *base;
	size_t cap;
	size_t off;
	bool err; /* sticky: a write did not fit */
};

void pfs_rbuf_init(struct pfs_rbuf *rb, const void *data, size_t len);
size_t pfs_rbuf_left(const struct pfs_rbuf *rb);
uint8_t pfs_rbuf_get_u8(struct pfs_rbuf *rb);
uint16_t pfs_rbuf_get_be16(struct pfs_rbuf *rb);
uint32_t pfs_rbuf_get_be32(struct pfs_rbuf *rb);
uint64_t pfs_rbuf_get_be64(struct pfs_rbuf *rb);
/* Copies n raw bytes (zero-fills out on error). */
void pfs_rbuf_get_bytes(struct pfs_rbuf *rb, void *out, size_t n);
void pfs_rbuf_skip(struct pfs_rbuf *rb, size_t n);

void pfs_wbuf_init(struct pfs_wbuf *wb, void *data, size_t cap);
size_t pfs_wbuf_left(const struct pfs_wbuf *wb);
void pfs_wbuf_put_u8(struct pfs_wbuf *wb, uint8_t v);
void pfs_wbuf_put_be16(struct pfs_wbuf *wb, uint16_t v);
void pfs_wbuf_put_be32(struct pfs_wbuf *wb, uint32_t v);
void pfs_wbuf_put_be64(struct pfs_wbuf *wb, uint64_t v);
void pfs_wbuf_put_bytes(struct pfs_wbuf *wb, const void *data, size_t n);
void pfs_wbuf_put_zero(struct pfs_wbuf *wb, size_t n);
/* Overwrite one byte already written at offset off (for header counts). */
void pfs_wbuf_poke_u8(struct pfs_wbuf *wb, size_t off, uint8_t v);
/* The same for two bytes, big-endian (a section's record count). */
void pfs_wbuf_poke_be16(struct pfs_wbuf *wb, size_t off, uint16_t v);

#endif
