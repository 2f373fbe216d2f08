/*
 * tun.c - the pfsync0 TUN interface (see tun.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "pfsync/wire_v3.h"

#include "os/log.h"
#include "os/nftdel.h"
#include "net/tun.h"

#define TUN_DEV "/dev/net/tun"
#define TUN_IP_DF 0x4000
#define TUN_IP_TOS_LOWDELAY 0x10

struct pfsd_tun {
	int fd;
	int ctl; /* AF_INET datagram socket for the interface ioctls */
	char name[IFNAMSIZ];
	unsigned mtu;
	bool up;
	bool nft_table; /* we installed the drop table */
	uint16_t ip_id;
	uint64_t drops;
	unsigned ifindex;
	bool tap_always;    /* config tap always */
	unsigned listeners; /* packet sockets seen at the last poll */
};

static void tun_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void tun_put32(uint8_t *p, uint32_t v)
{
	tun_put16(p, (uint16_t)(v >> 16));
	tun_put16(p + 2, (uint16_t)v);
}

/* RFC 1071 one's complement sum over the header. */
static uint16_t tun_cksum(const uint8_t *p, size_t n)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/*
 * IPv4 header, 20 bytes:
 *   0 ver/ihl 0x45   1 tos 0x10   2 tot_len   4 id   6 flags/frag (DF)
 *   8 ttl 255        9 proto 240  10 checksum 12 src 16 dst
 */
void pfsd_tun_ip_header(uint8_t hdr[PFSD_TUN_IPHDR], size_t payload_len,
			uint16_t id, uint32_t src, uint32_t dst)
{
	memset(hdr, 0, PFSD_TUN_IPHDR);
	hdr[0] = 0x45;
	hdr[1] = TUN_IP_TOS_LOWDELAY;
	tun_put16(hdr + 2, (uint16_t)(PFSD_TUN_IPHDR + payload_len));
	tun_put16(hdr + 4, id);
	tun_put16(hdr + 6, TUN_IP_DF);
	hdr[8] = PFS_V3_TTL;
	hdr[9] = PFS_V3_PROTO;
	tun_put32(hdr + 12, src);
	tun_put32(hdr + 16, dst);
	tun_put16(hdr + 10, tun_cksum(hdr, PFSD_TUN_IPHDR));
}

/*
 * IPv6 header, 40 bytes:
 *   0 version 6, traffic class 0x10, flow label 0 (4 bytes)
 *   4 payload length   6 next header 240   7 hop limit 255
 *   8 src (16)        24 dst (16)
 */
void pfsd_tun_ip6_header(uint8_t hdr[PFSD_TUN_IP6HDR], size_t payload_len,
			 const uint8_t src[16], const uint8_t dst[16])
{
	memset(hdr, 0, PFSD_TUN_IP6HDR);
	hdr[0] = 0x60 | TUN_IP_TOS_LOWDELAY >> 4;
	hdr[1] = (uint8_t)(TUN_IP_TOS_LOWDELAY << 4);
	tun_put16(hdr + 4, (uint16_t)payload_len);
	hdr[6] = PFS_V3_PROTO;
	hdr[7] = PFS_V3_TTL;
	memcpy(hdr + 8, src, 16);
	memcpy(hdr + 24, dst, 16);
}

static void tun_ifreq(const struct pfsd_tun *t, struct ifreq *ifr)
{
	memset(ifr, 0, sizeof(*ifr));
	memcpy(ifr->ifr_name, t->name, IFNAMSIZ);
}

int pfsd_tun_set_mtu(struct pfsd_tun *t, unsigned mtu)
{
	struct ifreq ifr;

	tun_ifreq(t, &ifr);
	ifr.ifr_mtu = (int)mtu;
	if (ioctl(t->ctl, SIOCSIFMTU, &ifr) == -1)
		return -1;
	t->mtu = mtu;
	return 0;
}

int pfsd_tun_set_up(struct pfsd_tun *t, bool up)
{
	struct ifreq ifr;

	tun_ifreq(t, &ifr);
	if (ioctl(t->ctl, SIOCGIFFLAGS, &ifr) == -1)
		return -1;
	if (up)
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	else
		ifr.ifr_flags &= ~IFF_UP;
	if (ioctl(t->ctl, SIOCSIFFLAGS, &ifr) == -1)
		return -1;
	t->up = up;
	return 0;
}

