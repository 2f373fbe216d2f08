/*
 * fuzz_engine_seq.c - libFuzzer harness for the engine's receive path as a
 * sequence: one engine, one in-memory table, and packets from several
 * peers over time, so that state built by one packet (a followed stream,
 * a held packet, a bulk walk, a peer's dialect) meets the next ones.
 *
 * Input: one byte of configuration, then steps of a 4-byte head and a
 * body:
 *
 *    0  u8   source: bits 0-2 pick one of 8 peer addresses (one of them
 *            outside the sync subnet, as a spoofed one); bit 3: not on
 *            the syncdev; bit 4: TTL 64
 *    1  u8   bits 0-3: time step before the packet (0 ms .. 61 s);
 *            bits 4-7: how the body is framed (fz_frame): as is, a v3
 *            header, v3 with a pfsyncd trailer (wire_ext.h), an empty
 *            v3 carrying only a trailer, a v5 or v6 header, or a local
 *            change made through the engine's API
 *    2  u16  body length (big-endian; cut to what is left)
 *
 * A trailer's stream is one of four fixed epochs, or ours (read from what
 * the engine sends), so NACKs, ACKs and GONEs for our own stream, and
 * forged heartbeats for a peer's, are reached.
 *
 * After every step, these must hold (today, and always):
 *  - the table's count equals the states a walk finds, and every state
 *    has peer states and a timeout in pfsync's ranges;
 *  - every packet sent reads back whole, and goes to the group, the
 *    configured peer or an address a packet came from, never elsewhere;
 *  - after the timers ran at `now`, none is due at `now` any more;
 *  - the heap grows by at most a fixed reserve (a peer's hold-back
 *    queues, our resend ring) plus a bounded multiple of the bytes that
 *    came in and went out.
 */
#include <sanitizer/allocator_interface.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/dialect.h"
#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/wire_ext.h"
#include "pfsync/wire_v3.h"

#include "../unit/sim.h"

#define FZ_HOSTID 1u
#define FZ_NSRC 8
#define FZ_BODY_MAX 9216
#define FZ_MEM_RESERVE (40u << 20) /* 32 hold queues, the ring, tables */

static const uint32_t fz_srcs[FZ_NSRC] = {
    0x0a000002u, 0x0a000003u, 0x0a000004u, 0x0a000005u,
    0x0a000006u, 0x0a000007u, 0xc0000232u /* 192.0.2.50 */, 0x0a0000feu,
};
static const uint32_t fz_epochs[4] = {0x11111111u, 0x22222222u, 0x33u,
				      0xfffffff0u};
static const uint32_t fz_steps[16] = {0, 0, 1, 5, 10, 40, 100, 100,
				      300, 300, 1000, 2000, 5000, 30000,
				      61000, 0};

struct fz {
	struct pfs_engine *e;
	struct pfs_table *t;
	uint32_t heard[FZ_NSRC]; /* sources heard so far (0: none) */
	uint32_t syncpeer;
	uint32_t own_epoch; /* our stream, as read from our trailers */
	uint32_t own_seq;
	size_t bytes_out;
	uint64_t next_id;
};

static struct fz fz;

static int fz_msg(const struct pfs_msg *m, void *arg)
{
	(void)m;
	(void)arg;
	return 0;
}

static bool fz_dst_ok(uint32_t dst)
{
	unsigned i;

	if (dst == PFS_V3_GROUP || (fz.syncpeer != 0 && dst == fz.syncpeer))
		return true;
	for (i = 0; i < FZ_NSRC; i++)
		if (fz.heard[i] == dst)
			return true;
	return false;
}

/* Our trailer, when the packet is v3 and carries one: remember the
 * stream, so that steps can name it. */
static void fz_learn_own(const uint8_t *w, size_t n)
{
	uint32_t epoch, seq;

	if (n < PFS_V3_HDR_LEN + PFS_EXT_LEN || w[0] != 3)
		return;
	w += n - PFS_EXT_LEN;
	if (w[0] != PFS_EXT_MAGIC || w[1] >> 4 != PFS_EXT_VERSION)
		return;
	epoch = (uint32_t)w[4] << 24 | (uint32_t)w[5] << 16 |
		(uint32_t)w[6] << 8 | w[7];
	seq = (uint32_t)w[8] << 24 | (uint32_t)w[9] << 16 |
	      (uint32_t)w[10] << 8 | w[11];
	if ((w[1] & 15) == PFS_EXT_DATA || (w[1] & 15) == PFS_EXT_HB) {
		fz.own_epoch = epoch;
		if ((int32_t)(seq - fz.own_seq) > 0)
			fz.own_seq = seq;
	}
}

