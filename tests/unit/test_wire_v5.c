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

static void g8(uint8_t *b, size_t off, uint8_t v)
{
	b[off] = v;
}

static void g16(uint8_t *b, size_t off, uint16_t v)
{
	b[off] = (uint8_t)(v >> 8);
	b[off + 1] = (uint8_t)v;
}

static void g32(uint8_t *b, size_t off, uint32_t v)
{
	g16(b, off, (uint16_t)(v >> 16));
	g16(b, off + 2, (uint16_t)v);
}

static void g64(uint8_t *b, size_t off, uint64_t v)
{
	g32(b, off, (uint32_t)(v >> 32));
	g32(b, off + 4, (uint32_t)v);
}

static void gip4(uint8_t *b, size_t off, uint8_t x, uint8_t y, uint8_t z,
		 uint8_t w)
{
	b[off] = x;
	b[off + 1] = y;
	b[off + 2] = z;
	b[off + 3] = w;
}

static void fx_peer(struct pfs_peer *p, uint8_t k)
{
	memset(p, 0, sizeof(*p));
	p->scrub.flags = 0x0001;
	p->scrub.ttl = (uint8_t)(60 + k);
	p->scrub.valid = 1;
	p->scrub.ts_mod = 0x11223344u + k;
	p->seqlo = 0xa1a2a3a4u + k;
	p->seqhi = 0xb1b2b3b4u + k;
	p->seqdiff = 0xc1c2c3c4u + k;
	p->max_win = (uint16_t)(0xd1d2 + k);
	p->mss = (uint16_t)(1460 - k);
	p->state = (uint8_t)(4 + k);
	p->wscale = (uint8_t)(0x80 | k);
}

static void g_peer(uint8_t *b, size_t off, uint8_t k)
{
	g16(b, off + 0, 0x0001);
	g8(b, off + 2, (uint8_t)(60 + k));
	g8(b, off + 3, 1);
	g32(b, off + 4, 0x11223344u + k);
	g32(b, off + 8, 0xa1a2a3a4u + k);
	g32(b, off + 12, 0xb1b2b3b4u + k);
	g32(b, off + 16, 0xc1c2c3c4u + k);
	g16(b, off + 20, (uint16_t)(0xd1d2 + k));
	g16(b, off + 22, (uint16_t)(1460 - k));
	g8(b, off + 24, (uint8_t)(4 + k));
	g8(b, off + 25, (uint8_t)(0x80 | k));
}

/* Fields of the format's tail that this fixture sets (see g_state). */
static void fx_extra(struct pfs_bsd_state *s, unsigned fmt)
{
	struct pfs_bsd_extra *x = &s->x;

	x->key_af[0] = s->st.af;
	x->key_af[1] = s->st.af;
	x->stack_proto = s->st.proto;
	x->rtableid[0] = -1;
	x->rtableid[1] = -1;
	s->st.allow_opts = 1;
	if (fmt == 1301) {
		x->state_flags = 0x10; /* ACK; one byte in 1301 */
		x->sync_flags = 0x04;
		return;
	}
	x->state_flags = 0x0210;
	x->qid = 0x0102;
	x->pqid = 0x0304;
	x->dnpipe = 0x0506;
	x->dnrpipe = 0x0708;
	x->rtableid[0] = 3;
	x->min_ttl = 64;
	x->set_tos = 0x10;
	x->max_mss = 1400;
	x->set_prio[0] = 3;
	x->set_prio[1] = 5;
	x->rt = 1;
	strcpy(x->rt_ifname, "em1");
	if (fmt == 1400) {
		x->sync_flags = 0x04;
		return;
	}
	s->st.updates = 0; /* 1500 has no updates field */
	x->rt_af = AF_INET;
	strcpy(x->tagname, "web");
	strcpy(x->orig_ifname, "em0");
}

/* k = 0: outbound TCP with NAT over IPv4; k = 1: inbound UDP over IPv6. */
static void fx_state(struct pfs_bsd_state *s, uint8_t k, unsigned fmt)
{
	struct pfs_state *st = &s->st;

	memset(s, 0, sizeof(*s));
	st->id = 0x0102030405060708ULL + k;
	strcpy(st->ifname, k ? "vlan100" : "em0");
	if (k == 0) {
		t_host4(&st->lan, 10, 0, 0, 1, 1234);
		t_host4(&st->gwy, 192, 0, 2, 1, 40000);
		t_host4(&st->ext, 198, 51, 100, 7, 443);
	} else {
		st->ext.addr.a[0] = 0xfd;
		st->ext.addr.a[15] = 1;
		st->ext.port = 5353;
		st->lan.addr.a[0] = 0x20;
		st->lan.addr.a[1] = 0x01;
		st->lan.addr.a[2] = 0x0d;
		st->lan.addr.a[3] = 0xb8;
		st->lan.addr.a[15] = 7;
		st->lan.port = 53;
		st->gwy = st->lan;
	}
	fx_peer(&st->src, k);
	fx_peer(&st->dst, (uint8_t)(k + 2));
	st->rt_addr.a[0] = 172;
	st->rt_addr.a[3] = 254;
	st->rule = 5 + k;
	st->anchor = PFS_NO_RULE;
	st->nat_rule = PFS_NO_RULE;
	st->creation = 3600;
	st->expire = 86400 + k;
	st->packets[0] = 0x0000000100000002ULL;
	st->packets[1] = 3;
	st->bytes[0] = 0x8000000000000001ULL;
	st->bytes[1] = 0x00000000ffffffffULL;
	st->creatorid = 0xdeadbeef;
	st->af = k ? AF_INET6 : AF_INET;
	st->proto = k ? 17 : 6;
	st->direction = k ? PFS_DIR_IN : PFS_DIR_OUT;
	st->log = 1;
	st->timeout = k ? PFS_TM_UDP_MULTIPLE : PFS_TM_TCP_ESTABLISHED;
	st->updates = 7;
	fx_extra(s, fmt);
}

