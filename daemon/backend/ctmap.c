/*
 * ctmap.c - conntrack entry <-> struct pfs_state, and the ctnetlink
 * messages that carry them (see ctmap.h for the mapping tables).
 *
 * A conntrack message is
 *
 *   nlmsghdr (16) | nfgenmsg (4: family, version, res_id be16) | attrs
 *
 * with nested attributes (all integers big-endian):
 *
 *   CTA_TUPLE_ORIG / CTA_TUPLE_REPLY
 *     CTA_TUPLE_IP    { CTA_IP_V4_SRC/DST (4) | CTA_IP_V6_SRC/DST (16) }
 *     CTA_TUPLE_PROTO { CTA_PROTO_NUM u8, CTA_PROTO_SRC/DST_PORT be16 |
 *                       CTA_PROTO_ICMP[V6]_ID be16, _TYPE u8, _CODE u8 }
 *   CTA_STATUS be32, CTA_TIMEOUT be32, CTA_ID be32, CTA_MARK be32,
 *   CTA_ZONE be16, CTA_LABELS (16 bytes: 128 label bits)
 *   CTA_PROTOINFO { CTA_PROTOINFO_TCP { STATE u8, WSCALE_ORIGINAL u8,
 *                   WSCALE_REPLY u8, FLAGS_ORIGINAL/REPLY {flags, mask} } }
 *
 * The parser takes only attributes whose length fits their type and skips
 * (and counts) the rest, so a newer kernel's additions never stop it.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "ctmap.h"
#include "ctproto.h"

#define CTMAP_ICMP_ECHO	  8
#define CTMAP_ICMPV6_ECHO 128
#define CTMAP_PFSYNC_PROTO 240

/* ---- parsing ------------------------------------------------------------*/

/* A walk over one nest: the entry being filled and the tuple, if any. */
struct ctmap_walk {
	struct pfsd_ct_entry *e;
	struct pfsd_ct_tuple *t;
	uint8_t af;  /* family implied by the addresses seen */
	bool ip, pn; /* address pair and protocol number seen */
};

static bool ctmap_len_is(const struct nlattr *a, size_t n)
{
	return mnl_attr_get_payload_len(a) == n;
}

static int ctmap_skip(struct ctmap_walk *w)
{
	w->e->skipped++;
	return MNL_CB_OK;
}

static uint16_t ctmap_be16(const struct nlattr *a)
{
	return ntohs(mnl_attr_get_u16(a));
}

static uint32_t ctmap_be32(const struct nlattr *a)
{
	return ntohl(mnl_attr_get_u32(a));
}

static int ctmap_ip_cb(const struct nlattr *a, void *data)
{
	struct ctmap_walk *w = data;
	int type = mnl_attr_get_type(a);
	size_t n = type <= CTA_IP_V4_DST ? 4 : 16;
	uint8_t af = n == 4 ? AF_INET : AF_INET6;

	if (type < CTA_IP_V4_SRC || type > CTA_IP_V6_DST ||
	    !ctmap_len_is(a, n) || (w->af != 0 && w->af != af))
		return ctmap_skip(w);
	w->af = af;
	if (type == CTA_IP_V4_SRC || type == CTA_IP_V6_SRC)
		memcpy(w->t->src.a, mnl_attr_get_payload(a), n);
	else
		memcpy(w->t->dst.a, mnl_attr_get_payload(a), n);
	return MNL_CB_OK;
}

/* CTA_PROTO_*: ports and ICMP fields share one callback (v4 and v6). */
static int ctmap_proto_cb(const struct nlattr *a, void *data)
{
	struct ctmap_walk *w = data;
	struct pfsd_ct_tuple *t = w->t;

	switch (mnl_attr_get_type(a)) {
	case CTA_PROTO_NUM:
		if (!ctmap_len_is(a, 1))
			return ctmap_skip(w);
		t->proto = mnl_attr_get_u8(a);
		w->pn = true;
		return MNL_CB_OK;
	case CTA_PROTO_SRC_PORT:
		if (!ctmap_len_is(a, 2))
			return ctmap_skip(w);
		t->sport = ctmap_be16(a);
		return MNL_CB_OK;
	case CTA_PROTO_DST_PORT:
		if (!ctmap_len_is(a, 2))
			return ctmap_skip(w);
		t->dport = ctmap_be16(a);
		return MNL_CB_OK;
	case CTA_PROTO_ICMP_ID:
	case CTA_PROTO_ICMPV6_ID:
		if (!ctmap_len_is(a, 2))
			return ctmap_skip(w);
		t->sport = t->dport = ctmap_be16(a);
		return MNL_CB_OK;
	case CTA_PROTO_ICMP_TYPE:
	case CTA_PROTO_ICMPV6_TYPE:
		if (!ctmap_len_is(a, 1))
			return ctmap_skip(w);
		t->icmp_type = mnl_attr_get_u8(a);
		return MNL_CB_OK;
	case CTA_PROTO_ICMP_CODE:
	case CTA_PROTO_ICMPV6_CODE:
		if (!ctmap_len_is(a, 1))
			return ctmap_skip(w);
		t->icmp_code = mnl_attr_get_u8(a);
		return MNL_CB_OK;
	default:
		return ctmap_skip(w);
	}
}

static int ctmap_tuple_cb(const struct nlattr *a, void *data)
{
	struct ctmap_walk *w = data;

	switch (mnl_attr_get_type(a)) {
	case CTA_TUPLE_IP:
		w->ip = true;
		(void)mnl_attr_parse_nested(a, ctmap_ip_cb, w);
		return MNL_CB_OK;
	case CTA_TUPLE_PROTO:
		(void)mnl_attr_parse_nested(a, ctmap_proto_cb, w);
		return MNL_CB_OK;
	default:
		return ctmap_skip(w);
	}
}

