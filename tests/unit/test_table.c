/*
 * test_table.c - the state table: both indexes, duplicates, clears, the
 * walk under removal, slot reuse, growth, a randomized comparison with
 * a plain array model, and hash flooding (security review H1): inputs
 * crafted against the old unkeyed hash, a run longer than the old tail.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/hash.h"
#include "pfsync/state.h"
#include "pfsync/table.h"
#include "t.h"

/* A state whose flow key is derived from k and whose id is (id, creator). */
static void mk_state(struct pfs_state *st, uint64_t id, uint32_t creator,
		     uint32_t k)
{
	memset(st, 0, sizeof(*st));
	st->id = id;
	st->creatorid = creator;
	st->af = AF_INET;
	st->proto = 6;
	st->direction = PFS_DIR_OUT;
	st->lan.addr.a[0] = 10;
	st->lan.addr.a[1] = (uint8_t)(k >> 16);
	st->lan.addr.a[2] = (uint8_t)(k >> 8);
	st->lan.addr.a[3] = (uint8_t)k;
	st->lan.port = (uint16_t)(1024 + (k >> 24));
	st->ext.addr.a[0] = 192;
	st->ext.addr.a[3] = 1;
	st->ext.port = 443;
	st->gwy = st->lan;
	st->rule = k;
	memcpy(st->ifname, "eth0", 4);
}

static struct pfs_state *ins(struct pfs_table *t, uint64_t id, uint32_t creator,
			     uint32_t k)
{
	struct pfs_state st;

	mk_state(&st, id, creator, k);
	return pfs_table_insert(t, &st);
}

static int find_by_k(const struct pfs_table *t, uint32_t k,
		     struct pfs_state **out)
{
	struct pfs_state st;
	struct pfs_flowkey key;

	mk_state(&st, 0, 0, k);
	pfs_state_flowkey(&st, &key);
	*out = pfs_table_find_key(t, &key);
	return *out != NULL;
}

static void test_flowkey(void)
{
	struct pfs_state st;
	struct pfs_flowkey k, z;

	mk_state(&st, 1, 2, 77);
	memset(&k, 0xaa, sizeof(k));
	pfs_state_flowkey(&st, &k);
	T_EQ(k.af, AF_INET);
	T_EQ(k.proto, 6);
	T_EQ(k.direction, PFS_DIR_OUT);
	T_MEMEQ(&k.lan, &st.lan, sizeof(k.lan));
	T_MEMEQ(&k.ext, &st.ext, sizeof(k.ext));
	/* padding is zeroed, so two keys of one state compare equal */
	memset(&z, 0x55, sizeof(z));
	pfs_state_flowkey(&st, &z);
	T_MEMEQ(&k, &z, sizeof(k));
}

static void test_insert_find_remove(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_state st, *p, *q;

	T_CHECK(t != NULL);
	T_EQ(pfs_table_count(t), 0);
	T_CHECK(pfs_table_memory(t) > 0);
	mk_state(&st, 0x0102030405060708ULL, 0xdeadbeef, 5);
	st.expire = 1234;
	p = pfs_table_insert(t, &st);
	T_CHECK(p != NULL && p != &st);
	T_MEMEQ(p, &st, sizeof(st));
	T_EQ(pfs_table_count(t), 1);
	T_CHECK(pfs_table_find_id(t, st.id, st.creatorid) == p);
	T_CHECK(pfs_table_find_id(t, st.id, 1) == NULL);
	T_CHECK(pfs_table_find_id(t, st.id + 1, st.creatorid) == NULL);
	T_CHECK(find_by_k(t, 5, &q) && q == p);
	T_CHECK(!find_by_k(t, 6, &q));
	/* non-indexed fields may be changed in place */
	p->expire = 99;
	T_EQ(pfs_table_find_id(t, st.id, st.creatorid)->expire, 99);
	pfs_table_remove(t, p);
	T_EQ(pfs_table_count(t), 0);
	T_CHECK(pfs_table_find_id(t, st.id, st.creatorid) == NULL);
	T_CHECK(!find_by_k(t, 5, &q));
	pfs_table_free(t);
	pfs_table_free(NULL);
}

