/*
 * stats_parts.c - the sections of `stats -v` that belong to one part of
 * the daemon: reliable delivery, the churn generator, the conntrack
 * backend, sealed packets and the UDP transport (each only when in use,
 * but reliable's counters always).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pfsync/bsdproto.h"
#include "pfsync/engine.h"
#include "pfsync/seal.h"

#include "backend/churn.h"
#include "cmd_priv.h"
#include "net/crypt.h"
#include "backend/backend.h"
#include "backend/ctexp.h"
#include "backend/ctliberal.h"
#include "backend/ctnl.h"
#include "daemon.h"
#include "net/peeraddr.h"
#include "net/tp.h"

/* Reliable delivery between pfsyncd peers, one line each. */
static const char *const parts_rel_lines[PFS_REL_NSTATS] = {
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
    [PFS_REL_BULK_SLOWED] = "bulk walks slowed down on a NACK",
    [PFS_REL_XST_BAD] = "state-extras sections refused (malformed)",
    [PFS_REL_REPLY_REFUSED] = "requests from no known peer, unanswered",
    [PFS_REL_NACK_REFUSED] = "NACKs from no stream we follow, refused",
    [PFS_REL_NACK_LIMITED] = "resends cut by the NACK or rate cap",
    [PFS_REL_ACK_REFUSED] = "ACKs from no stream we follow, refused",
    [PFS_REL_FOREIGN] = "stream packets from another address, dropped",
    [PFS_REL_FAR] = "numbers outside the hold window, ignored",
    [PFS_REL_REJOINED] = "streams restarted where they went on",
    [PFS_REL_HOLD_FULL] = "packets not held (total hold full)",
    [PFS_REL_STREAMS_FULL] = "streams not followed (all slots talk)",
    [PFS_REL_UREQ_LIMITED] = "update requests/answers over the budget",
    [PFS_REL_BULK_MERGED] = "bulk requests merged into a walk",
    [PFS_REL_IACKS] = "INS_ACKs sent for a BSD peer's defer",
    [PFS_REL_BULK_WAITED] = "bulk walk waits for the readers' ACKs",
};

static void parts_rel(struct cmd_req *r)
{
	const uint64_t *v = pfs_engine_rel_stats(r->d->engine);
	int i;

	pfsd_rnd_bool(&r->rnd, "reliable", r->d->conf.reliable,
		      "reliable: on\n", "reliable: off\n");
	for (i = 0; i < PFS_REL_NSTATS; i++)
		pfsd_rnd_u64(&r->rnd, pfs_rel_stat_name((enum pfs_rel_stat)i),
			     "\t%" PRIu64 " %s\n", v[i], parts_rel_lines[i]);
}

/* What the receive guards refused (stats.h), one line each. */
static const char *const parts_guard_lines[PFS_GUARD_NSTATS] = {
    [PFS_GUARD_CLR_OWN] = "CLRs naming our hostid ignored",
    [PFS_GUARD_CLR_DUP] = "CLRs repeated in one packet skipped",
    [PFS_GUARD_CLR_CAPPED] = "CLRs past 8 in one packet ignored",
    [PFS_GUARD_CLR_WALKS] = "CLRs that walked the state table",
    [PFS_GUARD_INS_OWN] = "inserts in our hostid's name refused",
    [PFS_GUARD_PEER_UNPROVEN] = "packets that taught no peer (bare "
				"header, no record acted on, malformed)",
    [PFS_GUARD_PEER_BADADDR] = "senders that cannot be peers not learned",
    [PFS_GUARD_PEER_FULL] = "new peers not learned (all slots talking)",
    [PFS_GUARD_PEER_EXPIRED] = "peers forgotten after a day of silence",
};

static void parts_guard(struct cmd_req *r)
{
	const uint64_t *v = pfs_engine_guard_stats(r->d->engine);
	const struct pfsd_peeraddr *pa = &r->d->paddr;
	int i;

	pfsd_rnd_text(&r->rnd, "guards:\n");
	for (i = 0; i < PFS_GUARD_NSTATS; i++)
		pfsd_rnd_u64(&r->rnd,
			     pfs_guard_stat_name((enum pfs_guard_stat)i),
			     "\t%" PRIu64 " %s\n", v[i], parts_guard_lines[i]);
	pfsd_rnd_u64(&r->rnd, "peeraddr_evicted",
		     "\t%" PRIu64 " IPv6 sources evicted to make room\n",
		     pa->evicted);
	pfsd_rnd_u64(&r->rnd, "peeraddr_refused",
		     "\t%" PRIu64 " IPv6 sources given no key (all peers "
		     "talking)\n",
		     pa->refused);
}

