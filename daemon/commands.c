/*
 * commands.c - the control command handlers (see commands.h and the
 * pfsyncctl command language).  A table maps each command word to its
 * handler; show commands write text or JSON into the caller's pfsd_out.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/ctlmsg.h"
#include "pfsync/engine.h"
#include "pfsync/format.h"
#include "pfsync/seal.h"
#include "pfsync/stats.h"
#include "pfsync/table.h"

#include "churn.h"
#include "commands.h"
#include "crypt.h"
#include "ctnl.h"
#include "daemon.h"
#include "latency.h"
#include "log.h"
#include "metrics.h"
#include "transport.h"
#include "tun.h"
#include "udp.h"

#define CMD_SEQ_STEP 1448 /* bytes one simulated packet carries */
#define CMD_WINDOW 65535

struct cmd_req {
	struct pfsd_daemon *d;
	int argc;
	char **argv;
	bool json;
	bool verbose;
	struct pfsd_out *out;
	char *err;
	size_t errlen;
};


static void cmd_init_peer(struct pfs_peer *p, uint8_t proto, uint8_t state,
			  uint32_t seq)
{
	memset(p, 0, sizeof(*p));
	p->state = state;
	if (proto != IPPROTO_TCP)
		return;
	p->seqlo = seq;
	p->seqhi = seq + CMD_WINDOW;
	p->max_win = CMD_WINDOW;
	p->mss = 1460;
}

void pfsd_commands_new_state(struct pfsd_daemon *d, struct pfs_state *st,
			     uint8_t proto, uint8_t src, uint8_t dst)
{
	uint32_t now = pfsd_daemon_now_sec();
	uint32_t mix;

	memset(st, 0, sizeof(*st));
	st->id = pfs_engine_new_id(d->engine);
	st->creatorid = d->hostid;
	st->rule = PFS_NO_RULE;
	st->anchor = PFS_NO_RULE;
	st->proto = proto;
	st->creation = now;
	st->timeout = pfs_state_timeout_class(proto, src, dst);
	st->expire = now + pfs_timeout_default(st->timeout);
	/* Distinct, plausible initial sequence numbers per state. */
	mix = (uint32_t)(st->id ^ st->id >> 32) * 2654435761u;
	cmd_init_peer(&st->src, proto, src, mix);
	cmd_init_peer(&st->dst, proto, dst, mix * 2246822519u ^ 0x5bd1e995u);
}

/* --- names --------------------------------------------------------------- */

/* One peer's state name (pfs_format_peer_state) in a caller's buffer. */
static const char *cmd_peer_name(uint8_t proto, uint8_t s, char *buf,
				 size_t cap)
{
	pfs_format_peer_state(buf, cap, proto, s);
	return buf;
}

/* A peer state by name (either table, any case) or number 0..12. */
static int cmd_parse_peer(const char *s, uint8_t *out)
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
static int cmd_parse_pair(const char *arg, uint8_t *src, uint8_t *dst)
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

static const char *cmd_proto_name(uint8_t p, char *buf, size_t cap)
{
	pfs_format_proto(buf, cap, p);
	return buf;
}

static int cmd_parse_proto(const char *s, uint8_t *p)
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
static int cmd_parse_host(const char *s, uint8_t *af, struct pfs_host *h)
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
struct cmd_ref {
	uint64_t id;
	uint32_t creator;
	bool has_creator;
};

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

static int cmd_parse_ref(const char *s, struct cmd_ref *ref)
{
	const char *slash = strchr(s, '/');
	uint64_t creator;

	memset(ref, 0, sizeof(*ref));
	if (slash == NULL)
		return cmd_parse_hex(s, s + strlen(s), UINT64_MAX, &ref->id);
	if (cmd_parse_hex(s, slash, UINT64_MAX, &ref->id) == -1 ||
	    cmd_parse_hex(slash + 1, slash + 1 + strlen(slash + 1),
			  UINT32_MAX, &creator) == -1)
		return -1;
	ref->creator = (uint32_t)creator;
	ref->has_creator = true;
	return 0;
}

/* ID/CREATOR exactly; a bare ID: our own state first, else any creator's
 * (ids are unique per creator only). */
static struct pfs_state *cmd_find(struct pfsd_daemon *d,
				  const struct cmd_ref *ref)
{
	struct pfs_state *st;
	size_t cur = 0;

	if (ref->has_creator)
		return pfs_table_find_id(d->table, ref->id, ref->creator);
	st = pfs_table_find_id(d->table, ref->id, d->hostid);
	if (st != NULL)
		return st;
	while ((st = pfs_table_next(d->table, &cur)) != NULL)
		if (st->id == ref->id)
			return st;
	return NULL;
}

static int cmd_fail(struct cmd_req *r, int e, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int cmd_fail(struct cmd_req *r, int e, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, r->errlen, fmt, ap);
	va_end(ap);
	return e;
}

/* --- dialects ----------------------------------------------------------- */

/* "v3", "v6", "v5 1400" */
static void cmd_dialect_name(unsigned dialect, unsigned fmt, char *buf,
			     size_t n)
{
	if (dialect == 5 && fmt != 0)
		snprintf(buf, n, "v5 %u", fmt);
	else
		snprintf(buf, n, "v%u", dialect);
}

static const char *cmd_version_word(const struct pfsd_conf *c, char *buf,
				    size_t n)
{
	if (c->version == PFSD_VERSION_AUTO)
		return "auto";
	if (c->version == 5)
		snprintf(buf, n, "%u", c->v5_fmt);
	else
		snprintf(buf, n, "%u", c->version);
	return buf;
}

/* The dialect sent, then one line per peer heard and its dialect. */
static void cmd_dialect_text(struct cmd_req *r)
{
	struct pfs_engine_peer p[PFS_ENGINE_PEERS];
	unsigned fmt, d = pfs_engine_dialect(r->d->engine, &fmt);
	size_t i, n = pfs_engine_peers(r->d->engine, p, PFS_ENGINE_PEERS);
	char name[16], ver[16];
	struct in_addr a;

	cmd_dialect_name(d, fmt, name, sizeof(name));
	pfsd_out_printf(r->out, "\tversion: %s sending: %s%s\n",
			cmd_version_word(&r->d->conf, ver, sizeof(ver)), name,
			pfs_engine_dialect_mixed(r->d->engine)
			    ? " (peers speak different dialects)"
			    : "");
	for (i = 0; i < n; i++) {
		a.s_addr = htonl(p[i].addr);
		cmd_dialect_name(p[i].dialect, p[i].fmt, name, sizeof(name));
		pfsd_out_printf(r->out, "\tpeer: %s %s\n", inet_ntoa(a), name);
	}
}

