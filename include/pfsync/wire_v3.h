/*
 * wire_v3.h - pfsync protocol version 3 (NetBSD, OpenBSD 4.1/4.2), byte
 * exact.  Every packet is a 20-byte header followed by `count` records of
 * one action (exactly one record, count 0, for CLR and BUS).
 *
 * Records are decoded field by field into host-order structs and encoded
 * the same way; nothing casts a struct onto a buffer.  The wire `af` byte
 * is the BSD value (2 / 24) and is translated to Linux AF_INET / AF_INET6.
 * Ids and creator ids are big-endian on the wire and plain integers here.
 */
#ifndef PFSYNC_WIRE_V3_H
#define PFSYNC_WIRE_V3_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/buf.h"
#include "pfsync/state.h"

#define PFS_V3_VERSION 3
#define PFS_V3_PROTO 240	      /* IPPROTO_PFSYNC */
#define PFS_V3_GROUP 0xe00000f0u      /* 224.0.0.240, host order */
#define PFS_V3_TTL 255
#define PFS_V3_HDR_LEN 20
#define PFS_V3_STATE_LEN 240
#define PFS_V3_UPD_LEN 88
#define PFS_V3_DEL_LEN 16
#define PFS_V3_UREQ_LEN 16
#define PFS_V3_CLR_LEN 24
#define PFS_V3_BUS_LEN 16
#define PFS_V3_TDB_LEN 48
#define PFS_V3_CHKSUM_LEN 16
#define PFS_V3_AF_INET 2
#define PFS_V3_AF_INET6 24
#define PFS_V3_MAXCOUNT_CAP 254
#define PFS_V3_MTU_MAX 2048 /* MCLBYTES clamp */
#define PFS_V3_BUS_START 1
#define PFS_V3_BUS_END 2
/* pfsyncd: END from a node still waiting for its own bulk (engine_bulk.c);
 * NetBSD ignores BUS status values other than START and END. */
#define PFS_V3_BUS_END_UNSYNCED 0x82

enum pfs_v3_action {
	PFS_V3_ACT_CLR = 0,
	PFS_V3_ACT_INS = 1,
	PFS_V3_ACT_UPD = 2,
	PFS_V3_ACT_DEL = 3,
	PFS_V3_ACT_UPD_C = 4,
	PFS_V3_ACT_DEL_C = 5,
	PFS_V3_ACT_INS_F = 6,
	PFS_V3_ACT_DEL_F = 7,
	PFS_V3_ACT_UREQ = 8,
	PFS_V3_ACT_BUS = 9,
	PFS_V3_ACT_TDB_UPD = 10,
	PFS_V3_ACT_MAX = 11
};

struct pfs_v3_header {
	uint8_t version;
	uint8_t af; /* written as 0, ignored on receive */
	uint8_t action;
	uint8_t count;
	uint8_t chksum[PFS_V3_CHKSUM_LEN]; /* ruleset MD5, not a checksum */
};

/* UPD_C: compressed update, 88 bytes */
struct pfs_v3_upd {
	uint64_t id;
	uint32_t creatorid;
	struct pfs_peer src;
	struct pfs_peer dst;
	uint32_t expire;
	uint8_t timeout;
	uint8_t updates;
};

/* DEL_C: compressed delete, 16 bytes */
struct pfs_v3_del {
	uint64_t id;
	uint32_t creatorid;
	uint8_t src_state; /* always 0 from a v3 sender */
	uint8_t dst_state;
};

/* UREQ: update request, 16 bytes; id 0 and creatorid 0 ask for a bulk */
struct pfs_v3_ureq {
	uint64_t id;
	uint32_t creatorid;
};

/* CLR: 24 bytes; ifname "" means all interfaces */
struct pfs_v3_clr {
	char ifname[PFS_IFNAMSIZ];
	uint32_t creatorid;
};

/* BUS: bulk update status, 16 bytes */
struct pfs_v3_bus {
	uint32_t creatorid;
	uint32_t endtime; /* seconds since the request was received */
	uint8_t status;	  /* PFS_V3_BUS_START or PFS_V3_BUS_END */
};

/* TDB_UPD: NetBSD layout, 48 bytes; never sent, decoded for printing */
struct pfs_v3_tdb {
	uint32_t spi;
	uint8_t dst[28]; /* sockaddr_union, raw */
	uint32_t rpl;
	uint64_t cur_bytes;
	uint8_t sproto;
	uint8_t updates;
};

