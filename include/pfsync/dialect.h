/*
 * dialect.h - the seam between the engine and the wire: the engine says
 * *what* to announce in dialect-neutral messages over struct pfs_state;
 * a dialect says *how* it is framed.
 *
 *   engine --pfs_msg--> pfs_framer (v3 | v5 | v6) --bytes--> transport
 *   transport --bytes--> pfs_dialect_rx --pfs_msg--> engine
 *
 * Messages: insert and update (a full state), compressed update (ids and
 * the two TCP peers), delete (by id), clear (by creator, optionally one
 * interface), update request (id 0 / creator 0 asks for a bulk), bulk
 * status, and insert ack (defer).  How each dialect frames them:
 *
 *   msg      v3 (NetBSD)           v5 (FreeBSD)            v6 (OpenBSD)
 *   INS      INS 240 B             INS_1301/1400/1500      INS 264 B
 *   UPD      UPD 240 B             UPD_1301/1400/1500      UPD 264 B
 *   UPD_C    UPD_C 88 B            UPD_C 84 B              UPD_C 84 B
 *   DEL      DEL_C 16 B            DEL_C 12 B              DEL_C 12 B
 *   CLR      CLR 24 B              CLR 20 B                CLR 20 B
 *   UREQ     UREQ 16 B             UPD_REQ 12 B            UPD_REQ 12 B
 *   BUS      BUS 16 B              BUS 12 B                BUS 12 B
 *   INS_ACK  (none: EOPNOTSUPP)    INS_ACK 12 B            INS_ACK 12 B
 *
 * A v5 framer writes pfcksum as zeros: FreeBSD then does not trust the
 * rule numbers in our states (it would only if the digest equalled its own
 * ruleset's), which is right, since Linux has no pf rules to number.  A
 * v6 framer writes zeros as OpenBSD does.  v5 and v6 UPD_C carry expire
 * as given; OpenBSD and FreeBSD senders leave it 0.
 *
 * v3 carries one action per packet, so a framer refuses a message of
 * another kind with PFS_FRAME_FULL and the engine sends what it has; v5
 * and v6 put consecutive messages of one kind in one section and any
 * number of sections in a packet (v5 ends it with EOF).  What a dialect
 * has no field for follows the rules of wire_bsd.h (keys, af values,
 * rdomain, flags); a received v5/v6 state that breaks them, or the
 * receivers' value checks, is dropped and counted as badval.
 *
 * Defer and IPsec TDB sync are not carried yet; they would be two more
 * kinds here (INS_ACK is already one; a TDB message with spi, dst, rpl
 * and byte count for v6 TDB / v5 TDB), framed the same way.
 */
#ifndef PFSYNC_DIALECT_H
#define PFSYNC_DIALECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/buf.h"
#include "pfsync/state.h"

/*
 * What every dialect shares: pfsync's IP protocol, multicast group and
 * TTL, the MTU a sync interface is clamped to (MCLBYTES), the ruleset
 * digest some headers carry, and the bulk status values.
 */
#define PFS_SYNC_PROTO	    240		 /* IPPROTO_PFSYNC */
#define PFS_SYNC_GROUP	    0xe00000f0u	 /* 224.0.0.240, host order */
#define PFS_SYNC_TTL	    255
#define PFS_SYNC_MTU_MAX    2048
#define PFS_SYNC_CHKSUM_LEN 16
#define PFS_BUS_START	    1
#define PFS_BUS_END	    2
/* pfsyncd: END from a node still waiting for its own bulk (engine_bulk.c);
 * a BSD peer reads neither START nor END in it */
#define PFS_BUS_END_UNSYNCED 0x82

/*
 * The most full states one packet of any dialect holds at the largest
 * MTU ((2048 - 20) / 240 in v3), and the largest packet a framer builds
 * of them: v5 1500 states (360 B) with header, subheader and EOF, which
 * also holds the pfsyncd framing's extras section and trailer (pfsd.h).
 */
#define PFS_DIALECT_REC_MAX 8
#define PFS_DIALECT_PKT_MAX (20 + 4 + 4 + PFS_DIALECT_REC_MAX * 360)

enum pfs_msg_kind {
	PFS_MSG_INS = 1,
	PFS_MSG_UPD,
	PFS_MSG_UPD_C,
	PFS_MSG_DEL,
	PFS_MSG_CLR,
	PFS_MSG_UREQ,
	PFS_MSG_BUS,
	PFS_MSG_INS_ACK,
	/* a delete carrying the whole state: only v3 frames it (its DEL,
	 * the local copy pfsync0 shows); the others refuse it */
	PFS_MSG_DEL_FULL
};

/* DEL, UREQ, INS_ACK: a state by its ids */
struct pfs_msg_ref {
	uint64_t id;
	uint32_t creatorid;
};

/* CLR: the creator's states, of one interface or ("") all */
struct pfs_msg_clr {
	char ifname[PFS_IFNAMSIZ];
	uint32_t creatorid;
};

/* BUS: where a bulk update is */
struct pfs_msg_bus {
	uint32_t creatorid;
	uint32_t endtime; /* seconds since the request was received */
	uint8_t status;	  /* PFS_BUS_START, PFS_BUS_END, ... */
};