static void test_duplicates(void)
{
	struct pfs_table *t = pfs_table_new(16, T_HASHKEY);
	struct pfs_state *a;

	a = ins(t, 1, 100, 1);
	T_CHECK(a != NULL);
	errno = 0;
	T_CHECK(ins(t, 1, 100, 2) == NULL); /* same id, other key */
	T_EQ(errno, EEXIST);
	errno = 0;
	T_CHECK(ins(t, 2, 100, 1) == NULL); /* same key, other id */
	T_EQ(errno, EEXIST);
	errno = 0;
	T_CHECK(ins(t, 1, 100, 1) == NULL); /* both */
	T_EQ(errno, EEXIST);
	T_EQ(pfs_table_count(t), 1);
	/* the same id from another creator is another state */
	T_CHECK(ins(t, 1, 101, 2) != NULL);
	T_EQ(pfs_table_count(t), 2);
	T_CHECK(pfs_table_find_id(t, 1, 100) == a);
	/* once removed, both the id and the key are free again */
	pfs_table_remove(t, a);
	T_CHECK(ins(t, 1, 100, 1) != NULL);
	T_EQ(pfs_table_count(t), 2);
	pfs_table_free(t);
}

/* Padding and the unused tail of an IPv4 address never affect a lookup. */
static void test_key_bytes(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_state st, *p, *p6;
	struct pfs_flowkey k;

	p = ins(t, 1, 1, 42);
	memset(&k, 0xaa, sizeof(k));
	k.af = p->af;
	k.proto = p->proto;
	k.direction = p->direction;
	k.lan.port = p->lan.port;
	k.ext.port = p->ext.port;
	k.zone = 0; /* meaningful since zones: part of the key */
	memcpy(k.lan.addr.a, p->lan.addr.a, 4);
	memcpy(k.ext.addr.a, p->ext.addr.a, 4);
	T_CHECK(pfs_table_find_key(t, &k) == p);
	k.proto = 17;
	T_CHECK(pfs_table_find_key(t, &k) == NULL);

	/* IPv6: all 16 bytes count */
	mk_state(&st, 2, 1, 42);
	st.af = AF_INET6;
	memset(st.lan.addr.a, 0x20, 16);
	p6 = pfs_table_insert(t, &st);
	T_CHECK(p6 != NULL);
	st.id = 3;
	st.lan.addr.a[15] ^= 1;
	T_CHECK(pfs_table_insert(t, &st) != NULL);
	st.id = 4;
	T_CHECK(pfs_table_insert(t, &st) == NULL && errno == EEXIST);
	pfs_state_flowkey(p6, &k);
	T_CHECK(pfs_table_find_key(t, &k) == p6);
	/* same bytes, other direction: another flow */
	st.direction = PFS_DIR_IN;
	T_CHECK(pfs_table_insert(t, &st) != NULL);
	T_EQ(pfs_table_count(t), 4);
	pfs_table_free(t);
}

static void test_clear_creator(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_state *q;
	uint32_t i;

	for (i = 0; i < 3000; i++)
		T_CHECK(ins(t, i, 10 + i % 3, i) != NULL);
	T_EQ(pfs_table_clear_creator(t, 11), 1000);
	T_EQ(pfs_table_clear_creator(t, 11), 0);
	T_EQ(pfs_table_clear_creator(t, 99), 0);
	T_EQ(pfs_table_count(t), 2000);
	for (i = 0; i < 3000; i++) {
		q = pfs_table_find_id(t, i, 10 + i % 3);
		T_CHECK((q != NULL) == (i % 3 != 1));
		T_CHECK(find_by_k(t, i, &q) == (i % 3 != 1));
	}
	pfs_table_clear(t);
	T_EQ(pfs_table_count(t), 0);
	T_CHECK(pfs_table_find_id(t, 0, 10) == NULL);
	T_CHECK(!find_by_k(t, 0, &q));
	T_CHECK(ins(t, 0, 10, 0) != NULL);
	T_EQ(pfs_table_count(t), 1);
	pfs_table_free(t);
}

/* Walks t; counts visits per id into seen[] (ids < n). */
static size_t walk_count(const struct pfs_table *t, unsigned char *seen,
			 size_t n)
{
	struct pfs_state *st;
	size_t cur = 0, visits = 0;

	while ((st = pfs_table_next(t, &cur)) != NULL) {
		if (st->id < n)
			seen[st->id]++;
		visits++;
	}
	return visits;
}

