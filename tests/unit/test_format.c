/*
 * test_format.c - exact text of the shared state formatter (lib/control/format.c):
 * hosts of both families, every peer state name by protocol, the summary
 * line with NAT out and rdr in, the verbose lines with `now`, and
 * snprintf-style truncation into small buffers.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/format.h"
#include "t.h"
#include "t_state.h"

static int t_streq(const char *got, const char *want, int line)
{
	if (strcmp(got, want) == 0)
		return 1;
	fprintf(stderr, "line %d: got \"%s\"\n  want \"%s\"\n", line, got,
		want);
	return 0;
}

#define T_STREQ(got, want) T_CHECK(t_streq((got), (want), __LINE__))

/* fd00::<last>, port */
static void t_host6(struct pfs_host *h, uint8_t last, uint16_t port)
{
	memset(h, 0, sizeof(*h));
	h->addr.a[0] = 0xfd;
	h->addr.a[15] = last;
	h->port = port;
}

/* Outbound IPv4 TCP, no NAT: 10.0.0.1:1234 -> 10.0.0.2:80, established. */
static void t_tcp4(struct pfs_state *st)
{
	memset(st, 0, sizeof(*st));
	memcpy(st->ifname, "all", 3);
	st->id = 0x0102030405060708ull;
	st->creatorid = 0x0a000001;
	st->af = AF_INET;
	st->proto = IPPROTO_TCP;
	st->direction = PFS_DIR_OUT;
	t_host4(&st->lan, 10, 0, 0, 1, 1234);
	st->gwy = st->lan;
	t_host4(&st->ext, 10, 0, 0, 2, 80);
	st->src.state = st->dst.state = PFS_TCPS_ESTABLISHED;
	st->src.seqlo = 1000;
	st->src.seqhi = 66535;
	st->src.seqdiff = 5;
	st->src.wscale = PFS_WSCALE_FLAG | 7;
	st->dst.seqlo = 2000;
	st->dst.seqhi = 34768;
	st->dst.wscale = PFS_WSCALE_FLAG | 2;
	st->rule = 4;
	st->anchor = PFS_NO_RULE;
	st->packets[0] = 10;
	st->packets[1] = 20;
	st->bytes[0] = 1000;
	st->bytes[1] = 2000;
}

static void test_host(void)
{
	struct pfs_host h;
	char b[PFS_FORMAT_HOST_LEN];

	t_host4(&h, 192, 168, 1, 254, 65535);
	T_EQ(pfs_format_host(b, sizeof(b), AF_INET, &h), 19);
	T_STREQ(b, "192.168.1.254:65535");
	h.port = 0; /* pfctl leaves a zero port out */
	pfs_format_host(b, sizeof(b), AF_INET, &h);
	T_STREQ(b, "192.168.1.254");
	t_host6(&h, 1, 443);
	pfs_format_host(b, sizeof(b), AF_INET6, &h);
	T_STREQ(b, "[fd00::1]:443");
	h.port = 0;
	pfs_format_host(b, sizeof(b), AF_INET6, &h);
	T_STREQ(b, "[fd00::1]");
	/* the longest v6 text fits the documented size */
	memset(h.addr.a, 0xff, 16);
	h.addr.a[0] = 0x20;
	h.addr.a[1] = 0x01;
	h.port = 65535;
	T_CHECK(pfs_format_host(b, sizeof(b), AF_INET6, &h) < sizeof(b));
	T_STREQ(b, "[2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535");
	t_host4(&h, 1, 2, 3, 4, 7);
	pfs_format_host(b, sizeof(b), 0, &h);
	T_STREQ(b, "<af 0>:7");
}

static void test_proto(void)
{
	char b[16];

	T_STREQ(pfs_format_proto_name(IPPROTO_TCP), "tcp");
	T_STREQ(pfs_format_proto_name(IPPROTO_UDP), "udp");
	T_STREQ(pfs_format_proto_name(IPPROTO_ICMP), "icmp");
	T_STREQ(pfs_format_proto_name(IPPROTO_ICMPV6), "ipv6-icmp");
	T_STREQ(pfs_format_proto_name(240), "pfsync");
	T_CHECK(pfs_format_proto_name(200) == NULL);
	T_EQ(pfs_format_proto(b, sizeof(b), 200), 3);
	T_STREQ(b, "200");
	T_EQ(pfs_format_proto(b, sizeof(b), 47), 3);
	T_STREQ(b, "gre");
}