/* States a BSD peer's wire could not hold as they are (bsdproto.h). */
static void parts_bsdp(struct cmd_req *r)
{
	static const char *const lines[PFS_BSDP_NSTATS] = {
	    [PFS_BSDP_SCTP_NOWIRE] = "SCTP states not sent to a BSD peer "
				     "without SCTP (OpenBSD, FreeBSD 13)",
	    [PFS_BSDP_SCTP_CLOSING] = "SCTP states shutting down or closed "
				      "not sent to a FreeBSD peer",
	    [PFS_BSDP_PORTS] = "states sent to a BSD peer with their ports "
			       "or GRE keys as 0",
	};
	const uint64_t *v = pfs_engine_bsdp_stats(r->d->engine);
	int i;

	pfsd_rnd_text(&r->rnd, "protocols to BSD peers:\n");
	for (i = 0; i < PFS_BSDP_NSTATS; i++)
		pfsd_rnd_u64(&r->rnd, pfs_bsdp_stat_name((enum pfs_bsdp_stat)i),
			     "\t%" PRIu64 " %s\n", v[i], lines[i]);
}

/* The churn generator's work (the last run's, while it exists): the sum
 * always in JSON, the detail when there is one. */
static void parts_churn(struct cmd_req *r)
{
	const struct pfsd_churn_stats *c;
	struct pfsd_rnd *o = &r->rnd;

	if (r->d->churn == NULL) {
		pfsd_rnd_json_u64(o, "churn_made", 0);
		return;
	}
	c = pfsd_churn_stats(r->d->churn);
	pfsd_rnd_json_u64(o, "churn_made",
			  c->created + c->updated + c->deleted);
	pfsd_rnd_object(o, "churn");
	pfsd_rnd_bool(o, "running", c->running, "churn: running\n",
		      "churn: done\n");
	pfsd_rnd_u64(o, "created", "\t%" PRIu64 " created\n", c->created);
	pfsd_rnd_u64(o, "updated", "\t%" PRIu64 " updated\n", c->updated);
	pfsd_rnd_u64(o, "deleted", "\t%" PRIu64 " deleted\n", c->deleted);
	pfsd_rnd_u64(o, "failed", "\t%" PRIu64 " failed\n", c->failed);
	pfsd_rnd_u64(o, "live", "\t%" PRIu64 " live\n", (uint64_t)c->live);
	pfsd_rnd_close(o);
}

/* Kernel write failures by errno: text lines under ct_fail, a JSON
 * object by errno number. */
static void parts_ct_errno(struct cmd_req *r, const struct pfsd_ctnl_stats *c)
{
	char key[16];
	size_t i;

	pfsd_rnd_object(&r->rnd, "ct_fail_errno");
	for (i = 0; i < PFSD_CTNL_ERRNO_MAX; i++) {
		if (c->fail_errno[i] == 0)
			continue;
		snprintf(key, sizeof(key), "%zu", i);
		pfsd_rnd_u64(&r->rnd, key, "\t\t%" PRIu64 " %s\n",
			     c->fail_errno[i],
			     i == 0 ? "other" : strerror((int)i));
	}
	pfsd_rnd_close(&r->rnd);
}

/* The conntrack backend's counters after the failures, "ct_*" in JSON;
 * the values in parts_ct()'s order. */
static const char *const parts_ct_lines[][2] = {
    {"ct_events", "events"},
    {"ct_own", "echoes of our writes ignored"},
    {"ct_skipped", "entries not synced"},
    {"ct_malformed", "malformed messages"},
    {"ct_enobufs", "event overruns"},
    {"ct_resyncs", "resyncs"},
    {"ct_gets", "entries re-read (near expiry, or missed by a dump)"},
    {"ct_refreshed", "refreshes announced"},
    {"ct_reconciled", "states gone from the kernel"},
    {"ct_id_taken", "kernel ids taken, counter ids used"},
    {"ct_adopted", "re-read states that took a peer's id"},
    {"ct_batches", "write batches"},
    {"ct_retried", "NAT writes retried"},
    {"ct_lost", "write results lost"},
    {"ct_waiting", "writes waiting"},
    {"ct_wait_max", "writes waiting at most"},
    {"ct_wait_full", "writes that found the queue full"},
    {"ct_wait_bound", "writes that may wait at most"},
    {"ct_coalesced", "writes merged into one still waiting"},
    {"ct_dump_gone", "dumped entries already destroyed, skipped"},
    {"ct_unconfirmed", "re-read entries written for a peer, held"},
};
#define PARTS_CT_N (sizeof(parts_ct_lines) / sizeof(parts_ct_lines[0]))

