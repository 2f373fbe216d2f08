/*
 * test_expire.c - what `expire` means in each dialect, and which counter
 * each dialect's refusals go to (dialect_sem.h), against packets written
 * here byte by byte from the BSDs' struct layouts (not by our encoder):
 *
 *   OpenBSD v6  struct pfsync_state, 264 B: 0 id, 8 ifname, 24 key[0],
 *               64 key[1] (40 B: addr[2], port[2], rdomain, af, pad),
 *               104 src, 136 dst (32 B peers), 168 rt_addr, 184 rule,
 *               188 anchor, 192 nat_rule, 196 creation, 200 expire,
 *               204 packets, 220 bytes, 236 creatorid, 240 rtableid[2],
 *               248 max_mss, 250 af, 251 proto, 252 direction, 253 log,
 *               254 rt, 255 timeout, 256 sync_flags, 257 updates, ...
 *   FreeBSD v5  struct pfsync_state_1400, 277 B: keys of 36 B (no
 *               rdomain, af), 96 src, 128 dst, 160 rt_addr, 176 rule,
 *               180 anchor, 184 nat_rule, 188 creation, 192 expire,
 *               228 creatorid, 232 af, 233 proto, 234 direction,
 *               239 timeout; a packet ends with an EOF subheader.
 *   NetBSD v3   struct pfsync_state, 240 B: 24 lan, 48 gwy, 72 ext
 *               (24 B hosts: addr, port, pad), 96 src, 128 dst,
 *               176 rule, 180 anchor, 184 nat_rule, 188 creation,
 *               192 expire, 228 creatorid, 232 af, 233 proto,
 *               234 direction, 237 timeout; one action per packet.
 *
 * The cases: a TCP state sent with 86 400 s left is kept
 * 86 400 s (not 172 800 s) from OpenBSD and FreeBSD; a merged full UPD
 * of a tcp.finwait state with 40 s left lives 45 s (the class timeout
 * restarted, as pfsync_in_upd does), 85 s from NetBSD (its meaning).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/dialect_sem.h"
#include "pfsync/engine.h"
#include "pfsync/stats.h"
#include "pfsync/table.h"
#include "t.h"
#include "t_eng.h"

#define ID 0x0102030405060708ULL
#define CR 0xdeadbeefu
#define NOW_S (TE_T0 / 1000)

static void p16(uint8_t *b, size_t o, uint16_t v)
{
	b[o] = (uint8_t)(v >> 8);
	b[o + 1] = (uint8_t)v;
}

static void p32(uint8_t *b, size_t o, uint32_t v)
{
	p16(b, o, (uint16_t)(v >> 16));
	p16(b, o + 2, (uint16_t)v);
}

static uint32_t g32(const uint8_t *b, size_t o)
{
	return (uint32_t)b[o] << 24 | (uint32_t)b[o + 1] << 16 |
	       (uint32_t)b[o + 2] << 8 | b[o + 3];
}

static void p64(uint8_t *b, size_t o, uint64_t v)
{
	p32(b, o, (uint32_t)(v >> 32));
	p32(b, o + 4, (uint32_t)v);
}

/* A TCP peer, 32 B: scrub 8, seqlo, seqhi, seqdiff, max_win, mss,
 * state, wscale, pad 6. */
static void peer(uint8_t *b, size_t o, uint32_t seqlo, uint8_t state)
{
	p32(b, o + 8, seqlo);
	p32(b, o + 12, seqlo + 65535);
	p16(b, o + 20, 65535);
	p16(b, o + 22, 1460);
	b[o + 24] = state;
}

/* What a state record says of the connection 10.8.0.1:40000 ->
 * 10.9.0.1:80, outbound (the values every dialect shares). */
struct rec {
	uint8_t sstate, dstate, timeout;
	uint32_t seq, expire;
};

/* A BSD state key: addr[0] the remote side, addr[1] ours, then ports. */
static void bsd_key(uint8_t *b, size_t o)
{
	b[o] = 10, b[o + 1] = 9, b[o + 3] = 1;	 /* addr[0] 10.9.0.1 */
	b[o + 16] = 10, b[o + 17] = 8, b[o + 19] = 1; /* addr[1] 10.8.0.1 */
	p16(b, o + 32, 80);
	p16(b, o + 34, 40000);
}

