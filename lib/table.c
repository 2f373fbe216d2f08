/*
 * table.c - the in-memory state table.
 *
 * Layout, chosen to hold tens of millions of states in at most 256 bytes
 * each, indexes included:
 *
 *   chunks[]  -> chunk 0: entry[0 .. TBL_CHUNK_SLOTS-1]
 *             -> chunk 1: ...
 *
 *   entry = { struct pfs_state st; uint32_t next_id; uint32_t next_key; }
 *
 * A state lives in a numbered slot; slot s is entry s % TBL_CHUNK_SLOTS of
 * chunk s / TBL_CHUNK_SLOTS.  Chunks are allocated once and never moved,
 * so a state pointer stays valid until the state is removed.  Both indexes
 * are chained hash tables whose buckets and links are 32-bit slot numbers
 * rather than pointers (8 bytes of links per entry, 4 bytes per bucket).
 * The bucket arrays double when the count passes their size, keeping the
 * load factor at or below 1; a rehash only rewrites slot numbers, so no
 * state moves.
 *
 * A free slot has next_key == TBL_DEAD and uses next_id as its link in the
 * free list, which inserts reuse first (LIFO).  The walk visits slots
 * 0 .. used-1 in order and skips dead ones, so removing any state during a
 * walk is safe.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/table.h"

#define TBL_CHUNK_SHIFT 12
#define TBL_CHUNK_SLOTS (1u << TBL_CHUNK_SHIFT)
#define TBL_CHUNK_MASK (TBL_CHUNK_SLOTS - 1)
#define TBL_NIL UINT32_MAX	    /* end of chain, empty bucket */
#define TBL_DEAD (UINT32_MAX - 1)   /* next_key of a free slot */
#define TBL_MAX_SLOTS (UINT32_MAX - 16)
#define TBL_MIN_BUCKETS 256u
#define TBL_MAX_BUCKETS ((size_t)1 << 31)

/*
 * Odd multipliers for the hashes (the first is 2^64 / golden ratio, the
 * others random).
 */
#define TBL_K0 0x9e3779b97f4a7c15ULL
#define TBL_K1 0xd0b2529a9b0457cfULL
#define TBL_K2 0xcde75e99d77ad8e9ULL
#define TBL_K3 0xaa1a637cb4185189ULL
#define TBL_K4 0xe3c1b5a2f0d94e27ULL

struct tbl_entry {
	struct pfs_state st; /* first: a state pointer is an entry pointer */
	uint32_t next_id;    /* id chain, or free list when dead */
	uint32_t next_key;   /* key chain, or TBL_DEAD when free */
};

struct tbl_chunk {
	struct tbl_entry e[TBL_CHUNK_SLOTS];
};

struct pfs_table {
	struct tbl_chunk **chunks;
	size_t nchunks;	   /* chunks allocated */
	size_t chunks_cap; /* length of chunks[] */
	uint32_t used;	   /* slots ever handed out: the walk's end */
	uint32_t free_head;
	size_t count;
	size_t nbuckets; /* power of two, same for both indexes */
	uint32_t *id_buckets;
	uint32_t *key_buckets;
};

_Static_assert(offsetof(struct tbl_entry, st) == 0,
	       "a state pointer must convert to its entry");
_Static_assert(sizeof(struct tbl_entry) <= 240,
	       "entry too large for the 256-byte budget");

/* ---- hashing ------------------------------------------------------------ */

/* Multiply-xorshift finaliser: every input bit reaches every output bit. */
static uint64_t tbl_mix(uint64_t x)
{
	x ^= x >> 32;
	x *= TBL_K1;
	x ^= x >> 29;
	x *= TBL_K2;
	x ^= x >> 32;
	return x;
}

/*
 * pf ids count up per creator, so the creator is spread over all 64 bits
 * before it is combined with the id; the mix then scatters the sequence.
 */
static uint64_t tbl_hash_id(uint64_t id, uint32_t creatorid)
{
	return tbl_mix(id ^ ((uint64_t)creatorid * TBL_K0));
}

/*
 * An address as two words; only the first 4 bytes of an IPv4 pf_addr are
 * meaningful (as in pf), so the rest never reaches a hash or a compare.
 */
