/*
 * test_wire_v6.c - the OpenBSD pfsync v6 codec against byte vectors built
 * by hand from the offsets of pfsync-modern.md §1.2-§1.5 (helpers that
 * share no code with the encoder), then the frame walker's rules (§1.2:
 * skip by length, badact, badlen, trimming), the receive validation
 * (§1.5), the writer, and random round trips as an oracle.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/buf.h"
#include "pfsync/stats.h"
#include "pfsync/wire_v6.h"
#include "t.h"
#include "t_bsd.h"
#include "g_v6.h"

/* --- golden records ------------------------------------------------------- */

static void check_golden_state(uint8_t k)
{
	uint8_t exp[PFS_V6_STATE_LEN] = {0}, out[PFS_V6_STATE_LEN];
	struct pfs_bsd_state s, d;
	struct pfs_wbuf wb;
	struct pfs_rbuf rb;

	g_state(exp, 0, k);
	fx_state(&s, k);
	memset(out, 0xee, sizeof(out));
	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_v6_put_state(&wb, &s);
	T_CHECK(!wb.err);
	T_EQ(wb.off, 264);
	T_MEMEQ(out, exp, sizeof(exp));
	pfs_rbuf_init(&rb, exp, sizeof(exp));
	pfs_v6_get_state(&rb, &d);
	T_CHECK(!rb.err);
	T_CHECK(t_bsd_state_eq(&d, &s));
	T_EQ(pfs_bsd_state_check(&d), 0);
}

static void test_golden_state(void)
{
	check_golden_state(0);
	check_golden_state(1);
}

static void test_golden_small(void)
{
	uint8_t exp[84] = {0}, out[84];
	struct pfs_bsd_upd_c u, du;
	struct pfs_bsd_ref r = {0x2122232425262728ULL, 0x01020304}, dr;
	struct pfs_bsd_clr c, dc;
	struct pfs_bsd_bus bu = {0x55667788, 0x00010203, PFS_BSD_BUS_END}, db;
	struct pfs_wbuf wb;
	struct pfs_rbuf rb;

	fx_upd_c(&u, 1);
	g_upd_c(exp, 0, 1);
	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_bsd_put_upd_c(&wb, &u);
	T_CHECK(!wb.err && wb.off == 84);
	T_MEMEQ(out, exp, 84);
	pfs_rbuf_init(&rb, exp, 84);
	pfs_bsd_get_upd_c(&rb, &du);
	T_CHECK(t_bsd_upd_c_eq(&du, &u));

	memset(exp, 0, sizeof(exp));
	g_ref(exp, 0, r.id, r.creatorid);
	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_bsd_put_ref(&wb, &r);
	T_CHECK(wb.off == 12 && memcmp(out, exp, 12) == 0);
	pfs_rbuf_init(&rb, exp, 12);
	pfs_bsd_get_ref(&rb, &dr);
	T_CHECK(!rb.err && t_bsd_small_eq(&dr, &r));

	memset(exp, 0, sizeof(exp));
	memset(&c, 0, sizeof(c));
	strcpy(c.ifname, "carp0");
	c.creatorid = 0x0badf00d;
	memcpy(exp, "carp0", 5);
	g32(exp, 16, 0x0badf00d);
	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_bsd_put_clr(&wb, &c);
	T_CHECK(wb.off == 20 && memcmp(out, exp, 20) == 0);
	pfs_rbuf_init(&rb, exp, 20);
	pfs_bsd_get_clr(&rb, &dc);
	T_CHECK(strcmp(dc.ifname, "carp0") == 0 && dc.creatorid == 0x0badf00d);

	memset(exp, 0, sizeof(exp));
	g32(exp, 0, 0x55667788);
	g32(exp, 4, 0x00010203);
	g8(exp, 8, 2);
	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_bsd_put_bus(&wb, &bu);
	T_CHECK(wb.off == 12 && memcmp(out, exp, 12) == 0);
	pfs_rbuf_init(&rb, exp, 12);
	pfs_bsd_get_bus(&rb, &db);
	T_CHECK(db.creatorid == 0x55667788 && db.endtime == 0x00010203 &&
		db.status == PFS_BSD_BUS_END);
}

