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

#include "wire_bytes.h"

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
_Static_assert(PFS_V3_UPD_CREATORID == PFS_V3_UPD_DST + PFS_V3_PEER_LEN, "dst");
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

/* --- record windows ------------------------------------------------------- */

/*
 * The hot path checks bounds once per record, not once per field: a record
 * is first taken whole from the checked cursor (wb_rd_take and
 * pfs_v3_wr_take), then each field is loaded or stored at its offset from
 * the enums above, inside that window.  Addressing by constant offset from
 * one local base pointer (rather than advancing a pointer kept in memory)
 * lets the compiler merge the byte accesses into single loads and stores:
 * with char-typed pointers every byte store could otherwise alias the
 * pointer itself.  A record that does not fit sets the cursor's sticky
 * error and leaves the output zeroed (decoders) or the buffer untouched
 * (encoders).
 */
/* --- names and hosts ------------------------------------------------------ */

/*
 * An interface name is 16 bytes, NUL padded.  The decoder keeps the bytes
 * up to the first NUL (at most 15) and zeroes the rest, so the result is
 * always a terminated C string and re-encodes to the same bytes.
 */
static inline void pfs_v3_ld_host(const uint8_t *p, struct pfs_host *h)
{
	memcpy(h->addr.a, p + PFS_V3_HOST_ADDR, sizeof(h->addr.a));
	h->port = wb_ld16(p, PFS_V3_HOST_PORT);
}

static inline void pfs_v3_st_host(uint8_t *p, const struct pfs_host *h)
{
	memcpy(p + PFS_V3_HOST_ADDR, h->addr.a, sizeof(h->addr.a));
	wb_st16(p, PFS_V3_HOST_PORT, h->port);
}

/* --- peers ---------------------------------------------------------------- */

static inline void pfs_v3_ld_peer(const uint8_t *p, struct pfs_peer *pe)
{
	pe->scrub.flags = wb_ld16(p, PFS_V3_PEER_SCRUB_FLAGS);
	pe->scrub.ttl = p[PFS_V3_PEER_SCRUB_TTL];
	pe->scrub.valid = p[PFS_V3_PEER_SCRUB_FLAG];
	pe->scrub.ts_mod = wb_ld32(p, PFS_V3_PEER_SCRUB_TS_MOD);
	pe->seqlo = wb_ld32(p, PFS_V3_PEER_SEQLO);
	pe->seqhi = wb_ld32(p, PFS_V3_PEER_SEQHI);
	pe->seqdiff = wb_ld32(p, PFS_V3_PEER_SEQDIFF);
	pe->max_win = wb_ld16(p, PFS_V3_PEER_MAX_WIN);
	pe->mss = wb_ld16(p, PFS_V3_PEER_MSS);
	pe->state = p[PFS_V3_PEER_STATE];
	pe->wscale = p[PFS_V3_PEER_WSCALE];
}

static inline void pfs_v3_st_peer(uint8_t *p, const struct pfs_peer *pe)
{
	wb_st16(p, PFS_V3_PEER_SCRUB_FLAGS, pe->scrub.flags);
	p[PFS_V3_PEER_SCRUB_TTL] = pe->scrub.ttl;
	p[PFS_V3_PEER_SCRUB_FLAG] = pe->scrub.valid;
	wb_st32(p, PFS_V3_PEER_SCRUB_TS_MOD, pe->scrub.ts_mod);
	wb_st32(p, PFS_V3_PEER_SEQLO, pe->seqlo);
	wb_st32(p, PFS_V3_PEER_SEQHI, pe->seqhi);
	wb_st32(p, PFS_V3_PEER_SEQDIFF, pe->seqdiff);
	wb_st16(p, PFS_V3_PEER_MAX_WIN, pe->max_win);
	wb_st16(p, PFS_V3_PEER_MSS, pe->mss);
	p[PFS_V3_PEER_STATE] = pe->state;
	p[PFS_V3_PEER_WSCALE] = pe->wscale;
}

void pfs_v3_get_peer(struct pfs_rbuf *rb, struct pfs_peer *pe)
{
	const uint8_t *p = wb_rd_take(rb, PFS_V3_PEER_LEN);

	if (p != NULL)
		pfs_v3_ld_peer(p, pe);
	else
		memset(pe, 0, sizeof(*pe));
}

