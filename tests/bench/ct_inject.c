/*
 * ct_inject.c - a bare ctnetlink batch writer: the ceiling any sync
 * daemon is measured against, and the load generator of the conntrack
 * benchmarks and namespace tests.  Writes N TCP entries into the
 * conntrack table of the current namespace, many CT_NEW messages to a
 * sendmsg (no per-message ack; errors are read back and counted).
 *
 *   ct_inject insert N [STATE]   create N entries (default ESTABLISHED)
 *   ct_inject update N STATE     change their TCP state (e.g. FIN_WAIT)
 *   ct_inject delete N           delete them
 *
 * Entry i: tcp 10.(64 + i/65536).(i/256 %256).(i %256):40000 ->
 * 10.200.0.1:80, SEEN_REPLY|ASSURED, timeout 3600 s.  Prints one line:
 * "<op> <n> entries in <s> s: <rate>/s, <errors> errors, cpu <c> s"
 * (c: the writer's user and system time, the kernel's work included:
 * on a loaded machine the wall time says more about the load).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nf_conntrack_common.h>
#include <linux/netfilter/nf_conntrack_tcp.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#define INJ_BATCH (256 * 1024)
#define INJ_MSG_MAX 512

static const char *const inj_states[] = {
	"NONE",	    "SYN_SENT", "SYN_RECV",	"ESTABLISHED",
	"FIN_WAIT", "CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE",
};

static int inj_state(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(inj_states) / sizeof(inj_states[0]); i++)
		if (strcmp(name, inj_states[i]) == 0)
			return (int)i;
	return -1;
}

static void inj_tuple(struct nlmsghdr *nlh, int type, uint32_t i, bool reply)
{
	uint8_t a[4] = { 10, (uint8_t)(64 + (i >> 16)), (uint8_t)(i >> 8),
			 (uint8_t)i };
	uint8_t b[4] = { 10, 200, 0, 1 };
	struct nlattr *t = mnl_attr_nest_start(nlh, type), *n;

	n = mnl_attr_nest_start(nlh, CTA_TUPLE_IP);
	mnl_attr_put(nlh, CTA_IP_V4_SRC, 4, reply ? b : a);
	mnl_attr_put(nlh, CTA_IP_V4_DST, 4, reply ? a : b);
	mnl_attr_nest_end(nlh, n);
	n = mnl_attr_nest_start(nlh, CTA_TUPLE_PROTO);
	mnl_attr_put_u8(nlh, CTA_PROTO_NUM, IPPROTO_TCP);
	mnl_attr_put_u16(nlh, CTA_PROTO_SRC_PORT, htons(reply ? 80 : 40000));
	mnl_attr_put_u16(nlh, CTA_PROTO_DST_PORT, htons(reply ? 40000 : 80));
	mnl_attr_nest_end(nlh, n);
	mnl_attr_nest_end(nlh, t);
}

static size_t inj_msg(void *buf, char op, uint32_t i, int state,
		      uint32_t seq)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct nfgenmsg *nfg;
	struct nlattr *p, *t;

	nlh->nlmsg_type = (NFNL_SUBSYS_CTNETLINK << 8) |
			  (op == 'd' ? IPCTNL_MSG_CT_DELETE : IPCTNL_MSG_CT_NEW);
	nlh->nlmsg_flags = NLM_F_REQUEST;
	if (op == 'i')
		nlh->nlmsg_flags |= NLM_F_CREATE | NLM_F_EXCL;
	nlh->nlmsg_seq = seq;
	nfg = mnl_nlmsg_put_extra_header(nlh, sizeof(*nfg));
	nfg->nfgen_family = AF_INET;
	nfg->version = NFNETLINK_V0;
	inj_tuple(nlh, CTA_TUPLE_ORIG, i, false);
	if (op == 'd')
		return nlh->nlmsg_len;
	inj_tuple(nlh, CTA_TUPLE_REPLY, i, true);
	mnl_attr_put_u32(nlh, CTA_STATUS,
			 htonl(IPS_SEEN_REPLY | IPS_ASSURED | IPS_CONFIRMED));
	mnl_attr_put_u32(nlh, CTA_TIMEOUT, htonl(3600));
	p = mnl_attr_nest_start(nlh, CTA_PROTOINFO);
	t = mnl_attr_nest_start(nlh, CTA_PROTOINFO_TCP);
	mnl_attr_put_u8(nlh, CTA_PROTOINFO_TCP_STATE, (uint8_t)state);
	mnl_attr_nest_end(nlh, t);
	mnl_attr_nest_end(nlh, p);
	return nlh->nlmsg_len;
}

/* Errors the last batch left on the socket. */
static uint64_t inj_drain(struct mnl_socket *nl, void *rx, size_t len)
{
	const struct nlmsghdr *nlh;
	uint64_t errs = 0;
	ssize_t n;
	int left;

	while ((n = recv(mnl_socket_get_fd(nl), rx, len, MSG_DONTWAIT)) > 0) {
		left = (int)n;
		for (nlh = rx; mnl_nlmsg_ok(nlh, left);
		     nlh = mnl_nlmsg_next(nlh, &left))
			if (nlh->nlmsg_type == NLMSG_ERROR &&
			    ((const struct nlmsgerr *)mnl_nlmsg_get_payload(
				     nlh))
					    ->error != 0)
				errs++;
	}
	return errs;
}

