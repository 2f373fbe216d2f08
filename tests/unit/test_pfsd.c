/*
 * test_pfsd.c - the pfsyncd framing (pfsd.h): control packets from bytes
 * written by hand, a packet of states with its extras section and
 * trailer framed and parsed back once, and the counts of what fits.
 */
#include <string.h>

#include "pfsync/dialect.h"
#include "pfsync/pfsd.h"
#include "pfsync/stats.h"
#include "sim.h"
#include "t.h"

static const uint8_t chk[PFS_SYNC_CHKSUM_LEN] = {1, 2,	3,  4,	5,  6,	7,  8,
						 9, 10, 11, 12, 13, 14, 15, 16};

/* An empty UPD_C (version 3, af 0, action 4, count 0, the digest) with
 * a NACK trailer: magic F5, version 1 / kind 3, arg 5, epoch, seq. */
static void test_pfsd_ctl(void)
{
	static const uint8_t want[PFS_PFSD_CTL_LEN] = {
	    3,	  0,	4,    0,    1,	  2,	3,    4,    5,	  6,	7,
	    8,	  9,	10,   11,   12,	  13,	14,   15,   16,	  0xf5, 0x13,
	    0x00, 0x05, 0xa0, 0xb0, 0xc0, 0xd0, 0x00, 0x00, 0x01, 0x00,
	};
	const struct pfs_ext x = {PFS_EXT_NACK, 5, 0xa0b0c0d0u, 0x100u};
	uint8_t b[PFS_PFSD_CTL_LEN];
	struct pfs_pfsd_pkt p;

	T_EQ(pfs_pfsd_ctl(b, chk, &x), PFS_PFSD_CTL_LEN);
	T_MEMEQ(b, want, sizeof(b));
	T_EQ(pfs_pfsd_parse(b, sizeof(b), &p), 0);
	T_EQ(p.kind, PFS_MSG_UPD_C);
	T_EQ(p.nrec, 0);
	T_CHECK(p.trailer);
	T_EQ(p.used, 20);
	T_EQ(p.ext.kind, PFS_EXT_NACK);
	T_EQ(p.ext.arg, 5);
	T_EQ(p.ext.epoch, 0xa0b0c0d0u);
	T_EQ(p.ext.seq, 0x100);
	T_MEMEQ(p.chksum, chk, sizeof(chk));
	T_CHECK(pfs_pfsd_digest_carrier(&p));
	T_CHECK(!pfs_pfsd_has_xexp(&p));
}

/* Two full updates, the second with a mark in the extras section, then
 * the trailer: parsed once, everything where it was put. */
static void test_pfsd_states_round_trip(void)
{
	struct pfs_state a = sim_state(0x1111, 0xaa),
			 c = sim_state(0x2222, 0xaa);
	struct pfs_stx x[2], got[PFS_PFSD_XST_RX_MAX];
	const struct pfs_ext ext = {PFS_EXT_DATA, PFS_EXT_ARG_XST, 9, 77};
	uint8_t buf[PFS_DIALECT_PKT_MAX];
	union pfs_msg_rec r;
	struct pfs_framer f;
	struct pfs_pfsd_pkt p;
	struct pfs_msg m;
	size_t len, body;

	memset(x, 0, sizeof(x));
	x[1].has = PFS_STX_MARK;
	x[1].mark = 0x5a5a;
	T_EQ(pfs_framer_init(&f, PFS_DIALECT_V3, 0, buf, sizeof(buf)), 0);
	memset(&m, 0, sizeof(m));
	m.kind = PFS_MSG_UPD;
	m.u.state = &a;
	T_EQ(pfs_framer_add(&f, &m), 0);
	m.u.state = &c;
	T_EQ(pfs_framer_add(&f, &m), 0);
	len = pfs_pfsd_finish(&f, chk);
	T_EQ(len, 20 + 2 * 240);
	T_EQ(buf[0], 3);
	T_EQ(buf[2], 2); /* UPD */
	T_EQ(buf[3], 2);
	T_MEMEQ(buf + 4, chk, sizeof(chk));
	body = pfs_pfsd_put_xst(buf, len, sizeof(buf), x, 2, 1500);
	T_CHECK(body > len);
	len = pfs_pfsd_stamp(buf, body, sizeof(buf), &ext);
	T_EQ(len, body + PFS_PFSD_TRAILER_LEN);
	T_EQ(pfs_pfsd_kind(buf, len), PFS_MSG_UPD);

	T_EQ(pfs_pfsd_parse(buf, len, &p), 0);
	T_EQ(p.kind, PFS_MSG_UPD);
	T_EQ(p.nrec, 2);
	T_EQ(p.rec_end, 20 + 2 * 240);
	T_EQ(p.used, body);
	T_CHECK(p.trailer);
	T_EQ(p.ext.seq, 77);
	T_EQ(p.ext.arg, PFS_EXT_ARG_XST);
	pfs_pfsd_rec(&p, 1, &r);
	T_EQ(r.state.id, 0x2222);
	T_EQ(r.state.creatorid, 0xaa);
	T_EQ(pfs_pfsd_xst(&p, got), 1);
	T_EQ(got[0].has, 0);
	T_CHECK(got[1].has & PFS_STX_MARK);
	T_EQ(got[1].mark, 0x5a5a);
}

