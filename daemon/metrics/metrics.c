/*
 * metrics.c - Prometheus text rendering of the daemon's figures (see
 * metrics.h).  Read-only: it looks at the engine, table, transport, tap,
 * backend and latency histogram through their accessors.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stddef.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pfsync/bsdproto.h"
#include "pfsync/engine.h"
#include "pfsync/stats.h"
#include "pfsync/table.h"
#include "pfsync/wire_v3.h"

#include "pfsync/seal.h"

#include "backend/churn.h"
#include "net/crypt.h"
#include "defer/defer.h"
#include "version.h"
#include "backend/backend.h"
#include "backend/ctexp.h"
#include "backend/ctliberal.h"
#include "backend/ctnl.h"
#include "daemon.h"
#include "metrics/latency.h"
#include "metrics/metrics.h"
#include "metrics/metrics_dig.h"
#include "net/peers.h"
#include "net/tp.h"
#include "net/tun.h"

static void met_head(struct pfsd_out *o, const char *name, const char *type,
		     const char *help)
{
	pfsd_out_printf(o, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
			type);
}

static void met_u64(struct pfsd_out *o, const char *name, uint64_t v)
{
	pfsd_out_printf(o, "%s %" PRIu64 "\n", name, v);
}

static void met_one(struct pfsd_out *o, const char *name, const char *type,
		    const char *help, uint64_t v)
{
	met_head(o, name, type, help);
	met_u64(o, name, v);
}

/* A label value with the exposition format's escapes (\\, \", \n). */
static void met_label_value(struct pfsd_out *o, const char *s)
{
	for (; *s != '\0'; s++) {
		if (*s == '\\')
			pfsd_out_write(o, "\\\\", 2);
		else if (*s == '"')
			pfsd_out_write(o, "\\\"", 2);
		else if (*s == '\n')
			pfsd_out_write(o, "\\n", 2);
		else
			pfsd_out_write(o, s, 1);
	}
}

static void met_labelled(struct pfsd_out *o, const char *name,
			 const char *label, const char *value, uint64_t v)
{
	pfsd_out_printf(o, "%s{%s=\"", name, label);
	met_label_value(o, value);
	pfsd_out_printf(o, "\"} %" PRIu64 "\n", v);
}

/* --- the 16 pfsync counters ---------------------------------------------- */

/* Each slot under one metric name and a label value. */
static const struct {
	enum pfs_stat slot;
	const char *name;
	const char *value; /* of the label the family uses */
} met_stats[PFS_NSTATS] = {
    {PFS_STAT_IPACKETS, "pfsync_received_packets_total", "ipv4"},
    {PFS_STAT_IPACKETS6, "pfsync_received_packets_total", "ipv6"},
    {PFS_STAT_OPACKETS, "pfsync_sent_packets_total", "ipv4"},
    {PFS_STAT_OPACKETS6, "pfsync_sent_packets_total", "ipv6"},
    {PFS_STAT_BADIF, "pfsync_discarded_packets_total", "badif"},
    {PFS_STAT_BADTTL, "pfsync_discarded_packets_total", "badttl"},
    {PFS_STAT_HDROPS, "pfsync_discarded_packets_total", "hdrops"},
    {PFS_STAT_BADVER, "pfsync_discarded_packets_total", "badver"},
    {PFS_STAT_BADAUTH, "pfsync_discarded_packets_total", "badauth"},
    {PFS_STAT_BADACT, "pfsync_discarded_packets_total", "badact"},
    {PFS_STAT_BADLEN, "pfsync_discarded_packets_total", "badlen"},
    {PFS_STAT_BADVAL, "pfsync_discarded_states_total", "badval"},
    {PFS_STAT_STALE, "pfsync_discarded_states_total", "stale"},
    {PFS_STAT_BADSTATE, "pfsync_discarded_states_total", "badstate"},
    {PFS_STAT_ONOMEM, "pfsync_send_errors_total", "onomem"},
    {PFS_STAT_OERRORS, "pfsync_send_errors_total", "oerrors"},
};

