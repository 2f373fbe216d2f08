/*
 * wire_v3.c - pfsync v3 codec (NetBSD / OpenBSD 4.1-4.2), byte exact.
 *
 * Every structure below is packed on the wire; its layout is given as a
 * table of offsets (an enum per structure) with _Static_asserts that the
 * fields add up to the size.  Records are read and written field by field
 * through the bounds-checked cursors of buf.c, in offset order, so the
 * order of the put/get calls *is* the layout.  Byte order (reference §1.3):
 * every multi-byte integer is big-endian; ids and creator ids travel raw in
 * network order, so their host value is the big-endian reading of the
 * bytes; addresses are raw; padding is written as zeros and skipped.
 */
#include <string.h>
#include <sys/socket.h>

#include "pfsync/stats.h"
#include "pfsync/wire_v3.h"

/*
 * struct pfsync_header, 20 bytes:
 *   0 version  1 af (0)  2 action  3 count  4..19 pf_chksum (ruleset MD5)
 */
enum {
	PFS_V3_HDR_VERSION = 0,
	PFS_V3_HDR_AF = 1,
	PFS_V3_HDR_ACTION = 2,
	PFS_V3_HDR_COUNT = 3,
	PFS_V3_HDR_CHKSUM = 4,
	PFS_V3_HDR_END = PFS_V3_HDR_CHKSUM + PFS_V3_CHKSUM_LEN
};
_Static_assert(PFS_V3_HDR_END == PFS_V3_HDR_LEN, "pfsync_header is 20");

/*
 * struct pfsync_state_host, 24 bytes:
 *   0 addr (16, raw)  16 port (be16)  18 pad (6)
 */
enum {
	PFS_V3_HOST_ADDR = 0,
	PFS_V3_HOST_PORT = 16,
	PFS_V3_HOST_PAD = 18,
	PFS_V3_HOST_LEN = 24
};
_Static_assert(PFS_V3_HOST_PORT == PFS_V3_HOST_ADDR + 16, "host addr");
_Static_assert(PFS_V3_HOST_PAD == PFS_V3_HOST_PORT + 2, "host port");
_Static_assert(PFS_V3_HOST_LEN == PFS_V3_HOST_PAD + 6, "host pad");

/*
 * struct pfsync_state_peer, 32 bytes, starting with the 8-byte scrub:
 *   0 pfss_flags (be16)  2 pfss_ttl  3 scrub_flag  4 pfss_ts_mod (be32)
 *   8 seqlo  12 seqhi  16 seqdiff (be32 each)  20 max_win  22 mss (be16)
 *  24 state  25 wscale  26 pad (6)
 */
enum {
	PFS_V3_PEER_SCRUB_FLAGS = 0,
	PFS_V3_PEER_SCRUB_TTL = 2,
	PFS_V3_PEER_SCRUB_FLAG = 3,
	PFS_V3_PEER_SCRUB_TS_MOD = 4,
	PFS_V3_PEER_SEQLO = 8,
	PFS_V3_PEER_SEQHI = 12,
	PFS_V3_PEER_SEQDIFF = 16,
	PFS_V3_PEER_MAX_WIN = 20,
	PFS_V3_PEER_MSS = 22,
	PFS_V3_PEER_STATE = 24,
	PFS_V3_PEER_WSCALE = 25,
	PFS_V3_PEER_PAD = 26,
	PFS_V3_PEER_LEN = 32
};
_Static_assert(PFS_V3_PEER_SEQLO == PFS_V3_PEER_SCRUB_TS_MOD + 4, "scrub 8");
_Static_assert(PFS_V3_PEER_MAX_WIN == PFS_V3_PEER_SEQDIFF + 4, "seqdiff");
_Static_assert(PFS_V3_PEER_STATE == PFS_V3_PEER_MSS + 2, "mss");
_Static_assert(PFS_V3_PEER_LEN == PFS_V3_PEER_PAD + 6, "peer pad");

