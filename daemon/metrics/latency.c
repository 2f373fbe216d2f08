/*
 * latency.c - change-to-apply delay stamps and histogram (see latency.h).
 * Recording is a few integer operations: it runs for every state applied
 * from the wire.
 */
#include <string.h>
#include <time.h>

#include "metrics/latency.h"

uint64_t pfsd_latency_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

void pfsd_latency_stamp(struct pfs_state *st, uint64_t now_us)
{
	st->src.seqdiff = PFSD_LAT_MARK;
	st->dst.seqdiff = (uint32_t)now_us;
}

bool pfsd_latency_delay(const struct pfs_state *st, uint64_t now_us,
			uint32_t *delay_us)
{
	uint32_t d;

	if (st->src.seqdiff != PFSD_LAT_MARK)
		return false;
	/* modulo 2^32: right across a wrap of the low bits (71 min) */
	d = (uint32_t)now_us - st->dst.seqdiff;
	if (d >= 0x80000000u)
		return false; /* "in the future": not a stamp of ours */
	*delay_us = d;
	return true;
}

void pfsd_latency_reset(struct pfsd_latency *l)
{
	memset(l, 0, sizeof(*l));
}

/* Index of the highest set bit of v (v != 0). */
static unsigned lat_log2(uint32_t v)
{
	return 31u - (unsigned)__builtin_clz(v);
}

/*
 * Below 16 us one bucket per microsecond; above, power of two e (>= 4)
 * is cut in 8: the 3 bits under the top bit choose the sub-bucket.
 */
unsigned pfsd_latency_bucket(uint32_t delay_us)
{
	unsigned e, sub;

	if (delay_us < PFSD_LAT_LINEAR)
		return delay_us;
	e = lat_log2(delay_us);
	sub = (delay_us >> (e - 3)) & (PFSD_LAT_SUB - 1);
	return PFSD_LAT_LINEAR + (e - 4) * PFSD_LAT_SUB + sub;
}

uint32_t pfsd_latency_bucket_max(unsigned bucket)
{
	unsigned e, sub;
	uint64_t lo;

	if (bucket < PFSD_LAT_LINEAR)
		return bucket;
	if (bucket >= PFSD_LAT_NBUCKETS)
		return UINT32_MAX;
	e = (bucket - PFSD_LAT_LINEAR) / PFSD_LAT_SUB + 4;
	sub = (bucket - PFSD_LAT_LINEAR) % PFSD_LAT_SUB;
	lo = ((uint64_t)(PFSD_LAT_SUB + sub)) << (e - 3);
	return (uint32_t)(lo + (1ull << (e - 3)) - 1);
}

void pfsd_latency_record(struct pfsd_latency *l, uint32_t delay_us)
{
	l->bucket[pfsd_latency_bucket(delay_us)]++;
	l->count++;
	l->sum_us += delay_us;
	if (delay_us > l->max_us)
		l->max_us = delay_us;
}

uint32_t pfsd_latency_quantile(const struct pfsd_latency *l, double q)
{
	uint64_t want, seen = 0;
	unsigned i;

	if (l->count == 0)
		return 0;
	want = (uint64_t)(q * (double)l->count + 0.999999);
	if (want == 0)
		want = 1;
	for (i = 0; i < PFSD_LAT_NBUCKETS; i++) {
		seen += l->bucket[i];
		if (seen >= want)
			break;
	}
	if (i == PFSD_LAT_NBUCKETS)
		return l->max_us;
	/* the bucket's bound, but never above what was seen */
	return pfsd_latency_bucket_max(i) < l->max_us ?
		       pfsd_latency_bucket_max(i) : l->max_us;
}
