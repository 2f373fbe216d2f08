/*
 * test_ctproto.c - SCTP, GRE, DCCP and any protocol's entries <-> pf
 * state (ctproto.h): the SCTP table both ways and its levels only moving
 * up, a kernel-like SCTP message (state, tags) parsed, mapped, carried
 * as protocol info and built back attribute by attribute, GRE's keys
 * (asymmetric reply keys are no NAT), a protocol known by number only
 * (no ports), DCCP's protoinfo, and an event without protoinfo keeping
 * what the mirror holds.
 */
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_sctp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "backend/ctmap.h"
#include "backend/ctproto.h"
#include "t.h"

#define NOW 1000u

static uint8_t buf[PFSD_CTMAP_MSG_MAX];

static void test_sctp_table(void)
{
	uint8_t ct, s, d;

	for (ct = SCTP_CONNTRACK_CLOSED; ct < SCTP_CONNTRACK_HEARTBEAT_ACKED;
	     ct++) {
		pfsd_ctproto_sctp_to_pf(ct, &s, &d);
		T_EQ(pfsd_ctproto_sctp_from_pf(s, d), ct);
		T_EQ(pfsd_ctproto_sctp_from_pf(d, s), ct);
		/* every level is one a FreeBSD receiver takes (<= 12) */
		T_CHECK(s <= 12 && d <= 12);
	}
	pfsd_ctproto_sctp_to_pf(SCTP_CONNTRACK_ESTABLISHED, &s, &d);
	T_EQ(s, PFS_SCTPS_ESTABLISHED); /* FreeBSD's value, 8 */
	T_EQ(s, 8);
	pfsd_ctproto_sctp_to_pf(SCTP_CONNTRACK_COOKIE_WAIT, &s, &d);
	T_EQ(s, 2);
	T_EQ(d, 0);
	/* out of range reads as NONE */
	pfsd_ctproto_sctp_to_pf(200, &s, &d);
	T_EQ(s, PFS_SCTPS_COOKIE_WAIT);
}

/* The life of an association: each side's level never goes down, so
 * pf's merge rule for other protocols accepts every step. */
static void test_sctp_monotonic(void)
{
	static const uint8_t life[] = {
	    SCTP_CONNTRACK_COOKIE_WAIT,	      SCTP_CONNTRACK_COOKIE_ECHOED,
	    SCTP_CONNTRACK_ESTABLISHED,	      SCTP_CONNTRACK_SHUTDOWN_SENT,
	    SCTP_CONNTRACK_SHUTDOWN_RECD,     SCTP_CONNTRACK_SHUTDOWN_ACK_SENT,
	    SCTP_CONNTRACK_CLOSED,
	};
	uint8_t s0 = 0, d0 = 0, s, d;
	size_t i;

	for (i = 0; i < sizeof(life); i++) {
		pfsd_ctproto_sctp_to_pf(life[i], &s, &d);
		T_CHECK(s >= s0 && d >= d0);
		s0 = s;
		d0 = d;
	}
}

/* A kernel-like SCTP entry: 10.0.0.1:5000 -> 10.0.0.2:6000, ESTABLISHED,
 * tags 0x11111111 / 0x22222222, status SEEN_REPLY|ASSURED. */
static size_t sctp_msg(uint8_t state, uint32_t status)
{
	uint8_t a[4] = {10, 0, 0, 1}, b[4] = {10, 0, 0, 2};
	struct nlattr *o, *n;
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	int dir;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	for (dir = 0; dir < 2; dir++) {
		o = mnl_attr_nest_start(nlh, dir ? CTA_TUPLE_REPLY
						 : CTA_TUPLE_ORIG);
		n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
		mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, dir ? b : a);
		mnl_attr_put(nlh, CTA_IP_V4_DST, 4, dir ? a : b);
		mnl_attr_nest_end(nlh, n);
		n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
		mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_SCTP);
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT,
				 htons(dir ? 6000 : 5000));
		mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT,
				 htons(dir ? 5000 : 6000));
		mnl_attr_nest_end(nlh, n);
		mnl_attr_nest_end(nlh, o);
	}
	mnl_attr_put_u32(nlh, CTA_STATUS, htonl(status));
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(300));
	mnl_attr_put_u32(nlh, CTA_MARK, htonl(7));
	n = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
	o = mnl_attr_nest_start(nlh, CTA_PROTOINFO_SCTP);
	mnl_attr_put_u8(nlh, CTA_PROTOINFO_SCTP_STATE, state);
	mnl_attr_put_u32(nlh, CTA_PROTOINFO_SCTP_VTAG_ORIGINAL,
			 htonl(0x11111111));
	mnl_attr_put_u32(nlh, CTA_PROTOINFO_SCTP_VTAG_REPLY,
			 htonl(0x22222222));
	mnl_attr_put_u8(nlh, 77, 1); /* unknown: skipped */
	mnl_attr_nest_end(nlh, o);
	mnl_attr_nest_end(nlh, n);
	return nlh->nlmsg_len;
}