static int fz_output(void *ctx, const uint8_t *local, size_t llen,
		     const uint8_t *wire, size_t wlen, uint32_t dst)
{
	struct pfs_rx_result r;

	(void)ctx;
	if (llen > 0 && pfs_dialect_rx(local, llen, fz_msg, NULL, &r) != 0)
		abort();
	if (wire == NULL || wlen == 0)
		return 0;
	if (pfs_dialect_rx(wire, wlen, fz_msg, NULL, &r) != 0)
		abort();
	if (!fz_dst_ok(dst))
		abort(); /* sent to an address never heard */
	fz.bytes_out += wlen;
	fz_learn_own(wire, wlen);
	return 0;
}

static void fz_check(uint64_t now)
{
	const struct pfs_state *s;
	size_t cur = 0, n = 0;

	while ((s = pfs_table_next(fz.t, &cur)) != NULL) {
		n++;
		if (s->src.state > PFS_TCPS_PROXY_DST ||
		    s->dst.state > PFS_TCPS_PROXY_DST ||
		    s->timeout >= PFS_TM_MAX)
			abort();
	}
	if (n != pfs_table_count(fz.t))
		abort();
	if (pfs_engine_next_timeout(fz.e) <= now)
		abort(); /* the loop would spin */
}

static void fz_prefill(void)
{
	uint32_t i;

	for (i = 1; i <= 8; i++) {
		struct pfs_state s = sim_state(i, i % 2 ? FZ_HOSTID : 2);

		s.proto = i % 3 ? 6 : 17;
		(void)pfs_table_insert(fz.t, &s);
	}
}

static uint32_t fz_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void fz_put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* A trailer from 8 body bytes: kind, stream (ours or a fixed one), a
 * number near the stream's (ours) or as given, arg. */
static size_t fz_trailer(uint8_t *out, const uint8_t *b)
{
	uint32_t epoch = b[1] & 4 ? fz.own_epoch : fz_epochs[b[1] & 3];
	uint32_t seq = fz_be32(b + 2);

	if (b[1] & 8)
		seq = fz.own_seq + (uint32_t)(int8_t)b[2];
	out[0] = PFS_EXT_MAGIC;
	out[1] = (uint8_t)(PFS_EXT_VERSION << 4 | (b[0] % PFS_EXT_KIND_MAX));
	out[2] = b[6];
	out[3] = b[7];
	fz_put_be32(out + 4, epoch);
	fz_put_be32(out + 8, seq);
	return PFS_EXT_LEN;
}

/* A local change through the API, as the firewall makes them. */
static void fz_local(const uint8_t *b, size_t n, uint64_t now)
{
	struct pfs_state s;
	uint64_t id;

	if (n < 2)
		return;
	id = 1 + (b[1] % 16);
	switch (b[0] % 5) {
	case 0:
		s = sim_state(100 + fz.next_id++, FZ_HOSTID);
		(void)pfs_engine_insert(fz.e, &s, now);
		break;
	case 1:
		s = sim_state(id, FZ_HOSTID);
		s.src.seqlo += b[1];
		(void)pfs_engine_update(fz.e, &s, now);
		break;
	case 2:
		(void)pfs_engine_delete(fz.e, id, FZ_HOSTID, now);
		break;
	case 3:
		(void)pfs_engine_kill(fz.e, id, b[1] & 1 ? FZ_HOSTID : 2, now);
		break;
	default:
		if (b[1] == 0xff)
			(void)pfs_engine_clear(fz.e, "", now);
		else
			pfs_engine_bulk_request(fz.e, now);
	}
}

