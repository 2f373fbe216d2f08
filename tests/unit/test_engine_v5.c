/*
 * test_engine_v5.c - the engine speaking FreeBSD v5: packets of the three
 * state formats built by hand from pfsync-modern.md §2.1-§2.2 (the golden
 * states of g_v5.h, not our encoder) fed into an engine and checked in
 * its table; `version auto` picking v5 and the oldest format its peers
 * send; an engine configured `version 1500` framing what it sends as
 * FreeBSD does (EOF last), decoded back by the v5 codec.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/buf.h"
#include "pfsync/dialect.h"
#include "pfsync/engine.h"
#include "pfsync/stats.h"
#include "pfsync/table.h"
#include "pfsync/wire_v5.h"
#include "t.h"
#include "t_bsd.h"
#include "g_v5.h"
#include "t_eng.h"
#include "sim.h"

#define ID0 0x0102030405060708ULL
#define ID1 0x0102030405060709ULL
#define CR  0xdeadbeefu

/* §2.1: header version 5, len, ruleset MD5 (any: not ours). */
static void g5_hdr(uint8_t *b, size_t len)
{
	size_t i;

	g8(b, 0, 5);
	g16(b, 2, (uint16_t)len);
	for (i = 0; i < 16; i++)
		g8(b, 4 + i, (uint8_t)(0xc0 + i));
}

/* {action, pad 0, count} */
static void g5_sub(uint8_t *b, size_t off, uint8_t act, uint16_t count)
{
	g8(b, off, act);
	g16(b, off + 2, count);
}

static uint8_t ins_act(unsigned fmt)
{
	return fmt == 1301 ? 1 : fmt == 1400 ? 13 : 15;
}

static size_t slen(unsigned fmt)
{
	return fmt == 1301 ? 242 : fmt == 1400 ? 277 : 360;
}

/* The two fixtures as one section of action `act`, then EOF {12, 0, 1}. */
static size_t mk_states(uint8_t *b, uint8_t act, unsigned fmt)
{
	size_t len = 20 + 4 + 2 * slen(fmt) + 4;

	memset(b, 0, len);
	g5_hdr(b, len);
	g5_sub(b, 20, act, 2);
	g_state(b, 24, 0, fmt);
	g_state(b, 24 + slen(fmt), 1, fmt);
	g5_sub(b, len - 4, 12, 1);
	return len;
}

/* One section of 12-byte records (DEL_C 7, UPD_REQ 5) and EOF. */
static size_t mk_ref(uint8_t *b, uint8_t act, uint64_t id, uint32_t cr)
{
	size_t len = 20 + 4 + 12 + 4;

	memset(b, 0, len);
	g5_hdr(b, len);
	g5_sub(b, 20, act, 1);
	g64(b, 24, id);
	g32(b, 32, cr);
	g5_sub(b, 36, 12, 1);
	return len;
}

static void check_fmt_lands(unsigned fmt)
{
	struct pfs_bsd_state fx;
	struct pfs_state *s;
	uint8_t b[1500];
	unsigned got = 0;
	struct te te;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(&te, b, mk_states(b, ins_act(fmt), fmt), TE_PEER, TE_T0);
	T_EQ(te_stat(&te, PFS_STAT_BADVAL), 0);
	T_EQ(te_stat(&te, PFS_STAT_BADACT), 0);
	T_EQ(te.applied[PFS_OP_INSERT], 2);
	s = pfs_table_find_id(te.t, ID0, CR);
	T_CHECK(s != NULL);
	if (s) {
		fx_state(&fx, 0, fmt);
		T_EQ(s->af, AF_INET);
		T_EQ(s->proto, 6);
		T_CHECK(strcmp(s->ifname, "em0") == 0);
		T_CHECK(t_host_eq(&s->ext, &fx.st.ext));
		T_CHECK(t_host_eq(&s->gwy, &fx.st.gwy));
		T_CHECK(t_host_eq(&s->lan, &fx.st.lan));
		T_CHECK(t_peer_eq(&s->src, &fx.st.src));
		T_CHECK(t_peer_eq(&s->dst, &fx.st.dst));
		T_EQ(s->timeout, PFS_TM_TCP_ESTABLISHED);
	}
	s = pfs_table_find_id(te.t, ID1, CR);
	T_CHECK(s != NULL && s->af == AF_INET6 && s->proto == 17);
	T_EQ(pfs_engine_dialect(te.e, &got), 5);
	T_EQ(got, fmt);
	te_close(&te);
}

static void test_formats_land(void)
{
	check_fmt_lands(1301);
	check_fmt_lands(1400);
	check_fmt_lands(1500);
}

