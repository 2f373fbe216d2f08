/*
 * fuzz_engine.c - libFuzzer harness for the engine's receive side.
 *
 * Input: a sequence of packets, each a 2-byte big-endian length then that
 * many bytes (a short tail is one last packet).  Each goes to
 * pfs_engine_input of an engine with a small prefilled table; the clock
 * advances 300 ms per packet and timers run, so bulk sends, retries and
 * flushes are exercised too.  After every packet the table must be
 * consistent: its count equals a walk, and every state's peer states and
 * timeout are within pfsync's valid ranges; the engine's states per
 * creator add up to it without a rebuild (creators.h).  Half the runs have the
 * reliable layer on (engine_rel.c): trailers, held packets, NACKs.  The
 * input's size also picks the dialect sent (auto, 3, 5 of each format, 6)
 * and packets come from one of four sources, so v3, v5 and v6 packets
 * drive version auto's choice, the framing per peer when they disagree
 * and the bridge between them.  Every packet sent, its local form and
 * its wire form, must read back whole with pfs_dialect_rx.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/dialect.h"
#include "pfsync/engine.h"
#include "pfsync/table.h"

static int fz_msg(const struct pfs_msg *m, void *arg)
{
	(void)m;
	(void)arg;
	return 0;
}

/* Whatever is sent, in whichever dialect and to whichever peer, reads
 * back whole (a heartbeat or NACK: local_len 0, a v3 header of its own). */
static int fz_output(void *ctx, const uint8_t *local, size_t llen,
		     const uint8_t *wire, size_t wlen, uint32_t dst)
{
	struct pfs_rx_result r;

	(void)ctx;
	(void)dst;
	if (llen > 0 && pfs_dialect_rx(local, llen, fz_msg, NULL, &r) != 0)
		abort();
	if (wire && wlen > 0 && pfs_dialect_rx(wire, wlen, fz_msg, NULL, &r) != 0)
		abort();
	return 0;
}

static void fz_prefill(struct pfs_table *t)
{
	uint32_t i;

	for (i = 1; i <= 8; i++) {
		struct pfs_state s;

		memset(&s, 0, sizeof(s));
		s.id = i;
		s.creatorid = i % 2 ? 1 : 2;
		s.af = AF_INET;
		s.proto = i % 3 ? 6 : 17;
		s.direction = PFS_DIR_OUT;
		s.timeout = PFS_TM_TCP_ESTABLISHED;
		s.lan.port = (uint16_t)i;
		s.src.state = s.dst.state = PFS_TCPS_ESTABLISHED;
		s.src.seqlo = 1000 * i;
		(void)pfs_table_insert(t, &s);
	}
}

/* The states per creator the engine keeps add up to the table, and were
 * rebuilt by a walk only once, for the prefilled states: every change
 * since went through the engine's counted paths. */
static void fz_check_creators(struct pfs_engine *e, const struct pfs_table *t)
{
	struct pfs_creator_count top[4];
	uint64_t other, sum;
	size_t i, n = pfs_engine_creators(e, top, 4, &other);

	for (i = 0, sum = other; i < n; i++)
		sum += top[i].n;
	if (sum != pfs_table_count(t) || pfs_engine_creators_rebuilt(e) > 1)
		abort();
}

static void fz_check(const struct pfs_table *t)
{
	const struct pfs_state *s;
	size_t cur = 0, n = 0;

	while ((s = pfs_table_next(t, &cur)) != NULL) {
		n++;
		if (s->src.state > PFS_TCPS_PROXY_DST ||
		    s->dst.state > PFS_TCPS_PROXY_DST ||
		    s->timeout >= PFS_TM_MAX)
			abort();
	}
	if (n != pfs_table_count(t))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct pfs_engine_ops ops = {.output = fz_output};
	struct pfs_rx_meta m = {0x0a000002u, true, 255};
	struct pfs_engine_conf c;
	struct pfs_table *t =
	    pfs_table_new(0, (const uint8_t *)"pfsyncd test key");
	struct pfs_engine *e;
	uint64_t now = 100000;

	pfs_engine_conf_default(&c);
	c.hostid = 1;
	c.syncdev = true;
	c.maxupd = 2;
	c.reliable = (size & 2) != 0; /* pfsyncd trailers, NACKs, resends */
	c.tomb_s = 60;
	c.digest_ms = (size & 1) ? 0 : 500; /* anti-entropy (engine_dig.h) */
	c.version = (uint8_t[]){0, 3, 5, 6}[(size >> 2) & 3];
	c.v5_fmt = (unsigned[]){1301, 1400, 1500}[(size >> 4) % 3];
	if (!t)
		return 0;
	fz_prefill(t);
	e = pfs_engine_new(&c, t, &ops, NULL, now);
	if (!e)
		abort();
	if (size & 1)
		pfs_engine_bulk_request(e, now);
	while (size > 0) {
		size_t len = size;

		if (size >= 2) {
			len = (size_t)data[0] << 8 | data[1];
			data += 2;
			size -= 2;
			if (len > size)
				len = size;
		}
		m.src = 0x0a000002u + (uint32_t)(len & 3);
		pfs_engine_input(e, data, len, &m, now);
		fz_check(t);
		fz_check_creators(e, t);
		data += len;
		size -= len;
		now += 300;
		pfs_engine_timer(e, now);
		fz_check(t);
	}
	pfs_engine_timer(e, now + 100000);
	fz_check(t);
	pfs_engine_free(e);
	pfs_table_free(t);
	return 0;
}