void pfs_v3_put_peer(struct pfs_wbuf *wb, const struct pfs_peer *pe)
{
	uint8_t *p = wb_wr_take(wb, PFS_V3_PEER_LEN);

	if (p != NULL)
		pfs_v3_st_peer(p, pe);
}

/* --- header --------------------------------------------------------------- */

void pfs_v3_get_header(struct pfs_rbuf *rb, struct pfs_v3_header *h)
{
	const uint8_t *p = wb_rd_take(rb, PFS_V3_HDR_LEN);

	if (p == NULL) {
		memset(h, 0, sizeof(*h));
		return;
	}
	h->version = p[PFS_V3_HDR_VERSION];
	h->af = p[PFS_V3_HDR_AF];
	h->action = p[PFS_V3_HDR_ACTION];
	h->count = p[PFS_V3_HDR_COUNT];
	memcpy(h->chksum, p + PFS_V3_HDR_CHKSUM, sizeof(h->chksum));
}

/* The header af byte is always sent as 0 (reference §1.2), whatever h says. */
void pfs_v3_put_header(struct pfs_wbuf *wb, const struct pfs_v3_header *h)
{
	uint8_t *p = wb_wr_take(wb, PFS_V3_HDR_LEN);

	if (p == NULL)
		return;
	p[PFS_V3_HDR_VERSION] = h->version;
	p[PFS_V3_HDR_ACTION] = h->action;
	p[PFS_V3_HDR_COUNT] = h->count;
	memcpy(p + PFS_V3_HDR_CHKSUM, h->chksum, sizeof(h->chksum));
}

/* --- full state (INS, UPD, DEL) ------------------------------------------- */

/* Offsets 0..175: id, ifname, the three hosts, the two peers, rt_addr. */
static inline void pfs_v3_ld_state_keys(const uint8_t *p, struct pfs_state *st)
{
	st->id = wb_ld64(p, PFS_V3_ST_ID);
	wb_ld_name(p + PFS_V3_ST_IFNAME, st->ifname, PFS_IFNAMSIZ);
	pfs_v3_ld_host(p + PFS_V3_ST_LAN, &st->lan);
	pfs_v3_ld_host(p + PFS_V3_ST_GWY, &st->gwy);
	pfs_v3_ld_host(p + PFS_V3_ST_EXT, &st->ext);
	pfs_v3_ld_peer(p + PFS_V3_ST_SRC, &st->src);
	pfs_v3_ld_peer(p + PFS_V3_ST_DST, &st->dst);
	memcpy(st->rt_addr.a, p + PFS_V3_ST_RT_ADDR, sizeof(st->rt_addr.a));
}

/* Offsets 176..239: rule numbers, times, counters, ids and single bytes. */
static inline void pfs_v3_ld_state_tail(const uint8_t *p, struct pfs_state *st)
{
	st->rule = wb_ld32(p, PFS_V3_ST_RULE);
	st->anchor = wb_ld32(p, PFS_V3_ST_ANCHOR);
	st->nat_rule = wb_ld32(p, PFS_V3_ST_NAT_RULE);
	st->creation = wb_ld32(p, PFS_V3_ST_CREATION);
	st->expire = wb_ld32(p, PFS_V3_ST_EXPIRE);
	st->packets[0] = wb_ld64(p, PFS_V3_ST_PACKETS);
	st->packets[1] = wb_ld64(p, PFS_V3_ST_PACKETS + 8);
	st->bytes[0] = wb_ld64(p, PFS_V3_ST_BYTES);
	st->bytes[1] = wb_ld64(p, PFS_V3_ST_BYTES + 8);
	st->creatorid = wb_ld32(p, PFS_V3_ST_CREATORID);
	st->af = pfs_v3_af_from_wire(p[PFS_V3_ST_AF]);
	st->proto = p[PFS_V3_ST_PROTO];
	st->direction = p[PFS_V3_ST_DIRECTION];
	st->log = p[PFS_V3_ST_LOG];
	st->allow_opts = p[PFS_V3_ST_ALLOW_OPTS];
	st->timeout = p[PFS_V3_ST_TIMEOUT];
	st->sync_flags = p[PFS_V3_ST_SYNC_FLAGS];
	st->updates = p[PFS_V3_ST_UPDATES];
}

