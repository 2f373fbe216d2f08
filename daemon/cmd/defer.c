/*
 * defer.c - the `defer:` section of `stats -v` (pfsyncd(8) DEFER): what
 * the engine held and why it let go, what the queue passed at once, and
 * the hold times.  Always shown (zeros when defer is off), so that JSON
 * readers find the same keys.
 */
#include <inttypes.h>
#include <stdio.h>

#include "pfsync/engine.h"

#include "defer/defer.h"
#include "cmd_priv.h"
#include "daemon.h"

static const char *const cmd_defer_lines[PFS_DEFER_NSTATS] = {
    [PFS_DEFER_HELD] = "packets held for the peers' acknowledgements",
    [PFS_DEFER_ACKED] = "released by the acknowledgements",
    [PFS_DEFER_TIMEDOUT] = "released at defer-timeout",
    [PFS_DEFER_DROPPED] = "released because defer went off",
    [PFS_DEFER_NOPEER] = "not held: no live peer can acknowledge",
    [PFS_DEFER_FULL] = "not held: the hold was full (fail open)",
    [PFS_DEFER_ACKS_IN] = "acknowledgements that released a wait",
};

static void cmd_defer_queue(struct cmd_req *r, const struct pfsd_defer *f)
{
	static const struct pfsd_defer_stats zero;
	const struct pfsd_defer_stats *s = f ? pfsd_defer_stats(f) : &zero;
	struct pfsd_rnd *o = &r->rnd;

	pfsd_rnd_u64(o, "defer_queued", "\t%" PRIu64 " packets queued\n",
		     s->queued);
	pfsd_rnd_u64(o, "defer_not_first",
		     "\t%" PRIu64 " passed: connection known already\n",
		     s->not_first);
	pfsd_rnd_u64(o, "defer_not_synced",
		     "\t%" PRIu64 " passed: connection not synced\n",
		     s->not_synced);
	pfsd_rnd_u64(o, "defer_own_reply",
		     "\t%" PRIu64 " passed: first reply of our own connection\n",
		     s->own_reply);
	pfsd_rnd_u64(o, "defer_other",
		     "\t%" PRIu64 " passed: starts no connection\n", s->other);
	pfsd_rnd_u64(o, "defer_verdict_failed",
		     "\t%" PRIu64 " verdicts refused by the kernel\n",
		     s->verdict_failed);
	pfsd_rnd_u64(o, "defer_hold_p50_us", "\thold p50 %" PRIu64 " us",
		     (uint64_t)pfsd_defer_hold_pct(f, 50));
	pfsd_rnd_u64(o, "defer_hold_p99_us", ", p99 %" PRIu64 " us",
		     (uint64_t)pfsd_defer_hold_pct(f, 99));
	pfsd_rnd_u64(o, "defer_hold_max_us", ", max %" PRIu64 " us\n",
		     s->hold_max_us);
}

void cmd_defer_show(struct cmd_req *r)
{
	const struct pfsd_daemon *d = r->d;
	const uint64_t *v = pfs_engine_defer_stats(d->engine);
	int i;

	pfsd_rnd_bool(&r->rnd, "defer", d->dfr != NULL, "defer: on\n",
		      "defer: off\n");
	for (i = 0; i < PFS_DEFER_NSTATS; i++)
		pfsd_rnd_u64(&r->rnd,
			     pfs_defer_stat_name((enum pfs_defer_stat)i),
			     "\t%" PRIu64 " %s\n", v[i], cmd_defer_lines[i]);
	cmd_defer_queue(r, d->dfr);
}
