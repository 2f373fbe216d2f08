/*
 * pfsd.h - the pfsyncd framing, the dialect two pfsyncd nodes speak: a
 * v3 packet (version 3, one action, records) followed by sections only a
 * pfsyncd peer reads, each opened by its magic byte, then the trailer:
 *
 *   v3 header | v3 records | extras 0xF6 | expectations 0xF7 |
 *   digest 0xF8 | trailer 0xF5 (12 B)
 *
 * A NetBSD peer reads only the records its header counts, so it sees the
 * v3 packet it understands (pfsync-v3.md 4.1).  The sections' layouts
 * are in lib/wire (wire_xst.c, wire_xexp.c, wire_dig.c, wire_ext.c);
 * this header speaks of them in the engine's terms only: how many states
 * fit, how many bytes their extras take, and the framing of a packet of
 * neutral messages (dialect.h) with its header's ruleset digest.
 */
#ifndef PFSYNC_PFSD_H
#define PFSYNC_PFSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/dialect.h"
#include "pfsync/digest.h"
#include "pfsync/state.h"

/*
 * The trailer (wire_ext.c lays it out): a pfsyncd node's packets are
 * numbered in a stream, and control messages about streams ride on an
 * empty packet of their own (pfs_pfsd_ctl).
 */
#define PFS_EXT_ARG_XST 0x8000 /* DATA, HB, GONE: reads the extras */
/* DATA: the sender holds a packet until this one is applied (defer):
 * ACK it at once, once its states reached the firewall's table */
#define PFS_EXT_ARG_DEFER 0x4000

enum pfs_ext_kind {
	PFS_EXT_DATA = 1, /* this packet is number seq of stream epoch */
	PFS_EXT_HB = 2,	  /* heartbeat: the last DATA number was seq */
	PFS_EXT_NACK = 3, /* please resend arg packets from seq */
	PFS_EXT_GONE = 4, /* numbers below seq are no longer held */
	PFS_EXT_ACK = 5,  /* numbers up to seq were applied: free them */
	PFS_EXT_KIND_MAX = 6
};

struct pfs_ext {
	uint8_t kind; /* enum pfs_ext_kind */
	uint16_t arg;
	uint32_t epoch;
	uint32_t seq;
};

/* the trailer's length: what a numbered packet grows by */
#define PFS_PFSD_TRAILER_LEN 12
/* a packet is numbered only when it fits this with its trailer: the
 * largest v3 packet of states (20 + 8 * 240) and the trailer */
#define PFS_PFSD_STAMP_MAX (20 + PFS_DIALECT_REC_MAX * 240 + 12)

/*
 * maxcount of a pfsd packet for a sync interface MTU: v3's (min(mtu,
 * 2048) - 20) / 240, at most PFS_DIALECT_REC_MAX; with trailer one
 * record fewer when the trailer would not fit beside a 20-byte IP
 * header (at 1500 it fits: 20 + 20 + 6 * 240 + 12 = 1492).  At least 1.
 */
unsigned pfs_pfsd_maxcount(unsigned mtu, bool trailer);

/* Bytes the extras of one state take in the extras section (0: none). */
size_t pfs_pfsd_xst_len(const struct pfs_stx *x);

/*
 * Whether a packet of n full states whose extras take xlen bytes, with
 * the extras section and the trailer, fits mtu beside a 20-byte IP
 * header.
 */
bool pfs_pfsd_fits(size_t n, size_t xlen, unsigned mtu);

/*
 * Append the extras section for the n records of the packet in
 * wire[0, len) (x[i]: record i's).  With no entry it still says "these
 * records have none", if it fits mtu with the trailer.  Returns the new
 * length, len when it does not fit cap or mtu.
 */
size_t pfs_pfsd_put_xst(uint8_t *wire, size_t len, size_t cap,
			const struct pfs_stx *x, size_t n, unsigned mtu);

/* Close a packet framed in PFS_DIALECT_V3 with f, its header carrying
 * the sender's ruleset digest; its length (0 if empty or broken). */
size_t pfs_pfsd_finish(struct pfs_framer *f,
		       const uint8_t chksum[PFS_SYNC_CHKSUM_LEN]);

/* A control packet: an empty compressed update carrying only trailer x
 * (HB, NACK, GONE, ACK), in buf of PFS_PFSD_CTL_LEN; its length. */