/* Fill one tuple; the family must agree with the entry's (first wins). */
static void ctmap_tuple(const struct nlattr *a, struct pfsd_ct_entry *e,
			struct pfsd_ct_tuple *t)
{
	struct ctmap_walk w = {e, t, 0, false, false};

	memset(t, 0, sizeof(*t));
	(void)mnl_attr_parse_nested(a, ctmap_tuple_cb, &w);
	if (!w.ip || !w.pn || w.af == 0 || (e->af != 0 && e->af != w.af))
		return;
	e->af = w.af;
	t->ok = 1;
}

static int ctmap_flags(const struct nlattr *a, uint8_t *flags)
{
	if (!ctmap_len_is(a, sizeof(struct nf_ct_tcp_flags)))
		return -1;
	*flags =
	    ((const struct nf_ct_tcp_flags *)mnl_attr_get_payload(a))->flags;
	return 0;
}

static int ctmap_tcp_cb(const struct nlattr *a, void *data)
{
	struct ctmap_walk *w = data;
	struct pfsd_ct_entry *e = w->e;
	int type = mnl_attr_get_type(a), rc = 0;

	if (type == CTA_PROTOINFO_TCP_FLAGS_ORIGINAL)
		rc = ctmap_flags(a, &e->flags_orig);
	else if (type == CTA_PROTOINFO_TCP_FLAGS_REPLY)
		rc = ctmap_flags(a, &e->flags_reply);
	else if (type > CTA_PROTOINFO_TCP_WSCALE_REPLY || !ctmap_len_is(a, 1))
		rc = -1;
	else if (type == CTA_PROTOINFO_TCP_STATE) {
		e->tcp_state = mnl_attr_get_u8(a);
		e->have |= PFSD_CT_HAVE_TCP;
	} else if (type == CTA_PROTOINFO_TCP_WSCALE_ORIGINAL)
		e->wscale_orig = mnl_attr_get_u8(a);
	else if (type == CTA_PROTOINFO_TCP_WSCALE_REPLY)
		e->wscale_reply = mnl_attr_get_u8(a);
	else
		rc = -1;
	return rc == 0 ? MNL_CB_OK : ctmap_skip(w);
}

static int ctmap_protoinfo_cb(const struct nlattr *a, void *data)
{
	struct ctmap_walk *w = data;

	if (mnl_attr_get_type(a) != CTA_PROTOINFO_TCP)
		return pfsd_ctproto_parse(a, w->e) == 0 ? MNL_CB_OK
							 : ctmap_skip(w);
	(void)mnl_attr_parse_nested(a, ctmap_tcp_cb, w);
	return MNL_CB_OK;
}

/* A be32 scalar attribute into *v, with its HAVE bit. */
static int ctmap_u32(struct ctmap_walk *w, const struct nlattr *a, uint32_t *v,
		     unsigned bit)
{
	if (!ctmap_len_is(a, 4))
		return ctmap_skip(w);
	*v = ctmap_be32(a);
	w->e->have |= bit;
	return MNL_CB_OK;
}

/* CTA_HELP: the helper's name (its private data is not carried). */
static int ctmap_help_cb(const struct nlattr *a, void *data)
{
	struct ctmap_walk *w = data;
	size_t n;

	if (mnl_attr_get_type(a) != CTA_HELP_NAME)
		return MNL_CB_OK;
	n = strnlen(mnl_attr_get_payload(a), mnl_attr_get_payload_len(a));
	if (n == 0 || n >= PFS_STX_HELPER_LEN)
		return ctmap_skip(w);
	memcpy(w->e->helper, mnl_attr_get_payload(a), n);
	w->e->helper[n] = '\0';
	w->e->have |= PFSD_CT_HAVE_HELPER;
	return MNL_CB_OK;
}

struct ctmap_seqadj_walk {
	struct ctmap_walk *w;
	struct pfs_seqadj *s;
};

static int ctmap_seqadj_cb(const struct nlattr *a, void *data)
{
	struct ctmap_seqadj_walk *sw = data;

	if (!ctmap_len_is(a, 4))
		return ctmap_skip(sw->w);
	switch (mnl_attr_get_type(a)) {
	case CTA_SEQADJ_CORRECTION_POS:
		sw->s->pos = ctmap_be32(a);
		break;
	case CTA_SEQADJ_OFFSET_BEFORE:
		sw->s->before = ctmap_be32(a);
		break;
	case CTA_SEQADJ_OFFSET_AFTER:
		sw->s->after = ctmap_be32(a);
		break;
	default:
		return ctmap_skip(sw->w);
	}
	return MNL_CB_OK;
}

/* CTA_HELP and CTA_SEQ_ADJ_*: the helper's attributes of an entry. */
static int ctmap_helper_attr(struct ctmap_walk *w, const struct nlattr *a)
{
	struct ctmap_seqadj_walk sw = {w, NULL};

	switch (mnl_attr_get_type(a)) {
	case CTA_HELP:
		(void)mnl_attr_parse_nested(a, ctmap_help_cb, w);
		return MNL_CB_OK;
	case CTA_SEQ_ADJ_ORIG:
	case CTA_SEQ_ADJ_REPLY:
		sw.s = &w->e->seqadj[mnl_attr_get_type(a) == CTA_SEQ_ADJ_REPLY];
		(void)mnl_attr_parse_nested(a, ctmap_seqadj_cb, &sw);
		w->e->have |= PFSD_CT_HAVE_SEQADJ;
		return MNL_CB_OK;
	default:
		return ctmap_skip(w);
	}
}

