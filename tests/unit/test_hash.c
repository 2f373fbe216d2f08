/*
 * test_hash.c - the keyed hash of the indexes (hash.h): its SipHash is
 * libsodium's (crypto_shorthash is SipHash-2-4, the same code with more
 * rounds), the key is used, and the word layout is SipHash's bytes.
 */
#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/hash.h"
#include "t.h"

static int cmp32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return (a > b) - (a < b);
}

/* Little-endian bytes of w[0 .. n-1]: what SipHash reads of n words. */
static void le_bytes(const uint64_t *w, size_t n, uint8_t *out)
{
	size_t i, b;

	for (i = 0; i < n; i++)
		for (b = 0; b < 8; b++)
			out[8 * i + b] = (uint8_t)(w[i] >> (8 * b));
}

static uint64_t le64(const uint8_t *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* SipHash-2-4 of 0 to 8 words equals libsodium's, for several keys. */
static void test_siphash24_is_sodiums(void)
{
	uint8_t key[PFS_HASHKEY_LEN], in[64], out[crypto_shorthash_BYTES];
	struct pfs_hashkey hk;
	uint64_t w[8];
	size_t n, i;
	int bad = 0, k;

	for (k = 0; k < 16; k++) {
		for (i = 0; i < sizeof(key); i++)
			key[i] = (uint8_t)(k * 37 + i * 11);
		pfs_hashkey_set(&hk, key);
		for (n = 0; n <= 8; n++) {
			for (i = 0; i < n; i++)
				w[i] = (uint64_t)(k + 1) * 0x0123456789abcdefULL ^
				       i << 40 ^ n;
			le_bytes(w, n, in);
			crypto_shorthash(out, in, 8 * n, key);
			bad += pfs_siphash(&hk, w, n, 2, 4) != le64(out);
		}
	}
	T_EQ(bad, 0);
}

/* The indexes' hash (1-3) is another function, and depends on the key. */
static void test_hash_keyed(void)
{
	struct pfs_hashkey a, b;
	int i, same = 0;

	pfs_hashkey_set(&a, (const uint8_t *)"pfsyncd test key");
	pfs_hashkey_set(&b, (const uint8_t *)"pfsyncd test kez");
	for (i = 0; i < 1000; i++) {
		same += pfs_hash2(&a, (uint64_t)i, 7) ==
			pfs_hash2(&b, (uint64_t)i, 7);
		same += pfs_hash2(&a, (uint64_t)i, 7) ==
			pfs_siphash(&a, (const uint64_t[]){(uint64_t)i, 7},
				    2, 2, 4);
	}
	T_EQ(same, 0);
	/* the words hashed are all used: the creator, the id's top bits */
	T_CHECK(pfs_hash2(&a, 1, 7) != pfs_hash2(&a, 1, 8));
	T_CHECK(pfs_hash2(&a, 1, 7) != pfs_hash2(&a, 1 | 1ULL << 63, 7));
}

/*
 * The table's family: it depends on the key, on every word, and 100 000
 * dense ids (pf counts them up) give about as many equal 32-bit hashes
 * as random ones would: C(100000, 2) / 2^32, 1.2 expected.
 */
static void test_msh(void)
{
	enum { N = 100000 };
	static uint32_t h[N];
	struct pfs_hashkey ka, kb;
	struct pfs_msh a, b;
	uint64_t w[6] = {0};
	int i, j, same = 0, eq = 0;

	pfs_hashkey_set(&ka, (const uint8_t *)"pfsyncd test key");
	pfs_hashkey_set(&kb, (const uint8_t *)"pfsyncd test kez");
	pfs_msh_init(&a, &ka);
	pfs_msh_init(&b, &kb);
	for (i = 0; i < 1000; i++) {
		w[0] = (uint64_t)i;
		same += pfs_msh(&a, w, 2) == pfs_msh(&b, w, 2);
	}
	T_EQ(same, 0);
	w[0] = 1;
	for (j = 0; j < 6; j++) {
		uint64_t h0 = pfs_msh(&a, w, 6);

		w[j] ^= 1ULL << 63;
		same += pfs_msh(&a, w, 6) == h0;
		w[j] ^= 1ULL << 63;
	}
	T_EQ(same, 0);
	for (i = 0; i < N; i++) {
		w[0] = 0x5f00000000000000ULL + (uint64_t)i;
		w[1] = 0x51000000u;
		h[i] = (uint32_t)(pfs_msh(&a, w, 2) >> 32);
	}
	qsort(h, N, sizeof(h[0]), cmp32);
	for (i = 1; i < N; i++)
		eq += h[i] == h[i - 1];
	T_CHECK(eq <= 8);
}

/* The family computed from 64-bit halves (32-bit targets) is the one
 * computed in 128-bit integers, and so is its 128-bit product. */
static void test_msh_halves(void)
{
	const uint64_t edge[] = {0, 1, 0xffffffffu, 0x100000000ULL,
				 0x8000000000000000ULL, ~0ULL};
	struct pfs_hashkey k;
	struct pfs_msh m;
	uint64_t x = 0x0123456789abcdefULL, w[6];
	int i, j, bad = 0;

	pfs_hashkey_set(&k, (const uint8_t *)"pfsyncd test key");
	pfs_msh_init(&m, &k);
	for (i = 0; i < 10000; i++) {
		for (j = 0; j < 6; j++) {
			x = x * 6364136223846793005ULL + 1442695040888963407ULL;
			w[j] = i < 36 ? edge[(i + j) % 6] : x ^ x >> 29;
		}
		bad += pfs_msh(&m, w, 6) != pfs_msh_halves(&m, w, 6);
		bad += pfs_msh(&m, w, 2) != pfs_msh_halves(&m, w, 2);
	}
	T_EQ(bad, 0);
#ifdef __SIZEOF_INT128__
	for (i = 0; i < 36; i++) {
		__extension__ unsigned __int128 r =
		    (unsigned __int128)edge[i / 6] * edge[i % 6];
		struct pfs_prod p = pfs_mul64_halves(edge[i / 6], edge[i % 6]);

		bad += p.lo != (uint64_t)r || p.hi != (uint64_t)(r >> 64);
	}
	T_EQ(bad, 0);
#endif
}

int main(void)
{
	if (sodium_init() < 0)
		return 1;
	T_RUN(test_siphash24_is_sodiums);
	T_RUN(test_hash_keyed);
	T_RUN(test_msh);
	T_RUN(test_msh_halves);
	return t_done();
}