static const char *met_stat_help(const char *name, const char **label)
{
	*label = "reason";
	if (strcmp(name, "pfsync_received_packets_total") == 0) {
		*label = "family";
		return "pfsync packets received (netstat -s -p pfsync).";
	}
	if (strcmp(name, "pfsync_sent_packets_total") == 0) {
		*label = "family";
		return "pfsync packets sent.";
	}
	if (strcmp(name, "pfsync_discarded_packets_total") == 0)
		return "Received pfsync packets discarded, by reason.";
	if (strcmp(name, "pfsync_discarded_states_total") == 0)
		return "Received states discarded, by reason.";
	return "pfsync packets that could not be sent, by reason.";
}

static void met_pfsync_stats(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	uint64_t s[PFS_NSTATS];
	const char *label, *help;
	size_t i;

	pfsd_daemon_stats(d, s);
	for (i = 0; i < PFS_NSTATS; i++) {
		help = met_stat_help(met_stats[i].name, &label);
		if (i == 0 ||
		    strcmp(met_stats[i].name, met_stats[i - 1].name) != 0)
			met_head(o, met_stats[i].name, "counter", help);
		met_labelled(o, met_stats[i].name, label, met_stats[i].value,
			     s[met_stats[i].slot]);
	}
}

/* --- the daemon's own counters ------------------------------------------- */

static void met_daemon_stats(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	static const char *const ops[3] = {"insert", "update", "delete"};
	struct pfsd_tp_stats tps, *ts = &tps;
	size_t i;

	pfsd_tp_stats(d->tp, ts);

	met_one(o, "pfsyncd_own_packets_ignored_total", "counter",
		"Packets received that we sent ourselves.", ts ? ts->own : 0);
	met_one(o, "pfsyncd_malformed_packets_total", "counter",
		"Reads that were truncated or not IPv4 protocol 240.",
		ts ? ts->malformed : 0);
	met_one(o, "pfsyncd_bad_source_packets_total", "counter",
		"Packets refused for a source no peer can have (0.0.0.0/8, "
		"multicast, broadcast).",
		ts ? ts->badsrc : 0);
	met_one(o, "pfsyncd_send_failures_total", "counter",
		"Packets the transport failed to send.", d->send_fail);
	met_one(o, "pfsyncd_tap_drops_total", "counter",
		"Copies the pfsync0 tap could not take.",
		d->tun ? pfsd_tun_drops(d->tun) : 0);
	met_head(o, "pfsyncd_peer_changes_applied_total", "counter",
		 "State changes from peers applied to the table, by kind.");
	for (i = 0; i < 3; i++)
		met_labelled(o, "pfsyncd_peer_changes_applied_total", "op",
			     ops[i], d->applied[i]);
}

/* --- reliable delivery and the guards against forged control messages -- */

static const char *const met_rel_help[PFS_REL_NSTATS] = {
    [PFS_REL_GAPS] = "Packets found missing in a peer's stream.",
    [PFS_REL_NACKS] = "NACKs sent, asking for missing packets.",
    [PFS_REL_RECOVERED] = "Missing packets received again.",
    [PFS_REL_LOST] = "Missing packets given up on (resynced by bulk).",
    [PFS_REL_DUPS] = "Packets received twice, dropped.",
    [PFS_REL_HELD] = "Packets held back until a gap filled.",
    [PFS_REL_RESENT] = "Packets resent on a peer's NACK.",
    [PFS_REL_GONE] = "NACKs for packets no longer held.",
    [PFS_REL_RESYNCS] = "Bulk updates asked for after a loss.",
    [PFS_REL_SWEPT] = "Peer states a complete bulk did not hold, removed.",
    [PFS_REL_REFUSED] = "Our deleted states offered back, refused.",
    [PFS_REL_TOMB_FULL] = "Deletes not remembered: the set was full.",
    [PFS_REL_BULK_SLOWED] = "Bulk walks slowed down on a peer's NACK.",
    [PFS_REL_XST_BAD] = "State-extras sections refused (malformed).",
    [PFS_REL_REPLY_REFUSED] = "Requests from no known peer, unanswered.",
    [PFS_REL_NACK_REFUSED] = "NACKs from no stream we follow, refused.",
    [PFS_REL_NACK_LIMITED] =
	"NACKs whose resend was cut by the per-NACK or per-source cap.",
    [PFS_REL_ACK_REFUSED] = "ACKs from no stream we follow, refused.",
    [PFS_REL_FOREIGN] =
	"Packets of a stream from another address than its first, dropped.",
    [PFS_REL_FAR] = "Sequence numbers outside the hold window, ignored.",
    [PFS_REL_REJOINED] =
	"Streams taken up far ahead after numbers kept coming there.",
    [PFS_REL_HOLD_FULL] = "Packets not held back: the total hold was full.",
    [PFS_REL_STREAMS_FULL] =
	"Streams not followed: every slot held one that still talks.",
    [PFS_REL_UREQ_LIMITED] =
	"Update-request answers and UREQs refused over a peer's budget.",
    [PFS_REL_BULK_MERGED] =
	"Bulk requests merged into a walk or refused as too soon.",
    [PFS_REL_IACKS] =
	"INS_ACK records sent for inserts a BSD peer deferred a packet on.",
    [PFS_REL_BULK_WAITED] =
	"Bulk walk waits for its readers' ACKs (window of 2048 packets).",
};

