/*
 * fuzz_dialect.c - libFuzzer harness for the dialect seam's receive walk
 * (pfs_dialect_rx, any dialect by its version byte) and a cross-dialect
 * oracle: every message it hands on is framed again in v3, v5 (1301,
 * 1400, 1500) and v6, walked back, and must come out the same, except
 * for what the translation rules of wire_bsd.h say a dialect cannot
 * carry (v3's sync_flags and UPD_C updates in v5/v6, allow_opts beyond a
 * flag bit, updates in 1500) or refuse (a state failing the BSD checks
 * is dropped as badval).  abort() on any other difference, and when the
 * walk decodes more records than the packet has 4-byte words.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/dialect.h"
#include "../unit/t_bsd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_assert(int ok)
{
	if (!ok)
		abort();
}

struct fz_one {
	struct pfs_msg m;
	struct pfs_state st;
	size_t n;
};

static int fz_keep(const struct pfs_msg *m, void *arg)
{
	struct fz_one *o = arg;

	if (o->n++ == 0) {
		o->m = *m;
		if (m->kind == PFS_MSG_INS || m->kind == PFS_MSG_UPD) {
			o->st = *m->u.state;
			o->m.u.state = &o->st;
		}
	}
	return 0;
}

/* a state as dialect d (fmt) gives it back */
static void fz_expect(struct pfs_state *s, enum pfs_dialect_id d, unsigned fmt)
{
	if (d == PFS_DIALECT_V3)
		return;
	s->sync_flags = 0;
	s->allow_opts = s->allow_opts ? 1 : 0;
	if (fmt == 1500)
		s->updates = 0;
}

static int fz_eq(const struct pfs_msg *a, const struct pfs_msg *b,
		 enum pfs_dialect_id d, unsigned fmt)
{
	struct pfs_state s, t;

	if (a->kind != b->kind)
		return 0;
	switch (a->kind) {
	case PFS_MSG_INS:
	case PFS_MSG_UPD:
		s = *a->u.state;
		t = *b->u.state;
		fz_expect(&s, d, fmt);
		return t_state_eq(&s, &t);
	case PFS_MSG_UPD_C:
		return a->u.upd_c.id == b->u.upd_c.id &&
		       a->u.upd_c.creatorid == b->u.upd_c.creatorid &&
		       t_peer_eq(&a->u.upd_c.src, &b->u.upd_c.src) &&
		       t_peer_eq(&a->u.upd_c.dst, &b->u.upd_c.dst) &&
		       a->u.upd_c.expire == b->u.upd_c.expire &&
		       a->u.upd_c.timeout == b->u.upd_c.timeout &&
		       (d != PFS_DIALECT_V3 ||
			a->u.upd_c.updates == b->u.upd_c.updates);
	case PFS_MSG_CLR:
		return strcmp(a->u.clr.ifname, b->u.clr.ifname) == 0 &&
		       a->u.clr.creatorid == b->u.clr.creatorid;
	case PFS_MSG_BUS:
		return a->u.bus.creatorid == b->u.bus.creatorid &&
		       a->u.bus.endtime == b->u.bus.endtime &&
		       a->u.bus.status == b->u.bus.status;
	default:
		return a->u.ref.id == b->u.ref.id &&
		       a->u.ref.creatorid == b->u.ref.creatorid;
	}
}

static void fz_reframe(const struct pfs_msg *m, enum pfs_dialect_id d,
		       unsigned fmt)
{
	uint8_t buf[512];
	struct pfs_framer f;
	struct pfs_rx_result r;
	struct fz_one o;
	size_t len;
	int rc;

	fz_assert(pfs_framer_init(&f, d, fmt, buf, sizeof(buf)) == 0);
	rc = pfs_framer_add(&f, m);
	if (rc == -1) {
		fz_assert(d == PFS_DIALECT_V3 && m->kind == PFS_MSG_INS_ACK);
		return;
	}
	fz_assert(rc == 0);
	len = pfs_framer_finish(&f);
	fz_assert(len > 0);
	memset(&o, 0, sizeof(o));
	fz_assert(pfs_dialect_rx(buf, len, fz_keep, &o, &r) == 0);
	if (o.n == 0) { /* only a state the BSD checks refuse */
		fz_assert(r.badval == 1 && d != PFS_DIALECT_V3);
		return;
	}
	fz_assert(o.n == 1 && fz_eq(m, &o.m, d, fmt));
}

static int fz_each(const struct pfs_msg *m, void *arg)
{
	static const unsigned fmts[] = {1301, 1400, 1500};
	size_t i;

	(void)arg;
	fz_reframe(m, PFS_DIALECT_V3, 0);
	fz_reframe(m, PFS_DIALECT_V6, 0);
	for (i = 0; i < 3; i++)
		fz_reframe(m, PFS_DIALECT_V5, fmts[i]);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfs_rx_result r;

	(void)pfs_dialect_rx(data, size, fz_each, NULL, &r);
	/* the walk's work is bounded by the bytes: no record is under 4
	 * bytes, and a skipped section's records are never visited */
	fz_assert(r.walked <= size / 4);
	return 0;
}