/* The packet a step sends, framed as its head says; 0: none. */
static size_t fz_frame(uint8_t *pkt, unsigned how, const uint8_t *b,
		       size_t n)
{
	const uint8_t *t = NULL;
	size_t len;

	switch (how) {
	case 1: /* v3 header: action and count from the body */
	case 2: /* ... after a trailer's 8 bytes, appended */
		if (how == 2) {
			if (n < 8)
				return 0;
			t = b;
			b += 8;
			n -= 8;
		}
		if (n < 2)
			return 0;
		memset(pkt, 0, PFS_V3_HDR_LEN);
		pkt[0] = 3;
		pkt[2] = b[0] % PFS_V3_ACT_MAX;
		pkt[3] = b[1];
		memcpy(pkt + PFS_V3_HDR_LEN, b + 2, n - 2);
		len = PFS_V3_HDR_LEN + n - 2;
		if (t != NULL)
			len += fz_trailer(pkt + len, t);
		return len;
	case 3: /* only a trailer (HB, NACK, GONE, ACK) */
		if (n < 8)
			return 0;
		memset(pkt, 0, PFS_V3_HDR_LEN);
		pkt[0] = 3;
		pkt[2] = PFS_V3_ACT_UPD_C;
		return PFS_V3_HDR_LEN + fz_trailer(pkt + PFS_V3_HDR_LEN, b);
	case 4: /* v5 */
	case 5: /* v6: header with the right length, sections as given */
		len = PFS_V3_HDR_LEN + n;
		memset(pkt, 0, PFS_V3_HDR_LEN);
		pkt[0] = how == 4 ? 5 : 6;
		pkt[2] = (uint8_t)(len >> 8);
		pkt[3] = (uint8_t)len;
		memcpy(pkt + PFS_V3_HDR_LEN, b, n);
		return len;
	default: /* as is */
		memcpy(pkt, b, n);
		return n;
	}
}

static void fz_setup(uint8_t cfg, uint64_t now)
{
	static const struct pfs_engine_ops ops = {.output = fz_output};
	struct pfs_engine_conf c;

	memset(&fz, 0, sizeof(fz));
	pfs_engine_conf_default(&c);
	c.hostid = FZ_HOSTID;
	c.syncdev = true;
	c.version = (uint8_t[]){0, 0, 3, 6}[cfg & 3];
	c.reliable = (cfg & 4) == 0;
	c.maxupd = cfg & 8 ? 2 : PFS_MAXUPD_DEFAULT;
	c.tomb_s = cfg & 16 ? 60 : 0;
	c.digest_ms = (cfg & 3) != 3 ? 500 : 0; /* anti-entropy, off in v6 */
	if (cfg & 32)
		c.syncpeer = fz.syncpeer = fz_srcs[0];
	c.bulk_pkts = cfg & 64 ? 1 : c.bulk_pkts;
	fz.t = pfs_table_new(0, T_HASHKEY);
	if (!fz.t)
		abort();
	fz_prefill();
	fz.e = pfs_engine_new(&c, fz.t, &ops, NULL, now);
	if (!fz.e)
		abort();
	if (cfg & 128)
		pfs_engine_bulk_request(fz.e, now);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t pkt[FZ_BODY_MAX + 64];
	struct pfs_rx_meta m;
	uint64_t now = 100000;
	size_t mem0, in = 0, len, n;

	if (size < 1)
		return 0;
	mem0 = __sanitizer_get_current_allocated_bytes();
	fz_setup(data[0], now);
	data++;
	size--;
	while (size >= 4) {
		unsigned k = data[0] % FZ_NSRC, how = data[1] >> 4;

		n = (size_t)data[2] << 8 | data[3];
		data += 4;
		size -= 4;
		if (n > size)
			n = size;
		if (n > FZ_BODY_MAX)
			n = FZ_BODY_MAX;
		now += fz_steps[data[-3] & 15];
		pfs_engine_timer(fz.e, now);
		if (how == 6) {
			fz_local(data, n, now);
		} else if ((len = fz_frame(pkt, how, data, n)) > 0) {
			m.src = fz_srcs[k];
			m.on_syncdev = (data[-4] & 8) == 0;
			m.ttl = data[-4] & 16 ? 64 : 255;
			fz.heard[k] = m.src;
			pfs_engine_input(fz.e, pkt, len, &m, now);
		}
		in += n + 4;
		data += n;
		size -= n;
		pfs_engine_timer(fz.e, now);
		fz_check(now);
		if (__sanitizer_get_current_allocated_bytes() - mem0 >
		    FZ_MEM_RESERVE + 64 * in + 2 * fz.bytes_out)
			abort(); /* memory not bounded by the traffic */
	}
	pfs_engine_timer(fz.e, now + 100000);
	fz_check(now + 100000);
	pfs_engine_free(fz.e);
	pfs_table_free(fz.t);
	return 0;
}
