/*
 * test_wire_v5.c - the FreeBSD pfsync v5 codec against byte vectors built
 * by hand from the offsets of pfsync-modern.md §2.1-§2.2 (helpers that
 * share no code with the encoder): the three state formats 1301, 1400 and
 * 1500 both ways, a whole frame with its EOF and pfcksum, the walker's
 * refusals (badact for unknown actions and fragments, badlen for short
 * records and a misplaced EOF), and random round trips as an oracle.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "pfsync/buf.h"
#include "pfsync/stats.h"
#include "pfsync/wire_v5.h"
#include "t.h"
#include "t_bsd.h"
#include "g_v5.h"

static void check_golden_state(uint8_t k, unsigned fmt, size_t len)
{
	uint8_t exp[360] = {0}, out[360];
	struct pfs_bsd_state s, d;
	struct pfs_wbuf wb;
	struct pfs_rbuf rb;

	T_EQ(pfs_v5_state_len(fmt), len);
	g_state(exp, 0, k, fmt);
	fx_state(&s, k, fmt);
	memset(out, 0xee, sizeof(out));
	pfs_wbuf_init(&wb, out, len);
	pfs_v5_put_state(&wb, fmt, &s);
	T_CHECK(!wb.err);
	T_EQ(wb.off, len);
	T_MEMEQ(out, exp, len);
	pfs_rbuf_init(&rb, exp, len);
	pfs_v5_get_state(&rb, fmt, &d);
	T_CHECK(!rb.err);
	T_CHECK(t_bsd_state_eq(&d, &s));
	T_EQ(pfs_bsd_state_check(&d), 0);
}

static void test_golden_1301(void)
{
	check_golden_state(0, 1301, 242);
	check_golden_state(1, 1301, 242);
}

static void test_golden_1400(void)
{
	check_golden_state(0, 1400, 277);
	check_golden_state(1, 1400, 277);
}

static void test_golden_1500(void)
{
	check_golden_state(0, 1500, 360);
	check_golden_state(1, 1500, 360);
}

/* FreeBSD's TDB, 48 bytes: a 32-bit rpl (§2.1). */
static void test_golden_tdb(void)
{
	uint8_t exp[48] = {0}, out[48];
	struct pfs_v5_tdb t, d;
	struct pfs_wbuf wb;
	struct pfs_rbuf rb;

	memset(&t, 0, sizeof(t));
	t.spi = 0x10002000;
	t.dst[0] = 16;
	t.dst[1] = 2;
	t.rpl = 0x7fffffff;
	t.cur_bytes = 0x0102030405060708ULL;
	t.sproto = 50;
	t.updates = 9;
	g32(exp, 0, 0x10002000);
	g8(exp, 4, 16);
	g8(exp, 5, 2);
	g32(exp, 32, 0x7fffffff);
	g64(exp, 36, 0x0102030405060708ULL);
	g8(exp, 44, 50);
	g8(exp, 45, 9);
	pfs_wbuf_init(&wb, out, sizeof(out));
	pfs_v5_put_tdb(&wb, &t);
	T_CHECK(wb.off == 48 && memcmp(out, exp, 48) == 0);
	pfs_rbuf_init(&rb, exp, 48);
	pfs_v5_get_tdb(&rb, &d);
	T_CHECK(d.spi == t.spi && d.rpl == t.rpl &&
		d.cur_bytes == t.cur_bytes && d.sproto == 50 &&
		d.updates == 9 && memcmp(d.dst, t.dst, 28) == 0);
}

/* A 1400 frame: INS_1400, UPD_C x2, DEL_C, BUS, then EOF {12, 0, 1}. */
#define FRAME_LEN (20 + 4 + 277 + 4 + 2 * 84 + 4 + 12 + 4 + 12 + 4)