static void test_walk_once(void)
{
	enum { N = 20000 };
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	unsigned char *seen = calloc(N, 1);
	size_t i, cur = 0;

	T_CHECK(pfs_table_next(t, &cur) == NULL);
	for (i = 0; i < N; i++)
		ins(t, i, 7, (uint32_t)i);
	/* punch holes so the walk has dead slots to skip */
	for (i = 0; i < N; i += 5)
		pfs_table_remove(t, pfs_table_find_id(t, i, 7));
	T_EQ(walk_count(t, seen, N), N - N / 5);
	for (i = 0; i < N; i++)
		T_EQ(seen[i], i % 5 != 0);
	cur = 0;
	while (pfs_table_next(t, &cur) != NULL)
		;
	T_CHECK(pfs_table_next(t, &cur) == NULL); /* stays at the end */
	free(seen);
	pfs_table_free(t);
}

static void test_walk_remove_current(void)
{
	enum { N = 10000 };
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	unsigned char *seen = calloc(N, 1);
	struct pfs_state *st;
	size_t i, cur = 0, visits = 0;

	for (i = 0; i < N; i++)
		ins(t, i, 7, (uint32_t)i);
	while ((st = pfs_table_next(t, &cur)) != NULL) {
		seen[st->id]++;
		visits++;
		pfs_table_remove(t, st);
	}
	T_EQ(visits, N);
	T_EQ(pfs_table_count(t), 0);
	for (i = 0; i < N; i++)
		T_EQ(seen[i], 1);
	free(seen);
	pfs_table_free(t);
}

/*
 * While visiting id i, remove id i + 1 (not visited yet, in slot order)
 * and id i - 1 (already visited): the walk must skip the first kind and
 * visit everything else exactly once.
 */
static void test_walk_remove_others(void)
{
	enum { N = 9000 };
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	unsigned char *seen = calloc(N, 1);
	struct pfs_state *st, *o;
	size_t i, cur = 0;

	for (i = 0; i < N; i++)
		ins(t, i, 7, (uint32_t)i);
	while ((st = pfs_table_next(t, &cur)) != NULL) {
		seen[st->id]++;
		if (st->id % 3 != 0)
			continue;
		o = pfs_table_find_id(t, st->id + 1, 7);
		if (o != NULL)
			pfs_table_remove(t, o);
		o = st->id >= 1 ? pfs_table_find_id(t, st->id - 1, 7) : NULL;
		if (o != NULL)
			pfs_table_remove(t, o);
	}
	for (i = 0; i < N; i++)
		T_EQ(seen[i], i % 3 != 1);
	T_EQ(pfs_table_count(t), N / 3 + 1); /* multiples of 3, and N-1 */
	free(seen);
	pfs_table_free(t);
}

static void test_slot_reuse(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_state *a, *b, *c;
	size_t mem, i;

	a = ins(t, 1, 1, 1);
	b = ins(t, 2, 1, 2);
	pfs_table_remove(t, a);
	c = ins(t, 3, 1, 3);
	T_CHECK(c == a); /* the freed slot is reused first */
	T_EQ(c->id, 3);
	T_CHECK(pfs_table_find_id(t, 2, 1) == b);
	/* churn does not grow the table */
	for (i = 0; i < 5000; i++)
		ins(t, 100 + i, 2, 100 + (uint32_t)i);
	mem = pfs_table_memory(t);
	for (i = 0; i < 50000; i++) {
		pfs_table_remove(t, pfs_table_find_id(t, 100 + i, 2));
		T_CHECK(ins(t, 5100 + i, 2, 5100 + (uint32_t)i) != NULL);
	}
	T_EQ(pfs_table_memory(t), mem);
	T_EQ(pfs_table_count(t), 5002);
	pfs_table_free(t);
}

/* 300 000 states through many rehashes; early pointers stay valid. */
static void test_growth(void)
{
	enum { N = 300000 };
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_state **ptr = malloc(N * sizeof(*ptr)), *q;
	size_t i, mem0 = pfs_table_memory(t);
	int bad = 0;

	for (i = 0; i < N; i++) {
		ptr[i] = ins(t, i * 7919, 3, (uint32_t)i);
		if (ptr[i] == NULL)
			bad++;
	}
	T_EQ(bad, 0);
	T_EQ(pfs_table_count(t), N);
	T_CHECK(pfs_table_memory(t) > mem0);
	/* the budget: 256 bytes a state, indexes and chunk slack included */
	T_CHECK(pfs_table_memory(t) <= (size_t)N * 256);
	for (i = 0; i < N; i++) {
		if (pfs_table_find_id(t, i * 7919, 3) != ptr[i] ||
		    !find_by_k(t, (uint32_t)i, &q) || q != ptr[i] ||
		    ptr[i]->rule != i)
			bad++;
	}
	T_EQ(bad, 0);
	pfs_table_free(t);
	free(ptr);
}

