/*
 * bench.h - what the C benchmarks share: a monotonic clock in seconds and
 * the TCP state they encode (ESTABLISHED, counters moving with i).
 */
#ifndef PFSYNC_BENCH_H
#define PFSYNC_BENCH_H

#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "pfsync/state.h"

static inline double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* An ESTABLISHED TCP state, its addresses, ports and counters from i. */
static inline void bench_fill_state(struct pfs_state *st, unsigned i)
{
	memset(st, 0, sizeof(*st));
	st->id = 0x5f000000000000ULL + i;
	strcpy(st->ifname, "eth1");
	st->lan.addr.a[0] = 10;
	st->lan.addr.a[3] = (uint8_t)i;
	st->lan.port = (uint16_t)(1024 + i);
	st->gwy = st->lan;
	st->ext.addr.a[0] = 192;
	st->ext.port = 443;
	st->src.seqlo = i * 7;
	st->src.seqhi = i * 7 + 65535;
	st->src.state = PFS_TCPS_ESTABLISHED;
	st->dst = st->src;
	st->rule = PFS_NO_RULE;
	st->anchor = PFS_NO_RULE;
	st->creation = 100;
	st->packets[0] = i;
	st->bytes[0] = (uint64_t)i * 1500;
	st->creatorid = 0x01020304;
	st->af = AF_INET;
	st->proto = 6;
	st->direction = PFS_DIR_OUT;
	st->timeout = PFS_TM_TCP_ESTABLISHED;
}

#endif