static void parts_ct_counters(struct cmd_req *r,
			      const struct pfsd_ctnl_stats *c)
{
	const uint64_t v[PARTS_CT_N] = {
	    c->events,	c->own,	    c->skipped,	  c->malformed,	 c->enobufs,
	    c->resyncs, c->gets,    c->refreshed, c->reconciled, c->id_taken,
	    c->adopted, c->batches, c->retried,	  c->lost,	 c->waiting,
	    c->wait_max, c->wait_full, c->wait_bound, c->coalesced,
	    c->dump_gone, c->unconfirmed,
	};
	size_t i;

	for (i = 0; i < PARTS_CT_N; i++)
		pfsd_rnd_u64(&r->rnd, parts_ct_lines[i][0],
			     "\t%" PRIu64 " %s\n", v[i], parts_ct_lines[i][1]);
}

/* Entries the filter leaves out, by reason: text lines, a JSON object. */
static void parts_ct_filtered(struct cmd_req *r,
			      const struct pfsd_ctnl_stats *c)
{
	static const char *const why[PFSD_CTF_NWHY] = {
	    [PFSD_CTF_OWN] = "from or to this node's own addresses",
	    [PFSD_CTF_ADDRESS] = "of an ignored address",
	    [PFSD_CTF_PROTOCOL] = "of an ignored protocol",
	    [PFSD_CTF_MARK] = "with the no-sync mark",
	    [PFSD_CTF_LABEL] = "with the no-sync label",
	};
	int i;

	pfsd_rnd_object(&r->rnd, "ct_filtered");
	for (i = PFSD_CTF_OWN; i < PFSD_CTF_NWHY; i++)
		pfsd_rnd_u64(&r->rnd, pfsd_ctfilter_why_name((enum pfsd_ctf_why)i),
			     "	%" PRIu64 " entries not synced: %s\n",
			     c->filtered[i], why[i]);
	pfsd_rnd_close(&r->rnd);
}

/* Own entries made liberal on bulk requests (ctliberal.h). */
static void parts_ct_liberal(struct cmd_req *r)
{
	const struct pfsd_ctlib_stats *l = pfsd_backend_lib_stats(r->d->bk);
	static const char *const lines[][2] = {
	    {"ct_liberal_passes", "liberal passes (bulk requests)"},
	    {"ct_liberal_checked", "own TCP entries read back by them"},
	    {"ct_liberal_made", "own TCP entries made liberal"},
	    {"ct_liberal_already", "own TCP entries liberal already"},
	    {"ct_liberal_failed", "liberal writes failed"},
	};
	uint64_t v[5] = {0};
	size_t i;

	if (l != NULL) {
		v[0] = l->passes;
		v[1] = l->checked;
		v[2] = l->made;
		v[3] = l->already;
		v[4] = l->failed;
	}
	for (i = 0; i < 5; i++)
		pfsd_rnd_u64(&r->rnd, lines[i][0], "\t%" PRIu64 " %s\n", v[i],
			     lines[i][1]);
}

/* Conntrack expectations to and from pfsyncd peers (ctexp.h). */
static void parts_ct_exp(struct cmd_req *r)
{
	const struct pfsd_ctexp_stats *x = pfsd_backend_exp_stats(r->d->bk);
	const struct {
		const char *key, *what;
		uint64_t v;
	} lines[] = {
	    {"ct_exp_events", "expectation events read", x->events},
	    {"ct_exp_sent", "expectations sent to pfsyncd peers", x->sent},
	    {"ct_exp_unsent", "expectations not sent: a BSD peer heard, or no pfsyncd peer",
	     x->unsent},
	    {"ct_exp_own", "expectation echoes of our writes", x->own},
	    {"ct_exp_received", "expectations received", x->received},
	    {"ct_exp_written", "expectations written to the kernel",
	     x->written},
	    {"ct_exp_held", "expectations held for their master", x->held},
	    {"ct_exp_refused", "expectations refused or given up",
	     x->refused},
	    {"ct_exp_malformed", "expectation messages malformed",
	     x->malformed},
	    {"ct_exp_reread", "masters read again for their seqadj",
	     x->reread},
	    {"ct_exp_expired", "held expectations gone with their master",
	     x->expired},
	};
	size_t i;

	for (i = 0; i < sizeof(lines) / sizeof(lines[0]); i++)
		pfsd_rnd_u64(&r->rnd, lines[i].key, "\t%" PRIu64 " %s\n",
			     lines[i].v, lines[i].what);
}

