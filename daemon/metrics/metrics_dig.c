/*
 * metrics_dig.c - anti-entropy in the metrics (engine_dig.h): the
 * counters as pfsyncd_dig_*_total, and per creator whether we hold what
 * it holds and since when not.
 */
#include <inttypes.h>
#include <stdio.h>

#include "pfsync/engine_dig.h"

#include "cmd/cmd_priv.h"
#include "daemon.h"
#include "metrics/metrics_dig.h"

#define MET_DIG_CREATORS 16

static void met_dig_counters(const struct pfsd_daemon *d, struct pfsd_out *o)
{
	const uint64_t *v = pfs_engine_dig_stats(d->engine);
	int i;

	for (i = 0; i < PFS_DIG_NSTATS; i++) {
		const char *k = pfsd_digest_stat_key(i);

		pfsd_out_printf(o, "# HELP pfsyncd_%s_total Anti-entropy: %s.\n"
				   "# TYPE pfsyncd_%s_total counter\n"
				   "pfsyncd_%s_total %" PRIu64 "\n",
				k, pfsd_digest_stat_help(i), k, k,
				v != NULL ? v[i] : 0);
	}
}

void pfsd_metrics_digest(const struct pfsd_daemon *d, struct pfsd_out *o,
			 uint64_t now_ms, uint64_t wall_ms)
{
	struct pfs_dig_peer p[MET_DIG_CREATORS];
	size_t i, n;
	uint64_t ago;

	if (d->engine == NULL)
		return;
	met_dig_counters(d, o);
	n = pfs_engine_dig_peers(d->engine, p, MET_DIG_CREATORS);
	pfsd_out_printf(o, "# HELP pfsyncd_digest_in_sync 1 while we hold "
			   "exactly the states a creator's digest names.\n"
			   "# TYPE pfsyncd_digest_in_sync gauge\n");
	for (i = 0; i < n; i++)
		pfsd_out_printf(o,
				"pfsyncd_digest_in_sync{creator=\"0x%08x\"} "
				"%d\n",
				p[i].creatorid, p[i].since_ms == 0);
	pfsd_out_printf(o, "# HELP pfsyncd_digest_out_of_sync_since_seconds "
			   "Unix time a creator's digest first differed "
			   "(0: in sync).\n"
			   "# TYPE pfsyncd_digest_out_of_sync_since_seconds "
			   "gauge\n");
	for (i = 0; i < n; i++) {
		ago = p[i].since_ms != 0 && now_ms > p[i].since_ms
			      ? now_ms - p[i].since_ms
			      : 0;
		pfsd_out_printf(o,
				"pfsyncd_digest_out_of_sync_since_seconds"
				"{creator=\"0x%08x\"} %.3f\n",
				p[i].creatorid,
				p[i].since_ms == 0
					? 0.0
					: (double)(wall_ms - ago) / 1000.0);
	}
}
