/*
 * iface.c - `pfsync0`: show the interface (ifconfig pfsync0), and
 * `pfsync0 WORDS`: change it (ifconfig-style words, config.h); the
 * dialect fields it shares with stats -v.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/wire_v3.h"

#include "backend/backend.h"
#include "cmd_priv.h"
#include "daemon.h"
#include "net/tp.h"
#include "net/tun.h"

/* "auto", or the version word of the config ("3", "6", "1400"). */
static const char *iface_version_word(const struct pfsd_conf *c, char *buf,
				      size_t n)
{
	if (c->version == PFSD_VERSION_AUTO)
		return "auto";
	snprintf(buf, n, "%u", c->version == 5 ? c->v5_fmt : c->version);
	return buf;
}

/* "v3", "v6", "v5 1400": the number always, the v5 format when set. */
static void iface_dialect_fields(struct cmd_req *r, const char *dkey,
				 const char *fkey, unsigned dialect,
				 unsigned fmt)
{
	pfsd_rnd_uint(&r->rnd, dkey, "v%u", dialect);
	if (dialect == 5 && fmt != 0)
		pfsd_rnd_uint(&r->rnd, fkey, " %u", fmt);
	else
		pfsd_rnd_json_uint(&r->rnd, fkey, fmt);
}

/* Packets passed between peers of different dialects: shown in text
 * once there are any, always in JSON. */
static void iface_bridged(struct cmd_req *r)
{
	uint64_t echoes, bridged = pfs_engine_bridged(r->d->engine, &echoes);

	if (bridged == 0 && echoes == 0) {
		pfsd_rnd_json_u64(&r->rnd, "bridged", bridged);
		pfsd_rnd_json_u64(&r->rnd, "bridge_echoes", echoes);
		return;
	}
	pfsd_rnd_u64(&r->rnd, "bridged", " bridged: %" PRIu64, bridged);
	pfsd_rnd_u64(&r->rnd, "bridge_echoes", " echoes: %" PRIu64, echoes);
}

/*
 * The dialect sent ("per peer" when the peers disagree), then each peer
 * heard: the dialect it speaks and the one it is answered in.
 */
void cmd_iface_dialect(struct cmd_req *r)
{
	struct pfs_engine_peer p[PFS_ENGINE_PEERS];
	unsigned fmt, dl = pfs_engine_dialect(r->d->engine, &fmt);
	size_t i, n = pfs_engine_peers(r->d->engine, p, PFS_ENGINE_PEERS);
	bool mixed = pfs_engine_dialect_mixed(r->d->engine);
	char ver[16], a[PFSD_PEERADDR_STRLEN];

	pfsd_rnd_str(&r->rnd, "version", "\tversion: %s sending: ",
		     iface_version_word(&r->d->conf, ver, sizeof(ver)));
	pfsd_rnd_quiet(&r->rnd, mixed);
	iface_dialect_fields(r, "dialect", "dialect_fmt", dl, fmt);
	pfsd_rnd_quiet(&r->rnd, false);
	pfsd_rnd_bool(&r->rnd, "dialect_mixed", mixed,
		      "per peer (peers speak different dialects)", "");
	iface_bridged(r);
	pfsd_rnd_text(&r->rnd, "\n");
	pfsd_rnd_array(&r->rnd, "peers");
	for (i = 0; i < n; i++) {
		pfsd_peeraddr_str(&r->d->paddr, p[i].addr, a, sizeof(a));
		pfsd_rnd_object(&r->rnd, NULL);
		pfsd_rnd_str(&r->rnd, "addr", "\tpeer: %s ", a);
		iface_dialect_fields(r, "dialect", "fmt", p[i].dialect,
				     p[i].fmt);
		pfsd_rnd_text(&r->rnd, " answered: ");
		iface_dialect_fields(r, "answer", "answer_fmt", p[i].answer,
				     p[i].answer_fmt);
		pfsd_rnd_text(&r->rnd, "\n");
		pfsd_rnd_close(&r->rnd);
	}
	pfsd_rnd_close(&r->rnd);
}

/* syncdev, syncpeer (not shown in text when it is the group), maxupd. */
static void iface_sync(struct cmd_req *r, const struct pfsd_conf *c)
{
	struct in_addr peer = {htonl(c->syncpeer)};
	bool dev = c->syncdev[0] != '\0', v6 = pfsd_conf_inet6(c);
	char ps[PFSD_PEERADDR_STRLEN] = "";

	if (v6) /* an IPv6 group (ff12::f0) or peer: always named */
		inet_ntop(AF_INET6, c->syncpeer6, ps, sizeof(ps));
	else if (c->syncpeer != 0)
		inet_ntop(AF_INET, &peer, ps, sizeof(ps));
	pfsd_rnd_quiet(&r->rnd, !dev);
	pfsd_rnd_str(&r->rnd, "syncdev", "\tpfsync: syncdev: %s ", c->syncdev);
	if (dev && (v6 || (c->syncpeer != 0 && c->syncpeer != PFS_V3_GROUP)))
		pfsd_rnd_str(&r->rnd, "syncpeer", "syncpeer: %s ", ps);
	else
		pfsd_rnd_json_str(&r->rnd, "syncpeer", ps);
	pfsd_rnd_uint(&r->rnd, "maxupd", "maxupd: %u\n", c->maxupd);
	pfsd_rnd_quiet(&r->rnd, false);
}

