/*
 * test_xst_proto.c - the protocol info of the state-extras section
 * (wire_xst.h, flag 0x40) from bytes written by hand from its layout:
 * SCTP, GRE and DCCP bodies, a kind of a later version skipped, a body
 * longer than ours read in part, one too short refused; the table keeps
 * it; two engines carry it from an SCTP state to the peer's table.
 */
#include <string.h>

#include "pfsync/buf.h"
#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/wire_xst.h"
#include "sim.h"
#include "t.h"

/*
 *   F6 01 002e           magic, version 1, 46 bytes in all
 *   00 41 0f             record 0: mark, proto; 15 bytes
 *      00000007          mark 7
 *      01 09             proto: SCTP, 9 bytes
 *         04             ESTABLISHED (enum sctp_conntrack)
 *         01000001       vtag original
 *         02000002       vtag reply
 *   01 40 06             record 1: proto; 6 bytes
 *      02 04             GRE, 4 bytes
 *         0021 0042      reply keys 0x21, 0x42
 *   02 40 04             record 2: proto; 4 bytes
 *      03 02             DCCP, 2 bytes
 *         04 01          OPEN, role server
 *   03 40 05             record 3: proto; 5 bytes
 *      09 03 aa bb cc    a kind of a later version: skipped
 */
static const uint8_t sect[51] = {
    0xf6, 0x01, 0x00, 0x2e,					  /* hdr */
    0x00, 0x41, 0x0f, 0x00, 0x00, 0x00, 0x07, 0x01, 0x09, 0x04, /* r0 */
    0x01, 0x00, 0x00, 0x01, 0x02, 0x00, 0x00, 0x02,		  /* tags */
    0x01, 0x40, 0x06, 0x02, 0x04, 0x00, 0x21, 0x00, 0x42,	  /* r1 */
    0x02, 0x40, 0x04, 0x03, 0x02, 0x04, 0x01,			  /* r2 */
    0x03, 0x40, 0x05, 0x09, 0x03, 0xaa, 0xbb, 0xcc,		  /* r3 */
    0, 0, 0, 0, 0, /* not part of the section: 46 is its length */
};

static void want_golden(const struct pfs_stx *x)
{
	T_EQ(x[0].has, PFS_STX_MARK | PFS_STX_PROTO);
	T_EQ(x[0].mark, 7);
	T_EQ(x[0].proto.kind, PFS_XPROTO_SCTP);
	T_EQ(x[0].proto.state, 4);
	T_EQ(x[0].proto.vtag[0], 0x01000001u);
	T_EQ(x[0].proto.vtag[1], 0x02000002u);
	T_EQ(x[1].has, PFS_STX_PROTO);
	T_EQ(x[1].proto.kind, PFS_XPROTO_GRE);
	T_EQ(x[1].proto.key[0], 0x21);
	T_EQ(x[1].proto.key[1], 0x42);
	T_EQ(x[2].has, PFS_STX_PROTO);
	T_EQ(x[2].proto.kind, PFS_XPROTO_DCCP);
	T_EQ(x[2].proto.state, 4);
	T_EQ(x[2].proto.role, 1);
	T_EQ(x[3].has, 0); /* the unknown kind left nothing */
}

static void test_golden_get(void)
{
	struct pfs_stx x[4];
	size_t span;

	T_EQ(pfs_xst_get(sect, 46, 0, 4, x, &span), 46);
	T_EQ(span, 46);
	want_golden(x);
}

/* What we write is the golden section without its unknown record. */
static void test_golden_put(void)
{
	struct pfs_stx x[4];
	uint8_t b[64], want[38];
	struct pfs_wbuf wb;
	size_t span;

	T_EQ(pfs_xst_get(sect, 46, 0, 4, x, &span), 46);
	memcpy(want, sect, 38);
	want[3] = 38; /* the length without record 3 */
	pfs_wbuf_init(&wb, b, sizeof(b));
	pfs_xst_put(&wb, x, 3);
	T_EQ(wb.err, 0);
	T_EQ(wb.off, 38);
	T_MEMEQ(b, want, 38);
	T_EQ(pfs_xst_ent_len(&x[0]), 3 + 4 + 11);
	T_EQ(pfs_xst_ent_len(&x[1]), 3 + 6);
	T_EQ(pfs_xst_ent_len(&x[2]), 3 + 4);
}

