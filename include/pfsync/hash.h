/*
 * hash.h - keyed hashing for the hashed indexes (the state table's two,
 * the tombs, the daemon's write queue): SipHash-1-3 of a few 64-bit words
 * under a 128-bit secret key.
 *
 * Why a key: the inputs (ids, flow keys) are chosen by peers and by
 * hosts whose traffic crosses the firewall.  A hash anyone can compute,
 * let alone invert, lets them choose inputs that all land on one cell:
 * 64 such flow keys used to block every insert into the state table
 * (security review H1).  SipHash is a pseudorandom function: without the
 * key its outputs cannot be predicted, so collisions cannot be chosen.
 * 1 compression and 3 finalisation rounds (SipHash-1-3, the hash of the
 * Rust standard library's HashMap) cost about a third of SipHash-2-4 on
 * these short inputs, which keeps the table within its budget.
 *
 * The key is the caller's: lib/ draws no randomness.  pfsyncd fills it
 * with randombytes_buf at start; tests pass fixed keys.  Words are hashed
 * as the little-endian bytes of SipHash's definition on little-endian
 * hosts (elsewhere as their in-memory order: still SipHash, of other
 * bytes), so the n-word hash of a key is SipHash-1-3 of 8n bytes.
 */
#ifndef PFSYNC_HASH_H
#define PFSYNC_HASH_H

#include <stddef.h>
#include <stdint.h>

#define PFS_HASHKEY_LEN 16

struct pfs_hashkey {
	uint64_t k0, k1;
};

/* The key from its 16 bytes (little-endian halves, as SipHash reads). */
static inline void pfs_hashkey_set(struct pfs_hashkey *hk,
				   const uint8_t key[PFS_HASHKEY_LEN])
{
	int i;

	hk->k0 = hk->k1 = 0;
	for (i = 7; i >= 0; i--) {
		hk->k0 = hk->k0 << 8 | key[i];
		hk->k1 = hk->k1 << 8 | key[8 + i];
	}
}

struct pfs_sip {
	uint64_t v0, v1, v2, v3;
};

static inline uint64_t pfs_sip_rotl(uint64_t x, int b)
{
	return x << b | x >> (64 - b);
}

static inline void pfs_sip_round(struct pfs_sip *s)
{
	s->v0 += s->v1;
	s->v1 = pfs_sip_rotl(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = pfs_sip_rotl(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = pfs_sip_rotl(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = pfs_sip_rotl(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = pfs_sip_rotl(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = pfs_sip_rotl(s->v2, 32);
}

static inline void pfs_sip_block(struct pfs_sip *s, uint64_t m, int c)
{
	int i;

	s->v3 ^= m;
	for (i = 0; i < c; i++)
		pfs_sip_round(s);
	s->v0 ^= m;
}

/*
 * SipHash-c-d of the n words w (8n bytes, so the last block is only the
 * length).  Inlined with constant n, c and d, the loops unroll.
 */
static inline uint64_t pfs_siphash(const struct pfs_hashkey *hk,
				   const uint64_t *w, size_t n, int c, int d)
{
	struct pfs_sip s = {
	    hk->k0 ^ 0x736f6d6570736575ULL, hk->k1 ^ 0x646f72616e646f6dULL,
	    hk->k0 ^ 0x6c7967656e657261ULL, hk->k1 ^ 0x7465646279746573ULL};
	size_t i;
	int r;

	for (i = 0; i < n; i++)
		pfs_sip_block(&s, w[i], c);
	pfs_sip_block(&s, (uint64_t)(n * 8) << 56, c);
	s.v2 ^= 0xff;
	for (r = 0; r < d; r++)
		pfs_sip_round(&s);
	return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

/* The hash of the indexes: SipHash-1-3 of n words. */
static inline uint64_t pfs_hash_words(const struct pfs_hashkey *hk,
				      const uint64_t *w, size_t n)
{
	return pfs_siphash(hk, w, n, 1, 3);
}

/* Two words, the common case (an id and its creator). */
static inline uint64_t pfs_hash2(const struct pfs_hashkey *hk, uint64_t a,
				 uint64_t b)
{
	const uint64_t w[2] = {a, b};

	return pfs_hash_words(hk, w, 2);
}

#endif
