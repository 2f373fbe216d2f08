/*
 * wire_bsd.h - the parts of pfsync that OpenBSD v6 (wire_v6.h) and FreeBSD
 * v5 (wire_v5.h) share, byte exact (reference pfsync-modern.md §1.2, §1.4,
 * §2.1): the 20-byte header, the 4-byte subheader, the small records
 * (clr 20, ins_ack / upd_req / del_c 12, upd_c 84, bus 12), the 32-byte
 * peer, and the translation of pf's two state keys onto the
 * dialect-neutral struct pfs_state.
 *
 * Translation rules (fields that have no home in struct pfs_state):
 *
 *  - Keys.  pf keeps two keys per state, key[0] = PF_SK_WIRE and
 *    key[1] = PF_SK_STACK, each {addr[2], port[2]}.  pf stores a packet's
 *    source at index sidx and its destination at didx, with sidx = 0 for
 *    PF_IN and 1 for PF_OUT, so index 0 is always the remote side and index
 *    1 the local one:  wire = (ext, gwy), stack = (ext, lan).  Decoding takes
 *    ext from the wire key; a stack key whose remote side differs (NAT of
 *    both ends) loses that address.  Encoding writes ext into both keys.
 *  - Address family.  The wire carries the BSD value (AF_INET 2 on both,
 *    AF_INET6 24 on OpenBSD and 28 on FreeBSD); pfs_state holds Linux's.
 *    Each key's own family (OpenBSD's key af, FreeBSD 1500's wire_af and
 *    stack_af) is kept in pfs_bsd_extra; pfs_bsd_state_check refuses a
 *    state whose keys are of different families (af-to), which Linux
 *    conntrack cannot express.
 *  - rdomain (OpenBSD key rdomain) and the routing tables: kept in
 *    pfs_bsd_extra, sent as rdomain 0 and rtableid -1 (pf's "no table")
 *    when the state came from elsewhere; pfs_bsd_state_check refuses a
 *    state of a non-zero rdomain, because it would collide in our single
 *    table with the rdomain 0 state of the same addresses.
 *  - allow_opts is pf's PFSTATE_ALLOWOPTS (0x0001, pfvar.h) in the 16-bit
 *    state_flags; the other state_flags bits, sync_flags (source-node
 *    flags) and the scheduling fields are kept in pfs_bsd_extra for
 *    printing and same-dialect round trips, and are 0 otherwise.
 */
#ifndef PFSYNC_WIRE_BSD_H
#define PFSYNC_WIRE_BSD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/buf.h"
#include "pfsync/state.h"

#define PFS_BSD_PROTO		  240
#define PFS_BSD_TTL		  255
#define PFS_BSD_HDR_LEN		  20
#define PFS_BSD_SUBHDR_LEN	  4
#define PFS_BSD_CKSUM_LEN	  16
#define PFS_BSD_PEER_LEN	  32
#define PFS_BSD_UPD_C_LEN	  84
#define PFS_BSD_REF_LEN		  12 /* ins_ack, upd_req, del_c */
#define PFS_BSD_CLR_LEN		  20
#define PFS_BSD_BUS_LEN		  12
#define PFS_BSD_BUS_START	  1
#define PFS_BSD_BUS_END		  2
#define PFS_BSD_AF_INET		  2
#define PFS_BSD_RTABLE_NONE	  (-1)
#define PFS_BSD_PFSTATE_ALLOWOPTS 0x0001
#define PFS_BSD_PFSTATE_ACK	  0x0010 /* "I deferred a packet, INS_ACK me" */
#define PFS_BSD_TAGLEN		  64

/* struct pfsync_header, 20 bytes */
struct pfs_bsd_header {
	uint8_t version;
	uint16_t len; /* bytes from the header's start to the frame's end */
	uint8_t pfcksum[PFS_BSD_CKSUM_LEN]; /* v5: ruleset MD5; v6: 0 */
};

/* struct pfsync_subheader, 4 bytes; `words` is 0 (padding) in v5 */
struct pfs_bsd_subheader {
	uint8_t action;
	uint8_t words; /* v6: size of one record in 4-byte words */
	uint16_t count;
};

/* pfsync_upd_c, 84 bytes (v5 calls state_flags _pad and ignores it) */
struct pfs_bsd_upd_c {
	uint64_t id;
	struct pfs_peer src;
	struct pfs_peer dst;
	uint32_t creatorid;
	uint32_t expire; /* senders leave it 0 */
	uint8_t timeout;
	uint8_t state_flags;
};

/* pfsync_ins_ack, pfsync_upd_req, pfsync_del_c: 12 bytes each */
struct pfs_bsd_ref {
	uint64_t id;
	uint32_t creatorid;
};

/* pfsync_clr, 20 bytes; ifname "" means every interface */
struct pfs_bsd_clr {
	char ifname[PFS_IFNAMSIZ];
	uint32_t creatorid;
};

/* pfsync_bus, 12 bytes */
struct pfs_bsd_bus {
	uint32_t creatorid;
	uint32_t endtime;
	uint8_t status; /* PFS_BSD_BUS_START or _END */
};

/*
 * What a BSD state carries beyond struct pfs_state (see the rules above).
 * Fields a dialect or format does not have stay 0 when decoded and are
 * not written when encoded.
 */
