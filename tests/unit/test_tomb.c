/*
 * test_tomb.c - the set of deleted state identities (tomb.h): keyed,
 * found again, forgotten, expired; ids that shared one probe chain under
 * its old unkeyed hash go in and out as any others.
 */
#include <errno.h>
#include <stdint.h>

#include "pfsync/tomb.h"
#include "t.h"

static void test_tomb_basic(void)
{
	struct pfs_tomb *t = pfs_tomb_new(0, T_HASHKEY);

	T_CHECK(t != NULL);
	T_EQ(pfs_tomb_add(t, 5, 0x100, 20, 10), 0);
	T_CHECK(pfs_tomb_has(t, 5, 0x100, 10));
	T_CHECK(!pfs_tomb_has(t, 5, 0x200, 10));
	T_CHECK(!pfs_tomb_has(t, 5, 0x100, 20)); /* its time passed */
	pfs_tomb_del(t, 5, 0x100);
	T_CHECK(!pfs_tomb_has(t, 5, 0x100, 10));
	pfs_tomb_free(t);
	errno = 0;
	T_CHECK(pfs_tomb_new(0, NULL) == NULL && errno == EINVAL);
}

/* The inverse of an odd k modulo 2^64 (Newton). */
static uint64_t inv64(uint64_t k)
{
	uint64_t x = k;
	int i;

	for (i = 0; i < 6; i++)
		x *= 2 - k * x;
	return x;
}

/* An id whose old hash (murmur's 64-bit finaliser of id ^ creator, both
 * halves) is v: each step undone (a shift by 33 undoes itself). */
static uint64_t old_id_for(uint64_t v, uint32_t creator)
{
	v ^= v >> 33;
	v *= inv64(0xc4ceb9fe1a85ec53ULL);
	v ^= v >> 33;
	v *= inv64(0xff51afd7ed558ccdULL);
	v ^= v >> 33;
	return v ^ ((uint64_t)creator << 32 | creator);
}

/* 20 000 ids whose old hash had its low 24 bits 0 (one chain). */
static void test_tomb_old_collisions(void)
{
	enum { N = 20000 };
	struct pfs_tomb *t = pfs_tomb_new(0, T_HASHKEY);
	uint64_t k;
	int bad = 0;

	for (k = 1; k <= N; k++)
		bad += pfs_tomb_add(t, old_id_for(k << 24, 7), 7, 100, 1) != 0;
	for (k = 1; k <= N; k++)
		bad += !pfs_tomb_has(t, old_id_for(k << 24, 7), 7, 1);
	T_EQ(bad, 0);
	/* and nothing else is held */
	T_CHECK(!pfs_tomb_has(t, old_id_for((uint64_t)(N + 1) << 24, 7), 7, 1));
	pfs_tomb_free(t);
}

int main(void)
{
	T_RUN(test_tomb_basic);
	T_RUN(test_tomb_old_collisions);
	return t_done();
}