/* A compressed update: what every dialect's UPD_C carries. */
struct pfs_msg_upd_c {
	uint64_t id;
	uint32_t creatorid;
	struct pfs_peer src;
	struct pfs_peer dst;
	uint32_t expire;
	uint8_t timeout;
	uint8_t updates; /* v3 only; 0 from v5 and v6 */
};

struct pfs_msg {
	enum pfs_msg_kind kind;
	/* INS from v5 or v6 with PFSTATE_ACK: the sender deferred a packet
	 * until an INS_ACK of this state comes back */
	bool ack_wanted;
	union {
		/* INS, UPD: the state, times as on the wire (creation an
		 * age; expire as the dialect means it, dialect_sem.h) */
		const struct pfs_state *state;
		/* DEL, UREQ, INS_ACK */
		struct pfs_msg_ref ref;
		struct pfs_msg_upd_c upd_c;
		struct pfs_msg_clr clr;
		struct pfs_msg_bus bus;
	} u;
};

/* A message's record held by value (the engine's pending packet): a
 * state for INS, UPD and DEL_FULL, else the member of its kind. */
union pfs_msg_rec {
	struct pfs_state state;
	struct pfs_msg_upd_c upd_c;
	struct pfs_msg_ref ref;
	struct pfs_msg_clr clr;
	struct pfs_msg_bus bus;
};

/* A message of kind k over record r (a view: r must outlive it). */
void pfs_msg_of_rec(struct pfs_msg *m, enum pfs_msg_kind k,
		    const union pfs_msg_rec *r);

enum pfs_dialect_id {
	PFS_DIALECT_V3 = 3,
	PFS_DIALECT_V5 = 5,
	PFS_DIALECT_V6 = 6
};

#define PFS_FRAME_FULL 1 /* send the packet, then add the message again */

/*
 * One packet being built; lives in the caller's memory.  Where the
 * framer is, in every dialect's terms (dialect.c hands the v5 and v6
 * codecs their section writer built from these fields).
 */
struct pfs_framer {
	enum pfs_dialect_id dialect;
	unsigned fmt;	    /* v5 state format (1301, 1400, 1500) */
	struct pfs_wbuf wb; /* the packet */
	size_t sub_off;	    /* v5, v6: the open section's subheader */
	unsigned count;	    /* v3: records in the packet; v5, v6: in the
			       open section */
	uint8_t action;	    /* the action of the packet or open section */
	bool open;	    /* v5, v6: a section is open */
	bool single;	    /* v3: CLR, BUS: one record, count 0 */
};

/*
 * Start a packet in buf (cap bytes: the sync interface's MTU less the IP
 * header).  fmt is the v5 state format and ignored otherwise.  Returns 0,
 * or -1 for an unknown dialect or format or a buffer too small.
 */
int pfs_framer_init(struct pfs_framer *f, enum pfs_dialect_id d, unsigned fmt,
		    uint8_t *buf, size_t cap);

/*
 * Add one message: 0 when added, PFS_FRAME_FULL when it does not fit in
 * this packet (nothing written), -1 when the dialect cannot carry it.
 */
int pfs_framer_add(struct pfs_framer *f, const struct pfs_msg *m);

/* True when no message has been added since init. */
bool pfs_framer_empty(const struct pfs_framer *f);

/* Close the packet; returns its length (0 if empty or broken). */
size_t pfs_framer_finish(struct pfs_framer *f);

/*
 * maxcount of a BSD dialect (v5 in state format fmt, v6): the states that
 * fit a packet of the MTU with a 20-byte IP header, its header, one
 * subheader and (v5) EOF; at least 1, at most PFS_DIALECT_REC_MAX.
 */
unsigned pfs_dialect_maxcount(enum pfs_dialect_id d, unsigned fmt,
			      unsigned mtu);

/* Whether fmt is a state format of dialect d that a framer writes (v5:
 * 1301, 1400, 1500; the others have one, 0). */
bool pfs_dialect_fmt_ok(enum pfs_dialect_id d, unsigned fmt);

/* What the receive walk met besides the messages it handed on. */
struct pfs_rx_result {
	int refused;	  /* 0, or the pfs_stat slot that ended the packet */
	unsigned badval;  /* states dropped by the value checks */
	unsigned skipped; /* records of kinds we do not apply (TDB, ...) */
	/* records the walk decoded: never more than the packet's bytes
	 * over the smallest record (4); a skipped section costs none */
	unsigned walked;
	enum pfs_dialect_id dialect;
	/* known before the first message is handed on (fn may read them
	 * through its arg): the header passed its checks (else refused
	 * says why), every section parses to its end (a walk of v5 and v6
	 * subheaders only), and v5's state format (its last state
	 * section's), else 0 */
	bool framed;
	bool well_formed;
	unsigned fmt;
};

/* Called per message; return 0 to go on, anything else to stop. */
typedef int (*pfs_msg_fn)(const struct pfs_msg *m, void *arg);

/*
 * Walk a packet of any dialect (by its version byte) and hand each
 * message to fn, in packet order.  Returns 0, or the pfs_stat slot that
 * refused the packet (also in r->refused; messages before the refusal
 * have been handed on, as the BSDs apply them).
 */
int pfs_dialect_rx(const uint8_t *pkt, size_t len, pfs_msg_fn fn, void *arg,
		   struct pfs_rx_result *r);

#endif
