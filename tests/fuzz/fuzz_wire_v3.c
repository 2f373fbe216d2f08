/*
 * fuzz_wire_v3.c - libFuzzer harness for the pfsync v3 decoder.
 *
 * The input is parsed as a frame; every record is decoded, re-encoded and
 * decoded again, and the two decodes must agree on every field the wire
 * carries (abort otherwise).  The header is re-encoded too and must give
 * back the input bytes, except af, which is always sent as 0.  Each record
 * decoder also runs on the raw input, whatever its length, to exercise the
 * short-read paths of the cursor.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/wire_v3.h"
#include "../unit/t_state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_assert(int ok)
{
	if (!ok)
		abort();
}

static int fz_eq_state(const struct pfs_state *a, const struct pfs_state *b)
{
	return a->id == b->id && a->creatorid == b->creatorid &&
	       memcmp(a->ifname, b->ifname, PFS_IFNAMSIZ) == 0 &&
	       t_host_eq(&a->lan, &b->lan) && t_host_eq(&a->gwy, &b->gwy) &&
	       t_host_eq(&a->ext, &b->ext) && t_peer_eq(&a->src, &b->src) &&
	       t_peer_eq(&a->dst, &b->dst) &&
	       memcmp(a->rt_addr.a, b->rt_addr.a, 16) == 0 &&
	       a->rule == b->rule && a->anchor == b->anchor &&
	       a->nat_rule == b->nat_rule && a->creation == b->creation &&
	       a->expire == b->expire && a->packets[0] == b->packets[0] &&
	       a->packets[1] == b->packets[1] && a->bytes[0] == b->bytes[0] &&
	       a->bytes[1] == b->bytes[1] && a->af == b->af &&
	       a->proto == b->proto && a->direction == b->direction &&
	       a->log == b->log && a->allow_opts == b->allow_opts &&
	       a->timeout == b->timeout && a->sync_flags == b->sync_flags &&
	       a->updates == b->updates;
}

static int fz_eq_upd(const struct pfs_v3_upd *a, const struct pfs_v3_upd *b)
{
	return a->id == b->id && a->creatorid == b->creatorid &&
	       t_peer_eq(&a->src, &b->src) && t_peer_eq(&a->dst, &b->dst) &&
	       a->expire == b->expire && a->timeout == b->timeout &&
	       a->updates == b->updates;
}

static int fz_eq_small(uint8_t action, const union pfs_v3_record *a,
		       const union pfs_v3_record *b)
{
	switch (action) {
	case PFS_V3_ACT_DEL_C:
		return a->del.id == b->del.id &&
		       a->del.creatorid == b->del.creatorid &&
		       a->del.src_state == b->del.src_state &&
		       a->del.dst_state == b->del.dst_state;
	case PFS_V3_ACT_UREQ:
		return a->ureq.id == b->ureq.id &&
		       a->ureq.creatorid == b->ureq.creatorid;
	case PFS_V3_ACT_CLR:
		return memcmp(a->clr.ifname, b->clr.ifname, PFS_IFNAMSIZ) ==
			   0 &&
		       a->clr.creatorid == b->clr.creatorid;
	case PFS_V3_ACT_BUS:
		return a->bus.creatorid == b->bus.creatorid &&
		       a->bus.endtime == b->bus.endtime &&
		       a->bus.status == b->bus.status;
	default:
		return a->tdb.spi == b->tdb.spi &&
		       memcmp(a->tdb.dst, b->tdb.dst, 28) == 0 &&
		       a->tdb.rpl == b->tdb.rpl &&
		       a->tdb.cur_bytes == b->tdb.cur_bytes &&
		       a->tdb.sproto == b->tdb.sproto &&
		       a->tdb.updates == b->tdb.updates;
	}
}

/* Decode record i, re-encode it as a one-record frame, parse, compare. */
static void fz_record(const struct pfs_v3_frame *f, size_t i)
{
	uint8_t out[PFS_V3_HDR_LEN + PFS_V3_STATE_LEN];
	union pfs_v3_record a, b;
	struct pfs_v3_frame g;
	struct pfs_v3_header h = f->hdr;
	struct pfs_wbuf wb;
	uint8_t act = f->hdr.action;

	pfs_v3_frame_record(f, i, &a);
	h.count = 1;
	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_v3_put_header(&wb, &h);
	pfs_v3_put_record(&wb, act, &a);
	fz_assert(!wb.err && wb.off == PFS_V3_HDR_LEN + f->reclen);
	fz_assert(pfs_v3_frame_parse(out, wb.off, &g) == 0 && g.nrec == 1);
	pfs_v3_frame_record(&g, 0, &b);
	if (act == PFS_V3_ACT_INS || act == PFS_V3_ACT_UPD ||
	    act == PFS_V3_ACT_DEL)
		fz_assert(fz_eq_state(&a.state, &b.state));
	else if (act == PFS_V3_ACT_UPD_C)
		fz_assert(fz_eq_upd(&a.upd, &b.upd));
	else
		fz_assert(fz_eq_small(act, &a, &b));
}

/* The record decoders on the raw input: short input sets err, no crash. */
static void fz_raw(const uint8_t *data, size_t size)
{
	union pfs_v3_record r;
	struct pfs_rbuf rb;

	pfs_rbuf_init(&rb, data, size);
	pfs_v3_get_state(&rb, &r.state);
	fz_assert(rb.err == (size < PFS_V3_STATE_LEN));
	pfs_rbuf_init(&rb, data, size);
	pfs_v3_get_upd(&rb, &r.upd);
	fz_assert(rb.err == (size < PFS_V3_UPD_LEN));
	pfs_rbuf_init(&rb, data, size);
	pfs_v3_get_tdb(&rb, &r.tdb);
	fz_assert(rb.err == (size < PFS_V3_TDB_LEN));
	pfs_rbuf_init(&rb, data, size);
	pfs_v3_get_clr(&rb, &r.clr);
	fz_assert(r.clr.ifname[PFS_IFNAMSIZ - 1] == '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t hdr[PFS_V3_HDR_LEN];
	struct pfs_v3_frame f;
	struct pfs_wbuf wb;
	size_t i;

	fz_raw(data, size);
	if (pfs_v3_frame_parse(data, size, &f) != 0)
		return 0;
	fz_assert(f.nrec * f.reclen <= f.body_len);
	pfs_wbuf_init(&wb, hdr, sizeof(hdr));
	pfs_v3_put_header(&wb, &f.hdr);
	fz_assert(!wb.err && hdr[1] == 0 && hdr[0] == data[0] &&
		  memcmp(hdr + 2, data + 2, PFS_V3_HDR_LEN - 2) == 0);
	for (i = 0; i < f.nrec; i++)
		fz_record(&f, i);
	return 0;
}
