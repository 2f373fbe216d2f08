/*
 * test_ctmap.c - conntrack entry <-> pfs_state mapping and the ctnetlink
 * messages: the TCP table both ways, messages built here walked attribute
 * by attribute with libmnl, and hand-built kernel messages with unknown
 * and malformed attributes (skipped, never fatal).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"

#include "backend/ctmap.h"
#include "t.h"
#include "t_state.h"

#define NOW 1000u

static uint8_t buf[PFSD_CTMAP_MSG_MAX];

static void tcp_state(struct pfs_state *st)
{
	memset(st, 0, sizeof(*st));
	st->af = AF_INET;
	st->proto = IPPROTO_TCP;
	st->direction = PFS_DIR_OUT;
	t_host4(&st->lan, 10, 1, 0, 10, 40000);
	st->gwy = st->lan;
	t_host4(&st->ext, 10, 2, 0, 20, 80);
	st->src.state = st->dst.state = PFS_TCPS_ESTABLISHED;
	st->src.wscale = PFS_WSCALE_FLAG | 7;
	st->dst.wscale = PFS_WSCALE_FLAG | 10;
	st->expire = NOW + 600;
	st->timeout = PFS_TM_TCP_ESTABLISHED;
}

static void test_tcp_table_round_trip(void)
{
	uint8_t ct, s, d;

	for (ct = TCP_CONNTRACK_SYN_SENT; ct <= TCP_CONNTRACK_CLOSE; ct++) {
		pfsd_ctmap_tcp_to_pf(ct, &s, &d);
		T_EQ(pfsd_ctmap_tcp_from_pf(s, d), ct);
		/* pf's merge rule reads the pair; the order is symmetric */
		T_EQ(pfsd_ctmap_tcp_from_pf(d, s), ct);
	}
	pfsd_ctmap_tcp_to_pf(TCP_CONNTRACK_ESTABLISHED, &s, &d);
	T_EQ(s, PFS_TCPS_ESTABLISHED);
	T_EQ(d, PFS_TCPS_ESTABLISHED);
	pfsd_ctmap_tcp_to_pf(TCP_CONNTRACK_SYN_SENT, &s, &d);
	T_EQ(s, PFS_TCPS_SYN_SENT);
	T_EQ(d, PFS_TCPS_CLOSED);
	pfsd_ctmap_tcp_to_pf(200, &s, &d); /* out of range: like NONE */
	T_EQ(s, PFS_TCPS_SYN_SENT);
	T_EQ(pfsd_ctmap_tcp_from_pf(PFS_TCPS_PROXY_SRC, PFS_TCPS_CLOSED),
	     TCP_CONNTRACK_SYN_SENT);
	T_EQ(pfsd_ctmap_tcp_from_pf(PFS_TCPS_CLOSED, PFS_TCPS_CLOSED),
	     TCP_CONNTRACK_SYN_SENT);
}

/* Each kernel state maps forward: pf peer states never go back. */
static void test_tcp_table_monotonic(void)
{
	uint8_t ct, s0, d0, s1, d1;

	for (ct = TCP_CONNTRACK_SYN_SENT; ct < TCP_CONNTRACK_CLOSE; ct++) {
		pfsd_ctmap_tcp_to_pf(ct, &s0, &d0);
		pfsd_ctmap_tcp_to_pf((uint8_t)(ct + 1), &s1, &d1);
		T_CHECK(s1 >= s0 && d1 >= d0);
	}
}

/* Walk state: one attribute type's payload, found at depth 0 or nested. */
struct find {
	int type;
	const struct nlattr *hit;
};

static int find_cb(const struct nlattr *a, void *data)
{
	struct find *f = data;

	if (mnl_attr_get_type(a) == f->type)
		f->hit = a;
	return MNL_CB_OK;
}

static const struct nlattr *find_top(const struct nlmsghdr *nlh, int type)
{
	struct find f = { type, NULL };

	mnl_attr_parse(nlh, sizeof(struct nfgenmsg), find_cb, &f);
	return f.hit;
}

static const struct nlattr *find_in(const struct nlattr *nest, int type)
{
	struct find f = { type, NULL };

	if (nest != NULL)
		mnl_attr_parse_nested(nest, find_cb, &f);
	return f.hit;
}

