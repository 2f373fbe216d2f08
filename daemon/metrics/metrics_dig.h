/*
 * metrics_dig.h - the anti-entropy part of the metrics (metrics.h).
 */
#ifndef PFSD_METRICS_DIG_H
#define PFSD_METRICS_DIG_H

#include <stdint.h>

struct pfsd_daemon;
struct pfsd_out;

void pfsd_metrics_digest(const struct pfsd_daemon *d, struct pfsd_out *o,
			 uint64_t now_ms, uint64_t wall_ms);

#endif