/* ,"version":..,"dialect":..,"dialect_fmt":..,"dialect_mixed":..,"peers":[] */
static void cmd_dialect_json(struct cmd_req *r)
{
	struct pfs_engine_peer p[PFS_ENGINE_PEERS];
	unsigned fmt, d = pfs_engine_dialect(r->d->engine, &fmt);
	size_t i, n = pfs_engine_peers(r->d->engine, p, PFS_ENGINE_PEERS);
	struct in_addr a;
	char ver[16];

	pfsd_out_printf(r->out, ",\"version\":\"%s\",\"dialect\":%u,"
			"\"dialect_fmt\":%u,\"dialect_mixed\":%s,"
			"\"peers\":[",
			cmd_version_word(&r->d->conf, ver, sizeof(ver)), d, fmt,
			pfs_engine_dialect_mixed(r->d->engine) ? "true"
								: "false");
	for (i = 0; i < n; i++) {
		a.s_addr = htonl(p[i].addr);
		pfsd_out_printf(r->out,
				"%s{\"addr\":\"%s\",\"dialect\":%u,"
				"\"fmt\":%u}",
				i ? "," : "", inet_ntoa(a), p[i].dialect,
				p[i].fmt);
	}
	pfsd_out_printf(r->out, "]");
}

/* --- pfsync0 ------------------------------------------------------------- */

/* Tries so far of the running bulk request: one more per silent wait. */
static unsigned cmd_bulk_try(const struct pfsd_daemon *d)
{
	unsigned t = pfs_engine_bulk_tries(d->engine) + 1;

	return t > PFS_BULK_MAX_TRIES ? PFS_BULK_MAX_TRIES : t;
}

static const char *cmd_bulk_word(const struct pfsd_daemon *d)
{
	if (pfs_engine_bulk_sending(d->engine))
		return "sending";
	return pfs_engine_synced(d->engine) ? "done" : "pending";
}

static void cmd_if_text(struct cmd_req *r)
{
	const struct pfsd_daemon *d = r->d;
	const struct pfsd_conf *c = &d->conf;
	struct in_addr peer = { htonl(c->syncpeer) };
	const char *bulk = cmd_bulk_word(d);

	pfsd_out_printf(r->out, "%s: flags=<%s> mtu %u\n", c->ifname,
			pfsd_tun_is_up(d->tun) ? "UP" : "",
			pfsd_tun_mtu(d->tun));
	if (c->syncdev[0] != '\0') {
		pfsd_out_printf(r->out, "\tpfsync: syncdev: %s ", c->syncdev);
		if (c->syncpeer != 0 && c->syncpeer != PFS_V3_GROUP)
			pfsd_out_printf(r->out, "syncpeer: %s ",
					inet_ntoa(peer));
		pfsd_out_printf(r->out, "maxupd: %u\n", c->maxupd);
	}
	pfsd_out_printf(r->out, "\thostid: 0x%08x bulk: %s", d->hostid, bulk);
	if (strcmp(bulk, "pending") == 0)
		pfsd_out_printf(r->out, " (try %u/%u)", cmd_bulk_try(d),
				PFS_BULK_MAX_TRIES);
	pfsd_out_printf(r->out, " states: %zu\n",
			pfs_table_count(d->table));
	pfsd_out_printf(r->out, "\ttap: %s listeners: %u\n",
			pfsd_tun_tap_always(d->tun) ? "always" : "auto",
			pfsd_tun_listeners(d->tun));
	cmd_dialect_text(r);
}

static void cmd_if_json(struct cmd_req *r)
{
	const struct pfsd_daemon *d = r->d;
	const struct pfsd_conf *c = &d->conf;
	struct in_addr peer = { htonl(c->syncpeer) };

	pfsd_out_printf(r->out, "{\"ifname\":");
	pfsd_out_json_str(r->out, c->ifname);
	pfsd_out_printf(r->out, ",\"up\":%s,\"mtu\":%u,\"syncdev\":",
			pfsd_tun_is_up(d->tun) ? "true" : "false",
			pfsd_tun_mtu(d->tun));
	pfsd_out_json_str(r->out, c->syncdev);
	pfsd_out_printf(r->out, ",\"syncpeer\":");
	pfsd_out_json_str(r->out, c->syncpeer != 0 ? inet_ntoa(peer) : "");
	pfsd_out_printf(r->out,
			",\"maxupd\":%u,\"hostid\":%u,\"syncdev_mtu\":%u,"
			"\"bulk\":\"%s\",\"bulk_try\":%u,\"states\":%zu,"
			"\"tap_drops\":%" PRIu64 ",\"tap\":\"%s\","
			"\"listeners\":%u",
			c->maxupd, d->hostid, d->mtu, cmd_bulk_word(d),
			pfs_engine_synced(d->engine) ? 0 : cmd_bulk_try(d),
			pfs_table_count(d->table), pfsd_tun_drops(d->tun),
			pfsd_tun_tap_always(d->tun) ? "always" : "auto",
			pfsd_tun_listeners(d->tun));
	cmd_dialect_json(r);
	pfsd_out_printf(r->out, "}\n");
}

static int cmd_if(struct cmd_req *r)
{
	struct pfsd_conf nc = r->d->conf;
	char msg[256];

	if (r->argc == 1) {
		if (r->json)
			cmd_if_json(r);
		else
			cmd_if_text(r);
		return 0;
	}
	if (pfsd_conf_apply_words(&nc, r->argc - 1, r->argv + 1, msg,
				  sizeof(msg)) == -1)
		return cmd_fail(r, EINVAL, "%s", msg);
	if (pfsd_daemon_apply(r->d, &nc, msg, sizeof(msg)) == -1)
		return cmd_fail(r, EINVAL, "%s", msg);
	return 0;
}

/* --- stats --------------------------------------------------------------- */

/* netstat -s -p pfsync: its order, wording and indentation.  The noun
 * takes plural() "s"; ONOMEM and OERRORS never do. */
