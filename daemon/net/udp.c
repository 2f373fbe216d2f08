/*
 * udp.c - pfsync over UDP (see udp.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "pfsync/wire_v3.h"

#include "config.h"
#include "os/log.h"
#include "net/peeraddr.h"
#include "net/udp.h"

#define UDP_RX_BUF 65536

struct pfsd_udp {
	struct pfsd_loop *loop;
	int fd;
	int fd6; /* IPv6 peers, -1 when none */
	struct pfsd_peeraddr *pa;
	unsigned port;
	unsigned ifindex; /* syncdev, 0 = none */
	uint32_t peers[PFSD_PEERS_MAX + 1];
	size_t npeers;
	int last_errno;
	pfsd_tp_rx_cb cb;
	void *arg;
	struct pfsd_udp_stats stats;
	uint8_t rxbuf[UDP_RX_BUF];
};

static int udp_setint(int fd, int level, int opt, int v)
{
	return setsockopt(fd, level, opt, &v, sizeof(v));
}

static void udp_on_readable(void *arg, int fd, uint32_t events);

static int udp_open(struct pfsd_udp *u, const char *syncdev)
{
	struct sockaddr_in sin;

	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	/* REUSEADDR: a reload opens the new socket before closing the old */
	if (u->fd == -1 || udp_setint(u->fd, IPPROTO_IP, IP_PKTINFO, 1) == -1 ||
	    udp_setint(u->fd, SOL_SOCKET, SO_REUSEADDR, 1) == -1)
		return -1;
	if (udp_setint(u->fd, SOL_SOCKET, SO_RCVBUFFORCE, PFSD_TP_SOCKBUF) ==
	    -1)
		(void)udp_setint(u->fd, SOL_SOCKET, SO_RCVBUF, PFSD_TP_SOCKBUF);
	if (syncdev[0] != '\0') {
		u->ifindex = if_nametoindex(syncdev);
		if (u->ifindex == 0) {
			errno = ENODEV;
			return -1;
		}
	}
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)u->port);
	if (bind(u->fd, (const struct sockaddr *)&sin, sizeof(sin)) == -1)
		return -1;
	return pfsd_loop_add_fd(u->loop, u->fd, EPOLLIN, udp_on_readable, u);
}

struct pfsd_udp *pfsd_udp_new(struct pfsd_loop *loop, unsigned port,
			      const char *syncdev, pfsd_tp_rx_cb cb, void *arg)
{
	struct pfsd_udp *u;
	int saved;

	u = calloc(1, sizeof(*u));
	if (u == NULL)
		return NULL;
	u->loop = loop;
	u->port = port;
	u->cb = cb;
	u->arg = arg;
	u->fd6 = -1;
	if (udp_open(u, syncdev) == -1) {
		saved = errno;
		if (u->fd != -1)
			close(u->fd);
		free(u);
		errno = saved;
		return NULL;
	}
	return u;
}

void pfsd_udp_free(struct pfsd_udp *u)
{
	if (u == NULL)
		return;
	pfsd_loop_del_fd(u->loop, u->fd);
	close(u->fd);
	if (u->fd6 != -1) {
		pfsd_loop_del_fd(u->loop, u->fd6);
		close(u->fd6);
	}
	free(u);
}

void pfsd_udp_set_peers(struct pfsd_udp *u, const uint32_t *peers, size_t n)
{
	if (n > PFSD_PEERS_MAX + 1)
		n = PFSD_PEERS_MAX + 1;
	memcpy(u->peers, peers, n * sizeof(peers[0]));
	u->npeers = n;
}

static bool udp_is_peer(const struct pfsd_udp *u, uint32_t a)
{
	size_t i;

	for (i = 0; i < u->npeers; i++)
		if (u->peers[i] == a)
			return true;
	return false;
}

static unsigned udp_cmsg_ifindex(struct msghdr *mh)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c != NULL; c = CMSG_NXTHDR(mh, c)) {
		struct in_pktinfo pi;
		struct in6_pktinfo pi6;

		if (c->cmsg_level == IPPROTO_IPV6 &&
		    c->cmsg_type == IPV6_PKTINFO) {
			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			return (unsigned)pi6.ipi6_ifindex;
		}
		if (c->cmsg_level != IPPROTO_IP || c->cmsg_type != IP_PKTINFO)
			continue;
		memcpy(&pi, CMSG_DATA(c), sizeof(pi));
		return (unsigned)pi.ipi_ifindex;
	}
	return 0;
}

/* The peer a datagram came from: its IPv4 address (host order) or the
 * key of an IPv6 peer; 0 for an IPv6 address that is no peer's. */
static uint32_t udp_from(const struct pfsd_udp *u,
			 const struct sockaddr_in6 *from)
{
	const struct sockaddr_in *sin =
	    (const struct sockaddr_in *)(const void *)from;

	if (from->sin6_family == AF_INET6)
		return pfsd_peeraddr_find(u->pa, from->sin6_addr.s6_addr);
	return ntohl(sin->sin_addr.s_addr);
}