/* Each counter as pfsyncd_<its stats name>_total. */
static void met_rel(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	const uint64_t *v = d->engine ? pfs_engine_rel_stats(d->engine) : NULL;
	char name[64];
	int i;

	for (i = 0; i < PFS_REL_NSTATS; i++) {
		snprintf(name, sizeof(name), "pfsyncd_%s_total",
			 pfs_rel_stat_name((enum pfs_rel_stat)i));
		met_one(o, name, "counter", met_rel_help[i], v ? v[i] : 0);
	}
}

/* defer (pfsyncd(8) DEFER): each engine counter, the queue's passes
 * and the hold percentiles. */
static void met_defer(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	const uint64_t *v = d->engine ? pfs_engine_defer_stats(d->engine) : NULL;
	static const struct pfsd_defer_stats zero;
	const struct pfsd_defer_stats *s = d->dfr ? pfsd_defer_stats(d->dfr)
						  : &zero;
	char name[64];
	int i;

	for (i = 0; i < PFS_DEFER_NSTATS; i++) {
		snprintf(name, sizeof(name), "pfsyncd_%s_total",
			 pfs_defer_stat_name((enum pfs_defer_stat)i));
		met_one(o, name, "counter",
			"Defer: packets held and released, by reason "
			"(pfsyncd(8) DEFER).", v ? v[i] : 0);
	}
	met_one(o, "pfsyncd_defer_queued_total", "counter",
		"Packets the defer queue handed to pfsyncd.", s->queued);
	met_head(o, "pfsyncd_defer_hold_p99_seconds", "gauge",
		 "99th percentile of the time a deferred packet was held.");
	pfsd_out_printf(o, "pfsyncd_defer_hold_p99_seconds %.6f\n",
			(double)pfsd_defer_hold_pct(d->dfr, 99) / 1e6);
}

static void met_conntrack(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	const struct pfsd_ctnl_stats *c = pfsd_backend_ct_stats(d->bk);

	if (c == NULL)
		return;
	met_head(o, "pfsyncd_conntrack_writes_total", "counter",
		 "Writes of peer states into the kernel, by result.");
	met_labelled(o, "pfsyncd_conntrack_writes_total", "result", "ok",
		     c->ct_ok);
	met_labelled(o, "pfsyncd_conntrack_writes_total", "result", "failed",
		     c->ct_fail);
	met_one(o, "pfsyncd_conntrack_events_total", "counter",
		"Conntrack events received.", c->events);
	met_one(o, "pfsyncd_conntrack_malformed_total", "counter",
		"Conntrack messages without a usable tuple.", c->malformed);
	met_one(o, "pfsyncd_conntrack_overruns_total", "counter",
		"Conntrack event socket overruns (ENOBUFS).", c->enobufs);
	met_one(o, "pfsyncd_conntrack_resyncs_total", "counter",
		"Full conntrack dumps after the first.", c->resyncs);
}

/* What the conntrack backend's writer and reader did beyond the above
 * (pfsyncctl -v stats, conntrack:), each under its stats name. */
