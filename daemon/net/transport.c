/*
 * transport.c - the raw protocol-240 sockets (see transport.h): IPv4
 * always, IPv6 beside it when the sync runs over IPv6.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pfsync/wire_v3.h"

#include "os/log.h"
#include "loop.h"
#include "net/peeraddr.h"
#include "net/transport.h"

#define TP_MAX_LOCAL  16   /* addresses of ours we recognise */
#define TP_RX_SLOT    9216 /* one datagram: a jumbo frame's worth */
#define TP_IP_MIN_HDR 20

/* Ancillary data of one received datagram: IP_PKTINFO, SO_RXQ_OVFL;
 * over IPv6 IPV6_PKTINFO, IPV6_HOPLIMIT, SO_RXQ_OVFL. */
union tp_cbuf {
	struct cmsghdr align;
	uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo)) +
		  CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(uint32_t))];
};

/* A destination or a source, IPv4 or IPv6. */
union tp_addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

/* The kernel's drop count of one socket, as last seen. */
struct tp_ovfl {
	uint32_t last;
	bool seen;
};

struct pfsd_transport {
	struct pfsd_loop *loop;
	int fd;
	int fd6;	  /* IPv6, -1 unless pfsd_transport_set_inet6() */
	unsigned ifindex; /* the syncdev, 0 = none */
	char syncdev[IF_NAMESIZE];
	unsigned mtu;
	uint32_t local[TP_MAX_LOCAL]; /* syncdev IPv4 addresses, host order */
	size_t nlocal;
	struct in6_addr local6[TP_MAX_LOCAL]; /* and its IPv6 ones */
	size_t nlocal6;
	struct in6_addr group6;	  /* where PFS_V3_GROUP goes over IPv6 */
	struct pfsd_peeraddr *pa; /* IPv6 peers <-> engine keys */
	int last_errno; /* last send errno logged, 0 after a success */
	pfsd_tp_rx_cb cb;
	void *arg;
	struct pfsd_tp_stats stats;
	/* the send queue: slot i is txmsg[i] -> txiov[i] -> txbuf[i] */
	unsigned txn;
	int txfd;	    /* the socket the queued packets go out on */
	unsigned tx_failed; /* by flushes of a full queue, not yet taken */
	struct mmsghdr txmsg[PFSD_TP_TX_BATCH];
	struct iovec txiov[PFSD_TP_TX_BATCH];
	union tp_addr txto[PFSD_TP_TX_BATCH];
	uint8_t txbuf[PFSD_TP_TX_BATCH][PFSD_TP_TX_SLOT];
	/* the receive batch: slot i is rxmsg[i] -> rxiov[i] -> rxbuf[i] */
	struct mmsghdr rxmsg[PFSD_TP_RX_BATCH];
	struct iovec rxiov[PFSD_TP_RX_BATCH];
	union tp_cbuf rxcbuf[PFSD_TP_RX_BATCH];
	struct sockaddr_in6 rxfrom[PFSD_TP_RX_BATCH]; /* IPv6 sources */
	uint8_t rxbuf[PFSD_TP_RX_BATCH][TP_RX_SLOT];
	struct tp_ovfl ovfl, ovfl6; /* per socket */
};

static int tp_setint(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v));
}

/* One address of the syncdev, IPv4 or IPv6, into its list. */
static void tp_add_local(struct pfsd_transport *t, const struct sockaddr *sa)
{
	const union tp_addr *a = (const union tp_addr *)(const void *)sa;

	if (sa->sa_family == AF_INET && t->nlocal < TP_MAX_LOCAL)
		t->local[t->nlocal++] = ntohl(a->in.sin_addr.s_addr);
	if (sa->sa_family == AF_INET6 && t->nlocal6 < TP_MAX_LOCAL)
		t->local6[t->nlocal6++] = a->in6.sin6_addr;
}

