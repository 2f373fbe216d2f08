/*
 * wire_v6.c - pfsync v6 codec (OpenBSD), byte exact (see wire_v6.h and,
 * for the shared elements and the translation rules, wire_bsd.h).
 *
 * Layouts are enums of offsets with _Static_asserts, read and written
 * field by field inside a record window (wire_bytes.h); the frame walker
 * follows OpenBSD's pfsync_input: a table of actions with the record size
 * each needs, sections skipped by their own length.
 */
#include <string.h>
#include <sys/socket.h>

#include "pfsync/stats.h"
#include "pfsync/wire_v6.h"
#include "wire_bytes.h"

/*
 * struct pfsync_state_key, 40 bytes (only OpenBSD has rdomain and af):
 *   0 addr[2] (2 x 16)  32 port[2] (be16)  36 rdomain (be16)  38 af  39 pad
 */
enum { V6_KEY_ADDR = 0, V6_KEY_PORT = 32, V6_KEY_RDOMAIN = 36, V6_KEY_AF = 38 };
_Static_assert(V6_KEY_AF + 2 == PFS_V6_KEY_LEN, "state key is 40");

/*
 * struct pfsync_state, 264 bytes (66 words):
 *    0 id  8 ifname (16)  24 key[WIRE]  64 key[STACK]  104 src  136 dst
 *  168 rt_addr (16)  184 rule  188 anchor  192 nat_rule  196 creation
 *  200 expire  204 packets[2]  220 bytes[2] (u64 as hi, lo be32)
 *  236 creatorid  240 rtableid[2] (be32)  248 max_mss  250 af  251 proto
 *  252 direction  253 log  254 rt  255 timeout  256 sync_flags
 *  257 updates  258 min_ttl  259 set_tos  260 state_flags (be16)
 *  262 set_prio[2]
 */
enum {
	V6_ST_ID = 0,
	V6_ST_IFNAME = 8,
	V6_ST_KEY = 24,
	V6_ST_SRC = 104,
	V6_ST_DST = 136,
	V6_ST_RT_ADDR = 168,
	V6_ST_RULE = 184,
	V6_ST_ANCHOR = 188,
	V6_ST_NAT_RULE = 192,
	V6_ST_CREATION = 196,
	V6_ST_EXPIRE = 200,
	V6_ST_PACKETS = 204,
	V6_ST_BYTES = 220,
	V6_ST_CREATORID = 236,
	V6_ST_RTABLEID = 240,
	V6_ST_MAX_MSS = 248,
	V6_ST_AF = 250,
	V6_ST_PROTO = 251,
	V6_ST_DIRECTION = 252,
	V6_ST_LOG = 253,
	V6_ST_RT = 254,
	V6_ST_TIMEOUT = 255,
	V6_ST_SYNC_FLAGS = 256,
	V6_ST_UPDATES = 257,
	V6_ST_MIN_TTL = 258,
	V6_ST_SET_TOS = 259,
	V6_ST_STATE_FLAGS = 260,
	V6_ST_SET_PRIO = 262
};
_Static_assert(V6_ST_KEY == V6_ST_IFNAME + PFS_IFNAMSIZ, "ifname");
_Static_assert(V6_ST_SRC == V6_ST_KEY + 2 * PFS_V6_KEY_LEN, "keys");
_Static_assert(V6_ST_DST == V6_ST_SRC + PFS_BSD_PEER_LEN, "src");
_Static_assert(V6_ST_RT_ADDR == V6_ST_DST + PFS_BSD_PEER_LEN, "dst");
_Static_assert(V6_ST_RULE == V6_ST_RT_ADDR + 16, "rt_addr");
_Static_assert(V6_ST_BYTES == V6_ST_PACKETS + 16, "packets");
_Static_assert(V6_ST_CREATORID == V6_ST_BYTES + 16, "bytes");
_Static_assert(V6_ST_MAX_MSS == V6_ST_RTABLEID + 8, "rtableid");
_Static_assert(V6_ST_SET_PRIO + 2 == PFS_V6_STATE_LEN, "pfsync_state 264");

