/*
 * fuzz_wire_dig.c - libFuzzer harness for the digest section decoder
 * (wire_dig.h).
 *
 * The first input byte says where the section starts.  Whatever
 * pfs_dig_get accepts must lie within the input, be followed by nothing
 * or 12 bytes, and encode to the same bytes again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/wire_dig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct pfs_dig_bucket sum[PFS_DIG_ENT_MAX];
static uint16_t ask[PFS_DIG_ENT_MAX];
static struct pfs_dig_ent list[PFS_DIG_ENT_MAX];
static uint64_t fetch[PFS_DIG_ENT_MAX];
static uint8_t out[65536];

static void put_entries(struct pfs_wbuf *wb, const struct pfs_dig_msg *m)
{
	size_t i;

	for (i = 0; i < m->h.n; i++)
		switch (m->h.kind) {
		case PFS_DIG_SUM:
			pfs_dig_put_sum(wb, &m->sum[i]);
			break;
		case PFS_DIG_ASK:
			pfs_dig_put_ask(wb, m->ask[i]);
			break;
		case PFS_DIG_LIST:
			pfs_dig_put_ent(wb, &m->list[i]);
			break;
		default:
			pfs_dig_put_fetch(wb, m->fetch[i]);
			break;
		}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pfs_dig_msg m;
	struct pfs_wbuf wb;
	size_t off;
	int rc;

	if (size < 1)
		return 0;
	off = data[0];
	data++;
	size--;
	memset(&m, 0, sizeof(m));
	m.sum = sum;
	m.ask = ask;
	m.list = list;
	m.fetch = fetch;
	rc = pfs_dig_get(data, size, off, &m);
	if (rc == 0)
		return 0;
	if (m.span < PFS_DIG_HDR_LEN || off + m.span > size ||
	    (size - off - m.span != 0 && size - off - m.span != 12))
		abort();
	if (rc < 0)
		return 0;
	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_dig_put_hdr(&wb, &m.h);
	put_entries(&wb, &m);
	pfs_dig_end(&wb, 0, m.h.n);
	/* a LIST entry's address length follows af; its other bytes are
	 * zero-filled on decode, so the encoding is the section itself */
	if (wb.err || wb.off != m.span || memcmp(out, data + off, m.span) != 0)
		abort();
	return 0;
}