/* pfsync_tdb, 52 bytes (§1.4): the 64-bit rpl OpenBSD has */
static void test_golden_tdb(void)
{
	uint8_t exp[52] = {0}, out[52];
	struct pfs_v6_tdb t, d;
	struct pfs_wbuf wb;
	struct pfs_rbuf rb;
	size_t i;

	memset(&t, 0, sizeof(t));
	t.spi = 0x10002000;
	for (i = 0; i < 28; i++)
		t.dst[i] = (uint8_t)(0x40 + i);
	t.rpl = 0x0000000100004000ULL;
	t.cur_bytes = 0x0102030405060708ULL;
	t.sproto = 50;
	t.updates = 9;
	t.rdomain = 2;
	g32(exp, 0, 0x10002000);
	for (i = 0; i < 28; i++)
		g8(exp, 4 + i, (uint8_t)(0x40 + i));
	g64(exp, 32, 0x0000000100004000ULL);
	g64(exp, 40, 0x0102030405060708ULL);
	g8(exp, 48, 50);
	g8(exp, 49, 9);
	g16(exp, 50, 2);
	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_v6_put_tdb(&wb, &t);
	T_CHECK(wb.off == 52 && memcmp(out, exp, 52) == 0);
	pfs_rbuf_init(&rb, exp, 52);
	pfs_v6_get_tdb(&rb, &d);
	T_CHECK(d.spi == t.spi && memcmp(d.dst, t.dst, 28) == 0 &&
		d.rpl == t.rpl && d.cur_bytes == t.cur_bytes &&
		d.sproto == 50 && d.updates == 9 && d.rdomain == 2);
}

/*
 * A frame as OpenBSD sends it: INS x2, UPD_C, DEL_C, UPD_REQ{0,0},
 * CLR, BUS, each section with its own subheader and word length.
 */
#define FRAME_LEN                                                              \
	(20 + 4 + 2 * 264 + 4 + 84 + 4 + 12 + 4 + 12 + 4 + 20 + 4 + 12)

static size_t g_frame(uint8_t *b)
{
	size_t o = 20;

	memset(b, 0, FRAME_LEN);
	g_hdr(b, FRAME_LEN);
	g_sub(b, o, 13, 66, 2);
	g_state(b, o + 4, 0);
	g_state(b, o + 4 + 264, 1);
	o += 4 + 2 * 264;
	g_sub(b, o, 4, 21, 1);
	g_upd_c(b, o + 4, 0);
	o += 4 + 84;
	g_sub(b, o, 7, 3, 1);
	g_ref(b, o + 4, 0x99, 0x77);
	o += 16;
	g_sub(b, o, 5, 3, 1);
	o += 16; /* id 0, creatorid 0: a bulk request */
	g_sub(b, o, 0, 5, 1);
	memcpy(b + o + 4, "em0", 3);
	g32(b, o + 4 + 16, 0xdeadbeef);
	o += 24;
	g_sub(b, o, 10, 3, 1);
	g32(b, o + 4, 0xdeadbeef);
	g8(b, o + 12, 1);
	o += 16;
	return o;
}

static void build_frame(uint8_t *buf, size_t cap, size_t *len)
{
	struct pfs_v6_writer w;
	union pfs_v6_record r;

	T_EQ(pfs_v6_writer_init(&w, buf, cap), 0);
	fx_state(&r.state, 0);
	T_EQ(pfs_v6_writer_add(&w, PFS_V6_ACT_INS, &r), 0);
	fx_state(&r.state, 1);
	T_EQ(pfs_v6_writer_add(&w, PFS_V6_ACT_INS, &r), 0);
	fx_upd_c(&r.upd_c, 0);
	T_EQ(pfs_v6_writer_add(&w, PFS_V6_ACT_UPD_C, &r), 0);
	r.ref.id = 0x99;
	r.ref.creatorid = 0x77;
	T_EQ(pfs_v6_writer_add(&w, PFS_V6_ACT_DEL_C, &r), 0);
	memset(&r, 0, sizeof(r));
	T_EQ(pfs_v6_writer_add(&w, PFS_V6_ACT_UPD_REQ, &r), 0);
	strcpy(r.clr.ifname, "em0");
	r.clr.creatorid = 0xdeadbeef;
	T_EQ(pfs_v6_writer_add(&w, PFS_V6_ACT_CLR, &r), 0);
	memset(&r, 0, sizeof(r));
	r.bus.creatorid = 0xdeadbeef;
	r.bus.status = PFS_BSD_BUS_START;
	T_EQ(pfs_v6_writer_add(&w, PFS_V6_ACT_BUS, &r), 0);
	*len = pfs_v6_writer_finish(&w);
}