/*
 * Batches of every length up to 40 (several groups of 16) with hits,
 * misses and duplicates give exactly the single lookups' answers, by id
 * and by key, including after removals.
 */
static uint32_t batch_k(uint32_t seed, size_t i)
{
	return (seed * 2654435761u + (uint32_t)i * 40503u) % 3300;
}

static int batch_agrees(const struct pfs_table *t, size_t n, uint32_t seed)
{
	uint64_t ids[40] = {0};
	uint32_t cr[40] = {0};
	struct pfs_flowkey keys[40];
	struct pfs_state *a[40], *b[40], st;
	size_t i;
	int bad = 0;

	for (i = 0; i < n; i++) {
		/* a third miss; every 7th repeats entry i / 2 */
		uint32_t k = batch_k(seed, i % 7 == 0 ? i / 2 : i);

		ids[i] = k;
		cr[i] = 5;
		mk_state(&st, 0, 0, k);
		pfs_state_flowkey(&st, &keys[i]);
	}
	memset(a, 0x5a, sizeof(a));
	memset(b, 0x5a, sizeof(b));
	pfs_table_find_id_batch(t, n, ids, cr, a);
	pfs_table_find_key_batch(t, n, keys, b);
	for (i = 0; i < n; i++) {
		bad += a[i] != pfs_table_find_id(t, ids[i], cr[i]);
		bad += b[i] != pfs_table_find_key(t, &keys[i]);
		bad += a[i] != b[i]; /* id k and key k are one state here */
	}
	return bad;
}

static void test_batch(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_state *p;
	uint64_t ids[3] = {6, 6, 999999};
	uint32_t cr[3] = {5, 5, 5};
	struct pfs_state *out[3];
	uint32_t k;
	size_t n;
	int bad = 0, hits = 0;

	for (k = 0; k < 3000; k += 3)
		T_CHECK(ins(t, k, 5, k) != NULL);
	for (k = 1; k < 3000; k += 3)
		T_CHECK(ins(t, k, 5, k) != NULL);
	for (k = 1; k < 3000; k += 6) /* removed: misses next to hits */
		pfs_table_remove(t, pfs_table_find_id(t, k, 5));
	for (n = 0; n <= 40; n++)
		bad += batch_agrees(t, n, (uint32_t)n + 1);
	T_EQ(bad, 0);
	/* a duplicate gets the same pointer, a miss NULL */
	pfs_table_find_id_batch(t, 3, ids, cr, out);
	T_CHECK(out[0] != NULL && out[0] == out[1]);
	T_EQ(out[0]->id, 6);
	T_CHECK(out[2] == NULL);
	/* the empty table: every lookup misses */
	pfs_table_clear(t);
	pfs_table_find_id_batch(t, 3, ids, cr, out);
	for (n = 0; n < 3; n++)
		hits += out[n] != NULL;
	T_EQ(hits, 0);
	p = ins(t, 6, 5, 6);
	pfs_table_find_id_batch(t, 3, ids, cr, out);
	T_CHECK(out[0] == p && out[1] == p && out[2] == NULL);
	pfs_table_free(t);
}

/*
 * A batched insert of 45 states (some repeating an id or a key of an
 * earlier one in the batch, some of a state already stored) succeeds and
 * fails exactly where single inserts into a twin table do.
 */
static void test_insert_batch(void)
{
	struct pfs_table *a = pfs_table_new(0, T_HASHKEY);
	struct pfs_table *b = pfs_table_new(0, T_HASHKEY);
	struct pfs_state sts[45], *out[45], *q;
	size_t i, done;
	int bad = 0;

	T_CHECK(ins(a, 3, 9, 3) != NULL && ins(b, 3, 9, 3) != NULL);
	for (i = 0; i < 45; i++) {
		/* id i % 30: 15 id repeats; key i % 37: 8 key repeats */
		mk_state(&sts[i], i % 30, 9, (uint32_t)(i % 37));
		sts[i].expire = (uint32_t)i;
	}
	errno = 0;
	done = pfs_table_insert_batch(a, 45, sts, out);
	T_EQ(errno, EEXIST);
	for (i = 0; i < 45; i++) {
		q = pfs_table_insert(b, &sts[i]);
		bad += (q == NULL) != (out[i] == NULL);
		bad += out[i] != NULL &&
		       memcmp(out[i], &sts[i], sizeof(sts[i])) != 0;
	}
	T_EQ(bad, 0);
	T_EQ(pfs_table_count(a), pfs_table_count(b));
	T_EQ(done + 1, pfs_table_count(a));
	T_CHECK(done > 20 && done < 45);
	/* the same element won each id in both tables */
	for (i = 0; i < 30; i++) {
		q = pfs_table_find_id(a, i, 9);
		bad += (q == NULL) != (pfs_table_find_id(b, i, 9) == NULL);
		bad += q != NULL &&
		       q->expire != pfs_table_find_id(b, i, 9)->expire;
	}
	T_EQ(bad, 0);
	pfs_table_free(a);
	pfs_table_free(b);
}

