/*
 * digest.c - per-creator bucket sums of the state table (digest.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/digest.h"

struct pfs_digest {
	unsigned n;	/* creators summed */
	uint64_t total; /* states summed */
	struct pfs_dig_sums *c[PFS_DIG_CREATORS];
};

/* splitmix64's finaliser: a fixed, well-mixing permutation of 64 bits */
static uint64_t dig_mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

unsigned pfs_dig_bucket_of(uint64_t id, uint32_t creatorid)
{
	return (unsigned)(dig_mix(id ^ ((uint64_t)creatorid << 17) ^
				  0x6469676573740000ULL) &
			  (PFS_DIG_BUCKETS - 1));
}

uint64_t pfs_dig_hash(uint64_t id, uint32_t creatorid, uint8_t af,
		      uint8_t proto)
{
	uint64_t h = dig_mix(id + 0x9e3779b97f4a7c15ULL);

	h = dig_mix(h ^
		    ((uint64_t)creatorid << 16 | (uint64_t)af << 8 | proto));
	return h;
}

struct pfs_digest *pfs_digest_new(void)
{
	return calloc(1, sizeof(struct pfs_digest));
}

void pfs_digest_reset(struct pfs_digest *d)
{
	unsigned i;

	for (i = 0; i < d->n; i++)
		free(d->c[i]);
	d->n = 0;
	d->total = 0;
}

void pfs_digest_free(struct pfs_digest *d)
{
	if (d == NULL)
		return;
	pfs_digest_reset(d);
	free(d);
}

static struct pfs_dig_sums *dig_find(const struct pfs_digest *d,
				     uint32_t creatorid)
{
	unsigned i;

	for (i = 0; i < d->n; i++)
		if (d->c[i]->creatorid == creatorid)
			return d->c[i];
	return NULL;
}

const struct pfs_dig_sums *pfs_digest_get(const struct pfs_digest *d,
					  uint32_t creatorid)
{
	return dig_find(d, creatorid);
}

uint64_t pfs_digest_total(const struct pfs_digest *d)
{
	return d->total;
}

int pfs_digest_add(struct pfs_digest *d, const struct pfs_state *st)
{
	struct pfs_dig_sums *s = dig_find(d, st->creatorid);
	struct pfs_dig_bucket *b;

	if (s == NULL) {
		if (d->n == PFS_DIG_CREATORS) {
			errno = ENOSPC;
			return -1;
		}
		if ((s = calloc(1, sizeof(*s))) == NULL)
			return -1;
		s->creatorid = st->creatorid;
		d->c[d->n++] = s;
	}
	b = &s->b[pfs_dig_bucket_of(st->id, st->creatorid)];
	b->count++;
	b->sum += pfs_dig_hash(st->id, st->creatorid, st->af, st->proto);
	s->total++;
	d->total++;
	return 0;
}

/* A creator whose last state went is dropped: its slot is free again. */
static void dig_drop(struct pfs_digest *d, struct pfs_dig_sums *s)
{
	unsigned i;

	for (i = 0; i < d->n; i++)
		if (d->c[i] == s) {
			d->c[i] = d->c[--d->n];
			free(s);
			return;
		}
}

void pfs_digest_sub(struct pfs_digest *d, const struct pfs_state *st)
{
	struct pfs_dig_sums *s = dig_find(d, st->creatorid);
	struct pfs_dig_bucket *b;

	if (s == NULL)
		return;
	b = &s->b[pfs_dig_bucket_of(st->id, st->creatorid)];
	if (b->count == 0)
		return; /* never added (the caller's rebuild fixes it) */
	b->count--;
	b->sum -= pfs_dig_hash(st->id, st->creatorid, st->af, st->proto);
	s->total--;
	d->total--;
	if (s->total == 0)
		dig_drop(d, s);
}

size_t pfs_dig_compare(const struct pfs_dig_sums *a, unsigned first,
		       const struct pfs_dig_bucket *peer, size_t n,
		       uint16_t *out)
{
	static const struct pfs_dig_bucket none;
	const struct pfs_dig_bucket *mine;
	size_t i, k = 0;

	for (i = 0; i < n && first + i < PFS_DIG_BUCKETS; i++) {
		mine = a != NULL ? &a->b[first + i] : &none;
		if (mine->count != peer[i].count || mine->sum != peer[i].sum)
			out[k++] = (uint16_t)(first + i);
	}
	return k;
}