static const struct {
	enum pfs_stat slot;
	const char *noun;
	const char *rest;
	unsigned tabs;
	bool plural;
} cmd_stat_lines[PFS_NSTATS] = {
	{ PFS_STAT_IPACKETS, "packet", " received (IPv4)", 1, true },
	{ PFS_STAT_IPACKETS6, "packet", " received (IPv6)", 1, true },
	{ PFS_STAT_BADIF, "packet", " discarded for bad interface", 2, true },
	{ PFS_STAT_BADTTL, "packet", " discarded for bad ttl", 2, true },
	{ PFS_STAT_HDROPS, "packet", " shorter than header", 2, true },
	{ PFS_STAT_BADVER, "packet", " discarded for bad version", 2, true },
	{ PFS_STAT_BADAUTH, "packet", " discarded for bad HMAC", 2, true },
	{ PFS_STAT_BADACT, "packet", " discarded for bad action", 2, true },
	{ PFS_STAT_BADLEN, "packet", " discarded for short packet", 2, true },
	{ PFS_STAT_BADVAL, "state", " discarded for bad values", 2, true },
	{ PFS_STAT_STALE, "stale state", "", 2, true },
	{ PFS_STAT_BADSTATE, "failed state lookup/insert", "", 2, true },
	{ PFS_STAT_OPACKETS, "packet", " sent (IPv4)", 1, true },
	{ PFS_STAT_OPACKETS6, "packet", " sent (IPv6)", 1, true },
	{ PFS_STAT_ONOMEM, "send failed due to mbuf memory error", "", 2,
	  false },
	{ PFS_STAT_OERRORS, "send error", "", 2, false },
};

/* The churn generator's work so far (the last run's, while it exists). */
static uint64_t cmd_churn_made(const struct pfsd_daemon *d)
{
	const struct pfsd_churn_stats *c;

	if (d->churn == NULL)
		return 0;
	c = pfsd_churn_stats(d->churn);
	return c->created + c->updated + c->deleted;
}

static void cmd_stats_churn_text(struct cmd_req *r)
{
	const struct pfsd_churn_stats *c;

	if (r->d->churn == NULL)
		return;
	c = pfsd_churn_stats(r->d->churn);
	pfsd_out_printf(r->out,
			"churn: %s\n\t%" PRIu64 " created\n\t%" PRIu64
			" updated\n\t%" PRIu64 " deleted\n\t%" PRIu64
			" failed\n\t%zu live\n",
			c->running ? "running" : "done", c->created,
			c->updated, c->deleted, c->failed, c->live);
}

/* The conntrack backend's counters (stats -v); failures by errno. */
static void cmd_stats_ct_text(struct cmd_req *r)
{
	const struct pfsd_ctnl_stats *c;
	size_t i;

	if (r->d->ct == NULL)
		return;
	c = pfsd_ctnl_stats(r->d->ct);
	pfsd_out_printf(r->out,
			"conntrack:\n\t%" PRIu64 " kernel writes ok\n"
			"\t%" PRIu64 " kernel writes failed\n",
			c->ct_ok, c->ct_fail);
	for (i = 0; i < PFSD_CTNL_ERRNO_MAX; i++)
		if (c->fail_errno[i] != 0)
			pfsd_out_printf(r->out, "\t\t%" PRIu64 " %s\n",
					c->fail_errno[i],
					i == 0 ? "other" : strerror((int)i));
	pfsd_out_printf(r->out,
			"\t%" PRIu64 " events\n\t%" PRIu64
			" echoes of our writes ignored\n\t%" PRIu64
			" entries not synced\n\t%" PRIu64
			" malformed messages\n\t%" PRIu64
			" event overruns\n\t%" PRIu64 " resyncs\n\t%" PRIu64
			" entries re-read near expiry\n\t%" PRIu64
			" refreshes announced\n\t%" PRIu64
			" states gone from the kernel\n\t%" PRIu64
			" kernel ids taken, counter ids used\n\t%" PRIu64
			" re-read states that took a peer's id\n\t%" PRIu64
			" write batches\n\t%" PRIu64
			" NAT writes retried\n\t%" PRIu64
			" write results lost\n",
			c->events, c->own, c->skipped, c->malformed,
			c->enobufs, c->resyncs, c->gets, c->refreshed,
			c->reconciled, c->id_taken, c->adopted, c->batches,
			c->retried, c->lost);
}

static void cmd_stats_ct_json(struct cmd_req *r)
{
	const struct pfsd_ctnl_stats *c;

	if (r->d->ct == NULL)
		return;
	c = pfsd_ctnl_stats(r->d->ct);
	pfsd_out_printf(r->out,
			",\"ct_ok\":%" PRIu64 ",\"ct_fail\":%" PRIu64
			",\"ct_events\":%" PRIu64 ",\"ct_own\":%" PRIu64
			",\"ct_skipped\":%" PRIu64 ",\"ct_malformed\":%" PRIu64
			",\"ct_enobufs\":%" PRIu64 ",\"ct_resyncs\":%" PRIu64
			",\"ct_refreshed\":%" PRIu64
			",\"ct_reconciled\":%" PRIu64
			",\"ct_id_taken\":%" PRIu64 ",\"ct_adopted\":%" PRIu64
			",\"ct_gets\":%" PRIu64 ",\"ct_batches\":%" PRIu64
			",\"ct_retried\":%" PRIu64 ",\"ct_lost\":%" PRIu64,
			c->ct_ok, c->ct_fail, c->events, c->own, c->skipped,
			c->malformed, c->enobufs, c->resyncs, c->refreshed,
			c->reconciled, c->id_taken, c->adopted, c->gets,
			c->batches, c->retried, c->lost);
}

/* Reliable delivery between pfsyncd peers (stats -v), one line each. */
static const char *const cmd_rel_lines[PFS_REL_NSTATS] = {
	[PFS_REL_GAPS] = "packets found missing from a peer",
	[PFS_REL_NACKS] = "NACKs sent",
	[PFS_REL_RECOVERED] = "missing packets received again",
	[PFS_REL_LOST] = "missing packets given up (resynced by bulk)",
	[PFS_REL_DUPS] = "duplicate packets dropped",
	[PFS_REL_HELD] = "packets held back for order",
	[PFS_REL_RESENT] = "packets resent on a NACK",
	[PFS_REL_GONE] = "NACKs for packets no longer held",
	[PFS_REL_RESYNCS] = "bulk updates asked for after a loss",
	[PFS_REL_SWEPT] = "peer states swept by a complete bulk",
	[PFS_REL_REFUSED] = "deleted states refused back",
	[PFS_REL_TOMB_FULL] = "deletes not remembered (set full)",
	[PFS_REL_XST_BAD] = "state-extras sections refused (malformed)",
};