/*
 * Many states whose 32-bit index hashes collide would break an index
 * that trusted its hash tags.  Ids that differ only above bit 63 cannot
 * be made, but a table this large has real 32-bit collisions among its
 * hashes (about n^2 / 2^33): 200 000 states give a handful, and every
 * state must still be found by id and by key, singly and in batches.
 */
static void test_many_batched(void)
{
	enum { N = 200000 };
	struct pfs_table *t = pfs_table_new(N, T_HASHKEY);
	static uint64_t ids[N];
	static uint32_t cr[N];
	static struct pfs_state *out[N];
	size_t i;
	int bad = 0;

	for (i = 0; i < N; i++) {
		ids[i] = (uint64_t)i << 40 | i;
		cr[i] = (uint32_t)i * 31u;
		bad += ins(t, ids[i], cr[i], (uint32_t)i) == NULL;
	}
	T_EQ(bad, 0);
	pfs_table_find_id_batch(t, N, ids, cr, out);
	for (i = 0; i < N; i++)
		bad += out[i] == NULL || out[i]->rule != i;
	T_EQ(bad, 0);
	for (i = 0; i < N; i += 2)
		pfs_table_remove(t, out[i]);
	pfs_table_find_id_batch(t, N, ids, cr, out);
	for (i = 0; i < N; i++)
		bad += (out[i] == NULL) != (i % 2 == 0);
	T_EQ(bad, 0);
	T_EQ(pfs_table_count(t), N / 2);
	pfs_table_free(t);
}

/* ---- randomized comparison with an array model ---------------------- */

enum { M_IDS = 4096, M_KEYS = 3000, M_OPS = 400000 };

struct model {
	int key_of[M_IDS];   /* key index of a live id, or -1 */
	int id_of[M_KEYS];   /* id index holding a key, or -1 */
	uint32_t tag[M_IDS]; /* value stored in st->expire */
	size_t count;
};

static uint64_t rng_state = 0x1234567887654321ULL;

static uint32_t rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return (uint32_t)((rng_state >> 11) % n);
}

/* id index -> (id, creator): 4 creators with small, colliding ids */
static uint64_t m_id(int i)
{
	return (uint64_t)(i >> 2);
}

static uint32_t m_creator(int i)
{
	return 0x1000u + (uint32_t)(i & 3);
}

static int m_insert(struct pfs_table *t, struct model *m, int i, int k)
{
	struct pfs_state st, *p;
	int expect = m->key_of[i] < 0 && m->id_of[k] < 0;

	mk_state(&st, m_id(i), m_creator(i), (uint32_t)k);
	st.expire = rnd(1u << 30);
	errno = 0;
	p = pfs_table_insert(t, &st);
	if (!expect)
		return p == NULL && errno == EEXIST;
	if (p == NULL || memcmp(p, &st, sizeof(st)) != 0)
		return 0;
	m->key_of[i] = k;
	m->id_of[k] = i;
	m->tag[i] = st.expire;
	m->count++;
	return 1;
}

static int m_remove(struct pfs_table *t, struct model *m, int i)
{
	struct pfs_state *p = pfs_table_find_id(t, m_id(i), m_creator(i));

	if ((p != NULL) != (m->key_of[i] >= 0))
		return 0;
	if (p == NULL)
		return 1;
	pfs_table_remove(t, p);
	m->id_of[m->key_of[i]] = -1;
	m->key_of[i] = -1;
	m->count--;
	return 1;
}

static int m_find_key(const struct pfs_table *t, const struct model *m, int k)
{
	struct pfs_state *p;
	int i = m->id_of[k];

	if (find_by_k(t, (uint32_t)k, &p) != (i >= 0))
		return 0;
	return i < 0 || (p->id == m_id(i) && p->creatorid == m_creator(i) &&
			 p->expire == m->tag[i] && p->rule == (uint32_t)k);
}

