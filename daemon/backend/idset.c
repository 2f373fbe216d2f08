/*
 * idset.c - a set of 32-bit ids (see idset.h).
 */
#include <sodium.h>
#include <stdlib.h>

#include "idset.h"

#define IDSET_MIN  256
#define IDSET_KEEP 65536 /* slots kept across a clear */

/* No slots, the key kept. */
static void idset_release(struct pfsd_idset *s)
{
	free(s->slot);
	s->slot = NULL;
	s->cap = s->n = 0;
	s->gen = 1;
}

void pfsd_idset_init(struct pfsd_idset *s)
{
	uint8_t key[PFS_HASHKEY_LEN];

	s->slot = NULL;
	idset_release(s);
	randombytes_buf(key, sizeof(key));
	pfs_hashkey_set(&s->hk, key);
	sodium_memzero(key, sizeof(key));
}

void pfsd_idset_free(struct pfsd_idset *s)
{
	idset_release(s);
	sodium_memzero(&s->hk, sizeof(s->hk));
}

void pfsd_idset_clear(struct pfsd_idset *s)
{
	s->n = 0;
	if (s->cap > IDSET_KEEP) {
		idset_release(s);
		return;
	}
	if (++s->gen == 0) { /* wrapped: old slots could look current */
		s->gen = 1;
		for (size_t i = 0; i < s->cap; i++)
			s->slot[i] = 0;
	}
}

static size_t idset_pos(const struct pfsd_idset *s, uint32_t id)
{
	return (size_t)pfs_hash2(&s->hk, id, 0) & (s->cap - 1);
}

static bool idset_live(const struct pfsd_idset *s, uint64_t v)
{
	return (uint32_t)(v >> 32) == s->gen;
}

static void idset_put(struct pfsd_idset *s, uint32_t id)
{
	size_t i = idset_pos(s, id);

	while (idset_live(s, s->slot[i])) {
		if ((uint32_t)s->slot[i] == id)
			return;
		i = (i + 1) & (s->cap - 1);
	}
	s->slot[i] = (uint64_t)s->gen << 32 | id;
	s->n++;
}

static int idset_grow(struct pfsd_idset *s)
{
	size_t cap = s->cap ? 2 * s->cap : IDSET_MIN, i;
	uint64_t *old = s->slot, *nw = calloc(cap, sizeof(*nw));
	size_t oldcap = s->cap;

	if (nw == NULL)
		return -1;
	s->slot = nw;
	s->cap = cap;
	s->n = 0;
	for (i = 0; i < oldcap; i++)
		if (idset_live(s, old[i]))
			idset_put(s, (uint32_t)old[i]);
	free(old);
	return 0;
}

int pfsd_idset_add(struct pfsd_idset *s, uint32_t id)
{
	if ((s->n + 1) * 2 > s->cap && idset_grow(s) == -1)
		return -1;
	idset_put(s, id);
	return 0;
}

bool pfsd_idset_has(const struct pfsd_idset *s, uint32_t id)
{
	size_t i;

	if (s->cap == 0)
		return false;
	for (i = idset_pos(s, id); idset_live(s, s->slot[i]);
	     i = (i + 1) & (s->cap - 1))
		if ((uint32_t)s->slot[i] == id)
			return true;
	return false;
}