/*
 * struct pfsync_state, 240 bytes (the full state of INS, UPD and DEL):
 *    0 id (8, raw be64)   8 ifname (16)   24 lan   48 gwy   72 ext (hosts)
 *   96 src  128 dst (peers)   160 rt_addr (16, raw)
 *  176 rule  180 anchor  184 nat_rule  188 creation  192 expire (be32)
 *  196 packets[2]  212 bytes[2] (each u64 as hi word, lo word, be32)
 *  228 creatorid (raw be32)  232 af  233 proto  234 direction  235 log
 *  236 allow_opts  237 timeout  238 sync_flags  239 updates
 */
enum {
	PFS_V3_ST_ID = 0,
	PFS_V3_ST_IFNAME = 8,
	PFS_V3_ST_LAN = 24,
	PFS_V3_ST_GWY = 48,
	PFS_V3_ST_EXT = 72,
	PFS_V3_ST_SRC = 96,
	PFS_V3_ST_DST = 128,
	PFS_V3_ST_RT_ADDR = 160,
	PFS_V3_ST_RULE = 176,
	PFS_V3_ST_ANCHOR = 180,
	PFS_V3_ST_NAT_RULE = 184,
	PFS_V3_ST_CREATION = 188,
	PFS_V3_ST_EXPIRE = 192,
	PFS_V3_ST_PACKETS = 196,
	PFS_V3_ST_BYTES = 212,
	PFS_V3_ST_CREATORID = 228,
	PFS_V3_ST_AF = 232,
	PFS_V3_ST_PROTO = 233,
	PFS_V3_ST_DIRECTION = 234,
	PFS_V3_ST_LOG = 235,
	PFS_V3_ST_ALLOW_OPTS = 236,
	PFS_V3_ST_TIMEOUT = 237,
	PFS_V3_ST_SYNC_FLAGS = 238,
	PFS_V3_ST_UPDATES = 239,
	PFS_V3_ST_END = 240
};
_Static_assert(PFS_V3_ST_IFNAME == PFS_V3_ST_ID + 8, "id");
_Static_assert(PFS_V3_ST_LAN == PFS_V3_ST_IFNAME + PFS_IFNAMSIZ, "ifname");
_Static_assert(PFS_V3_ST_GWY == PFS_V3_ST_LAN + PFS_V3_HOST_LEN, "lan");
_Static_assert(PFS_V3_ST_EXT == PFS_V3_ST_GWY + PFS_V3_HOST_LEN, "gwy");
_Static_assert(PFS_V3_ST_SRC == PFS_V3_ST_EXT + PFS_V3_HOST_LEN, "ext");
_Static_assert(PFS_V3_ST_DST == PFS_V3_ST_SRC + PFS_V3_PEER_LEN, "src");
_Static_assert(PFS_V3_ST_RT_ADDR == PFS_V3_ST_DST + PFS_V3_PEER_LEN, "dst");
_Static_assert(PFS_V3_ST_RULE == PFS_V3_ST_RT_ADDR + 16, "rt_addr");
_Static_assert(PFS_V3_ST_PACKETS == PFS_V3_ST_EXPIRE + 4, "expire");
_Static_assert(PFS_V3_ST_BYTES == PFS_V3_ST_PACKETS + 16, "packets");
_Static_assert(PFS_V3_ST_CREATORID == PFS_V3_ST_BYTES + 16, "bytes");
_Static_assert(PFS_V3_ST_AF == PFS_V3_ST_CREATORID + 4, "creatorid");
_Static_assert(PFS_V3_ST_END == PFS_V3_ST_UPDATES + 1, "updates");
_Static_assert(PFS_V3_ST_END == PFS_V3_STATE_LEN, "pfsync_state is 240");

/*
 * struct pfsync_state_upd (UPD_C), 88 bytes:
 *    0 id (8)  8 src  40 dst (peers)  72 creatorid  76 expire (be32)
 *   80 timeout  81 updates  82 pad (6)
 */
enum {
	PFS_V3_UPD_ID = 0,
	PFS_V3_UPD_SRC = 8,
	PFS_V3_UPD_DST = 40,
	PFS_V3_UPD_CREATORID = 72,
	PFS_V3_UPD_EXPIRE = 76,
	PFS_V3_UPD_TIMEOUT = 80,
	PFS_V3_UPD_UPDATES = 81,
	PFS_V3_UPD_PAD = 82,
	PFS_V3_UPD_END = 88
};
_Static_assert(PFS_V3_UPD_DST == PFS_V3_UPD_SRC + PFS_V3_PEER_LEN, "src");
_Static_assert(PFS_V3_UPD_CREATORID == PFS_V3_UPD_DST + PFS_V3_PEER_LEN,
	       "dst");
