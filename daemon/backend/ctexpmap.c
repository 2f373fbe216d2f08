/*
 * ctexpmap.c - conntrack expectation messages <-> pfs_xexp (ctexpmap.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <limits.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <string.h>
#include <sys/socket.h>

#include "ctexpmap.h"

/* ---- parsing ------------------------------------------------------------*/

struct cxm_tuple_walk {
	struct pfs_xexp_tuple *t;
	unsigned seen; /* 1 address, 2 protocol number */
};

static int cxm_ip_cb(const struct nlattr *a, void *data)
{
	struct cxm_tuple_walk *w = data;
	size_t plen = mnl_attr_get_payload_len(a);

	switch (mnl_attr_get_type(a)) {
	case CTA_IP_V4_SRC:
	case CTA_IP_V6_SRC:
		if (plen != 4 && plen != 16)
			return MNL_CB_OK;
		memcpy(w->t->src.a, mnl_attr_get_payload(a), plen);
		w->seen |= 1;
		break;
	case CTA_IP_V4_DST:
	case CTA_IP_V6_DST:
		if (plen != 4 && plen != 16)
			return MNL_CB_OK;
		memcpy(w->t->dst.a, mnl_attr_get_payload(a), plen);
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int cxm_proto_cb(const struct nlattr *a, void *data)
{
	struct cxm_tuple_walk *w = data;
	size_t plen = mnl_attr_get_payload_len(a);

	switch (mnl_attr_get_type(a)) {
	case CTA_PROTO_NUM:
		if (plen == 1) {
			w->t->proto = mnl_attr_get_u8(a);
			w->seen |= 2;
		}
		break;
	case CTA_PROTO_SRC_PORT:
		if (plen == 2)
			w->t->sport = ntohs(mnl_attr_get_u16(a));
		break;
	case CTA_PROTO_DST_PORT:
		if (plen == 2)
			w->t->dport = ntohs(mnl_attr_get_u16(a));
		break;
	default:
		break;
	}
	return MNL_CB_OK;
}

static int cxm_tuple_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == CTA_TUPLE_IP)
		(void)mnl_attr_parse_nested(a, cxm_ip_cb, data);
	else if (mnl_attr_get_type(a) == CTA_TUPLE_PROTO)
		(void)mnl_attr_parse_nested(a, cxm_proto_cb, data);
	return MNL_CB_OK;
}

/* A tuple nest; true when it had an address and a protocol. */
static bool cxm_tuple(const struct nlattr *a, struct pfs_xexp_tuple *t)
{
	struct cxm_tuple_walk w = {t, 0};

	memset(t, 0, sizeof(*t));
	(void)mnl_attr_parse_nested(a, cxm_tuple_cb, &w);
	return w.seen == 3;
}

struct cxm_walk {
	struct pfs_xexp *x;
	unsigned seen; /* 1 master, 2 tuple, 4 mask */
};

static void cxm_name(const struct nlattr *a, char *s, size_t max)
{
	size_t n = strnlen(mnl_attr_get_payload(a),
			   mnl_attr_get_payload_len(a));

	if (n == 0 || n > max)
		return; /* none: it is not carried */
	memcpy(s, mnl_attr_get_payload(a), n);
	s[n] = '\0';
}

static int cxm_nat_cb(const struct nlattr *a, void *data)
{
	struct pfs_xexp *x = data;
	struct pfs_xexp_tuple t;

	if (mnl_attr_get_type(a) == CTA_EXPECT_NAT_DIR &&
	    mnl_attr_get_payload_len(a) == 4) {
		x->nat_dir = (uint8_t)ntohl(mnl_attr_get_u32(a));
	} else if (mnl_attr_get_type(a) == CTA_EXPECT_NAT_TUPLE &&
		   cxm_tuple(a, &t)) {
		x->nat_addr = t.src;
		x->nat_port = t.sport;
		x->flags |= PFS_XEXP_F_NAT;
	}
	return MNL_CB_OK;
}

static void cxm_mask(const struct nlattr *a, struct cxm_walk *w)
{
	struct pfs_xexp_tuple t;

	if (!cxm_tuple(a, &t))
		return;
	w->x->mask_src = t.src;
	w->x->mask_sport = t.sport;
	w->seen |= 4;
}