/* The 232-byte prefix of every format (§2.2), keys of 36 bytes. */
static void g_prefix(uint8_t *b, size_t off, uint8_t k)
{
	size_t i;

	g64(b, off + 0, 0x0102030405060708ULL + k);
	memcpy(b + off + 8, k ? "vlan100" : "em0", k ? 7 : 3);
	for (i = 0; i < 2; i++) {
		size_t key = off + 24 + i * 36;

		if (k == 0) {
			gip4(b, key + 0, 198, 51, 100, 7);
			if (i == 0)
				gip4(b, key + 16, 192, 0, 2, 1);
			else
				gip4(b, key + 16, 10, 0, 0, 1);
			g16(b, key + 32, 443);
			g16(b, key + 34, i == 0 ? 40000 : 1234);
		} else {
			g8(b, key + 0, 0xfd);
			g8(b, key + 15, 1);
			g32(b, key + 16, 0x20010db8);
			g8(b, key + 31, 7);
			g16(b, key + 32, 5353);
			g16(b, key + 34, 53);
		}
	}
	g_peer(b, off + 96, k);
	g_peer(b, off + 128, (uint8_t)(k + 2));
	gip4(b, off + 160, 172, 0, 0, 254);
	g32(b, off + 176, 5 + k);
	g32(b, off + 180, 0xffffffff);
	g32(b, off + 184, 0xffffffff);
	g32(b, off + 188, 3600);
	g32(b, off + 192, 86400 + k);
	g64(b, off + 196, 0x0000000100000002ULL);
	g64(b, off + 204, 3);
	g64(b, off + 212, 0x8000000000000001ULL);
	g64(b, off + 220, 0x00000000ffffffffULL);
	g32(b, off + 228, 0xdeadbeef);
}

static void g_state(uint8_t *b, size_t off, uint8_t k, unsigned fmt)
{
	uint8_t af = k ? 28 : 2, proto = k ? 17 : 6, dir = k ? 1 : 2;
	uint8_t tmo = k ? 8 : 2;

	g_prefix(b, off, k);
	if (fmt == 1301 || fmt == 1400) {
		g8(b, off + 232, af);
		g8(b, off + 233, proto);
		g8(b, off + 234, dir);
		g8(b, off + 237, 1); /* log */
		g8(b, off + 239, tmo);
		g8(b, off + 240, 0x04); /* sync_flags */
		g8(b, off + 241, 7);	/* updates */
	}
	if (fmt == 1301) {
		g8(b, off + 238, 0x11); /* state_flags: ACK | ALLOWOPTS */
		return;
	}
	if (fmt == 1400) {
		g16(b, off + 235, 0x0211);
		g16(b, off + 242, 0x0102);
		g16(b, off + 244, 0x0304);
		g16(b, off + 246, 0x0506);
		g16(b, off + 248, 0x0708);
		g32(b, off + 250, 3);
		g8(b, off + 254, 64);
		g8(b, off + 255, 0x10);
		g16(b, off + 256, 1400);
		g8(b, off + 258, 3);
		g8(b, off + 259, 5);
		g8(b, off + 260, 1);
		memcpy(b + off + 261, "em1", 3);
		return;
	}
	memcpy(b + off + 232, "web", 3);
	memcpy(b + off + 296, "em1", 3);
	memcpy(b + off + 312, "em0", 3);
	g32(b, off + 328, 3);
	g16(b, off + 332, 0x0211);
	g16(b, off + 334, 0x0102);
	g16(b, off + 336, 0x0304);
	g16(b, off + 338, 0x0506);
	g16(b, off + 340, 0x0708);
	g16(b, off + 342, 1400);
	g8(b, off + 344, af); /* wire_af */
	g8(b, off + 345, af); /* stack_af */
	g8(b, off + 346, 2);  /* rt_af */
	g8(b, off + 347, proto);
	g8(b, off + 348, proto);
	g8(b, off + 349, 1);
	g8(b, off + 350, tmo);
	g8(b, off + 351, dir);
	g8(b, off + 352, 1);
	g8(b, off + 353, 64);
	g8(b, off + 354, 0x10);
	g8(b, off + 355, 3);
	g8(b, off + 356, 5);
}

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
