/*
 * wire_bsd.c - the elements OpenBSD v6 and FreeBSD v5 share (see
 * wire_bsd.h for the layouts' sources and the translation rules).
 * Every multi-byte integer is big-endian on the wire; ids and creator ids
 * travel in network order, so their host value is the big-endian reading.
 */
#include <string.h>
#include <sys/socket.h>

#include "pfsync/stats.h"
#include "pfsync/wire_bsd.h"
#include "wire_bytes.h"

/*
 * struct pfsync_header, 20 bytes:
 *   0 version  1 _pad  2 len (be16)  4 pfcksum (16)
 */
enum { BSD_HDR_VERSION = 0, BSD_HDR_LEN = 2, BSD_HDR_CKSUM = 4 };
_Static_assert(BSD_HDR_CKSUM + PFS_BSD_CKSUM_LEN == PFS_BSD_HDR_LEN,
	       "pfsync_header is 20");

/* struct pfsync_subheader, 4 bytes: 0 action  1 len (words)  2 count */
enum { BSD_SUB_ACTION = 0, BSD_SUB_WORDS = 1, BSD_SUB_COUNT = 2 };
_Static_assert(BSD_SUB_COUNT + 2 == PFS_BSD_SUBHDR_LEN, "subheader is 4");

/*
 * pfsync_upd_c, 84 bytes:
 *   0 id  8 src  40 dst  72 creatorid  76 expire  80 timeout
 *  81 state_flags  82 _pad (2)
 */
enum {
	BSD_UPDC_ID = 0,
	BSD_UPDC_SRC = 8,
	BSD_UPDC_DST = 40,
	BSD_UPDC_CREATORID = 72,
	BSD_UPDC_EXPIRE = 76,
	BSD_UPDC_TIMEOUT = 80,
	BSD_UPDC_STATE_FLAGS = 81,
	BSD_UPDC_PAD = 82
};
_Static_assert(BSD_UPDC_DST == BSD_UPDC_SRC + PFS_BSD_PEER_LEN, "src");
_Static_assert(BSD_UPDC_CREATORID == BSD_UPDC_DST + PFS_BSD_PEER_LEN, "dst");
_Static_assert(BSD_UPDC_PAD + 2 == PFS_BSD_UPD_C_LEN, "upd_c is 84");

/* pfsync_ins_ack / upd_req / del_c, 12 bytes: 0 id  8 creatorid */
enum { BSD_REF_ID = 0, BSD_REF_CREATORID = 8 };
_Static_assert(BSD_REF_CREATORID + 4 == PFS_BSD_REF_LEN, "ref is 12");

/* pfsync_clr, 20 bytes: 0 ifname (16)  16 creatorid */
enum { BSD_CLR_IFNAME = 0, BSD_CLR_CREATORID = 16 };
_Static_assert(BSD_CLR_CREATORID + 4 == PFS_BSD_CLR_LEN, "clr is 20");

/* pfsync_bus, 12 bytes: 0 creatorid  4 endtime  8 status  9 _pad (3) */
enum { BSD_BUS_CREATORID = 0, BSD_BUS_ENDTIME = 4, BSD_BUS_STATUS = 8 };
_Static_assert(BSD_BUS_STATUS + 4 == PFS_BSD_BUS_LEN, "bus is 12");

/* --- translation ---------------------------------------------------------- */

void pfs_bsd_extra_default(struct pfs_bsd_extra *x, const struct pfs_state *st)
{
	memset(x, 0, sizeof(*x));
	x->key_af[0] = st->af;
	x->key_af[1] = st->af;
	x->stack_proto = st->proto;
	x->rtableid[0] = PFS_BSD_RTABLE_NONE;
	x->rtableid[1] = PFS_BSD_RTABLE_NONE;
}

/* Index 0 is the remote side, index 1 the local one (wire_bsd.h). */
void pfs_bsd_keys_to_state(const struct pfs_bsd_key k[2], struct pfs_state *st)
{
	st->ext.addr = k[0].addr[0];
	st->ext.port = k[0].port[0];
	st->gwy.addr = k[0].addr[1];
	st->gwy.port = k[0].port[1];
	st->lan.addr = k[1].addr[1];
	st->lan.port = k[1].port[1];
}

void pfs_bsd_state_to_keys(const struct pfs_state *st,
			   const struct pfs_bsd_extra *x,
			   struct pfs_bsd_key k[2])
{
	int i;

	memset(k, 0, 2 * sizeof(*k));
	for (i = 0; i < 2; i++) {
		k[i].addr[0] = st->ext.addr;
		k[i].port[0] = st->ext.port;
		k[i].rdomain = x->rdomain[i];
		k[i].af = x->key_af[i];
	}
	k[0].addr[1] = st->gwy.addr;
	k[0].port[1] = st->gwy.port;
	k[1].addr[1] = st->lan.addr;
	k[1].port[1] = st->lan.port;
}