static void met_conntrack_more(const struct pfsd_daemon *d,
			       struct pfsd_out *o)
{
#define MET_CT(f) {#f, offsetof(struct pfsd_ctnl_stats, f)}
	static const struct {
		const char *kind;
		size_t off;
	} kinds[] = {
	    MET_CT(own),       MET_CT(skipped),	   MET_CT(gets),
	    MET_CT(batches),   MET_CT(retried),	   MET_CT(lost),
	    MET_CT(refreshed), MET_CT(reconciled), MET_CT(id_taken),
	    MET_CT(adopted),   MET_CT(wait_full),  MET_CT(coalesced),
	    MET_CT(dump_gone), MET_CT(unconfirmed),
	};
#undef MET_CT
	const struct pfsd_ctnl_stats *c = pfsd_backend_ct_stats(d->bk);
	uint64_t v;
	size_t i;

	if (c == NULL)
		return;
	met_head(o, "pfsyncd_conntrack_total", "counter",
		 "Conntrack backend events by kind (pfsyncctl -v stats: "
		 "ct_<kind>).");
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		memcpy(&v, (const char *)c + kinds[i].off, sizeof(v));
		met_labelled(o, "pfsyncd_conntrack_total", "kind",
			     kinds[i].kind, v);
	}
	met_head(o, "pfsyncd_conntrack_filtered_total", "counter",
		 "Conntrack entries not synced by the filter, by reason "
		 "(ignore address, ignore protocol, no-sync).");
	for (i = PFSD_CTF_OWN; i < PFSD_CTF_NWHY; i++)
		met_labelled(o, "pfsyncd_conntrack_filtered_total", "reason",
			     pfsd_ctfilter_why_name((enum pfsd_ctf_why)i),
			     c->filtered[i]);
	met_one(o, "pfsyncd_conntrack_writes_waiting", "gauge",
		"Peer states waiting for the kernel writer now.",
		pfsd_backend_waiting(d->bk));
	met_one(o, "pfsyncd_conntrack_writes_waiting_max", "gauge",
		"Most peer states that waited for the kernel writer at once.",
		c->wait_max);
}

/* Conntrack expectations to and from pfsyncd peers (ctexp.h). */
static void met_ct_exp(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	const struct pfsd_ctexp_stats *x = pfsd_backend_exp_stats(d->bk);
	const char *n = "pfsyncd_conntrack_expectations_total";

	if (x == NULL)
		return;
	met_head(o, n, "counter",
		 "Conntrack expectations, by event (pfsyncctl -v stats: "
		 "ct_exp_<event>).");
	met_labelled(o, n, "event", "events", x->events);
	met_labelled(o, n, "event", "sent", x->sent);
	met_labelled(o, n, "event", "unsent", x->unsent);
	met_labelled(o, n, "event", "own", x->own);
	met_labelled(o, n, "event", "received", x->received);
	met_labelled(o, n, "event", "written", x->written);
	met_labelled(o, n, "event", "held", x->held);
	met_labelled(o, n, "event", "refused", x->refused);
	met_labelled(o, n, "event", "malformed", x->malformed);
	met_labelled(o, n, "event", "reread", x->reread);
	met_labelled(o, n, "event", "expired", x->expired);
}

/* Own entries made liberal on bulk requests (ctliberal.h). */
static void met_ct_liberal(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	const struct pfsd_ctlib_stats *l = pfsd_backend_lib_stats(d->bk);

	if (l == NULL)
		return;
	met_head(o, "pfsyncd_conntrack_liberal_total", "counter",
		 "Own TCP entries made liberal on bulk requests, by event "
		 "(pfsyncctl -v stats: ct_liberal_<event>).");
	met_labelled(o, "pfsyncd_conntrack_liberal_total", "event", "passes",
		     l->passes);
	met_labelled(o, "pfsyncd_conntrack_liberal_total", "event", "checked",
		     l->checked);
	met_labelled(o, "pfsyncd_conntrack_liberal_total", "event", "made",
		     l->made);
	met_labelled(o, "pfsyncd_conntrack_liberal_total", "event", "already",
		     l->already);
	met_labelled(o, "pfsyncd_conntrack_liberal_total", "event", "failed",
		     l->failed);
}