static uint32_t cxm_u32(const struct nlattr *a)
{
	return mnl_attr_get_payload_len(a) == 4 ? ntohl(mnl_attr_get_u32(a))
						: 0;
}

static int cxm_top_cb(const struct nlattr *a, void *data)
{
	struct cxm_walk *w = data;
	struct pfs_xexp *x = w->x;

	switch (mnl_attr_get_type(a)) {
	case CTA_EXPECT_MASTER:
		w->seen |= cxm_tuple(a, &x->master) ? 1 : 0;
		break;
	case CTA_EXPECT_TUPLE:
		w->seen |= cxm_tuple(a, &x->tuple) ? 2 : 0;
		break;
	case CTA_EXPECT_MASK:
		cxm_mask(a, w);
		break;
	case CTA_EXPECT_TIMEOUT:
		x->timeout = cxm_u32(a);
		break;
	case CTA_EXPECT_FLAGS:
		x->exp_flags = cxm_u32(a);
		break;
	case CTA_EXPECT_CLASS:
		x->klass = cxm_u32(a);
		break;
	case CTA_EXPECT_ZONE:
		if (mnl_attr_get_payload_len(a) == 2)
			x->zone = ntohs(mnl_attr_get_u16(a));
		break;
	case CTA_EXPECT_HELP_NAME:
		cxm_name(a, x->helper, PFS_XEXP_HELPER_MAX);
		break;
	case CTA_EXPECT_FN:
		cxm_name(a, x->fn, PFS_XEXP_FN_MAX);
		break;
	case CTA_EXPECT_NAT:
		(void)mnl_attr_parse_nested(a, cxm_nat_cb, x);
		break;
	default:
		break; /* the id and anything newer */
	}
	return MNL_CB_OK;
}

static int cxm_op(const struct nlmsghdr *nlh)
{
	if (NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_CTNETLINK_EXP)
		return -1;
	switch (NFNL_MSG_TYPE(nlh->nlmsg_type)) {
	case IPCTNL_MSG_EXP_NEW:
		return PFS_XEXP_NEW;
	case IPCTNL_MSG_EXP_DELETE:
		return PFS_XEXP_DESTROY;
	default:
		return -1;
	}
}

int pfsd_ctexpmap_parse(const void *buf, size_t len, struct pfs_xexp *x,
			uint32_t *portid)
{
	const struct nlmsghdr *nlh = buf;
	const struct nfgenmsg *nfg;
	struct cxm_walk w = {x, 0};
	int op;

	memset(x, 0, sizeof(*x));
	if (len < sizeof(*nlh) || len > INT_MAX || nlh->nlmsg_len > len ||
	    nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(struct nfgenmsg))
		goto bad;
	op = cxm_op(nlh);
	if (op < 0)
		goto bad;
	nfg = mnl_nlmsg_get_payload(nlh);
	if (nfg->nfgen_family != AF_INET && nfg->nfgen_family != AF_INET6)
		goto bad;
	x->af = nfg->nfgen_family == AF_INET ? 2 : 10;
	(void)mnl_attr_parse(nlh, sizeof(struct nfgenmsg), cxm_top_cb, &w);
	if (w.seen != 7)
		goto bad;
	x->op = (uint8_t)op;
	if (x->helper[0] != '\0')
		x->flags |= PFS_XEXP_F_HELPER;
	if (x->fn[0] != '\0')
		x->flags |= PFS_XEXP_F_FN;
	*portid = nlh->nlmsg_pid;
	return op;
bad:
	errno = EINVAL;
	return -1;
}

/* ---- builders -----------------------------------------------------------*/

static void cxm_put_tuple(struct nlmsghdr *nlh, uint16_t type, uint8_t af,
			  const struct pfs_xexp_tuple *t)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, type), *m;
	size_t alen = af == 2 ? 4 : 16;

	m = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put(nlh, af == 2 ? CTA_IP_V4_SRC : CTA_IP_V6_SRC, alen,
		     t->src.a);
	mnl_attr_put(nlh, af == 2 ? CTA_IP_V4_DST : CTA_IP_V6_DST, alen,
		     t->dst.a);
	mnl_attr_nest_end(nlh, m);
	m = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, t->proto);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(t->sport));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(t->dport));
	mnl_attr_nest_end(nlh, m);
	mnl_attr_nest_end(nlh, n);
}

