/*
 * fuzz_seal.c - libFuzzer harness for the sealed-packet opener.
 *
 * Each input is opened as received (it must be dropped: nobody but the
 * sealer below holds the key, so only OK from it would be a bug), then
 * sealed, changed at one place chosen by its first bytes, and opened by
 * a second sealer: the unchanged packet must open to the same bytes, a
 * changed one must not open, and a replay never does.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_assert(int ok)
{
	if (!ok)
		abort();
}

static struct pfs_seal *fz_sealer(uint32_t sender)
{
	static const uint8_t salt[PFS_SEAL_SALT_LEN] = {9};
	uint8_t key[PFS_SEAL_KEY_LEN];
	struct pfs_seal *s;

	memset(key, 0x5a, sizeof(key));
	s = pfs_seal_new("fuzz", sender, 1ull << 32, salt);
	fz_assert(s != NULL);
	fz_assert(pfs_seal_set_key(s, key, 0, 1000) == 1);
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[70000], out[70000];
	struct pfs_seal *a, *b;
	size_t n, olen = 0, at;
	enum pfs_seal_rx r;

	if (size > 65000)
		return 0;
	b = fz_sealer(2);
	r = pfs_seal_in(b, data, size, out, sizeof(out), &olen, 0);
	fz_assert(r != PFS_SEAL_RX_OK);
	a = fz_sealer(1);
	n = pfs_seal_out(a, data, size, pkt, sizeof(pkt), 0);
	fz_assert(n == size + PFS_SEAL_OVERHEAD);
	at = size >= 2 ? ((size_t)data[0] << 8 | data[1]) : n;
	if (at < n && data[size - 1] != 0) {
		pkt[at] ^= data[size - 1];
		r = pfs_seal_in(b, pkt, n, out, sizeof(out), &olen, 0);
		fz_assert(r != PFS_SEAL_RX_OK);
		pkt[at] ^= data[size - 1];
	}
	r = pfs_seal_in(b, pkt, n, out, sizeof(out), &olen, 0);
	fz_assert(r == PFS_SEAL_RX_OK && olen == size &&
		  (size == 0 || memcmp(out, data, size) == 0));
	r = pfs_seal_in(b, pkt, n, out, sizeof(out), &olen, 0);
	fz_assert(r == PFS_SEAL_RX_REPLAY);
	pfs_seal_free(a);
	pfs_seal_free(b);
	return 0;
}