static void test_golden_frame(void)
{
	uint8_t exp[FRAME_LEN], out[1500];
	size_t len = 0;

	T_EQ(g_frame(exp), FRAME_LEN);
	build_frame(out, sizeof(out), &len);
	T_EQ(len, FRAME_LEN);
	T_MEMEQ(out, exp, FRAME_LEN);
}

static void test_parse_frame(void)
{
	uint8_t b[FRAME_LEN];
	struct pfs_v6_frame f;
	struct pfs_v6_section s;
	union pfs_v6_record r;
	struct pfs_bsd_state want;
	static const uint8_t acts[] = {13, 4, 7, 5, 0, 10};
	size_t n = 0;

	g_frame(b);
	T_EQ(pfs_v6_frame_parse(b, sizeof(b), &f), 0);
	T_EQ(f.hdr.version, 6);
	T_EQ(f.hdr.len, FRAME_LEN);
	while (pfs_v6_frame_next(&f, &s) == 0) {
		T_CHECK(n < sizeof(acts) && s.sub.action == acts[n]);
		T_CHECK(!s.skip);
		n++;
	}
	T_EQ(n, 6);
	pfs_v6_frame_parse(b, sizeof(b), &f);
	T_EQ(pfs_v6_frame_next(&f, &s), 0);
	T_EQ(s.sub.count, 2);
	T_EQ(s.stride, 264);
	pfs_v6_section_record(&s, 1, &r);
	fx_state(&want, 1);
	T_CHECK(t_bsd_state_eq(&r.state, &want));
	T_EQ(pfs_v6_frame_next(&f, &s), 0);
	T_EQ(pfs_v6_frame_next(&f, &s), 0);
	pfs_v6_section_record(&s, 0, &r);
	T_CHECK(r.ref.id == 0x99 && r.ref.creatorid == 0x77);
}

/* §1.2: unknown or too-short sections are skipped by their length. */
static void test_skip_unknown(void)
{
	uint8_t b[20 + 4 + 8 + 4 + 12 + 4 + 12 + 4];
	struct pfs_v6_frame f;
	struct pfs_v6_section s;
	union pfs_v6_record r;

	memset(b, 0, sizeof(b));
	g_hdr(b, sizeof(b));
	g_sub(b, 20, 200, 1, 2); /* unknown action, 2 records of 4 bytes */
	g_sub(b, 32, 13, 3, 1);	 /* INS with 12-byte records: too short */
	g_sub(b, 48, 7, 3, 1);
	g_ref(b, 52, 5, 6);
	g_sub(b, 64, 12, 0, 1); /* EOF: deprecated, skipped */
	T_EQ(pfs_v6_frame_parse(b, sizeof(b), &f), 0);
	T_EQ(pfs_v6_frame_next(&f, &s), 0);
	T_CHECK(s.skip && s.sub.action == 200);
	T_EQ(pfs_v6_frame_next(&f, &s), 0);
	T_CHECK(s.skip && s.sub.action == 13);
	T_EQ(pfs_v6_frame_next(&f, &s), 0);
	T_CHECK(!s.skip);
	pfs_v6_section_record(&s, 0, &r);
	T_CHECK(r.ref.id == 5 && r.ref.creatorid == 6);
	T_EQ(pfs_v6_frame_next(&f, &s), 0);
	T_CHECK(s.skip && s.sub.action == 12);
	T_EQ(pfs_v6_frame_next(&f, &s), PFS_V6_END);
}

