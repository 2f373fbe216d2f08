/*
 * bench_table.c - state table figures at 1 and 10 million states (or the
 * counts given as arguments):
 *   - insert from an empty table (chunk first touches and index growth
 *     included), one at a time and in batches of 16, and into a warm table (all
 * removed by a walk, then inserted again: slots and cells already in memory);
 *   - find by id and by flow key in random order, one at a time and in
 *     batches of 16 (pfs_table_find_*_batch);
 *   - bytes per state and the process RSS.
 * Every rate is measured both per second of wall clock and per second of
 * this thread's CPU time, in BENCH_RUNS fresh tables; the best and the
 * median run are printed.  Figures are printed, never asserted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "pfsync/state.h"
#include "pfsync/table.h"

/* a fixed hash key (pfsyncd draws a random one): the same layout each run */
#define BENCH_HASHKEY ((const uint8_t *)"pfsyncd benchkey")

#define LOOKUPS	   5000000u
#define BATCH	   16u
#define BENCH_RUNS 5
#define CREATOR	   0x51000000u

enum { M_INS, M_INS_B, M_REINS, M_ID, M_ID_B, M_KEY, M_KEY_B, M_N };

static const char *const metric_name[M_N] = {
    [M_INS] = "insert (from empty)",   [M_INS_B] = "insert batch 16 (empty)",
    [M_REINS] = "insert (warm table)", [M_ID] = "find id",
    [M_ID_B] = "find id, batch 16",    [M_KEY] = "find key",
    [M_KEY_B] = "find key, batch 16",
};

/* Wall clock and thread CPU time at one instant. */
struct stamp {
	double wall;
	double cpu;
};

/* rates of one run: [metric][0 wall, 1 cpu], operations per second */
struct run {
	double rate[M_N][2];
};

static double secs(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct stamp stamp_now(void)
{
	struct stamp s = {secs(CLOCK_MONOTONIC), secs(CLOCK_THREAD_CPUTIME_ID)};

	return s;
}

static void run_rate(struct run *r, int m, struct stamp t0, double ops)
{
	struct stamp t1 = stamp_now();

	r->rate[m][0] = ops / (t1.wall - t0.wall);
	r->rate[m][1] = ops / (t1.cpu - t0.cpu);
}

static void bench_template(struct pfs_state *st)
{
	memset(st, 0, sizeof(*st));
	st->af = AF_INET;
	st->proto = 6;
	st->direction = PFS_DIR_OUT;
	st->ext.addr.a[0] = 198;
	st->ext.addr.a[1] = 51;
	st->ext.addr.a[2] = 100;
	st->ext.addr.a[3] = 7;
	st->ext.port = 443;
	memcpy(st->ifname, "eth0", 4);
}

/* State i: ids count up per creator as pf's do; the key is unique per i. */
static void bench_state(struct pfs_state *st, uint32_t i)
{
	st->id = i >> 1;
	st->creatorid = CREATOR | (i & 1);
	st->lan.addr.a[0] = (uint8_t)(10 + (i >> 24));
	st->lan.addr.a[1] = (uint8_t)(i >> 16);
	st->lan.addr.a[2] = (uint8_t)(i >> 8);
	st->lan.addr.a[3] = (uint8_t)i;
	st->lan.port = (uint16_t)(1024 + i % 50000);
	st->gwy = st->lan;
}

/* The flow key of state i, as a caller builds one from a packet. */
static void bench_key(struct pfs_flowkey *k, uint32_t i)
{
	static const struct pfs_flowkey tmpl = {
	    .af = AF_INET,
	    .proto = 6,
	    .direction = PFS_DIR_OUT,
	    .ext = {.addr = {{198, 51, 100, 7}}, .port = 443},
	};

	*k = tmpl;
	k->lan.addr.a[0] = (uint8_t)(10 + (i >> 24));
	k->lan.addr.a[1] = (uint8_t)(i >> 16);
	k->lan.addr.a[2] = (uint8_t)(i >> 8);
	k->lan.addr.a[3] = (uint8_t)i;
	k->lan.port = (uint16_t)(1024 + i % 50000);
}

static uint64_t rng = 0x9d2c5680a5a5a5a5ULL;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)((rng >> 11) % n);
}

static long rss_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;
	size_t n = strlen(field);

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, field, n) == 0)
			kb = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return kb;
}

