/*
 * doctor.c - `doctor`: a running node checked as an operator would, each
 * finding in words with its level (ok, warn, fail) and what to do.  It
 * reads only what the daemon already keeps: configuration, counters, the
 * peers heard, the bulk state, the sync device in /sys.  Exit 1 (EAGAIN)
 * when anything is not ok, so a script can run it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "pfsync/engine.h"
#include "pfsync/seal.h"
#include "pfsync/stats.h"

#include "backend/backend.h"
#include "backend/ctnl.h"
#include "cmd_priv.h"
#include "net/crypt.h"
#include "daemon.h"
#include "net/tp.h"

#define DOC_QUIET_MS 10000 /* a peer silent this long is worth a word */
#define DOC_DEAF_MS  5000  /* started this long and still nobody heard */

enum doc_level { DOC_OK, DOC_WARN, DOC_FAIL };

struct doc {
	struct cmd_req *r;
	uint64_t now_ms;
	uint64_t s[PFS_NSTATS];
	unsigned problems;
};

static const char *const doc_words[] = {"ok", "warn", "FAIL"};

static void doc_say(struct doc *dc, enum doc_level lv, const char *check,
		    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void doc_say(struct doc *dc, enum doc_level lv, const char *check,
		    const char *fmt, ...)
{
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if (lv != DOC_OK)
		dc->problems++;
	pfsd_rnd_object(&dc->r->rnd, NULL);
	pfsd_rnd_str(&dc->r->rnd, "level", "%-5s", doc_words[lv]);
	pfsd_rnd_str(&dc->r->rnd, "check", "%-9s", check);
	pfsd_rnd_str(&dc->r->rnd, "text", "%s\n", text);
	pfsd_rnd_close(&dc->r->rnd);
}

/* One line of /sys/class/net/IF/NAME, without its newline; "" if none. */
static void doc_sysfs(const char *ifname, const char *name, char *buf,
		      size_t n)
{
	char path[128];
	ssize_t got;
	int fd;

	buf[0] = '\0';
	snprintf(path, sizeof(path), "/sys/class/net/%s/%s", ifname, name);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return;
	got = read(fd, buf, n - 1);
	close(fd);
	buf[got > 0 ? got : 0] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
}

/* A section of a sync link (links.c), not of a unicast peer. */
static bool doc_is_link(const struct pfsd_tp_section *s)
{
	return s->what_label != NULL && strcmp(s->what_label, "link") == 0;
}

/* Sync links besides the syncdev (links.c): how many are up; each said
 * when say is set, a link down a warning while another carries on. */
static unsigned doc_links(struct doc *dc, bool say)
{
	struct pfsd_tp_section s[PFSD_TP_SECTIONS];
	size_t i, n = pfsd_tp_sections(dc->r->d->tp, s, PFSD_TP_SECTIONS);
	unsigned up = 0;

	for (i = 1; i < n; i++) /* s[0] is the syncdev's */
		if (doc_is_link(&s[i]) &&
		    pfsd_tp_line_v(&s[i], "link_up") != 0)
			up++;
	for (i = 1; say && i < n; i++) {
		if (!doc_is_link(&s[i]))
			continue;
		if (pfsd_tp_line_v(&s[i], "link_up") != 0)
			doc_say(dc, DOC_OK, "link", "%s up, %" PRIu64
				" packets received", s[i].what,
				pfsd_tp_line_v(&s[i], "link_rx"));
		else
			doc_say(dc, DOC_WARN, "link",
				"%s is down: the sync goes over the other "
				"links", s[i].what);
	}
	return up;
}

static void doc_syncdev(struct doc *dc)
{
	const struct pfsd_daemon *d = dc->r->d;
	const char *dev = d->conf.syncdev;
	char state[32], mtu[16];

	if (dev[0] == '\0') {
		doc_say(dc, pfsd_tp_receiving(&d->conf) ? DOC_WARN : DOC_FAIL,
			"syncdev",
			"no syncdev: %s (interface pfsync0 up syncdev IF)",
			pfsd_tp_receiving(&d->conf) ?
				"UDP datagrams are taken from any interface" :
				"this node sends and accepts nothing");
		return;
	}
	doc_sysfs(dev, "operstate", state, sizeof(state));
	doc_sysfs(dev, "mtu", mtu, sizeof(mtu));
	if (state[0] == '\0')
		doc_say(dc, DOC_FAIL, "syncdev",
			"%s does not exist in this network namespace", dev);
	else if (strcmp(state, "down") == 0)
		doc_say(dc, doc_links(dc, false) > 0 ? DOC_WARN : DOC_FAIL,
			"syncdev",
			"%s is down (ip link set %s up; check the cable)", dev,
			dev);
	else
		doc_say(dc, DOC_OK, "syncdev", "%s %s, mtu %s", dev, state,
			mtu);
	/* a packet larger than our MTU came in fragments: MTUs differ */
	if (d->rx_max_len + 20 > d->mtu && d->mtu != 0)
		doc_say(dc, DOC_WARN, "mtu",
			"a peer sent a %zu-byte pfsync packet, larger than "
			"%s's mtu %u: set the same mtu on every node's sync "
			"link (or `mtu` in pfsyncd.conf)",
			d->rx_max_len, dev, d->mtu);
}

static void doc_backend(struct doc *dc)
{
	const struct pfsd_daemon *d = dc->r->d;
	const struct pfsd_ctnl_stats *cs = pfsd_backend_ct_stats(d->bk);

	if (cs == NULL) {
		doc_say(dc, DOC_WARN, "backend",
			"backend %s: the kernel's conntrack table is not "
			"synced (backend conntrack)",
			pfsd_backend_name(d->bk));
		return;
	}
	if (cs->ct_fail != 0)
		doc_say(dc, DOC_WARN, "backend",
			"%" PRIu64 " kernel writes refused (pfsyncctl -v "
			"stats: ct_fail by errno)",
			cs->ct_fail);
	else
		doc_say(dc, DOC_OK, "backend",
			"conntrack: %" PRIu64 " events read, %" PRIu64
			" kernel writes done",
			cs->events, cs->ct_ok);
	if (cs->enobufs != 0)
		doc_say(dc, DOC_WARN, "backend",
			"%" PRIu64 " conntrack event overruns (each one costs "
			"a full dump)",
			cs->enobufs);
}

static void doc_security(struct doc *dc)
{
	const struct pfsd_daemon *d = dc->r->d;

	if (d->crypt != NULL)
		doc_say(dc, DOC_OK, "security", "sealed (key %s)",
			d->conf.key);
	else if (pfsd_backend_kernel(d->bk))
		doc_say(dc, DOC_WARN, "security",
			"unsealed with the conntrack backend: any host on the "
			"sync link can insert or flush kernel states (key, "
			"pfsyncd.conf(5); BSD peers cannot seal: keep the "
			"link private)");
	else
		doc_say(dc, DOC_OK, "security", "unsealed (%s backend)",
			pfsd_backend_name(d->bk));
}

static void doc_peer(struct doc *dc, const struct pfsd_peer *p)
{
	const struct pfsd_daemon *d = dc->r->d;
	char a[PFSD_PEERADDR_STRLEN];
	uint64_t ago = dc->now_ms > p->last_ms ? dc->now_ms - p->last_ms : 0;

	pfsd_peeraddr_str(&d->paddr, p->addr, a, sizeof(a));
	if (ago > DOC_QUIET_MS)
		doc_say(dc, DOC_WARN, "peer",
			"%s silent for %" PRIu64 " s (pfsyncd peers send a "
			"heartbeat every 2 s; a BSD peer says nothing while "
			"its table does not change)",
			a, ago / 1000);
	else
		doc_say(dc, DOC_OK, "peer",
			"%s heard %" PRIu64 " s ago, %" PRIu64 " packets", a,
			ago / 1000, p->packets);
}

static void doc_peers(struct doc *dc)
{
	const struct pfsd_daemon *d = dc->r->d;
	uint64_t up = dc->now_ms - d->started_ms;
	uint64_t out = dc->s[PFS_STAT_OPACKETS] + dc->s[PFS_STAT_OPACKETS6];
	size_t i;

	for (i = 0; i < d->peers.n; i++)
		doc_peer(dc, &d->peers.p[i]);
	if (d->peers.n != 0 || d->conf.syncdev[0] == '\0')
		return;
	if (up < DOC_DEAF_MS)
		doc_say(dc, DOC_OK, "peer", "no peer heard yet (started %" PRIu64
			" s ago)", up / 1000);
	else
		doc_say(dc, DOC_FAIL, "peer",
			"no peer heard in %" PRIu64 " s, %" PRIu64 " packets "
			"sent: %s dropped by a ruleset on either node, the "
			"peer on another link, or no pfsync running there",
			up / 1000, out,
			pfsd_tp_carrier(d->tp));
}

static void doc_bulk(struct doc *dc)
{
	const struct pfsd_daemon *d = dc->r->d;
	unsigned t = pfsd_daemon_bulk_try(d, dc->now_ms);

	if (pfsd_daemon_synced(d))
		doc_say(dc, DOC_OK, "bulk", "bulk update done");
	else if (pfs_engine_synced(d->engine))
		doc_say(dc, DOC_WARN, "bulk",
			"bulk update received, %zu states still being written "
			"to the kernel",
			pfsd_backend_waiting(d->bk));
	else
		doc_say(dc, DOC_WARN, "bulk",
			"waiting for a bulk update (try %u/%u): until it is "
			"done keepalived's check keeps this node from taking "
			"over",
			t, PFS_BULK_MAX_TRIES);
}

/* Counters that name a cause, with what to do about it. */
static void doc_counters(struct doc *dc)
{
	static const struct {
		enum pfs_stat slot;
		const char *what;
	} lines[] = {
	    {PFS_STAT_BADTTL, "pfsync packets with a TTL below 255: a router "
			      "between the peers (pfsync needs one link)"},
	    {PFS_STAT_BADIF, "pfsync packets on another interface than the "
			     "syncdev: a wrong syncdev, or a stranger"},
	    {PFS_STAT_BADVER, "packets of a pfsync version not spoken here "
			      "(version in pfsyncd.conf)"},
	    {PFS_STAT_OERRORS, "send errors (pfsyncctl -v stats; the "
			       "syncdev's route and link)"},
	};
	const struct pfsd_daemon *d = dc->r->d;
	bool any = false;
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		if (dc->s[lines[i].slot] == 0)
			continue;
		any = true;
		doc_say(dc, DOC_WARN, "counters", "%" PRIu64 " %s",
			dc->s[lines[i].slot], lines[i].what);
	}
	if (pfsd_daemon_kernel_drops(d) != 0) {
		any = true;
		doc_say(dc, DOC_WARN, "counters",
			"%" PRIu64 " packets dropped by the kernel: the sync "
			"socket's buffer overflowed (raise sync-rcvbuf)",
			pfsd_daemon_kernel_drops(d));
	}
	if (d->crypt != NULL) {
		const uint64_t *v =
		    pfs_seal_rx_stats(pfsd_crypt_sealer(d->crypt));
		uint64_t bad = v[PFS_SEAL_RX_BADKEY] + v[PFS_SEAL_RX_AUTH] +
			       v[PFS_SEAL_RX_UNSEALED];

		if (bad != 0) {
			any = true;
			doc_say(dc, DOC_WARN, "counters",
				"%" PRIu64 " packets refused by the seal: a "
				"peer with another key, cluster name, or "
				"none",
				bad);
		}
	}
	if (!any)
		doc_say(dc, DOC_OK, "counters",
			"no packet refused for ttl, interface, version, "
			"buffer or seal");
}

int cmd_doctor(struct cmd_req *r)
{
	struct doc dc = {.r = r, .now_ms = pfsd_daemon_now_ms()};

	if (r->argc != 1)
		return cmd_fail(r, EINVAL, "usage: doctor");
	pfsd_daemon_stats(r->d, dc.s);
	pfsd_rnd_object(&r->rnd, NULL);
	pfsd_rnd_array(&r->rnd, "findings");
	doc_syncdev(&dc);
	(void)doc_links(&dc, true);
	doc_backend(&dc);
	doc_security(&dc);
	doc_peers(&dc);
	doc_bulk(&dc);
	doc_counters(&dc);
	pfsd_rnd_close(&r->rnd);
	pfsd_rnd_json_uint(&r->rnd, "problems", dc.problems);
	pfsd_rnd_close(&r->rnd);
	if (dc.problems != 0)
		return cmd_fail(r, EAGAIN, "%u finding%s not ok", dc.problems,
				dc.problems == 1 ? "" : "s");
	return 0;
}