/* Collect the syncdev's addresses: our own packets carry one. */
static void tp_load_local(struct pfsd_transport *t)
{
	struct ifaddrs *ifa, *i;

	t->nlocal = t->nlocal6 = 0;
	if (t->syncdev[0] == '\0' || getifaddrs(&ifa) == -1)
		return;
	for (i = ifa; i != NULL; i = i->ifa_next)
		if (i->ifa_addr != NULL && strcmp(i->ifa_name, t->syncdev) == 0)
			tp_add_local(t, i->ifa_addr);
	freeifaddrs(ifa);
}

static unsigned tp_get_mtu(int fd, const char *ifname)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strnlen(ifname, IF_NAMESIZE - 1));
	if (ioctl(fd, SIOCGIFMTU, &ifr) == -1)
		return 0;
	return (unsigned)ifr.ifr_mtu;
}

/* Options every pfsync socket gets, syncdev or not.  SO_RXQ_OVFL has
 * the kernel tell, with each datagram, how many it dropped on this socket
 * (receive buffer full): the losses pfsync v3 never resends. */
static int tp_setup_common(int fd)
{
	if (tp_setint(fd, IPPROTO_IP, IP_PKTINFO, 1) == -1 ||
	    tp_setint(fd, SOL_SOCKET, SO_RXQ_OVFL, 1) == -1 ||
	    tp_setint(fd, IPPROTO_IP, IP_TTL, PFS_V3_TTL) == -1 ||
	    tp_setint(fd, IPPROTO_IP, IP_TOS, IPTOS_LOWDELAY) == -1 ||
	    tp_setint(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO) == -1)
		return -1;
	if (tp_setint(fd, SOL_SOCKET, SO_SNDBUFFORCE, PFSD_TP_SOCKBUF) == -1)
		(void)tp_setint(fd, SOL_SOCKET, SO_SNDBUF, PFSD_TP_SOCKBUF);
	return 0;
}

/* Join the group on the syncdev only and send multicast through it. */
static int tp_setup_syncdev(struct pfsd_transport *t)
{
	struct ip_mreqn mr;

	memset(&mr, 0, sizeof(mr));
	mr.imr_multiaddr.s_addr = htonl(PFS_V3_GROUP);
	mr.imr_ifindex = (int)t->ifindex;
	if (setsockopt(t->fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mr, sizeof(mr)) ==
	    -1)
		return -1;
	if (setsockopt(t->fd, IPPROTO_IP, IP_MULTICAST_IF, &mr, sizeof(mr)) ==
	    -1)
		return -1;
	if (tp_setint(t->fd, IPPROTO_IP, IP_MULTICAST_TTL, PFS_V3_TTL) == -1 ||
	    tp_setint(t->fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0) == -1)
		return -1;
	t->mtu = tp_get_mtu(t->fd, t->syncdev);
	tp_load_local(t);
	return 0;
}

int pfsd_transport_leave_group(struct pfsd_transport *t)
{
	struct ip_mreqn mr;

	if (t->ifindex == 0)
		return 0;
	memset(&mr, 0, sizeof(mr));
	mr.imr_multiaddr.s_addr = htonl(PFS_V3_GROUP);
	mr.imr_ifindex = (int)t->ifindex;
	return setsockopt(t->fd, IPPROTO_IP, IP_DROP_MEMBERSHIP, &mr,
			  sizeof(mr));
}

static void tp_on_readable(void *arg, int fd, uint32_t events);

static int tp_set_rcvbuf(int fd, unsigned bytes)
{
	/* FORCE needs CAP_NET_ADMIN; fall back to the capped request. */
	if (tp_setint(fd, SOL_SOCKET, SO_RCVBUFFORCE, (int)bytes) == 0)
		return 0;
	return tp_setint(fd, SOL_SOCKET, SO_RCVBUF, (int)bytes);
}

int pfsd_transport_set_rcvbuf(struct pfsd_transport *t, unsigned bytes)
{
	if (t->fd6 != -1 && tp_set_rcvbuf(t->fd6, bytes) == -1)
		return -1;
	return tp_set_rcvbuf(t->fd, bytes);
}