static void test_build_new_bytes(void)
{
	static const uint8_t src[4] = { 10, 1, 0, 10 }, dst[4] = { 10, 2, 0,
								   20 };
	const struct nlattr *o, *ip, *pr, *a, *tcp;
	const struct nf_ct_tcp_flags *fl;
	const struct nfgenmsg *nfg;
	const struct nlmsghdr *nlh = (const void *)buf;
	struct pfsd_ct_entry e;
	struct pfs_state st;
	size_t n;

	tcp_state(&st);
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &e), 0);
	n = pfsd_ctmap_build_new(buf, sizeof(buf), &e,
				 NLM_F_CREATE | NLM_F_EXCL, false, 7);
	T_CHECK(n > 0 && n == nlh->nlmsg_len);
	T_EQ(nlh->nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW);
	/* no NLM_F_ACK: the writer batches and reads errors only */
	T_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	T_EQ(nlh->nlmsg_seq, 7);
	nfg = mnl_nlmsg_get_payload(nlh);
	T_EQ(nfg->nfgen_family, AF_INET);
	T_EQ(nfg->version, NFNETLINK_V0);
	o = find_top(nlh, CTA_TUPLE_ORIG);
	ip = find_in(o, CTA_TUPLE_IP);
	a = find_in(ip, CTA_IP_V4_SRC);
	T_CHECK(a != NULL && mnl_attr_get_payload_len(a) == 4);
	if (a != NULL)
		T_MEMEQ(mnl_attr_get_payload(a), src, 4);
	a = find_in(ip, CTA_IP_V4_DST);
	T_CHECK(a != NULL);
	if (a != NULL)
		T_MEMEQ(mnl_attr_get_payload(a), dst, 4);
	pr = find_in(o, CTA_TUPLE_PROTO);
	a = find_in(pr, CTA_PROTO_NUM);
	T_CHECK(a != NULL && mnl_attr_get_u8(a) == IPPROTO_TCP);
	a = find_in(pr, CTA_PROTO_SRC_PORT);
	T_CHECK(a != NULL && ntohs(mnl_attr_get_u16(a)) == 40000);
	/* reply tuple: ext -> gwy */
	ip = find_in(find_top(nlh, CTA_TUPLE_REPLY), CTA_TUPLE_IP);
	a = find_in(ip, CTA_IP_V4_SRC);
	T_CHECK(a != NULL);
	if (a != NULL)
		T_MEMEQ(mnl_attr_get_payload(a), dst, 4);
	a = find_top(nlh, CTA_STATUS);
	T_CHECK(a != NULL && ntohl(mnl_attr_get_u32(a)) ==
		(IPS_SEEN_REPLY | IPS_ASSURED | IPS_CONFIRMED));
	a = find_top(nlh, CTA_TIMEOUT);
	T_CHECK(a != NULL && ntohl(mnl_attr_get_u32(a)) == 600);
	tcp = find_in(find_top(nlh, CTA_PROTOINFO), CTA_PROTOINFO_TCP);
	a = find_in(tcp, CTA_PROTOINFO_TCP_STATE);
	T_CHECK(a != NULL && mnl_attr_get_u8(a) == TCP_CONNTRACK_ESTABLISHED);
	a = find_in(tcp, CTA_PROTOINFO_TCP_WSCALE_ORIGINAL);
	T_CHECK(a != NULL && mnl_attr_get_u8(a) == 7);
	a = find_in(tcp, CTA_PROTOINFO_TCP_WSCALE_REPLY);
	T_CHECK(a != NULL && mnl_attr_get_u8(a) == 10);
	a = find_in(tcp, CTA_PROTOINFO_TCP_FLAGS_ORIGINAL);
	T_CHECK(a != NULL && mnl_attr_get_payload_len(a) == sizeof(*fl));
	if (a != NULL) {
		fl = mnl_attr_get_payload(a);
		T_EQ(fl->flags, IP_CT_TCP_FLAG_BE_LIBERAL |
				IP_CT_TCP_FLAG_WINDOW_SCALE);
		T_EQ(fl->mask, fl->flags);
	}
	T_CHECK(find_top(nlh, CTA_NAT_SRC) == NULL);
}

/* One side without window scaling: no wscale, liberal only. */
static void test_build_new_no_wscale(void)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct nlattr *tcp, *a;
	struct pfsd_ct_entry e;
	struct pfs_state st;

	tcp_state(&st);
	st.dst.wscale = 0;
	st.expire = NOW - 5; /* expired: the kernel still gets 1 s */
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &e), 0);
	T_CHECK(pfsd_ctmap_build_new(buf, sizeof(buf), &e, 0, false, 1) > 0);
	tcp = find_in(find_top(nlh, CTA_PROTOINFO), CTA_PROTOINFO_TCP);
	T_CHECK(find_in(tcp, CTA_PROTOINFO_TCP_WSCALE_ORIGINAL) == NULL);
	a = find_in(tcp, CTA_PROTOINFO_TCP_FLAGS_REPLY);
	T_CHECK(a != NULL &&
		((const struct nf_ct_tcp_flags *)mnl_attr_get_payload(a))
				->flags == IP_CT_TCP_FLAG_BE_LIBERAL);
	a = find_top(nlh, CTA_TIMEOUT);
	T_CHECK(a != NULL && ntohl(mnl_attr_get_u32(a)) == 1);
	T_EQ(nlh->nlmsg_flags, NLM_F_REQUEST);
	T_EQ(pfsd_ctmap_build_new(buf, 100, &e, 0, false, 1), 0);
}

/* state -> message -> entry -> state keeps what conntrack can hold. */
static void test_round_trip_tcp(void)
{
	struct pfsd_ct_entry e, back;
	struct pfs_state st, st2;
	size_t n;

	tcp_state(&st);
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &e), 0);
	n = pfsd_ctmap_build_new(buf, sizeof(buf), &e, NLM_F_CREATE, false,
				 1);
	/* a kernel event is the same layout with CREATE|EXCL: NEW */
	((struct nlmsghdr *)(void *)buf)->nlmsg_flags |= NLM_F_EXCL;
	T_EQ(pfsd_ctmap_parse(buf, n, &back), PFSD_CT_NEW);
	T_EQ(back.skipped, 0);
	T_EQ(pfsd_ctmap_to_state(&back, NOW, &st2), 0);
	T_EQ(st2.af, AF_INET);
	T_EQ(st2.proto, IPPROTO_TCP);
	T_EQ(st2.direction, PFS_DIR_OUT);
	T_MEMEQ(&st2.lan, &st.lan, sizeof(st.lan));
	T_MEMEQ(&st2.gwy, &st.gwy, sizeof(st.gwy));
	T_MEMEQ(&st2.ext, &st.ext, sizeof(st.ext));
	T_EQ(st2.src.state, PFS_TCPS_ESTABLISHED);
	T_EQ(st2.dst.state, PFS_TCPS_ESTABLISHED);
	T_EQ(st2.src.wscale, st.src.wscale);
	T_EQ(st2.dst.wscale, st.dst.wscale);
	T_EQ(st2.expire, NOW + 600);
	T_EQ(st2.timeout, PFS_TM_TCP_ESTABLISHED);
	T_EQ(back.status, IPS_SEEN_REPLY | IPS_ASSURED | IPS_CONFIRMED);
}