/* Each TCP value once, by both the name table and the peer formatter. */
static void test_tcp_names(void)
{
	static const char *const want[] = {
	    "CLOSED",	   "LISTEN",	 "SYN_SENT",   "SYN_RCVD",
	    "ESTABLISHED", "CLOSE_WAIT", "FIN_WAIT_1", "CLOSING",
	    "LAST_ACK",	   "FIN_WAIT_2", "TIME_WAIT",  "PROXY:SRC",
	    "PROXY:DST",
	};
	char b[32];
	uint8_t i;

	for (i = 0; i <= PFS_TCPS_PROXY_DST; i++) {
		pfs_format_peer_state(b, sizeof(b), IPPROTO_TCP, i);
		T_STREQ(b, want[i]);
		if (i <= PFS_TCPS_TIME_WAIT)
			T_STREQ(pfs_format_tcp_state_name(i), want[i]);
		else
			T_CHECK(pfs_format_tcp_state_name(i) == NULL);
	}
	pfs_format_peer_state(b, sizeof(b), IPPROTO_TCP, 13);
	T_STREQ(b, "13");
	T_CHECK(pfs_format_tcp_state_name(255) == NULL);
}

/* UDP, ICMP and any other protocol share NO_TRAFFIC/SINGLE/MULTIPLE. */
static void test_other_names(void)
{
	static const uint8_t protos[] = {IPPROTO_UDP, IPPROTO_ICMP,
					 IPPROTO_ICMPV6, 47, 200};
	static const char *const want[] = {"NO_TRAFFIC", "SINGLE",
					   "MULTIPLE"};
	char b[32];
	size_t p;
	uint8_t i;

	for (p = 0; p < sizeof(protos); p++) {
		for (i = 0; i <= PFS_UDPS_MULTIPLE; i++) {
			pfs_format_peer_state(b, sizeof(b), protos[p], i);
			T_STREQ(b, want[i]);
		}
		pfs_format_peer_state(b, sizeof(b), protos[p], 3);
		T_STREQ(b, "3");
	}
}

/* The pfctl state column for a pair of peers. */
static void test_peer_states(void)
{
	static const struct {
		uint8_t proto, s, d;
		const char *want;
	} c[] = {
	    {IPPROTO_TCP, 0, 10, "CLOSED:TIME_WAIT"},
	    {IPPROTO_TCP, 3, 9, "SYN_RCVD:FIN_WAIT_2"},
	    {IPPROTO_TCP, 11, 4, "PROXY:SRC"},
	    {IPPROTO_TCP, 4, 11, "PROXY:SRC"},
	    {IPPROTO_TCP, 4, 12, "PROXY:DST"},
	    {IPPROTO_TCP, 13, 4, "<BAD STATE LEVELS 13:4>"},
	    {IPPROTO_TCP, 255, 255, "<BAD STATE LEVELS 255:255>"},
	    {IPPROTO_UDP, 2, 1, "MULTIPLE:SINGLE"},
	    {IPPROTO_UDP, 0, 3, "0:3"},
	    {IPPROTO_ICMP, 1, 0, "1:0"}, /* ICMP has no levels */
	    {IPPROTO_ICMPV6, 2, 0, "MULTIPLE:NO_TRAFFIC"},
	    {200, 1, 1, "SINGLE:SINGLE"},
	    /* SCTP: FreeBSD pfctl's names, pfsyncd's for the shutdown */
	    {IPPROTO_SCTP, 8, 8, "ESTABLISHED:ESTABLISHED"},
	    {IPPROTO_SCTP, 2, 0, "COOKIE_WAIT:CLOSED"},
	    {IPPROTO_SCTP, 10, 9, "SHUTDOWN_ACK:SHUTDOWN"},
	    {IPPROTO_SCTP, 11, 11, "DONE:DONE"},
	    {IPPROTO_SCTP, 1, 12, "1:12"},
	};
	char b[40];
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		T_EQ(pfs_format_peer_states(b, sizeof(b), c[i].proto, c[i].s,
					    c[i].d),
		     strlen(c[i].want));
		T_STREQ(b, c[i].want);
	}
}

