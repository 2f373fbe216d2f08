/*
 * wire_v6.h - pfsync protocol version 6 (OpenBSD since 4.5, and the 2023
 * rewrite), byte exact (reference pfsync-modern.md §1).
 *
 * A frame is the 20-byte header (version 6, len, pfcksum) followed by any
 * number of sections, each a 4-byte subheader {action, len in words,
 * count} and `count` records of len * 4 bytes.  Records may be longer than
 * ours (a newer peer): the advertised stride is used and the tail
 * ignored.  A section whose action we do not know, or whose records are
 * shorter than ours, is skipped by its length; with len or count 0 it
 * cannot be skipped and the rest of the packet is dropped (badact).
 *
 * States decode into struct pfs_bsd_state (a dialect-neutral pfs_state
 * plus the fields it has no room for); the translation rules for keys,
 * address families (AF_INET6 is 24 here), rdomain and flags are in
 * wire_bsd.h.  Times stay wire-relative (age, seconds to expiry).
 */
#ifndef PFSYNC_WIRE_V6_H
#define PFSYNC_WIRE_V6_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/buf.h"
#include "pfsync/wire_bsd.h"

#define PFS_V6_VERSION	 6
#define PFS_V6_STATE_LEN 264
#define PFS_V6_KEY_LEN	 40
#define PFS_V6_TDB_LEN	 52
#define PFS_V6_AF_INET6	 24

enum pfs_v6_action {
	PFS_V6_ACT_CLR = 0,
	PFS_V6_ACT_OINS = 1, /* pre-v6, skipped */
	PFS_V6_ACT_INS_ACK = 2,
	PFS_V6_ACT_OUPD = 3, /* pre-v6, skipped */
	PFS_V6_ACT_UPD_C = 4,
	PFS_V6_ACT_UPD_REQ = 5,
	PFS_V6_ACT_DEL = 6,
	PFS_V6_ACT_DEL_C = 7,
	PFS_V6_ACT_INS_F = 8, /* never implemented, skipped */
	PFS_V6_ACT_DEL_F = 9, /* never implemented, skipped */
	PFS_V6_ACT_BUS = 10,
	PFS_V6_ACT_OTDB = 11, /* old 48-byte TDB, skipped */
	PFS_V6_ACT_EOF = 12,  /* deprecated: never sent, skipped */
	PFS_V6_ACT_INS = 13,
	PFS_V6_ACT_UPD = 14,
	PFS_V6_ACT_TDB = 15,
	PFS_V6_ACT_MAX = 16
};

/* pfsync_tdb, 52 bytes; decoded for printing, never applied */
struct pfs_v6_tdb {
	uint32_t spi;
	uint8_t dst[28]; /* sockaddr_union, raw */
	uint64_t rpl;
	uint64_t cur_bytes;
	uint8_t sproto;
	uint8_t updates;
	uint16_t rdomain;
};

union pfs_v6_record {
	struct pfs_bsd_state state; /* INS, UPD, DEL */
	struct pfs_bsd_upd_c upd_c;
	struct pfs_bsd_ref ref; /* INS_ACK, UPD_REQ, DEL_C */
	struct pfs_bsd_clr clr;
	struct pfs_bsd_bus bus;
	struct pfs_v6_tdb tdb;
};

/* A parsed frame: a view into the caller's buffer, valid while it is. */
struct pfs_v6_frame {
	struct pfs_bsd_header hdr;
	const uint8_t *pkt;
	size_t len; /* the packet trimmed to hdr.len */
	size_t off; /* next subheader */
};

struct pfs_v6_section {
	struct pfs_bsd_subheader sub;
	const uint8_t *body; /* first record */
	size_t stride;	     /* sub.words * 4 */
	bool skip;	     /* unknown, obsolete or too short: not decoded */
};

#define PFS_V6_END (-1)

/* Record size we need for an action, 0 for the skipped ones and >= MAX. */
size_t pfs_v6_reclen(uint8_t action);
/* OpenBSD tcpdump's name ("UPD ST COMP"), "?" when out of range. */
const char *pfs_v6_action_name(uint8_t action);
uint8_t pfs_v6_af_to_wire(uint8_t linux_af);
uint8_t pfs_v6_af_from_wire(uint8_t wire_af);

/*
 * Check the header in OpenBSD's order (hdrops, badver, badlen: len beyond
 * the packet) and fill *f; a packet longer than len is trimmed to it.
 * Returns 0 or the pfs_stat slot that counts the refusal.
 */
int pfs_v6_frame_parse(const uint8_t *pkt, size_t len, struct pfs_v6_frame *f);

/*
 * The next section: 0 with *s filled, PFS_V6_END when fewer than 4 bytes
 * are left, or the pfs_stat slot (BADACT, BADLEN) that ends the packet.
 * Fewer than 4 trailing bytes are ignored.
 */
int pfs_v6_frame_next(struct pfs_v6_frame *f, struct pfs_v6_section *s);

/* Decode record i (< count) of a section that is not skipped. */
void pfs_v6_section_record(const struct pfs_v6_section *s, size_t i,
			   union pfs_v6_record *r);

void pfs_v6_get_state(struct pfs_rbuf *rb, struct pfs_bsd_state *s);
void pfs_v6_put_state(struct pfs_wbuf *wb, const struct pfs_bsd_state *s);
void pfs_v6_get_tdb(struct pfs_rbuf *rb, struct pfs_v6_tdb *t);
void pfs_v6_put_tdb(struct pfs_wbuf *wb, const struct pfs_v6_tdb *t);
/* One record of an action; nothing for the skipped actions. */
void pfs_v6_put_record(struct pfs_wbuf *wb, uint8_t action,
		       const union pfs_v6_record *r);

/*
 * Frame builder: a header, then records; consecutive records of one
 * action share a section.  pfcksum is written as zeros, as OpenBSD does.
 */
struct pfs_v6_writer {
	struct pfs_wbuf wb;
	size_t sub_off; /* offset of the open section's subheader */
	uint16_t count; /* records in the open section */
	uint8_t action; /* action of the open section */
	bool open;
};

/* Starts a frame in buf; -1 if not even the header fits. */
int pfs_v6_writer_init(struct pfs_v6_writer *w, uint8_t *buf, size_t cap);
/* Appends one record; -1 (nothing written) if it does not fit or the
 * action has no record of its own (the skipped ones). */
int pfs_v6_writer_add(struct pfs_v6_writer *w, uint8_t action,
		      const union pfs_v6_record *r);
/* Writes the header's len; returns the frame's length. */
size_t pfs_v6_writer_finish(struct pfs_v6_writer *w);

#endif