/*
 * struct pfsync_tdb, 52 bytes:
 *   0 spi  4 dst (28)  32 rpl (be64)  40 cur_bytes (be64)  48 sproto
 *  49 updates  50 rdomain (be16)
 */
enum {
	V6_TDB_SPI = 0,
	V6_TDB_DST = 4,
	V6_TDB_RPL = 32,
	V6_TDB_CUR_BYTES = 40,
	V6_TDB_SPROTO = 48,
	V6_TDB_UPDATES = 49,
	V6_TDB_RDOMAIN = 50
};
_Static_assert(V6_TDB_RPL == V6_TDB_DST + 28, "tdb dst");
_Static_assert(V6_TDB_RDOMAIN + 2 == PFS_V6_TDB_LEN, "pfsync_tdb is 52");

/* Per action: OpenBSD tcpdump's name (PFSYNC_ACTIONS) and the record
 * size we need; 0 marks the actions OpenBSD skips. */
struct v6_action_info {
	const char *name;
	size_t reclen;
};

static const struct v6_action_info v6_actions[PFS_V6_ACT_MAX] = {
    [PFS_V6_ACT_CLR] = {"CLR ST", PFS_BSD_CLR_LEN},
    [PFS_V6_ACT_OINS] = {"INS ST OLD", 0},
    [PFS_V6_ACT_INS_ACK] = {"INS ST ACK", PFS_BSD_REF_LEN},
    [PFS_V6_ACT_OUPD] = {"UPD ST OLD", 0},
    [PFS_V6_ACT_UPD_C] = {"UPD ST COMP", PFS_BSD_UPD_C_LEN},
    [PFS_V6_ACT_UPD_REQ] = {"UPD ST REQ", PFS_BSD_REF_LEN},
    [PFS_V6_ACT_DEL] = {"DEL ST", PFS_V6_STATE_LEN},
    [PFS_V6_ACT_DEL_C] = {"DEL ST COMP", PFS_BSD_REF_LEN},
    [PFS_V6_ACT_INS_F] = {"INS FR", 0},
    [PFS_V6_ACT_DEL_F] = {"DEL FR", 0},
    [PFS_V6_ACT_BUS] = {"BULK UPD STAT", PFS_BSD_BUS_LEN},
    [PFS_V6_ACT_OTDB] = {"UPD TDB OLD", 0},
    [PFS_V6_ACT_EOF] = {"EOF", 0},
    [PFS_V6_ACT_INS] = {"INS ST", PFS_V6_STATE_LEN},
    [PFS_V6_ACT_UPD] = {"UPD ST", PFS_V6_STATE_LEN},
    [PFS_V6_ACT_TDB] = {"UPD TDB", PFS_V6_TDB_LEN},
};

size_t pfs_v6_reclen(uint8_t action)
{
	return action < PFS_V6_ACT_MAX ? v6_actions[action].reclen : 0;
}

const char *pfs_v6_action_name(uint8_t action)
{
	return action < PFS_V6_ACT_MAX ? v6_actions[action].name : "?";
}

uint8_t pfs_v6_af_to_wire(uint8_t linux_af)
{
	return pfs_bsd_af_to_wire(linux_af, PFS_V6_AF_INET6);
}

uint8_t pfs_v6_af_from_wire(uint8_t wire_af)
{
	return pfs_bsd_af_from_wire(wire_af, PFS_V6_AF_INET6);
}

/* --- state ---------------------------------------------------------------- */

/* The common 36 bytes (wire_bsd.c), then rdomain and af. */
static void v6_ld_key(const uint8_t *p, struct pfs_bsd_key *k)
{
	pfs_bsd_ld_key_ends(p + V6_KEY_ADDR, k);
	k->rdomain = wb_ld16(p, V6_KEY_RDOMAIN);
	k->af = pfs_v6_af_from_wire(p[V6_KEY_AF]);
}