#define PFS_PFSD_CTL_LEN (20 + 12)
size_t pfs_pfsd_ctl(uint8_t *buf, const uint8_t chksum[PFS_SYNC_CHKSUM_LEN],
		    const struct pfs_ext *x);

/* Append trailer x to the packet in wire[0, len); the new length, len
 * when it does not fit cap. */
size_t pfs_pfsd_stamp(uint8_t *wire, size_t len, size_t cap,
		      const struct pfs_ext *x);

/* The kind of the records of a packet framed in pfsd (0: none we send,
 * or not a packet). */
enum pfs_msg_kind pfs_pfsd_kind(const uint8_t *wire, size_t len);

/*
 * Conntrack expectations (struct pfs_xexp, wire_xexp.h; the engine only
 * routes them): a packet of its own, a v3 INS header with count 0 (a
 * NetBSD peer applies nothing) and the expectations section, in buf of
 * cap bytes, from x[first], as many as fit mtu with an IP header and
 * the trailer (at least one).  Returns the length (0 when it does not
 * fit cap) and *taken the entries it holds.
 */
struct pfs_xexp;
size_t pfs_pfsd_xexp_frame(uint8_t *buf, size_t cap, unsigned mtu,
			   const uint8_t chksum[PFS_SYNC_CHKSUM_LEN],
			   const struct pfs_xexp *x, size_t first, size_t n,
			   size_t *taken);

/*
 * The expectations section at `used` of a received packet, each entry
 * handed to fn in order (at most PFS_PFSD_XEXP_RX_MAX: a 2048-byte MTU's
 * worth).  Returns the entries handed on, 0 when there is no section,
 * -1 when it is there but invalid (nothing handed on).
 */
#define PFS_PFSD_XEXP_RX_MAX 16
typedef void (*pfs_xexp_fn)(void *arg, const struct pfs_xexp *x);
int pfs_pfsd_xexp_each(const uint8_t *pkt, size_t len, size_t used,
		       pfs_xexp_fn fn, void *arg);

/* ---- receiving ------------------------------------------------------- */

/*
 * A received pfsd packet, parsed once: its header, where its records,
 * its sections and its trailer are.  A view into pkt, valid while it is.
 */
struct pfs_pfsd_pkt {
	const uint8_t *pkt;
	size_t len;		/* the bytes the sections are read within */
	enum pfs_msg_kind kind; /* its records'; 0: a kind never applied
				   (INS_F, DEL_F, TDB_UPD) */
	size_t nrec;		/* records to walk */
	uint8_t chksum[PFS_SYNC_CHKSUM_LEN]; /* the sender's ruleset digest */
	size_t rec_end;			     /* where the records end */
	size_t used;	    /* ... and the extras and expectations */
	bool trailer;	    /* exactly a valid trailer follows used */
	struct pfs_ext ext; /* ... which says this */
	/* pfsd.c's: the v3 action and its record length */
	uint8_t act;
	size_t reclen;
};

/*
 * Parse pkt: 0, or the pfs_stat slot that refuses it (HDROPS, BADVER,
 * BADACT, BADLEN); on BADLEN, p->kind is set.
 */
int pfs_pfsd_parse(const uint8_t *pkt, size_t len, struct pfs_pfsd_pkt *p);

/* Record i (< p->nrec) as a neutral record of p->kind: a state for INS
 * and UPD, the ids (ref) for DEL, UREQ, ... */
void pfs_pfsd_rec(const struct pfs_pfsd_pkt *p, size_t i, union pfs_msg_rec *r);

/* Bytes one record of kind k takes in a pfsd packet (answers are
 * budgeted by them), 0 for a kind pfsd does not frame. */
size_t pfs_pfsd_rec_len(enum pfs_msg_kind k);

/*
 * The extras section of a packet of INS, UPD or UPD_C with at most
 * PFS_PFSD_XST_RX_MAX records (UPD_C at the largest MTU): x[i] record
 * i's extras.  1 when it is there and valid, 0 when there is none, -1
 * when it is invalid.
 */
#define PFS_PFSD_XST_RX_MAX 23
int pfs_pfsd_xst(const struct pfs_pfsd_pkt *p, struct pfs_stx *x);