static int bsd_af_ok(uint8_t af)
{
	return af == AF_INET || af == AF_INET6;
}

int pfs_bsd_state_check(const struct pfs_bsd_state *s)
{
	const struct pfs_state *st = &s->st;

	if (st->timeout >= PFS_TM_MAX || st->src.state > PFS_TCPS_PROXY_DST ||
	    st->dst.state > PFS_TCPS_PROXY_DST || st->direction > PFS_DIR_OUT ||
	    !bsd_af_ok(st->af))
		return PFS_STAT_BADVAL;
	if (s->x.key_af[0] != st->af || s->x.key_af[1] != st->af)
		return PFS_STAT_BADVAL; /* af-to: no conntrack form */
	if (st->creatorid == 0 || s->x.rdomain[0] != 0 || s->x.rdomain[1] != 0)
		return PFS_STAT_BADVAL;
	return 0;
}

/* --- header and subheader ------------------------------------------------- */

void pfs_bsd_get_header(struct pfs_rbuf *rb, struct pfs_bsd_header *h)
{
	const uint8_t *p = wb_rd_take(rb, PFS_BSD_HDR_LEN);

	if (p == NULL) {
		memset(h, 0, sizeof(*h));
		return;
	}
	h->version = p[BSD_HDR_VERSION];
	h->len = wb_ld16(p, BSD_HDR_LEN);
	memcpy(h->pfcksum, p + BSD_HDR_CKSUM, PFS_BSD_CKSUM_LEN);
}

void pfs_bsd_put_header(struct pfs_wbuf *wb, const struct pfs_bsd_header *h)
{
	uint8_t *p = wb_wr_take(wb, PFS_BSD_HDR_LEN);

	if (p == NULL)
		return;
	p[BSD_HDR_VERSION] = h->version;
	wb_st16(p, BSD_HDR_LEN, h->len);
	memcpy(p + BSD_HDR_CKSUM, h->pfcksum, PFS_BSD_CKSUM_LEN);
}

void pfs_bsd_poke_len(struct pfs_wbuf *wb, size_t hdr_off, uint16_t len)
{
	pfs_wbuf_poke_u8(wb, hdr_off + BSD_HDR_LEN, (uint8_t)(len >> 8));
	pfs_wbuf_poke_u8(wb, hdr_off + BSD_HDR_LEN + 1, (uint8_t)len);
}

void pfs_bsd_get_subheader(struct pfs_rbuf *rb, struct pfs_bsd_subheader *s)
{
	const uint8_t *p = wb_rd_take(rb, PFS_BSD_SUBHDR_LEN);

	if (p == NULL) {
		memset(s, 0, sizeof(*s));
		return;
	}
	s->action = p[BSD_SUB_ACTION];
	s->words = p[BSD_SUB_WORDS];
	s->count = wb_ld16(p, BSD_SUB_COUNT);
}

void pfs_bsd_put_subheader(struct pfs_wbuf *wb,
			   const struct pfs_bsd_subheader *s)
{
	uint8_t *p = wb_wr_take(wb, PFS_BSD_SUBHDR_LEN);

	if (p == NULL)
		return;
	p[BSD_SUB_ACTION] = s->action;
	p[BSD_SUB_WORDS] = s->words;
	wb_st16(p, BSD_SUB_COUNT, s->count);
}

/* --- small records -------------------------------------------------------- */

void pfs_bsd_get_upd_c(struct pfs_rbuf *rb, struct pfs_bsd_upd_c *u)
{
	const uint8_t *p = wb_rd_take(rb, PFS_BSD_UPD_C_LEN);

	if (p == NULL) {
		memset(u, 0, sizeof(*u));
		return;
	}
	u->id = wb_ld64(p, BSD_UPDC_ID);
	wb_ld_peer(p + BSD_UPDC_SRC, &u->src);
	wb_ld_peer(p + BSD_UPDC_DST, &u->dst);
	u->creatorid = wb_ld32(p, BSD_UPDC_CREATORID);
	u->expire = wb_ld32(p, BSD_UPDC_EXPIRE);
	u->timeout = p[BSD_UPDC_TIMEOUT];
	u->state_flags = p[BSD_UPDC_STATE_FLAGS];
}

void pfs_bsd_put_upd_c(struct pfs_wbuf *wb, const struct pfs_bsd_upd_c *u)
{
	uint8_t *p = wb_wr_take(wb, PFS_BSD_UPD_C_LEN);

	if (p == NULL)
		return;
	wb_st64(p, BSD_UPDC_ID, u->id);
	wb_st_peer(p + BSD_UPDC_SRC, &u->src);
	wb_st_peer(p + BSD_UPDC_DST, &u->dst);
	wb_st32(p, BSD_UPDC_CREATORID, u->creatorid);
	wb_st32(p, BSD_UPDC_EXPIRE, u->expire);
	p[BSD_UPDC_TIMEOUT] = u->timeout;
	p[BSD_UPDC_STATE_FLAGS] = u->state_flags;
}