/* struct pfsync_state (OpenBSD v6), 264 B at o. */
static void st_v6(uint8_t *b, size_t o, const struct rec *r)
{
	memset(b + o, 0, 264);
	p64(b, o, ID);
	memcpy(b + o + 8, "em0", 3);
	bsd_key(b, o + 24);
	b[o + 24 + 38] = AF_INET; /* key af */
	bsd_key(b, o + 64);
	b[o + 64 + 38] = AF_INET;
	peer(b, o + 104, r->seq, r->sstate);
	peer(b, o + 136, r->seq + 7, r->dstate);
	p32(b, o + 184, 0xffffffffu);
	p32(b, o + 188, 0xffffffffu);
	p32(b, o + 192, 0xffffffffu);
	p32(b, o + 196, 10);
	p32(b, o + 200, r->expire);
	p32(b, o + 236, CR);
	b[o + 250] = AF_INET;
	b[o + 251] = 6;
	b[o + 252] = 2; /* PF_OUT */
	b[o + 255] = r->timeout;
}

/* struct pfsync_state_1400 (FreeBSD v5), 277 B at o. */
static void st_v5(uint8_t *b, size_t o, const struct rec *r)
{
	memset(b + o, 0, 277);
	p64(b, o, ID);
	memcpy(b + o + 8, "em0", 3);
	bsd_key(b, o + 24);
	bsd_key(b, o + 60);
	peer(b, o + 96, r->seq, r->sstate);
	peer(b, o + 128, r->seq + 7, r->dstate);
	p32(b, o + 176, 0xffffffffu);
	p32(b, o + 180, 0xffffffffu);
	p32(b, o + 184, 0xffffffffu);
	p32(b, o + 188, 10);
	p32(b, o + 192, r->expire);
	p32(b, o + 228, CR);
	b[o + 232] = AF_INET;
	b[o + 233] = 6;
	b[o + 234] = 2;
	b[o + 239] = r->timeout;
}

/* A v3 host, 24 B: addr (16), port, pad. */
static void host3(uint8_t *b, size_t o, uint8_t net, uint16_t port)
{
	b[o] = 10, b[o + 1] = net, b[o + 3] = 1;
	p16(b, o + 16, port);
}

/* struct pfsync_state (NetBSD v3), 240 B at o. */
static void st_v3(uint8_t *b, size_t o, const struct rec *r)
{
	memset(b + o, 0, 240);
	p64(b, o, ID);
	memcpy(b + o + 8, "em0", 3);
	host3(b, o + 24, 8, 40000); /* lan */
	host3(b, o + 48, 8, 40000); /* gwy: no translation */
	host3(b, o + 72, 9, 80);    /* ext */
	peer(b, o + 96, r->seq, r->sstate);
	peer(b, o + 128, r->seq + 7, r->dstate);
	p32(b, o + 176, 0xffffffffu);
	p32(b, o + 180, 0xffffffffu);
	p32(b, o + 184, 0xffffffffu);
	p32(b, o + 188, 10);
	p32(b, o + 192, r->expire);
	p32(b, o + 228, CR);
	b[o + 232] = AF_INET;
	b[o + 233] = 6;
	b[o + 234] = 2;
	b[o + 237] = r->timeout;
}

/* One state packet of dialect d: action INS (upd false) or UPD. */
static size_t pkt(uint8_t *b, unsigned d, bool upd, const struct rec *r)
{
	size_t len;

	memset(b, 0, 20);
	b[0] = (uint8_t)d;
	switch (d) {
	case 6: /* header: version, pad, len, pfcksum; subheader: action,
		 * len in words, count */
		len = 20 + 4 + 264;
		b[20] = upd ? 14 : 13;
		b[21] = 264 / 4;
		p16(b, 22, 1);
		st_v6(b, 24, r);
		break;
	case 5: /* subheader: action, pad, count; EOF subheader last */
		len = 20 + 4 + 277 + 4;
		b[20] = upd ? 14 : 13;
		p16(b, 22, 1);
		st_v5(b, 24, r);
		memset(b + 301, 0, 4);
		b[301] = 12;
		p16(b, 303, 1);
		break;
	default: /* header: version, af, action, count, pf_chksum */
		len = 20 + 240;
		b[1] = AF_INET;
		b[2] = upd ? 2 : 1;
		b[3] = 1;
		st_v3(b, 20, r);
		break;
	}
	if (d != 3)
		p16(b, 2, (uint16_t)len);
	return len;
}