/* A rolling upgrade: a 1500 peer next to a 1301 one gets 1301. */
static void test_oldest_format(void)
{
	struct pfs_engine_peer p[PFS_ENGINE_PEERS];
	uint8_t b[1500];
	unsigned fmt = 0;
	struct te te;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(&te, b, mk_states(b, 15, 1500), TE_PEER, TE_T0);
	T_EQ(pfs_engine_dialect(te.e, &fmt), 5);
	T_EQ(fmt, 1500);
	te_input(&te, b, mk_ref(b, 7, ID0, CR), TE_PEER2, TE_T0 + 5);
	T_EQ(pfs_engine_dialect(te.e, &fmt), 5);
	T_EQ(fmt, 1500); /* no state from it yet */
	te_input(&te, b, mk_states(b, 3, 1301), TE_PEER2, TE_T0 + 10);
	T_EQ(pfs_engine_dialect(te.e, &fmt), 5);
	T_EQ(fmt, 1301);
	T_CHECK(!pfs_engine_dialect_mixed(te.e));
	T_EQ(pfs_engine_peers(te.e, p, PFS_ENGINE_PEERS), 2);
	T_EQ(p[0].addr, TE_PEER2); /* most recent first */
	T_EQ(p[0].fmt, 1301);
	T_EQ(p[1].fmt, 1500);
	te_close(&te);
}

static void test_upd_del(void)
{
	struct pfs_state *s;
	uint8_t b[1500];
	size_t len;
	struct te te;

	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(&te, b, mk_states(b, 13, 1400), TE_PEER, TE_T0);
	/* UPD_1400 of fixture 0 with newer peers: merged */
	len = mk_states(b, 14, 1400);
	g_peer(b, 24 + 96, 1);
	g_peer(b, 24 + 128, 3);
	te_input(&te, b, len, TE_PEER, TE_T0 + 1000);
	s = pfs_table_find_id(te.t, ID0, CR);
	T_CHECK(s != NULL && s->src.state == 5 && s->dst.state == 7);
	T_EQ(te.applied[PFS_OP_UPDATE], 2);
	T_EQ(te_stat(&te, PFS_STAT_BADSTATE), 0);
	te_input(&te, b, mk_ref(b, 7, ID0, CR), TE_PEER, TE_T0 + 2000);
	T_CHECK(pfs_table_find_id(te.t, ID0, CR) == NULL);
	T_EQ(te.applied[PFS_OP_DELETE], 1);
	/* INS_F: FreeBSD drops the rest of the packet, counted badact */
	len = mk_ref(b, 8, ID1, CR);
	te_input(&te, b, len, TE_PEER, TE_T0 + 3000);
	T_EQ(te_stat(&te, PFS_STAT_BADACT), 1);
	T_CHECK(pfs_table_find_id(te.t, ID1, CR) != NULL);
	te_close(&te);
}

/* `version 1500`: INS_1500 sections ended by EOF, 4 states at 1500. */
static void test_send_1500(void)
{
	struct pfs_v5_frame f;
	struct pfs_v5_section s;
	union pfs_v5_record r;
	struct te te;
	unsigned i, fmt = 0;

	te_open(&te, PFS_DIALECT_V5, 1500);
	T_EQ(pfs_engine_dialect(te.e, &fmt), 5);
	T_EQ(fmt, 1500);
	for (i = 0; i < 5; i++) {
		struct pfs_state st = sim_state(0x200 + i, TE_HOST);

		T_EQ(pfs_engine_insert(te.e, &st, TE_T0), 0);
	}
	T_EQ(te.n, 1); /* the fourth filled the packet */
	pfs_engine_flush(te.e, TE_T0);
	T_EQ(te.n, 2);
	T_EQ(te.p[0].wlen, 20 + 4 + 4 * 360 + 4);
	T_EQ(pfs_v5_frame_parse(te.p[0].wire, te.p[0].wlen, &f), 0);
	T_EQ(pfs_v5_frame_next(&f, &s), 0);
	T_EQ(s.sub.action, PFS_V5_ACT_INS_1500);
	T_EQ(s.sub.count, 4);
	for (i = 0; i < 4; i++) {
		struct pfs_state st = sim_state(0x200 + i, TE_HOST);

		pfs_v5_section_record(&s, i, &r);
		T_EQ(pfs_bsd_state_check(&r.state), 0);
		T_EQ(r.state.st.id, 0x200 + i);
		T_CHECK(t_host_eq(&r.state.st.lan, &st.lan));
		T_CHECK(t_host_eq(&r.state.st.ext, &st.ext));
		T_CHECK(t_peer_eq(&r.state.st.src, &st.src));
	}
	T_EQ(pfs_v5_frame_next(&f, &s), PFS_V5_END);
	T_CHECK(f.eof);
	/* a bulk request in v5 is UPD_REQ {0, 0} */
	pfs_engine_bulk_request(te.e, TE_T0 + 10);
	T_EQ(te.n, 3);
	T_EQ(te.p[2].wlen, 20 + 4 + 12 + 4);
	T_EQ(te.p[2].wire[20], PFS_V5_ACT_UPD_REQ);
	T_EQ(te.p[2].wire[te.p[2].wlen - 4], PFS_V5_ACT_EOF);
	te_close(&te);
}