static void bench_insert(struct pfs_table *t, uint32_t n, struct run *r, int m)
{
	struct pfs_state st;
	struct stamp t0 = stamp_now();
	uint32_t i, fail = 0;

	bench_template(&st);
	for (i = 0; i < n; i++) {
		bench_state(&st, i);
		if (pfs_table_insert(t, &st) == NULL)
			fail++;
	}
	run_rate(r, m, t0, n);
	if (fail)
		printf("  %u inserts failed\n", fail);
}

static void bench_insert_batch(struct pfs_table *t, uint32_t n, struct run *r)
{
	struct pfs_state st[BATCH], *out[BATCH];
	struct stamp t0 = stamp_now();
	uint32_t i, b, m, fail = 0;

	for (b = 0; b < BATCH; b++)
		bench_template(&st[b]);
	for (i = 0; i < n; i += m) {
		m = n - i < BATCH ? n - i : BATCH;
		for (b = 0; b < m; b++)
			bench_state(&st[b], i + b);
		fail += m - (uint32_t)pfs_table_insert_batch(t, m, st, out);
	}
	run_rate(r, M_INS_B, t0, n);
	if (fail)
		printf("  %u batched inserts failed\n", fail);
}

/* Random state numbers in [0, n): drawn before the clock starts. */
static uint32_t *bench_order(uint32_t n)
{
	uint32_t *o = malloc(LOOKUPS * sizeof(*o)), j;

	if (o == NULL) {
		perror("malloc");
		exit(1);
	}
	for (j = 0; j < LOOKUPS; j++)
		o[j] = rnd(n);
	return o;
}

static void bench_find_id(const struct pfs_table *t, const uint32_t *o,
			  struct run *r)
{
	struct stamp t0 = stamp_now();
	uint32_t j, miss = 0;

	for (j = 0; j < LOOKUPS; j++)
		miss += pfs_table_find_id(t, o[j] >> 1, CREATOR | (o[j] & 1)) ==
			NULL;
	run_rate(r, M_ID, t0, LOOKUPS);
	if (miss)
		printf("  %u id lookups missed\n", miss);
}

static void bench_find_id_batch(const struct pfs_table *t, const uint32_t *o,
				struct run *r)
{
	struct stamp t0 = stamp_now();
	uint64_t ids[BATCH];
	uint32_t cr[BATCH], j, b, miss = 0;
	struct pfs_state *out[BATCH];

	for (j = 0; j < LOOKUPS; j += BATCH) {
		for (b = 0; b < BATCH; b++) {
			ids[b] = o[j + b] >> 1;
			cr[b] = CREATOR | (o[j + b] & 1);
		}
		pfs_table_find_id_batch(t, BATCH, ids, cr, out);
		for (b = 0; b < BATCH; b++)
			miss += out[b] == NULL;
	}
	run_rate(r, M_ID_B, t0, LOOKUPS);
	if (miss)
		printf("  %u batched id lookups missed\n", miss);
}

/* The flow key is built from the state number inside the timed loop. */
static void bench_find_key(const struct pfs_table *t, const uint32_t *o,
			   struct run *r)
{
	struct stamp t0 = stamp_now();
	struct pfs_flowkey k;
	uint32_t j, miss = 0;

	for (j = 0; j < LOOKUPS; j++) {
		bench_key(&k, o[j]);
		miss += pfs_table_find_key(t, &k) == NULL;
	}
	run_rate(r, M_KEY, t0, LOOKUPS);
	if (miss)
		printf("  %u key lookups missed\n", miss);
}

static void bench_find_key_batch(const struct pfs_table *t, const uint32_t *o,
				 struct run *r)
{
	struct stamp t0 = stamp_now();
	struct pfs_flowkey k[BATCH];
	struct pfs_state *out[BATCH];
	uint32_t j, b, miss = 0;

	for (j = 0; j < LOOKUPS; j += BATCH) {
		for (b = 0; b < BATCH; b++)
			bench_key(&k[b], o[j + b]);
		pfs_table_find_key_batch(t, BATCH, k, out);
		for (b = 0; b < BATCH; b++)
			miss += out[b] == NULL;
	}
	run_rate(r, M_KEY_B, t0, LOOKUPS);
	if (miss)
		printf("  %u batched key lookups missed\n", miss);
}