/* UPD_C of ID: OpenBSD and FreeBSD 84 B (id, src, dst, creatorid,
 * expire, timeout, pad 3), NetBSD 88 B (... timeout, updates, pad 6). */
static size_t pkt_upd_c(uint8_t *b, unsigned d, const struct rec *r)
{
	size_t o = d == 3 ? 20 : 24, rl = d == 3 ? 88 : 84;
	size_t len = o + rl + (d == 5 ? 4 : 0);

	memset(b, 0, len);
	b[0] = (uint8_t)d;
	if (d == 3) {
		b[1] = AF_INET;
		b[2] = 4;
		b[3] = 1;
	} else {
		p16(b, 2, (uint16_t)len);
		b[20] = 4;
		b[21] = d == 6 ? 84 / 4 : 0;
		p16(b, 22, 1);
	}
	p64(b, o, ID);
	peer(b, o + 8, r->seq, r->sstate);
	peer(b, o + 40, r->seq + 7, r->dstate);
	p32(b, o + 72, CR);
	p32(b, o + 76, r->expire);
	b[o + 80] = r->timeout;
	if (d == 5)
		b[o + rl] = 12, p16(b, o + rl + 2, 1);
	return len;
}

static struct pfs_state *held(struct te *te)
{
	return pfs_table_find_id(te->t, ID, CR);
}

static const struct rec est_86400 = {PFS_TCPS_ESTABLISHED,
				     PFS_TCPS_ESTABLISHED,
				     PFS_TM_TCP_ESTABLISHED, 1000, 86400};

/* INS with 86 400 s left: OpenBSD and FreeBSD keep it 86 400 s
 * (pf_state_import, pfsync_state_import); NetBSD's meaning (last packet
 * in 86 400 s) keeps it twice as long. */
static void test_ins_left(void)
{
	static const unsigned ds[] = {6, 5, 3};
	static const uint32_t kept[] = {86400, 86400, 2 * 86400};
	uint8_t b[600];
	struct te te;
	size_t i;

	for (i = 0; i < 3; i++) {
		te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
		te_input(&te, b, pkt(b, ds[i], false, &est_86400), TE_PEER,
			 TE_T0);
		T_CHECK(held(&te) != NULL);
		if (held(&te))
			T_EQ(held(&te)->expire, NOW_S + kept[i]);
		te_close(&te);
	}
}

/* expire 0 from a BSD: "none given", a full timeout of its class. */
static void test_ins_zero(void)
{
	struct rec r = est_86400;
	uint8_t b[600];
	struct te te;

	r.expire = 0;
	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(&te, b, pkt(b, 6, false, &r), TE_PEER, TE_T0);
	T_CHECK(held(&te) && held(&te)->expire == NOW_S + 86400);
	te_close(&te);
	r.expire = 600;
	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(&te, b, pkt(b, 5, false, &r), TE_PEER, TE_T0);
	T_CHECK(held(&te) && held(&te)->expire == NOW_S + 600);
	te_close(&te);
}

/* A full UPD of a state held, into tcp.finwait with 40 s left: OpenBSD
 * and FreeBSD restart the class timeout (45 s) and ignore the 40; an UPD
 * of a state not held is imported with its 40 s. */