/* The compressed twin and a delete: DEL_C and the full DEL both come back
 * as deletes by id; UPD_C keeps every field. */
static void test_pfsd_compressed(void)
{
	struct pfs_state s = sim_state(0x77, 0xbb);
	uint8_t buf[PFS_DIALECT_PKT_MAX];
	union pfs_msg_rec r;
	struct pfs_framer f;
	struct pfs_pfsd_pkt p;
	struct pfs_msg m;
	size_t len;

	memset(&m, 0, sizeof(m));
	m.kind = PFS_MSG_UPD_C;
	m.u.upd_c.id = 0x77;
	m.u.upd_c.creatorid = 0xbb;
	m.u.upd_c.expire = 30;
	m.u.upd_c.timeout = 4;
	m.u.upd_c.updates = 2;
	T_EQ(pfs_framer_init(&f, PFS_DIALECT_V3, 0, buf, sizeof(buf)), 0);
	T_EQ(pfs_framer_add(&f, &m), 0);
	len = pfs_pfsd_finish(&f, chk);
	T_EQ(len, 20 + 88);
	T_EQ(pfs_pfsd_parse(buf, len, &p), 0);
	T_EQ(p.kind, PFS_MSG_UPD_C);
	T_CHECK(!p.trailer);
	pfs_pfsd_rec(&p, 0, &r);
	T_EQ(r.upd_c.id, 0x77);
	T_EQ(r.upd_c.expire, 30);
	T_EQ(r.upd_c.timeout, 4);
	T_EQ(r.upd_c.updates, 2);

	memset(&m, 0, sizeof(m));
	m.kind = PFS_MSG_DEL_FULL;
	m.u.state = &s;
	T_EQ(pfs_framer_init(&f, PFS_DIALECT_V3, 0, buf, sizeof(buf)), 0);
	T_EQ(pfs_framer_add(&f, &m), 0);
	len = pfs_pfsd_finish(&f, chk);
	T_EQ(len, 20 + 240);
	T_EQ(buf[2], 3); /* the full DEL */
	T_EQ(pfs_pfsd_parse(buf, len, &p), 0);
	T_EQ(p.kind, PFS_MSG_DEL);
	pfs_pfsd_rec(&p, 0, &r);
	T_EQ(r.ref.id, 0x77);
	T_EQ(r.ref.creatorid, 0xbb);
	/* a BSD framer has no full delete */
	T_EQ(pfs_framer_init(&f, PFS_DIALECT_V6, 0, buf, sizeof(buf)), 0);
	T_EQ(pfs_framer_add(&f, &m), -1);
}

/* A short packet is refused as pfsync does, its kind still known (the
 * engine does not count a short TDB_UPD). */
static void test_pfsd_refusals(void)
{
	uint8_t b[40];
	struct pfs_pfsd_pkt p;

	memset(b, 0, sizeof(b));
	b[0] = 3;
	b[2] = 2; /* UPD, two records in 40 bytes */
	b[3] = 2;
	T_EQ(pfs_pfsd_parse(b, sizeof(b), &p), PFS_STAT_BADLEN);
	T_EQ(p.kind, PFS_MSG_UPD);
	b[2] = 10; /* TDB_UPD */
	T_EQ(pfs_pfsd_parse(b, sizeof(b), &p), PFS_STAT_BADLEN);
	T_EQ(p.kind, 0);
	T_EQ(pfs_pfsd_parse(b, 19, &p), PFS_STAT_HDROPS);
	b[0] = 4;
	T_EQ(pfs_pfsd_parse(b, sizeof(b), &p), PFS_STAT_BADVER);
	T_EQ(pfs_pfsd_kind(b, sizeof(b)), 0);
}

/* maxcount at common MTUs: v3 with and without the trailer, v5 and v6. */
static void test_pfsd_maxcount(void)
{
	T_EQ(pfs_pfsd_maxcount(1500, false), 6);
	T_EQ(pfs_pfsd_maxcount(1500, true), 6); /* 1492 with the trailer */
	T_EQ(pfs_pfsd_maxcount(1472, false), 6);
	T_EQ(pfs_pfsd_maxcount(1472, true), 5);
	T_EQ(pfs_pfsd_maxcount(9000, true), PFS_DIALECT_REC_MAX);
	T_EQ(pfs_pfsd_maxcount(100, false), 1);
	T_EQ(pfs_dialect_maxcount(PFS_DIALECT_V6, 0, 1500), 5);
	T_EQ(pfs_dialect_maxcount(PFS_DIALECT_V5, 1500, 1500), 4);
	T_EQ(pfs_dialect_maxcount(PFS_DIALECT_V5, 1500, 9000), 5);
	/* 20 + 20 + 6 * 240, the section header, 4 bytes of entries, the
	 * trailer: 1500 */
	T_CHECK(pfs_pfsd_fits(6, 4, 1500));
	T_CHECK(!pfs_pfsd_fits(6, 5, 1500));
	T_EQ(pfs_pfsd_rec_len(PFS_MSG_UPD), 240);
	T_EQ(pfs_pfsd_rec_len(PFS_MSG_UREQ), 16);
}

int main(void)
{
	T_RUN(test_pfsd_ctl);
	T_RUN(test_pfsd_states_round_trip);
	T_RUN(test_pfsd_compressed);
	T_RUN(test_pfsd_refusals);
	T_RUN(test_pfsd_maxcount);
	return t_done();
}