/* creation and expire stay wire-relative; the engine converts them. */
void pfs_v3_get_state(struct pfs_rbuf *rb, struct pfs_state *st)
{
	const uint8_t *p = wb_rd_take(rb, PFS_V3_STATE_LEN);

	if (p == NULL) {
		memset(st, 0, sizeof(*st));
		return;
	}
	pfs_v3_ld_state_keys(p, st);
	pfs_v3_ld_state_tail(p, st);
	st->sync_time = 0; /* not on the wire */
	st->local_flags = 0;
	st->prov = 0;
}

static inline void pfs_v3_st_state_keys(uint8_t *p, const struct pfs_state *st)
{
	wb_st64(p, PFS_V3_ST_ID, st->id);
	wb_st_name(p + PFS_V3_ST_IFNAME, st->ifname, PFS_IFNAMSIZ);
	pfs_v3_st_host(p + PFS_V3_ST_LAN, &st->lan);
	pfs_v3_st_host(p + PFS_V3_ST_GWY, &st->gwy);
	pfs_v3_st_host(p + PFS_V3_ST_EXT, &st->ext);
	pfs_v3_st_peer(p + PFS_V3_ST_SRC, &st->src);
	pfs_v3_st_peer(p + PFS_V3_ST_DST, &st->dst);
	memcpy(p + PFS_V3_ST_RT_ADDR, st->rt_addr.a, sizeof(st->rt_addr.a));
}

static inline void pfs_v3_st_state_tail(uint8_t *p, const struct pfs_state *st)
{
	wb_st32(p, PFS_V3_ST_RULE, st->rule);
	wb_st32(p, PFS_V3_ST_ANCHOR, st->anchor);
	wb_st32(p, PFS_V3_ST_NAT_RULE, st->nat_rule);
	wb_st32(p, PFS_V3_ST_CREATION, st->creation);
	wb_st32(p, PFS_V3_ST_EXPIRE, st->expire);
	wb_st64(p, PFS_V3_ST_PACKETS, st->packets[0]);
	wb_st64(p, PFS_V3_ST_PACKETS + 8, st->packets[1]);
	wb_st64(p, PFS_V3_ST_BYTES, st->bytes[0]);
	wb_st64(p, PFS_V3_ST_BYTES + 8, st->bytes[1]);
	wb_st32(p, PFS_V3_ST_CREATORID, st->creatorid);
	p[PFS_V3_ST_AF] = pfs_v3_af_to_wire(st->af);
	p[PFS_V3_ST_PROTO] = st->proto;
	p[PFS_V3_ST_DIRECTION] = st->direction;
	p[PFS_V3_ST_LOG] = st->log;
	p[PFS_V3_ST_ALLOW_OPTS] = st->allow_opts;
	p[PFS_V3_ST_TIMEOUT] = st->timeout;
	p[PFS_V3_ST_SYNC_FLAGS] = st->sync_flags;
	p[PFS_V3_ST_UPDATES] = st->updates;
}

/* The caller has already made creation and expire wire-relative. */
void pfs_v3_put_state(struct pfs_wbuf *wb, const struct pfs_state *st)
{
	uint8_t *p = wb_wr_take(wb, PFS_V3_STATE_LEN);

	if (p == NULL)
		return;
	pfs_v3_st_state_keys(p, st);
	pfs_v3_st_state_tail(p, st);
}

/* --- compressed and small records ----------------------------------------- */

void pfs_v3_get_upd(struct pfs_rbuf *rb, struct pfs_v3_upd *u)
{
	const uint8_t *p = wb_rd_take(rb, PFS_V3_UPD_LEN);

	if (p == NULL) {
		memset(u, 0, sizeof(*u));
		return;
	}
	u->id = wb_ld64(p, PFS_V3_UPD_ID);
	pfs_v3_ld_peer(p + PFS_V3_UPD_SRC, &u->src);
	pfs_v3_ld_peer(p + PFS_V3_UPD_DST, &u->dst);
	u->creatorid = wb_ld32(p, PFS_V3_UPD_CREATORID);
	u->expire = wb_ld32(p, PFS_V3_UPD_EXPIRE);
	u->timeout = p[PFS_V3_UPD_TIMEOUT];
	u->updates = p[PFS_V3_UPD_UPDATES];
}