/* What a built message says in CTA_PROTOINFO_SCTP. */
struct sctp_seen {
	int state;
	uint32_t vtag[2];
	int n;
};

static int seen_sctp_cb(const struct nlattr *a, void *data)
{
	struct sctp_seen *s = data;

	s->n++;
	if (mnl_attr_get_type(a) == CTA_PROTOINFO_SCTP_STATE)
		s->state = mnl_attr_get_u8(a);
	else
		s->vtag[mnl_attr_get_type(a) ==
			CTA_PROTOINFO_SCTP_VTAG_REPLY] =
		    ntohl(mnl_attr_get_u32(a));
	return MNL_CB_OK;
}

static int seen_pi_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTA_PROTOINFO_SCTP)
		(void)mnl_attr_parse_nested(a, seen_sctp_cb, data);
	return MNL_CB_OK;
}

static int seen_top_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTA_PROTOINFO)
		(void)mnl_attr_parse_nested(a, seen_pi_cb, data);
	return MNL_CB_OK;
}

static void seen_in(const void *msg, struct sctp_seen *s)
{
	memset(s, 0, sizeof(*s));
	s->state = -1;
	(void)mnl_attr_parse(msg, sizeof(struct nfgenmsg), seen_top_cb, s);
}

static void test_sctp_round_trip(void)
{
	struct pfsd_ct_entry e, w;
	struct pfs_state st;
	struct pfs_stx x;
	struct sctp_seen seen;
	size_t n = sctp_msg(SCTP_CONNTRACK_SHUTDOWN_RECD,
			    IPS_SEEN_REPLY | IPS_ASSURED);

	T_EQ(pfsd_ctmap_parse(buf, n, &e), PFSD_CT_UPDATE);
	T_EQ(e.have & PFSD_CT_HAVE_PINFO, PFSD_CT_HAVE_PINFO);
	T_EQ(e.pinfo.state, SCTP_CONNTRACK_SHUTDOWN_RECD);
	T_EQ(e.pinfo.vtag[0], 0x11111111u);
	T_EQ(e.pinfo.vtag[1], 0x22222222u);
	T_EQ(e.skipped, 1);
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_EQ(st.proto, IPPROTO_SCTP);
	T_EQ(st.lan.port, 5000);
	T_EQ(st.ext.port, 6000);
	T_CHECK(!pfsd_ctmap_is_nat(&st));
	T_EQ(st.src.state, PFS_SCTPS_SHUTDOWN);
	T_EQ(st.dst.state, PFS_SCTPS_SHUTDOWN);
	T_EQ(st.timeout, PFS_TM_OTHER_MULTIPLE);
	T_CHECK(pfsd_ctmap_to_stx(&e, &st, &x));
	T_EQ(x.has, PFS_STX_MARK | PFS_STX_PROTO);
	T_EQ(x.proto.kind, PFS_XPROTO_SCTP);
	T_EQ(x.proto.state, SCTP_CONNTRACK_SHUTDOWN_RECD);
	/* back to an entry and a message: the exact state and the tags */
	T_EQ(pfsd_ctmap_from_state_x(&st, &x, NOW, &w), 0);
	T_EQ(w.status & (IPS_SEEN_REPLY | IPS_ASSURED),
	     IPS_SEEN_REPLY | IPS_ASSURED);
	n = pfsd_ctmap_build_new(buf, sizeof(buf), &w, NLM_F_CREATE, false, 1);
	T_CHECK(n > 0);
	seen_in(buf, &seen);
	T_EQ(seen.n, 3); /* the kernel wants all three */
	T_EQ(seen.state, SCTP_CONNTRACK_SHUTDOWN_RECD);
	T_EQ(seen.vtag[0], 0x11111111u);
	T_EQ(seen.vtag[1], 0x22222222u);
	/* without the info (a BSD peer's state): read from the levels */
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &w), 0);
	n = pfsd_ctmap_build_new(buf, sizeof(buf), &w, NLM_F_CREATE, false, 1);
	seen_in(buf, &seen);
	T_EQ(seen.n, 3);
	T_EQ(seen.state, SCTP_CONNTRACK_SHUTDOWN_RECD);
	T_EQ(seen.vtag[0], 0);
}

/* The kernel's first state for an INIT is CLOSED, unreplied: that is
 * the opening (an unreplied entry stays so on the peer). */