static void test_upd_finwait(void)
{
	static const unsigned ds[] = {6, 5, 3};
	static const uint32_t lives[] = {45, 45, 40 + 45};
	struct rec fin = {PFS_TCPS_FIN_WAIT_2, PFS_TCPS_FIN_WAIT_2,
			  PFS_TM_TCP_FIN_WAIT, 2000, 40};
	uint8_t b[600];
	struct te te;
	size_t i;

	for (i = 0; i < 3; i++) {
		te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
		te_input(&te, b, pkt(b, ds[i], false, &est_86400), TE_PEER,
			 TE_T0);
		te_input(&te, b, pkt(b, ds[i], true, &fin), TE_PEER,
			 TE_T0 + 5000);
		T_CHECK(held(&te) != NULL);
		if (held(&te)) {
			T_EQ(held(&te)->src.state, PFS_TCPS_FIN_WAIT_2);
			T_EQ(held(&te)->expire, NOW_S + 5 + lives[i]);
		}
		te_close(&te);
	}
	/* not held: imported, as pf_state_import does, with its 40 s */
	te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
	te_input(&te, b, pkt(b, 6, true, &fin), TE_PEER, TE_T0);
	T_CHECK(held(&te) && held(&te)->expire == NOW_S + 40);
	te_close(&te);
}

/* UPD_C: the BSDs send expire 0 and restart the timer; NetBSD's 0 means
 * a timeout from now as well. */
static void test_upd_c_restart(void)
{
	static const unsigned ds[] = {6, 5, 3};
	struct rec r = est_86400;
	uint8_t b[600];
	struct te te;
	size_t i;

	for (i = 0; i < 3; i++) {
		te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
		r.expire = 600;
		te_input(&te, b, pkt(b, ds[i], false, &r), TE_PEER, TE_T0);
		r.expire = 0;
		r.seq = 1500;
		te_input(&te, b, pkt_upd_c(b, ds[i], &r), TE_PEER,
			 TE_T0 + 3000);
		T_CHECK(held(&te) && held(&te)->expire == NOW_S + 3 + 86400);
		r.seq = 1000;
		te_close(&te);
	}
}

/* What a BSD receiver reads in what we send: the seconds left, at the
 * offset of its struct; NetBSD gets its own meaning (0: a live state). */
static void test_send_left(void)
{
	static const unsigned ds[] = {6, 5, 3};
	static const size_t at[] = {24 + 200, 24 + 192, 20 + 192};
	struct pfs_state st;
	struct te te;
	size_t i;

	for (i = 0; i < 3; i++) {
		te_open(&te, (uint8_t)ds[i], ds[i] == 5 ? 1400 : 0);
		memset(&st, 0, sizeof(st));
		st.id = ID;
		st.creatorid = TE_HOST;
		st.af = AF_INET;
		st.proto = 6;
		st.direction = PFS_DIR_OUT;
		st.rule = st.anchor = st.nat_rule = PFS_NO_RULE;
		memcpy(st.ifname, "all", 4);
		st.lan.addr.a[0] = 10, st.lan.addr.a[3] = 1;
		st.gwy = st.lan;
		st.ext.addr.a[0] = 10, st.ext.addr.a[3] = 2;
		st.src.state = st.dst.state = PFS_TCPS_ESTABLISHED;
		st.timeout = PFS_TM_TCP_ESTABLISHED;
		st.creation = NOW_S;
		st.expire = NOW_S + 599;
		T_EQ(pfs_engine_insert(te.e, &st, TE_T0), 0);
		pfs_engine_flush(te.e, TE_T0);
		T_EQ(te.n, 1);
		T_CHECK(te.p[0].has_wire && te.p[0].wire[0] == ds[i]);
		T_EQ(g32(te.p[0].wire, at[i]), ds[i] == 3 ? 0u : 599u);
		te_close(&te);
	}
}

