/*
 * state.h - the host-order firewall state that every dialect and backend
 * maps onto.
 *
 * The model is pf's v3 state (lan/gwy/ext host keys plus two TCP peers),
 * held in host byte order except where noted.  Addresses are kept as raw
 * 16-byte network-order values (pf_addr), as pf does; the family says how
 * many bytes are used.  `af` is always the *Linux* value (AF_INET 2,
 * AF_INET6 10); codecs translate to and from each dialect's wire value.
 *
 * Mapping of the other models onto this one:
 *  - OpenBSD/FreeBSD key[PF_SK_WIRE] / key[PF_SK_STACK] ({addr[2], port[2]}):
 *    for direction OUT, stack = (lan, ext), wire = (gwy, ext);
 *    for direction IN,  wire = (ext, gwy), stack = (ext, lan).
 *  - Linux conntrack: the original tuple is (src, dst) =
 *    OUT: (lan, ext), IN: (ext, lan); the reply tuple is the reverse of the
 *    translated side (ext -> gwy).  Without NAT lan == gwy.
 *
 * Times: `creation` and `expire` are *absolute* seconds on the engine's
 * clock while a state is in a table; on the wire they are relative
 * (age, and seconds to expiry) and the engine converts.
 */
#ifndef PFSYNC_STATE_H
#define PFSYNC_STATE_H

#include <stdbool.h>
#include <stdint.h>

#define PFS_IFNAMSIZ 16

/* sync_flags (pf's PFSTATE_*) */
#define PFS_SF_NOSYNC 0x01   /* never announced (no-sync rule, pfsync traffic) */
#define PFS_SF_FROMSYNC 0x02 /* transient: being applied from a peer */
#define PFS_SF_STALE 0x04    /* on the wire: this is a stale reply */

/*
 * local_flags: bookkeeping of the table's owner, never on the wire (no
 * codec reads or writes the field; decoded states have it 0).
 * PROVISIONAL: a backend re-read this state of ours and cannot know who
 * created it (conntrack after a restart of the daemon alone): a peer's
 * state for the same flow key may claim it (ops->adopt, engine.h); the
 * engine clears the bit when the state takes the peer's identity.
 */
#define PFS_LF_PROVISIONAL 0x01
/*
 * UNCONFIRMED: a backend re-read this state and knows it wrote it for a
 * peer (its provenance, kept with the kernel entry), not which peer for
 * sure.  It is held with PFS_SF_NOSYNC (never announced as ours) and
 * PROVISIONAL, until a peer's state for its flow key claims it (adopt:
 * the engine clears both bits and NOSYNC) or the whole bulk of a peer it
 * may belong to ends without it (the sweep, ops->unconfirmed_of).  `prov`
 * is the backend's note of where it came from (conntrack: the tag read
 * from the entry's mark).
 */
#define PFS_LF_UNCONFIRMED 0x02

/* direction */
#define PFS_DIR_INOUT 0
#define PFS_DIR_IN 1
#define PFS_DIR_OUT 2

/* TCP peer states (tcp_fsm.h), plus pf's synproxy pseudo states */
enum pfs_tcps {
	PFS_TCPS_CLOSED = 0,
	PFS_TCPS_LISTEN = 1,
	PFS_TCPS_SYN_SENT = 2,
	PFS_TCPS_SYN_RECEIVED = 3,
	PFS_TCPS_ESTABLISHED = 4,
	PFS_TCPS_CLOSE_WAIT = 5,
	PFS_TCPS_FIN_WAIT_1 = 6,
	PFS_TCPS_CLOSING = 7,
	PFS_TCPS_LAST_ACK = 8,
	PFS_TCPS_FIN_WAIT_2 = 9,
	PFS_TCPS_TIME_WAIT = 10,
	PFS_TCPS_PROXY_SRC = 11,
	PFS_TCPS_PROXY_DST = 12 /* the largest valid peer state */
};

/* UDP and other-protocol peer states */
#define PFS_UDPS_NO_TRAFFIC 0
#define PFS_UDPS_SINGLE 1
#define PFS_UDPS_MULTIPLE 2

/* pf timeout classes (PFTM_*); a synced state's class is < PFS_TM_MAX */
enum pfs_timeout {
	PFS_TM_TCP_FIRST_PACKET = 0,
	PFS_TM_TCP_OPENING = 1,
	PFS_TM_TCP_ESTABLISHED = 2,
	PFS_TM_TCP_CLOSING = 3,
	PFS_TM_TCP_FIN_WAIT = 4,
	PFS_TM_TCP_CLOSED = 5,
	PFS_TM_UDP_FIRST_PACKET = 6,
	PFS_TM_UDP_SINGLE = 7,
	PFS_TM_UDP_MULTIPLE = 8,
	PFS_TM_ICMP_FIRST_PACKET = 9,
	PFS_TM_ICMP_ERROR_REPLY = 10,
	PFS_TM_OTHER_FIRST_PACKET = 11,
	PFS_TM_OTHER_SINGLE = 12,
	PFS_TM_OTHER_MULTIPLE = 13,
	PFS_TM_FRAG = 14,
	PFS_TM_INTERVAL = 15,
	PFS_TM_ADAPTIVE_START = 16,
	PFS_TM_ADAPTIVE_END = 17,
	PFS_TM_SRC_NODE = 18,
	PFS_TM_TS_DIFF = 19,
	PFS_TM_MAX = 20
};