static void tbl_addr_words(const struct pfs_addr *a, uint8_t af,
			   uint64_t w[2])
{
	uint32_t v4;

	if (af == AF_INET) {
		memcpy(&v4, a->a, sizeof(v4));
		w[0] = v4;
		w[1] = 0;
	} else {
		memcpy(w, a->a, 16);
	}
}

/*
 * Hashes the key's fields, never its padding.  The four address words are
 * multiplied independently (short dependency chains, so lookups overlap
 * well in the CPU) and the sum is then mixed.
 */
static uint64_t tbl_hash_key(const struct pfs_flowkey *k)
{
	uint64_t w[4], hdr;

	tbl_addr_words(&k->lan.addr, k->af, &w[0]);
	tbl_addr_words(&k->ext.addr, k->af, &w[2]);
	hdr = (uint64_t)k->af << 48 | (uint64_t)k->proto << 40 |
	      (uint64_t)k->direction << 32 | (uint64_t)k->lan.port << 16 |
	      k->ext.port;
	return tbl_mix(hdr * TBL_K0 + w[0] * TBL_K1 + w[1] * TBL_K2 +
		       w[2] * TBL_K3 + w[3] * TBL_K4);
}

/* Compares the address bytes the family uses, a word at a time. */
static int tbl_addr_eq(const struct pfs_addr *a, const struct pfs_addr *b,
		       uint8_t af)
{
	uint64_t x[2], y[2];

	tbl_addr_words(a, af, x);
	tbl_addr_words(b, af, y);
	return ((x[0] ^ y[0]) | (x[1] ^ y[1])) == 0;
}

static int tbl_key_match(const struct pfs_state *st,
			 const struct pfs_flowkey *k)
{
	return st->af == k->af && st->proto == k->proto &&
	       st->direction == k->direction && st->lan.port == k->lan.port &&
	       st->ext.port == k->ext.port &&
	       tbl_addr_eq(&st->lan.addr, &k->lan.addr, k->af) &&
	       tbl_addr_eq(&st->ext.addr, &k->ext.addr, k->af);
}

/* ---- slots and chains ------------------------------------------------- */

static struct tbl_entry *tbl_entry(const struct pfs_table *t, uint32_t slot)
{
	return &t->chunks[slot >> TBL_CHUNK_SHIFT]->e[slot & TBL_CHUNK_MASK];
}

static uint32_t *tbl_link(const struct pfs_table *t, uint32_t slot, int key)
{
	struct tbl_entry *e = tbl_entry(t, slot);

	return key ? &e->next_key : &e->next_id;
}

static uint32_t *tbl_id_bucket(const struct pfs_table *t, uint64_t h)
{
	return &t->id_buckets[h & (t->nbuckets - 1)];
}

static uint32_t *tbl_key_bucket(const struct pfs_table *t, uint64_t h)
{
	return &t->key_buckets[h & (t->nbuckets - 1)];
}

/* Takes slot out of the chain starting at *head (key: which chain). */
static void tbl_unlink(const struct pfs_table *t, uint32_t *head,
		       uint32_t slot, int key)
{
	uint32_t *p = head;

	while (*p != slot) {
		if (*p == TBL_NIL)
			return;
		p = tbl_link(t, *p, key);
	}
	*p = *tbl_link(t, slot, key);
}

static uint32_t tbl_lookup_id(const struct pfs_table *t, uint64_t h,
			      uint64_t id, uint32_t creatorid)
{
	uint32_t s = *tbl_id_bucket(t, h);
	const struct tbl_entry *e;

	while (s != TBL_NIL) {
		e = tbl_entry(t, s);
		if (e->st.id == id && e->st.creatorid == creatorid)
			return s;
		s = e->next_id;
	}
	return TBL_NIL;
}

static uint32_t tbl_lookup_key(const struct pfs_table *t, uint64_t h,
			       const struct pfs_flowkey *k)
{
	uint32_t s = *tbl_key_bucket(t, h);
	const struct tbl_entry *e;

	while (s != TBL_NIL) {
		e = tbl_entry(t, s);
		if (tbl_key_match(&e->st, k))
			return s;
		s = e->next_key;
	}
	return TBL_NIL;
}

/* Pushes a live slot onto the head of both its chains. */
static void tbl_link_slot(struct pfs_table *t, uint32_t slot, uint64_t hid,
			  uint64_t hkey)
{
	struct tbl_entry *e = tbl_entry(t, slot);
	uint32_t *b;

	b = tbl_id_bucket(t, hid);
	e->next_id = *b;
	*b = slot;
	b = tbl_key_bucket(t, hkey);
	e->next_key = *b;
	*b = slot;
}