/* The sync socket and bulk updates: what a backup missing states shows. */
static void met_receive(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	met_one(o, "pfsyncd_kernel_drops_total", "counter",
		"pfsync packets the kernel dropped on the sync socket (its "
		"buffer full; raise sync-rcvbuf).",
		pfsd_daemon_kernel_drops(d));
	met_one(o, "pfsyncd_bulk_lossy_total", "counter",
		"Bulk updates asked for again after a loss.", d->bulk_lossy);
	met_one(o, "pfsyncd_bulk_resent_total", "counter",
		"Bulk walks sent round again after a send failure.",
		d->bulk_resent);
}

/* Sealed packets: the key and each way a packet was refused. */
static void met_seal(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	const struct pfs_seal *s;
	const uint64_t *v;
	int i;

	if (d->crypt == NULL)
		return;
	s = pfsd_crypt_sealer(d->crypt);
	v = pfs_seal_rx_stats(s);
	met_one(o, "pfsyncd_seal_sent_total", "counter",
		"Sealed packets sent.", pfs_seal_tx_count(s));
	met_head(o, "pfsyncd_seal_received_total", "counter",
		 "Sealed packets received, by result (ok, or why refused: "
		 "another key or cluster name shows as badkey or auth).");
	for (i = 0; i < PFS_SEAL_RX_MAX; i++)
		met_labelled(o, "pfsyncd_seal_received_total", "result",
			     pfs_seal_rx_name((enum pfs_seal_rx)i), v[i]);
	met_one(o, "pfsyncd_seal_keys", "gauge",
		"Keys accepted now (two during a rotation).",
		pfs_seal_nkeys(s));
}

/* One value of a transport section: the section's own label first. */
static void met_tp_value(struct pfsd_out *o, const char *name,
			 const struct pfsd_tp_section *s, const char *kind,
			 uint64_t v)
{
	pfsd_out_printf(o, "%s{", name);
	if (s->what_label != NULL) {
		pfsd_out_printf(o, "%s=\"", s->what_label);
		met_label_value(o, s->what);
		pfsd_out_printf(o, "\"%s", kind != NULL ? "," : "");
	}
	if (kind != NULL) {
		pfsd_out_printf(o, "kind=\"");
		met_label_value(o, kind);
		pfsd_out_printf(o, "\"");
	}
	pfsd_out_printf(o, "} %" PRIu64 "\n", v);
}

/* The gauge lines of the sections (laid out alike): one family each,
 * named by the line's label, helped by its text. */
static void met_tp_gauges(struct pfsd_out *o, const struct pfsd_tp_section *s,
			  size_t n)
{
	size_t i, j;

	for (j = 0; n > 0 && j < s[0].n; j++) {
		if (!s[0].line[j].gauge)
			continue;
		met_head(o, s[0].line[j].label, "gauge", s[0].line[j].text);
		for (i = 0; i < n; i++)
			if (j < s[i].n && s[i].line[j].gauge)
				met_tp_value(o, s[i].line[j].label, &s[i],
					     NULL, s[i].line[j].v);
	}
}

/* The transport's own counters (tp.h): UDP datagrams, links. */
static void met_tp(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	struct pfsd_tp_section s[PFSD_TP_SECTIONS];
	size_t i, j, n = pfsd_tp_sections(d->tp, s, PFSD_TP_SECTIONS);

	for (i = 0; i < n; i++) {
		if (i == 0 || strcmp(s[i].metric, s[i - 1].metric) != 0)
			met_head(o, s[i].metric, "counter", s[i].help);
		for (j = 0; j < s[i].n; j++)
			if (!s[i].line[j].gauge)
				met_tp_value(o, s[i].metric, &s[i],
					     s[i].line[j].label,
					     s[i].line[j].v);
	}
	met_tp_gauges(o, s, n);
}

/* The state limit and what it refused (pfs_lim_stat; with conntrack
 * the kernel's refusals at nf_conntrack_max as well). */
