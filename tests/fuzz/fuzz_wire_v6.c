/*
 * fuzz_wire_v6.c - libFuzzer harness for the OpenBSD pfsync v6 decoder.
 *
 * The input is walked as a frame: every section until the end or a
 * refusal, every record of a section that is decoded.  Each record is
 * re-encoded through the writer into a one-record frame, parsed and
 * decoded again; the two decodes must agree on every field (abort
 * otherwise).  The walker must always make progress and stay inside the
 * frame, and the state check must not crash on anything decoded.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/wire_v6.h"
#include "../unit/t_bsd.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_assert(int ok)
{
	if (!ok)
		abort();
}

static int fz_eq(uint8_t act, const union pfs_v6_record *a,
		 const union pfs_v6_record *b)
{
	switch (act) {
	case PFS_V6_ACT_INS:
	case PFS_V6_ACT_UPD:
	case PFS_V6_ACT_DEL:
		return t_bsd_state_eq(&a->state, &b->state);
	case PFS_V6_ACT_UPD_C:
		return t_bsd_upd_c_eq(&a->upd_c, &b->upd_c);
	case PFS_V6_ACT_CLR:
		return memcmp(a->clr.ifname, b->clr.ifname, PFS_IFNAMSIZ) ==
			   0 &&
		       a->clr.creatorid == b->clr.creatorid;
	case PFS_V6_ACT_BUS:
		return a->bus.creatorid == b->bus.creatorid &&
		       a->bus.endtime == b->bus.endtime &&
		       a->bus.status == b->bus.status;
	case PFS_V6_ACT_TDB:
		return a->tdb.spi == b->tdb.spi &&
		       memcmp(a->tdb.dst, b->tdb.dst, 28) == 0 &&
		       a->tdb.rpl == b->tdb.rpl &&
		       a->tdb.cur_bytes == b->tdb.cur_bytes &&
		       a->tdb.sproto == b->tdb.sproto &&
		       a->tdb.updates == b->tdb.updates &&
		       a->tdb.rdomain == b->tdb.rdomain;
	default:
		return t_bsd_small_eq(&a->ref, &b->ref);
	}
}

static void fz_record(const struct pfs_v6_section *s, size_t i)
{
	uint8_t out[PFS_BSD_HDR_LEN + PFS_BSD_SUBHDR_LEN + PFS_V6_STATE_LEN];
	union pfs_v6_record a, b;
	struct pfs_v6_writer w;
	struct pfs_v6_frame g;
	struct pfs_v6_section t;
	size_t len;

	pfs_v6_section_record(s, i, &a);
	if (s->sub.action <= PFS_V6_ACT_UPD && s->sub.action >= PFS_V6_ACT_INS)
		(void)pfs_bsd_state_check(&a.state);
	fz_assert(pfs_v6_writer_init(&w, out, sizeof(out)) == 0);
	fz_assert(pfs_v6_writer_add(&w, s->sub.action, &a) == 0);
	len = pfs_v6_writer_finish(&w);
	fz_assert(len == PFS_BSD_HDR_LEN + PFS_BSD_SUBHDR_LEN +
			     pfs_v6_reclen(s->sub.action));
	fz_assert(pfs_v6_frame_parse(out, len, &g) == 0);
	fz_assert(pfs_v6_frame_next(&g, &t) == 0 && !t.skip &&
		  t.sub.count == 1);
	pfs_v6_section_record(&t, 0, &b);
	fz_assert(fz_eq(s->sub.action, &a, &b));
	fz_assert(pfs_v6_frame_next(&g, &t) == PFS_V6_END);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfs_v6_frame f;
	struct pfs_v6_section s;
	size_t i, last;

	if (pfs_v6_frame_parse(data, size, &f) != 0)
		return 0;
	fz_assert(f.len <= size);
	for (;;) {
		last = f.off;
		if (pfs_v6_frame_next(&f, &s) != 0)
			break;
		fz_assert(f.off > last && f.off <= f.len);
		if (s.skip)
			continue;
		for (i = 0; i < s.sub.count; i++)
			fz_record(&s, i);
	}
	return 0;
}
