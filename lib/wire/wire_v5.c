/*
 * wire_v5.c - pfsync v5 codec (FreeBSD), byte exact, with the three state
 * formats 1301, 1400 and 1500 (see wire_v5.h; shared elements and the
 * translation rules in wire_bsd.h).
 *
 * The frame walker follows FreeBSD's pfsync_input: a table of actions
 * with their record size; an unknown action, INS_F and DEL_F end the
 * packet (badact); records past the frame end it (badlen); EOF ends it,
 * and counts badlen when it is not the packet's last byte.
 */
#include <string.h>
#include <sys/socket.h>

#include "pfsync/stats.h"
#include "pfsync/wire_v5.h"
#include "wire_bytes.h"

/* pf_state_key without rdomain and af, 36 bytes: 0 addr[2]  32 port[2] */
enum { V5_KEY_ADDR = 0, V5_KEY_PORT = 32 };
_Static_assert(V5_KEY_PORT + 4 == PFS_V5_KEY_LEN, "state key is 36");

/*
 * The prefix all three formats share, offsets 0..231:
 *    0 id  8 ifname (16)  24 key[WIRE]  60 key[STACK]  96 src  128 dst
 *  160 rt_addr (16)  176 rule  180 anchor  184 nat_rule  188 creation
 *  192 expire  196 packets[2]  212 bytes[2]  228 creatorid
 */
enum {
	V5_ST_ID = 0,
	V5_ST_IFNAME = 8,
	V5_ST_KEY = 24,
	V5_ST_SRC = 96,
	V5_ST_DST = 128,
	V5_ST_RT_ADDR = 160,
	V5_ST_RULE = 176,
	V5_ST_ANCHOR = 180,
	V5_ST_NAT_RULE = 184,
	V5_ST_CREATION = 188,
	V5_ST_EXPIRE = 192,
	V5_ST_PACKETS = 196,
	V5_ST_BYTES = 212,
	V5_ST_CREATORID = 228,
	V5_ST_TAIL = 232
};
_Static_assert(V5_ST_SRC == V5_ST_KEY + 2 * PFS_V5_KEY_LEN, "keys");
_Static_assert(V5_ST_RT_ADDR == V5_ST_DST + PFS_BSD_PEER_LEN, "dst");
_Static_assert(V5_ST_RULE == V5_ST_RT_ADDR + 16, "rt_addr");
_Static_assert(V5_ST_CREATORID == V5_ST_BYTES + 16, "bytes");

/*
 * 1301 tail: 232 af  233 proto  234 direction  235 __spare[2]  237 log
 *            238 state_flags (u8)  239 timeout  240 sync_flags  241 updates
 * 1400 tail: 232 af  233 proto  234 direction  235 state_flags (be16)
 *            237 log  238 __spare  239 timeout  240 sync_flags  241 updates
 *            242 qid  244 pqid  246 dnpipe  248 dnrpipe  250 rtableid
 *            254 min_ttl  255 set_tos  256 max_mss  258 set_prio[2]
 *            260 rt  261 rt_ifname (16)
 */
enum {
	V5_T_AF = 232,
	V5_T_PROTO = 233,
	V5_T_DIRECTION = 234,
	V5_T_FLAGS16 = 235, /* 1400; 1301 has __spare here */
	V5_T_LOG = 237,
	V5_T_FLAGS8 = 238, /* 1301; 1400 has __spare here */
	V5_T_TIMEOUT = 239,
	V5_T_SYNC_FLAGS = 240,
	V5_T_UPDATES = 241,
	V5_T_QID = 242,
	V5_T_PQID = 244,
	V5_T_DNPIPE = 246,
	V5_T_DNRPIPE = 248,
	V5_T_RTABLEID = 250,
	V5_T_MIN_TTL = 254,
	V5_T_SET_TOS = 255,
	V5_T_MAX_MSS = 256,
	V5_T_SET_PRIO = 258,
	V5_T_RT = 260,
	V5_T_RT_IFNAME = 261
};
_Static_assert(V5_T_UPDATES + 1 == PFS_V5_STATE_1301_LEN, "1301 is 242");
_Static_assert(V5_T_RT_IFNAME + PFS_IFNAMSIZ == PFS_V5_STATE_1400_LEN,
	       "1400 is 277");

