/*
 * test_netbsd_peer.c - the engine against packets a NetBSD pfsync v3
 * peer sends, written byte by byte from the offsets of
 * shared/reference/pfsync-v3.md (sections 1.2, 2.6, 2.7, 2.11, 2.12, 4),
 * never with our own encoder: two ends sharing one mistake agree with
 * each other.
 *
 *   - expire: NetBSD sends "last packet - now", clamped at 0, so a live
 *     state travels as 0 and the receiver gives it a full timeout of its
 *     class; we read and write it so.
 *   - counters: a short BUS while no bulk update is awaited, and a
 *     TDB_UPD of any length, move only IPACKETS.
 */
#include <stdint.h>
#include <string.h>

#include "pfsync/engine.h"
#include "pfsync/state.h"
#include "pfsync/stats.h"
#include "pfsync/table.h"
#include "t.h"

#define NOW_S 1000u
#define NOW_MS (NOW_S * 1000ull)
#define ME 0x0000aaaau
#define NBSD 0x0000bbbbu

/* ---- a NetBSD packet, byte by byte ---------------------------------------*/

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* struct pfsync_header: version 3, action, count, 16-byte pf_chksum */
static size_t hdr(uint8_t *p, uint8_t action, uint8_t count)
{
	memset(p, 0, 20);
	p[0] = 3; /* version; p[1] af is always 0 */
	p[2] = action;
	p[3] = count;
	return 20;
}

/* struct pfsync_state_peer at p: seqlo, seqhi, seqdiff, max_win, mss,
 * state, wscale; scrub left zero */
static void peer(uint8_t *p, uint32_t seqlo, uint8_t state)
{
	put32(p + 8, seqlo);
	put32(p + 12, seqlo + 65535);
	put16(p + 20, 65535);
	p[24] = state; /* after seqlo 8, seqhi 12, seqdiff 16, max_win 20,
			  mss 22 */
}

/* struct pfsync_state (240 B): an established TCP/IPv4 state as NetBSD's
 * pfsync_pack_state writes it, with expire as given */
static void state240(uint8_t *r, uint32_t id, uint32_t expire)
{
	memset(r, 0, 240);
	put32(r + 4, id); /* id[2]: high word 0 */
	memcpy(r + 8, "wm0", 3);
	/* lan 10.0.0.5:40000, gwy = lan, ext 10.9.0.1:80 */
	r[24] = 10, r[27] = 5, put16(r + 24 + 16, 40000);
	memcpy(r + 48, r + 24, 24);
	r[72] = 10, r[73] = 9, r[75] = 1, put16(r + 72 + 16, 80);
	peer(r + 96, 1000, 4);	/* TCPS_ESTABLISHED */
	peer(r + 128, 5000, 4);
	put32(r + 176, 0xffffffff); /* rule */
	put32(r + 180, 0xffffffff); /* anchor */
	put32(r + 188, 60);	    /* creation: one minute old */
	put32(r + 192, expire);
	put32(r + 228, NBSD);
	r[232] = 2; /* AF_INET */
	r[233] = 6;
	r[234] = 2;  /* PF_OUT */
	r[237] = 2;  /* PFTM_TCP_ESTABLISHED */
}

/* ---- an engine that captures what it sends ------------------------------*/

static uint8_t sent[8][2048];
static size_t sent_len[8];
static int nsent;

static int out(void *ctx, const uint8_t *local, size_t llen,
	       const uint8_t *wire, size_t wlen, uint32_t dst)
{
	(void)ctx, (void)dst;
	if (wire) { /* what goes on the wire; local is pfsync0's form */
		local = wire;
		llen = wlen;
	}
	if (nsent == 8 || llen > sizeof(sent[0]))
		return 0;
	memcpy(sent[nsent], local, llen);
	sent_len[nsent++] = llen;
	return 0;
}

static const struct pfs_engine_ops ops = {.output = out};
static const struct pfs_rx_meta from_peer = {0x0a000002u, true, 255};

struct node {
	struct pfs_table *t;
	struct pfs_engine *e;
};

static void node_open(struct node *n)
{
	struct pfs_engine_conf c;

	pfs_engine_conf_default(&c);
	c.hostid = ME;
	c.syncdev = true;
	n->t = pfs_table_new(0, T_HASHKEY);
	n->e = pfs_engine_new(&c, n->t, &ops, NULL, NOW_MS);
	nsent = 0;
}

