/*
 * info.c - `version`, `latency [reset]` (the delays of stamped changes,
 * latency.h) and `metrics` (Prometheus text, metrics.h; -j does not
 * apply).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pfsync/ctlmsg.h"
#include "pfsync/wire_v3.h"

#include "cmd_priv.h"
#include "daemon.h"
#include "metrics/latency.h"
#include "metrics/metrics.h"
#include "version.h"

int cmd_info_version(struct cmd_req *r)
{
	pfsd_rnd_object(&r->rnd, NULL);
	pfsd_rnd_str(&r->rnd, "program", "%s ", "pfsyncd");
	pfsd_rnd_str(&r->rnd, "version", "%s, ", PFSD_VERSION);
	pfsd_rnd_uint(&r->rnd, "control_protocol", "control protocol %u, ",
		      (unsigned)PFS_CTL_VERSION);
	pfsd_rnd_uint(&r->rnd, "pfsync", "pfsync version %u\n",
		      (unsigned)PFS_V3_VERSION);
	pfsd_rnd_close(&r->rnd);
	return 0;
}

static const double info_lat_q[] = {0.5, 0.9, 0.99, 0.999};
static const char *const info_lat_qname[] = {"p50", "p90", "p99", "p999"};
#define INFO_LAT_NQ (sizeof(info_lat_q) / sizeof(info_lat_q[0]))

/* The quantiles: text lines only when something was measured. */
static void info_latency_q(struct cmd_req *r, const struct pfsd_latency *l)
{
	char key[16];
	size_t i;

	pfsd_rnd_quiet(&r->rnd, l->count == 0);
	for (i = 0; i < INFO_LAT_NQ; i++) {
		snprintf(key, sizeof(key), "%s_us", info_lat_qname[i]);
		pfsd_rnd_text(&r->rnd, "\t%s <= ", info_lat_qname[i]);
		pfsd_rnd_uint(
		    &r->rnd, key, "%u us\n",
		    (unsigned)pfsd_latency_quantile(l, info_lat_q[i]));
	}
	pfsd_rnd_quiet(&r->rnd, false);
}

/* The non-empty buckets: [upper bound in us, count] pairs (text: -v). */
static void info_latency_buckets(struct cmd_req *r,
				 const struct pfsd_latency *l)
{
	size_t i;

	pfsd_rnd_quiet(&r->rnd, !r->verbose);
	pfsd_rnd_array(&r->rnd, "buckets");
	for (i = 0; i < PFSD_LAT_NBUCKETS; i++) {
		if (l->bucket[i] == 0)
			continue;
		pfsd_rnd_array(&r->rnd, NULL);
		pfsd_rnd_uint(&r->rnd, NULL, "\t<= %10u us ",
			      (unsigned)pfsd_latency_bucket_max((unsigned)i));
		pfsd_rnd_u64(&r->rnd, NULL, "%12" PRIu64 "\n", l->bucket[i]);
		pfsd_rnd_close(&r->rnd);
	}
	pfsd_rnd_close(&r->rnd);
	pfsd_rnd_quiet(&r->rnd, false);
}

static void info_latency_show(struct cmd_req *r, const struct pfsd_latency *l)
{
	uint64_t mean = l->count ? l->sum_us / l->count : 0;

	pfsd_rnd_object(&r->rnd, NULL);
	pfsd_rnd_u64(&r->rnd, "count",
		     "latency: %" PRIu64 " stamped changes applied", l->count);
	pfsd_rnd_quiet(&r->rnd, l->count == 0);
	pfsd_rnd_u64(&r->rnd, "mean_us", ", mean %" PRIu64 " us", mean);
	pfsd_rnd_uint(&r->rnd, "max_us", ", max %u us", (unsigned)l->max_us);
	pfsd_rnd_quiet(&r->rnd, false);
	pfsd_rnd_text(&r->rnd, "\n");
	info_latency_q(r, l);
	info_latency_buckets(r, l);
	pfsd_rnd_close(&r->rnd);
}

/* latency; latency reset */
int cmd_info_latency(struct cmd_req *r)
{
	if (r->argc == 2 && strcmp(r->argv[1], "reset") == 0) {
		pfsd_latency_reset(&r->d->lat);
		return 0;
	}
	if (r->argc != 1)
		return cmd_fail(r, EINVAL, "usage: latency [reset]");
	info_latency_show(r, &r->d->lat);
	return 0;
}

int cmd_info_metrics(struct cmd_req *r)
{
	if (r->argc != 1)
		return cmd_fail(r, EINVAL, "usage: metrics");
	pfsd_metrics_render_now(r->d, r->rnd.out);
	return 0;
}