/* Write one value to /proc/sys/net/<fam>/conf/<ifname>/<key>. */
static int tun_sysctl(const char *fam, const char *ifname, const char *key,
		      const char *val)
{
	char path[128];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/sys/net/%s/conf/%s/%s", fam,
		 ifname, key);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd == -1)
		return -1;
	n = write(fd, val, strlen(val));
	if (close(fd) == -1 || n != (ssize_t)strlen(val))
		return -1;
	return 0;
}

/* Keep packets written into the device out of forwarding and delivery. */
static void tun_lock_sysctls(const struct pfsd_tun *t)
{
	static const struct {
		const char *fam, *key, *val;
	} set[] = {
		{ "ipv4", "forwarding", "0" },
		{ "ipv4", "accept_local", "0" },
		{ "ipv4", "rp_filter", "1" },
		{ "ipv6", "disable_ipv6", "1" },
	};
	size_t i;

	for (i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		if (tun_sysctl(set[i].fam, t->name, set[i].key,
			       set[i].val) == -1)
			log_warn("%s: cannot set %s/%s = %s", t->name,
				 set[i].fam, set[i].key, set[i].val);
}

/* nft table name for a device: letters, digits and '_' only. */
static void tun_nft_table(const char *ifname, char *out, size_t cap)
{
	size_t i, n;

	n = (size_t)snprintf(out, cap, "pfsyncd_%s", ifname);
	for (i = 0; i < n && i < cap; i++)
		if (!((out[i] >= 'a' && out[i] <= 'z') ||
		      (out[i] >= 'A' && out[i] <= 'Z') ||
		      (out[i] >= '0' && out[i] <= '9')))
			out[i] = '_';
}

static void tun_nft_child(int rfd)
{
	char *const argv[] = { (char *)(uintptr_t) "nft", (char *)(uintptr_t) "-f",
			       (char *)(uintptr_t) "-", NULL };
	int null = open("/dev/null", O_WRONLY);

	if (dup2(rfd, 0) == -1)
		_exit(126);
	if (null != -1) {
		dup2(null, 1);
		dup2(null, 2);
	}
	execvp("nft", argv);
	_exit(127);
}

/* Run `nft -f -` with text on stdin; its exit status, or -1. */
static int tun_nft_run(const char *text)
{
	int p[2], st;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) == -1)
		return -1;
	pid = fork();
	if (pid == -1) {
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0)
		tun_nft_child(p[0]);
	close(p[0]);
	(void)!write(p[1], text, strlen(text));
	close(p[1]);
	while (waitpid(pid, &st, 0) == -1)
		if (errno != EINTR)
			return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* Drop everything at the device's ingress; taps still see it all. */
static void tun_nft_install(struct pfsd_tun *t)
{
	char table[64], text[512];
	int rc;

	tun_nft_table(t->name, table, sizeof(table));
	snprintf(text, sizeof(text),
		 "table netdev %s {\n"
		 "\tchain in {\n"
		 "\t\ttype filter hook ingress device \"%s\" priority 0;\n"
		 "\t\tpolicy drop;\n"
		 "\t}\n"
		 "}\n",
		 table, t->name);
	rc = tun_nft_run(text);
	if (rc == 127)
		log_info("%s: nft not found, no netdev drop table", t->name);
	else if (rc != 0)
		log_warnx("%s: nft could not install table netdev %s",
			  t->name, table);
	else
		t->nft_table = true;
}

static void tun_nft_remove(const struct pfsd_tun *t)
{
	char table[64], text[128];

	tun_nft_table(t->name, table, sizeof(table));
	/* over netlink first: after setup we may not start nft (seccomp) */
	if (pfsd_nft_delete_table(NFPROTO_NETDEV, table) == 0)
		return;
	snprintf(text, sizeof(text), "delete table netdev %s\n", table);
	(void)tun_nft_run(text);
}