static void v6_st_key(uint8_t *p, const struct pfs_bsd_key *k)
{
	pfs_bsd_st_key_ends(p + V6_KEY_ADDR, k);
	wb_st16(p, V6_KEY_RDOMAIN, k->rdomain);
	p[V6_KEY_AF] = pfs_v6_af_to_wire(k->af);
}

/* Offsets 0..183: id, ifname, keys, peers, rt_addr. */
static void v6_ld_state_head(const uint8_t *p, struct pfs_bsd_state *s)
{
	struct pfs_bsd_key k[2];

	s->st.id = wb_ld64(p, V6_ST_ID);
	wb_ld_name(p + V6_ST_IFNAME, s->st.ifname, PFS_IFNAMSIZ);
	v6_ld_key(p + V6_ST_KEY, &k[0]);
	v6_ld_key(p + V6_ST_KEY + PFS_V6_KEY_LEN, &k[1]);
	pfs_bsd_keys_to_state(k, &s->st);
	s->x.key_af[0] = k[0].af;
	s->x.key_af[1] = k[1].af;
	s->x.rdomain[0] = k[0].rdomain;
	s->x.rdomain[1] = k[1].rdomain;
	wb_ld_peer(p + V6_ST_SRC, &s->st.src);
	wb_ld_peer(p + V6_ST_DST, &s->st.dst);
	memcpy(s->st.rt_addr.a, p + V6_ST_RT_ADDR, 16);
}

/* Offsets 184..263: numbers, counters and single bytes. */
static void v6_ld_state_tail(const uint8_t *p, struct pfs_bsd_state *s)
{
	uint16_t flags = wb_ld16(p, V6_ST_STATE_FLAGS);

	s->st.rule = wb_ld32(p, V6_ST_RULE);
	s->st.anchor = wb_ld32(p, V6_ST_ANCHOR);
	s->st.nat_rule = wb_ld32(p, V6_ST_NAT_RULE);
	s->st.creation = wb_ld32(p, V6_ST_CREATION);
	s->st.expire = wb_ld32(p, V6_ST_EXPIRE);
	s->st.packets[0] = wb_ld64(p, V6_ST_PACKETS);
	s->st.packets[1] = wb_ld64(p, V6_ST_PACKETS + 8);
	s->st.bytes[0] = wb_ld64(p, V6_ST_BYTES);
	s->st.bytes[1] = wb_ld64(p, V6_ST_BYTES + 8);
	s->st.creatorid = wb_ld32(p, V6_ST_CREATORID);
	s->x.rtableid[0] = (int32_t)wb_ld32(p, V6_ST_RTABLEID);
	s->x.rtableid[1] = (int32_t)wb_ld32(p, V6_ST_RTABLEID + 4);
	s->x.max_mss = wb_ld16(p, V6_ST_MAX_MSS);
	s->st.af = pfs_v6_af_from_wire(p[V6_ST_AF]);
	s->st.proto = p[V6_ST_PROTO];
	s->x.stack_proto = s->st.proto; /* v6 has one protocol */
	s->st.direction = p[V6_ST_DIRECTION];
	s->st.log = p[V6_ST_LOG];
	s->x.rt = p[V6_ST_RT];
	s->st.timeout = p[V6_ST_TIMEOUT];
	s->x.sync_flags = p[V6_ST_SYNC_FLAGS];
	s->st.updates = p[V6_ST_UPDATES];
	s->x.min_ttl = p[V6_ST_MIN_TTL];
	s->x.set_tos = p[V6_ST_SET_TOS];
	s->st.allow_opts = (flags & PFS_BSD_PFSTATE_ALLOWOPTS) ? 1 : 0;
	s->x.state_flags = flags & (uint16_t)~PFS_BSD_PFSTATE_ALLOWOPTS;
	s->x.set_prio[0] = p[V6_ST_SET_PRIO];
	s->x.set_prio[1] = p[V6_ST_SET_PRIO + 1];
}

void pfs_v6_get_state(struct pfs_rbuf *rb, struct pfs_bsd_state *s)
{
	const uint8_t *p = wb_rd_take(rb, PFS_V6_STATE_LEN);

	memset(s, 0, sizeof(*s));
	if (p == NULL)
		return;
	v6_ld_state_head(p, s);
	v6_ld_state_tail(p, s);
}

