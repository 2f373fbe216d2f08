/*
 * tomb.c - a set of deleted state identities with an end time (tomb.h).
 */
#include <errno.h>
#include <sodium.h>
#include <stdlib.h>

#include "pfsync/tomb.h"

#define TOMB_MIN 64
#define TOMB_MAX_DEFAULT (1u << 20)

struct tomb_ent {
	uint64_t id;
	uint32_t creatorid;
	uint32_t until; /* 0: empty slot */
};

struct pfs_tomb {
	struct tomb_ent *v;
	size_t cap; /* a power of two */
	size_t n;
	size_t max;
	uint32_t purged; /* second of the last purge */
	struct pfs_hashkey hk;
};

/* Keyed: the ids are our own, but a peer's INS could choose others that
 * collide in one probe chain when they are reused (pfs_tomb_del). */
static size_t tomb_hash(const struct pfs_tomb *t, uint64_t id,
			uint32_t creatorid)
{
	return (size_t)pfs_hash2(&t->hk, id, creatorid);
}

struct pfs_tomb *pfs_tomb_new(size_t max, const uint8_t key[PFS_HASHKEY_LEN])
{
	struct pfs_tomb *t;

	if (key == NULL) {
		errno = EINVAL;
		return NULL;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	pfs_hashkey_set(&t->hk, key);
	t->max = max ? max : TOMB_MAX_DEFAULT;
	return t;
}

void pfs_tomb_free(struct pfs_tomb *t)
{
	if (!t)
		return;
	free(t->v);
	sodium_memzero(&t->hk, sizeof(t->hk));
	free(t);
}

static struct tomb_ent *tomb_slot(const struct pfs_tomb *t,
				  struct tomb_ent *v, size_t cap, uint64_t id,
				  uint32_t creatorid)
{
	size_t i = tomb_hash(t, id, creatorid) & (cap - 1);

	while (v[i].until != 0 &&
	       (v[i].id != id || v[i].creatorid != creatorid))
		i = (i + 1) & (cap - 1);
	return &v[i];
}

/* Rehash the live entries into a table of cap slots. */
static int tomb_rebuild(struct pfs_tomb *t, size_t cap, uint32_t now)
{
	struct tomb_ent *v = calloc(cap, sizeof(*v)), *d;
	size_t i, n = 0;

	if (!v)
		return -1;
	for (i = 0; i < t->cap; i++) {
		if (t->v[i].until <= now)
			continue;
		d = tomb_slot(t, v, cap, t->v[i].id, t->v[i].creatorid);
		*d = t->v[i];
		n++;
	}
	free(t->v);
	t->v = v;
	t->cap = cap;
	t->n = n;
	return 0;
}

/*
 * Room for one more at a load of at most one half: first drop what has
 * expired (keeping the size when that leaves it at most a quarter full),
 * then double, up to max entries.  A full set at max purges at most once
 * a second, so a flood of deletes costs O(1) each.
 */
static int tomb_room(struct pfs_tomb *t, uint32_t now)
{
	size_t cap;

	if (t->cap && (t->n + 1) * 2 <= t->cap)
		return 0;
	if (t->cap && t->purged != now) {
		t->purged = now;
		if (tomb_rebuild(t, t->cap, now) < 0)
			return -1;
		if ((t->n + 1) * 4 <= t->cap)
			return 0;
	}
	cap = t->cap ? t->cap * 2 : TOMB_MIN;
	if (cap / 2 > t->max) {
		errno = ENOSPC;
		return -1;
	}
	return tomb_rebuild(t, cap, now);
}

int pfs_tomb_add(struct pfs_tomb *t, uint64_t id, uint32_t creatorid,
		 uint32_t until, uint32_t now)
{
	struct tomb_ent *s;

	if (until <= now)
		return 0;
	if (tomb_room(t, now) < 0)
		return -1;
	s = tomb_slot(t, t->v, t->cap, id, creatorid);
	if (s->until == 0)
		t->n++;
	s->id = id;
	s->creatorid = creatorid;
	s->until = until;
	return 0;
}

int pfs_tomb_has(const struct pfs_tomb *t, uint64_t id, uint32_t creatorid,
		 uint32_t now)
{
	const struct tomb_ent *s;

	if (!t->cap)
		return 0;
	s = tomb_slot(t, t->v, t->cap, id, creatorid);
	return s->until > now;
}

uint32_t pfs_tomb_until(const struct pfs_tomb *t, uint64_t id,
			uint32_t creatorid, uint32_t now)
{
	const struct tomb_ent *s;

	if (!t->cap)
		return 0;
	s = tomb_slot(t, t->v, t->cap, id, creatorid);
	return s->until > now ? s->until : 0;
}

/* The slot keeps a past time (1), so probe chains stay whole; the next
 * rebuild drops it. */
void pfs_tomb_del(struct pfs_tomb *t, uint64_t id, uint32_t creatorid)
{
	struct tomb_ent *s;

	if (!t->cap)
		return;
	s = tomb_slot(t, t->v, t->cap, id, creatorid);
	if (s->until != 0)
		s->until = 1;
}