void pfs_bsd_get_ref(struct pfs_rbuf *rb, struct pfs_bsd_ref *r)
{
	const uint8_t *p = wb_rd_take(rb, PFS_BSD_REF_LEN);

	if (p == NULL) {
		memset(r, 0, sizeof(*r));
		return;
	}
	r->id = wb_ld64(p, BSD_REF_ID);
	r->creatorid = wb_ld32(p, BSD_REF_CREATORID);
}

void pfs_bsd_put_ref(struct pfs_wbuf *wb, const struct pfs_bsd_ref *r)
{
	uint8_t *p = wb_wr_take(wb, PFS_BSD_REF_LEN);

	if (p == NULL)
		return;
	wb_st64(p, BSD_REF_ID, r->id);
	wb_st32(p, BSD_REF_CREATORID, r->creatorid);
}

void pfs_bsd_get_clr(struct pfs_rbuf *rb, struct pfs_bsd_clr *c)
{
	const uint8_t *p = wb_rd_take(rb, PFS_BSD_CLR_LEN);

	if (p == NULL) {
		memset(c, 0, sizeof(*c));
		return;
	}
	wb_ld_name(p + BSD_CLR_IFNAME, c->ifname, PFS_IFNAMSIZ);
	c->creatorid = wb_ld32(p, BSD_CLR_CREATORID);
}

void pfs_bsd_put_clr(struct pfs_wbuf *wb, const struct pfs_bsd_clr *c)
{
	uint8_t *p = wb_wr_take(wb, PFS_BSD_CLR_LEN);

	if (p == NULL)
		return;
	wb_st_name(p + BSD_CLR_IFNAME, c->ifname, PFS_IFNAMSIZ);
	wb_st32(p, BSD_CLR_CREATORID, c->creatorid);
}

void pfs_bsd_get_bus(struct pfs_rbuf *rb, struct pfs_bsd_bus *b)
{
	const uint8_t *p = wb_rd_take(rb, PFS_BSD_BUS_LEN);

	if (p == NULL) {
		memset(b, 0, sizeof(*b));
		return;
	}
	b->creatorid = wb_ld32(p, BSD_BUS_CREATORID);
	b->endtime = wb_ld32(p, BSD_BUS_ENDTIME);
	b->status = p[BSD_BUS_STATUS];
}

void pfs_bsd_put_bus(struct pfs_wbuf *wb, const struct pfs_bsd_bus *b)
{
	uint8_t *p = wb_wr_take(wb, PFS_BSD_BUS_LEN);

	if (p == NULL)
		return;
	wb_st32(p, BSD_BUS_CREATORID, b->creatorid);
	wb_st32(p, BSD_BUS_ENDTIME, b->endtime);
	p[BSD_BUS_STATUS] = b->status;
}

int pfs_bsd_frame_header(const uint8_t *pkt, size_t len, uint8_t version,
			 struct pfs_bsd_header *h)
{
	struct pfs_rbuf rb;

	if (pkt == NULL || len < PFS_BSD_HDR_LEN)
		return PFS_STAT_HDROPS;
	pfs_rbuf_init(&rb, pkt, len);
	pfs_bsd_get_header(&rb, h);
	if (h->version != version)
		return PFS_STAT_BADVER;
	return h->len > len ? PFS_STAT_BADLEN : 0;
}

enum { BSD_KEY_ADDR = 0, BSD_KEY_PORT = 32 };

void pfs_bsd_ld_key_ends(const uint8_t *p, struct pfs_bsd_key *k)
{
	memcpy(k->addr[0].a, p + BSD_KEY_ADDR, 16);
	memcpy(k->addr[1].a, p + BSD_KEY_ADDR + 16, 16);
	k->port[0] = wb_ld16(p, BSD_KEY_PORT);
	k->port[1] = wb_ld16(p, BSD_KEY_PORT + 2);
}

void pfs_bsd_st_key_ends(uint8_t *p, const struct pfs_bsd_key *k)
{
	memcpy(p + BSD_KEY_ADDR, k->addr[0].a, 16);
	memcpy(p + BSD_KEY_ADDR + 16, k->addr[1].a, 16);
	wb_st16(p, BSD_KEY_PORT, k->port[0]);
	wb_st16(p, BSD_KEY_PORT + 2, k->port[1]);
}

uint8_t pfs_bsd_af_to_wire(uint8_t linux_af, uint8_t inet6_wire)
{
	if (linux_af == AF_INET)
		return PFS_BSD_AF_INET;
	return linux_af == AF_INET6 ? inet6_wire : 0;
}

uint8_t pfs_bsd_af_from_wire(uint8_t wire_af, uint8_t inet6_wire)
{
	if (wire_af == PFS_BSD_AF_INET)
		return AF_INET;
	return wire_af == inet6_wire ? AF_INET6 : 0;
}