static void node_close(struct node *n)
{
	pfs_engine_free(n->e);
	pfs_table_free(n->t);
}

/* ---- expire ---------------------------------------------------------------*/

/* A NetBSD INS with expire 0: last packet now, 24 h (tcp.established). */
static void test_ins_expire_zero_full_timeout(void)
{
	uint8_t pkt[20 + 240];
	struct node n;
	const struct pfs_state *s;

	node_open(&n);
	hdr(pkt, 1, 1);
	state240(pkt + 20, 7, 0);
	pfs_engine_input(n.e, pkt, sizeof(pkt), &from_peer, NOW_MS);
	s = pfs_table_find_id(n.t, 7, NBSD);
	T_CHECK(s != NULL);
	if (s) {
		T_EQ(s->expire, NOW_S + 86400);
		T_EQ(s->creation, NOW_S - 60);
		T_EQ(s->timeout, PFS_TM_TCP_ESTABLISHED);
	}
	node_close(&n);
}

/* A nonzero wire expire pushes "last packet" into the future. */
static void test_upd_expire_nonzero(void)
{
	uint8_t pkt[20 + 240];
	struct node n;
	const struct pfs_state *s;

	node_open(&n);
	hdr(pkt, 2, 1); /* UPD of an unknown state inserts it */
	state240(pkt + 20, 8, 100);
	pfs_engine_input(n.e, pkt, sizeof(pkt), &from_peer, NOW_MS);
	s = pfs_table_find_id(n.t, 8, NBSD);
	T_CHECK(s != NULL);
	if (s)
		T_EQ(s->expire, NOW_S + 100 + 86400);
	node_close(&n);
}

/* UPD_C (88 B): expire at offset 76, timeout at 80. */
static void test_upd_c_expire_zero(void)
{
	uint8_t ins[20 + 240], upd[20 + 88];
	uint8_t *u = upd + 20;
	struct node n;
	const struct pfs_state *s;

	node_open(&n);
	hdr(ins, 1, 1);
	state240(ins + 20, 9, 0);
	pfs_engine_input(n.e, ins, sizeof(ins), &from_peer, NOW_MS);
	hdr(upd, 4, 1); /* UPD_C */
	memset(u, 0, 88);
	put32(u + 4, 9);
	peer(u + 8, 1000, 5);  /* CLOSE_WAIT */
	peer(u + 40, 5000, 4); /* ESTABLISHED */
	put32(u + 72, NBSD);
	put32(u + 76, 0);
	u[80] = 3; /* PFTM_TCP_CLOSING */
	pfs_engine_input(n.e, upd, sizeof(upd), &from_peer,
			 NOW_MS + 10000);
	s = pfs_table_find_id(n.t, 9, NBSD);
	T_CHECK(s != NULL);
	if (s) {
		T_EQ(s->src.state, 5);
		T_EQ(s->timeout, PFS_TM_TCP_CLOSING);
		T_EQ(s->expire, NOW_S + 10 + 900);
	}
	node_close(&n);
}

/* What we send: a live state as 0, in INS, UPD and UPD_C. */
static void test_send_live_state_as_zero(void)
{
	struct node n;
	struct pfs_state st;

	node_open(&n);
	memset(&st, 0, sizeof(st));
	st.id = 0x42;
	st.creatorid = ME;
	st.af = 2; /* AF_INET */
	st.proto = 6;
	st.direction = PFS_DIR_OUT;
	st.rule = st.anchor = PFS_NO_RULE;
	st.src.state = st.dst.state = PFS_TCPS_ESTABLISHED;
	st.timeout = PFS_TM_TCP_ESTABLISHED;
	st.creation = NOW_S;
	st.expire = NOW_S + 86400; /* a packet just now */
	st.lan.port = 1;
	st.ext.port = 2;
	T_EQ(pfs_engine_insert(n.e, &st, NOW_MS), 0);
	pfs_engine_flush(n.e, NOW_MS);
	T_EQ(nsent, 1);
	T_EQ(sent[0][2], 1); /* INS */
	T_EQ(get32(sent[0] + 20 + 192), 0);
	/* an hour later, idle: still 0 (last packet is in the past) */
	st.expire = NOW_S + 86400;
	T_EQ(pfs_engine_update(n.e, &st, NOW_MS + 3600000), 0);
	pfs_engine_flush(n.e, NOW_MS + 3600000);
	T_EQ(nsent, 2);
	T_EQ(sent[1][2], 4); /* UPD_C on a syncdev */
	T_EQ(get32(sent[1] + 20 + 76), 0);
	/* a longer life than the class gives (a Linux timeout of 5 days):
	 * the surplus travels, so the peer keeps it as long */
	st.expire = NOW_S + 3600 + 432000;
	T_EQ(pfs_engine_update(n.e, &st, NOW_MS + 3600000), 0);
	pfs_engine_flush(n.e, NOW_MS + 3600000);
	T_EQ(nsent, 3);
	T_EQ(get32(sent[2] + 20 + 76), 432000 - 86400);
	node_close(&n);
}

