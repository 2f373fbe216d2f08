/*
 * fuzz_wire_ext.c - libFuzzer harness for the pfsyncd trailer decoder.
 *
 * The first input byte picks where the records end (`used`); whatever
 * pfs_ext_get accepts must encode back to the very same 12 bytes, and it
 * must accept only when exactly 12 bytes follow `used`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/wire_ext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfs_ext x;
	struct pfs_wbuf wb;
	uint8_t back[PFS_EXT_LEN];
	size_t used;

	if (size < 1)
		return 0;
	used = data[0];
	data++;
	size--;
	if (pfs_ext_get(data, size, used, &x) != 0)
		return 0;
	if (size - used != PFS_EXT_LEN)
		abort();
	pfs_wbuf_init(&wb, back, sizeof(back));
	pfs_ext_put(&wb, &x);
	if (wb.err || wb.off != PFS_EXT_LEN ||
	    memcmp(back, data + used, PFS_EXT_LEN) != 0)
		abort();
	return 0;
}
