/*
 * ctproto.c - SCTP, GRE, DCCP and any other protocol's parts of a
 * conntrack entry <-> struct pfs_state (see ctproto.h for the tables).
 *
 *   CTA_PROTOINFO { CTA_PROTOINFO_SCTP { STATE u8, VTAG_ORIGINAL be32,
 *                                        VTAG_REPLY be32 } |
 *                   CTA_PROTOINFO_DCCP { STATE u8, ROLE u8,
 *                                        HANDSHAKE_SEQ be64 } }
 *
 * The kernel wants all three SCTP attributes, and DCCP's state and role,
 * when it is given protoinfo at all.  GRE's keys are the tuple's
 * CTA_PROTO_SRC_PORT / DST_PORT (the kernel's port handlers serve GRE).
 */
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_sctp.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <string.h>

#include "ctproto.h"

/* The kernel's enum ct_dccp_states and roles (not in the uapi headers). */
#define CTPROTO_DCCP_REQUEST 1
#define CTPROTO_DCCP_OPEN    4
#define CTPROTO_DCCP_IGNORE  8
#define CTPROTO_DCCP_ROLE_MAX 1

bool pfsd_ctproto_ports(uint8_t proto)
{
	switch (proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
	case IPPROTO_UDPLITE:
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
	case IPPROTO_GRE:
		return true;
	default:
		return false;
	}
}

bool pfsd_ctproto_nat_ports(uint8_t proto)
{
	return proto != IPPROTO_GRE && pfsd_ctproto_ports(proto);
}

/* ---- parsing -------------------------------------------------------------*/

static bool ctproto_len_is(const struct nlattr *a, size_t n)
{
	return mnl_attr_get_payload_len(a) == n;
}

static int ctproto_sctp_cb(const struct nlattr *a, void *data)
{
	struct pfsd_ct_entry *e = data;

	switch (mnl_attr_get_type(a)) {
	case CTA_PROTOINFO_SCTP_STATE:
		if (!ctproto_len_is(a, 1))
			break;
		e->pinfo.state = mnl_attr_get_u8(a);
		e->have |= PFSD_CT_HAVE_PINFO;
		return MNL_CB_OK;
	case CTA_PROTOINFO_SCTP_VTAG_ORIGINAL:
	case CTA_PROTOINFO_SCTP_VTAG_REPLY:
		if (!ctproto_len_is(a, 4))
			break;
		e->pinfo.vtag[mnl_attr_get_type(a) ==
			      CTA_PROTOINFO_SCTP_VTAG_REPLY] =
		    ntohl(mnl_attr_get_u32(a));
		return MNL_CB_OK;
	default:
		break;
	}
	e->skipped++;
	return MNL_CB_OK;
}

static int ctproto_dccp_cb(const struct nlattr *a, void *data)
{
	struct pfsd_ct_entry *e = data;
	int type = mnl_attr_get_type(a);

	if ((type == CTA_PROTOINFO_DCCP_STATE ||
	     type == CTA_PROTOINFO_DCCP_ROLE) &&
	    ctproto_len_is(a, 1)) {
		if (type == CTA_PROTOINFO_DCCP_STATE) {
			e->pinfo.state = mnl_attr_get_u8(a);
			e->have |= PFSD_CT_HAVE_PINFO;
		} else {
			e->pinfo.role = mnl_attr_get_u8(a);
		}
		return MNL_CB_OK;
	}
	if (type != CTA_PROTOINFO_DCCP_HANDSHAKE_SEQ) /* not carried */
		e->skipped++;
	return MNL_CB_OK;
}

int pfsd_ctproto_parse(const struct nlattr *a, struct pfsd_ct_entry *e)
{
	switch (mnl_attr_get_type(a)) {
	case CTA_PROTOINFO_SCTP:
		(void)mnl_attr_parse_nested(a, ctproto_sctp_cb, e);
		return 0;
	case CTA_PROTOINFO_DCCP:
		(void)mnl_attr_parse_nested(a, ctproto_dccp_cb, e);
		return 0;
	default:
		return -1;
	}
}

/* ---- SCTP levels ---------------------------------------------------------*/