static void m_clear_creator(struct pfs_table *t, struct model *m, uint32_t c)
{
	size_t n = 0;
	int i;

	for (i = 0; i < M_IDS; i++) {
		if (m_creator(i) != c || m->key_of[i] < 0)
			continue;
		m->id_of[m->key_of[i]] = -1;
		m->key_of[i] = -1;
		n++;
	}
	m->count -= n;
	T_EQ(pfs_table_clear_creator(t, c), n);
}

static int m_walk(const struct pfs_table *t, const struct model *m)
{
	struct pfs_state *p;
	size_t cur = 0, n = 0;

	while ((p = pfs_table_next(t, &cur)) != NULL) {
		int i = (int)(p->id << 2 | (p->creatorid & 3));

		if (m->key_of[i] < 0 || p->rule != (uint32_t)m->key_of[i])
			return 0;
		n++;
	}
	return n == m->count;
}

static void test_random_model(void)
{
	static struct model m;
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	int op, bad = 0;
	uint32_t r;
	int i, k;

	memset(m.key_of, 0xff, sizeof(m.key_of));
	memset(m.id_of, 0xff, sizeof(m.id_of));
	m.count = 0;
	for (op = 0; op < M_OPS; op++) {
		r = rnd(1000);
		i = (int)rnd(M_IDS);
		k = (int)rnd(M_KEYS);
		if (r < 450)
			bad += !m_insert(t, &m, i, k);
		else if (r < 750)
			bad += !m_remove(t, &m, i);
		else if (r < 998)
			bad += !m_find_key(t, &m, k);
		else if (r < 999)
			m_clear_creator(t, &m, m_creator((int)rnd(4)));
		else
			bad += !m_walk(t, &m);
		if (pfs_table_count(t) != m.count)
			bad++;
		if (bad)
			break;
	}
	T_EQ(bad, 0);
	T_CHECK(m_walk(t, &m));
	pfs_table_free(t);
}

/* ---- hash flooding (security review H1) ------------------------------- */

/*
 * The table's hashes before they were keyed: a fixed, invertible
 * multiply-xorshift (Ki odd, so each step can be undone).  The attack
 * tests build their inputs with its inverse, as an attacker could.
 */
#define T_OTHERKEY ((const uint8_t *)"another test key")

#define OLD_K0 0x9e3779b97f4a7c15ULL
#define OLD_K1 0xd0b2529a9b0457cfULL
#define OLD_K2 0xcde75e99d77ad8e9ULL
#define OLD_K3 0xaa1a637cb4185189ULL
#define OLD_K4 0xe3c1b5a2f0d94e27ULL

/* The multiplicative inverse of an odd k modulo 2^64 (Newton). */
static uint64_t old_inv(uint64_t k)
{
	uint64_t x = k;
	int i;

	for (i = 0; i < 6; i++)
		x *= 2 - k * x;
	return x;
}

static uint64_t old_unmix(uint64_t x)
{
	x ^= x >> 32;
	x *= old_inv(OLD_K2);
	x ^= (x >> 29) ^ (x >> 58);
	x *= old_inv(OLD_K1);
	x ^= x >> 32;
	return x;
}

static uint64_t old_mix(uint64_t x)
{
	x ^= x >> 32;
	x *= OLD_K1;
	x ^= x >> 29;
	x *= OLD_K2;
	x ^= x >> 32;
	return x;
}

static uint64_t old_w64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* An id whose old id hash is top (j makes each one different). */
static uint64_t old_id_for(uint32_t top, uint32_t j, uint32_t creator)
{
	return old_unmix((uint64_t)top << 32 | j) ^ (uint64_t)creator * OLD_K0;
}

/*
 * An IPv6 state from the client's /64 2001:db8:0:1::/64 to a server,
 * whose old key hash is top: the client chooses its interface id (the
 * lan address's low 64 bits), which the old hash multiplied by K2.
 */
