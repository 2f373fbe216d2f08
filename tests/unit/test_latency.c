/*
 * test_latency.c - change-to-apply delay stamps and the histogram.
 */
#include <stdint.h>
#include <string.h>

#include "metrics/latency.h"
#include "t.h"

static void test_stamp_round_trip(void)
{
	struct pfs_state st;
	uint32_t d = 0;

	memset(&st, 0, sizeof(st));
	T_CHECK(!pfsd_latency_delay(&st, 1000, &d)); /* unstamped */
	pfsd_latency_stamp(&st, 0x1234500000ull + 100);
	T_EQ(st.src.seqdiff, PFSD_LAT_MARK);
	T_CHECK(pfsd_latency_delay(&st, 0x1234500000ull + 350, &d));
	T_EQ(d, 250);
	/* across a wrap of the low 32 bits */
	pfsd_latency_stamp(&st, 0xfffffff0ull);
	T_CHECK(pfsd_latency_delay(&st, 0x100000010ull, &d));
	T_EQ(d, 0x20);
	/* a stamp "from the future" is not ours */
	pfsd_latency_stamp(&st, 5000);
	T_CHECK(!pfsd_latency_delay(&st, 4000, &d));
}

static void test_buckets(void)
{
	uint32_t v;
	unsigned b, prev = 0;

	for (v = 0; v < 16; v++)
		T_EQ(pfsd_latency_bucket(v), v);
	T_EQ(pfsd_latency_bucket(16), 16);
	T_EQ(pfsd_latency_bucket(17), 16);
	T_EQ(pfsd_latency_bucket(18), 17);
	T_EQ(pfsd_latency_bucket_max(16), 17);
	T_EQ(pfsd_latency_bucket(UINT32_MAX), PFSD_LAT_NBUCKETS - 1);
	T_EQ(pfsd_latency_bucket_max(PFSD_LAT_NBUCKETS - 1), UINT32_MAX);
	/* every value lies in its bucket, buckets are monotonic, and a
	 * bucket is at most 1/8 of its lower bound wide */
	for (v = 1; v < 100000000u; v += v / 97 + 1) {
		b = pfsd_latency_bucket(v);
		T_CHECK(b >= prev);
		T_CHECK(v <= pfsd_latency_bucket_max(b));
		T_CHECK(b == 0 || v > pfsd_latency_bucket_max(b - 1));
		if (b >= PFSD_LAT_LINEAR)
			T_CHECK(pfsd_latency_bucket_max(b) -
					pfsd_latency_bucket_max(b - 1) <=
				v / 8 + 1);
		prev = b;
	}
}

static void test_quantiles(void)
{
	struct pfsd_latency l;
	uint32_t i;

	pfsd_latency_reset(&l);
	T_EQ(pfsd_latency_quantile(&l, 0.5), 0);
	for (i = 1; i <= 1000; i++)
		pfsd_latency_record(&l, i);
	T_EQ(l.count, 1000);
	T_EQ(l.max_us, 1000);
	T_EQ(l.sum_us, 500500);
	/* p50 is 500: its bucket is 480..511 */
	T_EQ(pfsd_latency_quantile(&l, 0.5), 511);
	/* p99 is 990: bucket 960..1023, capped at the max seen */
	T_EQ(pfsd_latency_quantile(&l, 0.99), 1000);
	T_EQ(pfsd_latency_quantile(&l, 0.001), 1);
	pfsd_latency_record(&l, 7);
	pfsd_latency_reset(&l);
	T_EQ(l.count, 0);
	T_EQ(l.bucket[7], 0);
}

int main(void)
{
	T_RUN(test_stamp_round_trip);
	T_RUN(test_buckets);
	T_RUN(test_quantiles);
	return t_done();
}
