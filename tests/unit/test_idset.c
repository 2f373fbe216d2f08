/*
 * test_idset.c - the set of CTA_IDs destroyed while a dump runs
 * (daemon/backend/idset.h): held, cleared, grown, any 32-bit value.
 */
#include "backend/idset.h"
#include "t.h"

static void test_idset(void)
{
	struct pfsd_idset s;
	uint32_t i;

	pfsd_idset_init(&s);
	T_CHECK(!pfsd_idset_has(&s, 7));
	T_EQ(pfsd_idset_add(&s, 7), 0);
	T_EQ(pfsd_idset_add(&s, 7), 0); /* twice: once */
	T_EQ(pfsd_idset_add(&s, 0), 0);
	T_EQ(pfsd_idset_add(&s, 0xffffffffu), 0);
	T_EQ(s.n, 3);
	T_CHECK(pfsd_idset_has(&s, 7) && pfsd_idset_has(&s, 0) &&
		pfsd_idset_has(&s, 0xffffffffu));
	T_CHECK(!pfsd_idset_has(&s, 8));
	pfsd_idset_clear(&s); /* a new dump: nothing held */
	T_CHECK(!pfsd_idset_has(&s, 7) && !pfsd_idset_has(&s, 0));
	for (i = 0; i < 100000; i++) /* grows past the kept size */
		T_EQ(pfsd_idset_add(&s, i * 2654435761u), 0);
	T_EQ(s.n, 100000);
	for (i = 0; i < 100000; i++)
		if (!pfsd_idset_has(&s, i * 2654435761u))
			break;
	T_EQ(i, 100000);
	T_CHECK(!pfsd_idset_has(&s, 1));
	pfsd_idset_clear(&s);
	T_EQ(s.cap, 0); /* a big set's memory goes back */
	T_CHECK(!pfsd_idset_has(&s, 0));
	T_EQ(pfsd_idset_add(&s, 5), 0);
	T_CHECK(pfsd_idset_has(&s, 5));
	pfsd_idset_free(&s);
}

/* Thousands of clears reuse the slots by generation, never a stale hit. */
static void test_idset_generations(void)
{
	struct pfsd_idset s;
	uint32_t g;

	pfsd_idset_init(&s);
	for (g = 1; g < 5000; g++) {
		T_EQ(pfsd_idset_add(&s, g), 0);
		if (pfsd_idset_has(&s, g - 1))
			break;
		pfsd_idset_clear(&s);
	}
	T_EQ(g, 5000);
	s.gen = 0xffffffffu; /* the wrap: old slots are wiped */
	T_EQ(pfsd_idset_add(&s, 42), 0);
	pfsd_idset_clear(&s);
	T_EQ(s.gen, 1);
	T_CHECK(!pfsd_idset_has(&s, 42));
	pfsd_idset_free(&s);
}

int main(void)
{
	T_RUN(test_idset);
	T_RUN(test_idset_generations);
	return t_done();
}