/* Whether p carries expectations (a packet of no records but them). */
bool pfs_pfsd_has_xexp(const struct pfs_pfsd_pkt *p);

/* Whether p may carry a digest section: no records, kind UPD_C (the
 * empty compressed update digests ride on); it is at p->rec_end. */
bool pfs_pfsd_digest_carrier(const struct pfs_pfsd_pkt *p);

/* ---- the digest section: anti-entropy between pfsyncd peers -------- */

/*
 * Its messages (SUM, ASK, LIST, FETCH; wire_dig.c lays them out) ride on
 * an empty compressed update of their own, which a NetBSD peer counts
 * and ignores.
 */
/* entries one section may hold at most (any kind, so a decoder's arrays
 * are bounded): the section length is 16 bits */
#define PFS_DIG_ENT_MAX 4096

#define PFS_DIG_F_LAST	0x01 /* SUM, LIST */
#define PFS_DIG_F_ROUND 0x02 /* ASK: send a round now */

enum pfs_dig_kind {
	PFS_DIG_SUM = 1,
	PFS_DIG_ASK = 2,
	PFS_DIG_LIST = 3,
	PFS_DIG_FETCH = 4,
	PFS_DIG_KIND_MAX = 5
};

/* One LIST entry: a state's id and flow key. */
struct pfs_dig_ent {
	uint64_t id;
	struct pfs_flowkey key;
};

struct pfs_dig_hdr {
	uint8_t kind;
	uint8_t flags;
	uint16_t n;
	uint32_t creatorid;
	uint32_t tag;
	uint32_t total;
	uint16_t first;
	uint16_t buckets;
};

/* A decoded section: entries point into the caller's arrays. */
struct pfs_dig_msg {
	struct pfs_dig_hdr h;
	size_t span; /* bytes of the section */
	/* the entries of h.kind, h.n of them */
	struct pfs_dig_bucket *sum;
	uint16_t *ask;
	struct pfs_dig_ent *list;
	uint64_t *fetch;
};

/* A digest packet being written (the caller's memory). */
struct pfs_pfsd_dig {
	struct pfs_wbuf wb;
	size_t start; /* where the section starts */
};

/* Bytes a digest packet may have on a sync interface of mtu, at most
 * pkt_max: the MTU less an IPv4 header, and room for one LIST entry. */
size_t pfs_pfsd_dig_room(unsigned mtu, size_t pkt_max);

/* SUM entries one packet of room bytes holds. */
size_t pfs_pfsd_dig_sums_per(size_t room);

/* Begin a packet in buf (room bytes) of the section h opens (h->n and
 * the section's length are written by pfs_pfsd_dig_end). */
void pfs_pfsd_dig_begin(struct pfs_pfsd_dig *w, uint8_t *buf, size_t room,
			const uint8_t chksum[PFS_SYNC_CHKSUM_LEN],
			const struct pfs_dig_hdr *h);

/* Entries of the section's kind (sticky error when full). */
void pfs_pfsd_dig_sum(struct pfs_pfsd_dig *w, const struct pfs_dig_bucket *b);
void pfs_pfsd_dig_ask(struct pfs_pfsd_dig *w, uint16_t bucket);
void pfs_pfsd_dig_ent(struct pfs_pfsd_dig *w, const struct pfs_dig_ent *e);
void pfs_pfsd_dig_fetch(struct pfs_pfsd_dig *w, uint64_t id);

/* Whether a LIST entry of any family still fits. */
bool pfs_pfsd_dig_ent_room(const struct pfs_pfsd_dig *w);

/* The section closes an answer: flag LAST, and total the entries of
 * the whole answer. */
void pfs_pfsd_dig_last(struct pfs_pfsd_dig *w, uint32_t total);

/* Close the section with n entries: the packet's length, 0 when it did
 * not fit its room. */
size_t pfs_pfsd_dig_end(struct pfs_pfsd_dig *w, uint16_t n);

/*
 * The digest section of a received packet (pfs_pfsd_digest_carrier):
 * its length, 0 when there is none, -1 when it is invalid.  With m
 * NULL it is only measured; else its entries go into m's arrays (each
 * of PFS_DIG_ENT_MAX).
 */
int pfs_pfsd_dig_get(const struct pfs_pfsd_pkt *p, struct pfs_dig_msg *m);

#endif