static void met_limit(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	const uint64_t *v = pfs_engine_lim_stats(d->engine);

	met_one(o, "pfsyncd_state_limit", "gauge",
		"States held at most (limit states; pf's set limit states).",
		d->state_limit);
	met_head(o, "pfsyncd_state_limit_refused_total", "counter",
		 "New states refused at the state limit, by origin (pf: "
		 "memory).");
	met_labelled(o, "pfsyncd_state_limit_refused_total", "origin", "peer",
		     v[PFS_LIM_PEER]);
	met_labelled(o, "pfsyncd_state_limit_refused_total", "origin",
		     "local", v[PFS_LIM_LOCAL]);
	if (pfsd_backend_kernel(d->bk))
		met_one(o, "pfsyncd_conntrack_table_full_total", "counter",
			"Writes of new peer states the kernel refused, its "
			"table full (ENOMEM at nf_conntrack_max).",
			pfsd_backend_table_full(d->bk));
}

/* --- table, bulk, peers, latency ----------------------------------------- */

/* States per creator from the engine's counts, kept as states come and
 * go (creators.h: no walk of the table, L5): the PFSD_METRICS_CREATORS
 * creators holding the most, by id, the rest in w->other. */
static void met_count_creators(const struct pfsd_daemon *d,
			       struct pfsd_creator_walk *w)
{
	struct pfs_creator_count cr[PFSD_METRICS_CREATORS];
	size_t i;

	w->n = pfs_engine_creators(d->engine, cr, PFSD_METRICS_CREATORS,
				   &w->other);
	for (i = 0; i < w->n; i++) {
		w->cr[i].id = cr[i].creatorid;
		w->cr[i].n = cr[i].n;
	}
}

/* The counts of the last walk while younger than PFSD_METRICS_WALK_MS
 * (a scrape must not stall the loop however often it comes), else a new
 * walk. */
static const struct pfsd_creator_walk *met_creators(struct pfsd_daemon *d,
						    uint64_t now_ms)
{
	struct pfsd_creator_walk *w = &d->creators;

	if (w->done && now_ms >= w->at_ms &&
	    now_ms - w->at_ms < PFSD_METRICS_WALK_MS)
		return w;
	met_count_creators(d, w);
	w->at_ms = now_ms;
	w->done = true;
	return w;
}

static void met_table(struct pfsd_daemon *d, struct pfsd_out *o,
		      uint64_t now_ms)
{
	const struct pfsd_creator_walk *w;
	char id[16];
	size_t i;

	met_one(o, "pfsync_states", "gauge", "States in the table.",
		pfs_table_count(d->table));
	w = met_creators(d, now_ms);
	met_head(o, "pfsync_states_by_creator", "gauge",
		 "States in the table by creator id (hostid, hex).");
	for (i = 0; i < w->n; i++) {
		snprintf(id, sizeof(id), "%08x", w->cr[i].id);
		met_labelled(o, "pfsync_states_by_creator", "creator", id,
			     w->cr[i].n);
	}
	if (w->other != 0)
		met_labelled(o, "pfsync_states_by_creator", "creator", "other",
			     w->other);
}

static void met_bulk(const struct pfsd_daemon *d, struct pfsd_out *o,
		     uint64_t now_ms)
{
	bool sending = pfs_engine_bulk_sending(d->engine);
	bool synced = pfsd_daemon_synced(d);

	met_one(o, "pfsync_bulk_synced", "gauge",
		"1 when no bulk update is awaited (in sync), 0 while "
		"waiting for one.",
		synced ? 1 : 0);
	met_one(o, "pfsync_bulk_sending", "gauge",
		"1 while sending a bulk update to a peer.", sending ? 1 : 0);
	met_head(o, "pfsync_bulk_state", "gauge",
		 "Bulk update state: pending, sending or done (one is 1).");
	met_labelled(o, "pfsync_bulk_state", "state", "pending",
		     !synced && !sending);
	met_labelled(o, "pfsync_bulk_state", "state", "sending", sending);
	met_labelled(o, "pfsync_bulk_state", "state", "done",
		     synced && !sending);
	met_one(o, "pfsync_bulk_request_try", "gauge",
		"Try (1 to 12) of the bulk request awaited, 0 when none is.",
		pfsd_daemon_bulk_try(d, now_ms));
}