_Static_assert(PFS_V3_UPD_END == PFS_V3_UPD_PAD + 6, "upd pad");
_Static_assert(PFS_V3_UPD_END == PFS_V3_UPD_LEN, "pfsync_state_upd is 88");

/*
 * struct pfsync_state_del (DEL_C), 16 bytes:
 *   0 id (8)  8 creatorid  12 src.state  13 dst.state  14 pad (2)
 */
enum {
	PFS_V3_DEL_ID = 0,
	PFS_V3_DEL_CREATORID = 8,
	PFS_V3_DEL_SRC_STATE = 12,
	PFS_V3_DEL_DST_STATE = 13,
	PFS_V3_DEL_PAD = 14,
	PFS_V3_DEL_END = 16
};
_Static_assert(PFS_V3_DEL_END == PFS_V3_DEL_LEN, "pfsync_state_del is 16");

/* struct pfsync_state_upd_req (UREQ), 16 bytes: 0 id  8 creatorid  12 pad */
enum { PFS_V3_UREQ_ID = 0, PFS_V3_UREQ_CREATORID = 8, PFS_V3_UREQ_PAD = 12 };
_Static_assert(PFS_V3_UREQ_PAD + 4 == PFS_V3_UREQ_LEN, "upd_req is 16");

/* struct pfsync_state_clr (CLR), 24 bytes: 0 ifname  16 creatorid  20 pad */
enum { PFS_V3_CLR_IFNAME = 0, PFS_V3_CLR_CREATORID = 16, PFS_V3_CLR_PAD = 20 };
_Static_assert(PFS_V3_CLR_PAD + 4 == PFS_V3_CLR_LEN, "state_clr is 24");

/*
 * struct pfsync_state_bus (BUS), 16 bytes:
 *   0 creatorid  4 endtime (be32)  8 status  9 pad (7)
 */
enum {
	PFS_V3_BUS_CREATORID = 0,
	PFS_V3_BUS_ENDTIME = 4,
	PFS_V3_BUS_STATUS = 8,
	PFS_V3_BUS_PAD = 9
};
_Static_assert(PFS_V3_BUS_PAD + 7 == PFS_V3_BUS_LEN, "state_bus is 16");

/*
 * struct pfsync_tdb (TDB_UPD), NetBSD layout, 48 bytes:
 *   0 spi (be32)  4 dst (28, sockaddr_union raw)  32 rpl (be32)
 *  36 cur_bytes (be64)  44 sproto  45 updates  46 pad (2)
 */
enum {
	PFS_V3_TDB_SPI = 0,
	PFS_V3_TDB_DST = 4,
	PFS_V3_TDB_RPL = 32,
	PFS_V3_TDB_CUR_BYTES = 36,
	PFS_V3_TDB_SPROTO = 44,
	PFS_V3_TDB_UPDATES = 45,
	PFS_V3_TDB_PAD = 46
};
_Static_assert(PFS_V3_TDB_RPL == PFS_V3_TDB_DST + 28, "tdb dst");
_Static_assert(PFS_V3_TDB_PAD + 2 == PFS_V3_TDB_LEN, "pfsync_tdb is 48");

/*
 * Per-action facts, indexed by action code: tcpdump's name, the record
 * size, and whether the packet carries exactly one record whatever its
 * count says (CLR and BUS senders leave count at 0).
 */
struct pfs_v3_action_info {
	const char *name;
	size_t reclen;
	bool single;
};