/*
 * /proc/net/raw, one line per raw socket of this namespace:
 *   sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref ptr drops
 */
uint64_t pfsd_transport_proc_drops(const struct pfsd_transport *t)
{
	unsigned long inode, drops;
	uint64_t found = 0;
	char line[512];
	struct stat st;
	FILE *f;

	if (fstat(t->fd, &st) == -1)
		return 0;
	f = fopen("/proc/net/raw", "re");
	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line,
			   "%*s %*s %*s %*s %*s %*s %*s %*s %*s %lu %*s "
			   "%*s %lu",
			   &inode, &drops) == 2 &&
		    inode == (unsigned long)st.st_ino) {
			found = drops;
			break;
		}
	}
	fclose(f);
	return found;
}

unsigned pfsd_transport_rcvbuf(const struct pfsd_transport *t)
{
	socklen_t len = sizeof(int);
	int v = 0;

	if (getsockopt(t->fd, SOL_SOCKET, SO_RCVBUF, &v, &len) == -1)
		return 0;
	return (unsigned)v; /* what the kernel accounts: twice the request */
}

static void tp_rx_init(struct pfsd_transport *t)
{
	unsigned i;

	for (i = 0; i < PFSD_TP_RX_BATCH; i++) {
		t->rxiov[i].iov_base = t->rxbuf[i];
		t->rxiov[i].iov_len = TP_RX_SLOT;
	}
}

static int tp_open(struct pfsd_transport *t, const char *syncdev)
{
	t->fd = socket(AF_INET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       PFS_V3_PROTO);
	if (t->fd == -1 || tp_setup_common(t->fd) == -1)
		return -1;
	if (syncdev[0] != '\0') {
		t->ifindex = if_nametoindex(syncdev);
		if (t->ifindex == 0) {
			errno = ENODEV;
			return -1;
		}
		memcpy(t->syncdev, syncdev, strnlen(syncdev, IF_NAMESIZE - 1));
		if (tp_setup_syncdev(t) == -1)
			return -1;
	}
	if (pfsd_loop_add_fd(t->loop, t->fd, EPOLLIN, tp_on_readable, t) == -1)
		return -1;
	/* peers' packets are never resent: read them before anything else */
	pfsd_loop_fd_first(t->loop, t->fd);
	return 0;
}

struct pfsd_transport *pfsd_transport_new(struct pfsd_loop *loop,
					  const char *syncdev, unsigned rcvbuf,
					  pfsd_tp_rx_cb cb, void *arg)
{
	struct pfsd_transport *t;
	int saved;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->loop = loop;
	t->cb = cb;
	t->arg = arg;
	t->fd6 = -1;
	tp_rx_init(t);
	if (tp_open(t, syncdev) == -1 ||
	    pfsd_transport_set_rcvbuf(t, rcvbuf) == -1) {
		saved = errno;
		if (t->fd != -1)
			close(t->fd);
		free(t);
		errno = saved;
		return NULL;
	}
	return t;
}

int pfsd_transport_bind_dev(struct pfsd_transport *t)
{
	size_t n = strnlen(t->syncdev, IF_NAMESIZE - 1);

	if (n == 0) {
		errno = ENODEV;
		return -1;
	}
	if (setsockopt(t->fd, SOL_SOCKET, SO_BINDTODEVICE, t->syncdev,
		       (socklen_t)n) == -1)
		return -1;
	if (t->fd6 != -1 && setsockopt(t->fd6, SOL_SOCKET, SO_BINDTODEVICE,
				       t->syncdev, (socklen_t)n) == -1)
		return -1;
	return 0;
}

void pfsd_transport_free(struct pfsd_transport *t)
{
	if (t == NULL)
		return;
	(void)pfsd_transport_flush(t); /* last packets (a CLR) still go */
	pfsd_loop_del_fd(t->loop, t->fd);
	close(t->fd); /* leaves the group too */
	if (t->fd6 != -1) {
		pfsd_loop_del_fd(t->loop, t->fd6);
		close(t->fd6);
	}
	free(t);
}