void pfs_v3_put_upd(struct pfs_wbuf *wb, const struct pfs_v3_upd *u)
{
	uint8_t *p = wb_wr_take(wb, PFS_V3_UPD_LEN);

	if (p == NULL)
		return;
	wb_st64(p, PFS_V3_UPD_ID, u->id);
	pfs_v3_st_peer(p + PFS_V3_UPD_SRC, &u->src);
	pfs_v3_st_peer(p + PFS_V3_UPD_DST, &u->dst);
	wb_st32(p, PFS_V3_UPD_CREATORID, u->creatorid);
	wb_st32(p, PFS_V3_UPD_EXPIRE, u->expire);
	p[PFS_V3_UPD_TIMEOUT] = u->timeout;
	p[PFS_V3_UPD_UPDATES] = u->updates;
}

void pfs_v3_get_del(struct pfs_rbuf *rb, struct pfs_v3_del *d)
{
	const uint8_t *p = wb_rd_take(rb, PFS_V3_DEL_LEN);

	if (p == NULL) {
		memset(d, 0, sizeof(*d));
		return;
	}
	d->id = wb_ld64(p, PFS_V3_DEL_ID);
	d->creatorid = wb_ld32(p, PFS_V3_DEL_CREATORID);
	d->src_state = p[PFS_V3_DEL_SRC_STATE];
	d->dst_state = p[PFS_V3_DEL_DST_STATE];
}

void pfs_v3_put_del(struct pfs_wbuf *wb, const struct pfs_v3_del *d)
{
	uint8_t *p = wb_wr_take(wb, PFS_V3_DEL_LEN);

	if (p == NULL)
		return;
	wb_st64(p, PFS_V3_DEL_ID, d->id);
	wb_st32(p, PFS_V3_DEL_CREATORID, d->creatorid);
	p[PFS_V3_DEL_SRC_STATE] = d->src_state;
	p[PFS_V3_DEL_DST_STATE] = d->dst_state;
}

void pfs_v3_get_ureq(struct pfs_rbuf *rb, struct pfs_v3_ureq *r)
{
	const uint8_t *p = wb_rd_take(rb, PFS_V3_UREQ_LEN);

	if (p == NULL) {
		memset(r, 0, sizeof(*r));
		return;
	}
	r->id = wb_ld64(p, PFS_V3_UREQ_ID);
	r->creatorid = wb_ld32(p, PFS_V3_UREQ_CREATORID);
}

void pfs_v3_put_ureq(struct pfs_wbuf *wb, const struct pfs_v3_ureq *r)
{
	uint8_t *p = wb_wr_take(wb, PFS_V3_UREQ_LEN);

	if (p == NULL)
		return;
	wb_st64(p, PFS_V3_UREQ_ID, r->id);
	wb_st32(p, PFS_V3_UREQ_CREATORID, r->creatorid);
}

void pfs_v3_get_clr(struct pfs_rbuf *rb, struct pfs_v3_clr *c)
{
	const uint8_t *p = wb_rd_take(rb, PFS_V3_CLR_LEN);

	if (p == NULL) {
		memset(c, 0, sizeof(*c));
		return;
	}
	wb_ld_name(p + PFS_V3_CLR_IFNAME, c->ifname, PFS_IFNAMSIZ);
	c->creatorid = wb_ld32(p, PFS_V3_CLR_CREATORID);
}

void pfs_v3_put_clr(struct pfs_wbuf *wb, const struct pfs_v3_clr *c)
{
	uint8_t *p = wb_wr_take(wb, PFS_V3_CLR_LEN);

	if (p == NULL)
		return;
	wb_st_name(p + PFS_V3_CLR_IFNAME, c->ifname, PFS_IFNAMSIZ);
	wb_st32(p, PFS_V3_CLR_CREATORID, c->creatorid);
}