static void test_line_ipv4(void)
{
	struct pfs_state st;
	char b[PFS_FORMAT_LINE_LEN];

	t_tcp4(&st);
	pfs_format_state_line(b, sizeof(b), &st);
	T_STREQ(b, "all tcp 10.0.0.1:1234 -> 10.0.0.2:80       "
		   "ESTABLISHED:ESTABLISHED");
	/* no interface name: a floating state, pf's "all" */
	memset(st.ifname, 0, sizeof(st.ifname));
	st.proto = IPPROTO_UDP;
	st.src.state = PFS_UDPS_MULTIPLE;
	st.dst.state = PFS_UDPS_SINGLE;
	pfs_format_state_line(b, sizeof(b), &st);
	T_STREQ(b, "all udp 10.0.0.1:1234 -> 10.0.0.2:80       "
		   "MULTIPLE:SINGLE");
	/* a full 16-byte name without NUL, control bytes made safe */
	memcpy(st.ifname, "abcdefghijklmn\x1bp", 16);
	st.proto = IPPROTO_ICMP;
	st.lan.port = st.gwy.port = st.ext.port = 0;
	pfs_format_state_line(b, sizeof(b), &st);
	T_STREQ(b, "abcdefghijklmn?p icmp 10.0.0.1 -> 10.0.0.2       2:1");
}

/* An unknown family shows the label a decoder gives (the wire byte),
 * even one that is a Linux family number; bad values are flagged. */
static void test_line_bad_values(void)
{
	struct pfs_state st;
	char b[PFS_FORMAT_LINE_LEN];

	t_tcp4(&st);
	st.af = 0;
	pfs_format_state_line_af(b, sizeof(b), &st, 10);
	T_STREQ(b, "all tcp <af 10>:1234 -> <af 10>:80       "
		   "ESTABLISHED:ESTABLISHED");
	pfs_format_state_line(b, sizeof(b), &st);
	T_STREQ(b, "all tcp <af 0>:1234 -> <af 0>:80       "
		   "ESTABLISHED:ESTABLISHED");
	/* a known family ignores the label */
	st.af = AF_INET;
	T_EQ(pfs_format_state_line_af(b, sizeof(b), &st, 7),
	     pfs_format_state_line(NULL, 0, &st));
	T_STREQ(b, "all tcp 10.0.0.1:1234 -> 10.0.0.2:80       "
		   "ESTABLISHED:ESTABLISHED");
	st.direction = 3;
	st.timeout = PFS_TM_MAX;
	pfs_format_state_line(b, sizeof(b), &st);
	T_STREQ(b,
		"all tcp 10.0.0.1:1234 <- 10.0.0.2:80       "
		"ESTABLISHED:ESTABLISHED <BAD DIRECTION 3> <BAD TIMEOUT 20>");
	T_EQ(pfs_format_timeout_check(b, sizeof(b), PFS_TM_MAX - 1), 0);
	T_STREQ(b, "");
	T_EQ(pfs_format_timeout_check(b, sizeof(b), 255), 18);
	T_STREQ(b, " <BAD TIMEOUT 255>");
}

/* Outbound NAT: lan -> gwy -> ext, peers in src:dst order. */
static void test_line_nat_out(void)
{
	struct pfs_state st;
	char b[PFS_FORMAT_LINE_LEN];

	t_tcp4(&st);
	t_host4(&st.gwy, 198, 51, 100, 7, 61000);
	st.src.state = PFS_TCPS_SYN_SENT;
	st.dst.state = PFS_TCPS_LISTEN;
	pfs_format_state_line(b, sizeof(b), &st);
	T_STREQ(b, "all tcp 10.0.0.1:1234 -> 198.51.100.7:61000 -> "
		   "10.0.0.2:80       SYN_SENT:LISTEN");
}