/* Records longer than ours (a newer peer): the stride is theirs. */
static void test_longer_records(void)
{
	uint8_t b[20 + 4 + 2 * 16];
	struct pfs_v6_frame f;
	struct pfs_v6_section s;
	union pfs_v6_record r;

	memset(b, 0xab, sizeof(b));
	memset(b, 0, 24);
	g_hdr(b, sizeof(b));
	g_sub(b, 20, 7, 4, 2);
	g_ref(b, 24, 1, 2);
	g_ref(b, 40, 3, 4);
	T_EQ(pfs_v6_frame_parse(b, sizeof(b), &f), 0);
	T_EQ(pfs_v6_frame_next(&f, &s), 0);
	T_EQ(s.stride, 16);
	pfs_v6_section_record(&s, 1, &r);
	T_CHECK(r.ref.id == 3 && r.ref.creatorid == 4);
	T_EQ(pfs_v6_frame_next(&f, &s), PFS_V6_END);
}

static void test_refusals(void)
{
	uint8_t b[64];
	struct pfs_v6_frame f;
	struct pfs_v6_section s;

	memset(b, 0, sizeof(b));
	T_EQ(pfs_v6_frame_parse(b, 19, &f), PFS_STAT_HDROPS);
	T_EQ(pfs_v6_frame_parse(NULL, 0, &f), PFS_STAT_HDROPS);
	g_hdr(b, 20);
	b[0] = 5;
	T_EQ(pfs_v6_frame_parse(b, 20, &f), PFS_STAT_BADVER);
	b[0] = 3;
	T_EQ(pfs_v6_frame_parse(b, 20, &f), PFS_STAT_BADVER);
	g_hdr(b, 21);
	T_EQ(pfs_v6_frame_parse(b, 20, &f), PFS_STAT_BADLEN);
	/* unknown action with len 0, or count 0: badact */
	g_hdr(b, 24);
	g_sub(b, 20, 99, 0, 3);
	T_EQ(pfs_v6_frame_parse(b, 24, &f), 0);
	T_EQ(pfs_v6_frame_next(&f, &s), PFS_STAT_BADACT);
	g_sub(b, 20, 99, 3, 0);
	pfs_v6_frame_parse(b, 24, &f);
	T_EQ(pfs_v6_frame_next(&f, &s), PFS_STAT_BADACT);
	/* records past the frame: badlen */
	g_hdr(b, 36);
	g_sub(b, 20, 7, 3, 2);
	T_EQ(pfs_v6_frame_parse(b, 64, &f), 0);
	T_EQ(pfs_v6_frame_next(&f, &s), PFS_STAT_BADLEN);
	g_sub(b, 20, 200, 255, 0xffff);
	pfs_v6_frame_parse(b, 64, &f);
	T_EQ(pfs_v6_frame_next(&f, &s), PFS_STAT_BADLEN);
}

/* A packet longer than len is trimmed: bytes after it are not seen. */
static void test_trim(void)
{
	uint8_t b[20 + 16 + 16];
	struct pfs_v6_frame f;
	struct pfs_v6_section s;

	memset(b, 0, sizeof(b));
	g_hdr(b, 36);
	g_sub(b, 20, 7, 3, 1);
	g_sub(b, 36, 99, 0, 0); /* would be badact if seen */
	T_EQ(pfs_v6_frame_parse(b, sizeof(b), &f), 0);
	T_EQ(f.len, 36);
	T_EQ(pfs_v6_frame_next(&f, &s), 0);
	T_EQ(pfs_v6_frame_next(&f, &s), PFS_V6_END);
	/* a len below the header: no sections at all */
	g_hdr(b, 4);
	T_EQ(pfs_v6_frame_parse(b, sizeof(b), &f), 0);
	T_EQ(pfs_v6_frame_next(&f, &s), PFS_V6_END);
}

