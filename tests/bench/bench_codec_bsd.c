/*
 * bench_codec_bsd.c - encode and decode rates of the OpenBSD v6 and
 * FreeBSD v5 codecs on one core, next to bench_codec.c's v3 figures.
 *
 * Full states (v6 264 B; v5 1301 242 B, 1400 277 B, 1500 360 B) and
 * compressed updates (84 B), each way.  Encoding goes through the frame
 * writer and decoding through the frame walker, as the daemon would use
 * them, into and out of a 1500-byte frame so the working set stays in L1.
 * Each figure runs for about 0.5 s of CLOCK_MONOTONIC.  Printed, never
 * asserted.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "pfsync/wire_v5.h"
#include "pfsync/wire_v6.h"

#include "bench.h"

#define BENCH_SECONDS 0.5
#define BENCH_FRAME   1500

static volatile uint64_t bench_sink;

/* bench.h's state, with the BSD-only fields at their defaults. */
static void bench_fill_bsd(struct pfs_bsd_state *s, unsigned i)
{
	memset(s, 0, sizeof(*s));
	bench_fill_state(&s->st, i);
	pfs_bsd_extra_default(&s->x, &s->st);
}

static void bench_fill_upd_c(struct pfs_bsd_upd_c *u, unsigned i)
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
	printf("%-30s %10.2f M records/s  (%llu in %.3f s, %.1f ns each)\n",
	       what, (double)n / secs / 1e6, (unsigned long long)n, secs,
	       secs * 1e9 / (double)n);
}

/* Fill one frame with records of `act` (v5 when v5 != 0); return count. */
static size_t bench_frame(uint8_t *frame, int v5, uint8_t act, const void *recs,
			  size_t *len)
{
	const union pfs_v6_record *r6 = recs;
	const union pfs_v5_record *r5 = recs;
	struct pfs_v6_writer w6;
	struct pfs_v5_writer w5;
	size_t n = 0;

	if (v5) {
		pfs_v5_writer_init(&w5, frame, BENCH_FRAME, NULL);
		while (pfs_v5_writer_add(&w5, act, &r5[n & 7]) == 0)
			n++;
		*len = pfs_v5_writer_finish(&w5);
	} else {
		pfs_v6_writer_init(&w6, frame, BENCH_FRAME);
		while (pfs_v6_writer_add(&w6, act, &r6[n & 7]) == 0)
			n++;
		*len = pfs_v6_writer_finish(&w6);
	}
	return n;
}

static void bench_encode(const char *what, int v5, uint8_t act,
			 const void *recs)
{
	static uint8_t frame[BENCH_FRAME];
	uint64_t n = 0;
	double t0 = bench_now(), t;
	size_t len;
	int k;

	do {
		for (k = 0; k < 256; k++) {
			n += bench_frame(frame, v5, act, recs, &len);
			bench_sink += len + frame[40];
		}
		t = bench_now() - t0;
	} while (t < BENCH_SECONDS);
	bench_report(what, n, t);
}

static uint64_t bench_walk6(const uint8_t *frame, size_t len)
{
	struct pfs_v6_frame f;
	struct pfs_v6_section s;
	union pfs_v6_record r;
	uint64_t n = 0;
	size_t i;

	if (pfs_v6_frame_parse(frame, len, &f) != 0)
		return 0;
	while (pfs_v6_frame_next(&f, &s) == 0)
		for (i = 0; i < s.sub.count; i++, n++) {
			pfs_v6_section_record(&s, i, &r);
			bench_sink += r.ref.id;
		}
	return n;
}

static uint64_t bench_walk5(const uint8_t *frame, size_t len)
{
	struct pfs_v5_frame f;
	struct pfs_v5_section s;
	union pfs_v5_record r;
	uint64_t n = 0;
	size_t i;

	if (pfs_v5_frame_parse(frame, len, &f) != 0)
		return 0;
	while (pfs_v5_frame_next(&f, &s) == 0)
		for (i = 0; i < s.sub.count; i++, n++) {
			pfs_v5_section_record(&s, i, &r);
			bench_sink += r.ref.id;
		}
	return n;
}

static void bench_decode(const char *what, int v5, uint8_t act,
			 const void *recs)
{
	static uint8_t frame[BENCH_FRAME];
	uint64_t n = 0;
	double t0, t;
	size_t len;
	int k;

	bench_frame(frame, v5, act, recs, &len);
	t0 = bench_now();
	do {
		for (k = 0; k < 256; k++)
			n += v5 ? bench_walk5(frame, len)
				: bench_walk6(frame, len);
		t = bench_now() - t0;
	} while (t < BENCH_SECONDS);
	bench_report(what, n, t);
}

int main(void)
{
	static union pfs_v6_record st6[8], up6[8];
	static union pfs_v5_record st5[8], up5[8];
	static const struct {
		const char *enc, *dec;
		unsigned fmt;
	} v5f[] = {
	    {"v5 encode 1301 state (242 B)", "v5 decode 1301 state (242 B)",
	     1301},
	    {"v5 encode 1400 state (277 B)", "v5 decode 1400 state (277 B)",
	     1400},
	    {"v5 encode 1500 state (360 B)", "v5 decode 1500 state (360 B)",
	     1500},
	};
	unsigned i;

	for (i = 0; i < 8; i++) {
		bench_fill_bsd(&st6[i].state, i);
		bench_fill_bsd(&st5[i].state, i);
		bench_fill_upd_c(&up6[i].upd_c, i);
		bench_fill_upd_c(&up5[i].upd_c, i);
	}
	bench_encode("v6 encode state (264 B)", 0, PFS_V6_ACT_UPD, st6);
	bench_decode("v6 decode state (264 B)", 0, PFS_V6_ACT_UPD, st6);
	bench_encode("v6 encode UPD_C (84 B)", 0, PFS_V6_ACT_UPD_C, up6);
	bench_decode("v6 decode UPD_C (84 B)", 0, PFS_V6_ACT_UPD_C, up6);
	for (i = 0; i < 3; i++) {
		uint8_t act = pfs_v5_upd_action(v5f[i].fmt);

		bench_encode(v5f[i].enc, 1, act, st5);
		bench_decode(v5f[i].dec, 1, act, st5);
	}
	bench_encode("v5 encode UPD_C (84 B)", 1, PFS_V5_ACT_UPD_C, up5);
	bench_decode("v5 decode UPD_C (84 B)", 1, PFS_V5_ACT_UPD_C, up5);
	return 0;
}