/* The receive guards' refusals (stats.h), one label value each. */
static void met_guards(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	const uint64_t *v = pfs_engine_guard_stats(d->engine);
	const char *name = "pfsyncd_guard_refusals_total";
	int i;

	met_head(o, name, "counter",
		 "Records and senders refused by the receive guards (CLR or "
		 "INS naming our hostid, CLRs repeated or past 8 a packet, "
		 "senders not learned as peers), and CLRs that walked the "
		 "table, by reason.");
	for (i = 0; i < PFS_GUARD_NSTATS; i++)
		met_labelled(o, name, "reason",
			     /* the name without its "guard_" */
			     pfs_guard_stat_name((enum pfs_guard_stat)i) + 6,
			     v[i]);
	met_head(o, "pfsyncd_peeraddr_total", "counter",
		 "IPv6 sources evicted from the peer-address table to make "
		 "room, and sources given no key while every entry talked.");
	met_labelled(o, "pfsyncd_peeraddr_total", "event", "evicted",
		     d->paddr.evicted);
	met_labelled(o, "pfsyncd_peeraddr_total", "event", "refused",
		     d->paddr.refused);
}

/* States a BSD peer's wire could not hold as they are (bsdproto.h). */
static void met_bsdp(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	const uint64_t *v = pfs_engine_bsdp_stats(d->engine);
	const char *name = "pfsyncd_bsd_protocol_total";
	int i;

	met_head(o, name, "counter",
		 "States a BSD peer's wire could not hold as they are, per "
		 "packet framed: SCTP to a pf without SCTP or shutting down "
		 "(not sent), ports or GRE keys its pf does not key on (sent "
		 "as 0), by reason.");
	for (i = 0; i < PFS_BSDP_NSTATS; i++)
		met_labelled(o, name, "reason",
			     /* the name without its "bsd_" */
			     pfs_bsdp_stat_name((enum pfs_bsdp_stat)i) + 4,
			     v[i]);
}

static void met_peers(const struct pfsd_daemon *d, struct pfsd_out *o,
		      uint64_t now_ms, uint64_t wall_ms)
{
	const struct pfsd_peers *ps = &d->peers;
	char addr[PFSD_PEERADDR_STRLEN];
	uint64_t ago;
	size_t i;

	met_head(o, "pfsync_peer_last_seen_timestamp_seconds", "gauge",
		 "Unix time of the last pfsync packet from each peer.");
	for (i = 0; i < ps->n; i++) {
		pfsd_peeraddr_str(&d->paddr, ps->p[i].addr, addr, sizeof(addr));
		ago = now_ms > ps->p[i].last_ms ? now_ms - ps->p[i].last_ms : 0;
		pfsd_out_printf(o,
				"pfsync_peer_last_seen_timestamp_seconds"
				"{peer=\"%s\"} %.3f\n",
				addr, (double)(wall_ms - ago) / 1000.0);
	}
	met_head(o, "pfsync_peer_received_packets_total", "counter",
		 "pfsync packets received from each peer.");
	for (i = 0; i < ps->n; i++) {
		pfsd_peeraddr_str(&d->paddr, ps->p[i].addr, addr, sizeof(addr));
		met_labelled(o, "pfsync_peer_received_packets_total", "peer",
			     addr, ps->p[i].packets);
	}
}

/* "v3", "v6", "v5 1400" */
static void met_dialect_name(unsigned dialect, unsigned fmt, char *buf,
			     size_t n)
{
	if (dialect == 5 && fmt != 0)
		snprintf(buf, n, "v5 %u", fmt);
	else
		snprintf(buf, n, "v%u", dialect);
}

/* Each peer the engine heard: the dialect it speaks, the one it is
 * answered in; and the states passed between dialects. */