static void test_sctp_first_init(void)
{
	struct pfsd_ct_entry e, w;
	struct pfs_state st;
	size_t n = sctp_msg(SCTP_CONNTRACK_CLOSED, 0);

	T_EQ(pfsd_ctmap_parse(buf, n, &e), PFSD_CT_UPDATE);
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_EQ(st.src.state, PFS_SCTPS_COOKIE_WAIT);
	T_EQ(st.dst.state, PFS_SCTPS_CLOSED);
	T_EQ(st.timeout, PFS_TM_OTHER_FIRST_PACKET);
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &w), 0);
	T_EQ(w.status & IPS_SEEN_REPLY, 0);
	/* replied, CLOSED is the end */
	n = sctp_msg(SCTP_CONNTRACK_CLOSED, IPS_SEEN_REPLY);
	T_EQ(pfsd_ctmap_parse(buf, n, &e), PFSD_CT_UPDATE);
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_EQ(st.src.state, PFS_SCTPS_DONE);
}

static void gre_entry(struct pfsd_ct_entry *e, uint16_t rs, uint16_t rd)
{
	memset(e, 0, sizeof(*e));
	e->af = AF_INET;
	e->orig.ok = e->reply.ok = 1;
	e->orig.proto = e->reply.proto = IPPROTO_GRE;
	e->orig.src.a[0] = e->reply.dst.a[0] = 10;
	e->orig.src.a[3] = e->reply.dst.a[3] = 1;
	e->orig.dst.a[0] = e->reply.src.a[0] = 10;
	e->orig.dst.a[3] = e->reply.src.a[3] = 2;
	e->orig.sport = 11;
	e->orig.dport = 22;
	e->reply.sport = rs;
	e->reply.dport = rd;
	e->status = IPS_SEEN_REPLY;
	e->timeout = 100;
	e->have = PFSD_CT_HAVE_REPLY | PFSD_CT_HAVE_STATUS;
}

/* GRE: the original keys are the key's ports; PPTP-like reply keys (not
 * the swap) are no NAT and travel as protocol info. */
static void test_gre_keys(void)
{
	struct pfsd_ct_entry e, w;
	struct pfs_state st;
	struct pfs_stx x;

	gre_entry(&e, 22, 11); /* the swap: nothing to carry */
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_EQ(st.lan.port, 11);
	T_EQ(st.ext.port, 22);
	T_CHECK(!pfsd_ctmap_is_nat(&st));
	T_EQ(st.src.state, PFS_UDPS_MULTIPLE);
	T_EQ(st.dst.state, PFS_UDPS_SINGLE);
	T_EQ(st.timeout, PFS_TM_OTHER_SINGLE);
	T_CHECK(!pfsd_ctmap_to_stx(&e, &st, &x));
	gre_entry(&e, 33, 44);
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_EQ(st.direction, PFS_DIR_OUT);
	T_CHECK(!pfsd_ctmap_is_nat(&st));
	T_EQ(st.gwy.port, 11);
	T_CHECK(pfsd_ctmap_to_stx(&e, &st, &x));
	T_EQ(x.proto.kind, PFS_XPROTO_GRE);
	T_EQ(x.proto.key[0], 33);
	T_EQ(x.proto.key[1], 44);
	T_EQ(pfsd_ctmap_from_state_x(&st, &x, NOW, &w), 0);
	T_EQ(w.orig.sport, 11);
	T_EQ(w.orig.dport, 22);
	T_EQ(w.reply.sport, 33);
	T_EQ(w.reply.dport, 44);
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &w), 0);
	T_EQ(w.reply.sport, 22); /* without: the swap */
	T_EQ(w.reply.dport, 11);
}

/* Protocol 253: addresses and protocol; no ports in its tuple, none in
 * the message built. */
static int has_port_cb(const struct nlattr *a, void *data)
{
	int *n = data;

	if (mnl_attr_get_type(a) == CTA_PROTO_SRC_PORT ||
	    mnl_attr_get_type(a) == CTA_PROTO_DST_PORT)
		(*n)++;
	return MNL_CB_OK;
}

static int tuple_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTA_TUPLE_PROTO)
		(void)mnl_attr_parse_nested(a, has_port_cb, data);
	return MNL_CB_OK;
}

static int top_tuple_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTA_TUPLE_ORIG ||
	    mnl_attr_get_type(a) == CTA_TUPLE_REPLY)
		(void)mnl_attr_parse_nested(a, tuple_cb, data);
	return MNL_CB_OK;
}