static void old_v6_state(struct pfs_state *st, uint64_t id, uint32_t top,
			 uint32_t j)
{
	uint64_t hdr, x;

	memset(st, 0, sizeof(*st));
	st->id = id;
	st->creatorid = 9;
	st->af = AF_INET6;
	st->proto = 58;
	st->direction = PFS_DIR_IN;
	st->lan.addr.a[0] = 0x20;
	st->lan.addr.a[1] = 0x01;
	st->lan.addr.a[2] = 0x0d;
	st->lan.addr.a[3] = 0xb8;
	st->lan.addr.a[7] = 1;
	st->lan.port = 7;
	st->ext.addr.a[0] = 0x20;
	st->ext.addr.a[1] = 0x01;
	st->ext.addr.a[2] = 0x0d;
	st->ext.addr.a[3] = 0xb8;
	st->ext.addr.a[15] = 1;
	st->ext.port = 7;
	hdr = (uint64_t)st->af << 48 | (uint64_t)st->proto << 40 |
	      (uint64_t)st->direction << 32 | (uint64_t)st->lan.port << 16 |
	      st->ext.port;
	x = old_unmix((uint64_t)top << 32 | j) - hdr * OLD_K0 -
	    old_w64(st->lan.addr.a) * OLD_K1 -
	    old_w64(st->ext.addr.a) * OLD_K3 -
	    old_w64(st->ext.addr.a + 8) * OLD_K4;
	x *= old_inv(OLD_K2);
	memcpy(st->lan.addr.a + 8, &x, sizeof(x));
	memcpy(st->gwy.addr.a, st->lan.addr.a, sizeof(st->gwy.addr.a));
}

/* The old key hash of an IPv6 state without a zone. */
static uint32_t old_v6_hash(const struct pfs_state *st)
{
	uint64_t hdr, x;

	hdr = (uint64_t)st->af << 48 | (uint64_t)st->proto << 40 |
	      (uint64_t)st->direction << 32 | (uint64_t)st->lan.port << 16 |
	      st->ext.port;
	x = old_w64(st->lan.addr.a) * OLD_K1 +
	    old_w64(st->lan.addr.a + 8) * OLD_K2 +
	    old_w64(st->ext.addr.a) * OLD_K3 +
	    old_w64(st->ext.addr.a + 8) * OLD_K4;
	return (uint32_t)(old_mix(x + hdr * OLD_K0) >> 32);
}

/* Ordinary states still go in: k from base, ids from base too. */
static int ins_ordinary(struct pfs_table *t, uint32_t base, int n)
{
	int i, ok = 0;

	for (i = 0; i < n; i++)
		ok += ins(t, base + (uint64_t)i, 3, base + (uint32_t)i) != NULL;
	return ok;
}

/* 64 ids whose old hash is 0xFFFFFFFF (a peer's INS of 64 states). */
static void test_flood_id_tail(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_state st;
	int i, ok = 0, bad = 0;

	for (i = 0; i < 64; i++) {
		mk_state(&st, old_id_for(0xffffffffu, (uint32_t)i, 7), 7,
			 500000u + (uint32_t)i);
		bad += old_mix(st.id ^ 7 * OLD_K0) >> 32 != 0xffffffffu;
		ok += pfs_table_insert(t, &st) != NULL;
	}
	T_EQ(bad, 0); /* the attack's ids are right */
	T_EQ(ok, 64);
	T_CHECK(ins(t, 1, 3, 1) != NULL);
	T_EQ(ins_ordinary(t, 1000, 10000), 10000);
	T_EQ(pfs_table_count(t), 64 + 1 + 10000);
	pfs_table_free(t);
}

/* 64 IPv6 sources of one /64 whose old key hash is 0xFFFFFFFF (pings
 * through the firewall, with the conntrack backend). */
static void test_flood_key_tail(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_state st;
	struct pfs_flowkey k;
	int i, ok = 0, found = 0, bad = 0;

	for (i = 0; i < 64; i++) {
		old_v6_state(&st, 100000u + (uint64_t)i, 0xffffffffu,
			     (uint32_t)i);
		bad += old_v6_hash(&st) != 0xffffffffu;
		ok += pfs_table_insert(t, &st) != NULL;
	}
	T_EQ(bad, 0); /* the attack's sources are right */
	T_EQ(ok, 64);
	T_CHECK(ins(t, 1, 3, 1) != NULL);
	T_EQ(ins_ordinary(t, 1000, 10000), 10000);
	for (i = 0; i < 64; i++) {
		old_v6_state(&st, 100000u + (uint64_t)i, 0xffffffffu,
			     (uint32_t)i);
		pfs_state_flowkey(&st, &k);
		found += pfs_table_find_key(t, &k) != NULL;
	}
	T_EQ(found, 64);
	pfs_table_free(t);
}

/*
 * 20 000 states whose ids and flow keys all had one hash under the old
 * mix (0x80000000, mid-range: one run every lookup and insert scanned
 * whole, O(n^2) in all): now no operation reads more cells than among
 * 20 000 ordinary states, give or take.
 */