static int ctmap_top_cb(const struct nlattr *a, void *data)
{
	struct ctmap_walk *w = data;
	struct pfsd_ct_entry *e = w->e;

	switch (mnl_attr_get_type(a)) {
	case CTA_TUPLE_ORIG:
		ctmap_tuple(a, e, &e->orig);
		return MNL_CB_OK;
	case CTA_TUPLE_REPLY:
		ctmap_tuple(a, e, &e->reply);
		if (e->reply.ok)
			e->have |= PFSD_CT_HAVE_REPLY;
		return MNL_CB_OK;
	case CTA_STATUS:
		return ctmap_u32(w, a, &e->status, PFSD_CT_HAVE_STATUS);
	case CTA_TIMEOUT:
		return ctmap_u32(w, a, &e->timeout, PFSD_CT_HAVE_TIMEOUT);
	case CTA_ID:
		return ctmap_u32(w, a, &e->id, PFSD_CT_HAVE_ID);
	case CTA_MARK:
		return ctmap_u32(w, a, &e->mark, PFSD_CT_HAVE_MARK);
	case CTA_ZONE:
		if (!ctmap_len_is(a, 2))
			return ctmap_skip(w);
		e->zone = ctmap_be16(a);
		e->have |= PFSD_CT_HAVE_ZONE;
		return MNL_CB_OK;
	case CTA_PROTOINFO:
		(void)mnl_attr_parse_nested(a, ctmap_protoinfo_cb, w);
		return MNL_CB_OK;
	case CTA_LABELS:
		if (!ctmap_len_is(a, PFS_STX_LABELS_LEN))
			return ctmap_skip(w);
		memcpy(e->labels, mnl_attr_get_payload(a), PFS_STX_LABELS_LEN);
		e->have |= PFSD_CT_HAVE_LABELS;
		return MNL_CB_OK;
	default:
		return ctmap_helper_attr(w, a);
	}
}

static int ctmap_kind(const struct nlmsghdr *nlh)
{
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_CTNETLINK)
		return -1;
	switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
	case IPCTNL_MSG_CT_NEW:
		if (nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL))
			return PFSD_CT_NEW;
		return PFSD_CT_UPDATE;
	case IPCTNL_MSG_CT_DELETE:
		return PFSD_CT_DESTROY;
	default:
		return -1;
	}
}

int pfsd_ctmap_parse(const void *buf, size_t len, struct pfsd_ct_entry *e)
{
	const struct nlmsghdr *nlh = buf;
	struct ctmap_walk w = {e, NULL, 0, false, false};
	int kind;

	memset(e, 0, sizeof(*e));
	/* not mnl_nlmsg_ok(): it compares (int)nlmsg_len, so a length of
	 * 0x80000000 and more passes as negative (found by fuzz_ctmap) */
	if (len < sizeof(*nlh) || len > INT_MAX || nlh->nlmsg_len > len ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(struct nfgenmsg))
		goto bad;
	kind = ctmap_kind(nlh);
	if (kind < 0)
		goto bad;
	(void)mnl_attr_parse(nlh, sizeof(struct nfgenmsg), ctmap_top_cb, &w);
	if (!e->orig.ok)
		goto bad;
	return kind;
bad:
	errno = EINVAL;
	return -1;
}

/* ---- entry -> state -----------------------------------------------------*/

/* conntrack TCP state -> pf (src, dst); the table in ctmap.h. */
static const uint8_t ctmap_tcp_pf[TCP_CONNTRACK_MAX][2] = {
    [TCP_CONNTRACK_NONE] = {PFS_TCPS_SYN_SENT, PFS_TCPS_CLOSED},
    [TCP_CONNTRACK_SYN_SENT] = {PFS_TCPS_SYN_SENT, PFS_TCPS_CLOSED},
    [TCP_CONNTRACK_SYN_RECV] = {PFS_TCPS_SYN_SENT, PFS_TCPS_SYN_SENT},
    [TCP_CONNTRACK_ESTABLISHED] = {PFS_TCPS_ESTABLISHED, PFS_TCPS_ESTABLISHED},
    [TCP_CONNTRACK_FIN_WAIT] = {PFS_TCPS_CLOSING, PFS_TCPS_ESTABLISHED},
    [TCP_CONNTRACK_CLOSE_WAIT] = {PFS_TCPS_FIN_WAIT_2, PFS_TCPS_ESTABLISHED},
    [TCP_CONNTRACK_LAST_ACK] = {PFS_TCPS_FIN_WAIT_2, PFS_TCPS_CLOSING},
    [TCP_CONNTRACK_TIME_WAIT] = {PFS_TCPS_FIN_WAIT_2, PFS_TCPS_FIN_WAIT_2},
    [TCP_CONNTRACK_CLOSE] = {PFS_TCPS_TIME_WAIT, PFS_TCPS_TIME_WAIT},
    [TCP_CONNTRACK_SYN_SENT2] = {PFS_TCPS_SYN_SENT, PFS_TCPS_SYN_SENT},
};

void pfsd_ctmap_tcp_to_pf(uint8_t ct, uint8_t *src, uint8_t *dst)
{
	if (ct >= TCP_CONNTRACK_MAX)
		ct = TCP_CONNTRACK_NONE;
	*src = ctmap_tcp_pf[ct][0];
	*dst = ctmap_tcp_pf[ct][1];
}