struct pfs_bsd_extra {
	uint8_t key_af[2];    /* Linux af of key[0] (wire), key[1] (stack) */
	uint16_t rdomain[2];  /* v6 key rdomain */
	int32_t rtableid[2];  /* v6 wire, stack; v5 1400/1500 one table */
	uint16_t state_flags; /* PFSTATE_* except ALLOWOPTS */
	uint16_t max_mss;
	uint8_t sync_flags; /* source-node flags (v6, v5 1301/1400) */
	uint8_t min_ttl;
	uint8_t set_tos;
	uint8_t set_prio[2];
	uint8_t rt; /* route-to kind */
	uint8_t rt_af;
	uint8_t stack_proto;		     /* v5 1500 */
	uint16_t qid, pqid, dnpipe, dnrpipe; /* v5 1400/1500 */
	char rt_ifname[PFS_IFNAMSIZ];	     /* v5 1400/1500 */
	char orig_ifname[PFS_IFNAMSIZ];	     /* v5 1500 */
	char tagname[PFS_BSD_TAGLEN];	     /* v5 1500, NUL padded */
};

/* A full state as a BSD dialect carries it; times wire-relative. */
struct pfs_bsd_state {
	struct pfs_state st;
	struct pfs_bsd_extra x;
};

/*
 * pf_state_key of either dialect: {addr[2], port[2]} and, on OpenBSD,
 * rdomain and af (Linux value here).
 */
struct pfs_bsd_key {
	struct pfs_addr addr[2];
	uint16_t port[2];
	uint16_t rdomain;
	uint8_t af;
};

/* Defaults of the extra fields for a state that came from elsewhere:
 * key families and stack_proto from st, no routing table, the rest 0. */
void pfs_bsd_extra_default(struct pfs_bsd_extra *x, const struct pfs_state *st);

/* The two keys <-> lan / gwy / ext (the "Keys" rule above). */
void pfs_bsd_keys_to_state(const struct pfs_bsd_key k[2], struct pfs_state *st);
void pfs_bsd_state_to_keys(const struct pfs_state *st,
			   const struct pfs_bsd_extra *x,
			   struct pfs_bsd_key k[2]);

/*
 * Receive validation of a decoded state, as pfsync_in_ins/upd do, plus
 * our translation limits: 0, or PFS_STAT_BADVAL when timeout >= PFTM_MAX,
 * a peer state is beyond PROXY_DST, direction beyond OUT, af is neither
 * INET nor INET6, the keys' families differ from af, creatorid is 0
 * (pf_state_import refuses it) or the rdomain is not 0.
 */
int pfs_bsd_state_check(const struct pfs_bsd_state *s);

/* Cursor codecs of the shared elements (sticky error when short). */
void pfs_bsd_get_header(struct pfs_rbuf *rb, struct pfs_bsd_header *h);
/*
 * The header of a received frame of `version`, checked as both BSDs
 * check it: 0, or the counter it moves (HDROPS shorter than a header,
 * BADVER another version, BADLEN a len past the packet's end).
 */
int pfs_bsd_frame_header(const uint8_t *pkt, size_t len, uint8_t version,
			 struct pfs_bsd_header *h);
void pfs_bsd_put_header(struct pfs_wbuf *wb, const struct pfs_bsd_header *h);
void pfs_bsd_get_subheader(struct pfs_rbuf *rb, struct pfs_bsd_subheader *s);
void pfs_bsd_put_subheader(struct pfs_wbuf *wb,
			   const struct pfs_bsd_subheader *s);
void pfs_bsd_get_upd_c(struct pfs_rbuf *rb, struct pfs_bsd_upd_c *u);
void pfs_bsd_put_upd_c(struct pfs_wbuf *wb, const struct pfs_bsd_upd_c *u);
void pfs_bsd_get_ref(struct pfs_rbuf *rb, struct pfs_bsd_ref *r);
void pfs_bsd_put_ref(struct pfs_wbuf *wb, const struct pfs_bsd_ref *r);
void pfs_bsd_get_clr(struct pfs_rbuf *rb, struct pfs_bsd_clr *c);
void pfs_bsd_put_clr(struct pfs_wbuf *wb, const struct pfs_bsd_clr *c);
void pfs_bsd_get_bus(struct pfs_rbuf *rb, struct pfs_bsd_bus *b);
void pfs_bsd_put_bus(struct pfs_wbuf *wb, const struct pfs_bsd_bus *b);

/*
 * The first 36 bytes of a state key, the same in v5 and v6: addr[2], 16
 * bytes each, then port[2], big-endian.  p points at the key.
 */
void pfs_bsd_ld_key_ends(const uint8_t *p, struct pfs_bsd_key *k);
void pfs_bsd_st_key_ends(uint8_t *p, const struct pfs_bsd_key *k);

/* Patch the header's len field of a frame that starts at hdr_off. */
void pfs_bsd_poke_len(struct pfs_wbuf *wb, size_t hdr_off, uint16_t len);

/*
 * Address family, Linux's inside and the dialect's on the wire: AF_INET is
 * 2 everywhere, AF_INET6 is inet6_wire (24 OpenBSD, 28 FreeBSD); any other
 * value becomes 0, which receivers refuse as a bad value.
 */
uint8_t pfs_bsd_af_to_wire(uint8_t linux_af, uint8_t inet6_wire);
uint8_t pfs_bsd_af_from_wire(uint8_t wire_af, uint8_t inet6_wire);

#endif