static void v6_st_state_head(uint8_t *p, const struct pfs_bsd_state *s)
{
	struct pfs_bsd_key k[2];

	wb_st64(p, V6_ST_ID, s->st.id);
	wb_st_name(p + V6_ST_IFNAME, s->st.ifname, PFS_IFNAMSIZ);
	pfs_bsd_state_to_keys(&s->st, &s->x, k);
	v6_st_key(p + V6_ST_KEY, &k[0]);
	v6_st_key(p + V6_ST_KEY + PFS_V6_KEY_LEN, &k[1]);
	wb_st_peer(p + V6_ST_SRC, &s->st.src);
	wb_st_peer(p + V6_ST_DST, &s->st.dst);
	memcpy(p + V6_ST_RT_ADDR, s->st.rt_addr.a, 16);
}

static void v6_st_state_tail(uint8_t *p, const struct pfs_bsd_state *s)
{
	uint16_t flags = s->x.state_flags;

	if (s->st.allow_opts)
		flags |= PFS_BSD_PFSTATE_ALLOWOPTS;
	wb_st32(p, V6_ST_RULE, s->st.rule);
	wb_st32(p, V6_ST_ANCHOR, s->st.anchor);
	wb_st32(p, V6_ST_NAT_RULE, s->st.nat_rule);
	wb_st32(p, V6_ST_CREATION, s->st.creation);
	wb_st32(p, V6_ST_EXPIRE, s->st.expire);
	wb_st64(p, V6_ST_PACKETS, s->st.packets[0]);
	wb_st64(p, V6_ST_PACKETS + 8, s->st.packets[1]);
	wb_st64(p, V6_ST_BYTES, s->st.bytes[0]);
	wb_st64(p, V6_ST_BYTES + 8, s->st.bytes[1]);
	wb_st32(p, V6_ST_CREATORID, s->st.creatorid);
	wb_st32(p, V6_ST_RTABLEID, (uint32_t)s->x.rtableid[0]);
	wb_st32(p, V6_ST_RTABLEID + 4, (uint32_t)s->x.rtableid[1]);
	wb_st16(p, V6_ST_MAX_MSS, s->x.max_mss);
	p[V6_ST_AF] = pfs_v6_af_to_wire(s->st.af);
	p[V6_ST_PROTO] = s->st.proto;
	p[V6_ST_DIRECTION] = s->st.direction;
	p[V6_ST_LOG] = s->st.log;
	p[V6_ST_RT] = s->x.rt;
	p[V6_ST_TIMEOUT] = s->st.timeout;
	p[V6_ST_SYNC_FLAGS] = s->x.sync_flags;
	p[V6_ST_UPDATES] = s->st.updates;
	p[V6_ST_MIN_TTL] = s->x.min_ttl;
	p[V6_ST_SET_TOS] = s->x.set_tos;
	wb_st16(p, V6_ST_STATE_FLAGS, flags);
	p[V6_ST_SET_PRIO] = s->x.set_prio[0];
	p[V6_ST_SET_PRIO + 1] = s->x.set_prio[1];
}

void pfs_v6_put_state(struct pfs_wbuf *wb, const struct pfs_bsd_state *s)
{
	uint8_t *p = wb_wr_take(wb, PFS_V6_STATE_LEN);

	if (p == NULL)
		return;
	v6_st_state_head(p, s);
	v6_st_state_tail(p, s);
}

/* --- TDB ------------------------------------------------------------------ */

void pfs_v6_get_tdb(struct pfs_rbuf *rb, struct pfs_v6_tdb *t)
{
	const uint8_t *p = wb_rd_take(rb, PFS_V6_TDB_LEN);

	memset(t, 0, sizeof(*t));
	if (p == NULL)
		return;
	t->spi = wb_ld32(p, V6_TDB_SPI);
	memcpy(t->dst, p + V6_TDB_DST, sizeof(t->dst));
	t->rpl = wb_ld64(p, V6_TDB_RPL);
	t->cur_bytes = wb_ld64(p, V6_TDB_CUR_BYTES);
	t->sproto = p[V6_TDB_SPROTO];
	t->updates = p[V6_TDB_UPDATES];
	t->rdomain = wb_ld16(p, V6_TDB_RDOMAIN);
}

