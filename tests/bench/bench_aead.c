/*
 * bench_aead.c - sealing and opening rates of pfsync packets on one core
 * (lib/wire/seal.c: XChaCha20-Poly1305 with the replay window), for the sizes
 * the engine sends: a full packet at MTU 1500 (6 states, 1460 bytes) and
 * a small one (one UPD_C, 108 bytes).  About 0.5 s each; printed, never
 * asserted.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "pfsync/seal.h"

#include "bench.h"

#define BENCH_SECONDS 0.5
#define BENCH_BATCH   1024

static struct pfs_seal *bench_sealer(uint32_t sender)
{
	static const uint8_t salt[PFS_SEAL_SALT_LEN] = {1};
	uint8_t key[PFS_SEAL_KEY_LEN];
	struct pfs_seal *s = pfs_seal_new("bench", sender, 1ull << 32, salt);

	memset(key, 0x42, sizeof(key));
	if (s != NULL)
		pfs_seal_set_key(s, key, 0, 1000);
	return s;
}

/* Seal then open len-byte packets; prints packets/s and MB/s of each. */
static void bench_size(size_t len)
{
	static uint8_t pt[2048], pkt[BENCH_BATCH][2048 + PFS_SEAL_OVERHEAD],
	    out[2048];
	struct pfs_seal *a = bench_sealer(1), *b = bench_sealer(2);
	double t0, ts = 0, to = 0;
	uint64_t n = 0, bad = 0;
	size_t i, plen = 0, olen;

	if (a == NULL || b == NULL)
		return;
	memset(pt, 0x33, len);
	t0 = bench_now();
	while (bench_now() - t0 < 2 * BENCH_SECONDS) {
		double t1 = bench_now(), t2;

		for (i = 0; i < BENCH_BATCH; i++)
			plen =
			    pfs_seal_out(a, pt, len, pkt[i], sizeof(pkt[i]), 0);
		t2 = bench_now();
		for (i = 0; i < BENCH_BATCH; i++)
			bad += pfs_seal_in(b, pkt[i], plen, out, sizeof(out),
					   &olen, 0) != PFS_SEAL_RX_OK;
		ts += t2 - t1;
		to += bench_now() - t2;
		n += BENCH_BATCH;
	}
	printf("%5zu-byte packets: seal %6.2f M/s (%6.0f MB/s), open %6.2f "
	       "M/s (%6.0f MB/s)%s\n",
	       len, n / ts / 1e6, n * len / ts / 1e6, n / to / 1e6,
	       n * len / to / 1e6, bad != 0 ? " (SOME FAILED TO OPEN)" : "");
	pfs_seal_free(a);
	pfs_seal_free(b);
}

int main(void)
{
	printf("sealed pfsync packets, one core (XChaCha20-Poly1305, replay "
	       "window):\n");
	bench_size(108);
	bench_size(1460);
	return 0;
}
