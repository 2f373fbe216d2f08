/*
 * wire_v5.h - pfsync protocol version 5 (FreeBSD 9 to 15, pfSense,
 * OPNsense), byte exact (reference pfsync-modern.md §2).
 *
 * A frame is the 20-byte header (version 5, len, pfcksum = pf's ruleset
 * MD5) followed by sections of a 4-byte subheader {action, pad, count}
 * and `count` records of the size the action implies, ended by an EOF
 * subheader (action 12, count 1).  The subheader has no record length, so
 * an unknown action ends the packet (badact).
 *
 * The state record exists in three formats, chosen by the action number:
 * 1301 (242 bytes, INS 1 / UPD 3 / DEL 6), 1400 (277, INS 13 / UPD 14)
 * and 1500 (360, INS 15 / UPD 16).  A receiver accepts all three; a
 * sender writes exactly one (`ifconfig pfsync0 version N`), and deletes
 * always as DEL_C.  States decode into struct pfs_bsd_state; the
 * translation rules are in wire_bsd.h, and AF_INET6 is 28 here.
 */
#ifndef PFSYNC_WIRE_V5_H
#define PFSYNC_WIRE_V5_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/buf.h"
#include "pfsync/wire_bsd.h"

#define PFS_V5_VERSION	      5
#define PFS_V5_STATE_1301_LEN 242
#define PFS_V5_STATE_1400_LEN 277
#define PFS_V5_STATE_1500_LEN 360
#define PFS_V5_KEY_LEN	      36
#define PFS_V5_TDB_LEN	      48
#define PFS_V5_AF_INET6	      28

/* The state formats, named as `ifconfig pfsync0 version N` names them. */
enum pfs_v5_format {
	PFS_V5_FMT_1301 = 1301,
	PFS_V5_FMT_1400 = 1400,
	PFS_V5_FMT_1500 = 1500
};

enum pfs_v5_action {
	PFS_V5_ACT_CLR = 0,
	PFS_V5_ACT_INS_1301 = 1,
	PFS_V5_ACT_INS_ACK = 2,
	PFS_V5_ACT_UPD_1301 = 3,
	PFS_V5_ACT_UPD_C = 4,
	PFS_V5_ACT_UPD_REQ = 5,
	PFS_V5_ACT_DEL = 6, /* 1301 layout */
	PFS_V5_ACT_DEL_C = 7,
	PFS_V5_ACT_INS_F = 8, /* refused: badact */
	PFS_V5_ACT_DEL_F = 9, /* refused: badact */
	PFS_V5_ACT_BUS = 10,
	PFS_V5_ACT_TDB = 11,
	PFS_V5_ACT_EOF = 12,
	PFS_V5_ACT_INS_1400 = 13,
	PFS_V5_ACT_UPD_1400 = 14,
	PFS_V5_ACT_INS_1500 = 15,
	PFS_V5_ACT_UPD_1500 = 16,
	PFS_V5_ACT_MAX = 17
};

/* pfsync_tdb, FreeBSD layout, 48 bytes; decoded for printing */
struct pfs_v5_tdb {
	uint32_t spi;
	uint8_t dst[28]; /* sockaddr_union, raw */
	uint32_t rpl;
	uint64_t cur_bytes;
	uint8_t sproto;
	uint8_t updates;
};

union pfs_v5_record {
	struct pfs_bsd_state state; /* INS_*, UPD_*, DEL */
	struct pfs_bsd_upd_c upd_c;
	struct pfs_bsd_ref ref; /* INS_ACK, UPD_REQ, DEL_C */
	struct pfs_bsd_clr clr;
	struct pfs_bsd_bus bus;
	struct pfs_v5_tdb tdb;
};

/* A parsed frame: a view into the caller's buffer, valid while it is. */
struct pfs_v5_frame {
	struct pfs_bsd_header hdr;
	const uint8_t *pkt;
	size_t pktlen; /* the whole packet: where EOF must sit */
	size_t len;    /* hdr.len: where the sections end */
	size_t off;    /* next subheader */
	bool eof;      /* an EOF section was reached */
};

struct pfs_v5_section {
	struct pfs_bsd_subheader sub;
	const uint8_t *body;
	size_t reclen;
};

#define PFS_V5_END (-1)

/* Record size of an action; 0 for EOF, INS_F, DEL_F and >= MAX. */
size_t pfs_v5_reclen(uint8_t action);
/* FreeBSD tcpdump's name ("update compressed"), "?" when out of range. */
const char *pfs_v5_action_name(uint8_t action);
/* The state format of an action (1301, 1400, 1500), 0 if none. */
unsigned pfs_v5_action_format(uint8_t action);
/* INS and UPD action numbers of a format, 0 for an unknown format. */
uint8_t pfs_v5_ins_action(unsigned fmt);
uint8_t pfs_v5_upd_action(unsigned fmt);
/* State record size of a format, 0 for an unknown one. */
size_t pfs_v5_state_len(unsigned fmt);
uint8_t pfs_v5_af_to_wire(uint8_t linux_af);
uint8_t pfs_v5_af_from_wire(uint8_t wire_af);

/*
 * Check the header in FreeBSD's order (hdrops, badver, badlen: len beyond
 * the packet) and fill *f.  Returns 0 or the refusing pfs_stat slot.
 */
int pfs_v5_frame_parse(const uint8_t *pkt, size_t len, struct pfs_v5_frame *f);

/*
 * The next section: 0 with *s filled, PFS_V5_END after EOF or when fewer
 * than 4 bytes are left, or the pfs_stat slot that ends the packet:
 * BADACT for an action >= MAX, INS_F or DEL_F; BADLEN for records past
 * the frame, or an EOF that is not at the end of the packet.
 */
int pfs_v5_frame_next(struct pfs_v5_frame *f, struct pfs_v5_section *s);

/* Decode record i (< count) of a section. */
void pfs_v5_section_record(const struct pfs_v5_section *s, size_t i,
			   union pfs_v5_record *r);

void pfs_v5_get_state(struct pfs_rbuf *rb, unsigned fmt,
		      struct pfs_bsd_state *s);
void pfs_v5_put_state(struct pfs_wbuf *wb, unsigned fmt,
		      const struct pfs_bsd_state *s);
void pfs_v5_get_tdb(struct pfs_rbuf *rb, struct pfs_v5_tdb *t);
void pfs_v5_put_tdb(struct pfs_wbuf *wb, const struct pfs_v5_tdb *t);
void pfs_v5_put_record(struct pfs_wbuf *wb, uint8_t action,
		       const union pfs_v5_record *r);

/*
 * Frame builder: header, sections (consecutive records of one action
 * share one), and on finish the EOF subheader, whose 4 bytes are always
 * kept free.  pfcksum may be NULL (16 zero bytes).
 */
struct pfs_v5_writer {
	struct pfs_wbuf wb;
	size_t sub_off;
	uint16_t count;
	uint8_t action;
	bool open;
};

int pfs_v5_writer_init(struct pfs_v5_writer *w, uint8_t *buf, size_t cap,
		       const uint8_t *pfcksum);
/* -1 (nothing written) if the record does not fit or has no size. */
int pfs_v5_writer_add(struct pfs_v5_writer *w, uint8_t action,
		      const union pfs_v5_record *r);
/* Appends EOF and writes len; returns the frame's length (0 on error). */
size_t pfs_v5_writer_finish(struct pfs_v5_writer *w);

#endif