static void test_round_trip_v6_udp_nat(void)
{
	struct pfsd_ct_entry e, back;
	struct pfs_state st, st2;
	size_t n;

	memset(&st, 0, sizeof(st));
	st.af = AF_INET6;
	st.proto = IPPROTO_UDP;
	st.direction = PFS_DIR_OUT;
	st.lan.addr.a[0] = 0xfd;
	st.lan.addr.a[15] = 1;
	st.lan.port = 5353;
	st.gwy.addr.a[0] = 0x20;
	st.gwy.addr.a[15] = 9;
	st.gwy.port = 6000;
	st.ext.addr.a[0] = 0x20;
	st.ext.addr.a[15] = 2;
	st.ext.port = 53;
	st.src.state = st.dst.state = PFS_UDPS_MULTIPLE;
	st.expire = NOW + 30;
	T_CHECK(pfsd_ctmap_is_nat(&st));
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &e), 0);
	n = pfsd_ctmap_build_new(buf, sizeof(buf), &e, NLM_F_CREATE, true, 2);
	T_CHECK(n > 0);
	T_CHECK(find_top((const void *)buf, CTA_NAT_SRC) != NULL);
	/* the create's reply tuple is untranslated (the kernel translates
	 * it); an update carries the translated one, as the kernel's own
	 * messages do */
	n = pfsd_ctmap_build_new(buf, sizeof(buf), &e, NLM_F_CREATE, false,
				 2);
	T_EQ(pfsd_ctmap_parse(buf, n, &back), PFSD_CT_NEW);
	T_EQ(back.af, AF_INET6);
	T_EQ(back.skipped, 0);
	T_EQ(pfsd_ctmap_to_state(&back, NOW, &st2), 0);
	T_MEMEQ(&st2.lan, &st.lan, sizeof(st.lan));
	T_MEMEQ(&st2.gwy, &st.gwy, sizeof(st.gwy));
	T_MEMEQ(&st2.ext, &st.ext, sizeof(st.ext));
	T_EQ(st2.src.state, PFS_UDPS_MULTIPLE);
	T_EQ(st2.dst.state, PFS_UDPS_MULTIPLE);
	T_EQ(st2.timeout, PFS_TM_UDP_MULTIPLE);
	T_EQ(st2.expire, NOW + 30);
	T_EQ(back.status, IPS_SEEN_REPLY | IPS_ASSURED | IPS_CONFIRMED);
}

/* A peer's IN state: orig (ext -> gwy), reply (lan -> ext). */
static void test_in_direction(void)
{
	struct pfsd_ct_entry e;
	struct pfs_state st;

	tcp_state(&st);
	st.direction = PFS_DIR_IN;
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &e), 0);
	T_MEMEQ(&e.orig.src, &st.ext.addr, sizeof(st.ext.addr));
	T_EQ(e.orig.sport, st.ext.port);
	T_MEMEQ(&e.orig.dst, &st.gwy.addr, sizeof(st.gwy.addr));
	T_MEMEQ(&e.reply.src, &st.lan.addr, sizeof(st.lan.addr));
	T_EQ(e.reply.dport, st.ext.port);
}

static void test_udp_icmp_levels(void)
{
	struct pfsd_ct_entry e;
	struct pfs_state st;

	memset(&e, 0, sizeof(e));
	e.af = AF_INET;
	e.orig.ok = 1;
	e.orig.proto = IPPROTO_UDP;
	e.orig.src.a[0] = 10;
	e.orig.dst.a[0] = 10;
	e.timeout = 30;
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_EQ(st.src.state, PFS_UDPS_SINGLE);
	T_EQ(st.dst.state, PFS_UDPS_NO_TRAFFIC);
	T_EQ(st.timeout, PFS_TM_UDP_FIRST_PACKET); /* pf's class for it */
	T_EQ(memcmp(&st.gwy, &st.lan, sizeof(st.gwy)), 0); /* no reply */
	e.status = IPS_SEEN_REPLY;
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_EQ(st.src.state, PFS_UDPS_MULTIPLE);
	T_EQ(st.dst.state, PFS_UDPS_SINGLE);
	T_EQ(st.timeout, PFS_TM_UDP_SINGLE);
	e.status = IPS_SEEN_REPLY | IPS_ASSURED;
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_EQ(st.dst.state, PFS_UDPS_MULTIPLE);
	T_EQ(st.timeout, PFS_TM_UDP_MULTIPLE);
	e.status = IPS_SEEN_REPLY;
	e.orig.proto = IPPROTO_ICMP;
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_EQ(st.timeout, PFS_TM_ICMP_ERROR_REPLY);
	/* ICMP injected as echo request / echo reply with the id */
	st.lan.port = st.ext.port = st.gwy.port = 77;
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &e), 0);
	T_EQ(e.orig.icmp_type, 8);
	T_EQ(e.reply.icmp_type, 0);
	T_EQ(e.orig.sport, 77);
}

static void test_not_synced(void)
{
	struct pfsd_ct_entry e;
	struct pfs_state st;

	memset(&e, 0, sizeof(e));
	e.af = AF_INET;
	e.orig.ok = 1;
	e.orig.proto = 240;
	e.orig.src.a[0] = 10;
	e.orig.dst.a[0] = 10;
	errno = 0;
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), -1);
	T_EQ(errno, EPROTONOSUPPORT);
	e.orig.proto = IPPROTO_TCP;
	e.orig.dst.a[0] = 127;
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), -1);
	T_EQ(errno, EADDRNOTAVAIL);
	memset(&e.orig.src, 0, sizeof(e.orig.src));
	memset(&e.orig.dst, 0, sizeof(e.orig.dst));
	e.af = AF_INET6;
	e.orig.src.a[15] = 1; /* ::1 */
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), -1);
	T_EQ(errno, EADDRNOTAVAIL);
	e.orig.ok = 0;
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), -1);
	T_EQ(errno, EINVAL);
	tcp_state(&st);
	st.proto = 240;
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &e), -1);
	T_EQ(errno, EPROTONOSUPPORT);
	st.proto = IPPROTO_TCP;
	st.af = 99;
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &e), -1);
	T_EQ(errno, EAFNOSUPPORT);
}