static const struct pfs_v3_action_info pfs_v3_actions[PFS_V3_ACT_MAX] = {
	[PFS_V3_ACT_CLR] = {"CLR ST", PFS_V3_CLR_LEN, true},
	[PFS_V3_ACT_INS] = {"INS ST", PFS_V3_STATE_LEN, false},
	[PFS_V3_ACT_UPD] = {"UPD ST", PFS_V3_STATE_LEN, false},
	[PFS_V3_ACT_DEL] = {"DEL ST", PFS_V3_STATE_LEN, false},
	[PFS_V3_ACT_UPD_C] = {"UPD ST COMP", PFS_V3_UPD_LEN, false},
	[PFS_V3_ACT_DEL_C] = {"DEL ST COMP", PFS_V3_DEL_LEN, false},
	[PFS_V3_ACT_INS_F] = {"INS FR", 0, false},
	[PFS_V3_ACT_DEL_F] = {"DEL FR", 0, false},
	[PFS_V3_ACT_UREQ] = {"UPD REQ", PFS_V3_UREQ_LEN, false},
	[PFS_V3_ACT_BUS] = {"BLK UPD STAT", PFS_V3_BUS_LEN, true},
	[PFS_V3_ACT_TDB_UPD] = {"TDB UPD", PFS_V3_TDB_LEN, false},
};

uint8_t pfs_v3_af_to_wire(uint8_t linux_af)
{
	switch (linux_af) {
	case AF_INET:
		return PFS_V3_AF_INET;
	case AF_INET6:
		return PFS_V3_AF_INET6;
	default:
		return 0; /* unknown families travel as 0 */
	}
}

uint8_t pfs_v3_af_from_wire(uint8_t wire_af)
{
	switch (wire_af) {
	case PFS_V3_AF_INET:
		return AF_INET;
	case PFS_V3_AF_INET6:
		return AF_INET6;
	default:
		return 0; /* receivers reject af 0 as a bad value */
	}
}

size_t pfs_v3_reclen(uint8_t action)
{
	if (action >= PFS_V3_ACT_MAX)
		return 0;
	return pfs_v3_actions[action].reclen;
}

const char *pfs_v3_action_name(uint8_t action)
{
	if (action >= PFS_V3_ACT_MAX)
		return "?";
	return pfs_v3_actions[action].name;
}

/*
 * pfsync_setmtu: the MTU is clamped to MCLBYTES, and the divisor is the
 * full state size for every action.  Below 20 + 240 bytes not even one
 * full state fits, so 0 is returned (the kernel refuses such MTUs with
 * PFSYNC_MINMTU anyway); for every mtu >= 260 the result is at least 1.
 */
unsigned pfs_v3_maxcount(unsigned mtu)
{
	unsigned n;

	if (mtu > PFS_V3_MTU_MAX)
		mtu = PFS_V3_MTU_MAX;
	if (mtu < PFS_V3_HDR_LEN + PFS_V3_STATE_LEN)
		return 0;
	n = (mtu - PFS_V3_HDR_LEN) / PFS_V3_STATE_LEN;
	return n > PFS_V3_MAXCOUNT_CAP ? PFS_V3_MAXCOUNT_CAP : n;
}

/* --- names and hosts ------------------------------------------------------ */

/*
 * An interface name is 16 bytes, NUL padded.  The decoder keeps the bytes
 * up to the first NUL (at most 15) and zeroes the rest, so the result is
 * always a terminated C string and re-encodes to the same bytes.
 */
static void pfs_v3_get_ifname(struct pfs_rbuf *rb, char *name)
{
	size_t n;

	pfs_rbuf_get_bytes(rb, name, PFS_IFNAMSIZ);
	n = strnlen(name, PFS_IFNAMSIZ - 1);
	memset(name + n, 0, PFS_IFNAMSIZ - n);
}

static void pfs_v3_put_ifname(struct pfs_wbuf *wb, const char *name)
{
	size_t n = strnlen(name, PFS_IFNAMSIZ - 1);

	pfs_wbuf_put_bytes(wb, name, n);
	pfs_wbuf_put_zero(wb, PFS_IFNAMSIZ - n);
}

static void pfs_v3_get_host(struct pfs_rbuf *rb, struct pfs_host *h)
{
	pfs_rbuf_get_bytes(rb, h->addr.a, sizeof(h->addr.a));
	h->port = pfs_rbuf_get_be16(rb);
	pfs_rbuf_skip(rb, PFS_V3_HOST_LEN - PFS_V3_HOST_PAD);
}