/*
 * 1500 tail: 232 tagname (64)  296 rt_ifname (16)  312 orig_ifname (16)
 *  328 rtableid  332 state_flags  334 qid  336 pqid  338 dnpipe
 *  340 dnrpipe  342 max_mss  344 wire_af  345 stack_af  346 rt_af
 *  347 wire_proto  348 stack_proto  349 log  350 timeout  351 direction
 *  352 rt  353 min_ttl  354 set_tos  355 set_prio[2]  357 spare[3]
 */
enum {
	V5_U_TAGNAME = 232,
	V5_U_RT_IFNAME = 296,
	V5_U_ORIG_IFNAME = 312,
	V5_U_RTABLEID = 328,
	V5_U_STATE_FLAGS = 332,
	V5_U_QID = 334,
	V5_U_PQID = 336,
	V5_U_DNPIPE = 338,
	V5_U_DNRPIPE = 340,
	V5_U_MAX_MSS = 342,
	V5_U_WIRE_AF = 344,
	V5_U_STACK_AF = 345,
	V5_U_RT_AF = 346,
	V5_U_WIRE_PROTO = 347,
	V5_U_STACK_PROTO = 348,
	V5_U_LOG = 349,
	V5_U_TIMEOUT = 350,
	V5_U_DIRECTION = 351,
	V5_U_RT = 352,
	V5_U_MIN_TTL = 353,
	V5_U_SET_TOS = 354,
	V5_U_SET_PRIO = 355,
	V5_U_SPARE = 357
};
_Static_assert(V5_U_RT_IFNAME == V5_U_TAGNAME + PFS_BSD_TAGLEN, "tagname");
_Static_assert(V5_U_RTABLEID == V5_U_ORIG_IFNAME + PFS_IFNAMSIZ, "orig_if");
_Static_assert(V5_U_SPARE + 3 == PFS_V5_STATE_1500_LEN, "1500 is 360");

/*
 * pfsync_tdb, FreeBSD, 48 bytes: 0 spi  4 dst (28)  32 rpl (be32)
 *  36 cur_bytes (be64)  44 sproto  45 updates  46 _pad (2)
 */
enum {
	V5_TDB_SPI = 0,
	V5_TDB_DST = 4,
	V5_TDB_RPL = 32,
	V5_TDB_CUR_BYTES = 36,
	V5_TDB_SPROTO = 44,
	V5_TDB_UPDATES = 45
};
_Static_assert(V5_TDB_UPDATES + 3 == PFS_V5_TDB_LEN, "pfsync_tdb is 48");

/* Per action: FreeBSD tcpdump's name, record size, state format. */
struct v5_action_info {
	const char *name;
	size_t reclen;
	unsigned fmt;
};

static const struct v5_action_info v5_actions[PFS_V5_ACT_MAX] = {
    [PFS_V5_ACT_CLR] = {"clear all", PFS_BSD_CLR_LEN, 0},
    [PFS_V5_ACT_INS_1301] = {"insert 13.1", PFS_V5_STATE_1301_LEN, 1301},
    [PFS_V5_ACT_INS_ACK] = {"insert ack", PFS_BSD_REF_LEN, 0},
    [PFS_V5_ACT_UPD_1301] = {"update 13.1", PFS_V5_STATE_1301_LEN, 1301},
    [PFS_V5_ACT_UPD_C] = {"update compressed", PFS_BSD_UPD_C_LEN, 0},
    [PFS_V5_ACT_UPD_REQ] = {"request uncompressed", PFS_BSD_REF_LEN, 0},
    [PFS_V5_ACT_DEL] = {"delete", PFS_V5_STATE_1301_LEN, 1301},
    [PFS_V5_ACT_DEL_C] = {"delete compressed", PFS_BSD_REF_LEN, 0},
    [PFS_V5_ACT_INS_F] = {"frag insert", 0, 0},
    [PFS_V5_ACT_DEL_F] = {"frag delete", 0, 0},
    [PFS_V5_ACT_BUS] = {"bulk update status", PFS_BSD_BUS_LEN, 0},
    [PFS_V5_ACT_TDB] = {"tdb", PFS_V5_TDB_LEN, 0},
    [PFS_V5_ACT_EOF] = {"eof", 0, 0},
    [PFS_V5_ACT_INS_1400] = {"insert", PFS_V5_STATE_1400_LEN, 1400},
    [PFS_V5_ACT_UPD_1400] = {"update", PFS_V5_STATE_1400_LEN, 1400},
    [PFS_V5_ACT_INS_1500] = {"insert", PFS_V5_STATE_1500_LEN, 1500},
    [PFS_V5_ACT_UPD_1500] = {"update", PFS_V5_STATE_1500_LEN, 1500},
};