/*
 * Who can write our states: "sealed", or "unsealed" with what it means
 * when the states are the kernel's (the conntrack backend).
 */
void cmd_iface_security(struct cmd_req *r)
{
	const struct pfsd_daemon *d = r->d;
	bool unsealed = pfsd_daemon_unsealed(d);
	char warn[64] = "";

	if (unsealed && pfsd_backend_kernel(d->bk))
		snprintf(warn, sizeof(warn), "any host on %s can insert states",
			 d->conf.syncdev);
	pfsd_rnd_str(&r->rnd, "security", "\tsecurity: %s",
		     d->crypt != NULL ? "sealed" : "unsealed");
	if (warn[0] != '\0')
		pfsd_rnd_str(&r->rnd, "security_warning", " (%s)", warn);
	else
		pfsd_rnd_json_str(&r->rnd, "security_warning", warn);
	pfsd_rnd_text(&r->rnd, "\n");
}

/* Each sync link when there are several (links.c): its state, then its
 * counters on one line. */
static void iface_links(struct cmd_req *r)
{
	struct pfsd_tp_section s[PFSD_TP_SECTIONS];
	size_t i, j, n = pfsd_tp_sections(r->d->tp, s, PFSD_TP_SECTIONS);

	if (n == 0 || s[0].what_label == NULL)
		return; /* one link: the syncdev line says it */
	pfsd_rnd_array(&r->rnd, "links");
	for (i = 0; i < n; i++) {
		if (s[i].what_label == NULL)
			continue;
		pfsd_rnd_object(&r->rnd, NULL);
		pfsd_rnd_json_str(&r->rnd, "link", s[i].what);
		pfsd_rnd_text(&r->rnd, "\t%s", s[i].head);
		for (j = 0; j < s[i].n; j++) {
			pfsd_rnd_quiet(&r->rnd, s[i].line[j].gauge);
			pfsd_rnd_text(&r->rnd, " %s", s[i].line[j].label);
			pfsd_rnd_u64(&r->rnd, s[i].line[j].key, " %" PRIu64,
				     s[i].line[j].v);
			pfsd_rnd_quiet(&r->rnd, false);
		}
		pfsd_rnd_text(&r->rnd, "\n");
		pfsd_rnd_close(&r->rnd);
	}
	pfsd_rnd_close(&r->rnd);
}

/* hostid, the bulk update and its try, the table size. */
static void iface_bulk(struct cmd_req *r)
{
	const struct pfsd_daemon *d = r->d;
	const char *bulk = cmd_bulk_word(d);
	unsigned t = pfsd_daemon_bulk_try(d, pfsd_daemon_now_ms());

	pfsd_rnd_uint(&r->rnd, "hostid", "\thostid: 0x%08x", d->hostid);
	pfsd_rnd_json_uint(&r->rnd, "syncdev_mtu", d->mtu);
	pfsd_rnd_str(&r->rnd, "bulk", " bulk: %s", bulk);
	if (strcmp(bulk, "pending") == 0)
		pfsd_rnd_uint(&r->rnd, "bulk_try", " (try %u/%u)", t,
			      PFS_BULK_MAX_TRIES);
	else
		pfsd_rnd_json_uint(&r->rnd, "bulk_try", t);
	pfsd_rnd_u64(&r->rnd, "states", " states: %" PRIu64 "\n",
		     (uint64_t)pfs_table_count(d->table));
}

static void iface_show(struct cmd_req *r)
{
	const struct pfsd_daemon *d = r->d;
	bool always = pfsd_tun_tap_always(d->tun);

	pfsd_rnd_object(&r->rnd, NULL);
	pfsd_rnd_str(&r->rnd, "ifname", "%s: flags=<", d->conf.ifname);
	pfsd_rnd_bool(&r->rnd, "up", pfsd_tun_is_up(d->tun), "UP", "");
	pfsd_rnd_uint(&r->rnd, "mtu", "> mtu %u\n", pfsd_tun_mtu(d->tun));
	iface_sync(r, &d->conf);
	iface_links(r);
	cmd_iface_security(r);
	iface_bulk(r);
	pfsd_rnd_json_u64(&r->rnd, "tap_drops", pfsd_tun_drops(d->tun));
	pfsd_rnd_str(&r->rnd, "tap", "\ttap: %s", always ? "always" : "auto");
	pfsd_rnd_uint(&r->rnd, "listeners", " listeners: %u\n",
		      pfsd_tun_listeners(d->tun));
	cmd_iface_dialect(r);
	pfsd_rnd_close(&r->rnd);
}

int cmd_iface(struct cmd_req *r)
{
	struct pfsd_conf nc = r->d->conf;
	char msg[256];

	if (r->argc == 1) {
		iface_show(r);
		return 0;
	}
	if (pfsd_conf_apply_words(&nc, r->argc - 1, r->argv + 1, msg,
				  sizeof(msg)) == -1)
		return cmd_fail(r, EINVAL, "%s", msg);
	if (pfsd_daemon_apply(r->d, &nc, msg, sizeof(msg)) == -1)
		return cmd_fail(r, EINVAL, "%s", msg);
	return 0;
}