static const uint8_t ctproto_sctp_pf[SCTP_CONNTRACK_MAX][2] = {
    [SCTP_CONNTRACK_NONE] = {PFS_SCTPS_COOKIE_WAIT, PFS_SCTPS_CLOSED},
    [SCTP_CONNTRACK_CLOSED] = {PFS_SCTPS_DONE, PFS_SCTPS_DONE},
    [SCTP_CONNTRACK_COOKIE_WAIT] = {PFS_SCTPS_COOKIE_WAIT, PFS_SCTPS_CLOSED},
    [SCTP_CONNTRACK_COOKIE_ECHOED] = {PFS_SCTPS_COOKIE_ECHOED,
				      PFS_SCTPS_COOKIE_WAIT},
    [SCTP_CONNTRACK_ESTABLISHED] = {PFS_SCTPS_ESTABLISHED,
				    PFS_SCTPS_ESTABLISHED},
    [SCTP_CONNTRACK_SHUTDOWN_SENT] = {PFS_SCTPS_SHUTDOWN,
				      PFS_SCTPS_ESTABLISHED},
    [SCTP_CONNTRACK_SHUTDOWN_RECD] = {PFS_SCTPS_SHUTDOWN, PFS_SCTPS_SHUTDOWN},
    [SCTP_CONNTRACK_SHUTDOWN_ACK_SENT] = {PFS_SCTPS_SHUTDOWN_ACK,
					  PFS_SCTPS_SHUTDOWN},
    [SCTP_CONNTRACK_HEARTBEAT_SENT] = {PFS_SCTPS_COOKIE_WAIT,
				       PFS_SCTPS_COOKIE_WAIT},
    [SCTP_CONNTRACK_HEARTBEAT_ACKED] = {PFS_SCTPS_ESTABLISHED,
					PFS_SCTPS_ESTABLISHED},
};

void pfsd_ctproto_sctp_to_pf(uint8_t ct, uint8_t *src, uint8_t *dst)
{
	if (ct >= SCTP_CONNTRACK_MAX)
		ct = SCTP_CONNTRACK_NONE;
	*src = ctproto_sctp_pf[ct][0];
	*dst = ctproto_sctp_pf[ct][1];
}

/* The pair read from its most and least advanced side (the table
 * inverted; HEARTBEAT_ACKED reads as ESTABLISHED). */
uint8_t pfsd_ctproto_sctp_from_pf(uint8_t src, uint8_t dst)
{
	uint8_t hi = src > dst ? src : dst, lo = src > dst ? dst : src;

	if (hi >= PFS_SCTPS_DONE)
		return SCTP_CONNTRACK_CLOSED;
	if (hi >= PFS_SCTPS_SHUTDOWN_ACK)
		return SCTP_CONNTRACK_SHUTDOWN_ACK_SENT;
	if (lo >= PFS_SCTPS_SHUTDOWN)
		return SCTP_CONNTRACK_SHUTDOWN_RECD;
	if (hi >= PFS_SCTPS_SHUTDOWN)
		return SCTP_CONNTRACK_SHUTDOWN_SENT;
	if (lo >= PFS_SCTPS_ESTABLISHED)
		return SCTP_CONNTRACK_ESTABLISHED;
	if (hi >= PFS_SCTPS_COOKIE_ECHOED)
		return SCTP_CONNTRACK_COOKIE_ECHOED;
	if (lo >= PFS_SCTPS_COOKIE_WAIT)
		return SCTP_CONNTRACK_HEARTBEAT_SENT;
	return SCTP_CONNTRACK_COOKIE_WAIT;
}

/* The timeout class of SCTP levels: pf's "other" classes (the classic
 * range every dialect carries; FreeBSD's own SCTP classes are put on
 * its wire by the v5 encoder's translation, bsdproto.h). */
static uint8_t ctproto_sctp_class(uint8_t src, uint8_t dst)
{
	if (src >= PFS_SCTPS_DONE)
		return PFS_TM_OTHER_SINGLE;
	if (dst == PFS_SCTPS_CLOSED)
		return PFS_TM_OTHER_FIRST_PACKET;
	if (dst >= PFS_SCTPS_ESTABLISHED)
		return PFS_TM_OTHER_MULTIPLE;
	return PFS_TM_OTHER_SINGLE;
}

uint32_t pfsd_ctproto_sctp_status(const struct pfs_state *st)
{
	uint8_t lo = st->src.state < st->dst.state ? st->src.state
						   : st->dst.state;

	if (st->dst.state == PFS_SCTPS_CLOSED)
		return 0;
	if (lo >= PFS_SCTPS_ESTABLISHED)
		return IPS_SEEN_REPLY | IPS_ASSURED;
	return IPS_SEEN_REPLY;
}

/* ---- entry -> state ------------------------------------------------------*/