/* A kernel-like DESTROY event, built by hand with oddities. */
static size_t kernel_msg(uint8_t type, uint16_t flags, bool with_orig)
{
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	struct nlattr *o, *n;
	uint8_t addr[4] = { 192, 0, 2, 1 }, addr2[4] = { 198, 51, 100, 7 };

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | type;
	nlh->nlmsg_flags = flags;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	mnl_attr_put_u32(nlh, 99, 0xdeadbeef);	     /* unknown */
	mnl_attr_put_u16(nlh, CTA_STATUS, 0x1234);    /* short: skipped */
	if (with_orig) {
		o = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
		n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
		mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, addr);
		mnl_attr_put(nlh, CTA_IP_V4_DST, 4, addr2);
		mnl_attr_put_u8(nlh, 42, 1); /* unknown in the nest */
		mnl_attr_nest_end(nlh, n);
		n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
		mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_TCP);
		mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(1234));
		mnl_attr_put_u32(nlh, CTA_PROTO_DST_PORT, 5); /* bad length */
		mnl_attr_nest_end(nlh, n);
		mnl_attr_nest_end(nlh, o);
	}
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(42));
	mnl_attr_put_u32(nlh, CTA_ID, htonl(0x01020304));
	n = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
	o = mnl_attr_nest_start(nlh, CTA_PROTOINFO_TCP);
	mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_STATE, TCP_CONNTRACK_TIME_WAIT);
	mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_FLAGS_ORIGINAL, 3); /* short */
	mnl_attr_nest_end(nlh, o);
	mnl_attr_nest_end(nlh, n);
	return nlh->nlmsg_len;
}

static void test_parse_kernel_oddities(void)
{
	struct pfsd_ct_entry e;
	struct pfs_state st;
	size_t n = kernel_msg(IPCTNL_MSG_CT_DELETE, 0, true);

	T_EQ(pfsd_ctmap_parse(buf, n, &e), PFSD_CT_DESTROY);
	T_EQ(e.skipped, 5);
	T_EQ(e.orig.sport, 1234);
	T_EQ(e.orig.dport, 0);
	T_EQ(e.timeout, 42);
	T_EQ(e.id, 0x01020304);
	T_CHECK(!(e.have & PFSD_CT_HAVE_STATUS));
	T_EQ(e.tcp_state, TCP_CONNTRACK_TIME_WAIT);
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_EQ(st.lan.addr.a[0], 192);
	T_EQ(st.ext.addr.a[3], 7);
	T_EQ(st.timeout, PFS_TM_TCP_CLOSED);
	/* a truncated tail attribute stops the walk, not the parse */
	((struct nlmsghdr *)(void *)buf)->nlmsg_len = (uint32_t)(n - 2);
	T_EQ(pfsd_ctmap_parse(buf, n - 2, &e), PFSD_CT_DESTROY);
	/* update event: CT_NEW without CREATE|EXCL */
	n = kernel_msg(IPCTNL_MSG_CT_NEW, 0, true);
	T_EQ(pfsd_ctmap_parse(buf, n, &e), PFSD_CT_UPDATE);
}

static int null_output(void *ctx, const uint8_t *local, size_t llen,
		       const uint8_t *wire, size_t wlen, uint32_t dst)
{
	(void)ctx;
	(void)local;
	(void)llen;
	(void)wire;
	(void)wlen;
	(void)dst;
	return 0;
}

/* The id of a local entry: CTA_ID, never in the counter ids' range. */
static void test_state_id(void)
{
	static const struct pfs_engine_ops ops = { .output = null_output };
	struct pfs_engine_conf conf;
	struct pfs_engine *eng;
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfsd_ct_entry e;
	size_t n = kernel_msg(IPCTNL_MSG_CT_NEW, 0, true);
	uint64_t id;

	T_EQ(pfsd_ctmap_parse(buf, n, &e), PFSD_CT_UPDATE);
	T_EQ(pfsd_ctmap_state_id(&e), 0x01020304);
	/* the same entry read again (another life of the daemon): same id */
	T_EQ(pfsd_ctmap_parse(buf, n, &e), PFSD_CT_UPDATE);
	T_EQ(pfsd_ctmap_state_id(&e), 0x01020304);
	e.id = 0xffffffffu;
	T_EQ(pfsd_ctmap_state_id(&e), 0xffffffffu);
	e.id = 0; /* not an id: the caller takes a counter id */
	T_EQ(pfsd_ctmap_state_id(&e), 0);
	e.id = 7;
	e.have &= ~(unsigned)PFSD_CT_HAVE_ID;
	T_EQ(pfsd_ctmap_state_id(&e), 0);
	/* counter ids start at (second << 32), second >= 1: above 2^32 - 1 */
	pfs_engine_conf_default(&conf);
	conf.hostid = 1;
	eng = pfs_engine_new(&conf, t, &ops, NULL, 1000);
	T_CHECK(eng != NULL);
	if (eng != NULL) {
		id = pfs_engine_new_id(eng);
		T_CHECK(id > 0xffffffffu);
		T_CHECK(pfs_engine_new_id(eng) > id);
	}
	pfs_engine_free(eng);
	pfs_table_free(t);
}