/* pf's pair, read from the most and the least advanced side. */
uint8_t pfsd_ctmap_tcp_from_pf(uint8_t src, uint8_t dst)
{
	uint8_t hi = src > dst ? src : dst, lo = src > dst ? dst : src;

	if (hi > PFS_TCPS_TIME_WAIT) /* synproxy pseudo states */
		return TCP_CONNTRACK_SYN_SENT;
	if (lo >= PFS_TCPS_TIME_WAIT)
		return TCP_CONNTRACK_CLOSE;
	if (lo >= PFS_TCPS_FIN_WAIT_2)
		return TCP_CONNTRACK_TIME_WAIT;
	if (hi >= PFS_TCPS_FIN_WAIT_2)
		return lo >= PFS_TCPS_CLOSING ? TCP_CONNTRACK_LAST_ACK
					      : TCP_CONNTRACK_CLOSE_WAIT;
	if (hi >= PFS_TCPS_CLOSE_WAIT)
		return TCP_CONNTRACK_FIN_WAIT;
	if (lo >= PFS_TCPS_ESTABLISHED)
		return TCP_CONNTRACK_ESTABLISHED;
	if (lo >= PFS_TCPS_SYN_SENT)
		return TCP_CONNTRACK_SYN_RECV;
	return TCP_CONNTRACK_SYN_SENT;
}

static bool ctmap_loopback(uint8_t af, const struct pfs_addr *a)
{
	static const uint8_t v6lo[16] = {[15] = 1};

	if (af == AF_INET)
		return a->a[0] == 127;
	return memcmp(a->a, v6lo, sizeof(v6lo)) == 0;
}

/* pf keeps a window scale only with its flag set (PFS_WSCALE_FLAG). */
static uint8_t ctmap_wscale_to_pf(uint8_t flags, uint8_t ws)
{
	if (!(flags & IP_CT_TCP_FLAG_WINDOW_SCALE))
		return 0;
	return (uint8_t)(PFS_WSCALE_FLAG | (ws & PFS_WSCALE_MASK));
}

/* UDP and ICMP peer states from the status bits (ctmap.h). */
static void ctmap_dgram_to_pf(uint32_t status, bool icmp, struct pfs_state *st)
{
	if (status & IPS_ASSURED) {
		st->src.state = st->dst.state = PFS_UDPS_MULTIPLE;
	} else if (status & IPS_SEEN_REPLY) {
		st->src.state = icmp ? PFS_UDPS_SINGLE : PFS_UDPS_MULTIPLE;
		st->dst.state = PFS_UDPS_SINGLE;
	} else {
		st->src.state = PFS_UDPS_SINGLE;
		st->dst.state = PFS_UDPS_NO_TRAFFIC;
	}
}

static void ctmap_peers_to_pf(const struct pfsd_ct_entry *e,
			      struct pfs_state *st)
{
	bool seen = (e->status & IPS_SEEN_REPLY) != 0;

	switch (st->proto) {
	case IPPROTO_TCP:
		pfsd_ctmap_tcp_to_pf(e->tcp_state, &st->src.state,
				     &st->dst.state);
		st->src.wscale =
		    ctmap_wscale_to_pf(e->flags_orig, e->wscale_orig);
		st->dst.wscale =
		    ctmap_wscale_to_pf(e->flags_reply, e->wscale_reply);
		st->timeout = pfs_state_timeout_class(
		    IPPROTO_TCP, st->src.state, st->dst.state);
		break;
	case IPPROTO_UDP:
		ctmap_dgram_to_pf(e->status, false, st);
		st->timeout = pfs_state_timeout_class(
		    IPPROTO_UDP, st->src.state, st->dst.state);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		ctmap_dgram_to_pf(e->status, true, st);
		st->timeout =
		    seen ? PFS_TM_ICMP_ERROR_REPLY : PFS_TM_ICMP_FIRST_PACKET;
		break;
	default: /* SCTP, GRE, DCCP, any other (ctproto.h) */
		pfsd_ctproto_to_pf(e, st);
		break;
	}
}

/* Every protocol but pfsync's own (240: never a connection to carry)
 * and ICMP of the other family (no such entry). */
static bool ctmap_proto_ok(uint8_t af, uint8_t proto)
{
	return proto != CTMAP_PFSYNC_PROTO &&
	       !(af == AF_INET6 && proto == IPPROTO_ICMP) &&
	       !(af == AF_INET && proto == IPPROTO_ICMPV6);
}

static void ctmap_host(struct pfs_host *h, const struct pfs_addr *a,
		       uint16_t port)
{
	h->addr = *a;
	h->port = port;
}

static bool ctmap_end_differs(const struct pfs_addr *a, uint16_t ap,
			      const struct pfs_addr *b, uint16_t bp)
{
	return memcmp(a, b, sizeof(*a)) != 0 || ap != bp;
}

/* Source NAT: replies go back to another address than the origin's
 * (or port, where NAT changes ports: not GRE's keys, ctproto.h). */
static bool ctmap_snat(const struct pfsd_ct_entry *e)
{
	bool p = pfsd_ctproto_nat_ports(e->orig.proto);

	return ctmap_end_differs(&e->reply.dst, p ? e->reply.dport : 0,
				 &e->orig.src, p ? e->orig.sport : 0);
}

/* Destination NAT: replies come from another address than the one the
 * origin sent to. */
static bool ctmap_dnat(const struct pfsd_ct_entry *e)
{
	bool p = pfsd_ctproto_nat_ports(e->orig.proto);

	return ctmap_end_differs(&e->reply.src, p ? e->reply.sport : 0,
				 &e->orig.dst, p ? e->orig.dport : 0);
}

/* The tuples as pf hosts (ctmap.h): a destination translation alone is
 * pf's inbound rdr state, anything else an outbound state. */
static void ctmap_hosts(const struct pfsd_ct_entry *e, struct pfs_state *st)
{
	const struct pfsd_ct_tuple *o = &e->orig, *r = &e->reply;
	bool reply = (e->have & PFSD_CT_HAVE_REPLY) != 0;

	if (reply && ctmap_dnat(e) && !ctmap_snat(e)) {
		st->direction = PFS_DIR_IN;
		ctmap_host(&st->lan, &r->src, r->sport);
		ctmap_host(&st->gwy, &o->dst, o->dport);
		ctmap_host(&st->ext, &o->src, o->sport);
		return;
	}
	st->direction = PFS_DIR_OUT;
	ctmap_host(&st->lan, &o->src, o->sport);
	ctmap_host(&st->ext, &o->dst, o->dport);
	/* the translated source is where replies go back to */
	if (reply)
		ctmap_host(&st->gwy, &r->dst, r->dport);
	else
		st->gwy = st->lan;
}