void pfs_v6_put_tdb(struct pfs_wbuf *wb, const struct pfs_v6_tdb *t)
{
	uint8_t *p = wb_wr_take(wb, PFS_V6_TDB_LEN);

	if (p == NULL)
		return;
	wb_st32(p, V6_TDB_SPI, t->spi);
	memcpy(p + V6_TDB_DST, t->dst, sizeof(t->dst));
	wb_st64(p, V6_TDB_RPL, t->rpl);
	wb_st64(p, V6_TDB_CUR_BYTES, t->cur_bytes);
	p[V6_TDB_SPROTO] = t->sproto;
	p[V6_TDB_UPDATES] = t->updates;
	wb_st16(p, V6_TDB_RDOMAIN, t->rdomain);
}

/* --- records by action ---------------------------------------------------- */

static void v6_get_record(struct pfs_rbuf *rb, uint8_t action,
			  union pfs_v6_record *r)
{
	switch (action) {
	case PFS_V6_ACT_INS:
	case PFS_V6_ACT_UPD:
	case PFS_V6_ACT_DEL:
		pfs_v6_get_state(rb, &r->state);
		break;
	case PFS_V6_ACT_UPD_C:
		pfs_bsd_get_upd_c(rb, &r->upd_c);
		break;
	case PFS_V6_ACT_INS_ACK:
	case PFS_V6_ACT_UPD_REQ:
	case PFS_V6_ACT_DEL_C:
		pfs_bsd_get_ref(rb, &r->ref);
		break;
	case PFS_V6_ACT_CLR:
		pfs_bsd_get_clr(rb, &r->clr);
		break;
	case PFS_V6_ACT_BUS:
		pfs_bsd_get_bus(rb, &r->bus);
		break;
	case PFS_V6_ACT_TDB:
		pfs_v6_get_tdb(rb, &r->tdb);
		break;
	default:
		memset(r, 0, sizeof(*r));
		break;
	}
}

void pfs_v6_put_record(struct pfs_wbuf *wb, uint8_t action,
		       const union pfs_v6_record *r)
{
	switch (action) {
	case PFS_V6_ACT_INS:
	case PFS_V6_ACT_UPD:
	case PFS_V6_ACT_DEL:
		pfs_v6_put_state(wb, &r->state);
		break;
	case PFS_V6_ACT_UPD_C:
		pfs_bsd_put_upd_c(wb, &r->upd_c);
		break;
	case PFS_V6_ACT_INS_ACK:
	case PFS_V6_ACT_UPD_REQ:
	case PFS_V6_ACT_DEL_C:
		pfs_bsd_put_ref(wb, &r->ref);
		break;
	case PFS_V6_ACT_CLR:
		pfs_bsd_put_clr(wb, &r->clr);
		break;
	case PFS_V6_ACT_BUS:
		pfs_bsd_put_bus(wb, &r->bus);
		break;
	case PFS_V6_ACT_TDB:
		pfs_v6_put_tdb(wb, &r->tdb);
		break;
	default: /* the skipped actions carry nothing we write */
		break;
	}
}

/* --- frames --------------------------------------------------------------- */

int pfs_v6_frame_parse(const uint8_t *pkt, size_t len, struct pfs_v6_frame *f)
{
	int rc;

	memset(f, 0, sizeof(*f));
	rc = pfs_bsd_frame_header(pkt, len, PFS_V6_VERSION, &f->hdr);
	if (rc != 0)
		return rc;
	f->pkt = pkt;
	f->len = f->hdr.len; /* trimmed; below the header: no sections */
	f->off = PFS_BSD_HDR_LEN;
	return 0;
}