static void test_parse_rejects(void)
{
	struct pfsd_ct_entry e;
	size_t n = kernel_msg(IPCTNL_MSG_CT_NEW, 0, false);

	errno = 0;
	T_EQ(pfsd_ctmap_parse(buf, n, &e), -1); /* no original tuple */
	T_EQ(errno, EINVAL);
	n = kernel_msg(IPCTNL_MSG_CT_GET_STATS, 0, true);
	T_EQ(pfsd_ctmap_parse(buf, n, &e), -1);
	n = kernel_msg(IPCTNL_MSG_CT_NEW, 0, true);
	((struct nlmsghdr *)(void *)buf)->nlmsg_type =
		(NFNL_SUBSYS_CTNETLINK_EXP << 8) | IPCTNL_MSG_CT_NEW;
	T_EQ(pfsd_ctmap_parse(buf, n, &e), -1);
	n = kernel_msg(IPCTNL_MSG_CT_NEW, 0, true);
	T_EQ(pfsd_ctmap_parse(buf, 10, &e), -1);  /* shorter than a header */
	T_EQ(pfsd_ctmap_parse(buf, n - 8, &e), -1); /* nlmsg_len > len */
	((struct nlmsghdr *)(void *)buf)->nlmsg_len = 18; /* no nfgenmsg */
	T_EQ(pfsd_ctmap_parse(buf, n, &e), -1);
}

/* Regression (fuzz_ctmap): nlmsg_len >= 0x80000000 passed libmnl's
 * signed length check and the attribute walk read past the message. */
static void test_parse_huge_nlmsg_len(void)
{
	struct pfsd_ct_entry e;
	size_t n = kernel_msg(IPCTNL_MSG_CT_NEW, 0, true);
	uint8_t *exact = malloc(n);

	T_CHECK(exact != NULL);
	if (exact == NULL)
		return;
	memcpy(exact, buf, n);
	((struct nlmsghdr *)(void *)exact)->nlmsg_len = 0x80000000u;
	errno = 0;
	T_EQ(pfsd_ctmap_parse(exact, n, &e), -1);
	T_EQ(errno, EINVAL);
	((struct nlmsghdr *)(void *)exact)->nlmsg_len = 0xffffffffu;
	T_EQ(pfsd_ctmap_parse(exact, n, &e), -1);
	free(exact);
}

static void test_build_delete_dump(void)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct nfgenmsg *nfg;
	struct pfsd_ct_entry e;
	struct pfs_state st;

	tcp_state(&st);
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &e), 0);
	T_CHECK(pfsd_ctmap_build_delete(buf, sizeof(buf), &e, 0, 3) > 0);
	T_EQ(nlh->nlmsg_type,
	     (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE);
	T_EQ(nlh->nlmsg_flags, NLM_F_REQUEST);
	T_CHECK(pfsd_ctmap_build_delete(buf, sizeof(buf), &e, NLM_F_ACK, 3) >
		0);
	T_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
	T_CHECK(find_top(nlh, CTA_TUPLE_ORIG) != NULL);
	T_CHECK(find_top(nlh, CTA_TUPLE_REPLY) == NULL);
	T_CHECK(find_top(nlh, CTA_STATUS) == NULL);
	T_CHECK(pfsd_ctmap_build_get(buf, sizeof(buf), &e, 5) > 0);
	T_EQ(nlh->nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET);
	T_EQ(nlh->nlmsg_flags, NLM_F_REQUEST);
	T_EQ(nlh->nlmsg_seq, 5);
	T_CHECK(find_top(nlh, CTA_TUPLE_ORIG) != NULL);
	T_CHECK(find_top(nlh, CTA_TUPLE_REPLY) == NULL);
	T_CHECK(pfsd_ctmap_build_dump(buf, sizeof(buf), 4) > 0);
	T_EQ(nlh->nlmsg_type, (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_GET);
	T_EQ(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
	nfg = mnl_nlmsg_get_payload(nlh);
	T_EQ(nfg->nfgen_family, AF_UNSPEC);
	T_EQ(nlh->nlmsg_len, MNL_NLMSG_HDRLEN + sizeof(*nfg));
	T_EQ(pfsd_ctmap_build_dump(buf, 16, 4), 0);
}

/* The status bits a peer's entry is written with follow the state: an
 * unreplied entry stays unreplied, a datagram flow is assured only when
 * the source's is. */
static uint32_t status_of(uint8_t proto, uint8_t s, uint8_t d)
{
	struct pfs_state st;

	tcp_state(&st);
	st.proto = proto;
	st.src.state = s;
	st.dst.state = d;
	return pfsd_ctmap_status(&st);
}

static void test_status_from_state(void)
{
	const uint32_t both = IPS_SEEN_REPLY | IPS_ASSURED;
	struct pfsd_ct_entry e;
	struct pfs_state st;

	T_EQ(status_of(IPPROTO_TCP, PFS_TCPS_SYN_SENT, PFS_TCPS_CLOSED), 0);
	T_EQ(status_of(IPPROTO_TCP, PFS_TCPS_SYN_SENT, PFS_TCPS_SYN_SENT),
	     IPS_SEEN_REPLY);
	T_EQ(status_of(IPPROTO_TCP, PFS_TCPS_ESTABLISHED,
		       PFS_TCPS_ESTABLISHED), both);
	T_EQ(status_of(IPPROTO_TCP, PFS_TCPS_TIME_WAIT, PFS_TCPS_TIME_WAIT),
	     both);
	T_EQ(status_of(IPPROTO_UDP, PFS_UDPS_SINGLE, PFS_UDPS_NO_TRAFFIC), 0);
	T_EQ(status_of(IPPROTO_UDP, PFS_UDPS_MULTIPLE, PFS_UDPS_NO_TRAFFIC),
	     0);
	T_EQ(status_of(IPPROTO_UDP, PFS_UDPS_MULTIPLE, PFS_UDPS_SINGLE),
	     IPS_SEEN_REPLY);
	T_EQ(status_of(IPPROTO_UDP, PFS_UDPS_MULTIPLE, PFS_UDPS_MULTIPLE),
	     both);
	T_EQ(status_of(IPPROTO_ICMP, PFS_UDPS_SINGLE, PFS_UDPS_SINGLE),
	     IPS_SEEN_REPLY);
	/* written: CONFIRMED plus those bits */
	tcp_state(&st);
	st.src.state = PFS_TCPS_SYN_SENT;
	st.dst.state = PFS_TCPS_CLOSED;
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &e), 0);
	T_EQ(e.status, IPS_CONFIRMED);
	T_EQ(e.tcp_state, TCP_CONNTRACK_SYN_SENT);
}