size_t pfs_v5_reclen(uint8_t action)
{
	return action < PFS_V5_ACT_MAX ? v5_actions[action].reclen : 0;
}

const char *pfs_v5_action_name(uint8_t action)
{
	return action < PFS_V5_ACT_MAX ? v5_actions[action].name : "?";
}

unsigned pfs_v5_action_format(uint8_t action)
{
	return action < PFS_V5_ACT_MAX ? v5_actions[action].fmt : 0;
}

uint8_t pfs_v5_ins_action(unsigned fmt)
{
	switch (fmt) {
	case PFS_V5_FMT_1301:
		return PFS_V5_ACT_INS_1301;
	case PFS_V5_FMT_1400:
		return PFS_V5_ACT_INS_1400;
	case PFS_V5_FMT_1500:
		return PFS_V5_ACT_INS_1500;
	default:
		return 0;
	}
}

uint8_t pfs_v5_upd_action(unsigned fmt)
{
	switch (fmt) {
	case PFS_V5_FMT_1301:
		return PFS_V5_ACT_UPD_1301;
	case PFS_V5_FMT_1400:
		return PFS_V5_ACT_UPD_1400;
	case PFS_V5_FMT_1500:
		return PFS_V5_ACT_UPD_1500;
	default:
		return 0;
	}
}

size_t pfs_v5_state_len(unsigned fmt)
{
	uint8_t act = pfs_v5_ins_action(fmt);

	return act != 0 ? pfs_v5_reclen(act) : 0;
}

uint8_t pfs_v5_af_to_wire(uint8_t linux_af)
{
	return pfs_bsd_af_to_wire(linux_af, PFS_V5_AF_INET6);
}

uint8_t pfs_v5_af_from_wire(uint8_t wire_af)
{
	return pfs_bsd_af_from_wire(wire_af, PFS_V5_AF_INET6);
}

/* --- the common prefix ---------------------------------------------------- */

/* A v5 key is the common 36 bytes alone (wire_bsd.c). */
static void v5_ld_key(const uint8_t *p, struct pfs_bsd_key *k)
{
	pfs_bsd_ld_key_ends(p + V5_KEY_ADDR, k);
}

static void v5_st_key(uint8_t *p, const struct pfs_bsd_key *k)
{
	pfs_bsd_st_key_ends(p + V5_KEY_ADDR, k);
}

static void v5_ld_prefix(const uint8_t *p, struct pfs_bsd_state *s)
{
	struct pfs_bsd_key k[2];

	memset(k, 0, sizeof(k));
	s->st.id = wb_ld64(p, V5_ST_ID);
	wb_ld_name(p + V5_ST_IFNAME, s->st.ifname, PFS_IFNAMSIZ);
	v5_ld_key(p + V5_ST_KEY, &k[0]);
	v5_ld_key(p + V5_ST_KEY + PFS_V5_KEY_LEN, &k[1]);
	pfs_bsd_keys_to_state(k, &s->st);
	wb_ld_peer(p + V5_ST_SRC, &s->st.src);
	wb_ld_peer(p + V5_ST_DST, &s->st.dst);
	memcpy(s->st.rt_addr.a, p + V5_ST_RT_ADDR, 16);
	s->st.rule = wb_ld32(p, V5_ST_RULE);
	s->st.anchor = wb_ld32(p, V5_ST_ANCHOR);
	s->st.nat_rule = wb_ld32(p, V5_ST_NAT_RULE);
	s->st.creation = wb_ld32(p, V5_ST_CREATION);
	s->st.expire = wb_ld32(p, V5_ST_EXPIRE);
	s->st.packets[0] = wb_ld64(p, V5_ST_PACKETS);
	s->st.packets[1] = wb_ld64(p, V5_ST_PACKETS + 8);
	s->st.bytes[0] = wb_ld64(p, V5_ST_BYTES);
	s->st.bytes[1] = wb_ld64(p, V5_ST_BYTES + 8);
	s->st.creatorid = wb_ld32(p, V5_ST_CREATORID);
}