/* ---- INS_ACK for a deferred insert (issue 20, item 2) --------------------*/

/*
 * Both INS_ACKs as FreeBSD reads them (pfsync-modern.md §2): the 20-byte
 * header (version 5, len 52, pfcksum: ours is zero), subheader {INS_ACK
 * 2, pad, count 2}, two pfsync_ins_ack {u64 id, u32 creatorid}, then the
 * EOF subheader {12, pad, count 1} every v5 frame ends with.
 */
static const uint8_t golden_iack_v5[52] = {
    5,	  0,	0,    52,   0,	  0,	0,    0,    0,	  0,	0,    0,
    0,	  0,	0,    0,    0,	  0,	0,    0,    2,	  0,	0,    2,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0xde, 0xad, 0xbe, 0xef,
    0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x09, 0xde, 0xad, 0xbe, 0xef,
    12,	  0,	0,    1,
};

/* The low byte of state_flags, where PFSTATE_ACK (0x10) is. */
static size_t ack_off(unsigned fmt)
{
	return fmt == 1301 ? 238 : fmt == 1400 ? 236 : 333;
}

/* An engine that has heard one packet from TE_PEER (a source's first
 * packet is never answered, engine_src.c): a DEL_C of no state. */
static void iack_open(struct te *te)
{
	uint8_t b[64];

	te_open(te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(te, b, mk_ref(b, 7, 0x99, CR), TE_PEER, TE_T0);
	te->n = 0;
}

static void check_iack_fmt(unsigned fmt)
{
	uint8_t b[1500];
	struct te te;
	size_t len;

	/* both fixtures ask (PFSTATE_ACK): one packet, two records */
	iack_open(&te);
	te_input(&te, b, mk_states(b, ins_act(fmt), fmt), TE_PEER, TE_T0 + 1);
	T_EQ(te.applied[PFS_OP_INSERT], 2);
	T_EQ(te.n, 1);
	T_CHECK(te.p[0].has_wire);
	T_EQ(te.p[0].dst, TE_PEER);
	T_EQ(te.p[0].llen, 0);
	T_EQ(te.p[0].wlen, sizeof(golden_iack_v5));
	T_CHECK(memcmp(te.p[0].wire, golden_iack_v5,
		       sizeof(golden_iack_v5)) == 0);
	T_EQ(pfs_engine_rel_stats(te.e)[PFS_REL_IACKS], 2);
	te_close(&te);
	/* the flag cleared on both: nothing */
	iack_open(&te);
	len = mk_states(b, ins_act(fmt), fmt);
	b[24 + ack_off(fmt)] &= (uint8_t)~0x10;
	b[24 + slen(fmt) + ack_off(fmt)] &= (uint8_t)~0x10;
	te_input(&te, b, len, TE_PEER, TE_T0 + 1);
	T_EQ(te.applied[PFS_OP_INSERT], 2);
	T_EQ(te.n, 0);
	T_EQ(pfs_engine_rel_stats(te.e)[PFS_REL_IACKS], 0);
	te_close(&te);
}

static void test_iack(void)
{
	check_iack_fmt(1301);
	check_iack_fmt(1400);
	check_iack_fmt(1500);
}

/* An UPD with the flag (a bulk answer) asks for nothing. */
static void test_iack_upd(void)
{
	uint8_t b[1500];
	struct te te;

	iack_open(&te);
	te_input(&te, b, mk_states(b, 16, 1500), TE_PEER, TE_T0 + 1);
	T_EQ(te.applied[PFS_OP_INSERT], 2);
	T_EQ(te.n, 0);
	te_close(&te);
}

int main(void)
{
	T_RUN(test_formats_land);
	T_RUN(test_oldest_format);
	T_RUN(test_upd_del);
	T_RUN(test_send_1500);
	T_RUN(test_iack);
	T_RUN(test_iack_upd);
	return t_done();
}
