/*
 * latency.h - delay from a change on one box to its apply on a peer, for
 * benchmarks.  Both boxes (namespaces of one kernel) share CLOCK_MONOTONIC,
 * so the churn generator, when asked (`churn ... stamp`), writes the low
 * 32 bits of its monotonic microseconds into each state it changes, and
 * the receiving daemon records now - stamp when it applies the state.
 *
 * The stamp rides in the two peers' seqdiff (sequence modulator) fields,
 * which every state-carrying message (INS, UPD, UPD_C) carries and the
 * receiver imports: src.seqdiff holds a marker, dst.seqdiff the time.
 * States of the memory backend never modulate sequence numbers, and a
 * real modulator equal to the marker is a 2^-32 chance.  DEL_C carries
 * ids only, so deletes are not measured.
 *
 * Histogram: 0..15 us exact, then 8 sub-buckets per power of two (each
 * within 12.5 %), up to 2^32 us.
 */
#ifndef PFSYNCD_LATENCY_H
#define PFSYNCD_LATENCY_H

#include <stdbool.h>
#include <stdint.h>

#include "pfsync/state.h"

#define PFSD_LAT_MARK 0x5046534cu /* "PFSL" in src.seqdiff */
#define PFSD_LAT_LINEAR 16	   /* buckets of one microsecond */
#define PFSD_LAT_SUB 8		   /* sub-buckets per power of two */
#define PFSD_LAT_NBUCKETS (PFSD_LAT_LINEAR + (32 - 4) * PFSD_LAT_SUB)

struct pfsd_latency {
	uint64_t bucket[PFSD_LAT_NBUCKETS];
	uint64_t count;
	uint64_t sum_us;
	uint32_t max_us;
};

/* Monotonic microseconds (the clock of pfsd_daemon_now_ms, finer). */
uint64_t pfsd_latency_now_us(void);

/* Mark *st as changed at now_us. */
void pfsd_latency_stamp(struct pfs_state *st, uint64_t now_us);
/* The delay of a stamped state applied at now_us; false if unstamped. */
bool pfsd_latency_delay(const struct pfs_state *st, uint64_t now_us,
			uint32_t *delay_us);

void pfsd_latency_reset(struct pfsd_latency *l);
void pfsd_latency_record(struct pfsd_latency *l, uint32_t delay_us);
/* Bucket of a delay, and the largest delay a bucket holds. */
unsigned pfsd_latency_bucket(uint32_t delay_us);
uint32_t pfsd_latency_bucket_max(unsigned bucket);
/* Upper bound of the bucket holding the q-th quantile (0 < q <= 1);
 * 0 when nothing was recorded. */
uint32_t pfsd_latency_quantile(const struct pfsd_latency *l, double q);

#endif