/* UDP's levels from the status bits (ctmap.h), for every other protocol. */
static void ctproto_dgram_to_pf(uint32_t status, struct pfs_state *st)
{
	if (status & IPS_ASSURED) {
		st->src.state = st->dst.state = PFS_UDPS_MULTIPLE;
	} else if (status & IPS_SEEN_REPLY) {
		st->src.state = PFS_UDPS_MULTIPLE;
		st->dst.state = PFS_UDPS_SINGLE;
	} else {
		st->src.state = PFS_UDPS_SINGLE;
		st->dst.state = PFS_UDPS_NO_TRAFFIC;
	}
	st->timeout = pfs_state_timeout_class(st->proto, st->src.state,
					      st->dst.state);
}

/* GRE: the key ports are the original tuple's (ctmap's hosts took the
 * reply's for the translated side, which are other keys, not NAT). */
static void ctproto_gre_ports(const struct pfsd_ct_entry *e,
			      struct pfs_state *st)
{
	if (st->direction == PFS_DIR_IN) {
		st->lan.port = e->orig.dport;
		st->gwy.port = e->orig.dport;
		st->ext.port = e->orig.sport;
	} else {
		st->lan.port = e->orig.sport;
		st->gwy.port = e->orig.sport;
		st->ext.port = e->orig.dport;
	}
}

/* An entry's SCTP state for the levels: the kernel enters CLOSED on a
 * first INIT too (before any reply), which is the opening, not the end. */
static uint8_t ctproto_sctp_state(const struct pfsd_ct_entry *e)
{
	if (!(e->have & PFSD_CT_HAVE_PINFO))
		return SCTP_CONNTRACK_NONE;
	if (e->pinfo.state == SCTP_CONNTRACK_CLOSED &&
	    !(e->status & IPS_SEEN_REPLY))
		return SCTP_CONNTRACK_NONE;
	return e->pinfo.state;
}

void pfsd_ctproto_to_pf(const struct pfsd_ct_entry *e, struct pfs_state *st)
{
	if (!pfsd_ctproto_ports(st->proto)) { /* no ports in its tuple */
		st->lan.port = st->gwy.port = st->ext.port = 0;
	} else if (st->proto == IPPROTO_GRE) {
		ctproto_gre_ports(e, st);
	}
	if (st->proto == IPPROTO_SCTP) {
		pfsd_ctproto_sctp_to_pf(ctproto_sctp_state(e), &st->src.state,
					&st->dst.state);
		st->timeout = ctproto_sctp_class(st->src.state, st->dst.state);
		return;
	}
	ctproto_dgram_to_pf(e->status, st);
}

/* GRE reply keys worth carrying: those that are not the original's
 * swapped (PPTP: each side's call id). */
static bool ctproto_gre_keys_differ(const struct pfsd_ct_entry *e)
{
	return (e->have & PFSD_CT_HAVE_REPLY) &&
	       (e->reply.sport != e->orig.dport ||
		e->reply.dport != e->orig.sport);
}

void pfsd_ctproto_to_stx(const struct pfsd_ct_entry *e, struct pfs_stx *x)
{
	struct pfs_stx_proto *p = &x->proto;
	uint8_t proto = e->orig.proto;

	memset(p, 0, sizeof(*p));
	if ((proto == IPPROTO_SCTP || proto == IPPROTO_DCCP) &&
	    (e->have & PFSD_CT_HAVE_PINFO)) {
		p->kind = proto == IPPROTO_SCTP ? PFS_XPROTO_SCTP
						: PFS_XPROTO_DCCP;
		p->state = e->pinfo.state;
		if (proto == IPPROTO_SCTP) {
			p->vtag[0] = e->pinfo.vtag[0];
			p->vtag[1] = e->pinfo.vtag[1];
		} else {
			p->role = e->pinfo.role;
		}
	} else if (proto == IPPROTO_GRE && ctproto_gre_keys_differ(e)) {
		p->kind = PFS_XPROTO_GRE;
		p->key[0] = e->reply.sport;
		p->key[1] = e->reply.dport;
	}
	if (p->kind != 0)
		x->has |= PFS_STX_PROTO;
}

/* ---- state -> entry ------------------------------------------------------*/

static const struct pfs_stx_proto *ctproto_info(const struct pfs_stx *x,
						uint8_t kind)
{
	if (x == NULL || !(x->has & PFS_STX_PROTO) || x->proto.kind != kind)
		return NULL;
	return &x->proto;
}

