/*
 * ctmap.h - pure mapping between a Linux conntrack entry (ctnetlink
 * messages) and struct pfs_state.  No sockets, no logging: it parses and
 * builds netlink messages in caller-owned buffers with libmnl.
 *
 * Mapping (state.h): for direction OUT, orig = (lan -> ext) and
 * reply = (ext -> gwy); for direction IN, orig = (ext -> gwy) and
 * reply = (lan -> ext).  Without NAT, gwy == lan.  An entry read from the
 * kernel with a destination translation only (a port forward: the reply
 * comes from another address or port than the original destination) is
 * pf's inbound rdr state: lan = the inside server (reply source), gwy =
 * the address the client used (original destination), ext = the client.
 * Every other entry is OUT (conntrack has no notion of direction); with
 * both translations v3 keeps the source one and the destination one
 * travels Linux to Linux as the state's nat2 (pfsd_ctmap_to_stx).
 * Injected, a state with
 * gwy != lan gets CTA_NAT_SRC where the reply destination differs from
 * the original source, CTA_NAT_DST where the reply source differs from
 * the original destination.
 *
 * TCP conntrack state <-> pf peer states (src:dst) and timeout class:
 *
 *   conntrack      pf src:dst                 class
 *   NONE           (read as SYN_SENT)
 *   SYN_SENT       SYN_SENT:CLOSED            TCP_OPENING
 *   SYN_RECV       SYN_SENT:SYN_SENT          TCP_OPENING
 *   SYN_SENT2      SYN_SENT:SYN_SENT          TCP_OPENING
 *   ESTABLISHED    ESTABLISHED:ESTABLISHED    TCP_ESTABLISHED
 *   FIN_WAIT       CLOSING:ESTABLISHED        TCP_CLOSING
 *   CLOSE_WAIT     FIN_WAIT_2:ESTABLISHED     TCP_FIN_WAIT
 *   LAST_ACK       FIN_WAIT_2:CLOSING         TCP_FIN_WAIT
 *   TIME_WAIT      FIN_WAIT_2:FIN_WAIT_2      TCP_CLOSED
 *   CLOSE          TIME_WAIT:TIME_WAIT        TCP_CLOSED
 *
 * Every row moves pf's peer states forward only, so a peer's merge rule
 * accepts the sequence.  Back to conntrack, a pf pair is read from its
 * most advanced side (pfsd_ctmap_tcp_from_pf); the table round-trips.
 * UDP: ASSURED -> MULTIPLE:MULTIPLE, SEEN_REPLY -> MULTIPLE:SINGLE,
 * else SINGLE:NO_TRAFFIC.  ICMP (echo only: id in every port, type echo
 * request on injection): ASSURED -> MULTIPLE:MULTIPLE, SEEN_REPLY ->
 * SINGLE:SINGLE, else SINGLE:NO_TRAFFIC.  Every other protocol (SCTP,
 * GRE, DCCP, UDP-Lite, any number) is mapped by ctproto.h.
 *
 * Status bits written back (pfsd_ctmap_status) follow the same tables:
 * TCP SEEN_REPLY from SYN_RECV on, ASSURED from ESTABLISHED on; UDP and
 * ICMP SEEN_REPLY when dst has traffic, ASSURED when both are MULTIPLE.
 * So an unreplied entry stays UNREPLIED on the peer, and a datagram flow
 * is assured there only when it is at the source.
 */
#ifndef PFSYNCD_CTMAP_H
#define PFSYNCD_CTMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/state.h"

/* One tuple: addresses raw network order, ports host order. */
struct pfsd_ct_tuple {
	struct pfs_addr src, dst;
	uint16_t sport, dport; /* ICMP: the id in both */
	uint8_t proto;
	uint8_t icmp_type, icmp_code;
	uint8_t ok; /* address and protocol parts both seen */
};