static struct nlmsghdr *cxm_header(void *buf, uint8_t type, uint16_t flags,
				   uint8_t af, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK_EXP << 8) | type;
	nlh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | NLM_F_ACK | flags);
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = af == 2 ? AF_INET : AF_INET6;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = 0;
	return nlh;
}

/* The mask: the source as carried, the destination whole (the kernel
 * keeps no destination mask, but parses a full tuple). */
static void cxm_put_mask(struct nlmsghdr *nlh, const struct pfs_xexp *x)
{
	struct pfs_xexp_tuple m;

	memset(&m, 0, sizeof(m));
	m.proto = x->tuple.proto;
	m.src = x->mask_src;
	m.sport = x->mask_sport;
	memset(m.dst.a, 0xff, sizeof(m.dst.a));
	m.dport = 0xffff;
	cxm_put_tuple(nlh, CTA_EXPECT_MASK, x->af, &m);
}

static void cxm_put_nat(struct nlmsghdr *nlh, const struct pfs_xexp *x)
{
	struct pfs_xexp_tuple t;
	struct nlattr *n;

	if (!(x->flags & PFS_XEXP_F_NAT))
		return;
	memset(&t, 0, sizeof(t));
	t.proto = x->master.proto;
	t.src = x->nat_addr;
	t.sport = x->nat_port;
	n = mnl_attr_nest_start(nlh, CTA_EXPECT_NAT);
	mnl_attr_put_u32(nlh, CTA_EXPECT_NAT_DIR, htonl(x->nat_dir));
	cxm_put_tuple(nlh, CTA_EXPECT_NAT_TUPLE, x->af, &t);
	mnl_attr_nest_end(nlh, n);
}

static bool cxm_usable(const struct pfs_xexp *x)
{
	return x->af == 2 || x->af == 10;
}

size_t pfsd_ctexpmap_build_new(void *buf, size_t len, const struct pfs_xexp *x,
			       uint32_t seq)
{
	struct nlmsghdr *nlh;

	if (len < PFSD_CTEXPMAP_MSG_MAX || !cxm_usable(x))
		return 0;
	memset(buf, 0, PFSD_CTEXPMAP_MSG_MAX);
	nlh = cxm_header(buf, IPCTNL_MSG_EXP_NEW, NLM_F_CREATE | NLM_F_EXCL,
			 x->af, seq);
	cxm_put_tuple(nlh, CTA_EXPECT_MASTER, x->af, &x->master);
	cxm_put_tuple(nlh, CTA_EXPECT_TUPLE, x->af, &x->tuple);
	cxm_put_mask(nlh, x);
	mnl_attr_put_u32(nlh, CTA_EXPECT_TIMEOUT, htonl(x->timeout));
	mnl_attr_put_u32(nlh, CTA_EXPECT_FLAGS, htonl(x->exp_flags));
	if (x->zone != 0)
		mnl_attr_put_u16(nlh, CTA_EXPECT_ZONE, htons(x->zone));
	if ((x->flags & PFS_XEXP_F_HELPER) && x->helper[0] != '\0') {
		mnl_attr_put_u32(nlh, CTA_EXPECT_CLASS, htonl(x->klass));
		mnl_attr_put_strz(nlh, CTA_EXPECT_HELP_NAME, x->helper);
	}
	if ((x->flags & PFS_XEXP_F_FN) && x->fn[0] != '\0')
		mnl_attr_put_strz(nlh, CTA_EXPECT_FN, x->fn);
	cxm_put_nat(nlh, x);
	return nlh->nlmsg_len;
}

size_t pfsd_ctexpmap_build_delete(void *buf, size_t len,
				  const struct pfs_xexp *x, uint32_t seq)
{
	struct nlmsghdr *nlh;

	if (len < PFSD_CTEXPMAP_MSG_MAX || !cxm_usable(x))
		return 0;
	memset(buf, 0, PFSD_CTEXPMAP_MSG_MAX);
	nlh = cxm_header(buf, IPCTNL_MSG_EXP_DELETE, 0, x->af, seq);
	cxm_put_tuple(nlh, CTA_EXPECT_TUPLE, x->af, &x->tuple);
	if (x->zone != 0)
		mnl_attr_put_u16(nlh, CTA_EXPECT_ZONE, htons(x->zone));
	return nlh->nlmsg_len;
}
