/*
 * nfq.c - one nfnetlink_queue over libmnl (see nfq.h).
 *
 * Configuration goes with an ACK asked and read back (at setup and on a
 * `defer` / `-defer` change); verdicts go without, one small message a
 * packet.  The receive side reads at most `max` messages a wakeup.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "defer/nfq.h"

#define NFQ_RXBUF 8192

#define NFQ_SOCKBUF (4 * 1024 * 1024)

struct pfsd_nfq {
	struct mnl_socket *nl;
	uint32_t portid, seq;
	uint16_t num[2];
	unsigned nbound;
	uint8_t rx[NFQ_RXBUF];
	struct pfsd_nfq_stats st;
};

struct pfsd_nfq *pfsd_nfq_open(void)
{
	struct pfsd_nfq *q = calloc(1, sizeof(*q));
	int one = 1, v = NFQ_SOCKBUF;

	if (q == NULL)
		return NULL;
	q->nl = mnl_socket_open2(NETLINK_NETFILTER, SOCK_CLOEXEC);
	if (q->nl == NULL || mnl_socket_bind(q->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		pfsd_nfq_free(q);
		return NULL;
	}
	q->portid = mnl_socket_get_portid(q->nl);
	/* a lost message is a packet the kernel let pass (fail open) */
	(void)mnl_socket_setsockopt(q->nl, NETLINK_NO_ENOBUFS, &one,
				    sizeof(one));
	if (setsockopt(mnl_socket_get_fd(q->nl), SOL_SOCKET, SO_RCVBUFFORCE,
		       &v, sizeof(v)) == -1)
		(void)setsockopt(mnl_socket_get_fd(q->nl), SOL_SOCKET,
				 SO_RCVBUF, &v, sizeof(v));
	return q;
}

void pfsd_nfq_free(struct pfsd_nfq *q)
{
	if (q == NULL)
		return;
	if (q->nl != NULL)
		mnl_socket_close(q->nl);
	free(q);
}

int pfsd_nfq_fd(const struct pfsd_nfq *q)
{
	return mnl_socket_get_fd(q->nl);
}

static struct nlmsghdr *nfq_hdr(uint8_t *buf, uint16_t type, uint16_t num,
				uint16_t flags, uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *g;

	nlh->nlmsg_type = (NFNL_SUBSYS_QUEUE << 8) | type;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	nlh->nlmsg_seq = seq;
	g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->nfgen_family = AF_UNSPEC;
	g->version = NFNETLINK_V0;
	g->res_id = htons(num);
	return nlh;
}

/* Send one config message and read its ACK; -1 (errno). */
static int nfq_talk(struct pfsd_nfq *q, struct nlmsghdr *nlh)
{
	uint8_t buf[NFQ_RXBUF];
	uint32_t seq = nlh->nlmsg_seq;
	int n;

	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0)
		return -1;
	for (;;) {
		n = (int)mnl_socket_recvfrom(q->nl, buf, sizeof(buf));
		if (n < 0)
			return -1;
		n = mnl_cb_run(buf, (size_t)n, seq, q->portid, NULL, NULL);
		if (n <= MNL_CB_STOP)
			return n;
	}
}

static int nfq_cmd(struct pfsd_nfq *q, uint8_t cmd, uint16_t num)
{
	uint8_t buf[NFQ_RXBUF];
	struct nfqnl_msg_config_cmd c = {.command = cmd, .pf = 0};
	struct nlmsghdr *nlh =
	    nfq_hdr(buf, NFQNL_MSG_CONFIG, num, NLM_F_ACK, ++q->seq);

	mnl_attr_put(nlh, NFQA_CFG_CMD, sizeof(c), &c);
	return nfq_talk(q, nlh);
}

static int nfq_params(struct pfsd_nfq *q, uint16_t num, uint32_t maxlen)
{
	uint8_t buf[NFQ_RXBUF];
	struct nfqnl_msg_config_params p = {.copy_range = htonl(PFSD_NFQ_COPY),
					    .copy_mode = NFQNL_COPY_PACKET};
	uint32_t flags = htonl(NFQA_CFG_F_FAIL_OPEN);
	struct nlmsghdr *nlh =
	    nfq_hdr(buf, NFQNL_MSG_CONFIG, num, NLM_F_ACK, ++q->seq);

	mnl_attr_put(nlh, NFQA_CFG_PARAMS, sizeof(p), &p);
	mnl_attr_put_u32(nlh, NFQA_CFG_QUEUE_MAXLEN, htonl(maxlen));
	mnl_attr_put_u32(nlh, NFQA_CFG_FLAGS, flags);
	mnl_attr_put_u32(nlh, NFQA_CFG_MASK, flags);
	return nfq_talk(q, nlh);
}