/* What a parsed message carried (pfsd_ct_entry.have). */
#define PFSD_CT_HAVE_REPLY   0x01
#define PFSD_CT_HAVE_STATUS  0x02
#define PFSD_CT_HAVE_TIMEOUT 0x04
#define PFSD_CT_HAVE_ID	     0x08
#define PFSD_CT_HAVE_TCP     0x10
#define PFSD_CT_HAVE_MARK    0x20
#define PFSD_CT_HAVE_ZONE    0x40
#define PFSD_CT_HAVE_LABELS  0x80
#define PFSD_CT_HAVE_HELPER  0x1000 /* CTA_HELP's name */
#define PFSD_CT_HAVE_SEQADJ  0x2000 /* CTA_SEQ_ADJ_ORIG and/or _REPLY */
#define PFSD_CT_HAVE_PINFO   0x4000 /* SCTP or DCCP protoinfo (ctproto.h) */

/* SCTP and DCCP protoinfo (CTA_PROTOINFO_SCTP / _DCCP). */
struct pfsd_ct_pinfo {
	uint8_t state;	  /* enum sctp_conntrack, or DCCP's state */
	uint8_t role;	  /* DCCP: the originator's role */
	uint32_t vtag[2]; /* SCTP: original, reply verification tags */
};

struct pfsd_ct_entry {
	uint8_t af; /* AF_INET / AF_INET6 (from the addresses) */
	struct pfsd_ct_tuple orig, reply;
	uint32_t status;  /* IPS_* */
	uint32_t timeout; /* seconds left */
	uint32_t id;	  /* CTA_ID */
	uint32_t mark;
	uint32_t mark_mask; /* written: CTA_MARK_MASK (only these bits), 0:
			       CTA_MARK is the whole mark */
	uint16_t zone;
	uint8_t labels[PFS_STX_LABELS_LEN]; /* CTA_LABELS: 128 bits */
	char helper[PFS_STX_HELPER_LEN];    /* CTA_HELP_NAME, "" without */
	struct pfs_seqadj seqadj[2];	    /* CTA_SEQ_ADJ_ORIG, _REPLY */
	uint8_t tcp_state; /* enum tcp_conntrack */
	uint8_t wscale_orig, wscale_reply;
	uint8_t flags_orig, flags_reply; /* IP_CT_TCP_FLAG_* */
	struct pfsd_ct_pinfo pinfo;	 /* PFSD_CT_HAVE_PINFO */
	unsigned have;			 /* PFSD_CT_HAVE_* */
	unsigned skipped; /* unknown or malformed attributes passed over */
};

/* Kind of a conntrack message (event or dump reply). */
enum pfsd_ct_kind {
	PFSD_CT_OTHER = 0,
	PFSD_CT_NEW,	/* event NEW (CT_NEW with CREATE|EXCL) */
	PFSD_CT_UPDATE, /* CT_NEW without them (also every dump entry) */
	PFSD_CT_DESTROY
};

/* Room that any message built here fits in. */
#define PFSD_CTMAP_MSG_MAX 640

/*
 * Parse one netlink message (buf, len: at least the header) of the
 * ctnetlink subsystem.  Unknown and malformed attributes are skipped and
 * counted in e->skipped.  Returns the kind, or -1/EINVAL when the message
 * is not a conntrack message or has no usable original tuple.
 */
int pfsd_ctmap_parse(const void *buf, size_t len, struct pfsd_ct_entry *e);

/*
 * Entry -> state (everything but id, creatorid and creation, which the
 * caller owns; creation is set to now_s).  -1 with errno EPROTONOSUPPORT
 * (pfsync's protocol 240, ICMP of the other family), EADDRNOTAVAIL
 * (loopback) or EINVAL
 * (incomplete).
 */
int pfsd_ctmap_to_state(const struct pfsd_ct_entry *e, uint32_t now_s,
			struct pfs_state *st);

/* State -> entry to inject: -1/EPROTONOSUPPORT or EAFNOSUPPORT. */
int pfsd_ctmap_from_state(const struct pfs_state *st, uint32_t now_s,
			  struct pfsd_ct_entry *e);