/* §1.5 receive validation and our translation limits: badval. */
static void test_state_check(void)
{
	struct pfs_bsd_state s;

	fx_state(&s, 0);
	T_EQ(pfs_bsd_state_check(&s), 0);
	s.st.timeout = PFS_TM_MAX;
	T_EQ(pfs_bsd_state_check(&s), PFS_STAT_BADVAL);
	fx_state(&s, 0);
	s.st.src.state = PFS_TCPS_PROXY_DST;
	T_EQ(pfs_bsd_state_check(&s), 0);
	s.st.dst.state = PFS_TCPS_PROXY_DST + 1;
	T_EQ(pfs_bsd_state_check(&s), PFS_STAT_BADVAL);
	fx_state(&s, 0);
	s.st.direction = 3;
	T_EQ(pfs_bsd_state_check(&s), PFS_STAT_BADVAL);
	fx_state(&s, 0);
	s.st.af = 0;
	T_EQ(pfs_bsd_state_check(&s), PFS_STAT_BADVAL);
	fx_state(&s, 0);
	s.x.key_af[1] = AF_INET6; /* af-to */
	T_EQ(pfs_bsd_state_check(&s), PFS_STAT_BADVAL);
	fx_state(&s, 0);
	s.st.creatorid = 0;
	T_EQ(pfs_bsd_state_check(&s), PFS_STAT_BADVAL);
	fx_state(&s, 0);
	s.x.rdomain[0] = 1;
	T_EQ(pfs_bsd_state_check(&s), PFS_STAT_BADVAL);
}

/* A wire af we do not know decodes as 0 and is refused by the check. */
static void test_af_translation(void)
{
	uint8_t b[PFS_V6_STATE_LEN] = {0};
	struct pfs_bsd_state s;
	struct pfs_rbuf rb;

	T_EQ(pfs_v6_af_to_wire(AF_INET6), 24);
	T_EQ(pfs_v6_af_from_wire(24), AF_INET6);
	T_EQ(pfs_v6_af_from_wire(28), 0);
	T_EQ(pfs_v6_af_from_wire(10), 0);
	g_state(b, 0, 1);
	g8(b, 250, 28); /* FreeBSD's AF_INET6 in an OpenBSD state */
	pfs_rbuf_init(&rb, b, sizeof(b));
	pfs_v6_get_state(&rb, &s);
	T_EQ(s.st.af, 0);
	T_EQ(pfs_bsd_state_check(&s), PFS_STAT_BADVAL);
}

/* A state from elsewhere (v3, conntrack): default extras on the wire. */
static void test_default_extra(void)
{
	uint8_t out[PFS_V6_STATE_LEN];
	struct pfs_bsd_state s, d;
	struct pfs_wbuf wb;
	struct pfs_rbuf rb;

	fx_state(&s, 0);
	pfs_bsd_extra_default(&s.x, &s.st);
	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_v6_put_state(&wb, &s);
	T_EQ(out[24 + 38], 2);
	T_EQ(out[64 + 36] | out[64 + 37], 0);
	T_EQ(out[240], 0xff);
	T_EQ(out[247], 0xff);
	T_EQ(out[260] << 8 | out[261], 1); /* allow_opts only */
	pfs_rbuf_init(&rb, out, sizeof(out));
	pfs_v6_get_state(&rb, &d);
	T_CHECK(t_bsd_state_eq(&d, &s));
}

static void test_short_reads(void)
{
	uint8_t b[PFS_V6_STATE_LEN] = {0};
	struct pfs_bsd_state s;
	struct pfs_v6_tdb t;
	struct pfs_rbuf rb;
	size_t n;

	for (n = 0; n < sizeof(b); n++) {
		pfs_rbuf_init(&rb, b, n);
		pfs_v6_get_state(&rb, &s);
		T_CHECK(rb.err);
		pfs_rbuf_init(&rb, b, n);
		pfs_v6_get_tdb(&rb, &t);
		T_CHECK(rb.err == (n < 52));
	}
}

