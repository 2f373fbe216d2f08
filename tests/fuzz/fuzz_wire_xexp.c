/*
 * fuzz_wire_xexp.c - libFuzzer harness for the expectations section
 * decoder (wire_xexp.h) and the ctnetlink expectation parser
 * (ctexpmap.h), both decoders of untrusted input.
 *
 * The first input byte says where the section starts (`used`).  Whatever
 * pfs_xexp_get accepts must lie within the input, be followed by nothing
 * or 12 bytes, and encode to a section that decodes to the same
 * expectations.  The whole input is also parsed as a netlink message; an
 * expectation it yields is built into an EXP_NEW and must parse again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/ctexpmap.h"
#include "pfsync/buf.h"
#include "pfsync/wire_xexp.h"

#define NMAX 16

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_round_trip(const struct pfs_xexp *x, size_t n)
{
	static uint8_t buf[PFS_XEXP_HDR_LEN + NMAX * PFS_XEXP_ENT_MAX];
	struct pfs_xexp y[NMAX];
	struct pfs_wbuf wb;
	size_t m, span, i;

	if (n == 0)
		return;
	pfs_wbuf_init(&wb, buf, sizeof(buf));
	pfs_xexp_put(&wb, x, n);
	if (wb.err)
		abort();
	if (pfs_xexp_get(buf, wb.off, 0, y, NMAX, &m, &span) !=
		(int)wb.off ||
	    m != n)
		abort();
	for (i = 0; i < n; i++)
		if (memcmp(&x[i].master, &y[i].master, sizeof(x[i].master)) ||
		    memcmp(&x[i].tuple, &y[i].tuple, sizeof(x[i].tuple)) ||
		    strcmp(x[i].helper, y[i].helper) ||
		    strcmp(x[i].fn, y[i].fn) || x[i].timeout != y[i].timeout)
			abort();
}

static void check_netlink(const uint8_t *data, size_t size)
{
	static uint8_t msg[PFSD_CTEXPMAP_MSG_MAX];
	static uint8_t copy[65536] __attribute__((aligned(4)));
	struct pfs_xexp x, y;
	uint32_t portid;
	size_t len;

	if (size > sizeof(copy))
		return;
	memcpy(copy, data, size); /* netlink messages are 4-aligned */
	if (pfsd_ctexpmap_parse(copy, size, &x, &portid) < 0)
		return;
	len = pfsd_ctexpmap_build_new(msg, sizeof(msg), &x, 1);
	if (len == 0 || pfsd_ctexpmap_parse(msg, len, &y, &portid) < 0 ||
	    memcmp(&x.tuple, &y.tuple, sizeof(x.tuple)) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfs_xexp x[NMAX];
	size_t used, n, span;
	int rc;

	check_netlink(data, size);
	if (size < 1)
		return 0;
	used = data[0];
	data += 1;
	size -= 1;
	rc = pfs_xexp_get(data, size, used, x, NMAX, &n, &span);
	if (rc == 0)
		return 0;
	if (span < PFS_XEXP_HDR_LEN || used + span > size ||
	    (size - used - span != 0 && size - used - span != 12))
		abort();
	if (rc > 0)
		check_round_trip(x, n);
	return 0;
}