/* Inbound rdr on IPv6: lan <- gwy <- ext and the peers swapped, since
 * the source (ext) is printed on the right. */
static void test_line_rdr_in_ipv6(void)
{
	struct pfs_state st;
	char b[PFS_FORMAT_LINE_LEN];

	t_tcp4(&st);
	memcpy(st.ifname, "eth0", 4);
	st.af = AF_INET6;
	st.direction = PFS_DIR_IN;
	t_host6(&st.lan, 1, 22);
	t_host6(&st.gwy, 2, 2222);
	t_host6(&st.ext, 3, 40000);
	st.src.state = PFS_TCPS_SYN_SENT;
	st.dst.state = PFS_TCPS_SYN_RECEIVED;
	pfs_format_state_line(b, sizeof(b), &st);
	T_STREQ(b, "eth0 tcp [fd00::1]:22 <- [fd00::2]:2222 <- "
		   "[fd00::3]:40000       SYN_RCVD:SYN_SENT");
	/* without rdr, gwy is left out */
	st.gwy = st.lan;
	pfs_format_state_line(b, sizeof(b), &st);
	T_STREQ(b, "eth0 tcp [fd00::1]:22 <- [fd00::3]:40000       "
		   "SYN_RCVD:SYN_SENT");
	/* pfctl: only OUT gets "->" (INOUT prints like IN) */
	st.direction = PFS_DIR_INOUT;
	pfs_format_state_line(b, sizeof(b), &st);
	T_STREQ(b, "eth0 tcp [fd00::1]:22 <- [fd00::3]:40000       "
		   "SYN_RCVD:SYN_SENT");
}

static void test_detail_tcp(void)
{
	struct pfs_state st;
	char b[PFS_FORMAT_DETAIL_LEN];

	t_tcp4(&st);
	st.creation = 1000;
	st.expire = 1000 + 3723 + 30;
	pfs_format_state_detail(b, sizeof(b), &st, 1000 + 3723);
	T_STREQ(b, "   [1000 + 65535](+5) wscale 7  [2000 + 32768] wscale 2\n"
		   "   age 01:02:03, expires in 00:00:30, 10:20 pkts, "
		   "1000:2000 bytes, rule 4\n"
		   "   id: 0102030405060708 creatorid: 0a000001");
	/* one side without window scaling: none shown; anchor shown */
	st.dst.wscale = 0;
	st.dst.seqdiff = 7;
	st.anchor = 2;
	st.rule = PFS_NO_RULE;
	pfs_format_state_detail_at(b, sizeof(b), &st, 59, 360001);
	T_STREQ(b, "   [1000 + 65535](+5)  [2000 + 32768](+7)\n"
		   "   age 00:00:59, expires in 100:00:01, 10:20 pkts, "
		   "1000:2000 bytes, anchor 2\n"
		   "   id: 0102030405060708 creatorid: 0a000001");
}

/* Inbound: the windows follow the printed order too; no TCP, no seq. */
static void test_detail_in_and_udp(void)
{
	struct pfs_state st;
	char b[PFS_FORMAT_DETAIL_LEN];

	t_tcp4(&st);
	st.direction = PFS_DIR_IN;
	st.src.wscale = st.dst.wscale = 0;
	st.src.seqdiff = 0;
	pfs_format_state_detail_at(b, sizeof(b), &st, 0, 0);
	T_CHECK(strncmp(b, "   [2000 + 32768]  [1000 + 65535]\n", 34) == 0);
	st.proto = IPPROTO_UDP;
	st.rule = PFS_NO_RULE;
	st.packets[0] = 1ull << 40;
	pfs_format_state_detail_at(b, sizeof(b), &st, 0, 0);
	T_STREQ(b, "   age 00:00:00, expires in 00:00:00, "
		   "1099511627776:20 pkts, 1000:2000 bytes\n"
		   "   id: 0102030405060708 creatorid: 0a000001");
}