/*
 * pfsync_input's section rule: an action we do not handle, or records
 * shorter than ours, are skipped by len * 4 * count when both are
 * non-zero, else the rest of the packet is dropped (badact); a section
 * that runs past the frame is badlen.  f->off only moves on success.
 */
int pfs_v6_frame_next(struct pfs_v6_frame *f, struct pfs_v6_section *s)
{
	struct pfs_rbuf rb;
	size_t need, total;

	memset(s, 0, sizeof(*s));
	if (f->off >= f->len || f->len - f->off < PFS_BSD_SUBHDR_LEN)
		return PFS_V6_END;
	pfs_rbuf_init(&rb, f->pkt + f->off, f->len - f->off);
	pfs_bsd_get_subheader(&rb, &s->sub);
	s->stride = (size_t)s->sub.words * 4;
	need = pfs_v6_reclen(s->sub.action);
	if (s->sub.action >= PFS_V6_ACT_MAX || s->stride < need) {
		if (s->stride == 0 || s->sub.count == 0)
			return PFS_STAT_BADACT;
		s->skip = true;
	} else if (need == 0) {
		s->skip = true; /* OINS, OUPD, INS_F, DEL_F, OTDB, EOF */
	}
	total = s->stride * s->sub.count;
	if (total > pfs_rbuf_left(&rb))
		return PFS_STAT_BADLEN;
	s->body = f->pkt + f->off + PFS_BSD_SUBHDR_LEN;
	f->off += PFS_BSD_SUBHDR_LEN + total;
	return 0;
}

/* Each record is read from the start of its stride; a longer record's
 * tail (a newer peer's fields) is ignored. */
void pfs_v6_section_record(const struct pfs_v6_section *s, size_t i,
			   union pfs_v6_record *r)
{
	struct pfs_rbuf rb;

	if (s->skip || i >= s->sub.count) {
		memset(r, 0, sizeof(*r));
		return;
	}
	pfs_rbuf_init(&rb, s->body + i * s->stride, s->stride);
	v6_get_record(&rb, s->sub.action, r);
}

/* --- writer --------------------------------------------------------------- */

int pfs_v6_writer_init(struct pfs_v6_writer *w, uint8_t *buf, size_t cap)
{
	struct pfs_bsd_header h;

	memset(w, 0, sizeof(*w));
	memset(&h, 0, sizeof(h));
	h.version = PFS_V6_VERSION;
	pfs_wbuf_init(&w->wb, buf, cap);
	pfs_bsd_put_header(&w->wb, &h);
	return w->wb.err ? -1 : 0;
}

/* The open section's count is written once, when it closes: a record
 * costs no second pass over the buffer. */
static void v6_close_section(struct pfs_v6_writer *w)
{
	if (w->open)
		pfs_wbuf_poke_be16(&w->wb, w->sub_off + 2, w->count);
}

int pfs_v6_writer_add(struct pfs_v6_writer *w, uint8_t action,
		      const union pfs_v6_record *r)
{
	size_t rl = pfs_v6_reclen(action), need = rl;
	struct pfs_bsd_subheader sub;
	bool same = w->open && w->action == action && w->count < UINT16_MAX;

	if (rl == 0 || w->wb.err)
		return -1;
	if (!same)
		need += PFS_BSD_SUBHDR_LEN;
	if (pfs_wbuf_left(&w->wb) < need || w->wb.off + need > UINT16_MAX)
		return -1;
	if (!same) {
		v6_close_section(w);
		sub.action = action;
		sub.words = (uint8_t)(rl / 4);
		sub.count = 0;
		w->sub_off = w->wb.off;
		pfs_bsd_put_subheader(&w->wb, &sub);
		w->action = action;
		w->count = 0;
		w->open = true;
	}
	pfs_v6_put_record(&w->wb, action, r);
	w->count++;
	return w->wb.err ? -1 : 0;
}

size_t pfs_v6_writer_finish(struct pfs_v6_writer *w)
{
	if (w->wb.err)
		return 0;
	v6_close_section(w);
	pfs_bsd_poke_len(&w->wb, 0, (uint16_t)w->wb.off);
	return w->wb.err ? 0 : w->wb.off;
}