/* A longer body (a later version's) is read in part; a shorter one, or
 * one past its entry, makes the section invalid. */
static void test_body_lengths(void)
{
	static const uint8_t longer[] = {0xf6, 0x01, 0x00, 0x0e, 0x00,
					 0x40, 0x07, 0x02, 0x05, 0x00,
					 0x01, 0x00, 0x02, 0xee};
	static const uint8_t shorter[] = {0xf6, 0x01, 0x00, 0x0c, 0x00, 0x40,
					  0x05, 0x02, 0x03, 0x00, 0x01, 0x00};
	static const uint8_t past[] = {0xf6, 0x01, 0x00, 0x0b, 0x00, 0x40,
				       0x04, 0x02, 0x04, 0x00, 0x01};
	struct pfs_stx x;
	size_t span;

	T_EQ(pfs_xst_get(longer, sizeof(longer), 0, 1, &x, &span), 14);
	T_EQ(x.proto.kind, PFS_XPROTO_GRE);
	T_EQ(x.proto.key[0], 1);
	T_EQ(x.proto.key[1], 2);
	T_EQ(pfs_xst_get(shorter, sizeof(shorter), 0, 1, &x, &span), -1);
	T_EQ(x.has, 0);
	T_EQ(pfs_xst_get(past, sizeof(past), 0, 1, &x, &span), -1);
	T_EQ(x.has, 0);
}

/* The table keeps the protocol info beside the rest, and drops it. */
static void test_table_keeps(void)
{
	struct pfs_table *t = pfs_table_new(0, T_HASHKEY);
	struct pfs_state s = sim_state(5, 0x100), *in;
	struct pfs_stx x, got;

	memset(&x, 0, sizeof(x));
	x.has = PFS_STX_PROTO | PFS_STX_MARK;
	x.mark = 3;
	x.proto.kind = PFS_XPROTO_SCTP;
	x.proto.state = 7;
	x.proto.vtag[0] = 0xdeadbeef;
	x.proto.vtag[1] = 1;
	s.proto = 132;
	in = pfs_table_insert_x(t, &s, &x);
	T_CHECK(in != NULL);
	if (in == NULL)
		return;
	T_CHECK(pfs_table_xget(t, in, &got));
	T_CHECK(!pfs_stx_differ(&got, &x));
	x.has = PFS_STX_MARK; /* the info goes, the mark stays */
	T_EQ(pfs_table_xset(t, in, &x), 0);
	T_CHECK(pfs_table_xget(t, in, &got));
	T_EQ(got.has, PFS_STX_MARK);
	T_EQ(got.proto.kind, 0);
	pfs_table_free(t);
}

/* A kind 0 or past the known ones is no protocol info. */
static void test_norm(void)
{
	struct pfs_stx x;

	memset(&x, 0, sizeof(x));
	x.has = PFS_STX_PROTO;
	T_CHECK(!pfs_stx_norm(&x));
	x.has = PFS_STX_PROTO;
	x.proto.kind = PFS_XPROTO_MAX;
	x.proto.state = 3;
	T_CHECK(!pfs_stx_norm(&x));
	T_EQ(x.proto.state, 0);
	x.has = PFS_STX_PROTO;
	x.proto.kind = PFS_XPROTO_DCCP;
	T_CHECK(pfs_stx_norm(&x));
}

int main(void)
{
	T_RUN(test_golden_get);
	T_RUN(test_golden_put);
	T_RUN(test_body_lengths);
	T_RUN(test_table_keeps);
	T_RUN(test_norm);
	return t_done();
}