void pfs_v3_get_bus(struct pfs_rbuf *rb, struct pfs_v3_bus *b)
{
	const uint8_t *p = wb_rd_take(rb, PFS_V3_BUS_LEN);

	if (p == NULL) {
		memset(b, 0, sizeof(*b));
		return;
	}
	b->creatorid = wb_ld32(p, PFS_V3_BUS_CREATORID);
	b->endtime = wb_ld32(p, PFS_V3_BUS_ENDTIME);
	b->status = p[PFS_V3_BUS_STATUS];
}

void pfs_v3_put_bus(struct pfs_wbuf *wb, const struct pfs_v3_bus *b)
{
	uint8_t *p = wb_wr_take(wb, PFS_V3_BUS_LEN);

	if (p == NULL)
		return;
	wb_st32(p, PFS_V3_BUS_CREATORID, b->creatorid);
	wb_st32(p, PFS_V3_BUS_ENDTIME, b->endtime);
	p[PFS_V3_BUS_STATUS] = b->status;
}

void pfs_v3_get_tdb(struct pfs_rbuf *rb, struct pfs_v3_tdb *t)
{
	const uint8_t *p = wb_rd_take(rb, PFS_V3_TDB_LEN);

	if (p == NULL) {
		memset(t, 0, sizeof(*t));
		return;
	}
	t->spi = wb_ld32(p, PFS_V3_TDB_SPI);
	memcpy(t->dst, p + PFS_V3_TDB_DST, sizeof(t->dst));
	t->rpl = wb_ld32(p, PFS_V3_TDB_RPL);
	t->cur_bytes = wb_ld64(p, PFS_V3_TDB_CUR_BYTES);
	t->sproto = p[PFS_V3_TDB_SPROTO];
	t->updates = p[PFS_V3_TDB_UPDATES];
}

void pfs_v3_put_tdb(struct pfs_wbuf *wb, const struct pfs_v3_tdb *t)
{
	uint8_t *p = wb_wr_take(wb, PFS_V3_TDB_LEN);

	if (p == NULL)
		return;
	wb_st32(p, PFS_V3_TDB_SPI, t->spi);
	memcpy(p + PFS_V3_TDB_DST, t->dst, sizeof(t->dst));
	wb_st32(p, PFS_V3_TDB_RPL, t->rpl);
	wb_st64(p, PFS_V3_TDB_CUR_BYTES, t->cur_bytes);
	p[PFS_V3_TDB_SPROTO] = t->sproto;
	p[PFS_V3_TDB_UPDATES] = t->updates;
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

/* The af byte of state record i as it is on the wire: pfs_v3_frame_record
 * translates it, and a family it does not know becomes 0. */
uint8_t pfs_v3_frame_state_af(const struct pfs_v3_frame *f, size_t i)
{
	if (f->hdr.action != PFS_V3_ACT_INS &&
	    f->hdr.action != PFS_V3_ACT_UPD && f->hdr.action != PFS_V3_ACT_DEL)
		return 0;
	if (i >= f->nrec || f->reclen != PFS_V3_STATE_LEN)
		return 0;
	return f->body[i * f->reclen + PFS_V3_ST_AF];
}

/* One record of an action: the encoder twin of pfs_v3_frame_record. */
void pfs_v3_put_record(struct pfs_wbuf *wb, uint8_t action,
		       const union pfs_v3_record *r)
{
	switch (action) {
	case PFS_V3_ACT_INS:
	case PFS_V3_ACT_UPD:
	case PFS_V3_ACT_DEL:
		pfs_v3_put_state(wb, &r->state);
		break;
	case PFS_V3_ACT_UPD_C:
		pfs_v3_put_upd(wb, &r->upd);
		break;
	case PFS_V3_ACT_DEL_C:
		pfs_v3_put_del(wb, &r->del);
		break;
	case PFS_V3_ACT_UREQ:
		pfs_v3_put_ureq(wb, &r->ureq);
		break;
	case PFS_V3_ACT_CLR:
		pfs_v3_put_clr(wb, &r->clr);
		break;
	case PFS_V3_ACT_BUS:
		pfs_v3_put_bus(wb, &r->bus);
		break;
	case PFS_V3_ACT_TDB_UPD:
		pfs_v3_put_tdb(wb, &r->tdb);
		break;
	default: /* INS_F, DEL_F and unknown actions carry no records */
		break;
	}
}