/* The pure conversions, both ways and at the edges. */
static void test_expire_conversions(void)
{
	struct pfs_state st;

	memset(&st, 0, sizeof(st));
	st.timeout = PFS_TM_UDP_SINGLE; /* 30 s */
	st.expire = 0;
	T_EQ(pfs_state_wire_expire(&st, 500), 0);
	st.expire = 529;
	T_EQ(pfs_state_wire_expire(&st, 500), 0);
	st.expire = 531;
	T_EQ(pfs_state_wire_expire(&st, 500), 1);
	T_EQ(pfs_state_expire_from_wire(0, PFS_TM_UDP_SINGLE, 500), 530);
	T_EQ(pfs_state_expire_from_wire(0xffffffffu, PFS_TM_TCP_ESTABLISHED,
					500),
	     0xffffffffu);
	/* round trip through a NetBSD peer keeps the expiry */
	st.expire = 900;
	T_EQ(pfs_state_expire_from_wire(pfs_state_wire_expire(&st, 500),
					st.timeout, 500),
	     900);
}

/* ---- counters as NetBSD counts them -----------------------------------*/

static void test_short_bus_not_awaited(void)
{
	uint8_t pkt[20 + 8];
	struct node n;
	const uint64_t *c;

	node_open(&n);
	hdr(pkt, 9, 0);
	memset(pkt + 20, 0, 8); /* 8 of the 16 bytes of pfsync_state_bus */
	pfs_engine_input(n.e, pkt, sizeof(pkt), &from_peer, NOW_MS);
	c = pfs_engine_stats(n.e);
	T_EQ(c[PFS_STAT_IPACKETS], 1);
	T_EQ(c[PFS_STAT_BADLEN], 0);
	/* awaiting one, the same packet is too short */
	pfs_engine_bulk_request(n.e, NOW_MS);
	pfs_engine_input(n.e, pkt, sizeof(pkt), &from_peer, NOW_MS);
	T_EQ(c[PFS_STAT_IPACKETS], 2);
	T_EQ(c[PFS_STAT_BADLEN], 1);
	node_close(&n);
}

static void test_tdb_upd_any_length(void)
{
	uint8_t pkt[20 + 48];
	struct node n;
	const uint64_t *c;
	size_t len;
	int i;

	node_open(&n);
	hdr(pkt, 10, 1);
	memset(pkt + 20, 0, 48);
	for (len = 20; len <= sizeof(pkt); len += 4)
		pfs_engine_input(n.e, pkt, len, &from_peer, NOW_MS);
	c = pfs_engine_stats(n.e);
	T_EQ(c[PFS_STAT_IPACKETS], (48 / 4) + 1);
	for (i = PFS_STAT_IPACKETS + 1; i < PFS_NSTATS; i++)
		T_EQ(c[i], 0);
	T_EQ(pfs_table_count(n.t), 0);
	node_close(&n);
}

/* Other short actions still count BADLEN (an INS with half a state). */
static void test_short_ins_badlen(void)
{
	uint8_t pkt[20 + 240];
	struct node n;

	node_open(&n);
	hdr(pkt, 1, 1);
	state240(pkt + 20, 7, 0);
	pfs_engine_input(n.e, pkt, 20 + 120, &from_peer, NOW_MS);
	T_EQ(pfs_engine_stats(n.e)[PFS_STAT_BADLEN], 1);
	T_EQ(pfs_table_count(n.t), 0);
	node_close(&n);
}

int main(void)
{
	T_RUN(test_ins_expire_zero_full_timeout);
	T_RUN(test_upd_expire_nonzero);
	T_RUN(test_upd_c_expire_zero);
	T_RUN(test_send_live_state_as_zero);
	T_RUN(test_expire_conversions);
	T_RUN(test_short_bus_not_awaited);
	T_RUN(test_tdb_upd_any_length);
	T_RUN(test_short_ins_badlen);
	return t_done();
}
