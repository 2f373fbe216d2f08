/*
 * metrics.h - the daemon's counters, table size, bulk state, peers and
 * the change-to-apply latency histogram in the Prometheus text exposition
 * format (version 0.0.4), for `pfsyncctl metrics` and the optional HTTP
 * listener (metrics_http.h).
 *
 * Names follow Prometheus' conventions: a pfsync_ prefix for the protocol
 * counters of netstat -s -p pfsync, pfsyncd_ for the daemon's own; _total
 * on counters, base units (seconds, bytes), labels instead of one name per
 * reason.
 */
#ifndef PFSYNCD_METRICS_H
#define PFSYNCD_METRICS_H

#include <stdint.h>

#include "control.h"

struct pfsd_daemon;

/* The states per creator come from a walk of the whole table; a render
 * within this long of the last walk reuses its counts, so however often
 * anyone scrapes, the table is walked at most once a second. */
#define PFSD_METRICS_WALK_MS 1000

/*
 * Render every metric into *o.  now_ms is the daemon's monotonic clock,
 * wall_ms the Unix time in milliseconds at the same moment (the peers'
 * last-seen times are turned into Unix timestamps with them).  d is
 * written only to keep the walk of the table (d->creators).
 */
void pfsd_metrics_render(struct pfsd_daemon *d, struct pfsd_out *o,
			 uint64_t now_ms, uint64_t wall_ms);

/* pfsd_metrics_render at the current time. */
void pfsd_metrics_render_now(struct pfsd_daemon *d, struct pfsd_out *o);

#endif