static void met_dialects(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	struct pfs_engine_peer p[PFS_ENGINE_PEERS];
	size_t i, n = pfs_engine_peers(d->engine, p, PFS_ENGINE_PEERS);
	char addr[INET_ADDRSTRLEN], speaks[16], answered[16];
	uint64_t echoes, bridged;
	struct in_addr a;

	met_head(o, "pfsync_peer_dialect_info", "gauge",
		 "The pfsync dialect each peer speaks and is answered in.");
	for (i = 0; i < n; i++) {
		a.s_addr = htonl(p[i].addr);
		inet_ntop(AF_INET, &a, addr, sizeof(addr));
		met_dialect_name(p[i].dialect, p[i].fmt, speaks,
				 sizeof(speaks));
		met_dialect_name(p[i].answer, p[i].answer_fmt, answered,
				 sizeof(answered));
		pfsd_out_printf(o,
				"pfsync_peer_dialect_info{peer=\"%s\","
				"dialect=\"%s\",answered=\"%s\"} 1\n",
				addr, speaks, answered);
	}
	bridged = pfs_engine_bridged(d->engine, &echoes);
	met_one(o, "pfsyncd_bridged_total", "counter",
		"Records heard from a peer and passed on to peers of another "
		"dialect.",
		bridged);
	met_one(o, "pfsyncd_bridge_echoes_total", "counter",
		"Equal updates not passed on again (announced that second).",
		echoes);
}

/*
 * The histogram with one `le` per power of two of microseconds (the
 * end of each octave of latency.h's buckets, so every cumulative count
 * is exact), up to 2^26 us (67 s), then +Inf.
 */
#define MET_LAT_LAST_OCTAVE 26

static void met_latency(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	const struct pfsd_latency *l = &d->lat;
	const char *name = "pfsyncd_apply_latency_seconds";
	uint64_t cum = 0;
	unsigned b = 0, k;
	uint32_t le_us;

	met_head(o, name, "histogram",
		 "Delay from a stamped change on a peer to its apply here "
		 "(churn ... stamp).");
	for (k = 4; k <= MET_LAT_LAST_OCTAVE; k++) {
		le_us = (uint32_t)((1u << k) - 1);
		for (; b < PFSD_LAT_NBUCKETS &&
		       pfsd_latency_bucket_max(b) <= le_us;
		     b++)
			cum += l->bucket[b];
		pfsd_out_printf(o, "%s_bucket{le=\"%g\"} %" PRIu64 "\n", name,
				(double)le_us / 1e6, cum);
	}
	pfsd_out_printf(o, "%s_bucket{le=\"+Inf\"} %" PRIu64 "\n", name,
			l->count);
	pfsd_out_printf(o, "%s_sum %.6f\n", name, (double)l->sum_us / 1e6);
	pfsd_out_printf(o, "%s_count %" PRIu64 "\n", name, l->count);
}

static void met_info(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	char hostid[16];

	snprintf(hostid, sizeof(hostid), "%08x", d->hostid);
	met_head(o, "pfsyncd_info", "gauge",
		 "Version, hostid and sync device of this daemon.");
	pfsd_out_printf(o,
			"pfsyncd_info{version=\"%s\",hostid=\"%s\","
			"syncdev=\"",
			PFSD_VERSION, hostid);
	met_label_value(o, d->conf.syncdev);
	/* the dialect sent now (3, 5, 6): it follows the peers under auto */
	pfsd_out_printf(o, "\",protocol=\"%u\"} 1\n",
			pfs_engine_dialect(d->engine, NULL));
}

void pfsd_metrics_render(struct pfsd_daemon *d, struct pfsd_out *o,
			 uint64_t now_ms, uint64_t wall_ms)
{
	met_info(d, o);
	met_pfsync_stats(d, o);
	met_daemon_stats(d, o);
	met_guards(d, o);
	met_bsdp(d, o);
	met_rel(d, o);
	pfsd_metrics_digest(d, o, now_ms, wall_ms);
	met_defer(d, o);
	met_conntrack(d, o);
	met_conntrack_more(d, o);
	met_ct_liberal(d, o);
	met_ct_exp(d, o);
	met_receive(d, o);
	met_seal(d, o);
	met_tp(d, o);
	met_table(d, o, now_ms);
	met_limit(d, o);
	met_bulk(d, o, now_ms);
	met_peers(d, o, now_ms, wall_ms);
	met_dialects(d, o);
	met_latency(d, o);
}

void pfsd_metrics_render_now(struct pfsd_daemon *d, struct pfsd_out *o)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	pfsd_metrics_render(d, o, pfsd_daemon_now_ms(),
			    (uint64_t)ts.tv_sec * 1000 +
				(uint64_t)ts.tv_nsec / 1000000);
}