int pfsd_ctmap_to_state(const struct pfsd_ct_entry *e, uint32_t now_s,
			struct pfs_state *st)
{
	const struct pfsd_ct_tuple *o = &e->orig;

	memset(st, 0, sizeof(*st));
	if (!o->ok || (e->af != AF_INET && e->af != AF_INET6)) {
		errno = EINVAL;
		return -1;
	}
	if (!ctmap_proto_ok(e->af, o->proto)) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	if (ctmap_loopback(e->af, &o->src) || ctmap_loopback(e->af, &o->dst)) {
		errno = EADDRNOTAVAIL;
		return -1;
	}
	st->af = e->af;
	st->proto = o->proto;
	st->rule = st->anchor = PFS_NO_RULE;
	ctmap_hosts(e, st);
	memcpy(st->ifname, "all", 4);
	st->creation = now_s;
	st->expire = now_s + e->timeout;
	ctmap_peers_to_pf(e, st);
	return 0;
}

/* ---- state -> entry -----------------------------------------------------*/

static void ctmap_set_tuple(struct pfsd_ct_tuple *t, uint8_t af, uint8_t proto,
			    const struct pfs_host *s, const struct pfs_host *d)
{
	memset(t, 0, sizeof(*t));
	t->src = s->addr;
	t->dst = d->addr;
	t->sport = s->port;
	t->dport = d->port;
	t->proto = proto;
	t->ok = 1;
	if (proto == IPPROTO_ICMP || proto == IPPROTO_ICMPV6)
		t->icmp_type =
		    af == AF_INET ? CTMAP_ICMP_ECHO : CTMAP_ICMPV6_ECHO;
}

/* Window scale applies only when both sides negotiated one. */
static void ctmap_tcp_from_pf(const struct pfs_state *st,
			      struct pfsd_ct_entry *e)
{
	uint8_t both = (st->src.wscale & st->dst.wscale) & PFS_WSCALE_FLAG;
	uint8_t f = IP_CT_TCP_FLAG_BE_LIBERAL;

	e->tcp_state = pfsd_ctmap_tcp_from_pf(st->src.state, st->dst.state);
	if (both) {
		f |= IP_CT_TCP_FLAG_WINDOW_SCALE;
		e->wscale_orig = st->src.wscale & PFS_WSCALE_MASK;
		e->wscale_reply = st->dst.wscale & PFS_WSCALE_MASK;
	}
	e->flags_orig = e->flags_reply = f;
	e->have |= PFSD_CT_HAVE_TCP;
}

/* conntrack's status bits of a TCP state: a reply seen once the peer
 * answered, assured once established (as the kernel sets them). */
static uint32_t ctmap_tcp_status(uint8_t ct)
{
	switch (ct) {
	case TCP_CONNTRACK_NONE:
	case TCP_CONNTRACK_SYN_SENT:
		return 0;
	case TCP_CONNTRACK_SYN_RECV:
	case TCP_CONNTRACK_SYN_SENT2:
		return IPS_SEEN_REPLY;
	default:
		return IPS_SEEN_REPLY | IPS_ASSURED;
	}
}

uint32_t pfsd_ctmap_status(const struct pfs_state *st)
{
	uint8_t s = st->src.state, d = st->dst.state;

	if (st->proto == IPPROTO_TCP)
		return ctmap_tcp_status(pfsd_ctmap_tcp_from_pf(s, d));
	if (st->proto == IPPROTO_SCTP)
		return pfsd_ctproto_sctp_status(st);
	if (d == PFS_UDPS_NO_TRAFFIC)
		return 0;
	if (s >= PFS_UDPS_MULTIPLE && d >= PFS_UDPS_MULTIPLE)
		return IPS_SEEN_REPLY | IPS_ASSURED;
	return IPS_SEEN_REPLY;
}

int pfsd_ctmap_from_state(const struct pfs_state *st, uint32_t now_s,
			  struct pfsd_ct_entry *e)
{
	bool in = st->direction == PFS_DIR_IN;

	memset(e, 0, sizeof(*e));
	if (st->af != AF_INET && st->af != AF_INET6) {
		errno = EAFNOSUPPORT;
		return -1;
	}
	if (!ctmap_proto_ok(st->af, st->proto)) {
		errno = EPROTONOSUPPORT;
		return -1;
	}
	e->af = st->af;
	/* OUT: (lan -> ext), back (ext -> gwy); IN: (ext -> gwy), back
	 * (lan -> ext). */
	ctmap_set_tuple(&e->orig, st->af, st->proto, in ? &st->ext : &st->lan,
			in ? &st->gwy : &st->ext);
	ctmap_set_tuple(&e->reply, st->af, st->proto, in ? &st->lan : &st->ext,
			in ? &st->ext : &st->gwy);
	/* an echo request's reply tuple is an echo reply (0, or 129) */
	if (e->reply.icmp_type != 0)
		e->reply.icmp_type = st->af == AF_INET ? 0 : 129;
	e->status = IPS_CONFIRMED | pfsd_ctmap_status(st);
	e->timeout = st->expire > now_s ? st->expire - now_s : 1;
	e->have =
	    PFSD_CT_HAVE_REPLY | PFSD_CT_HAVE_STATUS | PFSD_CT_HAVE_TIMEOUT;
	if (st->proto == IPPROTO_TCP)
		ctmap_tcp_from_pf(st, e);
	pfsd_ctproto_from_state(st, NULL, e);
	return 0;
}