/*
 * The IPv4 header a raw socket hands us:
 *
 *   0  1  version (4) << 4 | ihl (32-bit words)
 *   2  2  tot_len (Linux: network order, as on the wire)
 *   8  1  ttl
 *   9  1  protocol (240)
 *  12  4  source address
 *  16  4  destination address
 */
int pfsd_transport_parse_ip(const uint8_t *pkt, size_t len, uint32_t *src,
			    uint8_t *ttl, const uint8_t **payload, size_t *plen)
{
	size_t ihl, tot;

	if (len < TP_IP_MIN_HDR || (pkt[0] >> 4) != 4)
		return -1;
	ihl = (size_t)(pkt[0] & 0x0f) * 4;
	tot = (size_t)pkt[2] << 8 | pkt[3];
	if (ihl < TP_IP_MIN_HDR || ihl > len || pkt[9] != PFS_V3_PROTO)
		return -1;
	/* Believe the shorter of tot_len and what we read. */
	if (tot < ihl || tot > len)
		tot = len;
	*ttl = pkt[8];
	*src = (uint32_t)pkt[12] << 24 | (uint32_t)pkt[13] << 16 |
	       (uint32_t)pkt[14] << 8 | pkt[15];
	*payload = pkt + ihl;
	*plen = tot - ihl;
	return 0;
}

static bool tp_is_local(const struct pfsd_transport *t, uint32_t src)
{
	size_t i;

	for (i = 0; i < t->nlocal; i++)
		if (t->local[i] == src)
			return true;
	return false;
}

/* The ingress interface, and the kernel's drop count into *ovfl when
 * the datagram carries one (true). */
static unsigned tp_cmsg(struct msghdr *mh, uint32_t *ovfl, bool *has_ovfl)
{
	unsigned ifindex = 0;
	struct cmsghdr *c;

	*has_ovfl = false;
	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		struct in_pktinfo pi;

		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SO_RXQ_OVFL) {
			memcpy(ovfl, CMSG_DATA(c), sizeof(*ovfl));
			*has_ovfl = true;
		}
		if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_PKTINFO)
			continue;
		memcpy(&pi, CMSG_DATA(c), sizeof(pi));
		ifindex = (unsigned)pi.ipi_ifindex;
	}
	return ifindex;
}

/* The drop count is the socket's, a u32 that wraps: add what it grew. */
static void tp_count_drops(struct pfsd_transport *t, struct tp_ovfl *o,
			   uint32_t ovfl)
{
	if (o->seen)
		t->stats.kernel_drops += (uint32_t)(ovfl - o->last);
	else
		t->stats.kernel_drops += ovfl;
	o->last = ovfl;
	o->seen = true;
}

/*
 * A source a peer can have: not 0.0.0.0/8 (no host's source, and inside
 * pfsyncd the keys of IPv6 peers; a NACK from 0.0.0.0 to the group would
 * be answered to the whole group), not multicast (224/4) and not 240/4
 * (reserved, and the limited broadcast 255.255.255.255).  Replies of
 * ours must never go to such an address.
 */
static bool tp_src_plausible(uint32_t src)
{
	return (src >> 24) != 0 && (src >> 28) != 0xe && (src >> 28) != 0xf;
}

/* An IPv6 source a peer can have: not ::, not multicast (ff00::/8). */
static bool tp_src6_plausible(const struct in6_addr *src)
{
	return !IN6_IS_ADDR_UNSPECIFIED(src) && !IN6_IS_ADDR_MULTICAST(src);
}