/* Every conntrack status a kernel entry can have comes back the same
 * through pf's datagram states. */
static void test_status_round_trip(void)
{
	static const uint32_t sts[] = { 0, IPS_SEEN_REPLY,
					IPS_SEEN_REPLY | IPS_ASSURED };
	static const uint8_t protos[] = { IPPROTO_UDP, IPPROTO_ICMP };
	struct pfsd_ct_entry e, e2;
	struct pfs_state st;
	size_t i, j;

	for (j = 0; j < 2; j++)
		for (i = 0; i < 3; i++) {
			memset(&e, 0, sizeof(e));
			e.af = AF_INET;
			e.orig.ok = 1;
			e.orig.proto = protos[j];
			e.orig.src.a[0] = 10;
			e.orig.dst.a[0] = 11;
			e.status = sts[i];
			T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
			T_EQ(pfsd_ctmap_from_state(&st, NOW, &e2), 0);
			T_EQ(e2.status, IPS_CONFIRMED | sts[i]);
		}
}

/* An update leaves the status alone unless it sets SEEN_REPLY: the
 * kernel refuses (EBUSY) to clear a bit it has. */
static void test_update_status_attr(void)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	struct pfsd_ct_entry e;
	struct pfs_state st;

	tcp_state(&st);
	st.src.state = PFS_TCPS_SYN_SENT;
	st.dst.state = PFS_TCPS_CLOSED;
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &e), 0);
	T_CHECK(pfsd_ctmap_build_new(buf, sizeof(buf), &e, 0, false, 1) > 0);
	T_CHECK(find_top(nlh, CTA_STATUS) == NULL);
	T_CHECK(pfsd_ctmap_build_new(buf, sizeof(buf), &e, NLM_F_CREATE,
				     false, 1) > 0);
	T_CHECK(find_top(nlh, CTA_STATUS) != NULL);
}

/* A kernel entry as `conntrack -L` shows a port forward (nft dnat to
 * 10.0.0.5:8080):
 *   tcp ESTABLISHED src=198.51.100.7 dst=203.0.113.1 sport=40000 dport=80
 *                   src=10.0.0.5 dst=198.51.100.7 sport=8080 dport=40000
 * in ctnetlink's layout, with the attributes the kernel sends. */
static size_t dnat_msg(const uint8_t *rsrc, uint16_t rsport,
		       const uint8_t *rdst, uint16_t rdport)
{
	static const uint8_t cli[4] = { 198, 51, 100, 7 },
			     pub[4] = { 203, 0, 113, 1 };
	struct nlmsghdr *nlh;
	struct nfgenmsg *nfg;
	struct nlattr *o, *n;

	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_NEW;
	nlh->nlmsg_flags = NLM_F_CREATE | NLM_F_EXCL;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	o = mnl_attr_nest_start(nlh, CTA_TUPLE_ORIG);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, cli);
	mnl_attr_put(nlh, CTA_IP_V4_DST, 4, pub);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_TCP);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(40000));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(80));
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, o);
	o = mnl_attr_nest_start(nlh, CTA_TUPLE_REPLY);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, rsrc);
	mnl_attr_put(nlh, CTA_IP_V4_DST, 4, rdst);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_TCP);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(rsport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(rdport));
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, o);
	mnl_attr_put_u32(nlh, CTA_STATUS,
			 htonl(IPS_SEEN_REPLY | IPS_ASSURED | IPS_CONFIRMED |
			       IPS_DST_NAT | IPS_DST_NAT_DONE |
			       IPS_SRC_NAT_DONE));
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(431999));
	o = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
	n = mnl_attr_nest_start(nlh, CTA_PROTOINFO_TCP);
	mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_STATE,
			TCP_CONNTRACK_ESTABLISHED);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, o);
	return nlh->nlmsg_len;
}

static const struct nlattr *nat_ip(const struct nlattr *nat)
{
	return find_in(nat, CTA_NAT_V4_MINIP);
}

/* A port forward is pf's inbound rdr state, and is written back with
 * CTA_NAT_DST to the inside server, so the reply tuple is the same. */
