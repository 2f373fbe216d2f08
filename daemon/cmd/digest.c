/*
 * digest.c - anti-entropy in `stats` (engine_dig.h): each creator whose
 * digests we compare, "in sync" or "out of sync since <time>", always;
 * the counters with -v.
 */
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

#include "pfsync/engine_dig.h"

#include "cmd_priv.h"
#include "daemon.h"
#include "net/peeraddr.h"

#define DIGEST_SHOWN 16

/* The wall-clock second of an engine time (monotonic milliseconds). */
static int64_t digest_wall(uint64_t at_ms)
{
	uint64_t now = pfsd_daemon_now_ms();
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec - (int64_t)((now - at_ms) / 1000);
}

static void digest_since(struct cmd_req *r, uint64_t since_ms)
{
	time_t t = (time_t)digest_wall(since_ms);
	char when[32];
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		when[0] = '\0';
	pfsd_rnd_bool(&r->rnd, "in_sync", false, "", "");
	pfsd_rnd_json_i64(&r->rnd, "out_of_sync_since", (int64_t)t);
	pfsd_rnd_text(&r->rnd, "out of sync since %s", when);
}

static void digest_creator(struct cmd_req *r, const struct pfs_dig_peer *p)
{
	char a[PFSD_PEERADDR_STRLEN], id[16];

	pfsd_peeraddr_str(&r->d->paddr, p->src, a, sizeof(a));
	snprintf(id, sizeof(id), "0x%08x", p->creatorid);
	pfsd_rnd_object(&r->rnd, NULL);
	pfsd_rnd_str(&r->rnd, "creatorid", "\tcreator %s ", id);
	pfsd_rnd_str(&r->rnd, "addr", "(%s): ", a);
	if (p->since_ms == 0)
		pfsd_rnd_bool(&r->rnd, "in_sync", true, "in sync", "");
	else
		digest_since(r, p->since_ms);
	pfsd_rnd_uint(&r->rnd, "buckets_differ", ", %u ranges differ",
		      p->differ);
	pfsd_rnd_u64(&r->rnd, "held", ", %" PRIu64 " states held", p->states);
	pfsd_rnd_u64(&r->rnd, "theirs", " of %" PRIu64 "\n", p->theirs);
	pfsd_rnd_close(&r->rnd);
}

void cmd_digest_creators(struct cmd_req *r)
{
	struct pfs_dig_peer p[DIGEST_SHOWN];
	size_t i, n = pfs_engine_dig_peers(r->d->engine, p, DIGEST_SHOWN);

	if (r->d->conf.digest_ms == 0) {
		pfsd_rnd_json_uint(&r->rnd, "digest_ms", 0);
		pfsd_rnd_text(&r->rnd, "digest: off\n");
		return;
	}
	pfsd_rnd_uint(&r->rnd, "digest_ms", "digest: every %u ms\n",
		      r->d->conf.digest_ms);
	pfsd_rnd_array(&r->rnd, "digest_creators");
	for (i = 0; i < n; i++)
		digest_creator(r, &p[i]);
	pfsd_rnd_close(&r->rnd);
}

static const char *const digest_lines[PFS_DIG_NSTATS] = {
    [PFS_DIG_SENT] = "digest packets sent",
    [PFS_DIG_RECEIVED] = "digest packets received",
    [PFS_DIG_DIFFER] = "ranges found different",
    [PFS_DIG_ASKS] = "repairs asked for",
    [PFS_DIG_ANSWERED] = "repairs answered",
    [PFS_DIG_REFUSED] = "asks refused (no known peer, busy, budget)",
    [PFS_DIG_RANGES] = "ranges repaired",
    [PFS_DIG_STATES] = "states repaired",
    [PFS_DIG_CONFIRMED] = "unconfirmed states confirmed",
    [PFS_DIG_DELETED] = "states deleted by repair",
    [PFS_DIG_SWEPT] = "unconfirmed states no creator has, deleted",
    [PFS_DIG_INCOMPLETE] = "answers lost in part, asked again",
    [PFS_DIG_FOREIGN] = "digests of a third node's states ignored",
    [PFS_DIG_BAD] = "digest sections refused (malformed)",
    [PFS_DIG_REBUILT] = "digests rebuilt by a walk",
    [PFS_DIG_SEND_ERR] = "digest packets not sent",
};

static const char *const digest_keys[PFS_DIG_NSTATS] = {
    [PFS_DIG_SENT] = "dig_sent",
    [PFS_DIG_RECEIVED] = "dig_received",
    [PFS_DIG_DIFFER] = "dig_differ",
    [PFS_DIG_ASKS] = "dig_asks",
    [PFS_DIG_ANSWERED] = "dig_answered",
    [PFS_DIG_REFUSED] = "dig_refused",
    [PFS_DIG_RANGES] = "dig_ranges_repaired",
    [PFS_DIG_STATES] = "dig_states_repaired",
    [PFS_DIG_CONFIRMED] = "dig_confirmed",
    [PFS_DIG_DELETED] = "dig_deleted",
    [PFS_DIG_SWEPT] = "dig_swept",
    [PFS_DIG_INCOMPLETE] = "dig_incomplete",
    [PFS_DIG_FOREIGN] = "dig_foreign",
    [PFS_DIG_BAD] = "dig_bad",
    [PFS_DIG_REBUILT] = "dig_rebuilt",
    [PFS_DIG_SEND_ERR] = "dig_send_errors",
};

const char *pfsd_digest_stat_key(int i)
{
	return i >= 0 && i < PFS_DIG_NSTATS ? digest_keys[i] : NULL;
}

const char *pfsd_digest_stat_help(int i)
{
	return i >= 0 && i < PFS_DIG_NSTATS ? digest_lines[i] : NULL;
}

void cmd_digest_counters(struct cmd_req *r)
{
	const uint64_t *v = pfs_engine_dig_stats(r->d->engine);
	int i;

	if (v == NULL)
		return;
	pfsd_rnd_text(&r->rnd, "digest:\n");
	for (i = 0; i < PFS_DIG_NSTATS; i++)
		pfsd_rnd_u64(&r->rnd, digest_keys[i], "\t%" PRIu64 " %s\n",
			     v[i], digest_lines[i]);
}