static void pfs_v3_put_host(struct pfs_wbuf *wb, const struct pfs_host *h)
{
	pfs_wbuf_put_bytes(wb, h->addr.a, sizeof(h->addr.a));
	pfs_wbuf_put_be16(wb, h->port);
	pfs_wbuf_put_zero(wb, PFS_V3_HOST_LEN - PFS_V3_HOST_PAD);
}

/* --- peers ---------------------------------------------------------------- */

void pfs_v3_get_peer(struct pfs_rbuf *rb, struct pfs_peer *p)
{
	p->scrub.flags = pfs_rbuf_get_be16(rb);
	p->scrub.ttl = pfs_rbuf_get_u8(rb);
	p->scrub.valid = pfs_rbuf_get_u8(rb);
	p->scrub.ts_mod = pfs_rbuf_get_be32(rb);
	p->seqlo = pfs_rbuf_get_be32(rb);
	p->seqhi = pfs_rbuf_get_be32(rb);
	p->seqdiff = pfs_rbuf_get_be32(rb);
	p->max_win = pfs_rbuf_get_be16(rb);
	p->mss = pfs_rbuf_get_be16(rb);
	p->state = pfs_rbuf_get_u8(rb);
	p->wscale = pfs_rbuf_get_u8(rb);
	pfs_rbuf_skip(rb, PFS_V3_PEER_LEN - PFS_V3_PEER_PAD);
}

void pfs_v3_put_peer(struct pfs_wbuf *wb, const struct pfs_peer *p)
{
	pfs_wbuf_put_be16(wb, p->scrub.flags);
	pfs_wbuf_put_u8(wb, p->scrub.ttl);
	pfs_wbuf_put_u8(wb, p->scrub.valid);
	pfs_wbuf_put_be32(wb, p->scrub.ts_mod);
	pfs_wbuf_put_be32(wb, p->seqlo);
	pfs_wbuf_put_be32(wb, p->seqhi);
	pfs_wbuf_put_be32(wb, p->seqdiff);
	pfs_wbuf_put_be16(wb, p->max_win);
	pfs_wbuf_put_be16(wb, p->mss);
	pfs_wbuf_put_u8(wb, p->state);
	pfs_wbuf_put_u8(wb, p->wscale);
	pfs_wbuf_put_zero(wb, PFS_V3_PEER_LEN - PFS_V3_PEER_PAD);
}

/* --- header --------------------------------------------------------------- */

void pfs_v3_get_header(struct pfs_rbuf *rb, struct pfs_v3_header *h)
{
	h->version = pfs_rbuf_get_u8(rb);
	h->af = pfs_rbuf_get_u8(rb);
	h->action = pfs_rbuf_get_u8(rb);
	h->count = pfs_rbuf_get_u8(rb);
	pfs_rbuf_get_bytes(rb, h->chksum, sizeof(h->chksum));
}

/* The header af byte is always sent as 0 (reference §1.2), whatever h says. */
void pfs_v3_put_header(struct pfs_wbuf *wb, const struct pfs_v3_header *h)
{
	pfs_wbuf_put_u8(wb, h->version);
	pfs_wbuf_put_u8(wb, 0);
	pfs_wbuf_put_u8(wb, h->action);
	pfs_wbuf_put_u8(wb, h->count);
	pfs_wbuf_put_bytes(wb, h->chksum, sizeof(h->chksum));
}

/* --- full state (INS, UPD, DEL) ------------------------------------------ */

/* Offsets 0..175: id, ifname, the three hosts, the two peers, rt_addr. */
static void pfs_v3_get_state_keys(struct pfs_rbuf *rb, struct pfs_state *st)
{
	st->id = pfs_rbuf_get_be64(rb);
	pfs_v3_get_ifname(rb, st->ifname);
	pfs_v3_get_host(rb, &st->lan);
	pfs_v3_get_host(rb, &st->gwy);
	pfs_v3_get_host(rb, &st->ext);
	pfs_v3_get_peer(rb, &st->src);
	pfs_v3_get_peer(rb, &st->dst);
	pfs_rbuf_get_bytes(rb, st->rt_addr.a, sizeof(st->rt_addr.a));
}

