/*
 * wire_ext.c - the pfsyncd extension trailer (see wire_ext.h).
 */
#include "pfsync/wire_ext.h"

enum {
	EXT_MAGIC = 0,
	EXT_VK = 1,
	EXT_ARG = 2,
	EXT_EPOCH = 4,
	EXT_SEQ = 8,
};
_Static_assert(EXT_SEQ + 4 == PFS_EXT_LEN, "trailer is 12 bytes");

void pfs_ext_put(struct pfs_wbuf *wb, const struct pfs_ext *x)
{
	pfs_wbuf_put_u8(wb, PFS_EXT_MAGIC);
	pfs_wbuf_put_u8(wb, (uint8_t)(PFS_EXT_VERSION << 4 | (x->kind & 0x0f)));
	pfs_wbuf_put_be16(wb, x->arg);
	pfs_wbuf_put_be32(wb, x->epoch);
	pfs_wbuf_put_be32(wb, x->seq);
}

int pfs_ext_get(const uint8_t *pkt, size_t len, size_t used,
		struct pfs_ext *x)
{
	struct pfs_rbuf rb;
	uint8_t magic, vk;

	if (pkt == NULL || used > len || len - used != PFS_EXT_LEN)
		return -1;
	pfs_rbuf_init(&rb, pkt + used, PFS_EXT_LEN);
	magic = pfs_rbuf_get_u8(&rb);
	vk = pfs_rbuf_get_u8(&rb);
	x->kind = vk & 0x0f;
	x->arg = pfs_rbuf_get_be16(&rb);
	x->epoch = pfs_rbuf_get_be32(&rb);
	x->seq = pfs_rbuf_get_be32(&rb);
	if (rb.err || magic != PFS_EXT_MAGIC || vk >> 4 != PFS_EXT_VERSION ||
	    x->kind == 0 || x->kind >= PFS_EXT_KIND_MAX || x->epoch == 0)
		return -1;
	return 0;
}