static void g_frame(uint8_t *b)
{
	size_t o = 20, i;

	memset(b, 0, FRAME_LEN);
	g8(b, 0, 5);
	g16(b, 2, FRAME_LEN);
	for (i = 0; i < 16; i++)
		g8(b, 4 + i, (uint8_t)(0xc0 + i)); /* ruleset MD5 */
	g8(b, o, 13);
	g16(b, o + 2, 1);
	g_state(b, o + 4, 0, 1400);
	o += 4 + 277;
	g8(b, o, 4);
	g16(b, o + 2, 2);
	for (i = 0; i < 2; i++) {
		g64(b, o + 4 + i * 84, 0x99 + i);
		g_peer(b, o + 4 + i * 84 + 8, 0);
		g_peer(b, o + 4 + i * 84 + 40, 1);
		g32(b, o + 4 + i * 84 + 72, 0x77);
		g8(b, o + 4 + i * 84 + 80, 2);
	}
	o += 4 + 2 * 84;
	g8(b, o, 7);
	g16(b, o + 2, 1);
	g64(b, o + 4, 0x55);
	g32(b, o + 12, 0x77);
	o += 16;
	g8(b, o, 10);
	g16(b, o + 2, 1);
	g32(b, o + 4, 0x77);
	g32(b, o + 8, 42);
	g8(b, o + 12, 2);
	o += 16;
	g8(b, o, 12);
	g16(b, o + 2, 1);
}

static void test_golden_frame(void)
{
	uint8_t exp[FRAME_LEN], out[1500], ck[16];
	struct pfs_v5_writer w;
	union pfs_v5_record r;
	size_t i, len;

	g_frame(exp);
	for (i = 0; i < 16; i++)
		ck[i] = (uint8_t)(0xc0 + i);
	T_EQ(pfs_v5_writer_init(&w, out, sizeof(out), ck), 0);
	fx_state(&r.state, 0, 1400);
	T_EQ(pfs_v5_writer_add(&w, pfs_v5_ins_action(1400), &r), 0);
	for (i = 0; i < 2; i++) {
		memset(&r, 0, sizeof(r));
		r.upd_c.id = 0x99 + i;
		fx_peer(&r.upd_c.src, 0);
		fx_peer(&r.upd_c.dst, 1);
		r.upd_c.creatorid = 0x77;
		r.upd_c.timeout = 2;
		T_EQ(pfs_v5_writer_add(&w, PFS_V5_ACT_UPD_C, &r), 0);
	}
	r.ref.id = 0x55;
	r.ref.creatorid = 0x77;
	T_EQ(pfs_v5_writer_add(&w, PFS_V5_ACT_DEL_C, &r), 0);
	memset(&r, 0, sizeof(r));
	r.bus.creatorid = 0x77;
	r.bus.endtime = 42;
	r.bus.status = PFS_BSD_BUS_END;
	T_EQ(pfs_v5_writer_add(&w, PFS_V5_ACT_BUS, &r), 0);
	len = pfs_v5_writer_finish(&w);
	T_EQ(len, FRAME_LEN);
	T_MEMEQ(out, exp, FRAME_LEN);
}

static void test_parse_frame(void)
{
	uint8_t b[FRAME_LEN];
	struct pfs_v5_frame f;
	struct pfs_v5_section s;
	union pfs_v5_record r;
	struct pfs_bsd_state want;

	g_frame(b);
	T_EQ(pfs_v5_frame_parse(b, sizeof(b), &f), 0);
	T_EQ(f.hdr.pfcksum[15], 0xcf);
	T_EQ(pfs_v5_frame_next(&f, &s), 0);
	T_EQ(s.sub.action, 13);
	T_EQ(s.reclen, 277);
	pfs_v5_section_record(&s, 0, &r);
	fx_state(&want, 0, 1400);
	T_CHECK(t_bsd_state_eq(&r.state, &want));
	T_EQ(pfs_v5_frame_next(&f, &s), 0);
	T_EQ(s.sub.count, 2);
	pfs_v5_section_record(&s, 1, &r);
	T_EQ(r.upd_c.id, 0x9a);
	T_EQ(pfs_v5_frame_next(&f, &s), 0);
	T_EQ(pfs_v5_frame_next(&f, &s), 0);
	pfs_v5_section_record(&s, 0, &r);
	T_CHECK(r.bus.endtime == 42 && r.bus.status == 2);
	T_EQ(pfs_v5_frame_next(&f, &s), PFS_V5_END);
	T_CHECK(f.eof);
	T_EQ(pfs_v5_frame_next(&f, &s), PFS_V5_END);
}