static void v5_st_prefix(uint8_t *p, const struct pfs_bsd_state *s)
{
	struct pfs_bsd_key k[2];

	wb_st64(p, V5_ST_ID, s->st.id);
	wb_st_name(p + V5_ST_IFNAME, s->st.ifname, PFS_IFNAMSIZ);
	pfs_bsd_state_to_keys(&s->st, &s->x, k);
	v5_st_key(p + V5_ST_KEY, &k[0]);
	v5_st_key(p + V5_ST_KEY + PFS_V5_KEY_LEN, &k[1]);
	wb_st_peer(p + V5_ST_SRC, &s->st.src);
	wb_st_peer(p + V5_ST_DST, &s->st.dst);
	memcpy(p + V5_ST_RT_ADDR, s->st.rt_addr.a, 16);
	wb_st32(p, V5_ST_RULE, s->st.rule);
	wb_st32(p, V5_ST_ANCHOR, s->st.anchor);
	wb_st32(p, V5_ST_NAT_RULE, s->st.nat_rule);
	wb_st32(p, V5_ST_CREATION, s->st.creation);
	wb_st32(p, V5_ST_EXPIRE, s->st.expire);
	wb_st64(p, V5_ST_PACKETS, s->st.packets[0]);
	wb_st64(p, V5_ST_PACKETS + 8, s->st.packets[1]);
	wb_st64(p, V5_ST_BYTES, s->st.bytes[0]);
	wb_st64(p, V5_ST_BYTES + 8, s->st.bytes[1]);
	wb_st32(p, V5_ST_CREATORID, s->st.creatorid);
}

/* allow_opts is PFSTATE_ALLOWOPTS in the flags (wire_bsd.h). */
static void v5_set_flags(struct pfs_bsd_state *s, uint16_t flags)
{
	s->st.allow_opts = (flags & PFS_BSD_PFSTATE_ALLOWOPTS) ? 1 : 0;
	s->x.state_flags = flags & (uint16_t)~PFS_BSD_PFSTATE_ALLOWOPTS;
}

static uint16_t v5_flags(const struct pfs_bsd_state *s)
{
	uint16_t flags = s->x.state_flags;

	if (s->st.allow_opts)
		flags |= PFS_BSD_PFSTATE_ALLOWOPTS;
	return flags;
}

/* --- 1301 and 1400 tails -------------------------------------------------- */

/* The bytes 1301 and 1400 share at 232..241 (flags aside). */
static void v5_ld_tail_common(const uint8_t *p, struct pfs_bsd_state *s)
{
	s->st.af = pfs_v5_af_from_wire(p[V5_T_AF]);
	s->st.proto = p[V5_T_PROTO];
	s->st.direction = p[V5_T_DIRECTION];
	s->st.log = p[V5_T_LOG];
	s->st.timeout = p[V5_T_TIMEOUT];
	s->x.sync_flags = p[V5_T_SYNC_FLAGS];
	s->st.updates = p[V5_T_UPDATES];
	s->x.key_af[0] = s->st.af;
	s->x.key_af[1] = s->st.af;
	s->x.stack_proto = s->st.proto;
}

static void v5_st_tail_common(uint8_t *p, const struct pfs_bsd_state *s)
{
	p[V5_T_AF] = pfs_v5_af_to_wire(s->st.af);
	p[V5_T_PROTO] = s->st.proto;
	p[V5_T_DIRECTION] = s->st.direction;
	p[V5_T_LOG] = s->st.log;
	p[V5_T_TIMEOUT] = s->st.timeout;
	p[V5_T_SYNC_FLAGS] = s->x.sync_flags;
	p[V5_T_UPDATES] = s->st.updates;
}

