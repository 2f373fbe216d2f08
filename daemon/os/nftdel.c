/*
 * nftdel.c - NFT_MSG_DELTABLE in a batch (see nftdel.h).
 *
 * nf_tables takes changes only inside a batch: BATCH_BEGIN, the change,
 * BATCH_END, each with an nfgenmsg.  We ask for an ack of the change
 * and read until it (or its error) comes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <string.h>
#include <time.h>

#include "os/nftdel.h"

static struct nlmsghdr *nd_put(struct mnl_nlmsg_batch *b, uint16_t type,
			       uint16_t flags, uint32_t seq, uint8_t family,
			       uint16_t res_id)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(mnl_nlmsg_batch_current(b));
	struct nfgenmsg *nfg;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(res_id);
	return nlh;
}

static size_t nd_build(char *buf, size_t cap, uint8_t family, const char *name,
		       uint32_t seq)
{
	struct mnl_nlmsg_batch *b = mnl_nlmsg_batch_start(buf, cap);
	struct nlmsghdr *nlh;
	size_t len;

	nd_put(b, NFNL_MSG_BATCH_BEGIN, 0, seq, AF_UNSPEC,
	       NFNL_SUBSYS_NFTABLES);
	mnl_nlmsg_batch_next(b);
	nlh = nd_put(b, (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_DELTABLE,
		     NLM_F_ACK, seq + 1, family, 0);
	mnl_attr_put_strz(nlh, NFTA_TABLE_NAME, name);
	mnl_nlmsg_batch_next(b);
	nd_put(b, NFNL_MSG_BATCH_END, 0, seq + 2, AF_UNSPEC,
	       NFNL_SUBSYS_NFTABLES);
	mnl_nlmsg_batch_next(b);
	len = mnl_nlmsg_batch_size(b);
	mnl_nlmsg_batch_stop(b);
	return len;
}

int pfsd_nft_delete_table(uint8_t family, const char *name)
{
	char buf[4096];
	struct mnl_socket *nl;
	uint32_t seq = (uint32_t)time(NULL), portid;
	size_t len;
	ssize_t n;
	int rc = -1, saved;

	nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (nl == NULL)
		return -1;
	if (mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0)
		goto cleanup;
	portid = mnl_socket_get_portid(nl);
	len = nd_build(buf, sizeof(buf), family, name, seq);
	if (mnl_socket_sendto(nl, buf, len) < 0)
		goto cleanup;
	/* the ack of seq + 1: 0 when deleted, -1/errno otherwise */
	while ((n = mnl_socket_recvfrom(nl, buf, sizeof(buf))) > 0) {
		rc = mnl_cb_run(buf, (size_t)n, seq + 1, portid, NULL, NULL);
		if (rc <= MNL_CB_STOP)
			break;
	}
	if (n <= 0)
		rc = -1;
cleanup:
	saved = errno;
	mnl_socket_close(nl);
	errno = saved;
	return rc < 0 ? -1 : 0;
}