/* Hand one received datagram (slot i, n bytes) to the callback. */
static void tp_handle(struct pfsd_transport *t, unsigned i, size_t n)
{
	struct msghdr *mh = &t->rxmsg[i].msg_hdr;
	struct pfs_rx_meta m;
	const uint8_t *pl;
	unsigned ifindex;
	uint32_t ovfl = 0;
	bool has_ovfl;
	size_t plen;

	ifindex = tp_cmsg(mh, &ovfl, &has_ovfl);
	if (has_ovfl)
		tp_count_drops(t, &t->ovfl, ovfl);
	t->stats.received++;
	memset(&m, 0, sizeof(m));
	if ((mh->msg_flags & MSG_TRUNC) != 0 ||
	    pfsd_transport_parse_ip(t->rxbuf[i], n, &m.src, &m.ttl, &pl,
				    &plen) == -1) {
		t->stats.malformed++;
		return;
	}
	if (tp_is_local(t, m.src)) {
		t->stats.own++;
		return;
	}
	if (!tp_src_plausible(m.src)) {
		t->stats.badsrc++;
		return;
	}
	m.on_syncdev = t->ifindex != 0 && ifindex == t->ifindex;
	t->cb(t->arg, pl, plen, &m);
}

/* IPv6: the ingress interface and the hop limit (-1 when not given),
 * the kernel's drop count as tp_cmsg. */
static unsigned tp_cmsg6(struct msghdr *mh, int *hops, uint32_t *ovfl,
			 bool *has_ovfl)
{
	unsigned ifindex = 0;
	struct cmsghdr *c;

	*hops = -1;
	*has_ovfl = false;
	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		struct in6_pktinfo pi;

		if (c->cmsg_level == SOL_SOCKET &&
		    c->cmsg_type == SO_RXQ_OVFL) {
			memcpy(ovfl, CMSG_DATA(c), sizeof(*ovfl));
			*has_ovfl = true;
		}
		if (c->cmsg_level != IPPROTO_IPV6)
			continue;
		if (c->cmsg_type == IPV6_HOPLIMIT)
			memcpy(hops, CMSG_DATA(c), sizeof(*hops));
		if (c->cmsg_type == IPV6_PKTINFO) {
			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			ifindex = (unsigned)pi.ipi6_ifindex;
		}
	}
	return ifindex;
}

static bool tp_is_local6(const struct pfsd_transport *t,
			 const struct in6_addr *a)
{
	size_t i;

	for (i = 0; i < t->nlocal6; i++)
		if (IN6_ARE_ADDR_EQUAL(&t->local6[i], a))
			return true;
	return false;
}

/*
 * One IPv6 datagram: a raw IPv6 socket hands over the payload alone,
 * the source in msg_name and the hop limit as ancillary data.  The
 * source becomes its peer key (peeraddr.h); the hop limit goes where
 * the IPv4 TTL goes, so the engine's TTL 255 check applies (BADTTL).
 */
static void tp_handle6(struct pfsd_transport *t, unsigned i, size_t n)
{
	struct msghdr *mh = &t->rxmsg[i].msg_hdr;
	const struct in6_addr *src = &t->rxfrom[i].sin6_addr;
	struct pfs_rx_meta m;
	unsigned ifindex;
	uint32_t ovfl = 0;
	bool has_ovfl;
	int hops;

	ifindex = tp_cmsg6(mh, &hops, &ovfl, &has_ovfl);
	if (has_ovfl)
		tp_count_drops(t, &t->ovfl6, ovfl);
	t->stats.received++;
	if ((mh->msg_flags & MSG_TRUNC) != 0 ||
	    mh->msg_namelen < sizeof(struct sockaddr_in6)) {
		t->stats.malformed++;
		return;
	}
	if (tp_is_local6(t, src)) {
		t->stats.own++;
		return;
	}
	if (!tp_src6_plausible(src)) {
		t->stats.badsrc++;
		return;
	}
	memset(&m, 0, sizeof(m));
	/* a new source gets a provisional key: it becomes a peer only once
	 * its packet passes the seal or header check (dmn_rx, L2) */
	m.src = pfsd_peeraddr_probe(t->pa, src->s6_addr, pfsd_now_ms());
	if (m.src == PFSD_PEERADDR_KEY_MAX)
		return; /* no room: every entry a talking peer (counted) */
	m.ttl = hops >= 0 && hops <= 255 ? (uint8_t)hops : 0;
	m.on_syncdev = t->ifindex != 0 && ifindex == t->ifindex;
	t->cb(t->arg, t->rxbuf[i], n, &m);
}