static void v5_ld_tail_1400(const uint8_t *p, struct pfs_bsd_state *s)
{
	v5_ld_tail_common(p, s);
	v5_set_flags(s, wb_ld16(p, V5_T_FLAGS16));
	s->x.qid = wb_ld16(p, V5_T_QID);
	s->x.pqid = wb_ld16(p, V5_T_PQID);
	s->x.dnpipe = wb_ld16(p, V5_T_DNPIPE);
	s->x.dnrpipe = wb_ld16(p, V5_T_DNRPIPE);
	s->x.rtableid[0] = (int32_t)wb_ld32(p, V5_T_RTABLEID);
	s->x.min_ttl = p[V5_T_MIN_TTL];
	s->x.set_tos = p[V5_T_SET_TOS];
	s->x.max_mss = wb_ld16(p, V5_T_MAX_MSS);
	s->x.set_prio[0] = p[V5_T_SET_PRIO];
	s->x.set_prio[1] = p[V5_T_SET_PRIO + 1];
	s->x.rt = p[V5_T_RT];
	wb_ld_name(p + V5_T_RT_IFNAME, s->x.rt_ifname, PFS_IFNAMSIZ);
}

static void v5_st_tail_1400(uint8_t *p, const struct pfs_bsd_state *s)
{
	v5_st_tail_common(p, s);
	wb_st16(p, V5_T_FLAGS16, v5_flags(s));
	wb_st16(p, V5_T_QID, s->x.qid);
	wb_st16(p, V5_T_PQID, s->x.pqid);
	wb_st16(p, V5_T_DNPIPE, s->x.dnpipe);
	wb_st16(p, V5_T_DNRPIPE, s->x.dnrpipe);
	wb_st32(p, V5_T_RTABLEID, (uint32_t)s->x.rtableid[0]);
	p[V5_T_MIN_TTL] = s->x.min_ttl;
	p[V5_T_SET_TOS] = s->x.set_tos;
	wb_st16(p, V5_T_MAX_MSS, s->x.max_mss);
	p[V5_T_SET_PRIO] = s->x.set_prio[0];
	p[V5_T_SET_PRIO + 1] = s->x.set_prio[1];
	p[V5_T_RT] = s->x.rt;
	wb_st_name(p + V5_T_RT_IFNAME, s->x.rt_ifname, PFS_IFNAMSIZ);
}

/* --- 1500 tail ------------------------------------------------------------ */

static void v5_ld_tail_1500(const uint8_t *p, struct pfs_bsd_state *s)
{
	wb_ld_name(p + V5_U_TAGNAME, s->x.tagname, PFS_BSD_TAGLEN);
	wb_ld_name(p + V5_U_RT_IFNAME, s->x.rt_ifname, PFS_IFNAMSIZ);
	wb_ld_name(p + V5_U_ORIG_IFNAME, s->x.orig_ifname, PFS_IFNAMSIZ);
	s->x.rtableid[0] = (int32_t)wb_ld32(p, V5_U_RTABLEID);
	v5_set_flags(s, wb_ld16(p, V5_U_STATE_FLAGS));
	s->x.qid = wb_ld16(p, V5_U_QID);
	s->x.pqid = wb_ld16(p, V5_U_PQID);
	s->x.dnpipe = wb_ld16(p, V5_U_DNPIPE);
	s->x.dnrpipe = wb_ld16(p, V5_U_DNRPIPE);
	s->x.max_mss = wb_ld16(p, V5_U_MAX_MSS);
	s->st.af = pfs_v5_af_from_wire(p[V5_U_WIRE_AF]);
	s->x.key_af[0] = s->st.af;
	s->x.key_af[1] = pfs_v5_af_from_wire(p[V5_U_STACK_AF]);
	s->x.rt_af = pfs_v5_af_from_wire(p[V5_U_RT_AF]);
	s->st.proto = p[V5_U_WIRE_PROTO];
	s->x.stack_proto = p[V5_U_STACK_PROTO];
	s->st.log = p[V5_U_LOG];
	s->st.timeout = p[V5_U_TIMEOUT];
	s->st.direction = p[V5_U_DIRECTION];
	s->x.rt = p[V5_U_RT];
	s->x.min_ttl = p[V5_U_MIN_TTL];
	s->x.set_tos = p[V5_U_SET_TOS];
	s->x.set_prio[0] = p[V5_U_SET_PRIO];
	s->x.set_prio[1] = p[V5_U_SET_PRIO + 1];
}