/*
 * What v3 cannot hold (state.h's pfs_stx, carried between pfsyncd peers):
 * to_stx takes the mark, zone and labels of an entry, and of a TCP or UDP
 * OUT state whose destination was translated too (both NATs) the reply
 * source as nat2; true when there is any.  from_state_x is from_state with them:
 * nat2 becomes the reply source (so the entry is written with both
 * CTA_NAT_SRC and CTA_NAT_DST), mark, zone and labels are written as
 * CTA_MARK, CTA_ZONE (which also finds the entry: its tuple is unique
 * only within its zone) and CTA_LABELS (only when not all zero: the
 * kernel refuses labels on an entry without room for them).  The helper
 * (CTA_HELP) and the NAT sequence adjustment (CTA_SEQ_ADJ_*) go both
 * ways too: the kernel sets a helper only on an entry it creates (an
 * update with another or none fails, and is sent again without it,
 * ctwr.h), and the helper must be in the kernel (nf_conntrack_ftp).
 * x NULL: as from_state.
 */
bool pfsd_ctmap_to_stx(const struct pfsd_ct_entry *e,
		       const struct pfs_state *st, struct pfs_stx *x);
int pfsd_ctmap_from_state_x(const struct pfs_state *st,
			    const struct pfs_stx *x, uint32_t now_s,
			    struct pfsd_ct_entry *e);

/*
 * The pfsync id of a local entry, stable for the kernel entry's life and
 * across daemon restarts: CTA_ID (a 32-bit hash the kernel keeps for the
 * entry's lifetime) in the low 32 bits, high 32 bits 0.  The engine's
 * counter ids are (start second << 32) + n with a start second >= 1, so
 * they never fall in this range.  0 when the entry carried no CTA_ID or
 * CTA_ID is 0 (the caller then takes a counter id).
 */
uint64_t pfsd_ctmap_state_id(const struct pfsd_ct_entry *e);

/* IPS_SEEN_REPLY / IPS_ASSURED of a state (the tables above). */
uint32_t pfsd_ctmap_status(const struct pfs_state *st);

/* True when the state is NATed (gwy differs from lan). */
bool pfsd_ctmap_is_nat(const struct pfs_state *st);

/* The TCP table both ways; pf timeout classes for an entry. */
void pfsd_ctmap_tcp_to_pf(uint8_t ct, uint8_t *src, uint8_t *dst);
uint8_t pfsd_ctmap_tcp_from_pf(uint8_t src, uint8_t dst);

/*
 * Message builders.  Each writes one message into buf (len at least
 * PFSD_CTMAP_MSG_MAX) and returns its length, or 0 when buf is too small.
 * new: IPCTNL_MSG_CT_NEW with both tuples, status CONFIRMED plus the
 * state's bits (on an update only when it has SEEN_REPLY: the kernel
 * refuses to clear a bit), timeout and TCP protoinfo (BE_LIBERAL, window
 * scale when both sides have one); flags are added to NLM_F_REQUEST (no
 * NLM_F_ACK unless given: errors are reported anyway); nat adds
 * CTA_NAT_SRC / CTA_NAT_DST (create only).  delete: IPCTNL_MSG_CT_DELETE
 * by the original tuple, flags as for new.  get: IPCTNL_MSG_CT_GET of one
 * entry by the original tuple (the reply is the entry, or ENOENT).  dump:
 * IPCTNL_MSG_CT_GET with NLM_F_DUMP of both families.
 */
size_t pfsd_ctmap_build_new(void *buf, size_t len,
			    const struct pfsd_ct_entry *e, uint16_t flags,
			    bool nat, uint32_t seq);
size_t pfsd_ctmap_build_delete(void *buf, size_t len,
			       const struct pfsd_ct_entry *e, uint16_t flags,
			       uint32_t seq);
size_t pfsd_ctmap_build_get(void *buf, size_t len,
			    const struct pfsd_ct_entry *e, uint32_t seq);
size_t pfsd_ctmap_build_dump(void *buf, size_t len, uint32_t seq);
/* liberal: an update (IPCTNL_MSG_CT_NEW, no NLM_F_CREATE) of a TCP entry
 * found by its original tuple and zone that sets
 * IP_CT_TCP_FLAG_BE_LIBERAL in both directions (flags and mask: the
 * other flags, the state, the timeout and the status stay). */
size_t pfsd_ctmap_build_liberal(void *buf, size_t len,
				const struct pfsd_ct_entry *e, uint32_t seq);

#endif