static void test_dnat_is_rdr(void)
{
	static const uint8_t srv[4] = { 10, 0, 0, 5 },
			     cli[4] = { 198, 51, 100, 7 },
			     pub[4] = { 203, 0, 113, 1 };
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct nlattr *nat, *a;
	struct pfsd_ct_entry e, w;
	struct pfs_state st;
	size_t n = dnat_msg(srv, 8080, cli, 40000);

	T_EQ(pfsd_ctmap_parse(buf, n, &e), PFSD_CT_NEW);
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_EQ(st.direction, PFS_DIR_IN);
	T_MEMEQ(st.lan.addr.a, srv, 4);
	T_EQ(st.lan.port, 8080);
	T_MEMEQ(st.gwy.addr.a, pub, 4);
	T_EQ(st.gwy.port, 80);
	T_MEMEQ(st.ext.addr.a, cli, 4);
	T_EQ(st.ext.port, 40000);
	T_CHECK(pfsd_ctmap_is_nat(&st));
	/* back to the kernel: the same two tuples, DNAT to the server */
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &w), 0);
	T_MEMEQ(&w.orig, &e.orig, offsetof(struct pfsd_ct_tuple, icmp_type));
	T_MEMEQ(&w.reply, &e.reply, offsetof(struct pfsd_ct_tuple, icmp_type));
	T_EQ(w.status, IPS_CONFIRMED | IPS_SEEN_REPLY | IPS_ASSURED);
	T_CHECK(pfsd_ctmap_build_new(buf, sizeof(buf), &w,
				     NLM_F_CREATE | NLM_F_EXCL, true, 1) > 0);
	T_CHECK(find_top(nlh, CTA_NAT_SRC) == NULL);
	/* the reply tuple sent is the original inverted: the kernel's NAT
	 * setup translates it and marks the entry DST_NAT (else it would
	 * never rewrite a packet) */
	a = find_in(find_in(find_top(nlh, CTA_TUPLE_REPLY), CTA_TUPLE_IP),
		    CTA_IP_V4_SRC);
	T_CHECK(a != NULL);
	if (a != NULL)
		T_MEMEQ(mnl_attr_get_payload(a), pub, 4);
	a = find_in(find_in(find_top(nlh, CTA_TUPLE_REPLY), CTA_TUPLE_PROTO),
		    CTA_PROTO_SRC_PORT);
	T_CHECK(a != NULL && ntohs(mnl_attr_get_u16(a)) == 80);
	nat = find_top(nlh, CTA_NAT_DST);
	T_CHECK(nat != NULL);
	a = nat_ip(nat);
	T_CHECK(a != NULL);
	if (a != NULL)
		T_MEMEQ(mnl_attr_get_payload(a), srv, 4);
	a = find_in(find_in(nat, CTA_NAT_PROTO), CTA_PROTONAT_PORT_MIN);
	T_CHECK(a != NULL && ntohs(mnl_attr_get_u16(a)) == 8080);
	/* an update carries no NAT (the kernel refuses it there) */
	T_CHECK(pfsd_ctmap_build_new(buf, sizeof(buf), &w, 0, false, 1) > 0);
	T_CHECK(find_top(nlh, CTA_NAT_DST) == NULL);
}

/* Source NAT stays an outbound state written with CTA_NAT_SRC only; an
 * entry with both translations keeps its source half (all v3 holds). */
static void test_snat_and_both(void)
{
	static const uint8_t cli[4] = { 198, 51, 100, 7 },
			     pub[4] = { 203, 0, 113, 1 },
			     masq[4] = { 192, 0, 2, 9 }, srv[4] = { 10, 0, 0, 5 };
	const struct nlmsghdr *nlh = (const void *)buf;
	struct pfsd_ct_entry e, w;
	struct pfs_state st;
	size_t n = dnat_msg(pub, 80, masq, 61000); /* SNAT only */

	T_EQ(pfsd_ctmap_parse(buf, n, &e), PFSD_CT_NEW);
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_EQ(st.direction, PFS_DIR_OUT);
	T_MEMEQ(st.lan.addr.a, cli, 4);
	T_MEMEQ(st.gwy.addr.a, masq, 4);
	T_EQ(st.gwy.port, 61000);
	T_MEMEQ(st.ext.addr.a, pub, 4);
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &w), 0);
	T_CHECK(pfsd_ctmap_build_new(buf, sizeof(buf), &w,
				     NLM_F_CREATE | NLM_F_EXCL, true, 1) > 0);
	T_CHECK(find_top(nlh, CTA_NAT_SRC) != NULL);
	T_CHECK(find_top(nlh, CTA_NAT_DST) == NULL);
	n = dnat_msg(srv, 8080, masq, 61000); /* both */
	T_EQ(pfsd_ctmap_parse(buf, n, &e), PFSD_CT_NEW);
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_EQ(st.direction, PFS_DIR_OUT);
	T_MEMEQ(st.gwy.addr.a, masq, 4);
}

/* Both translations: the source one in v3's gwy, the destination one as
 * the extras' nat2; mark, zone and labels from their attributes; back to
 * the kernel the same two tuples, CTA_NAT_SRC and CTA_NAT_DST, CTA_MARK,
 * CTA_ZONE and CTA_LABELS (and CTA_ZONE on the delete that finds it). */