/* 1500 has no sync_flags or updates: they are not sent. */
static void v5_st_tail_1500(uint8_t *p, const struct pfs_bsd_state *s)
{
	wb_st_name(p + V5_U_TAGNAME, s->x.tagname, PFS_BSD_TAGLEN);
	wb_st_name(p + V5_U_RT_IFNAME, s->x.rt_ifname, PFS_IFNAMSIZ);
	wb_st_name(p + V5_U_ORIG_IFNAME, s->x.orig_ifname, PFS_IFNAMSIZ);
	wb_st32(p, V5_U_RTABLEID, (uint32_t)s->x.rtableid[0]);
	wb_st16(p, V5_U_STATE_FLAGS, v5_flags(s));
	wb_st16(p, V5_U_QID, s->x.qid);
	wb_st16(p, V5_U_PQID, s->x.pqid);
	wb_st16(p, V5_U_DNPIPE, s->x.dnpipe);
	wb_st16(p, V5_U_DNRPIPE, s->x.dnrpipe);
	wb_st16(p, V5_U_MAX_MSS, s->x.max_mss);
	p[V5_U_WIRE_AF] = pfs_v5_af_to_wire(s->x.key_af[0]);
	p[V5_U_STACK_AF] = pfs_v5_af_to_wire(s->x.key_af[1]);
	p[V5_U_RT_AF] = pfs_v5_af_to_wire(s->x.rt_af);
	p[V5_U_WIRE_PROTO] = s->st.proto;
	p[V5_U_STACK_PROTO] = s->x.stack_proto;
	p[V5_U_LOG] = s->st.log;
	p[V5_U_TIMEOUT] = s->st.timeout;
	p[V5_U_DIRECTION] = s->st.direction;
	p[V5_U_RT] = s->x.rt;
	p[V5_U_MIN_TTL] = s->x.min_ttl;
	p[V5_U_SET_TOS] = s->x.set_tos;
	p[V5_U_SET_PRIO] = s->x.set_prio[0];
	p[V5_U_SET_PRIO + 1] = s->x.set_prio[1];
}

/* --- state by format ------------------------------------------------------ */

/*
 * Fields a format lacks decode to their defaults: routing tables -1, key
 * families from af, stack_proto = proto (wire_bsd.h).  1500 carries the
 * wire family in wire_af, which is also st.af.
 */
void pfs_v5_get_state(struct pfs_rbuf *rb, unsigned fmt,
		      struct pfs_bsd_state *s)
{
	size_t n = pfs_v5_state_len(fmt);
	const uint8_t *p = n != 0 ? wb_rd_take(rb, n) : NULL;

	memset(s, 0, sizeof(*s));
	if (n == 0)
		rb->err = true;
	if (p == NULL)
		return;
	s->x.rtableid[0] = PFS_BSD_RTABLE_NONE;
	s->x.rtableid[1] = PFS_BSD_RTABLE_NONE;
	v5_ld_prefix(p, s);
	if (fmt == PFS_V5_FMT_1301) {
		v5_ld_tail_common(p, s);
		v5_set_flags(s, p[V5_T_FLAGS8]);
	} else if (fmt == PFS_V5_FMT_1400) {
		v5_ld_tail_1400(p, s);
	} else {
		v5_ld_tail_1500(p, s);
	}
}

/* 1301's state_flags is one byte: the high flag bits are not sent. */
void pfs_v5_put_state(struct pfs_wbuf *wb, unsigned fmt,
		      const struct pfs_bsd_state *s)
{
	size_t n = pfs_v5_state_len(fmt);
	uint8_t *p;

	if (n == 0) {
		wb->err = true;
		return;
	}
	p = wb_wr_take(wb, n);
	if (p == NULL)
		return;
	v5_st_prefix(p, s);
	if (fmt == PFS_V5_FMT_1301) {
		v5_st_tail_common(p, s);
		p[V5_T_FLAGS8] = (uint8_t)v5_flags(s);
	} else if (fmt == PFS_V5_FMT_1400) {
		v5_st_tail_1400(p, s);
	} else {
		v5_st_tail_1500(p, s);
	}
}

/* --- TDB ------------------------------------------------------------------ */