/* Read one datagram; 1 if one was handled, 0 if the socket is empty. */
static int udp_read_one(struct pfsd_udp *u, int fd)
{
	union {
		struct cmsghdr align;
		uint8_t b[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} cbuf;
	struct iovec iov = {u->rxbuf, sizeof(u->rxbuf)};
	struct sockaddr_in6 from; /* or a sockaddr_in */
	struct pfs_rx_meta m;
	struct msghdr mh;
	ssize_t n;

	memset(&mh, 0, sizeof(mh));
	mh.msg_name = &from;
	mh.msg_namelen = sizeof(from);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = cbuf.b;
	mh.msg_controllen = sizeof(cbuf.b);
	n = recvmsg(fd, &mh, 0);
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			log_warn("udp socket: recvmsg");
		return 0;
	}
	memset(&m, 0, sizeof(m));
	m.src = udp_from(u, &from);
	if (m.src == 0 || !udp_is_peer(u, m.src)) {
		u->stats.unknown++;
		return 1;
	}
	m.ttl = PFS_V3_TTL;
	m.on_syncdev = u->ifindex == 0 || udp_cmsg_ifindex(&mh) == u->ifindex;
	u->stats.rx++;
	u->cb(u->arg, u->rxbuf, (size_t)n, &m);
	return 1;
}

static void udp_on_readable(void *arg, int fd, uint32_t events)
{
	struct pfsd_udp *u = arg;
	int i;

	(void)events;
	for (i = 0; i < PFSD_TP_RX_BUDGET; i++)
		if (udp_read_one(u, fd) == 0)
			break;
}

int pfsd_udp_set_inet6(struct pfsd_udp *u, struct pfsd_peeraddr *pa)
{
	struct sockaddr_in6 sin6;
	int fd, saved;

	u->pa = pa;
	if (u->fd6 != -1)
		return 0;
	fd = socket(AF_INET6, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd == -1)
		return -1;
	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons((uint16_t)u->port);
	if (udp_setint(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1) == -1 ||
	    udp_setint(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) == -1 ||
	    udp_setint(fd, SOL_SOCKET, SO_REUSEADDR, 1) == -1 ||
	    bind(fd, (const struct sockaddr *)&sin6, sizeof(sin6)) == -1 ||
	    pfsd_loop_add_fd(u->loop, fd, EPOLLIN, udp_on_readable, u) == -1) {
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (udp_setint(fd, SOL_SOCKET, SO_RCVBUFFORCE, PFSD_TP_SOCKBUF) == -1)
		(void)udp_setint(fd, SOL_SOCKET, SO_RCVBUF, PFSD_TP_SOCKBUF);
	u->fd6 = fd;
	return 0;
}

static void udp_send_failed(struct pfsd_udp *u, uint32_t dst)
{
	char s[PFSD_PEERADDR_STRLEN];

	u->stats.send_errors++;
	if (errno != u->last_errno)
		log_warn("udp send to %s",
			 pfsd_peeraddr_str(u->pa, dst, s, sizeof(s)));
	u->last_errno = errno;
}

/* An IPv6 peer's key to its address; -1 when forgotten or no socket. */
static int udp_dst6(const struct pfsd_udp *u, uint32_t dst,
		    struct sockaddr_in6 *sin6)
{
	memset(sin6, 0, sizeof(*sin6));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons((uint16_t)u->port);
	if (u->fd6 == -1 ||
	    pfsd_peeraddr_addr(u->pa, dst, sin6->sin6_addr.s6_addr) == -1) {
		errno = EHOSTUNREACH;
		return -1;
	}
	if (IN6_IS_ADDR_LINKLOCAL(&sin6->sin6_addr))
		sin6->sin6_scope_id = u->ifindex;
	return 0;
}

int pfsd_udp_send(struct pfsd_udp *u, const uint8_t *p, size_t len,
		  uint32_t dst)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	ssize_t rc;

	if (pfsd_peeraddr_is_key(dst)) {
		rc = udp_dst6(u, dst, &sin6);
		if (rc == 0)
			rc = sendto(u->fd6, p, len, 0,
				    (const struct sockaddr *)&sin6,
				    sizeof(sin6));
	} else {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((uint16_t)u->port);
		sin.sin_addr.s_addr = htonl(dst);
		rc = sendto(u->fd, p, len, 0, (const struct sockaddr *)&sin,
			    sizeof(sin));
	}
	if (rc == -1) {
		udp_send_failed(u, dst);
		return -1;
	}
	u->last_errno = 0;
	u->stats.tx++;
	return 0;
}

unsigned pfsd_udp_port(const struct pfsd_udp *u)
{
	return u->port;
}

struct pfsd_udp_stats *pfsd_udp_stats(struct pfsd_udp *u)
{
	return &u->stats;
}