/* `now` before creation or after expire: clamped to 0, as the engine
 * does when it puts times on the wire. */
static void test_detail_clamps(void)
{
	struct pfs_state st;
	char a[PFS_FORMAT_DETAIL_LEN], b[PFS_FORMAT_DETAIL_LEN];

	t_tcp4(&st);
	st.creation = 500;
	st.expire = 400;
	pfs_format_state_detail(a, sizeof(a), &st, 450);
	pfs_format_state_detail_at(b, sizeof(b), &st, 0, 0);
	T_STREQ(a, b);
	pfs_format_state_detail(a, sizeof(a), &st, 4000000000u);
	pfs_format_state_detail_at(b, sizeof(b), &st, 4000000000u - 500, 0);
	T_STREQ(a, b);
	T_CHECK(strstr(a, "age 1111110:58:20,") != NULL);
}

/* snprintf semantics: full length returned, the buffer always ends in a
 * NUL and holds the leading part of the text. */
static void test_truncation(void)
{
	struct pfs_state st;
	char full[PFS_FORMAT_DETAIL_LEN], small[8];
	size_t len, n;

	t_tcp4(&st);
	t_host4(&st.gwy, 198, 51, 100, 7, 61000);
	len = pfs_format_state_line(full, sizeof(full), &st);
	T_EQ(len, strlen(full));
	for (n = 0; n <= len + 1; n++) {
		char *b = malloc(n > 0 ? n : 1);

		T_EQ(pfs_format_state_line(n > 0 ? b : NULL, n, &st), len);
		if (n > 0) {
			T_EQ(strlen(b), n - 1 < len ? n - 1 : len);
			T_CHECK(strncmp(b, full, strlen(b)) == 0);
		}
		free(b);
	}
	len = pfs_format_state_detail(full, sizeof(full), &st, 0);
	T_EQ(pfs_format_state_detail(small, sizeof(small), &st, 0), len);
	T_STREQ(small, "   [100");
	T_EQ(pfs_format_host(small, sizeof(small), AF_INET, &st.gwy), 18);
	T_STREQ(small, "198.51.");
	T_EQ(pfs_format_peer_states(small, 1, IPPROTO_TCP, 4, 4), 23);
	T_STREQ(small, "");
	T_EQ(pfs_format_peer_state(NULL, 0, IPPROTO_UDP, 0), 10);
	T_EQ(pfs_format_proto(small, 2, 6), 3);
	T_STREQ(small, "t");
}

/* The documented buffer sizes hold the worst case. */
static void test_worst_case_sizes(void)
{
	struct pfs_state st;
	char b[1024];

	memset(&st, 0xff, sizeof(st));
	st.af = AF_INET6;
	st.direction = 255; /* flagged, and "<-" as long as "->" */
	st.proto = IPPROTO_TCP;
	st.anchor = st.rule = 0xfffffffe;
	st.gwy.port = 1;
	st.src.wscale = st.dst.wscale = 0x8f;
	st.src.seqlo = st.dst.seqlo = 0;
	T_CHECK(pfs_format_state_line(b, sizeof(b), &st) <
		PFS_FORMAT_LINE_LEN);
	T_CHECK(pfs_format_state_detail_at(b, sizeof(b), &st, UINT32_MAX,
					   UINT32_MAX) <
		PFS_FORMAT_DETAIL_LEN);
	st.af = 255;
	T_CHECK(pfs_format_state_line(b, sizeof(b), &st) <
		PFS_FORMAT_LINE_LEN);
}

int main(void)
{
	T_RUN(test_host);
	T_RUN(test_proto);
	T_RUN(test_tcp_names);
	T_RUN(test_other_names);
	T_RUN(test_peer_states);
	T_RUN(test_line_ipv4);
	T_RUN(test_line_bad_values);
	T_RUN(test_line_nat_out);
	T_RUN(test_line_rdr_in_ipv6);
	T_RUN(test_detail_tcp);
	T_RUN(test_detail_in_and_udp);
	T_RUN(test_detail_clamps);
	T_RUN(test_truncation);
	T_RUN(test_worst_case_sizes);
	return t_done();
}