void pfs_v5_get_tdb(struct pfs_rbuf *rb, struct pfs_v5_tdb *t)
{
	const uint8_t *p = wb_rd_take(rb, PFS_V5_TDB_LEN);

	memset(t, 0, sizeof(*t));
	if (p == NULL)
		return;
	t->spi = wb_ld32(p, V5_TDB_SPI);
	memcpy(t->dst, p + V5_TDB_DST, sizeof(t->dst));
	t->rpl = wb_ld32(p, V5_TDB_RPL);
	t->cur_bytes = wb_ld64(p, V5_TDB_CUR_BYTES);
	t->sproto = p[V5_TDB_SPROTO];
	t->updates = p[V5_TDB_UPDATES];
}

void pfs_v5_put_tdb(struct pfs_wbuf *wb, const struct pfs_v5_tdb *t)
{
	uint8_t *p = wb_wr_take(wb, PFS_V5_TDB_LEN);

	if (p == NULL)
		return;
	wb_st32(p, V5_TDB_SPI, t->spi);
	memcpy(p + V5_TDB_DST, t->dst, sizeof(t->dst));
	wb_st32(p, V5_TDB_RPL, t->rpl);
	wb_st64(p, V5_TDB_CUR_BYTES, t->cur_bytes);
	p[V5_TDB_SPROTO] = t->sproto;
	p[V5_TDB_UPDATES] = t->updates;
}

/* --- records by action ---------------------------------------------------- */

static void v5_get_record(struct pfs_rbuf *rb, uint8_t action,
			  union pfs_v5_record *r)
{
	unsigned fmt = pfs_v5_action_format(action);

	if (fmt != 0) {
		pfs_v5_get_state(rb, fmt, &r->state);
		return;
	}
	switch (action) {
	case PFS_V5_ACT_UPD_C:
		pfs_bsd_get_upd_c(rb, &r->upd_c);
		break;
	case PFS_V5_ACT_INS_ACK:
	case PFS_V5_ACT_UPD_REQ:
	case PFS_V5_ACT_DEL_C:
		pfs_bsd_get_ref(rb, &r->ref);
		break;
	case PFS_V5_ACT_CLR:
		pfs_bsd_get_clr(rb, &r->clr);
		break;
	case PFS_V5_ACT_BUS:
		pfs_bsd_get_bus(rb, &r->bus);
		break;
	case PFS_V5_ACT_TDB:
		pfs_v5_get_tdb(rb, &r->tdb);
		break;
	default:
		memset(r, 0, sizeof(*r));
		break;
	}
}

void pfs_v5_put_record(struct pfs_wbuf *wb, uint8_t action,
		       const union pfs_v5_record *r)
{
	unsigned fmt = pfs_v5_action_format(action);

	if (fmt != 0) {
		pfs_v5_put_state(wb, fmt, &r->state);
		return;
	}
	switch (action) {
	case PFS_V5_ACT_UPD_C:
		pfs_bsd_put_upd_c(wb, &r->upd_c);
		break;
	case PFS_V5_ACT_INS_ACK:
	case PFS_V5_ACT_UPD_REQ:
	case PFS_V5_ACT_DEL_C:
		pfs_bsd_put_ref(wb, &r->ref);
		break;
	case PFS_V5_ACT_CLR:
		pfs_bsd_put_clr(wb, &r->clr);
		break;
	case PFS_V5_ACT_BUS:
		pfs_bsd_put_bus(wb, &r->bus);
		break;
	case PFS_V5_ACT_TDB:
		pfs_v5_put_tdb(wb, &r->tdb);
		break;
	default: /* EOF, INS_F, DEL_F: nothing */
		break;
	}
}

/* --- frames --------------------------------------------------------------- */

int pfs_v5_frame_parse(const uint8_t *pkt, size_t len, struct pfs_v5_frame *f)
{
	int rc;

	memset(f, 0, sizeof(*f));
	rc = pfs_bsd_frame_header(pkt, len, PFS_V5_VERSION, &f->hdr);
	if (rc != 0)
		return rc;
	f->pkt = pkt;
	f->pktlen = len;
	f->len = f->hdr.len;
	f->off = PFS_BSD_HDR_LEN;
	return 0;
}