union pfs_v3_record {
	struct pfs_state state; /* INS, UPD, DEL (wire-relative times) */
	struct pfs_v3_upd upd;
	struct pfs_v3_del del;
	struct pfs_v3_ureq ureq;
	struct pfs_v3_clr clr;
	struct pfs_v3_bus bus;
	struct pfs_v3_tdb tdb;
};

/* A parsed frame: a view into the caller's buffer, valid while it is. */
struct pfs_v3_frame {
	struct pfs_v3_header hdr;
	const uint8_t *body; /* first record */
	size_t body_len;     /* bytes after the header */
	size_t nrec;	     /* records to walk: count, or 1 for CLR/BUS, or
				0 for INS_F/DEL_F */
	size_t reclen;	     /* bytes per record, 0 if the action has none */
};

uint8_t pfs_v3_af_to_wire(uint8_t linux_af);
uint8_t pfs_v3_af_from_wire(uint8_t wire_af);
/* Record size of an action, 0 for INS_F/DEL_F and out-of-range actions. */
size_t pfs_v3_reclen(uint8_t action);
/* tcpdump's name of an action ("UPD ST COMP"), "?" when out of range. */
const char *pfs_v3_action_name(uint8_t action);
/* maxcount for a syncdev MTU: (min(mtu, 2048) - 20) / 240, capped. */
unsigned pfs_v3_maxcount(unsigned mtu);

/*
 * Validate a frame in the receiver's order (header length, version,
 * action, record length) and fill *f.  Returns 0, or the pfs_stat slot
 * (PFS_STAT_HDROPS, BADVER, BADACT, BADLEN) that counts the refusal.
 * Trailing bytes beyond the records are allowed, as in pfsync.
 */
int pfs_v3_frame_parse(const uint8_t *pkt, size_t len, struct pfs_v3_frame *f);
/* Decode record i (< f->nrec) of a parsed frame into *rec. */
void pfs_v3_frame_record(const struct pfs_v3_frame *f, size_t i,
			 union pfs_v3_record *rec);
/* The af byte of INS, UPD or DEL record i untranslated (decoders show an
 * unknown family as it was); 0 for other actions and out-of-range i. */
uint8_t pfs_v3_frame_state_af(const struct pfs_v3_frame *f, size_t i);

/* Encoders append one element to a writer (sticky error when full). */
/* One record of an action, the inverse of pfs_v3_frame_record; nothing
 * for INS_F, DEL_F and out-of-range actions. */
void pfs_v3_put_record(struct pfs_wbuf *wb, uint8_t action,
		       const union pfs_v3_record *r);
void pfs_v3_put_header(struct pfs_wbuf *wb, const struct pfs_v3_header *h);
void pfs_v3_put_state(struct pfs_wbuf *wb, const struct pfs_state *st);
void pfs_v3_put_upd(struct pfs_wbuf *wb, const struct pfs_v3_upd *u);
void pfs_v3_put_del(struct pfs_wbuf *wb, const struct pfs_v3_del *d);
void pfs_v3_put_ureq(struct pfs_wbuf *wb, const struct pfs_v3_ureq *r);
void pfs_v3_put_clr(struct pfs_wbuf *wb, const struct pfs_v3_clr *c);
void pfs_v3_put_bus(struct pfs_wbuf *wb, const struct pfs_v3_bus *b);
void pfs_v3_put_tdb(struct pfs_wbuf *wb, const struct pfs_v3_tdb *t);
void pfs_v3_put_peer(struct pfs_wbuf *wb, const struct pfs_peer *p);

/* Decoders read one element (sticky error when short). */
void pfs_v3_get_header(struct pfs_rbuf *rb, struct pfs_v3_header *h);
void pfs_v3_get_state(struct pfs_rbuf *rb, struct pfs_state *st);
void pfs_v3_get_upd(struct pfs_rbuf *rb, struct pfs_v3_upd *u);
void pfs_v3_get_del(struct pfs_rbuf *rb, struct pfs_v3_del *d);
void pfs_v3_get_ureq(struct pfs_rbuf *rb, struct pfs_v3_ureq *r);
void pfs_v3_get_clr(struct pfs_rbuf *rb, struct pfs_v3_clr *c);
void pfs_v3_get_bus(struct pfs_rbuf *rb, struct pfs_v3_bus *b);
void pfs_v3_get_tdb(struct pfs_rbuf *rb, struct pfs_v3_tdb *t);
void pfs_v3_get_peer(struct pfs_rbuf *rb, struct pfs_peer *p);

#endif