/* Offsets 176..239: rule numbers, times, counters, ids and single bytes. */
static void pfs_v3_get_state_tail(struct pfs_rbuf *rb, struct pfs_state *st)
{
	st->rule = pfs_rbuf_get_be32(rb);
	st->anchor = pfs_rbuf_get_be32(rb);
	st->nat_rule = pfs_rbuf_get_be32(rb);
	st->creation = pfs_rbuf_get_be32(rb);
	st->expire = pfs_rbuf_get_be32(rb);
	/* hi word then lo word, both big-endian: a big-endian u64 */
	st->packets[0] = pfs_rbuf_get_be64(rb);
	st->packets[1] = pfs_rbuf_get_be64(rb);
	st->bytes[0] = pfs_rbuf_get_be64(rb);
	st->bytes[1] = pfs_rbuf_get_be64(rb);
	st->creatorid = pfs_rbuf_get_be32(rb);
	st->af = pfs_v3_af_from_wire(pfs_rbuf_get_u8(rb));
	st->proto = pfs_rbuf_get_u8(rb);
	st->direction = pfs_rbuf_get_u8(rb);
	st->log = pfs_rbuf_get_u8(rb);
	st->allow_opts = pfs_rbuf_get_u8(rb);
	st->timeout = pfs_rbuf_get_u8(rb);
	st->sync_flags = pfs_rbuf_get_u8(rb);
	st->updates = pfs_rbuf_get_u8(rb);
}

/* creation and expire stay wire-relative; the engine converts them. */
void pfs_v3_get_state(struct pfs_rbuf *rb, struct pfs_state *st)
{
	pfs_v3_get_state_keys(rb, st);
	pfs_v3_get_state_tail(rb, st);
	st->sync_time = 0; /* not on the wire */
}

static void pfs_v3_put_state_keys(struct pfs_wbuf *wb,
				  const struct pfs_state *st)
{
	pfs_wbuf_put_be64(wb, st->id);
	pfs_v3_put_ifname(wb, st->ifname);
	pfs_v3_put_host(wb, &st->lan);
	pfs_v3_put_host(wb, &st->gwy);
	pfs_v3_put_host(wb, &st->ext);
	pfs_v3_put_peer(wb, &st->src);
	pfs_v3_put_peer(wb, &st->dst);
	pfs_wbuf_put_bytes(wb, st->rt_addr.a, sizeof(st->rt_addr.a));
}

static void pfs_v3_put_state_tail(struct pfs_wbuf *wb,
				  const struct pfs_state *st)
{
	pfs_wbuf_put_be32(wb, st->rule);
	pfs_wbuf_put_be32(wb, st->anchor);
	pfs_wbuf_put_be32(wb, st->nat_rule);
	pfs_wbuf_put_be32(wb, st->creation);
	pfs_wbuf_put_be32(wb, st->expire);
	pfs_wbuf_put_be64(wb, st->packets[0]);
	pfs_wbuf_put_be64(wb, st->packets[1]);
	pfs_wbuf_put_be64(wb, st->bytes[0]);
	pfs_wbuf_put_be64(wb, st->bytes[1]);
	pfs_wbuf_put_be32(wb, st->creatorid);
	pfs_wbuf_put_u8(wb, pfs_v3_af_to_wire(st->af));
	pfs_wbuf_put_u8(wb, st->proto);
	pfs_wbuf_put_u8(wb, st->direction);
	pfs_wbuf_put_u8(wb, st->log);
	pfs_wbuf_put_u8(wb, st->allow_opts);
	pfs_wbuf_put_u8(wb, st->timeout);
	pfs_wbuf_put_u8(wb, st->sync_flags);
	pfs_wbuf_put_u8(wb, st->updates);
}

/* The caller has already made creation and expire wire-relative. */
void pfs_v3_put_state(struct pfs_wbuf *wb, const struct pfs_state *st)
{
	pfs_v3_put_state_keys(wb, st);
	pfs_v3_put_state_tail(wb, st);
}

/* --- compressed and small records ---------------------------------------- */

void pfs_v3_get_upd(struct pfs_rbuf *rb, struct pfs_v3_upd *u)
{
	u->id = pfs_rbuf_get_be64(rb);
	pfs_v3_get_peer(rb, &u->src);
	pfs_v3_get_peer(rb, &u->dst);
	u->creatorid = pfs_rbuf_get_be32(rb);
	u->expire = pfs_rbuf_get_be32(rb);
	u->timeout = pfs_rbuf_get_u8(rb);
	u->updates = pfs_rbuf_get_u8(rb);
	pfs_rbuf_skip(rb, PFS_V3_UPD_END - PFS_V3_UPD_PAD);
}

