/*
 * nftq.c - pfsyncd's defer table, one nf_tables batch over libmnl (see
 * nftq.h).  Why netlink and not iptables-nft: iptables-nft writes only
 * its own tables (filter, mangle, ...), where an operator's rules live,
 * and running it needs exec after setup, which the seccomp filter
 * refuses; the batch here is a few hundred bytes, atomic, and needs only
 * CAP_NET_ADMIN, which the daemon keeps, so `-defer` and `defer` work
 * after privileges are dropped.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nf_tables_compat.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/xt_NFQUEUE.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "defer/nftq.h"

#define NFTQ_CHAIN "defer"
#define NFTQ_PRIO 300
#define NFTQ_BUF 8192

struct pfsd_nftq {
	struct mnl_socket *nl;
	uint32_t portid, seq;
	bool installed;
};

struct pfsd_nftq *pfsd_nftq_open(void)
{
	struct pfsd_nftq *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (t->nl == NULL || mnl_socket_bind(t->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		pfsd_nftq_free(t);
		return NULL;
	}
	t->portid = mnl_socket_get_portid(t->nl);
	t->seq = (uint32_t)time(NULL);
	return t;
}

static struct nlmsghdr *nq_put(struct mnl_nlmsg_batch *b, uint16_t type,
			       uint16_t flags, uint32_t seq, uint8_t family)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(NFNL_SUBSYS_NFTABLES);
	return nlh;
}

static struct nlmsghdr *nq_msg(struct mnl_nlmsg_batch *b, uint8_t type,
			       uint16_t flags, uint32_t seq)
{
	return nq_put(b, (NFNL_SUBSYS_NFTABLES << 8) | type, NLM_F_ACK | flags,
		      seq, NFPROTO_INET);
}

/* One expression: name, then its attributes under NFTA_EXPR_DATA. */
static struct nlattr *nq_expr(struct nlmsghdr *nlh, const char *name)
{
	struct nlattr *e = mnl_attr_nest_start(nlh, NFTA_LIST_ELEM);

	mnl_attr_put_strz(nlh, NFTA_EXPR_NAME, name);
	return e;
}

static void nq_cmp(struct nlmsghdr *nlh, uint32_t op, const void *v,
		   size_t len)
{
	struct nlattr *e = nq_expr(nlh, "cmp"), *d, *dv;

	d = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	mnl_attr_put_u32(nlh, NFTA_CMP_SREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_CMP_OP, htonl(op));
	dv = mnl_attr_nest_start(nlh, NFTA_CMP_DATA);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, v);
	mnl_attr_nest_end(nlh, dv);
	mnl_attr_nest_end(nlh, d);
	mnl_attr_nest_end(nlh, e);
}

static void nq_bitwise(struct nlmsghdr *nlh, const void *mask, size_t len)
{
	struct nlattr *e = nq_expr(nlh, "bitwise"), *d, *n;
	uint8_t zero[4] = {0};

	d = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	mnl_attr_put_u32(nlh, NFTA_BITWISE_SREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_BITWISE_DREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_BITWISE_LEN, htonl((uint32_t)len));
	n = mnl_attr_nest_start(nlh, NFTA_BITWISE_MASK);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, mask);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, NFTA_BITWISE_XOR);
	mnl_attr_put(nlh, NFTA_DATA_VALUE, len, zero);
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, d);
	mnl_attr_nest_end(nlh, e);
}

/* ct KEY -> reg 1 */
static void nq_ct(struct nlmsghdr *nlh, uint32_t key)
{
	struct nlattr *e = nq_expr(nlh, "ct"), *d;

	d = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	mnl_attr_put_u32(nlh, NFTA_CT_KEY, htonl(key));
	mnl_attr_put_u32(nlh, NFTA_CT_DREG, htonl(NFT_REG_1));
	mnl_attr_nest_end(nlh, d);
	mnl_attr_nest_end(nlh, e);
}

static void nq_meta_l4proto(struct nlmsghdr *nlh)
{
	struct nlattr *e = nq_expr(nlh, "meta"), *d;

	d = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	mnl_attr_put_u32(nlh, NFTA_META_KEY, htonl(NFT_META_L4PROTO));
	mnl_attr_put_u32(nlh, NFTA_META_DREG, htonl(NFT_REG_1));
	mnl_attr_nest_end(nlh, d);
	mnl_attr_nest_end(nlh, e);
}

/* the TCP flags byte (offset 13 of the transport header) -> reg 1 */
static void nq_tcp_flags(struct nlmsghdr *nlh)
{
	struct nlattr *e = nq_expr(nlh, "payload"), *d;

	d = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_DREG, htonl(NFT_REG_1));
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_BASE,
			 htonl(NFT_PAYLOAD_TRANSPORT_HEADER));
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_OFFSET, htonl(13));
	mnl_attr_put_u32(nlh, NFTA_PAYLOAD_LEN, htonl(1));
	mnl_attr_nest_end(nlh, d);
	mnl_attr_nest_end(nlh, e);
}