/* A receiver accepts all three formats in one packet. */
static void test_all_formats(void)
{
	uint8_t b[20 + 4 + 242 + 4 + 277 + 4 + 360 + 4] = {0};
	struct pfs_v5_frame f;
	struct pfs_v5_section s;
	union pfs_v5_record r;
	struct pfs_bsd_state want;
	static const unsigned fmts[] = {1301, 1400, 1500};
	static const uint8_t acts[] = {1, 14, 16};
	size_t o = 20, i;

	g8(b, 0, 5);
	g16(b, 2, sizeof(b));
	for (i = 0; i < 3; i++) {
		g8(b, o, acts[i]);
		g16(b, o + 2, 1);
		g_state(b, o + 4, 1, fmts[i]);
		o += 4 + pfs_v5_state_len(fmts[i]);
	}
	g8(b, o, 12);
	g16(b, o + 2, 1);
	T_EQ(pfs_v5_frame_parse(b, sizeof(b), &f), 0);
	for (i = 0; i < 3; i++) {
		T_EQ(pfs_v5_frame_next(&f, &s), 0);
		T_EQ(pfs_v5_action_format(s.sub.action), fmts[i]);
		pfs_v5_section_record(&s, 0, &r);
		fx_state(&want, 1, fmts[i]);
		T_CHECK(t_bsd_state_eq(&r.state, &want));
		T_EQ(r.state.st.af, AF_INET6);
	}
	T_EQ(pfs_v5_frame_next(&f, &s), PFS_V5_END);
}

static void test_refusals(void)
{
	uint8_t b[64] = {0};
	struct pfs_v5_frame f;
	struct pfs_v5_section s;

	T_EQ(pfs_v5_frame_parse(b, 19, &f), PFS_STAT_HDROPS);
	g8(b, 0, 6);
	g16(b, 2, 20);
	T_EQ(pfs_v5_frame_parse(b, 20, &f), PFS_STAT_BADVER);
	g8(b, 0, 5);
	g16(b, 2, 21);
	T_EQ(pfs_v5_frame_parse(b, 20, &f), PFS_STAT_BADLEN);
	/* unknown action: no length to skip by, the packet ends */
	g16(b, 2, 28);
	g8(b, 20, 17);
	g16(b, 22, 1);
	g8(b, 24, 12);
	g16(b, 26, 1);
	T_EQ(pfs_v5_frame_parse(b, 28, &f), 0);
	T_EQ(pfs_v5_frame_next(&f, &s), PFS_STAT_BADACT);
	g8(b, 20, 8); /* INS_F */
	pfs_v5_frame_parse(b, 28, &f);
	T_EQ(pfs_v5_frame_next(&f, &s), PFS_STAT_BADACT);
	g8(b, 20, 9); /* DEL_F */
	pfs_v5_frame_parse(b, 28, &f);
	T_EQ(pfs_v5_frame_next(&f, &s), PFS_STAT_BADACT);
	/* records past the frame */
	g8(b, 20, 7);
	g16(b, 22, 2);
	pfs_v5_frame_parse(b, 28, &f);
	T_EQ(pfs_v5_frame_next(&f, &s), PFS_STAT_BADLEN);
	/* EOF that is not the packet's end: badlen */
	g8(b, 20, 12);
	g16(b, 22, 1);
	T_EQ(pfs_v5_frame_parse(b, 30, &f), 0);
	T_EQ(pfs_v5_frame_next(&f, &s), PFS_STAT_BADLEN);
	T_EQ(pfs_v5_frame_next(&f, &s), PFS_V5_END);
	g16(b, 2, 24);
	T_EQ(pfs_v5_frame_parse(b, 24, &f), 0);
	T_EQ(pfs_v5_frame_next(&f, &s), PFS_V5_END);
	T_CHECK(f.eof);
}

static void test_af_and_formats(void)
{
	T_EQ(pfs_v5_af_to_wire(AF_INET6), 28);
	T_EQ(pfs_v5_af_from_wire(28), AF_INET6);
	T_EQ(pfs_v5_af_from_wire(24), 0);
	T_EQ(pfs_v5_ins_action(1301), 1);
	T_EQ(pfs_v5_upd_action(1301), 3);
	T_EQ(pfs_v5_ins_action(1400), 13);
	T_EQ(pfs_v5_upd_action(1400), 14);
	T_EQ(pfs_v5_ins_action(1500), 15);
	T_EQ(pfs_v5_upd_action(1500), 16);
	T_EQ(pfs_v5_ins_action(1600), 0);
	T_EQ(pfs_v5_state_len(1234), 0);
	T_EQ(pfs_v5_action_format(PFS_V5_ACT_DEL), 1301);
	T_CHECK(strcmp(pfs_v5_action_name(4), "update compressed") == 0);
	T_CHECK(strcmp(pfs_v5_action_name(17), "?") == 0);
}