/* One recvmmsg: the number of datagrams handled, 0 when empty. */
static unsigned tp_read_batch(struct pfsd_transport *t, int fd)
{
	unsigned i;
	int n;

	for (i = 0; i < PFSD_TP_RX_BATCH; i++) {
		struct msghdr *mh = &t->rxmsg[i].msg_hdr;

		memset(mh, 0, sizeof(*mh));
		mh->msg_iov = &t->rxiov[i];
		mh->msg_iovlen = 1;
		mh->msg_control = t->rxcbuf[i].b;
		mh->msg_controllen = sizeof(t->rxcbuf[i].b);
		if (fd == t->fd6) {
			mh->msg_name = &t->rxfrom[i];
			mh->msg_namelen = sizeof(t->rxfrom[i]);
		}
	}
	n = recvmmsg(fd, t->rxmsg, PFSD_TP_RX_BATCH, MSG_DONTWAIT, NULL);
	if (n <= 0) {
		if (n == -1 && errno != EAGAIN && errno != EINTR)
			log_warn("pfsync socket: recvmmsg");
		return 0;
	}
	t->stats.batches++;
	for (i = 0; i < (unsigned)n; i++) {
		if (fd == t->fd6)
			tp_handle6(t, i, t->rxmsg[i].msg_len);
		else
			tp_handle(t, i, t->rxmsg[i].msg_len);
	}
	return (unsigned)n;
}

static void tp_on_readable(void *arg, int fd, uint32_t events)
{
	struct pfsd_transport *t = arg;
	unsigned done = 0, n;

	(void)events;
	while (done < PFSD_TP_RX_BUDGET) {
		n = tp_read_batch(t, fd);
		done += n;
		if (n < PFSD_TP_RX_BATCH)
			break;
	}
}

/* A destination over IPv6: the group, or the address of a peer key. */
static int tp_dst6(const struct pfsd_transport *t, struct sockaddr_in6 *sin6,
		   uint32_t dst)
{
	sin6->sin6_family = AF_INET6;
	if (dst == PFS_V3_GROUP)
		sin6->sin6_addr = t->group6;
	else if (pfsd_peeraddr_addr(t->pa, dst, sin6->sin6_addr.s6_addr) == -1)
		return -1; /* a key of a peer since forgotten */
	if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr) ||
	    IN6_IS_ADDR_MC_LINKLOCAL(&sin6->sin6_addr))
		sin6->sin6_scope_id = t->ifindex;
	return 0;
}

/*
 * Where dst goes and on which socket: with IPv6 on, the group and the
 * keys of IPv6 peers over IPv6, IPv4 addresses (peers heard over IPv4)
 * over IPv4 as ever.  The socket, or -1 with *len 0 for a key that no
 * longer names a peer.
 */
static int tp_dst(const struct pfsd_transport *t, union tp_addr *to,
		  socklen_t *len, uint32_t dst)
{
	memset(to, 0, sizeof(*to));
	if (t->fd6 != -1 &&
	    (dst == PFS_V3_GROUP || pfsd_peeraddr_is_key(dst))) {
		*len = sizeof(to->in6);
		if (tp_dst6(t, &to->in6, dst) == 0)
			return t->fd6;
		*len = 0;
		return -1;
	}
	to->in.sin_family = AF_INET;
	to->in.sin_addr.s_addr = htonl(dst);
	*len = sizeof(to->in);
	return t->fd;
}

