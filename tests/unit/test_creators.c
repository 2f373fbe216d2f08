/*
 * test_creators.c - states per creator (creators.h): counts through
 * growth and backward-shift deletes against a plain array oracle, and the
 * top-N selection the metrics use.
 */
#include <stdint.h>
#include <stdlib.h>

#include "pfsync/creators.h"
#include "t.h"

#define NIDS 3000

/* Random adds and subs of NIDS ids; every count checked after. */
static void test_oracle(void)
{
	static uint64_t want[NIDS];
	static struct pfs_creator_count top[NIDS];
	uint64_t other = 1;
	struct pfs_creators *c = pfs_creators_new();
	uint64_t total = 0;
	size_t i, live = 0;
	unsigned seed = 7;

	T_CHECK(c != NULL);
	if (c == NULL)
		return;
	for (i = 0; i < 200000; i++) {
		uint32_t k = (uint32_t)(rand_r(&seed) % NIDS);

		if (rand_r(&seed) % 3 != 0) {
			T_EQ(pfs_creators_add(c, k * 0x9e3779b1u), 0);
			want[k]++;
			total++;
		} else if (want[k] > 0) {
			pfs_creators_sub(c, k * 0x9e3779b1u);
			want[k]--;
			total--;
		}
	}
	for (i = 0; i < NIDS; i++) {
		T_EQ(pfs_creators_count(c, (uint32_t)i * 0x9e3779b1u), want[i]);
		live += want[i] > 0;
	}
	T_EQ(pfs_creators_total(c), total);
	/* the creators holding any: all of them listed, none left over */
	T_EQ(pfs_creators_top(c, top, NIDS, &other), live);
	T_EQ(other, 0);
	/* every count back to 0: the table is empty again */
	for (i = 0; i < NIDS; i++)
		while (want[i]-- > 0)
			pfs_creators_sub(c, (uint32_t)i * 0x9e3779b1u);
	T_EQ(pfs_creators_total(c), 0);
	T_EQ(pfs_creators_top(c, top, NIDS, &other), 0);
	pfs_creators_sub(c, 42); /* none: nothing happens */
	T_EQ(pfs_creators_total(c), 0);
	pfs_creators_free(c);
	pfs_creators_free(NULL);
}

/* The largest `max`, by id; the rest summed. */
static void test_top(void)
{
	struct pfs_creators *c = pfs_creators_new();
	struct pfs_creator_count out[3];
	uint64_t other;
	uint32_t id;
	unsigned k;

	T_CHECK(c != NULL);
	if (c == NULL)
		return;
	for (id = 1; id <= 100; id++)
		for (k = 0; k < id; k++)
			T_EQ(pfs_creators_add(c, id), 0);
	T_EQ(pfs_creators_top(c, out, 3, &other), 3);
	T_EQ(out[0].creatorid, 98);
	T_EQ(out[1].creatorid, 99);
	T_EQ(out[2].creatorid, 100);
	T_EQ(out[2].n, 100);
	T_EQ(other, 5050 - 98 - 99 - 100);
	T_EQ(pfs_creators_top(c, out, 0, &other), 0);
	T_EQ(other, 5050);
	pfs_creators_reset(c);
	T_EQ(pfs_creators_top(c, out, 3, &other), 0);
	T_EQ(other, 0);
	pfs_creators_free(c);
}

int main(void)
{
	T_RUN(test_oracle);
	T_RUN(test_top);
	return t_done();
}
