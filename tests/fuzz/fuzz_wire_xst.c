/*
 * fuzz_wire_xst.c - libFuzzer harness for the state-extras section
 * decoder (wire_xst.h).
 *
 * The first input byte says where the records end (`used`), the second
 * how many there are (0 .. 32).  Whatever pfs_xst_get accepts must lie
 * within the input, be followed by nothing or 12 bytes, and encode to a
 * section that decodes to the same extras (the protocol info of SCTP,
 * GRE and DCCP, flag 0x40, included; a kind unknown leaves none).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/wire_xst.h"

#define NREC_MAX 33

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The protocol info (flag 0x40) of a and b is the same. */
static int proto_same(const struct pfs_stx *a, const struct pfs_stx *b)
{
	const struct pfs_stx_proto *p = &a->proto, *q = &b->proto;

	return p->kind == q->kind && p->state == q->state &&
	       p->role == q->role && p->key[0] == q->key[0] &&
	       p->key[1] == q->key[1] && p->vtag[0] == q->vtag[0] &&
	       p->vtag[1] == q->vtag[1];
}

static void check_round_trip(const struct pfs_stx *x, size_t nrec)
{
	uint8_t buf[PFS_XST_HDR_LEN + NREC_MAX * PFS_XST_ENT_MAX];
	struct pfs_stx y[NREC_MAX];
	struct pfs_wbuf wb;
	size_t span, i;

	pfs_wbuf_init(&wb, buf, sizeof(buf));
	pfs_xst_put(&wb, x, nrec);
	if (wb.err)
		abort();
	if (pfs_xst_get(buf, wb.off, 0, nrec, y, &span) != (int)wb.off ||
	    span != wb.off)
		abort();
	for (i = 0; i < nrec; i++)
		if (x[i].has != y[i].has ||
		    ((x[i].has & PFS_STX_MARK) && x[i].mark != y[i].mark) ||
		    ((x[i].has & PFS_STX_ZONE) && x[i].zone != y[i].zone) ||
		    ((x[i].has & PFS_STX_LABELS) &&
		     memcmp(x[i].labels, y[i].labels, 16) != 0) ||
		    ((x[i].has & PFS_STX_NAT2) &&
		     memcmp(&x[i].nat2.addr, &y[i].nat2.addr, 16) != 0) ||
		    ((x[i].has & PFS_STX_NAT2) &&
		     x[i].nat2.port != y[i].nat2.port) ||
		    ((x[i].has & PFS_STX_HELPER) &&
		     memcmp(x[i].helper, y[i].helper, 16) != 0) ||
		    ((x[i].has & PFS_STX_SEQADJ) &&
		     memcmp(x[i].seqadj, y[i].seqadj, 24) != 0) ||
		    ((x[i].has & PFS_STX_PROTO) && !proto_same(&x[i], &y[i])) ||
		    ((x[i].has & PFS_STX_LEFT) && x[i].left != y[i].left))
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfs_stx x[NREC_MAX];
	size_t used, nrec, span;
	int rc;

	if (size < 2)
		return 0;
	used = data[0];
	nrec = data[1] % NREC_MAX;
	data += 2;
	size -= 2;
	rc = pfs_xst_get(data, size, used, nrec, x, &span);
	if (rc == 0)
		return 0;
	if (span < PFS_XST_HDR_LEN || used + span > size ||
	    (size - used - span != 0 && size - used - span != 12))
		abort();
	if (rc > 0)
		check_round_trip(x, nrec);
	return 0;
}