/* The helper and the sequence adjustment, entry <-> extras. */
static void ctmap_helper_to_stx(const struct pfsd_ct_entry *e,
				struct pfs_stx *x)
{
	if (e->have & PFSD_CT_HAVE_HELPER) {
		x->has |= PFS_STX_HELPER;
		memcpy(x->helper, e->helper, sizeof(x->helper));
	}
	if (e->have & PFSD_CT_HAVE_SEQADJ) {
		x->has |= PFS_STX_SEQADJ;
		memcpy(x->seqadj, e->seqadj, sizeof(x->seqadj));
	}
}

static void ctmap_helper_from_stx(const struct pfs_stx *x,
				  struct pfsd_ct_entry *e)
{
	if ((x->has & PFS_STX_HELPER) && x->helper[0] != '\0') {
		memcpy(e->helper, x->helper, sizeof(e->helper));
		e->helper[PFS_STX_HELPER_LEN - 1] = '\0';
		e->have |= PFSD_CT_HAVE_HELPER;
	}
	if (x->has & PFS_STX_SEQADJ) {
		memcpy(e->seqadj, x->seqadj, sizeof(e->seqadj));
		e->have |= PFSD_CT_HAVE_SEQADJ;
	}
}

static bool ctmap_nat2_ok(uint8_t proto)
{
	return proto != IPPROTO_ICMP && proto != IPPROTO_ICMPV6;
}

bool pfsd_ctmap_to_stx(const struct pfsd_ct_entry *e,
		       const struct pfs_state *st, struct pfs_stx *x)
{
	memset(x, 0, sizeof(*x));
	if (e->have & PFSD_CT_HAVE_MARK) {
		x->has |= PFS_STX_MARK;
		x->mark = e->mark;
	}
	if (e->have & PFSD_CT_HAVE_ZONE) {
		x->has |= PFS_STX_ZONE;
		x->zone = e->zone;
	}
	if (e->have & PFSD_CT_HAVE_LABELS) {
		x->has |= PFS_STX_LABELS;
		memcpy(x->labels, e->labels, sizeof(x->labels));
	}
	/* an OUT state of an entry with both translations (ctmap_hosts);
	 * any protocol but ICMP (an echo's id is its only "port") */
	if ((e->have & PFSD_CT_HAVE_REPLY) && st->direction == PFS_DIR_OUT &&
	    ctmap_nat2_ok(st->proto) &&
	    ctmap_snat(e) && ctmap_dnat(e)) {
		x->has |= PFS_STX_NAT2;
		ctmap_host(&x->nat2, &e->reply.src, e->reply.sport);
	}
	ctmap_helper_to_stx(e, x);
	pfsd_ctproto_to_stx(e, x);
	return pfs_stx_norm(x);
}

int pfsd_ctmap_from_state_x(const struct pfs_state *st, const struct pfs_stx *x,
			    uint32_t now_s, struct pfsd_ct_entry *e)
{
	if (pfsd_ctmap_from_state(st, now_s, e) == -1)
		return -1;
	if (x == NULL)
		return 0;
	if ((x->has & PFS_STX_NAT2) && st->direction == PFS_DIR_OUT &&
	    ctmap_nat2_ok(st->proto)) {
		e->reply.src = x->nat2.addr;
		e->reply.sport = x->nat2.port;
	}
	e->mark = x->mark;
	e->have |= PFSD_CT_HAVE_MARK;
	if (x->has & PFS_STX_ZONE) {
		e->zone = x->zone;
		e->have |= PFSD_CT_HAVE_ZONE;
	}
	if (x->has & PFS_STX_LABELS) {
		memcpy(e->labels, x->labels, sizeof(e->labels));
		e->have |= PFSD_CT_HAVE_LABELS;
	}
	ctmap_helper_from_stx(x, e);
	pfsd_ctproto_from_state(st, x, e);
	return 0;
}

uint64_t pfsd_ctmap_state_id(const struct pfsd_ct_entry *e)
{
	if (!(e->have & PFSD_CT_HAVE_ID))
		return 0;
	return (uint64_t)e->id; /* high part 0: never a counter id */
}

bool pfsd_ctmap_is_nat(const struct pfs_state *st)
{
	return memcmp(&st->gwy.addr, &st->lan.addr, sizeof(st->gwy.addr)) !=
		   0 ||
	       st->gwy.port != st->lan.port;
}

/* ---- builders -----------------------------------------------------------*/

static void ctmap_put_ip(struct nlmsghdr *nlh, uint8_t af,
			 const struct pfsd_ct_tuple *t)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);

	if (af == AF_INET) {
		mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, t->src.a);
		mnl_attr_put(nlh, CTA_IP_V4_DST, 4, t->dst.a);
	} else {
		mnl_attr_put(nlh, CTA_IP_V6_SRC, 16, t->src.a);
		mnl_attr_put(nlh, CTA_IP_V6_DST, 16, t->dst.a);
	}
	mnl_attr_nest_end(nlh, n);
}

static void ctmap_put_proto(struct nlmsghdr *nlh, const struct pfsd_ct_tuple *t)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);

	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, t->proto);
	if (t->proto == IPPROTO_ICMP) {
		mnl_attr_put_u16(nlh, CTA_PROTO_ICMP_ID, htons(t->sport));
		mnl_attr_put_u8(nlh, CTA_PROTO_ICMP_TYPE, t->icmp_type);
		mnl_attr_put_u8(nlh, CTA_PROTO_ICMP_CODE, t->icmp_code);
	} else if (t->proto == IPPROTO_ICMPV6) {
		mnl_attr_put_u16(nlh, CTA_PROTO_ICMPV6_ID, htons(t->sport));
		mnl_attr_put_u8(nlh, CTA_PROTO_ICMPV6_TYPE, t->icmp_type);
		mnl_attr_put_u8(nlh, CTA_PROTO_ICMPV6_CODE, t->icmp_code);
	} else if (pfsd_ctproto_ports(t->proto)) {
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(t->sport));
		mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(t->dport));
	}
	mnl_attr_nest_end(nlh, n);
}

