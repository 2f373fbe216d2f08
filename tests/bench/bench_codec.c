/*
 * bench_codec.c - encode and decode rates of the v3 codec on one core.
 *
 * Full 240-byte states and compressed 88-byte updates, each way.  Records
 * go to and from a 2048-byte frame buffer (8 full states, the largest v3
 * packet), so the working set stays in L1 as in the daemon.  Each figure
 * runs for about 0.5 s of CLOCK_MONOTONIC.  Figures are printed, never
 * asserted.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "pfsync/buf.h"
#include "pfsync/wire_v3.h"

#include "bench.h"

#define BENCH_SECONDS 0.5
#define BENCH_BATCH   4096 /* records between clock reads */
#define BENCH_FRAME   2048

static volatile uint64_t bench_sink; /* keeps results observable */

static void bench_fill_upd(struct pfs_v3_upd *u, unsigned i)
{
	memset(u, 0, sizeof(*u));
	u->id = 0x5f000000000000ULL + i;
	u->creatorid = 0x01020304;
	u->src.seqlo = i * 7;
	u->src.state = PFS_TCPS_ESTABLISHED;
	u->dst = u->src;
	u->timeout = PFS_TM_TCP_ESTABLISHED;
}

static void bench_report(const char *what, uint64_t n, double secs)
{
	printf("%-28s %10.2f M records/s  (%llu in %.3f s, %.1f ns each)\n",
	       what, (double)n / secs / 1e6, (unsigned long long)n, secs,
	       secs * 1e9 / (double)n);
}

/* Encode `per` records per frame until the time is up. */
static void bench_encode(const char *what, size_t reclen, int full)
{
	static uint8_t frame[BENCH_FRAME];
	struct pfs_state st[8];
	struct pfs_v3_upd up[8];
	size_t per = (BENCH_FRAME - PFS_V3_HDR_LEN) / reclen, i;
	uint64_t n = 0;
	double t0 = bench_now(), t;
	struct pfs_wbuf wb;

	for (i = 0; i < 8; i++) {
		bench_fill_state(&st[i], (unsigned)i);
		bench_fill_upd(&up[i], (unsigned)i);
	}
	do {
		uint64_t stop = n + BENCH_BATCH;

		while (n < stop) {
			pfs_wbuf_init(&wb, frame + PFS_V3_HDR_LEN,
				      sizeof(frame) - PFS_V3_HDR_LEN);
			for (i = 0; i < per; i++, n++) {
				if (full)
					pfs_v3_put_state(&wb, &st[i & 7]);
				else
					pfs_v3_put_upd(&wb, &up[i & 7]);
			}
			bench_sink += wb.off + frame[PFS_V3_HDR_LEN + 7];
		}
		t = bench_now() - t0;
	} while (t < BENCH_SECONDS);
	bench_report(what, n, t);
}

/* Build one full frame of the action, as the decode benches' input. */
static size_t bench_make_frame(uint8_t *frame, uint8_t action, size_t per)
{
	struct pfs_v3_header h;
	struct pfs_state st;
	struct pfs_v3_upd up;
	struct pfs_wbuf wb;
	size_t i;

	memset(&h, 0, sizeof(h));
	h.version = PFS_V3_VERSION;
	h.action = action;
	h.count = (uint8_t)per;
	pfs_wbuf_init(&wb, frame, BENCH_FRAME);
	pfs_v3_put_header(&wb, &h);
	for (i = 0; i < per; i++) {
		bench_fill_state(&st, (unsigned)i);
		bench_fill_upd(&up, (unsigned)i);
		if (action == PFS_V3_ACT_UPD)
			pfs_v3_put_state(&wb, &st);
		else
			pfs_v3_put_upd(&wb, &up);
	}
	return wb.off;
}

/* Parse the frame and decode every record, as the receive path does. */
static void bench_decode(const char *what, uint8_t action, size_t reclen)
{
	static uint8_t frame[BENCH_FRAME];
	size_t per = (BENCH_FRAME - PFS_V3_HDR_LEN) / reclen, len, i;
	union pfs_v3_record r;
	struct pfs_v3_frame f;
	uint64_t n = 0;
	double t0, t;

	len = bench_make_frame(frame, action, per);
	t0 = bench_now();
	do {
		uint64_t stop = n + BENCH_BATCH;

		while (n < stop) {
			if (pfs_v3_frame_parse(frame, len, &f) != 0)
				return;
			for (i = 0; i < f.nrec; i++, n++) {
				pfs_v3_frame_record(&f, i, &r);
				bench_sink += r.upd.id;
			}
		}
		t = bench_now() - t0;
	} while (t < BENCH_SECONDS);
	bench_report(what, n, t);
}

int main(void)
{
	bench_encode("encode full state (240 B)", PFS_V3_STATE_LEN, 1);
	bench_decode("decode full state (240 B)", PFS_V3_ACT_UPD,
		     PFS_V3_STATE_LEN);
	bench_encode("encode UPD_C (88 B)", PFS_V3_UPD_LEN, 0);
	bench_decode("decode UPD_C (88 B)", PFS_V3_ACT_UPD_C, PFS_V3_UPD_LEN);
	return 0;
}