static void cmd_stats_rel_text(struct cmd_req *r)
{
	const uint64_t *v = pfs_engine_rel_stats(r->d->engine);
	int i;

	pfsd_out_printf(r->out, "reliable: %s\n",
			r->d->conf.reliable ? "on" : "off");
	for (i = 0; i < PFS_REL_NSTATS; i++)
		pfsd_out_printf(r->out, "\t%" PRIu64 " %s\n", v[i],
				cmd_rel_lines[i]);
}

static void cmd_stats_rel_json(struct cmd_req *r)
{
	const uint64_t *v = pfs_engine_rel_stats(r->d->engine);
	int i;

	for (i = 0; i < PFS_REL_NSTATS; i++)
		pfsd_out_printf(r->out, ",\"%s\":%" PRIu64,
				pfs_rel_stat_name((enum pfs_rel_stat)i), v[i]);
}

/* The sync socket's kernel drops: what SO_RXQ_OVFL told so far, or
 * /proc/net/raw's count for the socket when that is ahead (drops after
 * the last packet read show there first); plus replaced sockets'. */
static uint64_t cmd_kernel_drops(const struct pfsd_daemon *d)
{
	uint64_t seen = pfsd_transport_stats(d->tp)->kernel_drops;
	uint64_t proc = pfsd_transport_proc_drops(d->tp);

	return d->rx_drops_old + (proc > seen ? proc : seen);
}

/* Sealed packets (stats -v), when a key is configured. */
static const char *const cmd_seal_lines[PFS_SEAL_RX_MAX] = {
    [PFS_SEAL_RX_OK] = "sealed packets opened",
    [PFS_SEAL_RX_SHORT] = "dropped: truncated",
    [PFS_SEAL_RX_UNSEALED] = "dropped: not sealed",
    [PFS_SEAL_RX_BADKEY] = "dropped: unknown key",
    [PFS_SEAL_RX_AUTH] = "dropped: failed authentication",
    [PFS_SEAL_RX_REPLAY] = "dropped: replayed",
    [PFS_SEAL_RX_OLD] = "dropped: older than the replay window",
};

static void cmd_stats_seal_text(struct cmd_req *r)
{
	const struct pfs_seal *s;
	const uint64_t *v;
	int i;

	if (r->d->crypt == NULL)
		return;
	s = pfsd_crypt_sealer(r->d->crypt);
	v = pfs_seal_rx_stats(s);
	pfsd_out_printf(r->out,
			"seal: key %08x, %u key%s accepted\n"
			"\t%" PRIu64 " sealed packets sent\n",
			pfs_seal_send_keyid(s), pfs_seal_nkeys(s),
			pfs_seal_nkeys(s) == 1 ? "" : "s",
			pfs_seal_tx_count(s));
	for (i = 0; i < PFS_SEAL_RX_MAX; i++)
		pfsd_out_printf(r->out, "\t%" PRIu64 " %s\n", v[i],
				cmd_seal_lines[i]);
}

static void cmd_stats_seal_json(struct cmd_req *r)
{
	const struct pfs_seal *s;
	const uint64_t *v;
	int i;

	if (r->d->crypt == NULL)
		return;
	s = pfsd_crypt_sealer(r->d->crypt);
	v = pfs_seal_rx_stats(s);
	pfsd_out_printf(r->out,
			",\"seal_keyid\":\"%08x\",\"seal_keys\":%u"
			",\"seal_tx\":%" PRIu64,
			pfs_seal_send_keyid(s), pfs_seal_nkeys(s),
			pfs_seal_tx_count(s));
	for (i = 0; i < PFS_SEAL_RX_MAX; i++)
		pfsd_out_printf(r->out, ",\"seal_%s\":%" PRIu64,
				pfs_seal_rx_name((enum pfs_seal_rx)i), v[i]);
}

static void cmd_stats_udp_text(struct cmd_req *r)
{
	const struct pfsd_udp_stats *u;

	if (r->d->udp == NULL)
		return;
	u = pfsd_udp_stats(r->d->udp);
	pfsd_out_printf(r->out,
			"udp: port %u\n\t%" PRIu64 " datagrams received\n"
			"\t%" PRIu64 " datagrams from no peer dropped\n"
			"\t%" PRIu64 " protocol 240 packets ignored\n"
			"\t%" PRIu64 " datagrams sent\n"
			"\t%" PRIu64 " send failures\n",
			pfsd_udp_port(r->d->udp), u->rx, u->unknown,
			u->raw_ignored, u->tx, u->send_errors);
}

static void cmd_stats_udp_json(struct cmd_req *r)
{
	const struct pfsd_udp_stats *u;

	if (r->d->udp == NULL)
		return;
	u = pfsd_udp_stats(r->d->udp);
	pfsd_out_printf(r->out,
			",\"udp_rx\":%" PRIu64 ",\"udp_unknown\":%" PRIu64
			",\"udp_raw_ignored\":%" PRIu64 ",\"udp_tx\":%" PRIu64
			",\"udp_send_errors\":%" PRIu64,
			u->rx, u->unknown, u->raw_ignored, u->tx,
			u->send_errors);
}

static void cmd_stats_text(struct cmd_req *r, const uint64_t *s)
{
	const struct pfsd_tp_stats *ts = pfsd_transport_stats(r->d->tp);
	size_t i;

	pfsd_out_printf(r->out, "pfsync:\n");
	for (i = 0; i < PFS_NSTATS; i++) {
		uint64_t v = s[cmd_stat_lines[i].slot];
		const char *pl = cmd_stat_lines[i].plural && v != 1 ? "s" : "";

		pfsd_out_printf(r->out, "%s%" PRIu64 " %s%s%s\n",
				cmd_stat_lines[i].tabs == 2 ? "\t\t" : "\t", v,
				cmd_stat_lines[i].noun, pl,
				cmd_stat_lines[i].rest);
	}
	if (!r->verbose)
		return;
	pfsd_out_printf(r->out,
			"pfsyncd:\n\t%" PRIu64 " packets read in %" PRIu64
			" batches\n"
			"\t%" PRIu64 " packets dropped by the kernel "
			"(receive buffer of %u bytes full)\n"
			"\t%" PRIu64 " bulk updates asked again after a loss\n"
			"\t%" PRIu64 " bulk walks sent again after a send "
			"failure\n"
			"\t%" PRIu64 " control clients closed to make room\n"
			"\t%" PRIu64 " own packets ignored\n"
			"\t%" PRIu64 " malformed IP packets\n"
			"\t%" PRIu64 " send failures\n"
			"\t%" PRIu64 " tap copies dropped\n",
			ts->received, ts->batches, cmd_kernel_drops(r->d),
			pfsd_transport_rcvbuf(r->d->tp), r->d->bulk_lossy,
			r->d->bulk_resent, pfsd_control_evicted(r->d->ctl),
			ts->own,
			ts->malformed, ts->send_errors,
			pfsd_tun_drops(r->d->tun));
	pfsd_out_printf(r->out,
			"\t%" PRIu64 " peer inserts applied\n"
			"\t%" PRIu64 " peer updates applied\n"
			"\t%" PRIu64 " peer deletes applied\n",
			r->d->applied[PFS_OP_INSERT],
			r->d->applied[PFS_OP_UPDATE],
			r->d->applied[PFS_OP_DELETE]);
	cmd_dialect_text(r);
	cmd_stats_rel_text(r);
	cmd_stats_churn_text(r);
	cmd_stats_ct_text(r);
	cmd_stats_seal_text(r);
	cmd_stats_udp_text(r);
}