static int tun_attach(struct pfsd_tun *t, const char *ifname)
{
	struct ifreq ifr;

	t->fd = open(TUN_DEV, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (t->fd == -1)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	memcpy(ifr.ifr_name, ifname, strnlen(ifname, IFNAMSIZ - 1));
	if (ioctl(t->fd, TUNSETIFF, &ifr) == -1)
		return -1;
	memcpy(t->name, ifr.ifr_name, IFNAMSIZ);
	t->name[IFNAMSIZ - 1] = '\0';
	t->ifindex = if_nametoindex(t->name);
	t->ctl = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	return t->ctl == -1 ? -1 : 0;
}

struct pfsd_tun *pfsd_tun_open(const char *ifname, unsigned mtu, bool up)
{
	struct pfsd_tun *t;

	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return NULL;
	t->fd = t->ctl = -1;
	if (tun_attach(t, ifname) == -1 || pfsd_tun_set_mtu(t, mtu) == -1)
		goto fail;
	tun_lock_sysctls(t);
	tun_nft_install(t);
	if (up && pfsd_tun_set_up(t, true) == -1)
		goto fail;
	return t;
fail:
	pfsd_tun_close(t);
	return NULL;
}

void pfsd_tun_close(struct pfsd_tun *t)
{
	int saved = errno;

	if (t == NULL)
		return;
	if (t->nft_table)
		tun_nft_remove(t);
	if (t->fd != -1)
		close(t->fd);
	if (t->ctl != -1)
		close(t->ctl);
	free(t);
	errno = saved;
}

static int tun_writev(struct pfsd_tun *t, uint8_t *hdr, size_t hlen,
		      const uint8_t *payload, size_t len)
{
	struct iovec iov[2];

	iov[0].iov_base = hdr;
	iov[0].iov_len = hlen;
	iov[1].iov_base = (void *)(uintptr_t)payload;
	iov[1].iov_len = len;
	if (writev(t->fd, iov, 2) == -1) {
		t->drops++; /* EAGAIN or other: the tap copy is lost */
		return -1;
	}
	return 0;
}

int pfsd_tun_write(struct pfsd_tun *t, const uint8_t *payload, size_t len,
		   uint32_t src, uint32_t dst)
{
	uint8_t hdr[PFSD_TUN_IPHDR];

	if (!pfsd_tun_tapping(t))
		return 0; /* down, or nobody listens: as bpf on BSD */
	pfsd_tun_ip_header(hdr, len, t->ip_id++, src, dst);
	return tun_writev(t, hdr, sizeof(hdr), payload, len);
}

int pfsd_tun_write6(struct pfsd_tun *t, const uint8_t *payload, size_t len,
		    const uint8_t src[16], const uint8_t dst[16])
{
	uint8_t hdr[PFSD_TUN_IP6HDR];

	if (!pfsd_tun_tapping(t))
		return 0;
	pfsd_tun_ip6_header(hdr, len, src, dst);
	return tun_writev(t, hdr, sizeof(hdr), payload, len);
}

bool pfsd_tun_is_up(const struct pfsd_tun *t)
{
	return t->up;
}

unsigned pfsd_tun_mtu(const struct pfsd_tun *t)
{
	return t->mtu;
}

const char *pfsd_tun_name(const struct pfsd_tun *t)
{
	return t->name;
}

uint64_t pfsd_tun_drops(const struct pfsd_tun *t)
{
	return t->drops;
}

void pfsd_tun_set_tap_always(struct pfsd_tun *t, bool always)
{
	t->tap_always = always;
}

bool pfsd_tun_tap_always(const struct pfsd_tun *t)
{
	return t->tap_always;
}

bool pfsd_tun_tapping(const struct pfsd_tun *t)
{
	return t->up && (t->tap_always || t->listeners > 0);
}

bool pfsd_tun_packet_line_listens(const char *line, unsigned ifindex)
{
	unsigned iface;
	char sk[32];

	/* the header's 5th word is "Iface", which %u does not take */
	if (sscanf(line, "%31s %*s %*s %*s %u", sk, &iface) != 2)
		return false;
	return iface == 0 || iface == ifindex;
}

/*
 * /proc/net/packet lists this namespace's packet sockets; a tcpdump on
 * the device (or on any) is one of them.  A few lines, read every 200 ms.
 */
int pfsd_tun_poll_listeners(struct pfsd_tun *t)
{
	char line[256];
	unsigned n = 0;
	FILE *f;

	f = fopen("/proc/net/packet", "re");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (t->ifindex != 0 &&
		    pfsd_tun_packet_line_listens(line, t->ifindex))
			n++;
	fclose(f);
	t->listeners = n;
	return (int)n;
}

unsigned pfsd_tun_listeners(const struct pfsd_tun *t)
{
	return t->listeners;
}