static uint64_t tbl_state_key_hash(const struct pfs_state *st)
{
	struct pfs_flowkey k;

	pfs_state_flowkey(st, &k);
	return tbl_hash_key(&k);
}

/* ---- storage ------------------------------------------------------------ */

static int tbl_add_chunk(struct pfs_table *t)
{
	struct tbl_chunk **a, *c;
	size_t cap;

	if (t->nchunks == t->chunks_cap) {
		cap = t->chunks_cap ? t->chunks_cap * 2 : 4;
		a = realloc(t->chunks, cap * sizeof(*a));
		if (a == NULL)
			return -1;
		t->chunks = a;
		t->chunks_cap = cap;
	}
	c = malloc(sizeof(*c));
	if (c == NULL)
		return -1;
	t->chunks[t->nchunks++] = c;
	return 0;
}

/* Returns a free slot (reused first), or TBL_NIL with errno ENOMEM. */
static uint32_t tbl_slot_alloc(struct pfs_table *t)
{
	uint32_t s = t->free_head;

	if (s != TBL_NIL) {
		t->free_head = tbl_entry(t, s)->next_id;
		return s;
	}
	if (t->used >= TBL_MAX_SLOTS) {
		errno = ENOMEM;
		return TBL_NIL;
	}
	if (t->used == t->nchunks * TBL_CHUNK_SLOTS && tbl_add_chunk(t) < 0) {
		errno = ENOMEM;
		return TBL_NIL;
	}
	return t->used++;
}

static void tbl_slot_free(struct pfs_table *t, uint32_t slot)
{
	struct tbl_entry *e = tbl_entry(t, slot);

	e->next_key = TBL_DEAD;
	e->next_id = t->free_head;
	t->free_head = slot;
}

static uint32_t *tbl_buckets_new(size_t n)
{
	uint32_t *b = malloc(n * sizeof(*b));

	if (b != NULL)
		memset(b, 0xff, n * sizeof(*b)); /* every bucket TBL_NIL */
	return b;
}

/*
 * Doubles both bucket arrays and relinks every live slot, in slot order so
 * that the states are read sequentially.  On ENOMEM the table keeps its
 * old arrays and simply runs at a higher load.
 */
static int tbl_rehash(struct pfs_table *t, size_t n)
{
	uint32_t *ib = tbl_buckets_new(n), *kb = tbl_buckets_new(n);
	const struct tbl_entry *e;
	uint32_t s;

	if (ib == NULL || kb == NULL) {
		free(ib);
		free(kb);
		return -1;
	}
	free(t->id_buckets);
	free(t->key_buckets);
	t->id_buckets = ib;
	t->key_buckets = kb;
	t->nbuckets = n;
	for (s = 0; s < t->used; s++) {
		e = tbl_entry(t, s);
		if (e->next_key == TBL_DEAD)
			continue;
		tbl_link_slot(t, s, tbl_hash_id(e->st.id, e->st.creatorid),
			      tbl_state_key_hash(&e->st));
	}
	return 0;
}

/* ---- the API ------------------------------------------------------------ */

static size_t tbl_pow2_at_least(size_t n)
{
	size_t p = TBL_MIN_BUCKETS;

	while (p < n && p < TBL_MAX_BUCKETS)
		p <<= 1;
	return p;
}

struct pfs_table *pfs_table_new(size_t hint)
{
	struct pfs_table *t = calloc(1, sizeof(*t));