/* The writer never writes half a record and cuts at the capacity. */
static void test_writer_full(void)
{
	uint8_t buf[20 + 4 + 264 + 100];
	struct pfs_v6_writer w;
	union pfs_v6_record r;
	size_t len;

	T_EQ(pfs_v6_writer_init(&w, buf, 19), -1);
	T_EQ(pfs_v6_writer_init(&w, buf, sizeof(buf)), 0);
	fx_state(&r.state, 0);
	T_EQ(pfs_v6_writer_add(&w, PFS_V6_ACT_UPD, &r), 0);
	T_EQ(pfs_v6_writer_add(&w, PFS_V6_ACT_UPD, &r), -1);
	T_EQ(pfs_v6_writer_add(&w, PFS_V6_ACT_EOF, &r), -1);
	fx_upd_c(&r.upd_c, 0);
	T_EQ(pfs_v6_writer_add(&w, PFS_V6_ACT_UPD_C, &r), 0);
	T_EQ(pfs_v6_writer_add(&w, PFS_V6_ACT_UPD_C, &r), -1);
	len = pfs_v6_writer_finish(&w);
	T_EQ(len, 20 + 4 + 264 + 4 + 84);
	T_EQ(buf[2] << 8 | buf[3], len);
}

static void rnd_fill(uint8_t *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = (uint8_t)rand();
}

/*
 * Oracle: decode random bytes, encode, decode again: the two decodes
 * agree on every field, and the re-encoding decodes to itself.
 */
static void test_random_round_trip(void)
{
	static const uint8_t acts[] = {13, 4, 7, 0, 10, 15};
	uint8_t in[PFS_V6_STATE_LEN], out[PFS_V6_STATE_LEN];
	union pfs_v6_record a, b;
	struct pfs_rbuf rb;
	struct pfs_wbuf wb;
	int i;

	srand(6);
	for (i = 0; i < 3000; i++) {
		uint8_t act = acts[i % sizeof(acts)];
		size_t rl = pfs_v6_reclen(act);
		int ok = 1;

		rnd_fill(in, sizeof(in));
		in[250] = (i & 1) ? 2 : 24;
		pfs_rbuf_init(&rb, in, rl);
		memset(&a, 0, sizeof(a));
		memset(&b, 0, sizeof(b));
		if (act == 13)
			pfs_v6_get_state(&rb, &a.state);
		else if (act == 4)
			pfs_bsd_get_upd_c(&rb, &a.upd_c);
		else if (act == 7)
			pfs_bsd_get_ref(&rb, &a.ref);
		else if (act == 0)
			pfs_bsd_get_clr(&rb, &a.clr);
		else if (act == 10)
			pfs_bsd_get_bus(&rb, &a.bus);
		else
			pfs_v6_get_tdb(&rb, &a.tdb);
		pfs_wbuf_init(&wb, out, sizeof(out));
		pfs_v6_put_record(&wb, act, &a);
		T_EQ(wb.off, rl);
		pfs_rbuf_init(&rb, out, rl);
		if (act == 13) {
			pfs_v6_get_state(&rb, &b.state);
			ok = t_bsd_state_eq(&a.state, &b.state);
		} else if (act == 4) {
			pfs_bsd_get_upd_c(&rb, &b.upd_c);
			ok = t_bsd_upd_c_eq(&a.upd_c, &b.upd_c);
		} else if (act == 7) {
			pfs_bsd_get_ref(&rb, &b.ref);
			ok = t_bsd_small_eq(&a.ref, &b.ref);
		} else if (act == 0) {
			pfs_bsd_get_clr(&rb, &b.clr);
			ok = memcmp(&a.clr.ifname, &b.clr.ifname, 16) == 0 &&
			     a.clr.creatorid == b.clr.creatorid;
		}
		T_CHECK(ok);
	}
}

int main(void)
{
	T_RUN(test_golden_state);
	T_RUN(test_golden_small);
	T_RUN(test_golden_tdb);
	T_RUN(test_golden_frame);
	T_RUN(test_parse_frame);
	T_RUN(test_skip_unknown);
	T_RUN(test_longer_records);
	T_RUN(test_refusals);
	T_RUN(test_trim);
	T_RUN(test_state_check);
	T_RUN(test_af_translation);
	T_RUN(test_default_extra);
	T_RUN(test_short_reads);
	T_RUN(test_writer_full);
	T_RUN(test_random_round_trip);
	return t_done();
}