/* xt NFQUEUE v3: queue num, one queue, bypass when nobody listens */
static void nq_nfqueue(struct nlmsghdr *nlh, uint16_t num)
{
	struct nlattr *e = nq_expr(nlh, "target"), *d;
	uint8_t info[8] = {0}; /* XT_ALIGN(sizeof(struct xt_NFQ_info_v3)) */
	struct xt_NFQ_info_v3 v = {.queuenum = num,
				   .queues_total = 1,
				   .flags = NFQ_FLAG_BYPASS};

	memcpy(info, &v, sizeof(v));
	d = mnl_attr_nest_start(nlh, NFTA_EXPR_DATA);
	mnl_attr_put_strz(nlh, NFTA_TARGET_NAME, "NFQUEUE");
	mnl_attr_put_u32(nlh, NFTA_TARGET_REV, htonl(3));
	mnl_attr_put(nlh, NFTA_TARGET_INFO, sizeof(info), info);
	mnl_attr_nest_end(nlh, d);
	mnl_attr_nest_end(nlh, e);
}

static struct nlmsghdr *nq_rule(struct mnl_nlmsg_batch *b, uint32_t seq)
{
	struct nlmsghdr *nlh = nq_msg(b, NFT_MSG_NEWRULE,
				      NLM_F_CREATE | NLM_F_APPEND, seq);

	mnl_attr_put_strz(nlh, NFTA_RULE_TABLE, PFSD_NFTQ_TABLE);
	mnl_attr_put_strz(nlh, NFTA_RULE_CHAIN, NFTQ_CHAIN);
	return nlh;
}

/* ct status & (snat|dnat) == 0: the headers are the tuple (defer.c) */
static void nq_no_nat(struct nlmsghdr *nlh)
{
	uint32_t nat = IPS_SRC_NAT | IPS_DST_NAT, zero = 0;

	nq_ct(nlh, NFT_CT_STATUS);
	nq_bitwise(nlh, &nat, sizeof(nat));
	nq_cmp(nlh, NFT_CMP_EQ, &zero, sizeof(zero));
}

/* ct state new -> NFQUEUE */
static void nq_rule_new(struct mnl_nlmsg_batch *b, uint32_t seq, uint16_t num)
{
	struct nlmsghdr *nlh = nq_rule(b, seq);
	struct nlattr *l = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
	uint32_t bit = NF_CT_STATE_BIT(IP_CT_NEW), zero = 0;

	nq_no_nat(nlh);
	nq_ct(nlh, NFT_CT_STATE);
	nq_bitwise(nlh, &bit, sizeof(bit));
	nq_cmp(nlh, NFT_CMP_NEQ, &zero, sizeof(zero));
	nq_nfqueue(nlh, num);
	mnl_attr_nest_end(nlh, l);
	mnl_nlmsg_batch_next(b);
}

/* the first reply of a TCP handshake (SYN+ACK) -> NFQUEUE */
static void nq_rule_synack(struct mnl_nlmsg_batch *b, uint32_t seq,
			   uint16_t num)
{
	struct nlmsghdr *nlh = nq_rule(b, seq);
	struct nlattr *l = mnl_attr_nest_start(nlh, NFTA_RULE_EXPRESSIONS);
	uint8_t tcp = IPPROTO_TCP, reply = 1; /* IP_CT_DIR_REPLY */
	uint8_t mask = 0x17, synack = 0x12; /* fin|syn|rst|ack, syn|ack */

	nq_no_nat(nlh);
	nq_meta_l4proto(nlh);
	nq_cmp(nlh, NFT_CMP_EQ, &tcp, 1);
	nq_ct(nlh, NFT_CT_DIRECTION);
	nq_cmp(nlh, NFT_CMP_EQ, &reply, 1);
	nq_tcp_flags(nlh);
	nq_bitwise(nlh, &mask, 1);
	nq_cmp(nlh, NFT_CMP_EQ, &synack, 1);
	nq_nfqueue(nlh, num);
	mnl_attr_nest_end(nlh, l);
	mnl_nlmsg_batch_next(b);
}

static void nq_table(struct mnl_nlmsg_batch *b, uint32_t seq)
{
	struct nlmsghdr *nlh = nq_msg(b, NFT_MSG_NEWTABLE, NLM_F_CREATE, seq);

	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, PFSD_NFTQ_TABLE);
	mnl_attr_put_u32(nlh, NFTA_TABLE_FLAGS, htonl(NFT_TABLE_F_OWNER));
	mnl_nlmsg_batch_next(b);
}