void pfs_v3_put_upd(struct pfs_wbuf *wb, const struct pfs_v3_upd *u)
{
	pfs_wbuf_put_be64(wb, u->id);
	pfs_v3_put_peer(wb, &u->src);
	pfs_v3_put_peer(wb, &u->dst);
	pfs_wbuf_put_be32(wb, u->creatorid);
	pfs_wbuf_put_be32(wb, u->expire);
	pfs_wbuf_put_u8(wb, u->timeout);
	pfs_wbuf_put_u8(wb, u->updates);
	pfs_wbuf_put_zero(wb, PFS_V3_UPD_END - PFS_V3_UPD_PAD);
}

void pfs_v3_get_del(struct pfs_rbuf *rb, struct pfs_v3_del *d)
{
	d->id = pfs_rbuf_get_be64(rb);
	d->creatorid = pfs_rbuf_get_be32(rb);
	d->src_state = pfs_rbuf_get_u8(rb);
	d->dst_state = pfs_rbuf_get_u8(rb);
	pfs_rbuf_skip(rb, PFS_V3_DEL_END - PFS_V3_DEL_PAD);
}

void pfs_v3_put_del(struct pfs_wbuf *wb, const struct pfs_v3_del *d)
{
	pfs_wbuf_put_be64(wb, d->id);
	pfs_wbuf_put_be32(wb, d->creatorid);
	pfs_wbuf_put_u8(wb, d->src_state);
	pfs_wbuf_put_u8(wb, d->dst_state);
	pfs_wbuf_put_zero(wb, PFS_V3_DEL_END - PFS_V3_DEL_PAD);
}

void pfs_v3_get_ureq(struct pfs_rbuf *rb, struct pfs_v3_ureq *r)
{
	r->id = pfs_rbuf_get_be64(rb);
	r->creatorid = pfs_rbuf_get_be32(rb);
	pfs_rbuf_skip(rb, PFS_V3_UREQ_LEN - PFS_V3_UREQ_PAD);
}

void pfs_v3_put_ureq(struct pfs_wbuf *wb, const struct pfs_v3_ureq *r)
{
	pfs_wbuf_put_be64(wb, r->id);
	pfs_wbuf_put_be32(wb, r->creatorid);
	pfs_wbuf_put_zero(wb, PFS_V3_UREQ_LEN - PFS_V3_UREQ_PAD);
}

void pfs_v3_get_clr(struct pfs_rbuf *rb, struct pfs_v3_clr *c)
{
	pfs_v3_get_ifname(rb, c->ifname);
	c->creatorid = pfs_rbuf_get_be32(rb);
	pfs_rbuf_skip(rb, PFS_V3_CLR_LEN - PFS_V3_CLR_PAD);
}

void pfs_v3_put_clr(struct pfs_wbuf *wb, const struct pfs_v3_clr *c)
{
	pfs_v3_put_ifname(wb, c->ifname);
	pfs_wbuf_put_be32(wb, c->creatorid);
	pfs_wbuf_put_zero(wb, PFS_V3_CLR_LEN - PFS_V3_CLR_PAD);
}

void pfs_v3_get_bus(struct pfs_rbuf *rb, struct pfs_v3_bus *b)
{
	b->creatorid = pfs_rbuf_get_be32(rb);
	b->endtime = pfs_rbuf_get_be32(rb);
	b->status = pfs_rbuf_get_u8(rb);
	pfs_rbuf_skip(rb, PFS_V3_BUS_LEN - PFS_V3_BUS_PAD);
}

void pfs_v3_put_bus(struct pfs_wbuf *wb, const struct pfs_v3_bus *b)
{
	pfs_wbuf_put_be32(wb, b->creatorid);
	pfs_wbuf_put_be32(wb, b->endtime);
	pfs_wbuf_put_u8(wb, b->status);
	pfs_wbuf_put_zero(wb, PFS_V3_BUS_LEN - PFS_V3_BUS_PAD);
}

