/*
 * hash.h - keyed hashing for the hashed indexes, all under a 16-byte
 * secret key: SipHash-1-3 of a few 64-bit words for the small sets (the
 * tombs, the daemon's write queue and id set), and a faster strongly
 * universal family (pfs_msh, below) for the state table's two indexes.
 *
 * Why a key: the inputs (ids, flow keys) are chosen by peers and by
 * hosts whose traffic crosses the firewall.  A hash anyone can compute,
 * let alone invert, lets them choose inputs that all land on one cell:
 * 64 such flow keys used to block every insert into the state table
 * (security review H1).  SipHash is a pseudorandom function: without the
 * key its outputs cannot be predicted, so collisions cannot be chosen.
 * 1 compression and 3 finalisation rounds (SipHash-1-3, the hash of the
 * Rust standard library's HashMap) cost about a third of SipHash-2-4 on
 * these short inputs.
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

/* The small sets' hash: SipHash-1-3 of n words. */
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

/*
 * The state table's indexes take a faster family: a lookup there costs
 * tens of nanoseconds, and SipHash-1-3 (about 100 instructions for two
 * words) made bench_table's inserts and batched lookups 10-17 % slower,
 * single lookups 53 % (fewer of them overlap in the CPU).
 *
 * Multiply-shift over vectors (Dietzfelbinger; Thorup, "High speed
 * hashing for integers and strings", 2015): with a_i and b drawn
 * uniformly from [0, 2^128), the high 64 bits of sum(a_i * x_i) + b
 * mod 2^128 are strongly universal for vectors of 64-bit words.  For
 * any two different inputs an outsider picks without the key, the two
 * hashes are independent and uniform: the chance they collide is 2^-64
 * (2^-32 for the 32 bits an index keeps), whatever the inputs, so no set
 * of inputs can be chosen to pile up, and no output can be aimed at
 * (the old fixed mix could be inverted).  A fixed multiply-xorshift
 * bijection then mixes the result: it keeps that independence, and
 * hides the family's linear structure (a collision someone might infer
 * from timing tells nothing linear about the key).  The a_i and b are
 * expanded from the 16-byte key by SipHash-2-4 used as a PRF.
 */
#define PFS_MSH_WORDS 6 /* longest input */

/*
 * A 128-bit number: the compiler's where it has one (64-bit targets:
 * one multiply and one imul a word), else two halves (i386, armhf).
 */
#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 pfs_u128;

static inline pfs_u128 pfs_u128_make(uint64_t hi, uint64_t lo)
{
	return (pfs_u128)hi << 64 | lo;
}

static inline uint64_t pfs_u128_lo(pfs_u128 x)
{
	return (uint64_t)x;
}

static inline uint64_t pfs_u128_hi(pfs_u128 x)
{
	return (uint64_t)(x >> 64);
}
#else
typedef struct {
	uint64_t lo, hi;
} pfs_u128;

static inline pfs_u128 pfs_u128_make(uint64_t hi, uint64_t lo)
{
	pfs_u128 x = {lo, hi};

	return x;
}

static inline uint64_t pfs_u128_lo(pfs_u128 x)
{
	return x.lo;
}

static inline uint64_t pfs_u128_hi(pfs_u128 x)
{
	return x.hi;
}
#endif

/* A product of two 64-bit words. */
struct pfs_prod {
	uint64_t lo, hi;
};

struct pfs_msh {
	pfs_u128 a[PFS_MSH_WORDS];
	pfs_u128 b;
};

/* The 128-bit product of a and b from 32-bit halves: any C compiler. */
static inline struct pfs_prod pfs_mul64_halves(uint64_t a, uint64_t b)
{
	uint64_t ll = (a & 0xffffffffu) * (b & 0xffffffffu);
	uint64_t lh = (a & 0xffffffffu) * (b >> 32);
	uint64_t hl = (a >> 32) * (b & 0xffffffffu);
	uint64_t mid = (ll >> 32) + (lh & 0xffffffffu) + (hl & 0xffffffffu);
	struct pfs_prod p;

	p.lo = mid << 32 | (ll & 0xffffffffu);
	p.hi = (a >> 32) * (b >> 32) + (lh >> 32) + (hl >> 32) + (mid >> 32);
	return p;
}

static inline pfs_u128 pfs_msh_prf(const struct pfs_hashkey *hk, uint64_t i)
{
	const uint64_t lo[2] = {0x70667368ULL /* "pfsh" */, 2 * i};
	const uint64_t hi[2] = {0x70667368ULL, 2 * i + 1};

	return pfs_u128_make(pfs_siphash(hk, hi, 2, 2, 4),
			     pfs_siphash(hk, lo, 2, 2, 4));
}

static inline void pfs_msh_init(struct pfs_msh *m,
				const struct pfs_hashkey *hk)
{
	int i;

	for (i = 0; i < PFS_MSH_WORDS; i++)
		m->a[i] = pfs_msh_prf(hk, (uint64_t)i);
	m->b = pfs_msh_prf(hk, PFS_MSH_WORDS);
}

/* The multiply-xorshift finaliser (odd multipliers: a bijection). */
static inline uint64_t pfs_msh_mix(uint64_t x)
{
	x ^= x >> 32;
	x *= 0xd0b2529a9b0457cfULL;
	x ^= x >> 29;
	x *= 0xcde75e99d77ad8e9ULL;
	x ^= x >> 32;
	return x;
}

/*
 * sum a_i * w_i + b mod 2^128 from 64-bit halves: each term's low word
 * is a_i.lo * w_i's (carried), its high word that product's high word
 * plus a_i.hi * w_i mod 2^64.  The hash where the compiler has no
 * 128-bit integers (i386, armhf).
 */
static inline uint64_t pfs_msh_halves(const struct pfs_msh *m,
				      const uint64_t *w, size_t n)
{
	uint64_t lo = pfs_u128_lo(m->b), hi = pfs_u128_hi(m->b);
	struct pfs_prod p;
	size_t i;

	for (i = 0; i < n; i++) {
		p = pfs_mul64_halves(pfs_u128_lo(m->a[i]), w[i]);
		lo += p.lo;
		hi += p.hi + pfs_u128_hi(m->a[i]) * w[i] + (lo < p.lo);
	}
	return pfs_msh_mix(hi);
}

/* The hash of w[0 .. n-1], n <= PFS_MSH_WORDS; inputs of different
 * lengths must differ in their common words or have a nonzero word
 * past the shorter (missing words count as 0). */
static inline uint64_t pfs_msh(const struct pfs_msh *m, const uint64_t *w,
			       size_t n)
{
#ifdef __SIZEOF_INT128__
	pfs_u128 s = m->b;
	size_t i;

	for (i = 0; i < n; i++)
		s += m->a[i] * w[i];
	return pfs_msh_mix((uint64_t)(s >> 64));
#else
	return pfs_msh_halves(m, w, n);
#endif
}

#endif