static void ctproto_sctp_from(const struct pfs_state *st,
			      const struct pfs_stx_proto *p,
			      struct pfsd_ct_entry *e)
{
	e->pinfo.state = p != NULL && p->state < SCTP_CONNTRACK_MAX
			     ? p->state
			     : pfsd_ctproto_sctp_from_pf(st->src.state,
							 st->dst.state);
	if (p != NULL) {
		e->pinfo.vtag[0] = p->vtag[0];
		e->pinfo.vtag[1] = p->vtag[1];
	}
	e->have |= PFSD_CT_HAVE_PINFO;
}

/* DCCP without its info (never the case between pfsyncd peers): open
 * once both sides talk, else a request, the originator the client. */
static void ctproto_dccp_from(const struct pfs_state *st,
			      const struct pfs_stx_proto *p,
			      struct pfsd_ct_entry *e)
{
	if (p != NULL && p->state < CTPROTO_DCCP_IGNORE &&
	    p->role <= CTPROTO_DCCP_ROLE_MAX) {
		e->pinfo.state = p->state;
		e->pinfo.role = p->role;
	} else {
		e->pinfo.state = st->dst.state >= PFS_UDPS_MULTIPLE
				     ? CTPROTO_DCCP_OPEN
				     : CTPROTO_DCCP_REQUEST;
		e->pinfo.role = 0;
	}
	e->have |= PFSD_CT_HAVE_PINFO;
}

void pfsd_ctproto_from_state(const struct pfs_state *st,
			     const struct pfs_stx *x, struct pfsd_ct_entry *e)
{
	const struct pfs_stx_proto *p;

	switch (st->proto) {
	case IPPROTO_SCTP:
		ctproto_sctp_from(st, ctproto_info(x, PFS_XPROTO_SCTP), e);
		break;
	case IPPROTO_DCCP:
		ctproto_dccp_from(st, ctproto_info(x, PFS_XPROTO_DCCP), e);
		break;
	case IPPROTO_GRE:
		p = ctproto_info(x, PFS_XPROTO_GRE);
		if (p != NULL) {
			e->reply.sport = p->key[0];
			e->reply.dport = p->key[1];
		}
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		break;
	default:
		if (!pfsd_ctproto_ports(st->proto))
			e->orig.sport = e->orig.dport = e->reply.sport =
			    e->reply.dport = 0;
		break;
	}
}

void pfsd_ctproto_put(struct nlmsghdr *nlh, const struct pfsd_ct_entry *e)
{
	struct nlattr *pi, *n;
	uint8_t proto = e->orig.proto;

	if (!(e->have & PFSD_CT_HAVE_PINFO) ||
	    (proto != IPPROTO_SCTP && proto != IPPROTO_DCCP))
		return;
	pi = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
	if (proto == IPPROTO_SCTP) {
		n = mnl_attr_nest_start(nlh, CTA_PROTOINFO_SCTP);
		mnl_attr_put_u8(nlh, CTA_PROTOINFO_SCTP_STATE, e->pinfo.state);
		mnl_attr_put_u32(nlh, CTA_PROTOINFO_SCTP_VTAG_ORIGINAL,
				 htonl(e->pinfo.vtag[0]));
		mnl_attr_put_u32(nlh, CTA_PROTOINFO_SCTP_VTAG_REPLY,
				 htonl(e->pinfo.vtag[1]));
	} else {
		n = mnl_attr_nest_start(nlh, CTA_PROTOINFO_DCCP);
		mnl_attr_put_u8(nlh, CTA_PROTOINFO_DCCP_STATE, e->pinfo.state);
		mnl_attr_put_u8(nlh, CTA_PROTOINFO_DCCP_ROLE, e->pinfo.role);
	}
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, pi);
}

void pfsd_ctproto_keep_unsent(const struct pfsd_ct_entry *e,
			      const struct pfs_state *m,
			      const struct pfs_stx *old, struct pfs_state *st,
			      struct pfs_stx *x)
{
	if ((st->proto != IPPROTO_SCTP && st->proto != IPPROTO_DCCP) ||
	    (e->have & PFSD_CT_HAVE_PINFO))
		return;
	if (st->proto == IPPROTO_SCTP) {
		st->src.state = m->src.state;
		st->dst.state = m->dst.state;
		st->timeout = m->timeout;
	}
	if (old != NULL && (old->has & PFS_STX_PROTO)) {
		x->has |= PFS_STX_PROTO;
		x->proto = old->proto;
	}
}