static void test_both_nats_and_extras(void)
{
	static const uint8_t masq[4] = { 192, 0, 2, 9 },
			     srv[4] = { 10, 0, 0, 5 };
	uint8_t labels[16] = { 0 };
	const struct nlmsghdr *nlh = (const void *)buf;
	const struct nlattr *a, *nat;
	struct pfsd_ct_entry e, w, back;
	struct pfs_state st;
	struct pfs_stx x;
	size_t n = dnat_msg(srv, 8080, masq, 61000);
	struct nlmsghdr *m = (void *)buf;

	labels[0] = 0x01;
	labels[15] = 0x80;
	mnl_attr_put_u32(m, CTA_MARK, htonl(0x2a));
	mnl_attr_put_u16(m, CTA_ZONE, htons(7));
	mnl_attr_put(m, CTA_LABELS, sizeof(labels), labels);
	n = m->nlmsg_len;
	T_EQ(pfsd_ctmap_parse(buf, n, &e), PFSD_CT_NEW);
	T_EQ(e.have & PFSD_CT_HAVE_LABELS, PFSD_CT_HAVE_LABELS);
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_EQ(st.direction, PFS_DIR_OUT);
	T_MEMEQ(st.gwy.addr.a, masq, 4);
	T_CHECK(pfsd_ctmap_to_stx(&e, &st, &x));
	T_EQ(x.has,
	     PFS_STX_MARK | PFS_STX_ZONE | PFS_STX_LABELS | PFS_STX_NAT2);
	T_EQ(x.mark, 0x2a);
	T_EQ(x.zone, 7);
	T_MEMEQ(x.labels, labels, 16);
	T_MEMEQ(x.nat2.addr.a, srv, 4);
	T_EQ(x.nat2.port, 8080);
	/* without the extras, the source half only (what a BSD peer has) */
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &w), 0);
	T_CHECK(memcmp(&w.reply.src, &e.reply.src, 4) != 0);
	/* with them, the entry as it was */
	T_EQ(pfsd_ctmap_from_state_x(&st, &x, NOW, &w), 0);
	T_MEMEQ(&w.orig, &e.orig, offsetof(struct pfsd_ct_tuple, icmp_type));
	T_MEMEQ(&w.reply, &e.reply, offsetof(struct pfsd_ct_tuple, icmp_type));
	T_CHECK(pfsd_ctmap_build_new(buf, sizeof(buf), &w,
				     NLM_F_CREATE | NLM_F_EXCL, true, 1) > 0);
	nat = find_top(nlh, CTA_NAT_SRC);
	T_CHECK(nat != NULL && (a = nat_ip(nat)) != NULL &&
		memcmp(mnl_attr_get_payload(a), masq, 4) == 0);
	nat = find_top(nlh, CTA_NAT_DST);
	T_CHECK(nat != NULL && (a = nat_ip(nat)) != NULL &&
		memcmp(mnl_attr_get_payload(a), srv, 4) == 0);
	T_EQ(pfsd_ctmap_parse(buf, nlh->nlmsg_len, &back), PFSD_CT_NEW);
	T_EQ(back.mark, 0x2a);
	T_EQ(back.zone, 7);
	T_MEMEQ(back.labels, labels, 16);
	/* a state without labels writes none (the kernel would refuse
	 * labels on an entry without room), but a mark of 0 */
	x.has = PFS_STX_ZONE;
	x.mark = 0;
	T_EQ(pfsd_ctmap_from_state_x(&st, &x, NOW, &w), 0);
	T_CHECK(pfsd_ctmap_build_new(buf, sizeof(buf), &w, 0, false, 1) > 0);
	T_CHECK(find_top(nlh, CTA_LABELS) == NULL);
	a = find_top(nlh, CTA_MARK);
	T_CHECK(a != NULL && mnl_attr_get_u32(a) == 0);
	T_CHECK(find_top(nlh, CTA_ZONE) != NULL);
	T_CHECK(pfsd_ctmap_build_delete(buf, sizeof(buf), &w, 0, 1) > 0);
	a = find_top(nlh, CTA_ZONE);
	T_CHECK(a != NULL && ntohs(mnl_attr_get_u16(a)) == 7);
	T_CHECK(pfsd_ctmap_build_get(buf, sizeof(buf), &w, 1) > 0);
	T_CHECK(find_top(nlh, CTA_ZONE) != NULL);
	/* an entry with none of it has no extras */
	n = dnat_msg(srv, 8080, (const uint8_t[4]){ 198, 51, 100, 7 }, 40000);
	T_EQ(pfsd_ctmap_parse(buf, n, &e), PFSD_CT_NEW);
	T_EQ(pfsd_ctmap_to_state(&e, NOW, &st), 0);
	T_CHECK(!pfsd_ctmap_to_stx(&e, &st, &x)); /* rdr: no nat2 */
}

/* A mark mask (provenance bits written alone): CTA_MARK_MASK follows
 * CTA_MARK; without one, none (CTA_MARK is the whole mark). */
static void test_mark_mask(void)
{
	const struct nlmsghdr *nlh = (const void *)buf;
	struct pfs_state st;
	struct pfsd_ct_entry w;
	const struct nlattr *a;

	tcp_state(&st);
	T_EQ(pfsd_ctmap_from_state(&st, NOW, &w), 0);
	w.mark = 0x80000000u;
	w.mark_mask = 0x80000000u;
	w.have |= PFSD_CT_HAVE_MARK;
	T_CHECK(pfsd_ctmap_build_new(buf, sizeof(buf), &w, 0, false, 1) > 0);
	a = find_top(nlh, CTA_MARK);
	T_CHECK(a != NULL && ntohl(mnl_attr_get_u32(a)) == 0x80000000u);
	a = find_top(nlh, CTA_MARK_MASK);
	T_CHECK(a != NULL && ntohl(mnl_attr_get_u32(a)) == 0x80000000u);
	w.mark_mask = 0;
	T_CHECK(pfsd_ctmap_build_new(buf, sizeof(buf), &w, 0, false, 1) > 0);
	T_CHECK(find_top(nlh, CTA_MARK) != NULL);
	T_CHECK(find_top(nlh, CTA_MARK_MASK) == NULL);
}

int main(void)
{
	T_RUN(test_tcp_table_round_trip);
	T_RUN(test_tcp_table_monotonic);
	T_RUN(test_build_new_bytes);
	T_RUN(test_build_new_no_wscale);
	T_RUN(test_round_trip_tcp);
	T_RUN(test_round_trip_v6_udp_nat);
	T_RUN(test_in_direction);
	T_RUN(test_udp_icmp_levels);
	T_RUN(test_not_synced);
	T_RUN(test_parse_kernel_oddities);
	T_RUN(test_state_id);
	T_RUN(test_parse_rejects);
	T_RUN(test_parse_huge_nlmsg_len);
	T_RUN(test_build_delete_dump);
	T_RUN(test_status_from_state);
	T_RUN(test_status_round_trip);
	T_RUN(test_update_status_attr);
	T_RUN(test_dnat_is_rdr);
	T_RUN(test_snat_and_both);
	T_RUN(test_mark_mask);
	T_RUN(test_both_nats_and_extras);
	return t_done();
}