static void tp_send_failed(struct pfsd_transport *t, int e,
			   const union tp_addr *to)
{
	char s[INET6_ADDRSTRLEN] = "a forgotten peer";

	t->stats.send_errors++;
	if (to->sa.sa_family == AF_INET6)
		inet_ntop(AF_INET6, &to->in6.sin6_addr, s, sizeof(s));
	else if (to->sa.sa_family == AF_INET)
		inet_ntop(AF_INET, &to->in.sin_addr, s, sizeof(s));
	/* Once per cause: an nft drop (EPERM) can last a while. */
	if (e != t->last_errno) {
		errno = e;
		log_warn("pfsync send to %s", s);
	}
	t->last_errno = e;
	errno = e;
}

int pfsd_transport_send(struct pfsd_transport *t, const uint8_t *p, size_t len,
			uint32_t dst)
{
	union tp_addr to;
	socklen_t tolen;
	int fd;

	t->tx_failed += pfsd_transport_flush(t);
	fd = tp_dst(t, &to, &tolen, dst);
	if (fd == -1) {
		tp_send_failed(t, EHOSTUNREACH, &to);
		return -1;
	}
	if (sendto(fd, p, len, 0, &to.sa, tolen) == -1) {
		tp_send_failed(t, errno, &to);
		return -1;
	}
	t->last_errno = 0;
	return 0;
}

int pfsd_transport_queue(struct pfsd_transport *t, const uint8_t *p, size_t len,
			 uint32_t dst)
{
	unsigned i;
	union tp_addr to;
	socklen_t tolen;
	int fd;

	if (len > PFSD_TP_TX_SLOT)
		return pfsd_transport_send(t, p, len, dst);
	fd = tp_dst(t, &to, &tolen, dst);
	if (fd == -1) {
		tp_send_failed(t, EHOSTUNREACH, &to);
		return -1;
	}
	if (t->txn > 0 && fd != t->txfd) /* one socket per sendmmsg */
		t->tx_failed += pfsd_transport_flush(t);
	i = t->txn;
	t->txfd = fd;
	memcpy(t->txbuf[i], p, len);
	t->txiov[i].iov_base = t->txbuf[i];
	t->txiov[i].iov_len = len;
	t->txto[i] = to;
	memset(&t->txmsg[i], 0, sizeof(t->txmsg[i]));
	t->txmsg[i].msg_hdr.msg_name = &t->txto[i];
	t->txmsg[i].msg_hdr.msg_namelen = tolen;
	t->txmsg[i].msg_hdr.msg_iov = &t->txiov[i];
	t->txmsg[i].msg_hdr.msg_iovlen = 1;
	t->txn++;
	if (t->txn == PFSD_TP_TX_BATCH)
		t->tx_failed += pfsd_transport_flush(t);
	return 0;
}

/*
 * sendmmsg stops at the first packet that fails: it returns how many
 * went before it, or -1 when the first one fails.  That one is counted
 * and skipped, the rest are sent on, as single sendto calls would.
 */
unsigned pfsd_transport_flush(struct pfsd_transport *t)
{
	unsigned done = 0, failed = 0;
	int r;

	while (done < t->txn) {
		r = sendmmsg(t->txfd, t->txmsg + done, t->txn - done, 0);
		if (r > 0) {
			done += (unsigned)r;
			t->last_errno = 0;
			continue;
		}
		if (r == -1 && errno == EINTR)
			continue;
		tp_send_failed(t, r == -1 ? errno : EIO, &t->txto[done]);
		failed++;
		done++;
	}
	t->txn = 0;
	return failed;
}

unsigned pfsd_transport_take_failures(struct pfsd_transport *t)
{
	unsigned n = t->tx_failed;

	t->tx_failed = 0;
	return n;
}

uint32_t pfsd_transport_src(const struct pfsd_transport *t)
{
	return t->nlocal > 0 ? t->local[0] : 0;
}

unsigned pfsd_transport_mtu(const struct pfsd_transport *t)
{
	return t->mtu;
}

const struct pfsd_tp_stats *pfsd_transport_stats(const struct pfsd_transport *t)
{
	return &t->stats;
}