int pfs_v5_frame_next(struct pfs_v5_frame *f, struct pfs_v5_section *s)
{
	struct pfs_rbuf rb;
	size_t total;

	memset(s, 0, sizeof(*s));
	if (f->eof || f->off >= f->len || f->len - f->off < PFS_BSD_SUBHDR_LEN)
		return PFS_V5_END;
	pfs_rbuf_init(&rb, f->pkt + f->off, f->len - f->off);
	pfs_bsd_get_subheader(&rb, &s->sub);
	if (s->sub.action >= PFS_V5_ACT_MAX ||
	    s->sub.action == PFS_V5_ACT_INS_F ||
	    s->sub.action == PFS_V5_ACT_DEL_F)
		return PFS_STAT_BADACT;
	if (s->sub.action == PFS_V5_ACT_EOF) {
		f->eof = true;
		f->off += PFS_BSD_SUBHDR_LEN;
		return f->off == f->pktlen ? PFS_V5_END : PFS_STAT_BADLEN;
	}
	s->reclen = pfs_v5_reclen(s->sub.action);
	total = s->reclen * s->sub.count;
	if (total > pfs_rbuf_left(&rb))
		return PFS_STAT_BADLEN;
	s->body = f->pkt + f->off + PFS_BSD_SUBHDR_LEN;
	f->off += PFS_BSD_SUBHDR_LEN + total;
	return 0;
}

void pfs_v5_section_record(const struct pfs_v5_section *s, size_t i,
			   union pfs_v5_record *r)
{
	struct pfs_rbuf rb;

	if (i >= s->sub.count || s->reclen == 0) {
		memset(r, 0, sizeof(*r));
		return;
	}
	pfs_rbuf_init(&rb, s->body + i * s->reclen, s->reclen);
	v5_get_record(&rb, s->sub.action, r);
}

/* --- writer --------------------------------------------------------------- */

int pfs_v5_writer_init(struct pfs_v5_writer *w, uint8_t *buf, size_t cap,
		       const uint8_t *pfcksum)
{
	struct pfs_bsd_header h;

	memset(w, 0, sizeof(*w));
	memset(&h, 0, sizeof(h));
	h.version = PFS_V5_VERSION;
	if (pfcksum != NULL)
		memcpy(h.pfcksum, pfcksum, PFS_BSD_CKSUM_LEN);
	pfs_wbuf_init(&w->wb, buf, cap);
	if (cap < PFS_BSD_HDR_LEN + PFS_BSD_SUBHDR_LEN)
		return -1;
	pfs_bsd_put_header(&w->wb, &h);
	return w->wb.err ? -1 : 0;
}

/* The open section's count is written once, when it closes: a record
 * costs no second pass over the buffer. */
static void v5_close_section(struct pfs_v5_writer *w)
{
	if (w->open)
		pfs_wbuf_poke_be16(&w->wb, w->sub_off + 2, w->count);
}

int pfs_v5_writer_add(struct pfs_v5_writer *w, uint8_t action,
		      const union pfs_v5_record *r)
{
	size_t rl = pfs_v5_reclen(action);
	size_t need = rl + PFS_BSD_SUBHDR_LEN; /* EOF stays free */
	struct pfs_bsd_subheader sub;
	bool same = w->open && w->action == action && w->count < UINT16_MAX;

	if (rl == 0 || w->wb.err)
		return -1;
	if (!same)
		need += PFS_BSD_SUBHDR_LEN;
	if (pfs_wbuf_left(&w->wb) < need || w->wb.off + need > UINT16_MAX)
		return -1;
	if (!same) {
		v5_close_section(w);
		memset(&sub, 0, sizeof(sub));
		sub.action = action;
		w->sub_off = w->wb.off;
		pfs_bsd_put_subheader(&w->wb, &sub);
		w->action = action;
		w->count = 0;
		w->open = true;
	}
	pfs_v5_put_record(&w->wb, action, r);
	w->count++;
	return w->wb.err ? -1 : 0;
}

size_t pfs_v5_writer_finish(struct pfs_v5_writer *w)
{
	struct pfs_bsd_subheader eof = {PFS_V5_ACT_EOF, 0, 1};

	if (w->wb.err)
		return 0;
	v5_close_section(w);
	pfs_bsd_put_subheader(&w->wb, &eof);
	w->open = false;
	pfs_bsd_poke_len(&w->wb, 0, (uint16_t)w->wb.off);
	return w->wb.err ? 0 : w->wb.off;
}