#define PFS_WSCALE_FLAG 0x80
#define PFS_WSCALE_MASK 0x0f
#define PFS_SCRUB_FLAG_VALID 0x01
#define PFS_NO_RULE 0xffffffffu

/* An address as pf keeps it: 16 raw bytes, network order. */
struct pfs_addr {
	uint8_t a[16];
};

struct pfs_host {
	struct pfs_addr addr;
	uint16_t port; /* host order */
};

struct pfs_scrub {
	uint32_t ts_mod; /* timestamp modulation */
	uint16_t flags;	 /* only PFSS_TIMESTAMP (0x0001) is synced */
	uint8_t ttl;
	uint8_t valid; /* PFS_SCRUB_FLAG_VALID if the peer has scrub data */
};

struct pfs_peer {
	struct pfs_scrub scrub;
	uint32_t seqlo;	  /* highest sequence number sent */
	uint32_t seqhi;	  /* highest the peer ACKed plus window */
	uint32_t seqdiff; /* sequence modulator */
	uint16_t max_win;
	uint16_t mss;
	uint8_t state;	/* enum pfs_tcps, or a UDP/other level */
	uint8_t wscale; /* PFS_WSCALE_FLAG | scale */
};

struct pfs_state {
	uint64_t id;	    /* value of pf's big-endian 64-bit id */
	uint32_t creatorid; /* host id of the creator, host order value */
	uint32_t rule;	    /* rule number or PFS_NO_RULE */
	uint32_t anchor;    /* anchor number or PFS_NO_RULE */
	uint32_t nat_rule;  /* never set by a v3 sender: 0 */
	uint32_t creation;  /* absolute seconds (relative on the wire) */
	uint32_t expire;    /* absolute seconds (relative on the wire) */
	uint32_t sync_time; /* engine bookkeeping: last second packed */
	uint8_t local_flags; /* PFS_LF_*: never on the wire */
	uint8_t prov;	     /* a backend's provenance note: never on the wire */
	uint8_t spare[2];
	uint64_t packets[2];
	uint64_t bytes[2];
	struct pfs_peer src; /* the originating side */
	struct pfs_peer dst;
	struct pfs_host lan; /* internal side */
	struct pfs_host gwy; /* after translation */
	struct pfs_host ext; /* remote side */
	struct pfs_addr rt_addr;
	char ifname[PFS_IFNAMSIZ]; /* NUL padded; "all" for floating */
	uint8_t af;		   /* Linux AF_INET / AF_INET6 */
	uint8_t proto;
	uint8_t direction; /* PFS_DIR_* */
	uint8_t log;
	uint8_t allow_opts;
	uint8_t timeout; /* enum pfs_timeout */
	uint8_t sync_flags;
	uint8_t updates; /* wire only: times collapsed in a packet */
	uint16_t heard_gen; /* engine bookkeeping: bulk generation in which
			       a peer last told us of it (the sweep) */
};

/*
 * What a Linux conntrack entry has beyond pf's state, carried between
 * pfsyncd peers only (wire_xst.h) and kept out of line by the table
 * (table.h), so a state without any costs nothing: the connection mark,
 * the zone (part of the entry's identity: the same tuple in two zones is
 * two entries), the 128 label bits, and the second translation of an
 * entry with both source and destination NAT: v3's OUT state holds the
 * source one (gwy), nat2 the reply source (the real destination).
 */
#define PFS_STX_MARK 0x01
#define PFS_STX_ZONE 0x02
#define PFS_STX_LABELS 0x04
#define PFS_STX_NAT2 0x08
#define PFS_STX_HELPER 0x10 /* the conntrack helper's name (CTA_HELP) */
#define PFS_STX_SEQADJ 0x20 /* NAT sequence adjustment (CTA_SEQ_ADJ_*) */
#define PFS_STX_PROTO 0x40 /* protocol info: pfs_stx_proto */
#define PFS_STX_ALL 0x7f
#define PFS_STX_LABELS_LEN 16
#define PFS_STX_HELPER_LEN 16 /* NF_CT_HELPER_NAME_LEN, NUL included */

/* One direction's sequence adjustment (CTA_SEQADJ_*): the position of
 * the last change and the offsets before and after it. */
struct pfs_seqadj {
	uint32_t pos, before, after;
};
/* Not an extra of the entry: the seconds the sender's state had left
 * when sent (wire_xst.h), read by the receiver and never kept (norm
 * drops it, as every bit outside PFS_STX_ALL). */
#define PFS_STX_LEFT 0x80