/* The translation rows themselves, at the edges. */
static void test_rows(void)
{
	T_EQ(pfs_dsem_wire_expire(6, 0, PFS_TM_TCP_ESTABLISHED), 1);
	T_EQ(pfs_dsem_wire_expire(5, 599, PFS_TM_TCP_ESTABLISHED), 599);
	T_EQ(pfs_dsem_wire_expire(3, 599, PFS_TM_TCP_ESTABLISHED), 0);
	T_EQ(pfs_dsem_wire_expire(3, 86400 + 9, PFS_TM_TCP_ESTABLISHED), 9);
	T_EQ(pfs_dsem_import_expire(6, 0xffffffffu, 2, 100), 0xffffffffu);
	T_EQ(pfs_dsem_merge_expire(6, 12345, PFS_TM_UDP_SINGLE, 100), 130);
	T_EQ(pfs_dsem_merge_expire(3, 10, PFS_TM_UDP_SINGLE, 100), 140);
	T_EQ(pfs_dsem_import_expire(4, 10, PFS_TM_UDP_SINGLE, 100), 140);
	T_EQ(pfs_dsem_stat(6, PFS_DSEM_NEVENTS), -1);
	/* what v3 cannot say between pfsyncd peers: 2 s and 1/64 over */
	T_CHECK(!pfs_dsem_v3_needs_left(30, PFS_TM_UDP_SINGLE));
	T_CHECK(!pfs_dsem_v3_needs_left(29, PFS_TM_UDP_SINGLE));
	T_CHECK(pfs_dsem_v3_needs_left(28, PFS_TM_UDP_SINGLE));
	T_CHECK(pfs_dsem_v3_needs_left(0, PFS_TM_UDP_SINGLE));
	T_CHECK(!pfs_dsem_v3_needs_left(86400 - 1350, PFS_TM_TCP_ESTABLISHED));
	T_CHECK(pfs_dsem_v3_needs_left(86400 - 1351, PFS_TM_TCP_ESTABLISHED));
	T_CHECK(pfs_dsem_v3_needs_left(599, PFS_TM_TCP_ESTABLISHED));
	T_CHECK(!pfs_dsem_v3_needs_left(90000, PFS_TM_TCP_ESTABLISHED));
}

/* Refusals: NetBSD counts badstate for all; OpenBSD and FreeBSD badval
 * for values out of range, stale for an update older than ours, nothing
 * for an UPD_C they lack (an UPD_REQ goes out), badstate for a DEL of a
 * state they lack (if_pfsync.c pfsync_in_upd, _upd_c, _del_c). */
static void test_counters(void)
{
	static const unsigned ds[] = {6, 5, 3};
	struct rec bad = est_86400, old = est_86400;
	uint8_t b[600];
	struct te te;
	size_t i;
	bool bsd;

	bad.timeout = PFS_TM_MAX;
	old.seq = 10; /* src seqlo backwards */
	for (i = 0; i < 3; i++) {
		bsd = ds[i] != 3;
		te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
		te_input(&te, b, pkt(b, ds[i], false, &est_86400), TE_PEER,
			 TE_T0);
		te_input(&te, b, pkt_upd_c(b, ds[i], &bad), TE_PEER, TE_T0);
		T_EQ(te_stat(&te, PFS_STAT_BADVAL), bsd ? 1u : 0u);
		T_EQ(te_stat(&te, PFS_STAT_BADSTATE), bsd ? 0u : 1u);
		te_input(&te, b, pkt(b, ds[i], true, &old), TE_PEER, TE_T0);
		T_EQ(te_stat(&te, PFS_STAT_STALE), bsd ? 1u : 0u);
		T_EQ(te_stat(&te, PFS_STAT_BADSTATE), bsd ? 0u : 2u);
		te_close(&te);
	}
	/* UPD_C of a state not held */
	for (i = 0; i < 3; i++) {
		struct rec other = est_86400;

		bsd = ds[i] != 3;
		te_open(&te, PFS_ENGINE_VERSION_AUTO, 0);
		te_input(&te, b, pkt_upd_c(b, ds[i], &other), TE_PEER, TE_T0);
		T_EQ(te_stat(&te, PFS_STAT_BADSTATE), bsd ? 0u : 1u);
		T_EQ(te_stat(&te, PFS_STAT_STALE) + te_stat(&te, PFS_STAT_BADVAL),
		     0u);
		te_close(&te);
	}
}

int main(void)
{
	T_RUN(test_ins_left);
	T_RUN(test_ins_zero);
	T_RUN(test_upd_finwait);
	T_RUN(test_upd_c_restart);
	T_RUN(test_send_left);
	T_RUN(test_rows);
	T_RUN(test_counters);
	return t_done();
}