int pfsd_nfq_bind(struct pfsd_nfq *q, uint16_t num, uint32_t maxlen)
{
	if (q->nbound == 2) {
		errno = ENOSPC;
		return -1;
	}
	if (nfq_cmd(q, NFQNL_CFG_CMD_BIND, num) < 0)
		return -1;
	q->num[q->nbound++] = num;
	return nfq_params(q, num, maxlen);
}

void pfsd_nfq_unbind(struct pfsd_nfq *q)
{
	while (q->nbound > 0)
		(void)nfq_cmd(q, NFQNL_CFG_CMD_UNBIND, q->num[--q->nbound]);
}

struct nfq_walk {
	const struct nlattr *tb[NFQA_MAX + 1];
};

static int nfq_attr_cb(const struct nlattr *a, void *data)
{
	struct nfq_walk *w = data;
	uint16_t t = mnl_attr_get_type(a);

	if (t <= NFQA_MAX)
		w->tb[t] = a; /* lengths checked by the reader */
	return MNL_CB_OK;
}

static void nfq_msg(struct pfsd_nfq *q, const struct nlmsghdr *nlh,
		    pfsd_nfq_cb cb, void *arg)
{
	const struct nfgenmsg *g = mnl_nlmsg_get_payload(nlh);
	const struct nfqnl_msg_packet_hdr *ph;
	struct nfq_walk w;
	struct pfsd_nfq_pkt p;
	const struct nlattr *a;

	memset(&w, 0, sizeof(w));
	memset(&p, 0, sizeof(p));
	q->st.packets++;
	if (nlh->nlmsg_len < MNL_NLMSG_HDRLEN + sizeof(*g) ||
	    (nlh->nlmsg_type & 0xff) != NFQNL_MSG_PACKET ||
	    mnl_attr_parse(nlh, sizeof(*g), nfq_attr_cb, &w) < 0 ||
	    (a = w.tb[NFQA_PACKET_HDR]) == NULL ||
	    mnl_attr_get_payload_len(a) < sizeof(*ph)) {
		q->st.malformed++;
		return;
	}
	ph = mnl_attr_get_payload(a);
	p.id = ntohl(ph->packet_id);
	p.queue = ntohs(g->res_id);
	p.family = g->nfgen_family;
	if ((a = w.tb[NFQA_PAYLOAD]) != NULL) {
		p.data = mnl_attr_get_payload(a);
		p.len = mnl_attr_get_payload_len(a);
	}
	cb(arg, &p);
}

int pfsd_nfq_read(struct pfsd_nfq *q, int max, pfsd_nfq_cb cb, void *arg)
{
	const struct nlmsghdr *nlh;
	ssize_t n;
	int got = 0, left;

	while (got < max) {
		n = recv(mnl_socket_get_fd(q->nl), q->rx, sizeof(q->rx),
			 MSG_DONTWAIT);
		if (n < 0) {
			if (errno == ENOBUFS) {
				q->st.enobufs++;
				continue;
			}
			break;
		}
		got++;
		left = (int)n;
		for (nlh = (const struct nlmsghdr *)q->rx;
		     left >= (int)sizeof(*nlh) && nlh->nlmsg_len >= sizeof(*nlh) &&
		     (int)nlh->nlmsg_len <= left;
		     nlh = mnl_nlmsg_next(nlh, &left))
			if (nlh->nlmsg_type >= NLMSG_MIN_TYPE)
				nfq_msg(q, nlh, cb, arg);
	}
	return got;
}

int pfsd_nfq_accept(struct pfsd_nfq *q, uint16_t queue, uint32_t id)
{
	uint8_t buf[128];
	struct nfqnl_msg_verdict_hdr v = {.verdict = htonl(NF_ACCEPT),
					  .id = htonl(id)};
	struct nlmsghdr *nlh = nfq_hdr(buf, NFQNL_MSG_VERDICT, queue, 0, 0);

	mnl_attr_put(nlh, NFQA_VERDICT_HDR, sizeof(v), &v);
	if (mnl_socket_sendto(q->nl, nlh, nlh->nlmsg_len) < 0) {
		q->st.verdict_failed++;
		return -1;
	}
	q->st.verdicts++;
	return 0;
}

const struct pfsd_nfq_stats *pfsd_nfq_stats(const struct pfsd_nfq *q)
{
	return &q->st;
}
