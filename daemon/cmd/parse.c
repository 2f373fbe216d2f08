/*
 * parse.c - the words of control commands: peer state names, protocols,
 * hosts, state ids, numbers (cmd_priv.h).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pfsync/format.h"
#include "pfsync/table.h"

#include "cmd_priv.h"

/* A peer state by name (either table, any case) or number 0..12. */
int cmd_parse_peer(const char *s, uint8_t *out)
{
	char name[16], *end;
	unsigned long v;
	uint8_t i;

	/* the names the printer uses: TCP (with PROXY:SRC/DST), then UDP */
	for (i = 0; i <= PFS_TCPS_PROXY_DST; i++) {
		pfs_format_peer_state(name, sizeof(name), IPPROTO_TCP, i);
		if (strcasecmp(s, name) == 0)
			return *out = i, 0;
	}
	if (strcasecmp(s, "SYN_RECEIVED") == 0)
		return *out = PFS_TCPS_SYN_RECEIVED, 0;
	for (i = 0; i <= PFS_UDPS_MULTIPLE; i++) {
		pfs_format_peer_state(name, sizeof(name), IPPROTO_UDP, i);
		if (strcasecmp(s, name) == 0)
			return *out = i, 0;
	}
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > PFS_TCPS_PROXY_DST)
		return -1;
	*out = (uint8_t)v;
	return 0;
}

/* "SRC:DST"; PROXY:SRC style names contain a colon, so try each colon
 * until both halves parse. */
int cmd_parse_pair(const char *arg, uint8_t *src, uint8_t *dst)
{
	char buf[64];
	size_t i, n = strlen(arg);

	if (n >= sizeof(buf))
		return -1;
	for (i = 0; i < n; i++) {
		if (arg[i] != ':')
			continue;
		memcpy(buf, arg, i);
		buf[i] = '\0';
		if (cmd_parse_peer(buf, src) == 0 &&
		    cmd_parse_peer(arg + i + 1, dst) == 0)
			return 0;
	}
	return -1;
}

int cmd_parse_proto(const char *s, uint8_t *p)
{
	char *end;
	unsigned long v;

	if (strcmp(s, "tcp") == 0)
		return *p = IPPROTO_TCP, 0;
	if (strcmp(s, "udp") == 0)
		return *p = IPPROTO_UDP, 0;
	if (strcmp(s, "icmp") == 0)
		return *p = IPPROTO_ICMP, 0;
	if (strcmp(s, "icmp6") == 0 || strcmp(s, "ipv6-icmp") == 0)
		return *p = IPPROTO_ICMPV6, 0;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > 255)
		return -1;
	*p = (uint8_t)v;
	return 0;
}

/* "10.0.0.1:1234" or "[fd00::1]:1234" (the port may be omitted). */
int cmd_parse_host(const char *s, uint8_t *af, struct pfs_host *h)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *port = NULL;
	char *c, *end;
	unsigned long v;
	int a;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	if (buf[0] == '[') {
		c = strchr(buf, ']');
		if (c == NULL || (c[1] != '\0' && c[1] != ':'))
			return -1;
		*c = '\0';
		port = c[1] == ':' ? c + 2 : NULL;
		memmove(buf, buf + 1, strlen(buf));
		a = AF_INET6;
	} else {
		c = strchr(buf, ':');
		if (c != NULL) {
			*c = '\0';
			port = c + 1;
		}
		a = AF_INET;
	}
	memset(h, 0, sizeof(*h));
	if (inet_pton(a, buf, h->addr.a) != 1)
		return -1;
	if (port != NULL) {
		errno = 0;
		v = strtoul(port, &end, 10);
		if (errno != 0 || end == port || *end != '\0' || v > 65535)
			return -1;
		h->port = (uint16_t)v;
	}
	*af = (uint8_t)a;
	return 0;
}

/* A state named on the command line: "ID" or "ID/CREATOR", both hex. */
static int cmd_parse_hex(const char *s, const char *stop, uint64_t max,
			 uint64_t *v)
{
	char *end;

	if (!isxdigit((unsigned char)*s)) /* strtoull takes " -+" too */
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 16);
	return errno != 0 || end == s || end != stop || *v > max ? -1 : 0;
}

int cmd_parse_ref(const char *s, struct cmd_ref *ref)
{
	const char *slash = strchr(s, '/');
	uint64_t creator;

	memset(ref, 0, sizeof(*ref));
	if (slash == NULL)
		return cmd_parse_hex(s, s + strlen(s), UINT64_MAX, &ref->id);
	if (cmd_parse_hex(s, slash, UINT64_MAX, &ref->id) == -1 ||
	    cmd_parse_hex(slash + 1, slash + 1 + strlen(slash + 1), UINT32_MAX,
			  &creator) == -1)
		return -1;
	ref->creator = (uint32_t)creator;
	ref->has_creator = true;
	return 0;
}

/* ID/CREATOR exactly; a bare ID: our own state first, else any creator's
 * (ids are unique per creator only). */
struct pfs_state *cmd_parse_find(struct pfs_table *t, uint32_t hostid,
				 const struct cmd_ref *ref)
{
	struct pfs_state *st;
	size_t cur = 0;

	if (ref->has_creator)
		return pfs_table_find_id(t, ref->id, ref->creator);
	st = pfs_table_find_id(t, ref->id, hostid);
	if (st != NULL)
		return st;
	while ((st = pfs_table_next(t, &cur)) != NULL)
		if (st->id == ref->id)
			return st;
	return NULL;
}

int cmd_parse_uint(const char *s, unsigned long max, unsigned *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v > max || s[0] == '-')
		return -1;
	*out = (unsigned)v;
	return 0;
}

#define CMD_CHURN_USAGE "usage: churn RATE [SECONDS] [max N] [stamp] [fill]"