void pfs_v3_get_tdb(struct pfs_rbuf *rb, struct pfs_v3_tdb *t)
{
	t->spi = pfs_rbuf_get_be32(rb);
	pfs_rbuf_get_bytes(rb, t->dst, sizeof(t->dst));
	t->rpl = pfs_rbuf_get_be32(rb);
	t->cur_bytes = pfs_rbuf_get_be64(rb);
	t->sproto = pfs_rbuf_get_u8(rb);
	t->updates = pfs_rbuf_get_u8(rb);
	pfs_rbuf_skip(rb, PFS_V3_TDB_LEN - PFS_V3_TDB_PAD);
}

void pfs_v3_put_tdb(struct pfs_wbuf *wb, const struct pfs_v3_tdb *t)
{
	pfs_wbuf_put_be32(wb, t->spi);
	pfs_wbuf_put_bytes(wb, t->dst, sizeof(t->dst));
	pfs_wbuf_put_be32(wb, t->rpl);
	pfs_wbuf_put_be64(wb, t->cur_bytes);
	pfs_wbuf_put_u8(wb, t->sproto);
	pfs_wbuf_put_u8(wb, t->updates);
	pfs_wbuf_put_zero(wb, PFS_V3_TDB_LEN - PFS_V3_TDB_PAD);
}

/* --- frames --------------------------------------------------------------- */

/*
 * Receiver's order (reference §4.1, steps 5-9): header length, version,
 * action, then the bytes the records need.  Only shortness is refused;
 * bytes after the last record are ignored, as pfsync_input does.
 */
int pfs_v3_frame_parse(const uint8_t *pkt, size_t len, struct pfs_v3_frame *f)
{
	const struct pfs_v3_action_info *ai;
	struct pfs_rbuf rb;

	memset(f, 0, sizeof(*f));
	if (pkt == NULL || len < PFS_V3_HDR_LEN)
		return PFS_STAT_HDROPS;
	pfs_rbuf_init(&rb, pkt, len);
	pfs_v3_get_header(&rb, &f->hdr);
	if (f->hdr.version != PFS_V3_VERSION)
		return PFS_STAT_BADVER;
	if (f->hdr.action >= PFS_V3_ACT_MAX)
		return PFS_STAT_BADACT;
	ai = &pfs_v3_actions[f->hdr.action];
	f->reclen = ai->reclen;
	if (ai->reclen == 0)
		f->nrec = 0; /* INS_F / DEL_F: nothing to walk */
	else
		f->nrec = ai->single ? 1 : f->hdr.count;
	if (len - PFS_V3_HDR_LEN < f->nrec * f->reclen)
		return PFS_STAT_BADLEN;
	f->body = pkt + PFS_V3_HDR_LEN;
	f->body_len = len - PFS_V3_HDR_LEN;
	return 0;
}

/* Record i of a parsed frame; an out-of-range i yields a zeroed record. */
void pfs_v3_frame_record(const struct pfs_v3_frame *f, size_t i,
			 union pfs_v3_record *rec)
{
	struct pfs_rbuf rb;

	if (i >= f->nrec) {
		memset(rec, 0, sizeof(*rec));
		return;
	}
	pfs_rbuf_init(&rb, f->body + i * f->reclen, f->reclen);
	switch (f->hdr.action) {
	case PFS_V3_ACT_INS:
	case PFS_V3_ACT_UPD:
	case PFS_V3_ACT_DEL:
		pfs_v3_get_state(&rb, &rec->state);
		break;
	case PFS_V3_ACT_UPD_C:
		pfs_v3_get_upd(&rb, &rec->upd);
		break;
	case PFS_V3_ACT_DEL_C:
		pfs_v3_get_del(&rb, &rec->del);
		break;
	case PFS_V3_ACT_UREQ:
		pfs_v3_get_ureq(&rb, &rec->ureq);
		break;
	case PFS_V3_ACT_CLR:
		pfs_v3_get_clr(&rb, &rec->clr);
		break;
	case PFS_V3_ACT_BUS:
		pfs_v3_get_bus(&rb, &rec->bus);
		break;
	default:
		pfs_v3_get_tdb(&rb, &rec->tdb);
		break;
	}
}