static void cmd_stats_json(struct cmd_req *r, const uint64_t *s)
{
	const struct pfsd_tp_stats *ts = pfsd_transport_stats(r->d->tp);
	int i;

	pfsd_out_printf(r->out, "{");
	for (i = 0; i < PFS_NSTATS; i++)
		pfsd_out_printf(r->out, "\"%s\":%" PRIu64 ",",
				pfs_stat_name((enum pfs_stat)i), s[i]);
	pfsd_out_printf(r->out,
			"\"rx_packets\":%" PRIu64 ",\"rx_batches\":%" PRIu64
			",\"kernel_drops\":%" PRIu64 ",\"rcvbuf\":%u"
			",\"bulk_lossy\":%" PRIu64 ",\"bulk_resent\":%" PRIu64
			",\"ctl_evicted\":%" PRIu64 ",",
			ts->received, ts->batches, cmd_kernel_drops(r->d),
			pfsd_transport_rcvbuf(r->d->tp), r->d->bulk_lossy,
			r->d->bulk_resent, pfsd_control_evicted(r->d->ctl));
	pfsd_out_printf(r->out,
			"\"own\":%" PRIu64 ",\"malformed\":%" PRIu64
			",\"send_failures\":%" PRIu64
			",\"tap_drops\":%" PRIu64 ",\"applied_ins\":%" PRIu64
			",\"applied_upd\":%" PRIu64 ",\"applied_del\":%" PRIu64
			",\"churn_made\":%" PRIu64,
			ts->own, ts->malformed, ts->send_errors,
			pfsd_tun_drops(r->d->tun), r->d->applied[PFS_OP_INSERT],
			r->d->applied[PFS_OP_UPDATE],
			r->d->applied[PFS_OP_DELETE], cmd_churn_made(r->d));
	cmd_dialect_json(r);
	cmd_stats_rel_json(r);
	cmd_stats_ct_json(r);
	cmd_stats_seal_json(r);
	cmd_stats_udp_json(r);
	pfsd_out_printf(r->out, "}\n");
}

static int cmd_stats(struct cmd_req *r)
{
	const uint64_t *s = pfs_engine_stats(r->d->engine);

	if (r->argc != 1)
		return cmd_fail(r, EINVAL, "usage: stats");
	if (r->json)
		cmd_stats_json(r, s);
	else
		cmd_stats_text(r, s);
	return 0;
}

/* --- states -------------------------------------------------------------- */

/* The shared pfctl-style text (pfsync/format.h), as decode -v prints it. */
static void cmd_state_text(struct cmd_req *r, const struct pfs_state *st,
			   uint32_t now)
{
	char line[PFS_FORMAT_LINE_LEN], detail[PFS_FORMAT_DETAIL_LEN];

	pfs_format_state_line(line, sizeof(line), st);
	pfsd_out_printf(r->out, "%s\n", line);
	if (!r->verbose)
		return;
	pfs_format_state_detail(detail, sizeof(detail), st, now);
	pfsd_out_printf(r->out, "%s\n", detail);
}

static void cmd_json_host(struct cmd_req *r, const char *key, uint8_t af,
			  const struct pfs_host *h)
{
	char buf[64], a[INET6_ADDRSTRLEN];

	if (inet_ntop(af == AF_INET6 ? AF_INET6 : AF_INET, h->addr.a, a,
		      sizeof(a)) == NULL)
		strcpy(a, "?");
	snprintf(buf, sizeof(buf), "%s", a);
	pfsd_out_printf(r->out, ",\"%s\":{\"addr\":", key);
	pfsd_out_json_str(r->out, buf);
	pfsd_out_printf(r->out, ",\"port\":%u}", h->port);
}

static void cmd_state_json(struct cmd_req *r, const struct pfs_state *st,
			   uint32_t now, bool first)
{
	char pb[16], s1[16], s2[16];

	pfsd_out_printf(r->out, "%s{\"id\":\"%016" PRIx64
				"\",\"creatorid\":\"%08x\",\"ifname\":",
			first ? "" : ",", st->id, st->creatorid);
	pfsd_out_json_str(r->out, st->ifname[0] != '\0' ? st->ifname : "all");
	pfsd_out_printf(r->out, ",\"af\":%u,\"proto\":", st->af);
	pfsd_out_json_str(r->out, cmd_proto_name(st->proto, pb, sizeof(pb)));
	pfsd_out_printf(r->out, ",\"direction\":\"%s\"",
			st->direction == PFS_DIR_IN ? "in" : "out");
	cmd_json_host(r, "lan", st->af, &st->lan);
	cmd_json_host(r, "gwy", st->af, &st->gwy);
	cmd_json_host(r, "ext", st->af, &st->ext);
	pfsd_out_printf(r->out, ",\"src_state\":");
	pfsd_out_json_str(r->out, cmd_peer_name(st->proto, st->src.state, s1,
						sizeof(s1)));
	pfsd_out_printf(r->out, ",\"dst_state\":");
	pfsd_out_json_str(r->out, cmd_peer_name(st->proto, st->dst.state, s2,
						sizeof(s2)));
	pfsd_out_printf(r->out,
			",\"src_seqlo\":%u,\"src_seqhi\":%u,\"timeout\":%u,"
			"\"age\":%" PRId64 ",\"expires_in\":%" PRId64
			",\"packets\":[%" PRIu64 ",%" PRIu64 "]}",
			st->src.seqlo, st->src.seqhi, st->timeout,
			(int64_t)now - st->creation,
			(int64_t)st->expire - now, st->packets[0],
			st->packets[1]);
}

