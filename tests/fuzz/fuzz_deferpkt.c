/*
 * fuzz_deferpkt.c - a queued packet's headers (daemon/defer/deferpkt.c), as
 * the NFQUEUE hands them, both directions: never a read past the bytes,
 * and an entry only with a complete tuple.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "defer/deferpkt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfsd_ct_entry e;
	int dir;

	for (dir = 0; dir < 2; dir++)
		if (pfsd_deferpkt_entry(data, size, dir == 1, &e) == 0 &&
		    (!e.orig.ok || !e.reply.ok ||
		     (e.af != 2 /* AF_INET */ && e.af != 10 /* AF_INET6 */)))
			abort();
	return 0;
}