/* A state from elsewhere in each format: defaults survive the trip. */
static void test_default_extra(void)
{
	static const unsigned fmts[] = {1301, 1400, 1500};
	uint8_t out[360];
	struct pfs_bsd_state s, d;
	struct pfs_wbuf wb;
	struct pfs_rbuf rb;
	size_t i;

	for (i = 0; i < 3; i++) {
		fx_state(&s, 0, fmts[i]);
		pfs_bsd_extra_default(&s.x, &s.st);
		if (fmts[i] == 1500)
			s.st.updates = 0;
		pfs_wbuf_init(&wb, out, sizeof(out));
		pfs_v5_put_state(&wb, fmts[i], &s);
		pfs_rbuf_init(&rb, out, wb.off);
		pfs_v5_get_state(&rb, fmts[i], &d);
		T_CHECK(!rb.err && t_bsd_state_eq(&d, &s));
	}
}

/* The writer keeps 4 bytes for EOF and never writes half a record. */
static void test_writer_full(void)
{
	uint8_t buf[20 + 4 + 12 + 4];
	struct pfs_v5_writer w;
	union pfs_v5_record r;

	memset(&r, 0, sizeof(r));
	T_EQ(pfs_v5_writer_init(&w, buf, 23, NULL), -1);
	T_EQ(pfs_v5_writer_init(&w, buf, sizeof(buf), NULL), 0);
	T_EQ(pfs_v5_writer_add(&w, PFS_V5_ACT_DEL_C, &r), 0);
	T_EQ(pfs_v5_writer_add(&w, PFS_V5_ACT_DEL_C, &r), -1);
	T_EQ(pfs_v5_writer_add(&w, PFS_V5_ACT_EOF, &r), -1);
	T_EQ(pfs_v5_writer_finish(&w), sizeof(buf));
	T_EQ(buf[36], 12);
	T_EQ(buf[39], 1);
}

static void test_short_reads(void)
{
	uint8_t b[360] = {0};
	struct pfs_bsd_state s;
	struct pfs_rbuf rb;
	size_t n;

	for (n = 0; n < 360; n++) {
		pfs_rbuf_init(&rb, b, n);
		pfs_v5_get_state(&rb, 1500, &s);
		T_CHECK(rb.err);
		pfs_rbuf_init(&rb, b, n);
		pfs_v5_get_state(&rb, 1301, &s);
		T_CHECK(rb.err == (n < 242));
	}
	pfs_rbuf_init(&rb, b, sizeof(b));
	pfs_v5_get_state(&rb, 999, &s);
	T_CHECK(rb.err);
}

/* Oracle: random bytes, decode, encode, decode: both decodes agree. */
static void test_random_round_trip(void)
{
	static const unsigned fmts[] = {1301, 1400, 1500};
	uint8_t in[360], out[360];
	struct pfs_bsd_state a, b;
	struct pfs_rbuf rb;
	struct pfs_wbuf wb;
	int i;
	size_t j;

	srand(5);
	for (i = 0; i < 3000; i++) {
		unsigned fmt = fmts[i % 3];
		size_t n = pfs_v5_state_len(fmt);

		for (j = 0; j < sizeof(in); j++)
			in[j] = (uint8_t)rand();
		pfs_rbuf_init(&rb, in, n);
		pfs_v5_get_state(&rb, fmt, &a);
		pfs_wbuf_init(&wb, out, sizeof(out));
		pfs_v5_put_state(&wb, fmt, &a);
		T_EQ(wb.off, n);
		pfs_rbuf_init(&rb, out, n);
		pfs_v5_get_state(&rb, fmt, &b);
		T_CHECK(t_bsd_state_eq(&a, &b));
	}
}

int main(void)
{
	T_RUN(test_golden_1301);
	T_RUN(test_golden_1400);
	T_RUN(test_golden_1500);
	T_RUN(test_golden_tdb);
	T_RUN(test_golden_frame);
	T_RUN(test_parse_frame);
	T_RUN(test_all_formats);
	T_RUN(test_refusals);
	T_RUN(test_af_and_formats);
	T_RUN(test_default_extra);
	T_RUN(test_writer_full);
	T_RUN(test_short_reads);
	T_RUN(test_random_round_trip);
	return t_done();
}