/*
 * The states answer is streamed (control.h): CMD_STATES_PART states per
 * part, walked with a table cursor, so a table of millions is listed in
 * constant memory.  States removed between parts are skipped; states
 * added meanwhile may or may not be listed (pfs_table_next).
 */
#define CMD_STATES_PART 2048

struct cmd_states_walk {
	struct cmd_req r; /* a copy: out is swapped for each part */
	size_t cursor;
	uint32_t now;
	bool first;
};

static int cmd_states_more(void *arg, struct pfsd_out *o)
{
	struct cmd_states_walk *w = arg;
	const struct pfs_state *st;
	unsigned n = 0;

	w->r.out = o;
	while (n++ < CMD_STATES_PART &&
	       (st = pfs_table_next(w->r.d->table, &w->cursor)) != NULL) {
		if (w->r.json)
			cmd_state_json(&w->r, st, w->now, w->first);
		else
			cmd_state_text(&w->r, st, w->now);
		w->first = false;
	}
	if (n <= CMD_STATES_PART) { /* the table's end */
		if (w->r.json)
			pfsd_out_printf(o, "]\n");
		return 0;
	}
	return 1;
}

static int cmd_states(struct cmd_req *r)
{
	struct cmd_states_walk *w;

	if (r->argc != 1)
		return cmd_fail(r, EINVAL, "usage: states");
	w = calloc(1, sizeof(*w));
	if (w == NULL)
		return cmd_fail(r, ENOMEM, "states: out of memory");
	w->r = *r;
	w->r.argv = NULL; /* the request's, gone after this call */
	w->r.err = NULL;
	w->r.errlen = 0;
	w->now = pfsd_daemon_now_sec();
	w->first = true;
	if (r->json)
		pfsd_out_printf(r->out, "[");
	pfsd_out_stream(r->out, cmd_states_more, free, w);
	return 0;
}

/* --- memory backend changes --------------------------------------------- */

struct cmd_add {
	uint8_t proto, af, dir;
	struct pfs_host src, dst;
	char ifname[PFS_IFNAMSIZ];
	bool nosync, have_states;
	uint8_t s1, s2;
};

/* The optional words after `add PROTO SRC DST`. */
static int cmd_add_opts(struct cmd_req *r, int i, struct cmd_add *a)
{
	for (; i < r->argc; i++) {
		const char *w = r->argv[i];

		if (strcmp(w, "in") == 0 || strcmp(w, "out") == 0) {
			a->dir = w[0] == 'i' ? PFS_DIR_IN : PFS_DIR_OUT;
		} else if (strcmp(w, "no-sync") == 0) {
			a->nosync = true;
		} else if (strcmp(w, "if") == 0 && i + 1 < r->argc &&
			   strlen(r->argv[i + 1]) < PFS_IFNAMSIZ) {
			snprintf(a->ifname, sizeof(a->ifname), "%s",
				 r->argv[++i]);
		} else if (strcmp(w, "state") == 0 && i + 1 < r->argc) {
			if (cmd_parse_pair(r->argv[++i], &a->s1, &a->s2) == -1)
				return cmd_fail(r, EINVAL,
						"add: bad state pair \"%s\"",
						r->argv[i]);
			a->have_states = true;
		} else {
			return cmd_fail(r, EINVAL, "add: unexpected \"%s\"", w);
		}
	}
	return 0;
}

static int cmd_add_parse(struct cmd_req *r, struct cmd_add *a)
{
	uint8_t af2;

	memset(a, 0, sizeof(*a));
	a->dir = PFS_DIR_OUT;
	strcpy(a->ifname, "all");
	if (r->argc < 4)
		return cmd_fail(r, EINVAL, "usage: add PROTO SRC DST [in|out] "
					   "[if IFNAME] [no-sync] "
					   "[state SRC:DST]");
	if (cmd_parse_proto(r->argv[1], &a->proto) == -1)
		return cmd_fail(r, EINVAL, "add: bad protocol \"%s\"",
				r->argv[1]);
	if (cmd_parse_host(r->argv[2], &a->af, &a->src) == -1 ||
	    cmd_parse_host(r->argv[3], &af2, &a->dst) == -1 || af2 != a->af)
		return cmd_fail(r, EINVAL, "add: bad address pair %s %s",
				r->argv[2], r->argv[3]);
	return cmd_add_opts(r, 4, a);
}

static int cmd_add(struct cmd_req *r)
{
	struct pfs_state st;
	struct cmd_add a;
	int e;

	if ((e = cmd_add_parse(r, &a)) != 0)
		return e;
	if (!a.have_states)
		a.s1 = a.s2 = a.proto == IPPROTO_TCP ? PFS_TCPS_ESTABLISHED
			: a.proto == IPPROTO_ICMP ? 0 : PFS_UDPS_MULTIPLE;
	pfsd_commands_new_state(r->d, &st, a.proto, a.s1, a.s2);
	st.af = a.af;
	st.direction = a.dir;
	/* conntrack's original tuple: OUT (lan, ext), IN (ext, lan) */
	st.lan = a.dir == PFS_DIR_IN ? a.dst : a.src;
	st.ext = a.dir == PFS_DIR_IN ? a.src : a.dst;
	st.gwy = st.lan;
	memcpy(st.ifname, a.ifname, sizeof(st.ifname));
	if (a.nosync)
		st.sync_flags |= PFS_SF_NOSYNC;
	if (pfs_engine_insert(r->d->engine, &st, pfsd_daemon_now_ms()) == -1)
		return cmd_fail(r, errno, "add: %s", errno == EEXIST ?
				"a state with this flow exists" :
				strerror(errno));
	pfsd_daemon_kick(r->d);
	if (r->json)
		pfsd_out_printf(r->out, "{\"id\":\"%016" PRIx64 "\"}\n", st.id);
	else
		pfsd_out_printf(r->out, "%016" PRIx64 "\n", st.id);
	return 0;
}

/* One packet from src: src sends a segment, dst acknowledges it. */
static void cmd_one_packet(struct pfs_state *st, uint32_t now)
{
	if (st->proto == IPPROTO_TCP) {
		st->src.seqlo += CMD_SEQ_STEP;
		st->src.seqhi = st->src.seqlo + (st->dst.max_win != 0 ?
						 st->dst.max_win : CMD_WINDOW);
		st->dst.seqhi = st->dst.seqlo + (st->src.max_win != 0 ?
						 st->src.max_win : CMD_WINDOW);
	}
	st->packets[0]++;
	st->bytes[0] += CMD_SEQ_STEP;
	st->timeout = pfs_state_timeout_class(st->proto, st->src.state,
						  st->dst.state);
	st->expire = now + pfs_timeout_default(st->timeout);
}