	if (t == NULL)
		return NULL;
	t->free_head = TBL_NIL;
	t->nbuckets = tbl_pow2_at_least(hint);
	t->id_buckets = tbl_buckets_new(t->nbuckets);
	t->key_buckets = tbl_buckets_new(t->nbuckets);
	if (t->id_buckets == NULL || t->key_buckets == NULL) {
		pfs_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

static void tbl_free_chunks(struct pfs_table *t)
{
	size_t i;

	for (i = 0; i < t->nchunks; i++)
		free(t->chunks[i]);
	t->nchunks = 0;
	t->used = 0;
	t->free_head = TBL_NIL;
	t->count = 0;
}

void pfs_table_free(struct pfs_table *t)
{
	if (t == NULL)
		return;
	tbl_free_chunks(t);
	free(t->chunks);
	free(t->id_buckets);
	free(t->key_buckets);
	free(t);
}

size_t pfs_table_count(const struct pfs_table *t)
{
	return t->count;
}

size_t pfs_table_memory(const struct pfs_table *t)
{
	return sizeof(*t) + t->chunks_cap * sizeof(*t->chunks) +
	       t->nchunks * sizeof(struct tbl_chunk) +
	       2 * t->nbuckets * sizeof(uint32_t);
}

struct pfs_state *pfs_table_insert(struct pfs_table *t,
				   const struct pfs_state *st)
{
	uint64_t hid = tbl_hash_id(st->id, st->creatorid), hkey;
	struct pfs_flowkey k;
	struct tbl_entry *e;
	uint32_t s;

	pfs_state_flowkey(st, &k);
	hkey = tbl_hash_key(&k);
	/* both indexes miss the cache at this size: fetch them together */
	__builtin_prefetch(tbl_id_bucket(t, hid));
	__builtin_prefetch(tbl_key_bucket(t, hkey));
	if (tbl_lookup_id(t, hid, st->id, st->creatorid) != TBL_NIL ||
	    tbl_lookup_key(t, hkey, &k) != TBL_NIL) {
		errno = EEXIST;
		return NULL;
	}
	s = tbl_slot_alloc(t);
	if (s == TBL_NIL)
		return NULL;
	e = tbl_entry(t, s);
	e->st = *st;
	tbl_link_slot(t, s, hid, hkey);
	t->count++;
	if (t->count > t->nbuckets && t->nbuckets < TBL_MAX_BUCKETS)
		(void)tbl_rehash(t, t->nbuckets * 2);
	return &e->st;
}

struct pfs_state *pfs_table_find_id(const struct pfs_table *t, uint64_t id,
				    uint32_t creatorid)
{
	uint64_t h = tbl_hash_id(id, creatorid);
	uint32_t s = tbl_lookup_id(t, h, id, creatorid);

	return s == TBL_NIL ? NULL : &tbl_entry(t, s)->st;
}

struct pfs_state *pfs_table_find_key(const struct pfs_table *t,
				     const struct pfs_flowkey *k)
{
	uint32_t s = tbl_lookup_key(t, tbl_hash_key(k), k);

	return s == TBL_NIL ? NULL : &tbl_entry(t, s)->st;
}

static void tbl_remove_slot(struct pfs_table *t, uint32_t s)
{
	const struct pfs_state *st = &tbl_entry(t, s)->st;

	tbl_unlink(t, tbl_id_bucket(t, tbl_hash_id(st->id, st->creatorid)), s,
		   0);
	tbl_unlink(t, tbl_key_bucket(t, tbl_state_key_hash(st)), s, 1);
	tbl_slot_free(t, s);
	t->count--;
}

void pfs_table_remove(struct pfs_table *t, struct pfs_state *st)
{
	/* ids are unique, so the id index gives the state's slot */
	uint32_t s = tbl_lookup_id(t, tbl_hash_id(st->id, st->creatorid),
				   st->id, st->creatorid);

	if (s != TBL_NIL && &tbl_entry(t, s)->st == st)
		tbl_remove_slot(t, s);
}

size_t pfs_table_clear_creator(struct pfs_table *t, uint32_t creatorid)
{
	const struct tbl_entry *e;
	size_t n = 0;
	uint32_t s;

	for (s = 0; s < t->used; s++) {
		e = tbl_entry(t, s);
		if (e->next_key != TBL_DEAD && e->st.creatorid == creatorid) {
			tbl_remove_slot(t, s);
			n++;
		}
	}
	return n;
}

void pfs_table_clear(struct pfs_table *t)
{
	tbl_free_chunks(t);
	memset(t->id_buckets, 0xff, t->nbuckets * sizeof(uint32_t));
	memset(t->key_buckets, 0xff, t->nbuckets * sizeof(uint32_t));
}

struct pfs_state *pfs_table_next(const struct pfs_table *t, size_t *cursor)
{
	struct tbl_entry *e;
	size_t s;

	for (s = *cursor; s < t->used; s++) {
		e = tbl_entry(t, (uint32_t)s);
		if (e->next_key != TBL_DEAD) {
			*cursor = s + 1;
			return &e->st;
		}
	}
	if (*cursor < t->used)
		*cursor = t->used;
	return NULL;
}