/* Removes every state with a walk, then inserts them again. */
static void bench_reinsert(struct pfs_table *t, uint32_t n, struct run *r)
{
	struct pfs_state *st;
	size_t cur = 0;

	while ((st = pfs_table_next(t, &cur)) != NULL)
		pfs_table_remove(t, st);
	bench_insert(t, n, r, M_REINS);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Best and median of one metric over the runs, wall and CPU. */
static void print_metric(const struct run *runs, int nruns, int m)
{
	double v[2][BENCH_RUNS];
	int i, c;

	for (c = 0; c < 2; c++) {
		for (i = 0; i < nruns; i++)
			v[c][i] = runs[i].rate[m][c];
		qsort(v[c], (size_t)nruns, sizeof(double), cmp_double);
	}
	printf("  %-24s %7.2f %7.2f   %7.2f %7.2f\n", metric_name[m],
	       v[0][nruns - 1] / 1e6, v[0][nruns / 2] / 1e6,
	       v[1][nruns - 1] / 1e6, v[1][nruns / 2] / 1e6);
}

static struct pfs_table *bench_table_new(void)
{
	struct pfs_table *t = pfs_table_new(0, BENCH_HASHKEY);

	if (t == NULL) {
		perror("pfs_table_new");
		exit(1);
	}
	return t;
}

/*
 * A walk of the whole table in slot order, reading what a periodic scan
 * reads (creator and expiry): the cost any timer that walks the table
 * pays.  The conntrack backend's refresh scan walked a tenth of it every
 * second until it learned to rest (ctnl.c): at 10 M that was this
 * walk's CPU over 10 s, printed as a share of a core.
 */
static void bench_walk(const struct pfs_table *t)
{
	struct stamp t0 = stamp_now(), t1;
	const struct pfs_state *s;
	size_t cur = 0, n = 0;
	uint64_t sum = 0;

	while ((s = pfs_table_next(t, &cur)) != NULL) {
		sum += s->expire ^ s->creatorid;
		n++;
	}
	t1 = stamp_now();
	printf("  walk of all %zu states: %.0f ms CPU (%.1f ns a state; a "
	       "tenth a second: %.2f %% of a core) [%llu]\n",
	       n, (t1.cpu - t0.cpu) * 1e3, (t1.cpu - t0.cpu) * 1e9 / (double)n,
	       (t1.cpu - t0.cpu) * 100 / 10, (unsigned long long)(sum & 1));
}

static void bench_one(uint32_t n, const uint32_t *o, struct run *r, int last)
{
	struct pfs_table *t = bench_table_new();

	bench_insert_batch(t, n, r);
	pfs_table_free(t);
	t = bench_table_new();
	bench_insert(t, n, r, M_INS);
	bench_find_id(t, o, r);
	bench_find_id_batch(t, o, r);
	bench_find_key(t, o, r);
	bench_find_key_batch(t, o, r);
	bench_reinsert(t, n, r);
	if (last) {
		printf("  memory %zu bytes, %.1f bytes/state; VmRSS %ld kB "
		       "(peak %ld kB)\n",
		       pfs_table_memory(t),
		       (double)pfs_table_memory(t) / (double)pfs_table_count(t),
		       rss_kb("VmRSS:"), rss_kb("VmHWM:"));
		bench_walk(t);
	}
	pfs_table_free(t);
}

static void bench_run(uint32_t n, int nruns)
{
	struct run runs[BENCH_RUNS];
	uint32_t *o = bench_order(n);
	int i, m;

	printf("states %u (sizeof(struct pfs_state) %zu), %d runs\n", n,
	       sizeof(struct pfs_state), nruns);
	for (i = 0; i < nruns; i++)
		bench_one(n, o, &runs[i], i == nruns - 1);
	printf("  M ops/s                   wall:best  median   cpu:best  "
	       "median\n");
	for (m = 0; m < M_N; m++)
		print_metric(runs, nruns, m);
	free(o);
}

/* Arguments: state counts (default 1 and 10 million); BENCH_RUNS runs. */
int main(int argc, char **argv)
{
	int i;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			bench_run((uint32_t)strtoul(argv[i], NULL, 10),
				  BENCH_RUNS);
		return 0;
	}
	bench_run(1000000, BENCH_RUNS);
	bench_run(10000000, 3);
	return 0;
}