static void test_flood_equal_old_hash(void)
{
	enum { N = 20000 };
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_table *o = pfs_table_new(0, T_HASHKEY);
	struct pfs_state st;
	size_t crafted, ordinary;
	int i, ok = 0, bad = 0;

	for (i = 0; i < N; i++) {
		old_v6_state(&st, old_id_for(0x80000000u, (uint32_t)i, 9),
			     0x80000000u, (uint32_t)i);
		bad += old_v6_hash(&st) != 0x80000000u ||
		       old_mix(st.id ^ 9 * OLD_K0) >> 32 != 0x80000000u;
		ok += pfs_table_insert(t, &st) != NULL;
	}
	T_EQ(bad, 0);
	T_EQ(ok, N);
	T_EQ(ins_ordinary(o, 1, N), N);
	crafted = pfs_table_probe_max(t);
	ordinary = pfs_table_probe_max(o);
	T_CHECK(crafted <= 2 * ordinary + 16);
	T_CHECK(crafted < 100); /* was 20 000 under the old mix */
	pfs_table_free(t);
	pfs_table_free(o);
}

/* An id of creator 9 whose id hash under T_HASHKEY (table.c: pfs_msh of
 * the id and the creator) is in its top 1/4096: the last home of any
 * index of up to 4096 homes (the search an attacker who knew the key
 * could make). */
static uint64_t id_at_end(uint64_t from)
{
	struct pfs_hashkey hk;
	struct pfs_msh m;
	uint64_t w[2] = {from, 9};

	pfs_hashkey_set(&hk, T_HASHKEY);
	pfs_msh_init(&m, &hk);
	while (pfs_msh(&m, w, 2) >> 52 != 0xfff)
		w[0]++;
	return w[0];
}

/*
 * 300 ids that all land on the last home under the test key make one
 * run past it: the tail grows with it (it was 64 cells), inserts and
 * growths go on, and everything is found.  Under another key the same
 * ids are scattered: the key is what places them.
 */
static void test_hash_keyed_tail(void)
{
	enum { N = 300, M = 5000 };
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_table *u = pfs_table_new(0, T_OTHERKEY);
	static uint64_t ids[N];
	struct pfs_state st;
	int i, ok = 0, found = 0;

	for (i = 0; i < N; i++) {
		ids[i] = id_at_end(i ? ids[i - 1] + 1 : 1);
		mk_state(&st, ids[i], 9, 900000u + (uint32_t)i);
		ok += pfs_table_insert(t, &st) != NULL;
		ok += pfs_table_insert(u, &st) != NULL;
	}
	T_EQ(ok, 2 * N);
	T_CHECK(pfs_table_probe_max(t) >= N);
	T_CHECK(pfs_table_probe_max(u) < N / 4);
	T_EQ(ins_ordinary(t, 1, M), M); /* through several growths */
	for (i = 0; i < N; i++)
		found += pfs_table_find_id(t, ids[i], 9) != NULL;
	T_EQ(found, N);
	T_EQ(pfs_table_count(t), N + M);
	pfs_table_free(t);
	pfs_table_free(u);
}

/* A derived key depends on the label and on the table's key. */
static void test_subkey(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_table *u = pfs_table_new(0, T_OTHERKEY);
	uint8_t a[PFS_HASHKEY_LEN], b[PFS_HASHKEY_LEN], c[PFS_HASHKEY_LEN];

	pfs_table_subkey(t, 1, a);
	pfs_table_subkey(t, 2, b);
	pfs_table_subkey(u, 1, c);
	T_CHECK(memcmp(a, b, sizeof(a)) != 0);
	T_CHECK(memcmp(a, c, sizeof(a)) != 0);
	pfs_table_subkey(t, 1, b);
	T_MEMEQ(a, b, sizeof(a));
	errno = 0;
	T_CHECK(pfs_table_new(0, NULL) == NULL && errno == EINVAL);
	pfs_table_free(t);
	pfs_table_free(u);
}

int main(void)
{
	T_RUN(test_flowkey);
	T_RUN(test_insert_find_remove);
	T_RUN(test_duplicates);
	T_RUN(test_key_bytes);
	T_RUN(test_clear_creator);
	T_RUN(test_walk_once);
	T_RUN(test_walk_remove_current);
	T_RUN(test_walk_remove_others);
	T_RUN(test_slot_reuse);
	T_RUN(test_growth);
	T_RUN(test_batch);
	T_RUN(test_insert_batch);
	T_RUN(test_many_batched);
	T_RUN(test_random_model);
	T_RUN(test_flood_id_tail);
	T_RUN(test_flood_key_tail);
	T_RUN(test_flood_equal_old_hash);
	T_RUN(test_hash_keyed_tail);
	T_RUN(test_subkey);
	return t_done();
}
