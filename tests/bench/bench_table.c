/*
 * bench_table.c - state table figures: insert rate (growing from an empty
 * table, rehashes included), lookup rates by id and by flow key in random
 * order, re-insert into a table that was that large already, bytes per
 * state and the process RSS, at 1 and 10 million states (or the counts
 * given as arguments).
 * Rates are per second of CPU time.  Figures are printed, never asserted.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "pfsync/state.h"
#include "pfsync/table.h"

#define LOOKUPS 5000000u

/*
 * CPU time of this thread, not wall time: the build machine is shared, and
 * being descheduled would otherwise show up as a slower table.  Page faults
 * taken on our behalf are still counted (kernel time of the thread).
 */
static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* State i: ids count up per creator as pf's do; the key is unique per i. */
static void bench_state(struct pfs_state *st, uint32_t i)
{
	st->id = i >> 1;
	st->creatorid = 0x51000000u | (i & 1);
	st->lan.addr.a[0] = (uint8_t)(10 + (i >> 24));
	st->lan.addr.a[1] = (uint8_t)(i >> 16);
	st->lan.addr.a[2] = (uint8_t)(i >> 8);
	st->lan.addr.a[3] = (uint8_t)i;
	st->lan.port = (uint16_t)(1024 + i % 50000);
	st->gwy = st->lan;
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

static double bench_insert(struct pfs_table *t, uint32_t n)
{
	struct pfs_state st;
	double t0 = now();
	uint32_t i, fail = 0;

	bench_template(&st);
	for (i = 0; i < n; i++) {
		bench_state(&st, i);
		if (pfs_table_insert(t, &st) == NULL)
			fail++;
	}
	if (fail)
		printf("  %u inserts failed\n", fail);
	return n / (now() - t0);
}

static double bench_find_id(const struct pfs_table *t, uint32_t n)
{
	double t0 = now();
	uint32_t i, j, miss = 0;

	for (j = 0; j < LOOKUPS; j++) {
		i = rnd(n);
		if (pfs_table_find_id(t, i >> 1, 0x51000000u | (i & 1)) ==
		    NULL)
			miss++;
	}
	if (miss)
		printf("  %u id lookups missed\n", miss);
	return LOOKUPS / (now() - t0);
}

static double bench_find_key(const struct pfs_table *t, uint32_t n)
{
	struct pfs_state st;
	struct pfs_flowkey k;
	double t0 = now();
	uint32_t j, miss = 0;

	bench_template(&st);
	for (j = 0; j < LOOKUPS; j++) {
		bench_state(&st, rnd(n));
		pfs_state_flowkey(&st, &k);
		if (pfs_table_find_key(t, &k) == NULL)
			miss++;
	}
	if (miss)
		printf("  %u key lookups missed\n", miss);
	return LOOKUPS / (now() - t0);
}

/*
 * Removes every state with a walk, then inserts them again: the slots and
 * buckets are now in memory, so this is the steady-state insert rate of a
 * table that has already been that large (no page faults, no rehash).
 */
static double bench_reinsert(struct pfs_table *t, uint32_t n)
{
	struct pfs_state *st;
	size_t cur = 0;

	while ((st = pfs_table_next(t, &cur)) != NULL)
		pfs_table_remove(t, st);
	return bench_insert(t, n);
}

static void bench_run(uint32_t n)
{
	struct pfs_table *t = pfs_table_new(0);
	double ins, fid, fkey, reins;

	if (t == NULL) {
		perror("pfs_table_new");
		exit(1);
	}
	ins = bench_insert(t, n);
	fid = bench_find_id(t, n);
	fkey = bench_find_key(t, n);
	reins = bench_reinsert(t, n);
	printf("states %u (sizeof(struct pfs_state) %zu)\n", n,
	       sizeof(struct pfs_state));
	printf("  insert        %6.2f M/s (from empty, rehashes included)\n",
	       ins / 1e6);
	printf("  insert        %6.2f M/s (after removing all: warm slots)\n",
	       reins / 1e6);
	printf("  find by id    %6.2f M/s (random order)\n", fid / 1e6);
	printf("  find by key   %6.2f M/s (random order)\n", fkey / 1e6);
	printf("  memory        %zu bytes, %.1f bytes/state\n",
	       pfs_table_memory(t),
	       (double)pfs_table_memory(t) / (double)pfs_table_count(t));
	printf("  VmRSS         %ld kB (peak %ld kB)\n", rss_kb("VmRSS:"),
	       rss_kb("VmHWM:"));
	pfs_table_free(t);
}

int main(int argc, char **argv)
{
	int i;

	if (argc > 1) {
		for (i = 1; i < argc; i++)
			bench_run((uint32_t)strtoul(argv[i], NULL, 10));
		return 0;
	}
	bench_run(1000000);
	bench_run(10000000);
	return 0;
}