static int cmd_update(struct cmd_req *r)
{
	struct pfs_state *cur, st;
	struct cmd_ref ref;

	if ((r->argc != 2 && r->argc != 4) ||
	    (r->argc == 4 && strcmp(r->argv[2], "state") != 0))
		return cmd_fail(r, EINVAL,
				"usage: update ID[/CREATOR] [state SRC:DST]");
	if (cmd_parse_ref(r->argv[1], &ref) == -1)
		return cmd_fail(r, EINVAL, "update: bad id \"%s\"", r->argv[1]);
	cur = cmd_find(r->d, &ref);
	if (cur == NULL)
		return cmd_fail(r, ENOENT, "update: no state with id %s",
				r->argv[1]);
	st = *cur;
	if (r->argc == 4 &&
	    cmd_parse_pair(r->argv[3], &st.src.state, &st.dst.state) == -1)
		return cmd_fail(r, EINVAL, "update: bad state pair \"%s\"",
				r->argv[3]);
	cmd_one_packet(&st, pfsd_daemon_now_sec());
	if (pfs_engine_update(r->d->engine, &st, pfsd_daemon_now_ms()) == -1)
		return cmd_fail(r, errno, "update: %s", strerror(errno));
	pfsd_daemon_kick(r->d);
	return 0;
}

static int cmd_kill(struct cmd_req *r)
{
	struct pfs_state *st;
	struct cmd_ref ref;

	if (r->argc != 2)
		return cmd_fail(r, EINVAL, "usage: kill ID[/CREATOR]");
	if (cmd_parse_ref(r->argv[1], &ref) == -1)
		return cmd_fail(r, EINVAL, "kill: bad id \"%s\"", r->argv[1]);
	st = cmd_find(r->d, &ref);
	if (st == NULL)
		return cmd_fail(r, ENOENT, "kill: no state with id %s",
				r->argv[1]);
	if (pfs_engine_kill(r->d->engine, st->id, st->creatorid,
			    pfsd_daemon_now_ms()) == -1)
		return cmd_fail(r, errno, "kill: %s", strerror(errno));
	pfsd_daemon_kick(r->d);
	return 0;
}

static int cmd_flush(struct cmd_req *r)
{
	size_t before = pfs_table_count(r->d->table);
	const char *ifname = r->argc == 2 ? r->argv[1] : "";

	if (r->argc > 2 || strlen(ifname) >= PFS_IFNAMSIZ)
		return cmd_fail(r, EINVAL, "usage: flush [IFNAME]");
	if (pfs_engine_clear(r->d->engine, ifname, pfsd_daemon_now_ms()) == -1)
		return cmd_fail(r, errno, "flush: %s", strerror(errno));
	pfsd_daemon_kick(r->d);
	if (r->json)
		pfsd_out_printf(r->out, "{\"flushed\":%zu}\n",
				before - pfs_table_count(r->d->table));
	else
		pfsd_out_printf(r->out, "%zu state%s flushed\n",
				before - pfs_table_count(r->d->table),
				before - pfs_table_count(r->d->table) == 1 ?
				"" : "s");
	return 0;
}

/* --- bulk, churn, version ------------------------------------------------ */

/* bulk-done: status 0 only when no bulk update is awaited, for
 * keepalived's track_script and scripts (pfsyncctl exits 1 otherwise). */
static int cmd_bulk_done(struct cmd_req *r)
{
	bool done = pfs_engine_synced(r->d->engine);

	if (r->argc != 1)
		return cmd_fail(r, EINVAL, "usage: bulk-done");
	if (r->json)
		pfsd_out_printf(r->out, "{\"bulk\":\"%s\",\"done\":%s}\n",
				cmd_bulk_word(r->d), done ? "true" : "false");
	if (!done)
		return cmd_fail(r, EAGAIN, "bulk update pending (try %u/%u)",
				cmd_bulk_try(r->d), PFS_BULK_MAX_TRIES);
	if (!r->json)
		pfsd_out_printf(r->out, "bulk update done\n");
	return 0;
}

/* metrics: Prometheus text (metrics.h); -j does not apply. */
static int cmd_metrics(struct cmd_req *r)
{
	if (r->argc != 1)
		return cmd_fail(r, EINVAL, "usage: metrics");
	pfsd_metrics_render_now(r->d, r->out);
	return 0;
}

static int cmd_bulk(struct cmd_req *r)
{
	if (r->argc != 1)
		return cmd_fail(r, EINVAL, "usage: bulk");
	pfsd_daemon_bulk(r->d);
	if (!r->json)
		pfsd_out_printf(r->out, "bulk update requested\n");
	return 0;
}

static int cmd_uint(const char *s, unsigned long max, unsigned *out)
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

/* churn RATE [SECONDS] [max N] [stamp] [fill]; churn stop */
static int cmd_churn(struct cmd_req *r)
{
	unsigned rate, secs = 10, max = 10000;
	bool stamp = false, fill = false;
	int i = 2;

	if (r->argc == 2 && strcmp(r->argv[1], "stop") == 0) {
		pfsd_churn_free(r->d->churn);
		r->d->churn = NULL;
		return 0;
	}
	if (r->argc < 2 || cmd_uint(r->argv[1], 10000000, &rate) == -1)
		return cmd_fail(r, EINVAL, CMD_CHURN_USAGE);
	if (i < r->argc && strcmp(r->argv[i], "max") != 0 &&
	    strcmp(r->argv[i], "stamp") != 0 && strcmp(r->argv[i], "fill") != 0 &&
	    cmd_uint(r->argv[i++], 86400, &secs) == -1)
		return cmd_fail(r, EINVAL, "churn: bad SECONDS \"%s\"",
				r->argv[i - 1]);
	if (i + 1 < r->argc && strcmp(r->argv[i], "max") == 0) {
		if (cmd_uint(r->argv[i + 1], PFSD_STATE_LIMIT, &max) == -1)
			return cmd_fail(r, EINVAL, "churn: bad max \"%s\"",
					r->argv[i + 1]);
		i += 2;
	}
	if (i < r->argc && strcmp(r->argv[i], "stamp") == 0) {
		stamp = true;
		i++;
	}
	if (i < r->argc && strcmp(r->argv[i], "fill") == 0) {
		fill = true;
		i++;
	}
	if (i != r->argc)
		return cmd_fail(r, EINVAL, CMD_CHURN_USAGE);
	pfsd_churn_free(r->d->churn);
	r->d->churn = pfsd_churn_start(r->d, rate, secs, max);
	if (r->d->churn == NULL)
		return cmd_fail(r, errno, "churn: %s", strerror(errno));
	pfsd_churn_set_stamp(r->d->churn, stamp);
	pfsd_churn_set_fill(r->d->churn, fill);
	if (!r->json)
		pfsd_out_printf(r->out,
				"churn: %u changes/s for %u s, at most %u "
				"states\n", rate, secs, max);
	return 0;
}