static void parts_ct(struct cmd_req *r)
{
	const struct pfsd_ctnl_stats *c = pfsd_backend_ct_stats(r->d->bk);

	if (c == NULL)
		return;
	pfsd_rnd_text(&r->rnd, "conntrack:\n");
	pfsd_rnd_u64(&r->rnd, "ct_ok", "\t%" PRIu64 " kernel writes ok\n",
		     c->ct_ok);
	pfsd_rnd_u64(&r->rnd, "ct_fail", "\t%" PRIu64 " kernel writes failed\n",
		     c->ct_fail);
	parts_ct_errno(r, c);
	parts_ct_counters(r, c);
	parts_ct_liberal(r);
	if (pfsd_backend_exp_stats(r->d->bk) != NULL)
		parts_ct_exp(r);
	parts_ct_filtered(r, c);
}

/* Sealed packets, when a key is configured. */
static const char *const parts_seal_lines[PFS_SEAL_RX_MAX] = {
    [PFS_SEAL_RX_OK] = "sealed packets opened",
    [PFS_SEAL_RX_SHORT] = "dropped: truncated",
    [PFS_SEAL_RX_UNSEALED] = "dropped: not sealed",
    [PFS_SEAL_RX_BADKEY] = "dropped: unknown key",
    [PFS_SEAL_RX_AUTH] = "dropped: failed authentication",
    [PFS_SEAL_RX_REPLAY] = "dropped: replayed",
    [PFS_SEAL_RX_OLD] = "dropped: older than the replay window",
};

static void parts_seal(struct cmd_req *r)
{
	const struct pfs_seal *s;
	const uint64_t *v;
	char key[32], id[16];
	unsigned n;
	int i;

	if (r->d->crypt == NULL)
		return;
	s = pfsd_crypt_sealer(r->d->crypt);
	v = pfs_seal_rx_stats(s);
	n = pfs_seal_nkeys(s);
	snprintf(id, sizeof(id), "%08x", pfs_seal_send_keyid(s));
	pfsd_rnd_str(&r->rnd, "seal_keyid", "seal: key %s, ", id);
	pfsd_rnd_uint(&r->rnd, "seal_keys", "%u key%s accepted\n", n,
		      n == 1 ? "" : "s");
	pfsd_rnd_u64(&r->rnd, "seal_tx", "\t%" PRIu64 " sealed packets sent\n",
		     pfs_seal_tx_count(s));
	for (i = 0; i < PFS_SEAL_RX_MAX; i++) {
		snprintf(key, sizeof(key), "seal_%s",
			 pfs_seal_rx_name((enum pfs_seal_rx)i));
		pfsd_rnd_u64(&r->rnd, key, "\t%" PRIu64 " %s\n", v[i],
			     parts_seal_lines[i]);
	}
}

/* One section of the transport's own counters (tp.h); a section of one
 * of several (a link) is an object of its own in JSON. */
static void parts_tp_section(struct pfsd_rnd *o, const struct pfsd_tp_section *s)
{
	size_t i;

	if (s->what_label != NULL)
		pfsd_rnd_object(o, s->what);
	if (s->head_key != NULL) {
		pfsd_rnd_text(o, "%s ", s->head);
		pfsd_rnd_uint(o, s->head_key, "%u\n", s->head_v);
	} else {
		pfsd_rnd_text(o, "%s\n", s->head);
	}
	for (i = 0; i < s->n; i++)
		pfsd_rnd_u64(o, s->line[i].key, "\t%" PRIu64 " %s\n",
			     s->line[i].v, s->line[i].text);
	if (s->what_label != NULL)
		pfsd_rnd_close(o);
}

static void parts_tp(struct cmd_req *r)
{
	struct pfsd_tp_section s[PFSD_TP_SECTIONS];
	size_t i, n = pfsd_tp_sections(r->d->tp, s, PFSD_TP_SECTIONS);

	for (i = 0; i < n; i++)
		parts_tp_section(&r->rnd, &s[i]);
}

void cmd_stats_parts(struct cmd_req *r)
{
	parts_rel(r);
	cmd_digest_counters(r);
	parts_guard(r);
	parts_bsdp(r);
	cmd_limit_show(r);
	cmd_defer_show(r);
	parts_churn(r);
	parts_ct(r);
	parts_seal(r);
	parts_tp(r);
}