static void test_generic(void)
{
	struct pfsd_ct_entry e, w;
	struct pfs_state st;
	struct pfs_stx x;
	int ports = 0;
	size_t n;

	gre_entry(&e, 5, 6);
	e.orig.proto = e.reply.proto = 253;
	e.status = IPS_SEEN_REPLY | IPS_ASSURED;
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_EQ(st.proto, 253);
	T_EQ(st.lan.port, 0);
	T_EQ(st.ext.port, 0);
	T_EQ(st.gwy.port, 0);
	T_EQ(st.src.state, PFS_UDPS_MULTIPLE);
	T_EQ(st.dst.state, PFS_UDPS_MULTIPLE);
	T_EQ(st.timeout, PFS_TM_OTHER_MULTIPLE);
	T_CHECK(!pfsd_ctmap_to_stx(&e, &st, &x));
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &w), 0);
	T_EQ(w.status & IPS_ASSURED, IPS_ASSURED);
	n = pfsd_ctmap_build_new(buf, sizeof(buf), &w, NLM_F_CREATE, false, 1);
	T_CHECK(n > 0);
	(void)mnl_attr_parse((struct nlmsghdr *)buf, sizeof(struct nfgenmsg),
			     top_tuple_cb, &ports);
	T_EQ(ports, 0);
	/* pfsync's own protocol stays out */
	e.orig.proto = 240;
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), -1);
}

/* DCCP: state and role in and out (this kernel has no DCCP tracking, so
 * only here). */
static void test_dccp(void)
{
	struct pfsd_ct_entry e, w;
	struct pfs_state st;
	struct pfs_stx x;
	struct nlmsghdr *nlh;
	struct nlattr *pi, *n;

	gre_entry(&e, 6000, 5000);
	e.orig.proto = e.reply.proto = IPPROTO_DCCP;
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	pi = mnl_attr_nest_start(nlh, CTA_PROTOINFO_DCCP);
	mnl_attr_put_u8(nlh, CTA_PROTOINFO_DCCP_STATE, 4);
	mnl_attr_put_u8(nlh, CTA_PROTOINFO_DCCP_ROLE, 1);
	mnl_attr_put_u64(nlh, CTA_PROTOINFO_DCCP_HANDSHAKE_SEQ, 0);
	mnl_attr_nest_end(nlh, pi);
	n = mnl_nlmsg_get_payload(nlh);
	T_EQ(pfsd_ctproto_parse(n, &e), 0);
	T_EQ(e.skipped, 0);
	T_EQ(e.pinfo.state, 4);
	T_EQ(e.pinfo.role, 1);
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_CHECK(pfsd_ctmap_to_stx(&e, &st, &x));
	T_EQ(x.proto.kind, PFS_XPROTO_DCCP);
	T_EQ(pfsd_ctmap_from_state_x(&st, &x, NOW, &w), 0);
	T_EQ(w.pinfo.state, 4);
	T_EQ(w.pinfo.role, 1);
	T_EQ(w.have & PFSD_CT_HAVE_PINFO, PFSD_CT_HAVE_PINFO);
}

/* An SCTP event without protoinfo (a mark change): the mirror's levels
 * and info stay, not "none". */
static void test_keep_unsent(void)
{
	struct pfsd_ct_entry e;
	struct pfs_state m, st;
	struct pfs_stx old, x;

	memset(&e, 0, sizeof(e));
	e.orig.proto = IPPROTO_SCTP;
	memset(&m, 0, sizeof(m));
	m.proto = IPPROTO_SCTP;
	m.src.state = m.dst.state = PFS_SCTPS_ESTABLISHED;
	m.timeout = PFS_TM_OTHER_MULTIPLE;
	st = m;
	st.src.state = PFS_SCTPS_COOKIE_WAIT;
	st.dst.state = PFS_SCTPS_CLOSED;
	memset(&old, 0, sizeof(old));
	old.has = PFS_STX_PROTO;
	old.proto.kind = PFS_XPROTO_SCTP;
	old.proto.state = SCTP_CONNTRACK_ESTABLISHED;
	old.proto.vtag[0] = 9;
	memset(&x, 0, sizeof(x));
	pfsd_ctproto_keep_unsent(&e, &m, &old, &st, &x);
	T_EQ(st.src.state, PFS_SCTPS_ESTABLISHED);
	T_EQ(x.has, PFS_STX_PROTO);
	T_EQ(x.proto.vtag[0], 9);
	/* with protoinfo, the event's own */
	e.have = PFSD_CT_HAVE_PINFO;
	st.src.state = PFS_SCTPS_SHUTDOWN;
	memset(&x, 0, sizeof(x));
	pfsd_ctproto_keep_unsent(&e, &m, &old, &st, &x);
	T_EQ(st.src.state, PFS_SCTPS_SHUTDOWN);
	T_EQ(x.has, 0);
}

int main(void)
{
	T_RUN(test_sctp_table);
	T_RUN(test_sctp_monotonic);
	T_RUN(test_sctp_round_trip);
	T_RUN(test_sctp_first_init);
	T_RUN(test_gre_keys);
	T_RUN(test_generic);
	T_RUN(test_dccp);
	T_RUN(test_keep_unsent);
	return t_done();
}