static void nq_chain(struct mnl_nlmsg_batch *b, uint32_t seq)
{
	struct nlmsghdr *nlh = nq_msg(b, NFT_MSG_NEWCHAIN, NLM_F_CREATE, seq);
	struct nlattr *h;

	mnl_attr_put_strz(nlh, NFTA_CHAIN_TABLE, PFSD_NFTQ_TABLE);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_NAME, NFTQ_CHAIN);
	mnl_attr_put_strz(nlh, NFTA_CHAIN_TYPE, "filter");
	mnl_attr_put_u32(nlh, NFTA_CHAIN_POLICY, htonl(NF_ACCEPT));
	h = mnl_attr_nest_start(nlh, NFTA_CHAIN_HOOK);
	mnl_attr_put_u32(nlh, NFTA_HOOK_HOOKNUM, htonl(NF_INET_POST_ROUTING));
	mnl_attr_put_u32(nlh, NFTA_HOOK_PRIORITY, htonl(NFTQ_PRIO));
	mnl_attr_nest_end(nlh, h);
	mnl_nlmsg_batch_next(b);
}

static void nq_deltable(struct mnl_nlmsg_batch *b, uint32_t seq)
{
	struct nlmsghdr *nlh = nq_msg(b, NFT_MSG_DELTABLE, 0, seq);

	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, PFSD_NFTQ_TABLE);
	mnl_nlmsg_batch_next(b);
}

/* Send the batch and read the acks of seq first..last: the first error
 * wins (the kernel rolls the batch back on any). */
static int nq_send(struct pfsd_nftq *t, struct mnl_nlmsg_batch *b,
		   uint32_t first, uint32_t last)
{
	uint8_t buf[NFTQ_BUF];
	int rc = 0, err = 0, n;
	uint32_t got = 0, want = last - first + 1;

	if (mnl_socket_sendto(t->nl, mnl_nlmsg_batch_head(b),
			      mnl_nlmsg_batch_size(b)) < 0)
		return -1;
	while (got < want) {
		n = (int)mnl_socket_recvfrom(t->nl, buf, sizeof(buf));
		if (n <= 0)
			return -1;
		for (const struct nlmsghdr *h = (void *)buf; mnl_nlmsg_ok(h, n);
		     h = mnl_nlmsg_next(h, &n)) {
			const struct nlmsgerr *e;

			if (h->nlmsg_type != NLMSG_ERROR ||
			    h->nlmsg_seq < first || h->nlmsg_seq > last)
				continue;
			got++;
			e = mnl_nlmsg_get_payload(h);
			if (e->error != 0 && err == 0)
				err = -e->error;
			if (e->error != 0) /* the rest is not answered */
				got = want;
		}
	}
	if (err != 0) {
		errno = err;
		rc = -1;
	}
	return rc;
}

static uint32_t nq_begin(struct pfsd_nftq *t, struct mnl_nlmsg_batch *b)
{
	nq_put(b, NFNL_MSG_BATCH_BEGIN, 0, t->seq++, AF_UNSPEC);
	mnl_nlmsg_batch_next(b);
	return t->seq;
}

static void nq_end(struct pfsd_nftq *t, struct mnl_nlmsg_batch *b)
{
	nq_put(b, NFNL_MSG_BATCH_END, 0, t->seq++, AF_UNSPEC);
	mnl_nlmsg_batch_next(b);
}

int pfsd_nftq_install(struct pfsd_nftq *t, uint16_t num)
{
	uint8_t buf[NFTQ_BUF];
	struct mnl_nlmsg_batch *b;
	uint32_t first;
	int rc;

	if (t->installed && pfsd_nftq_remove(t) == -1)
		return -1;
	b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	first = nq_begin(t, b);
	nq_table(b, t->seq++);
	nq_chain(b, t->seq++);
	nq_rule_new(b, t->seq++, num);
	nq_rule_synack(b, t->seq++, (uint16_t)(num + 1));
	nq_end(t, b);
	rc = nq_send(t, b, first, first + 3);
	mnl_nlmsg_batch_stop(b);
	if (rc == 0)
		t->installed = true;
	return rc;
}

int pfsd_nftq_remove(struct pfsd_nftq *t)
{
	uint8_t buf[1024];
	struct mnl_nlmsg_batch *b;
	uint32_t first;
	int rc;

	if (!t->installed)
		return 0;
	b = mnl_nlmsg_batch_start(buf, sizeof(buf));
	first = nq_begin(t, b);
	nq_deltable(b, t->seq++);
	nq_end(t, b);
	rc = nq_send(t, b, first, first);
	mnl_nlmsg_batch_stop(b);
	if (rc == 0 || errno == ENOENT)
		t->installed = false;
	return t->installed ? -1 : 0;
}

bool pfsd_nftq_installed(const struct pfsd_nftq *t)
{
	return t->installed;
}

void pfsd_nftq_free(struct pfsd_nftq *t)
{
	if (t == NULL)
		return;
	if (t->nl != NULL) {
		(void)pfsd_nftq_remove(t);
		mnl_socket_close(t->nl); /* owner gone: the kernel drops it */
	}
	free(t);
}
