/*
 * live.c - protocol 240 from one interface, live (see live.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "live.h"

/*
 * Classic BPF, run on the packet from its network header (SOCK_DGRAM):
 * accept IPv4 (version nibble 4) with protocol 240 and IPv6 (nibble 6)
 * with next header 240, drop the rest.
 */
static int live_attach_filter(int fd)
{
	static const struct sock_filter prog[] = {
	    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 0),
	    BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0xf0),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x40, 0, 2),
	    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 9),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 240, 3, 4),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x60, 0, 3),
	    BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 6),
	    BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 240, 0, 1),
	    BPF_STMT(BPF_RET | BPF_K, CTL_LIVE_BUF),
	    BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog fp = {
	    .len = sizeof(prog) / sizeof(prog[0]),
	    /* the kernel only reads the program */
	    .filter = (struct sock_filter *)(uintptr_t)prog,
	};

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &fp, sizeof(fp));
}

/* Socket bound to one interface, all protocols, link header stripped. */
static int live_open(const char *ifname, const char *who, int *is_lo, FILE *err)
{
	struct sockaddr_ll sll;
	struct ifreq ifr;
	unsigned idx;
	int fd;

	idx = if_nametoindex(ifname);
	if (idx == 0 || strlen(ifname) >= IFNAMSIZ) {
		fprintf(err, "%s: %s: no such interface\n", who, ifname);
		return -1;
	}
	fd = socket(AF_PACKET, SOCK_DGRAM | SOCK_CLOEXEC, htons(ETH_P_ALL));
	if (fd == -1) {
		fprintf(err, "%s: %s: socket: %s\n", who, ifname,
			strerror(errno));
		return -1;
	}
	memset(&sll, 0, sizeof(sll));
	sll.sll_family = AF_PACKET;
	sll.sll_protocol = htons(ETH_P_ALL);
	sll.sll_ifindex = (int)idx;
	if (live_attach_filter(fd) == -1 ||
	    bind(fd, (struct sockaddr *)&sll, sizeof(sll)) == -1) {
		fprintf(err, "%s: %s: %s\n", who, ifname, strerror(errno));
		close(fd);
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, ifname, strlen(ifname));
	*is_lo = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0 &&
		 (ifr.ifr_flags & IFF_LOOPBACK) != 0;
	return fd;
}

/*
 * Receive one packet and hand it on.  On loopback every packet passes
 * the tap twice, once outgoing and once incoming; like libpcap we drop
 * the outgoing copy.  Returns fn's answer, 0 for nothing read.
 */
static int live_one(int fd, int is_lo, uint8_t *buf, ctl_live_fn fn, void *arg)
{
	struct sockaddr_ll from;
	socklen_t fl = sizeof(from);
	struct timespec ts;
	ssize_t n;

	n = recvfrom(fd, buf, CTL_LIVE_BUF, 0, (struct sockaddr *)&from, &fl);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -1;
	if (is_lo && from.sll_pkttype == PACKET_OUTGOING)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	return fn(arg, buf, (size_t)n, &ts);
}

static int live_loop(int fd, int sfd, int is_lo, ctl_live_fn fn, void *arg)
{
	struct pollfd pfd[2] = {{fd, POLLIN, 0}, {sfd, POLLIN, 0}};
	uint8_t *buf = malloc(CTL_LIVE_BUF);
	int rc = 0;

	if (buf == NULL)
		return -1;
	while (rc == 0) {
		if (poll(pfd, 2, -1) == -1) {
			if (errno == EINTR)
				continue;
			rc = -1;
		} else if (pfd[1].revents & POLLIN) {
			break; /* SIGINT or SIGTERM: a normal end */
		} else if (pfd[0].revents & (POLLIN | POLLERR)) {
			rc = live_one(fd, is_lo, buf, fn, arg);
		}
	}
	free(buf);
	return rc == -1 ? -1 : 0;
}

int ctl_live_run(const char *ifname, const char *who, ctl_live_fn fn, void *arg,
		 FILE *err)
{
	sigset_t set, old;
	int fd, sfd, is_lo = 0, rc = -1;

	fd = live_open(ifname, who, &is_lo, err);
	if (fd == -1)
		return -1;
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, &old);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd == -1) {
		fprintf(err, "%s: signalfd: %s\n", who, strerror(errno));
	} else {
		rc = live_loop(fd, sfd, is_lo, fn, arg);
		if (rc == -1)
			fprintf(err, "%s: %s: %s\n", who, ifname,
				strerror(errno));
	}
	if (sfd != -1)
		close(sfd);
	close(fd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