/*
 * What conntrack tracks of a protocol beyond pf's two peer levels
 * (wire_xst.h, flag 0x40), by kind: SCTP its exact conntrack state and
 * the two verification tags; GRE the keys of the reply tuple (those of
 * the original are the state's lan and ext ports); DCCP its conntrack
 * state and the role of the originator.
 */
enum pfs_xproto_kind {
	PFS_XPROTO_SCTP = 1,
	PFS_XPROTO_GRE = 2,
	PFS_XPROTO_DCCP = 3,
	PFS_XPROTO_MAX = 4
};

struct pfs_stx_proto {
	uint8_t kind;	  /* enum pfs_xproto_kind; 0 none */
	uint8_t state;	  /* SCTP, DCCP: enum sctp_conntrack / ct_dccp_states */
	uint8_t role;	  /* DCCP: the originator's role */
	uint16_t key[2];  /* GRE: reply tuple's source and destination key */
	uint32_t vtag[2]; /* SCTP: original, reply verification tag */
};

struct pfs_stx {
	uint8_t has; /* PFS_STX_*: which fields mean something */
	uint16_t zone;
	uint32_t mark;
	uint8_t labels[PFS_STX_LABELS_LEN];
	struct pfs_host nat2;
	char helper[PFS_STX_HELPER_LEN]; /* NUL-terminated, NUL-padded */
	struct pfs_seqadj seqadj[2];	 /* original, reply direction */
	struct pfs_stx_proto proto;	 /* PFS_STX_PROTO */
	uint32_t left;			 /* PFS_STX_LEFT */
};

/*
 * SCTP peer levels of a pf state: FreeBSD pf's values (its netinet/sctp.h
 * association states, set by pf.c) where a FreeBSD receiver accepts them
 * (at most PF_TCPS_PROXY_DST, 12), and above ESTABLISHED pfsyncd's own
 * levels for the shutdown, which FreeBSD keeps as SHUTDOWN_PENDING (0x80,
 * refused by its own pfsync's value check) and CLOSED (0, a step back).
 * Each side only ever moves up, so the merge rule of other protocols
 * holds.  Names for printing: pfs_format_peer_state.
 */
#define PFS_SCTPS_CLOSED 0
#define PFS_SCTPS_COOKIE_WAIT 2
#define PFS_SCTPS_COOKIE_ECHOED 4
#define PFS_SCTPS_ESTABLISHED 8
#define PFS_SCTPS_SHUTDOWN 9	 /* pfsyncd's: a SHUTDOWN was seen */
#define PFS_SCTPS_SHUTDOWN_ACK 10 /* pfsyncd's: its SHUTDOWN_ACK */
#define PFS_SCTPS_DONE 11	 /* pfsyncd's: closed after shutdown/abort */
#define PFS_SCTPS_MAX PFS_SCTPS_DONE

/* The flow key a state is indexed by besides (id, creatorid). */
struct pfs_flowkey {
	uint8_t af;
	uint8_t proto;
	uint8_t direction;
	uint16_t zone; /* the conntrack zone (pfs_stx), 0 without one */
	struct pfs_host lan;
	struct pfs_host ext;
};

void pfs_state_flowkey(const struct pfs_state *st, struct pfs_flowkey *k);
/* A 64-bit digest of a flow key, field by field (padding left out): the
 * connection's name in the engine's tombstones. */
uint64_t pfs_flowkey_digest(const struct pfs_flowkey *k);
/* Normalise x: fields whose bit is clear zeroed, a zero mark, zone or
 * label set dropped from has; true when anything is left. */
bool pfs_stx_norm(struct pfs_stx *x);
/* True when a and b (both normalised) differ. */
bool pfs_stx_differ(const struct pfs_stx *a, const struct pfs_stx *b);

/* pf's default timeout in seconds of a class (pfctl -st); 0 past the last. */
uint32_t pfs_timeout_default(uint8_t tclass);
/* The timeout class pf gives a state of proto with these peer states. */
uint8_t pfs_state_timeout_class(uint8_t proto, uint8_t src, uint8_t dst);

/*
 * The v3 wire `expire` has NetBSD's meaning (dialect_sem.h has the
 * other dialects'): in its pf, st->expire is the
 * second of the last packet and a state dies at expire + the timeout of
 * its class.  The sender puts st->expire - now when positive, else 0 (a
 * live state travels as 0); the receiver sets "last packet = now +
 * wire", so the state lives a full timeout of its class from then on.
 * Our st->expire is the absolute second the state dies, so our "last
 * packet" is st->expire minus the class timeout.
 *
 * pfs_state_wire_expire: what to put on the wire for st at now.
 * pfs_state_expire_from_wire: the absolute expiry of a state received
 * with wire value `wire` and timeout class `tclass` at now (saturating).
 */
uint32_t pfs_state_wire_expire(const struct pfs_state *st, uint32_t now);
uint32_t pfs_state_expire_from_wire(uint32_t wire, uint8_t tclass,
				    uint32_t now);

#endif
