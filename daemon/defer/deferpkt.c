/*
 * deferpkt.c - a queued packet's headers as a conntrack entry (see
 * deferpkt.h).  Read one field at a time, every offset checked against
 * the length first.
 *
 *   IPv4: 0 ver|ihl  9 protocol  12 saddr  16 daddr  (ihl * 4) L4
 *   IPv6: 0 ver      6 next header  8 saddr  24 daddr  40 L4
 *   TCP/UDP: 0 sport  2 dport  (TCP: 13 flags)
 *   ICMP/ICMPv6 echo: 0 type  1 code  4 id
 *
 * Timeouts are the kernel's defaults for the state made: TCP SYN_SENT
 * 120 s, SYN_RECV 60 s, UDP and ICMP 30 s.
 */
#include <errno.h>
#include <netinet/in.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "defer/deferpkt.h"

#define DP_TCP_SYN 0x02
#define DP_TCP_ACK 0x10

static uint16_t dp_be16(const uint8_t *p)
{
	return (uint16_t)((p[0] << 8) | p[1]);
}

/* The network header: af, protocol, addresses, where L4 starts. */
static int dp_net(const uint8_t *p, size_t len, struct pfsd_ct_tuple *t,
		  uint8_t *af, size_t *l4)
{
	size_t ihl;

	if (len < 1)
		return -1;
	if ((p[0] >> 4) == 4) {
		ihl = (size_t)(p[0] & 0x0f) * 4;
		if (ihl < 20 || len < ihl)
			return -1;
		*af = AF_INET;
		t->proto = p[9];
		memcpy(t->src.a, p + 12, 4);
		memcpy(t->dst.a, p + 16, 4);
		*l4 = ihl;
		return 0;
	}
	if ((p[0] >> 4) != 6 || len < 40)
		return -1;
	*af = AF_INET6;
	t->proto = p[6];
	memcpy(t->src.a, p + 8, 16);
	memcpy(t->dst.a, p + 24, 16);
	*l4 = 40;
	return 0;
}

/* ICMP echo request (v4 8, v6 128): the id in both ports; the reply
 * tuple has the echo reply type. */
static int dp_icmp(const uint8_t *l, size_t n, uint8_t af,
		   struct pfsd_ct_entry *e)
{
	uint8_t req = af == AF_INET ? 8 : 128, rep = af == AF_INET ? 0 : 129;

	if (n < 8 || l[0] != req)
		return -1;
	e->orig.icmp_type = req;
	e->orig.icmp_code = l[1];
	e->orig.sport = e->orig.dport = dp_be16(l + 4);
	e->reply.icmp_type = rep;
	e->reply.icmp_code = l[1];
	e->timeout = 30;
	return 0;
}

/* TCP: SYN alone (new) or SYN+ACK (reply); UDP: any (new). */
static int dp_ports(const uint8_t *l, size_t n, bool reply,
		    struct pfsd_ct_entry *e)
{
	uint8_t fl;

	if (n < 4)
		return -1;
	e->orig.sport = dp_be16(l);
	e->orig.dport = dp_be16(l + 2);
	if (e->orig.proto == IPPROTO_UDP) {
		e->timeout = 30;
		return reply ? -1 : 0;
	}
	if (n < 14)
		return -1;
	fl = l[13] & (DP_TCP_SYN | DP_TCP_ACK);
	if (fl != (reply ? DP_TCP_SYN | DP_TCP_ACK : DP_TCP_SYN))
		return -1;
	e->have |= PFSD_CT_HAVE_TCP;
	e->tcp_state = reply ? TCP_CONNTRACK_SYN_RECV : TCP_CONNTRACK_SYN_SENT;
	e->timeout = reply ? 60 : 120;
	return 0;
}

static void dp_swap(struct pfsd_ct_tuple *t)
{
	struct pfs_addr a = t->src;
	uint16_t p = t->sport;

	t->src = t->dst;
	t->dst = a;
	t->sport = t->dport;
	t->dport = p;
}

int pfsd_deferpkt_entry(const uint8_t *p, size_t len, bool reply,
			struct pfsd_ct_entry *e)
{
	size_t l4;
	int rc;

	memset(e, 0, sizeof(*e));
	if (p == NULL || dp_net(p, len, &e->orig, &e->af, &l4) == -1)
		goto bad;
	e->reply = e->orig;
	switch (e->orig.proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		rc = dp_ports(p + l4, len - l4, reply, e);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		rc = reply ? -1 : dp_icmp(p + l4, len - l4, e->af, e);
		break;
	default:
		errno = EPROTONOSUPPORT;
		return -1;
	}
	if (rc == -1)
		goto bad;
	if (reply) /* the headers are the reply direction's */
		dp_swap(&e->orig);
	e->reply.src = e->orig.dst;
	e->reply.dst = e->orig.src;
	e->reply.sport = e->orig.dport;
	e->reply.dport = e->orig.sport;
	e->reply.proto = e->orig.proto;
	e->orig.ok = e->reply.ok = 1;
	e->status = reply ? IPS_SEEN_REPLY : 0;
	e->have |= PFSD_CT_HAVE_REPLY | PFSD_CT_HAVE_STATUS |
		   PFSD_CT_HAVE_TIMEOUT;
	return 0;
bad:
	errno = EINVAL;
	return -1;
}
