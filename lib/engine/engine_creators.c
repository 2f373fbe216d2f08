/*
 * engine_creators.c - the engine's table changes, counted per creator
 * (creators.h): every insert and remove of the engine goes through here,
 * so a CLR knows in O(1) whether the creator it names holds any state.
 *
 * The table may also be changed behind the engine's back (a caller's
 * direct pfs_table_insert: the tests do, and a table is handed to the
 * engine possibly filled).  A count that no longer adds up to the table's
 * is rebuilt by one walk before it is trusted, as is one that could not
 * grow (ENOMEM): a stale count may cost a walk, never a state left
 * behind by a CLR.
 */
#include "pfsync/creators.h"
#include "pfsync/table.h"

#include "engine_priv.h"

struct pfs_state *pfs_eng_tbl_insert(struct pfs_engine *e,
				     const struct pfs_state *st,
				     const struct pfs_stx *x)
{
	struct pfs_state *s = pfs_table_insert_x(e->table, st, x);

	if (s != NULL && e->creators != NULL &&
	    pfs_creators_add(e->creators, s->creatorid) < 0)
		e->creators_stale = true;
	if (s != NULL)
		pfs_eng_dig_added(e, s);
	return s;
}

void pfs_eng_tbl_remove(struct pfs_engine *e, struct pfs_state *s)
{
	if (e->creators != NULL)
		pfs_creators_sub(e->creators, s->creatorid);
	pfs_eng_dig_removed(e, s);
	pfs_table_remove(e->table, s);
}

/* The counts, rebuilt first when they do not add up; NULL when they
 * cannot be had (no memory): the caller walks the table instead. */
const struct pfs_creators *pfs_eng_creators(struct pfs_engine *e)
{
	struct pfs_state *s;
	size_t cur = 0;

	if (e->creators == NULL)
		return NULL;
	if (!e->creators_stale &&
	    pfs_creators_total(e->creators) == pfs_table_count(e->table))
		return e->creators;
	e->creators_rebuilt++;
	pfs_creators_reset(e->creators);
	e->creators_stale = false;
	while ((s = pfs_table_next(e->table, &cur)) != NULL)
		if (pfs_creators_add(e->creators, s->creatorid) < 0) {
			e->creators_stale = true;
			return NULL;
		}
	return e->creators;
}

size_t pfs_engine_creators(struct pfs_engine *e, struct pfs_creator_count *out,
			   size_t max, uint64_t *other)
{
	const struct pfs_creators *c = pfs_eng_creators(e);

	if (c == NULL) {
		*other = pfs_table_count(e->table);
		return 0;
	}
	return pfs_creators_top(c, out, max, other);
}

uint64_t pfs_engine_creators_rebuilt(const struct pfs_engine *e)
{
	return e->creators_rebuilt;
}

const uint64_t *pfs_engine_guard_stats(const struct pfs_engine *e)
{
	return e->guard_stats;
}