/* The IPv6 socket's options: as the IPv4 one's, hop limit for TTL,
 * traffic class for TOS, no fragmentation, the hop limit of each
 * datagram and its interface reported. */
static int tp_setup6_common(int fd)
{
	if (tp_setint(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) == -1 ||
	    tp_setint(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) == -1 ||
	    tp_setint(fd, SOL_SOCKET, SO_RXQ_OVFL, 1) == -1 ||
	    tp_setint(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, PFS_V3_TTL) == -1 ||
	    tp_setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, PFS_V3_TTL) ==
		-1 ||
	    tp_setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0) == -1 ||
	    tp_setint(fd, IPPROTO_IPV6, IPV6_TCLASS, IPTOS_LOWDELAY) == -1 ||
	    tp_setint(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO) ==
		-1)
		return -1;
	if (tp_setint(fd, SOL_SOCKET, SO_SNDBUFFORCE, PFSD_TP_SOCKBUF) == -1)
		(void)tp_setint(fd, SOL_SOCKET, SO_SNDBUF, PFSD_TP_SOCKBUF);
	return 0;
}

/* Join the group on the syncdev and send multicast through it. */
static int tp_setup6_syncdev(struct pfsd_transport *t, int fd)
{
	struct ipv6_mreq mr;

	if (t->ifindex == 0)
		return 0;
	memset(&mr, 0, sizeof(mr));
	mr.ipv6mr_multiaddr = t->group6;
	mr.ipv6mr_interface = t->ifindex;
	if (IN6_IS_ADDR_MULTICAST(&t->group6) &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_JOIN_GROUP, &mr, sizeof(mr)) ==
		-1)
		return -1;
	return tp_setint(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, (int)t->ifindex);
}

int pfsd_transport_set_inet6(struct pfsd_transport *t, const uint8_t group[16],
			     struct pfsd_peeraddr *pa, unsigned rcvbuf)
{
	int fd, saved;

	if (t->fd6 != -1) {
		errno = EALREADY;
		return -1;
	}
	memcpy(t->group6.s6_addr, group, 16);
	t->pa = pa;
	fd = socket(AF_INET6, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC,
		    PFS_V3_PROTO);
	if (fd == -1)
		return -1;
	if (tp_setup6_common(fd) == -1 || tp_set_rcvbuf(fd, rcvbuf) == -1 ||
	    tp_setup6_syncdev(t, fd) == -1 ||
	    pfsd_loop_add_fd(t->loop, fd, EPOLLIN, tp_on_readable, t) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	pfsd_loop_fd_first(t->loop, fd);
	t->fd6 = fd;
	return 0;
}

bool pfsd_transport_inet6(const struct pfsd_transport *t)
{
	return t->fd6 != -1;
}

/* A local address of the scope of dst (link-local or not), :: if none. */
static void tp_src6(const struct pfsd_transport *t,
		    const struct in6_addr *dst, uint8_t src6[16])
{
	bool ll = IN6_IS_ADDR_LINKLOCAL(dst) || IN6_IS_ADDR_MC_LINKLOCAL(dst);
	size_t i;

	memset(src6, 0, 16);
	for (i = 0; i < t->nlocal6; i++) {
		if (IN6_IS_ADDR_LINKLOCAL(&t->local6[i]) != ll)
			continue;
		memcpy(src6, t->local6[i].s6_addr, 16);
		return;
	}
	if (t->nlocal6 > 0)
		memcpy(src6, t->local6[0].s6_addr, 16);
}

int pfsd_transport_addr6(const struct pfsd_transport *t, uint32_t dst,
			 uint8_t src6[16], uint8_t dst6[16])
{
	union tp_addr to;
	socklen_t len;

	if (t->fd6 == -1 || tp_dst(t, &to, &len, dst) != t->fd6)
		return -1;
	memcpy(dst6, to.in6.sin6_addr.s6_addr, 16);
	tp_src6(t, &to.in6.sin6_addr, src6);
	return 0;
}
