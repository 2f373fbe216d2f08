/*
 * fuzz_ctmap.c - libFuzzer harness for the conntrack message parser, a
 * decoder of kernel input.  The input is one netlink message; a parsed
 * entry is mapped to a state, built back into a CT_NEW message, parsed
 * again, and the second parse must give the same tuple (abort otherwise);
 * SCTP and DCCP protoinfo (ctproto.c) goes through the same round.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "backend/ctmap.h"
#include "backend/ctproto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fz_assert(int ok)
{
	if (!ok)
		abort();
}

static void fz_round_trip(const struct pfsd_ct_entry *e)
{
	static uint8_t msg[PFSD_CTMAP_MSG_MAX];
	struct pfsd_ct_entry e2, e3;
	struct pfs_state st;
	size_t n;

	if (pfsd_ctmap_to_state(e, 100, &st) == -1)
		return;
	fz_assert(pfsd_ctmap_from_state(&st, 100, &e2) == 0);
	n = pfsd_ctmap_build_new(msg, sizeof(msg), &e2, 0, true, 1);
	fz_assert(n > 0 && n <= sizeof(msg));
	fz_assert(pfsd_ctmap_parse(msg, n, &e3) == PFSD_CT_UPDATE);
	fz_assert(e3.af == e->af && e3.orig.proto == e->orig.proto);
	fz_assert(memcmp(&e3.orig.src, &e->orig.src, 16) == 0);
	fz_assert(memcmp(&e3.orig.dst, &e->orig.dst, 16) == 0);
	/* a protocol without ports in its tuple (ctproto.h) drops them */
	fz_assert(e3.orig.sport == e->orig.sport ||
		  (!pfsd_ctproto_ports(e->orig.proto) && e3.orig.sport == 0));
	/* SCTP and DCCP protoinfo is written back, with a state */
	fz_assert(!(e2.have & PFSD_CT_HAVE_PINFO) ||
		  (e3.have & PFSD_CT_HAVE_PINFO));
	n = pfsd_ctmap_build_delete(msg, sizeof(msg), &e2, 0, 2);
	fz_assert(n > 0 && pfsd_ctmap_parse(msg, n, &e3) == PFSD_CT_DESTROY);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfsd_ct_entry e;
	uint8_t *copy;

	/* an exact-size heap copy: ASan sees any read past the end */
	copy = malloc(size != 0 ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	if (pfsd_ctmap_parse(copy, size, &e) >= 0)
		fz_round_trip(&e);
	free(copy);
	return 0;
}
