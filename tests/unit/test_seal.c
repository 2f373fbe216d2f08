/*
 * test_seal.c - sealed packets: the AEAD against the XChaCha20-Poly1305
 * vector of draft-irtf-cfrg-xchacha (A.3.1), the byte layout of seal.h,
 * every single-byte change and every truncation rejected, the replay
 * window, and key rotation.
 */
#include <sodium.h>
#include <stdint.h>
#include <string.h>

#include "pfsync/seal.h"
#include "t.h"

static size_t t_hex(const char *hex, uint8_t *out)
{
	size_t n = 0;

	while (hex[0] != '\0' && hex[1] != '\0') {
		unsigned v;

		sscanf(hex, "%2x", &v);
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

/* draft-irtf-cfrg-xchacha-03, A.3.1: the primitive seal.c uses. */
static void test_vector_xchacha(void)
{
	static const char pt[] =
	    "Ladies and Gentlemen of the class of '99: If I could offer you "
	    "only one tip for the future, sunscreen would be it.";
	uint8_t key[32], nonce[24], ad[12], want[200], got[200];
	unsigned long long glen;
	size_t wlen, i;

	for (i = 0; i < 32; i++)
		key[i] = (uint8_t)(0x80 + i);
	for (i = 0; i < 24; i++)
		nonce[i] = (uint8_t)(0x40 + i);
	t_hex("50515253c0c1c2c3c4c5c6c7", ad);
	wlen = t_hex("bd6d179d3e83d43b9576579493c0e939572a1700252bfaccbed2902c"
		     "21396cbb731c7f1b0b4aa6440bf3a82f4eda7e39ae64c6708c54c216"
		     "cb96b72e1213b4522f8c9ba40db5d945b11b69b982c1bb9e3f3fac2b"
		     "c369488f76b2383565d3fff921f9664c97637da9768812f615c68b13"
		     "b52ec0875924c1c7987947deafd8780acf49",
		     want);
	T_EQ(wlen, sizeof(pt) - 1 + 16);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    got, &glen, (const uint8_t *)pt, sizeof(pt) - 1, ad, sizeof(ad),
	    NULL, nonce, key);
	T_EQ(glen, wlen);
	T_MEMEQ(got, want, wlen);
}

static void t_key(uint8_t *k, uint8_t seed)
{
	size_t i;

	for (i = 0; i < PFS_SEAL_KEY_LEN; i++)
		k[i] = (uint8_t)(seed + i);
}

/* The layout of seal.h, written out byte by byte here. */
static void test_layout(void)
{
	static const uint8_t pt[] = {3, 1, 2, 3, 4, 5};
	uint8_t key[32], hdr[32], ad[64], want[128], got[128], kid[16];
	struct pfs_seal_hdr h;
	unsigned long long wlen;
	crypto_generichash_state st;
	size_t n, i;

	t_key(key, 7);
	crypto_generichash_init(&st, NULL, 0, 16);
	crypto_generichash_update(&st, (const uint8_t *)"pfsyncd key id", 14);
	crypto_generichash_update(&st, key, 32);
	crypto_generichash_final(&st, kid, 16);
	T_EQ(pfs_seal_keyid(key), (uint32_t)kid[0] << 24 |
				      (uint32_t)kid[1] << 16 |
				      (uint32_t)kid[2] << 8 | kid[3]);
	memset(&h, 0, sizeof(h));
	h.version = PFS_SEAL_VERSION;
	h.keyid = 0x01020304;
	h.sender = 0x0a0b0c0d;
	h.counter = 0x1122334455667788ull;
	for (i = 0; i < 12; i++)
		h.salt[i] = (uint8_t)(0xe0 + i);
	t_hex("81000000"
	      "01020304"
	      "0a0b0c0d"
	      "1122334455667788"
	      "e0e1e2e3e4e5e6e7e8e9eaeb",
	      hdr);
	memcpy(ad, hdr, 32);
	memcpy(ad + 32, "blue", 4);
	memcpy(want, hdr, 32);
	crypto_aead_xchacha20poly1305_ietf_encrypt(
	    want + 32, &wlen, pt, sizeof(pt), ad, 36, NULL, hdr + 8, key);
	n = pfs_seal_packet(key, "blue", &h, pt, sizeof(pt), got, sizeof(got));
	T_EQ(n, 32 + sizeof(pt) + 16);
	T_EQ(wlen + 32, n);
	T_MEMEQ(got, want, n);
	T_EQ(pfs_seal_packet(key, "blue", &h, pt, sizeof(pt), got, n - 1), 0);
}

static const uint8_t t_salt[PFS_SEAL_SALT_LEN] = {1, 2, 3};

static struct pfs_seal *t_sealer(uint32_t sender, uint8_t keyseed)
{
	uint8_t k[32];
	struct pfs_seal *s = pfs_seal_new("c1", sender, 100ull << 32, t_salt);

	t_key(k, keyseed);
	T_EQ(pfs_seal_set_key(s, k, 0, 1000), 1);
	return s;
}

/* A sealed packet opens once; any changed byte or any cut is dropped. */
static void test_tamper(void)
{
	static const uint8_t pt[40] = {3, 0, 1, 2, 3};
	struct pfs_seal *a = t_sealer(1, 9), *b = t_sealer(2, 9);
	uint8_t pkt[256], bad[256], out[256];
	size_t n, olen = 0, i;
	enum pfs_seal_rx r;

	n = pfs_seal_out(a, pt, sizeof(pt), pkt, sizeof(pkt), 0);
	T_EQ(n, sizeof(pt) + PFS_SEAL_OVERHEAD);
	for (i = 0; i < n; i++) {
		memcpy(bad, pkt, n);
		bad[i] ^= 0x40;
		r = pfs_seal_in(b, bad, n, out, sizeof(out), &olen, 0);
		if (i == 0)
			T_EQ(r, PFS_SEAL_RX_UNSEALED);
		else if (i >= 4 && i < 8)
			T_EQ(r, PFS_SEAL_RX_BADKEY);
		else
			T_EQ(r, PFS_SEAL_RX_AUTH);
	}
	T_EQ(pfs_seal_rx_stats(b)[PFS_SEAL_RX_AUTH], (long long)n - 5);
	for (i = 0; i < n; i++) {
		r = pfs_seal_in(b, pkt, i, out, sizeof(out), &olen, 0);
		T_CHECK(r == PFS_SEAL_RX_SHORT || r == PFS_SEAL_RX_AUTH ||
			r == PFS_SEAL_RX_UNSEALED);
	}
	T_EQ(pfs_seal_in(b, pkt, n, out, sizeof(out), &olen, 0),
	     PFS_SEAL_RX_OK);
	T_EQ(olen, sizeof(pt));
	T_MEMEQ(out, pt, sizeof(pt));
	T_EQ(pfs_seal_in(b, pkt, n, out, sizeof(out), &olen, 0),
	     PFS_SEAL_RX_REPLAY);
	T_EQ(pfs_seal_rx_stats(b)[PFS_SEAL_RX_OK], 1);
	T_EQ(pfs_seal_rx_stats(b)[PFS_SEAL_RX_REPLAY], 1);
	pfs_seal_free(a);
	pfs_seal_free(b);
}

/* Same key, another cluster name: does not open. */
static void test_cluster(void)
{
	static const uint8_t pt[8] = {3};
	struct pfs_seal *a = t_sealer(1, 9), *b = t_sealer(2, 9);
	uint8_t pkt[128], out[128];
	size_t n, olen;

	T_EQ(pfs_seal_set_cluster(b, "c2"), 0);
	n = pfs_seal_out(a, pt, sizeof(pt), pkt, sizeof(pkt), 0);
	T_EQ(pfs_seal_in(b, pkt, n, out, sizeof(out), &olen, 0),
	     PFS_SEAL_RX_AUTH);
	T_EQ(pfs_seal_set_cluster(b, "c1"), 0);
	T_EQ(pfs_seal_in(b, pkt, n, out, sizeof(out), &olen, 0),
	     PFS_SEAL_RX_OK);
	pfs_seal_free(a);
	pfs_seal_free(b);
}

static void test_window(void)
{
	struct pfs_replay w;
	uint64_t c;

	memset(&w, 0, sizeof(w));
	T_EQ(pfs_replay_check(&w, 5000), PFS_REPLAY_OK);
	pfs_replay_mark(&w, 5000);
	T_EQ(pfs_replay_check(&w, 5000), PFS_REPLAY_DUP);
	T_EQ(pfs_replay_check(&w, 4999), PFS_REPLAY_OK);
	T_EQ(pfs_replay_check(&w, 5000 - PFS_SEAL_WINDOW + 1), PFS_REPLAY_OK);
	T_EQ(pfs_replay_check(&w, 5000 - PFS_SEAL_WINDOW), PFS_REPLAY_OLD);
	pfs_replay_mark(&w, 4990);
	T_EQ(pfs_replay_check(&w, 4990), PFS_REPLAY_DUP);
	/* a jump frees the slots of the skipped counters */
	pfs_replay_mark(&w, 5000 + PFS_SEAL_WINDOW - 1);
	T_EQ(pfs_replay_check(&w, 5000), PFS_REPLAY_DUP);
	T_EQ(pfs_replay_check(&w, 5001), PFS_REPLAY_OK);
	T_EQ(pfs_replay_check(&w, 4990), PFS_REPLAY_OLD);
	pfs_replay_mark(&w, 1000000);
	for (c = 1000000 - PFS_SEAL_WINDOW + 1; c < 1000000; c++)
		if (pfs_replay_check(&w, c) != PFS_REPLAY_OK)
			break;
	T_EQ(c, 1000000);
	/* reordered within the window, each once */
	for (c = 1000001; c < 1000100; c += 2)
		pfs_replay_mark(&w, c + 1);
	for (c = 1000001; c < 1000100; c += 2)
		T_EQ(pfs_replay_check(&w, c), PFS_REPLAY_OK);
	for (c = 1000002; c < 1000100; c += 2)
		T_EQ(pfs_replay_check(&w, c), PFS_REPLAY_DUP);
}

/* Reordering within the window through the sealer; beyond it: old. */
static void test_reorder(void)
{
	static const uint8_t pt[8] = {3};
	struct pfs_seal *a = t_sealer(1, 9), *b = t_sealer(2, 9);
	static uint8_t pkts[PFS_SEAL_WINDOW + 2][64];
	uint8_t out[64];
	size_t n = 0, olen, i;

	for (i = 0; i < PFS_SEAL_WINDOW + 2; i++)
		n = pfs_seal_out(a, pt, sizeof(pt), pkts[i], 64, 0);
	T_EQ(pfs_seal_in(b, pkts[PFS_SEAL_WINDOW + 1], n, out, 64, &olen, 0),
	     PFS_SEAL_RX_OK);
	T_EQ(pfs_seal_in(b, pkts[2], n, out, 64, &olen, 0), PFS_SEAL_RX_OK);
	T_EQ(pfs_seal_in(b, pkts[1], n, out, 64, &olen, 0), PFS_SEAL_RX_OLD);
	T_EQ(pfs_seal_in(b, pkts[2], n, out, 64, &olen, 0), PFS_SEAL_RX_REPLAY);
	pfs_seal_free(a);
	pfs_seal_free(b);
}

static enum pfs_seal_rx t_send(struct pfs_seal *from, struct pfs_seal *to,
			       uint64_t now)
{
	static const uint8_t pt[8] = {3};
	uint8_t pkt[64], out[64];
	size_t n, olen;

	n = pfs_seal_out(from, pt, sizeof(pt), pkt, sizeof(pkt), now);
	T_CHECK(n != 0);
	return pfs_seal_in(to, pkt, n, out, sizeof(out), &olen, now);
}

/*
 * Rotation: a new key is accepted at once, sent with after the grace
 * period or once a peer uses it; the old key is accepted for the grace
 * period after that, then forgotten.
 */
static void test_rotation(void)
{
	struct pfs_seal *a = t_sealer(1, 9), *b = t_sealer(2, 9);
	uint8_t k1[32], k2[32];

	t_key(k1, 9);
	t_key(k2, 50);
	T_EQ(pfs_seal_set_key(a, k1, 10, 1000), 0); /* same: nothing */
	T_EQ(pfs_seal_set_key(a, k2, 10, 1000), 1);
	T_EQ(pfs_seal_nkeys(a), 2);
	T_EQ(pfs_seal_send_keyid(a), pfs_seal_keyid(k1));
	T_EQ(t_send(a, b, 20), PFS_SEAL_RX_OK);	     /* still k1 */
	T_EQ(pfs_seal_set_key(b, k2, 500, 1000), 1); /* b reloads later */
	T_EQ(t_send(b, a, 600), PFS_SEAL_RX_OK);
	T_EQ(pfs_seal_send_keyid(a), pfs_seal_keyid(k1));
	/* a's grace ends first: it sends k2, b takes it and switches */
	T_EQ(t_send(a, b, 1010), PFS_SEAL_RX_OK);
	T_EQ(pfs_seal_send_keyid(a), pfs_seal_keyid(k2));
	T_EQ(pfs_seal_send_keyid(b), pfs_seal_keyid(k2));
	T_EQ(t_send(b, a, 1020), PFS_SEAL_RX_OK);
	/* k1 is still accepted by a until 2010 */
	{
		struct pfs_seal *c = t_sealer(3, 9);

		T_EQ(t_send(c, a, 2000), PFS_SEAL_RX_OK);
		T_EQ(t_send(c, a, 2010), PFS_SEAL_RX_BADKEY);
		T_EQ(pfs_seal_nkeys(a), 1);
		pfs_seal_free(c);
	}
	pfs_seal_free(a);
	pfs_seal_free(b);
}

/* More senders than slots: the least recently heard is forgotten. */
static void test_peers(void)
{
	struct pfs_seal *b = t_sealer(1000, 9), *s[PFS_SEAL_PEERS + 1];
	uint32_t i;

	for (i = 0; i <= PFS_SEAL_PEERS; i++) {
		s[i] = t_sealer(i + 1, 9);
		T_EQ(t_send(s[i], b, i), PFS_SEAL_RX_OK);
	}
	for (i = 0; i <= PFS_SEAL_PEERS; i++) {
		T_EQ(t_send(s[i], b, 100 + i), PFS_SEAL_RX_OK);
		pfs_seal_free(s[i]);
	}
	pfs_seal_free(b);
}

int main(void)
{
	T_CHECK(sodium_init() >= 0);
	T_RUN(test_vector_xchacha);
	T_RUN(test_layout);
	T_RUN(test_tamper);
	T_RUN(test_cluster);
	T_RUN(test_window);
	T_RUN(test_reorder);
	T_RUN(test_rotation);
	T_RUN(test_peers);
	return t_done();
}