/* --- latency ------------------------------------------------------------ */

static const double cmd_lat_q[] = {0.5, 0.9, 0.99, 0.999};
static const char *const cmd_lat_qname[] = {"p50", "p90", "p99", "p999"};
#define CMD_LAT_NQ (sizeof(cmd_lat_q) / sizeof(cmd_lat_q[0]))

static void cmd_latency_text(struct cmd_req *r, const struct pfsd_latency *l)
{
	size_t i;

	pfsd_out_printf(r->out, "latency: %" PRIu64 " stamped changes applied",
			l->count);
	if (l->count != 0)
		pfsd_out_printf(r->out, ", mean %" PRIu64 " us, max %u us",
				l->sum_us / l->count, (unsigned)l->max_us);
	pfsd_out_printf(r->out, "\n");
	for (i = 0; i < CMD_LAT_NQ && l->count != 0; i++)
		pfsd_out_printf(r->out, "\t%s <= %u us\n", cmd_lat_qname[i],
				(unsigned)pfsd_latency_quantile(l,
								cmd_lat_q[i]));
	if (!r->verbose)
		return;
	for (i = 0; i < PFSD_LAT_NBUCKETS; i++)
		if (l->bucket[i] != 0)
			pfsd_out_printf(r->out, "\t<= %10u us %12" PRIu64 "\n",
					(unsigned)pfsd_latency_bucket_max(
						(unsigned)i),
					l->bucket[i]);
}

static void cmd_latency_json(struct cmd_req *r, const struct pfsd_latency *l)
{
	const char *sep = "";
	size_t i;

	pfsd_out_printf(r->out, "{\"count\":%" PRIu64 ",\"mean_us\":%" PRIu64
			",\"max_us\":%u", l->count,
			l->count ? l->sum_us / l->count : 0,
			(unsigned)l->max_us);
	for (i = 0; i < CMD_LAT_NQ; i++)
		pfsd_out_printf(r->out, ",\"%s_us\":%u", cmd_lat_qname[i],
				(unsigned)pfsd_latency_quantile(l,
								cmd_lat_q[i]));
	/* the non-empty buckets as [upper bound in us, count] pairs */
	pfsd_out_printf(r->out, ",\"buckets\":[");
	for (i = 0; i < PFSD_LAT_NBUCKETS; i++) {
		if (l->bucket[i] == 0)
			continue;
		pfsd_out_printf(r->out, "%s[%u,%" PRIu64 "]", sep,
				(unsigned)pfsd_latency_bucket_max((unsigned)i),
				l->bucket[i]);
		sep = ",";
	}
	pfsd_out_printf(r->out, "]}\n");
}

/* latency; latency reset */
static int cmd_latency(struct cmd_req *r)
{
	if (r->argc == 2 && strcmp(r->argv[1], "reset") == 0) {
		pfsd_latency_reset(&r->d->lat);
		return 0;
	}
	if (r->argc != 1)
		return cmd_fail(r, EINVAL, "usage: latency [reset]");
	if (r->json)
		cmd_latency_json(r, &r->d->lat);
	else
		cmd_latency_text(r, &r->d->lat);
	return 0;
}

static int cmd_version(struct cmd_req *r)
{
	if (r->json)
		pfsd_out_printf(r->out,
				"{\"program\":\"pfsyncd\",\"version\":\"%s\","
				"\"control_protocol\":%d,\"pfsync\":%d}\n",
				PFSD_VERSION, PFS_CTL_VERSION, PFS_V3_VERSION);
	else
		pfsd_out_printf(r->out,
				"pfsyncd %s, control protocol %d, pfsync "
				"version %d\n",
				PFSD_VERSION, PFS_CTL_VERSION, PFS_V3_VERSION);
	return 0;
}

/* --- dispatch ------------------------------------------------------------ */

static const struct {
	const char *word;
	int (*fn)(struct cmd_req *r);
} cmd_table[] = {
	{ "stats", cmd_stats },	  { "states", cmd_states },
	{ "bulk", cmd_bulk },	  { "add", cmd_add },
	{ "update", cmd_update }, { "kill", cmd_kill },
	{ "flush", cmd_flush },	  { "churn", cmd_churn },
	{ "version", cmd_version }, { "latency", cmd_latency },
	{ "bulk-done", cmd_bulk_done }, { "metrics", cmd_metrics },
};

/* Commands that change the memory table directly: with the conntrack
 * backend the kernel's table is the truth and conntrack(8) changes it. */
static bool cmd_memory_only(const char *w)
{
	static const char *const words[] = { "add", "update", "kill",
					      "flush", "churn" };
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strcmp(w, words[i]) == 0)
			return true;
	return false;
}

int pfsd_commands_handle(void *ctx, int argc, char *argv[], unsigned flags,
			 struct pfsd_out *out, char *err, size_t errlen)
{
	struct cmd_req r = {
		.d = ctx,
		.argc = argc,
		.argv = argv,
		.json = (flags & PFS_CTL_F_JSON) != 0,
		.verbose = (flags & PFS_CTL_F_VERBOSE) != 0,
		.out = out,
		.err = err,
		.errlen = errlen,
	};
	size_t i;

	if (argc < 1)
		return cmd_fail(&r, EINVAL, "no command");
	if (r.d->ct != NULL && cmd_memory_only(argv[0]))
		return cmd_fail(&r, EOPNOTSUPP, "%s: not with the conntrack "
				"backend (use conntrack(8))", argv[0]);
	if (strcmp(argv[0], r.d->conf.ifname) == 0)
		return cmd_if(&r);
	for (i = 0; i < sizeof(cmd_table) / sizeof(cmd_table[0]); i++)
		if (strcmp(argv[0], cmd_table[i].word) == 0)
			return cmd_table[i].fn(&r);
	return cmd_fail(&r, EINVAL, "unknown command \"%s\"", argv[0]);
}