static double inj_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* User and system time of this process so far, in seconds. */
static double inj_cpu(void)
{
	struct rusage ru;

	if (getrusage(RUSAGE_SELF, &ru) == -1)
		return 0;
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static struct mnl_socket *inj_open(void)
{
	struct mnl_socket *nl = mnl_socket_open(NETLINK_NETFILTER);
	int one = 1, v = 64 * 1024 * 1024;

	if (nl == NULL || mnl_socket_bind(nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		perror("netlink");
		exit(1);
	}
	(void)mnl_socket_setsockopt(nl, NETLINK_CAP_ACK, &one, sizeof(one));
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_RCVBUFFORCE,
			 &v, sizeof(v));
	(void)setsockopt(mnl_socket_get_fd(nl), SOL_SOCKET, SO_SNDBUFFORCE,
			 &v, sizeof(v));
	return nl;
}

int main(int argc, char **argv)
{
	static uint8_t batch[INJ_BATCH + INJ_MSG_MAX], rx[1 << 16];
	struct mnl_socket *nl;
	uint64_t errs = 0;
	uint32_t n, i;
	size_t len = 0;
	double t0, t, c0;
	int state;
	char op;

	if (argc < 3 || strchr("iud", argv[1][0]) == NULL) {
		fprintf(stderr, "usage: ct_inject insert|update|delete N "
				"[STATE]\n");
		return 2;
	}
	op = argv[1][0];
	n = (uint32_t)strtoul(argv[2], NULL, 0);
	state = inj_state(argc > 3 ? argv[3] : "ESTABLISHED");
	if (state < 0) {
		fprintf(stderr, "ct_inject: unknown TCP state\n");
		return 2;
	}
	nl = inj_open();
	t0 = inj_now();
	c0 = inj_cpu();
	for (i = 0; i < n; i++) {
		len += inj_msg(batch + len, op, i, state, i + 1);
		if (len < INJ_BATCH && i + 1 < n)
			continue;
		if (mnl_socket_sendto(nl, batch, len) < 0) {
			perror("sendmsg");
			return 1;
		}
		len = 0;
		errs += inj_drain(nl, rx, sizeof(rx));
	}
	t = inj_now() - t0;
	printf("%s %u entries in %.3f s: %.0f/s, %llu errors, cpu %.2f s\n",
	       argv[1], n, t, t > 0 ? n / t : 0.0, (unsigned long long)errs,
	       inj_cpu() - c0);
	mnl_socket_close(nl);
	return 0;
}
