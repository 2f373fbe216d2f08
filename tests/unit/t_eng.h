/*
 * t_eng.h - an engine on an in-memory table whose output is captured, for
 * the dialect tests of the engine (test_engine_v5.c, test_engine_v6.c).
 */
#ifndef PFSYNC_T_ENG_H
#define PFSYNC_T_ENG_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"

#define TE_HOST	   0x11223344u
#define TE_PEER	   0x0a000002u
#define TE_PEER2   0x0a000003u
#define TE_T0	   100000u /* ms: second 100 */
#define TE_CAP_MAX 32
#define TE_PKT_MAX 4096

struct te_pkt {
	uint8_t local[TE_PKT_MAX];
	size_t llen;
	uint8_t wire[TE_PKT_MAX];
	size_t wlen;
	bool has_wire;
	uint32_t dst;
};

struct te {
	struct pfs_table *t;
	struct pfs_engine *e;
	struct pfs_engine_conf c;
	struct te_pkt p[TE_CAP_MAX];
	int n;
	int applied[3];
	int dialect_calls;
	unsigned dialect_last;
	bool mixed_last;
};

static inline int te_output(void *ctx, const uint8_t *local, size_t llen,
			    const uint8_t *wire, size_t wlen, uint32_t dst)
{
	struct te *te = ctx;
	struct te_pkt *p;

	if (te->n == TE_CAP_MAX || llen > TE_PKT_MAX || wlen > TE_PKT_MAX)
		return -1;
	p = &te->p[te->n++];
	memcpy(p->local, local, llen);
	p->llen = llen;
	p->has_wire = wire != NULL;
	if (wire)
		memcpy(p->wire, wire, wlen);
	p->wlen = wire ? wlen : 0;
	p->dst = dst;
	return 0;
}

static inline void te_applied(void *ctx, enum pfs_op op,
			      const struct pfs_state *st)
{
	(void)st;
	((struct te *)ctx)->applied[op]++;
}

static inline void te_dialect(void *ctx, unsigned d, unsigned fmt, bool mixed)
{
	struct te *te = ctx;

	(void)fmt;
	te->dialect_calls++;
	te->dialect_last = d;
	te->mixed_last = mixed;
}

static const struct pfs_engine_ops te_ops = {
    .output = te_output,
    .applied = te_applied,
    .dialect = te_dialect,
};

/* version: 0 (auto), 3, 5 or 6; fmt: the v5 format. */
static inline void te_open(struct te *te, uint8_t version, unsigned fmt)
{
	memset(te, 0, sizeof(*te));
	pfs_engine_conf_default(&te->c);
	te->c.hostid = TE_HOST;
	te->c.syncdev = true;
	te->c.reliable = false;
	te->c.version = version;
	if (fmt)
		te->c.v5_fmt = fmt;
	te->t = pfs_table_new(0, T_HASHKEY);
	te->e = pfs_engine_new(&te->c, te->t, &te_ops, te, TE_T0);
}

static inline void te_close(struct te *te)
{
	pfs_engine_free(te->e);
	pfs_table_free(te->t);
}

static inline void te_input(struct te *te, const uint8_t *pkt, size_t len,
			    uint32_t src, uint64_t now)
{
	struct pfs_rx_meta m = {src, true, 255};

	pfs_engine_input(te->e, pkt, len, &m, now);
}

static inline uint64_t te_stat(const struct te *te, enum pfs_stat s)
{
	return pfs_engine_stats(te->e)[s];
}

#endif