static void ctmap_put_tuple(struct nlmsghdr *nlh, uint16_t type, uint8_t af,
			    const struct pfsd_ct_tuple *t)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	ctmap_put_ip(nlh, af, t);
	ctmap_put_proto(nlh, t);
	mnl_attr_nest_end(nlh, n);
}

static void ctmap_put_tcp(struct nlmsghdr *nlh, const struct pfsd_ct_entry *e)
{
	struct nf_ct_tcp_flags fo = {e->flags_orig, e->flags_orig};
	struct nf_ct_tcp_flags fr = {e->flags_reply, e->flags_reply};
	struct nlattr *pi = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
	struct nlattr *tcp = mnl_attr_nest_start(nlh, CTA_PROTOINFO_TCP);

	mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_STATE, e->tcp_state);
	if (e->flags_orig & e->flags_reply & IP_CT_TCP_FLAG_WINDOW_SCALE) {
		mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_WSCALE_ORIGINAL,
				e->wscale_orig);
		mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_WSCALE_REPLY,
				e->wscale_reply);
	}
	mnl_attr_put(nlh, CTA_PROTOINFO_TCP_FLAGS_ORIGINAL, sizeof(fo), &fo);
	mnl_attr_put(nlh, CTA_PROTOINFO_TCP_FLAGS_REPLY, sizeof(fr), &fr);
	mnl_attr_nest_end(nlh, tcp);
	mnl_attr_nest_end(nlh, pi);
}

/* One translation (CTA_NAT_SRC or _DST) to a single address and port. */
static void ctmap_put_nat(struct nlmsghdr *nlh, uint16_t type, uint8_t af,
			  uint8_t proto, const struct pfs_addr *a,
			  uint16_t port)
{
	struct nlattr *nat = mnl_attr_nest_start(nlh, type);
	struct nlattr *p;

	if (af == AF_INET) {
		mnl_attr_put(nlh, CTA_NAT_V4_MINIP, 4, a->a);
		mnl_attr_put(nlh, CTA_NAT_V4_MAXIP, 4, a->a);
	} else {
		mnl_attr_put(nlh, CTA_NAT_V6_MINIP, 16, a->a);
		mnl_attr_put(nlh, CTA_NAT_V6_MAXIP, 16, a->a);
	}
	if (pfsd_ctproto_nat_ports(proto)) {
		p = mnl_attr_nest_start(nlh, CTA_NAT_PROTO);
		mnl_attr_put_u16(nlh, CTA_PROTONAT_PORT_MIN, htons(port));
		mnl_attr_put_u16(nlh, CTA_PROTONAT_PORT_MAX, htons(port));
		mnl_attr_nest_end(nlh, p);
	}
	mnl_attr_nest_end(nlh, nat);
}

/* Source NAT to the reply destination, destination NAT to the reply
 * source, each only where the tuples differ. */
static void ctmap_put_nats(struct nlmsghdr *nlh, const struct pfsd_ct_entry *e)
{
	const struct pfsd_ct_tuple *r = &e->reply;

	if (ctmap_snat(e))
		ctmap_put_nat(nlh, CTA_NAT_SRC, e->af, r->proto, &r->dst,
			      r->dport);
	if (ctmap_dnat(e))
		ctmap_put_nat(nlh, CTA_NAT_DST, e->af, r->proto, &r->src,
			      r->sport);
}

/*
 * The reply tuple.  With NAT it is the original one inverted: the kernel's
 * NAT setup derives the translated reply from it and the NAT attributes,
 * and only when the two differ does it mark the entry SRC_NAT / DST_NAT,
 * the bits that make it translate packets (an entry created with the
 * translated reply already in place would never translate anything).
 */
static void ctmap_put_reply(struct nlmsghdr *nlh, const struct pfsd_ct_entry *e,
			    bool nat)
{
	struct pfsd_ct_tuple r = e->reply;

	if (nat && (ctmap_snat(e) || ctmap_dnat(e))) {
		r.src = e->orig.dst;
		r.dst = e->orig.src;
		r.sport = e->orig.dport;
		r.dport = e->orig.sport;
	}
	ctmap_put_tuple(nlh, CTA_TUPLE_REPLY, e->af, &r);
}

/* The zone finds the entry too: a tuple is unique only within it. */
static void ctmap_put_zone(struct nlmsghdr *nlh, const struct pfsd_ct_entry *e)
{
	if ((e->have & PFSD_CT_HAVE_ZONE) && e->zone != 0)
		mnl_attr_put_u16(nlh, CTA_ZONE, htons(e->zone));
}

static void ctmap_put_seqadj(struct nlmsghdr *nlh, uint16_t type,
			     const struct pfs_seqadj *s)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type);

	mnl_attr_put_u32(nlh, CTA_SEQADJ_CORRECTION_POS, htonl(s->pos));
	mnl_attr_put_u32(nlh, CTA_SEQADJ_OFFSET_BEFORE, htonl(s->before));
	mnl_attr_put_u32(nlh, CTA_SEQADJ_OFFSET_AFTER, htonl(s->after));
	mnl_attr_nest_end(nlh, n);
}

