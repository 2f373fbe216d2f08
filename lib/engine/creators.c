/*
 * creators.c - states per creator id (see creators.h).
 *
 * Linear probing over a power-of-two array, deletion by backward shift
 * (no tombstones, so a churn of creators never degrades the probes).
 * The slot of an id is SipHash-2-4 of it under a key drawn at creation.
 */
#include <errno.h>
#include <sodium.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/creators.h"

#define CR_MIN_SLOTS 16

struct cr_slot {
	uint32_t id;
	bool used;
	uint64_t n;
};

struct pfs_creators {
	struct cr_slot *s;
	size_t nslots; /* a power of two */
	size_t used;
	uint64_t total;
	size_t hint; /* the slot last found: most states come from a few
			creators, and a slot that holds the id is its slot */
	uint8_t key[crypto_shorthash_KEYBYTES];
};

static size_t cr_home(const struct pfs_creators *c, uint32_t id)
{
	uint8_t in[4], out[crypto_shorthash_BYTES];
	uint64_t h = 0;
	size_t i;

	in[0] = (uint8_t)(id >> 24);
	in[1] = (uint8_t)(id >> 16);
	in[2] = (uint8_t)(id >> 8);
	in[3] = (uint8_t)id;
	crypto_shorthash(out, in, sizeof(in), c->key);
	for (i = 0; i < 8; i++)
		h = h << 8 | out[i];
	return (size_t)h & (c->nslots - 1);
}

/* The slot holding id, or the empty one where it would go. */
static size_t cr_find(const struct pfs_creators *c, uint32_t id)
{
	size_t i;

	if (c->s[c->hint].used && c->s[c->hint].id == id)
		return c->hint;
	i = cr_home(c, id);

	while (c->s[i].used && c->s[i].id != id)
		i = (i + 1) & (c->nslots - 1);
	return i;
}

static int cr_alloc(struct pfs_creators *c, size_t nslots)
{
	struct cr_slot *s = calloc(nslots, sizeof(*s));

	if (s == NULL) {
		errno = ENOMEM;
		return -1;
	}
	c->s = s;
	c->nslots = nslots;
	c->used = 0;
	return 0;
}

static int cr_grow(struct pfs_creators *c)
{
	struct cr_slot *old = c->s;
	size_t i, n = c->nslots, j;

	if (cr_alloc(c, n * 2) < 0) {
		c->s = old;
		c->nslots = n;
		return -1;
	}
	for (i = 0; i < n; i++) {
		if (!old[i].used)
			continue;
		j = cr_find(c, old[i].id);
		c->s[j] = old[i];
		c->used++;
	}
	free(old);
	return 0;
}

struct pfs_creators *pfs_creators_new(void)
{
	struct pfs_creators *c;

	if (sodium_init() < 0) {
		errno = EIO;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	if (cr_alloc(c, CR_MIN_SLOTS) < 0) {
		free(c);
		return NULL;
	}
	crypto_shorthash_keygen(c->key);
	return c;
}

void pfs_creators_free(struct pfs_creators *c)
{
	if (c == NULL)
		return;
	free(c->s);
	sodium_memzero(c->key, sizeof(c->key));
	free(c);
}

int pfs_creators_add(struct pfs_creators *c, uint32_t creatorid)
{
	size_t i = cr_find(c, creatorid);

	if (!c->s[i].used) {
		if ((c->used + 1) * 2 > c->nslots) {
			if (cr_grow(c) < 0)
				return -1;
			i = cr_find(c, creatorid);
		}
		c->s[i].used = true;
		c->s[i].id = creatorid;
		c->s[i].n = 0;
		c->used++;
	}
	c->s[i].n++;
	c->total++;
	c->hint = i;
	return 0;
}

/* Empties slot i and moves the entries after it that may not sit past a
 * hole back toward their homes (Knuth's algorithm R). */
static void cr_delete(struct pfs_creators *c, size_t i)
{
	size_t mask = c->nslots - 1, j = i, home;

	for (;;) {
		c->s[i].used = false;
		do {
			j = (j + 1) & mask;
			if (!c->s[j].used)
				return;
			home = cr_home(c, c->s[j].id);
		} while (i <= j ? (i < home && home <= j)
				: (i < home || home <= j));
		c->s[i] = c->s[j];
		i = j;
	}
}

void pfs_creators_sub(struct pfs_creators *c, uint32_t creatorid)
{
	size_t i = cr_find(c, creatorid);

	if (!c->s[i].used)
		return;
	c->total--;
	c->hint = i;
	if (--c->s[i].n > 0)
		return;
	cr_delete(c, i);
	c->used--;
}

void pfs_creators_reset(struct pfs_creators *c)
{
	memset(c->s, 0, c->nslots * sizeof(*c->s));
	c->used = 0;
	c->total = 0;
}

uint64_t pfs_creators_count(const struct pfs_creators *c, uint32_t creatorid)
{
	size_t i = cr_find(c, creatorid);

	return c->s[i].used ? c->s[i].n : 0;
}

uint64_t pfs_creators_total(const struct pfs_creators *c)
{
	return c->total;
}

/* out[0 .. n-1] as a min-heap on n: the smallest count on top. */
static void cr_sift_down(struct pfs_creator_count *h, size_t n, size_t i)
{
	struct pfs_creator_count t;
	size_t m, l;

	for (;;) {
		m = i;
		l = 2 * i + 1;
		if (l < n && h[l].n < h[m].n)
			m = l;
		if (l + 1 < n && h[l + 1].n < h[m].n)
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static int cr_by_id(const void *a, const void *b)
{
	uint32_t x = ((const struct pfs_creator_count *)a)->creatorid;
	uint32_t y = ((const struct pfs_creator_count *)b)->creatorid;

	return x < y ? -1 : x > y;
}

size_t pfs_creators_top(const struct pfs_creators *c,
			struct pfs_creator_count *out, size_t max,
			uint64_t *other)
{
	size_t i, n = 0, k;

	*other = 0;
	for (i = 0; i < c->nslots; i++) {
		if (!c->s[i].used)
			continue;
		if (n < max) {
			out[n].creatorid = c->s[i].id;
			out[n++].n = c->s[i].n;
			if (n == max)
				for (k = max / 2 + 1; k-- > 0;)
					cr_sift_down(out, n, k);
			continue;
		}
		if (max == 0 || c->s[i].n <= out[0].n) {
			*other += c->s[i].n;
			continue;
		}
		*other += out[0].n;
		out[0].creatorid = c->s[i].id;
		out[0].n = c->s[i].n;
		cr_sift_down(out, n, 0);
	}
	qsort(out, n, sizeof(*out), cr_by_id);
	return n;
}