/* The helper (set by the kernel only on create) and the adjustment. */
static void ctmap_put_helper(struct nlmsghdr *nlh,
			     const struct pfsd_ct_entry *e)
{
	struct nlattr *n;

	if ((e->have & PFSD_CT_HAVE_HELPER) && e->helper[0] != '\0') {
		n = mnl_attr_nest_start(nlh, CTA_HELP);
		mnl_attr_put_strz(nlh, CTA_HELP_NAME, e->helper);
		mnl_attr_nest_end(nlh, n);
	}
	if (e->have & PFSD_CT_HAVE_SEQADJ) {
		ctmap_put_seqadj(nlh, CTA_SEQ_ADJ_ORIG, &e->seqadj[0]);
		ctmap_put_seqadj(nlh, CTA_SEQ_ADJ_REPLY, &e->seqadj[1]);
	}
}

static struct nlmsghdr *ctmap_header(void *buf, uint8_t type, uint16_t flags,
				     uint8_t af, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = af;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

size_t pfsd_ctmap_build_new(void *buf, size_t len,
			    const struct pfsd_ct_entry *e, uint16_t flags,
			    bool nat, uint32_t seq)
{
	bool create = (flags & NLM_F_CREATE) != 0;
	struct nlmsghdr *nlh;

	if (len < PFSD_CTMAP_MSG_MAX || !e->orig.ok)
		return 0;
	memset(buf, 0, PFSD_CTMAP_MSG_MAX);
	nlh = ctmap_header(buf, IPCTNL_MSG_CT_NEW, flags, e->af, seq);
	ctmap_put_tuple(nlh, CTA_TUPLE_ORIG, e->af, &e->orig);
	ctmap_put_reply(nlh, e, nat);
	/* SEEN_REPLY and ASSURED can only be set: an update without them
	 * leaves the status alone instead of failing with EBUSY */
	if (create || (e->status & IPS_SEEN_REPLY))
		mnl_attr_put_u32(nlh, CTA_STATUS, htonl(e->status));
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(e->timeout));
	if (e->have & PFSD_CT_HAVE_TCP)
		ctmap_put_tcp(nlh, e);
	pfsd_ctproto_put(nlh, e);
	if (nat)
		ctmap_put_nats(nlh, e);
	ctmap_put_zone(nlh, e);
	if (e->have & PFSD_CT_HAVE_MARK)
		mnl_attr_put_u32(nlh, CTA_MARK, htonl(e->mark));
	if ((e->have & PFSD_CT_HAVE_MARK) && e->mark_mask != 0)
		mnl_attr_put_u32(nlh, CTA_MARK_MASK, htonl(e->mark_mask));
	if (e->have & PFSD_CT_HAVE_LABELS)
		mnl_attr_put(nlh, CTA_LABELS, sizeof(e->labels), e->labels);
	ctmap_put_helper(nlh, e);
	return nlh->nlmsg_len;
}

size_t pfsd_ctmap_build_delete(void *buf, size_t len,
			       const struct pfsd_ct_entry *e, uint16_t flags,
			       uint32_t seq)
{
	struct nlmsghdr *nlh;

	if (len < PFSD_CTMAP_MSG_MAX || !e->orig.ok)
		return 0;
	memset(buf, 0, PFSD_CTMAP_MSG_MAX);
	nlh = ctmap_header(buf, IPCTNL_MSG_CT_DELETE, flags, e->af, seq);
	ctmap_put_tuple(nlh, CTA_TUPLE_ORIG, e->af, &e->orig);
	ctmap_put_zone(nlh, e);
	return nlh->nlmsg_len;
}

size_t pfsd_ctmap_build_get(void *buf, size_t len,
			    const struct pfsd_ct_entry *e, uint32_t seq)
{
	struct nlmsghdr *nlh;

	if (len < PFSD_CTMAP_MSG_MAX || !e->orig.ok)
		return 0;
	memset(buf, 0, PFSD_CTMAP_MSG_MAX);
	nlh = ctmap_header(buf, IPCTNL_MSG_CT_GET, 0, e->af, seq);
	ctmap_put_tuple(nlh, CTA_TUPLE_ORIG, e->af, &e->orig);
	ctmap_put_zone(nlh, e);
	return nlh->nlmsg_len;
}

size_t pfsd_ctmap_build_dump(void *buf, size_t len, uint32_t seq)
{
	struct nlmsghdr *nlh;

	if (len < PFSD_CTMAP_MSG_MAX)
		return 0;
	memset(buf, 0, PFSD_CTMAP_MSG_MAX);
	nlh = ctmap_header(buf, IPCTNL_MSG_CT_GET, NLM_F_DUMP, AF_UNSPEC, seq);
	return nlh->nlmsg_len;
}

size_t pfsd_ctmap_build_liberal(void *buf, size_t len,
				const struct pfsd_ct_entry *e, uint32_t seq)
{
	struct nf_ct_tcp_flags f = {IP_CT_TCP_FLAG_BE_LIBERAL,
				    IP_CT_TCP_FLAG_BE_LIBERAL};
	struct nlattr *pi, *tcp;
	struct nlmsghdr *nlh;

	if (len < PFSD_CTMAP_MSG_MAX || !e->orig.ok ||
	    e->orig.proto != IPPROTO_TCP)
		return 0;
	memset(buf, 0, PFSD_CTMAP_MSG_MAX);
	nlh = ctmap_header(buf, IPCTNL_MSG_CT_NEW, 0, e->af, seq);
	ctmap_put_tuple(nlh, CTA_TUPLE_ORIG, e->af, &e->orig);
	ctmap_put_zone(nlh, e);
	pi = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
	tcp = mnl_attr_nest_start(nlh, CTA_PROTOINFO_TCP);
	mnl_attr_put(nlh, CTA_PROTOINFO_TCP_FLAGS_ORIGINAL, sizeof(f), &f);
	mnl_attr_put(nlh, CTA_PROTOINFO_TCP_FLAGS_REPLY, sizeof(f), &f);
	mnl_attr_nest_end(nlh, tcp);
	mnl_attr_nest_end(nlh, pi);
	return nlh->nlmsg_len;
}
