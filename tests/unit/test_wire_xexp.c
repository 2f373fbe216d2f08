/*
 * test_wire_xexp.c - the expectations section (wire_xexp.h) and the
 * helper and seqadj extras (wire_xst.h flags 0x10 and 0x20) from bytes
 * written by hand from their layouts; the ctnetlink expectation messages
 * (ctexpmap.h) built and parsed back; two engines carrying one.
 */
#include <arpa/inet.h>
#include <libmnl/libmnl.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>
#include <string.h>

#include "backend/ctexpmap.h"
#include "pfsync/buf.h"
#include "pfsync/engine.h"
#include "pfsync/stats.h"
#include "pfsync/table.h"
#include "pfsync/wire_ext.h"
#include "pfsync/wire_v3.h"
#include "pfsync/wire_xexp.h"
#include "pfsync/wire_xst.h"
#include "sim.h"
#include "t.h"

#define Z4 0, 0, 0, 0
#define Z12 Z4, Z4, Z4

/*
 * One expectation of nf_nat_ftp for a PORT through SNAT:
 *   F7 01 009E            magic, version 1, 158 bytes in all
 *   01 07 009A            new; nat, helper and fn; 154 bytes
 *   02 01 0000            inet, NAT direction 1 (reply), zone 0
 *   00000000 00000000     flags, class
 *   0000012C              timeout 300 s
 *   06 00 A50A 0015       master: tcp 42250 -> 21
 *      192.168.0.10, 10.0.0.10
 *   06 00 0000 B2EF       expected: tcp any -> 45807
 *      10.0.0.10, 10.0.0.1
 *   FFFFFFFF.. 0000       mask: the whole source address, any port
 *   0.. B2EF              nat: port 45807 (the address the master's)
 *   03 "ftp"              helper
 *   11 "nat-follow-master" fn
 */
static const uint8_t sect[158] = {
    0xf7, 0x01, 0x00, 0x9e, 0x01, 0x07, 0x00, 0x9a, 0x02, 0x01, 0x00, 0x00,
    Z4, Z4, 0x00, 0x00, 0x01, 0x2c,
    /* master */
    0x06, 0x00, 0xa5, 0x0a, 0x00, 0x15, 0xc0, 0xa8, 0x00, 0x0a, Z12, 0x0a,
    0x00, 0x00, 0x0a, Z12,
    /* expected */
    0x06, 0x00, 0x00, 0x00, 0xb2, 0xef, 0x0a, 0x00, 0x00, 0x0a, Z12, 0x0a,
    0x00, 0x00, 0x01, Z12,
    /* mask */
    0xff, 0xff, 0xff, 0xff, Z12, 0x00, 0x00,
    /* nat */
    Z4, Z12, 0xb2, 0xef,
    /* helper, fn */
    0x03, 'f', 't', 'p', 0x11, 'n', 'a', 't', '-', 'f', 'o', 'l', 'l', 'o',
    'w', '-', 'm', 'a', 's', 't', 'e', 'r'};

static void golden_exp(struct pfs_xexp *x)
{
	memset(x, 0, sizeof(*x));
	x->op = PFS_XEXP_NEW;
	x->flags = PFS_XEXP_F_NAT | PFS_XEXP_F_HELPER | PFS_XEXP_F_FN;
	x->af = 2;
	x->nat_dir = 1;
	x->timeout = 300;
	x->master.proto = 6;
	x->master.sport = 42250;
	x->master.dport = 21;
	memcpy(x->master.src.a, "\xc0\xa8\x00\x0a", 4);
	memcpy(x->master.dst.a, "\x0a\x00\x00\x0a", 4);
	x->tuple.proto = 6;
	x->tuple.dport = 45807;
	memcpy(x->tuple.src.a, "\x0a\x00\x00\x0a", 4);
	memcpy(x->tuple.dst.a, "\x0a\x00\x00\x01", 4);
	memset(x->mask_src.a, 0xff, 4);
	x->nat_port = 45807;
	strcpy(x->helper, "ftp");
	strcpy(x->fn, "nat-follow-master");
}

static bool same_exp(const struct pfs_xexp *a, const struct pfs_xexp *b)
{
	return a->op == b->op && a->flags == b->flags && a->af == b->af &&
	       a->nat_dir == b->nat_dir && a->zone == b->zone &&
	       a->exp_flags == b->exp_flags && a->klass == b->klass &&
	       a->timeout == b->timeout &&
	       memcmp(&a->master, &b->master, sizeof(a->master)) == 0 &&
	       memcmp(&a->tuple, &b->tuple, sizeof(a->tuple)) == 0 &&
	       memcmp(&a->mask_src, &b->mask_src, 16) == 0 &&
	       a->mask_sport == b->mask_sport &&
	       memcmp(&a->nat_addr, &b->nat_addr, 16) == 0 &&
	       a->nat_port == b->nat_port &&
	       strcmp(a->helper, b->helper) == 0 && strcmp(a->fn, b->fn) == 0;
}

static void test_xexp_put(void)
{
	uint8_t b[400];
	struct pfs_xexp x;
	struct pfs_wbuf wb;

	golden_exp(&x);
	T_EQ(pfs_xexp_ent_len(&x), 154);
	pfs_wbuf_init(&wb, b, sizeof(b));
	pfs_xexp_put(&wb, &x, 1);
	T_CHECK(!wb.err);
	T_EQ(wb.off, sizeof(sect));
	T_MEMEQ(b, sect, sizeof(sect));
	pfs_wbuf_init(&wb, b, 100);
	pfs_xexp_put(&wb, &x, 1);
	T_CHECK(wb.err); /* does not fit */
	pfs_wbuf_init(&wb, b, sizeof(b));
	pfs_xexp_put(&wb, &x, 0);
	T_CHECK(wb.err); /* nothing to say */
}

static void test_xexp_get(void)
{
	uint8_t p[20 + sizeof(sect) + 12];
	struct pfs_xexp x[2], want;
	size_t n, span;

	golden_exp(&want);
	memset(p, 0, sizeof(p));
	memcpy(p + 20, sect, sizeof(sect));
	/* alone, then followed by a 12-byte trailer */
	T_EQ(pfs_xexp_get(p, 20 + sizeof(sect), 20, x, 2, &n, &span), 158);
	T_EQ(n, 1);
	T_EQ(span, 158);
	T_CHECK(same_exp(&x[0], &want));
	T_EQ(pfs_xexp_get(p, sizeof(p), 20, x, 2, &n, &span), 158);
	T_EQ(n, 1);
	/* the length only */
	T_EQ(pfs_xexp_get(p, sizeof(p), 20, NULL, 0, NULL, &span), 158);
	T_EQ(span, 158);
}

static void test_xexp_rejects(void)
{
	uint8_t p[20 + sizeof(sect) + 12];
	struct pfs_xexp x[2];
	size_t n, span;

	memset(p, 0, sizeof(p));
	memcpy(p + 20, sect, sizeof(sect));
	/* 5 bytes after it: neither nothing nor a trailer */
	T_EQ(pfs_xexp_get(p, 20 + sizeof(sect) + 5, 20, x, 2, &n, &span), 0);
	T_EQ(span, 0);
	/* the 0xF6 extras section is not this one */
	p[20] = 0xf6;
	T_EQ(pfs_xexp_get(p, 20 + sizeof(sect), 20, x, 2, &n, &span), 0);
	p[20] = 0xf7;
	/* no room for one entry */
	T_EQ(pfs_xexp_get(p, 20 + sizeof(sect), 20, x, 0, &n, &span), -1);
	/* an unknown op */
	p[24] = 9;
	T_EQ(pfs_xexp_get(p, 20 + sizeof(sect), 20, x, 2, &n, &span), -1);
	T_EQ(span, 158);
	T_EQ(n, 0);
	p[24] = 1;
	/* a helper name longer than what remains */
	p[20 + 4 + 132] = 40;
	T_EQ(pfs_xexp_get(p, 20 + sizeof(sect), 20, x, 2, &n, &span), -1);
	p[20 + 4 + 132] = 3;
	/* a family that is neither inet nor inet6 */
	p[28] = 7;
	T_EQ(pfs_xexp_get(p, 20 + sizeof(sect), 20, x, 2, &n, &span), -1);
	p[28] = 2;
	/* entry length past the section */
	p[27] = 0xff;
	T_EQ(pfs_xexp_get(p, 20 + sizeof(sect), 20, x, 2, &n, &span), -1);
	p[27] = 0x9a;
	T_EQ(pfs_xexp_get(p, 20 + sizeof(sect), 20, x, 2, &n, &span), 158);
}

/*
 * The helper and seqadj extras of one record:
 *   F6 01 002F           magic, version 1, 47 bytes
 *   00 30 28             record 0: helper and seqadj, 40 bytes
 *      "ftp" 0..0        helper, NUL-padded to 16
 *      01020304 00000000 FFFFFFFB   original: position, before, after -5
 *      00000000 00000000 00000000   reply: none
 */
static const uint8_t xsect[47] = {
    0xf6, 0x01, 0x00, 0x2f, 0x00, 0x30, 0x28, 'f', 't', 'p', 0,
    Z12,  0x01, 0x02, 0x03, 0x04, Z4, 0xff, 0xff, 0xff, 0xfb,
    Z12};

static void test_xst_helper(void)
{
	uint8_t b[100];
	struct pfs_stx x, y;
	struct pfs_wbuf wb;
	size_t span;

	memset(&x, 0, sizeof(x));
	x.has = PFS_STX_HELPER | PFS_STX_SEQADJ;
	strcpy(x.helper, "ftp");
	x.seqadj[0].pos = 0x01020304;
	x.seqadj[0].after = (uint32_t)-5;
	T_EQ(pfs_xst_ent_len(&x), 43);
	pfs_wbuf_init(&wb, b, sizeof(b));
	pfs_xst_put(&wb, &x, 1);
	T_CHECK(!wb.err);
	T_EQ(wb.off, sizeof(xsect));
	T_MEMEQ(b, xsect, sizeof(xsect));
	T_EQ(pfs_xst_get(xsect, sizeof(xsect), 0, 1, &y, &span), 47);
	T_EQ(y.has, PFS_STX_HELPER | PFS_STX_SEQADJ);
	T_CHECK(strcmp(y.helper, "ftp") == 0);
	T_EQ(y.seqadj[0].pos, 0x01020304);
	T_EQ(y.seqadj[0].before, 0);
	T_EQ(y.seqadj[0].after, 0xfffffffb);
	T_EQ(y.seqadj[1].pos, 0);
	T_CHECK(!pfs_stx_differ(&x, &y));
	/* normalised: an empty name and an all-zero adjustment are none */
	memset(&y, 0, sizeof(y));
	y.has = PFS_STX_HELPER | PFS_STX_SEQADJ;
	T_CHECK(!pfs_stx_norm(&y));
	T_EQ(y.has, 0);
	/* a name that fills the field keeps its NUL */
	memset(&y, 0, sizeof(y));
	y.has = PFS_STX_HELPER;
	memset(y.helper, 'a', sizeof(y.helper));
	T_CHECK(pfs_stx_norm(&y));
	T_EQ(strlen(y.helper), PFS_STX_HELPER_LEN - 1);
}

/* ctnetlink: an EXP_NEW built from an expectation parses back to it. */
static void test_ctexpmap_round_trip(void)
{
	uint8_t buf[PFSD_CTEXPMAP_MSG_MAX];
	struct pfs_xexp x, y;
	uint32_t portid = 99;
	size_t len;

	golden_exp(&x);
	x.zone = 7;
	x.exp_flags = 1;
	x.klass = 0;
	len = pfsd_ctexpmap_build_new(buf, sizeof(buf), &x, 5);
	T_CHECK(len > 0);
	T_EQ(pfsd_ctexpmap_parse(buf, len, &y, &portid), PFS_XEXP_NEW);
	T_EQ(portid, 0);
	/* the mask comes back whole: the destination is sent as all ones */
	T_CHECK(same_exp(&x, &y));
	len = pfsd_ctexpmap_build_delete(buf, sizeof(buf), &x, 6);
	T_CHECK(len > 0);
	/* a delete names only the expected tuple: no master, not parsed */
	T_EQ(pfsd_ctexpmap_parse(buf, len, &y, &portid), -1);
	T_EQ(pfsd_ctexpmap_build_new(buf, 100, &x, 5), 0);
	x.af = 0;
	T_EQ(pfsd_ctexpmap_build_new(buf, sizeof(buf), &x, 5), 0);
}

/*
 * nf_conntrack_sip's media expectation through SNAT, over IPv6: UDP,
 * class 1 (audio), NAT to the caller's own port, nf_nat_sip's expect
 * function "sip".  Parsed back whole, class included; without the
 * helper's name the class is not written (the kernel would ignore it),
 * and parses back as 0.
 */
static void test_ctexpmap_sip6(void)
{
	uint8_t buf[PFSD_CTEXPMAP_MSG_MAX];
	struct pfs_xexp x, y;
	uint32_t portid = 99;
	size_t len;

	golden_exp(&x);
	x.af = 10;
	x.nat_dir = 0;
	x.klass = 1;
	x.timeout = 180;
	x.master.proto = 17;
	x.master.sport = 5060;
	x.master.dport = 5060;
	memcpy(x.master.src.a, "\xfd\0\0\1\0\0\0\0\0\0\0\0\0\0\0\x10", 16);
	memcpy(x.master.dst.a, "\xfd\0\0\2\0\0\0\0\0\0\0\0\0\0\0\x10", 16);
	x.tuple.proto = 17;
	x.tuple.dport = 40000;
	x.tuple.src = x.master.dst;
	memcpy(x.tuple.dst.a, "\xfd\0\0\2\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	memset(x.mask_src.a, 0xff, 16);
	x.nat_addr = x.master.src;
	x.nat_port = 40002;
	strcpy(x.helper, "sip");
	strcpy(x.fn, "sip");
	len = pfsd_ctexpmap_build_new(buf, sizeof(buf), &x, 7);
	T_CHECK(len > 0);
	T_EQ(pfsd_ctexpmap_parse(buf, len, &y, &portid), PFS_XEXP_NEW);
	T_CHECK(same_exp(&x, &y));
	T_EQ(y.klass, 1);
	x.flags &= (uint8_t)~PFS_XEXP_F_HELPER;
	len = pfsd_ctexpmap_build_new(buf, sizeof(buf), &x, 8);
	T_CHECK(len > 0);
	T_EQ(pfsd_ctexpmap_parse(buf, len, &y, &portid), PFS_XEXP_NEW);
	T_EQ(y.klass, 0);
	T_EQ(y.helper[0], '\0');
}

/* ---- two engines ----------------------------------------------------------*/

static uint8_t cap[8][PFS_V3_MTU_MAX];
static size_t cap_len[8], cap_llen[8];
static int ncap;
static char seen[16]; /* B's reports in order: 'a' applied, 'x' expect */
static struct pfs_xexp got;

static int cap_out(void *ctx, const uint8_t *local, size_t llen,
		   const uint8_t *wire, size_t wlen, uint32_t dst)
{
	(void)ctx, (void)local, (void)dst;
	if (ncap < 8 && wire && wlen > 20 + 12 - 1 &&
	    (llen != 0 || wire[20] == PFS_XEXP_MAGIC)) {
		memcpy(cap[ncap], wire, wlen);
		cap_len[ncap] = wlen;
		cap_llen[ncap] = llen;
		ncap++;
	}
	return 0;
}

static void b_applied(void *ctx, enum pfs_op op, const struct pfs_state *st)
{
	(void)ctx, (void)op, (void)st;
	strncat(seen, "a", sizeof(seen) - strlen(seen) - 1);
}

static void b_expect(void *ctx, const struct pfs_xexp *x)
{
	(void)ctx;
	got = *x;
	strncat(seen, "x", sizeof(seen) - strlen(seen) - 1);
}

static struct pfs_engine *mk_engine(struct pfs_table *t, uint32_t hostid)
{
	const struct pfs_engine_ops ops = {
	    .output = cap_out, .applied = b_applied, .expect = b_expect};
	struct pfs_engine_conf c;

	pfs_engine_conf_default(&c);
	c.hostid = hostid;
	c.syncdev = true;
	c.reliable = true;
	return pfs_engine_new(&c, t, &ops, NULL, 1000);
}

/* A pfsyncd peer's heartbeat, which says it reads extras (or not). */
static void hear_peer(struct pfs_engine *e, bool xst, uint64_t now)
{
	const struct pfs_rx_meta m = {0x0a000002u, true, 255};
	uint8_t hb[32] = {3, 0, 4, 0};

	memcpy(hb + 20,
	       (const uint8_t[12]){0xf5, 0x12, xst ? 0x80 : 0, 0, 0, 0, 0, 9},
	       12);
	pfs_engine_input(e, hb, sizeof(hb), &m, now);
}

/*
 * A sends an expectation only once a pfsyncd peer that reads extras is
 * heard; the packet is an INS of no record, the section and the
 * trailer, not shown on pfsync0; a state pending goes first.  B applies
 * the state, then hands the expectation over; a broken section is
 * counted and handed nothing.
 */
static void test_engines_expect(void)
{
	const struct pfs_rx_meta m = {0x0a000001u, true, 255};
	struct pfs_table *ta = pfs_table_new(0, T_HASHKEY);
	struct pfs_table *tb = pfs_table_new(0, T_HASHKEY);
	struct pfs_engine *a = mk_engine(ta, 0x100), *b = mk_engine(tb, 0x200);
	struct pfs_state s = sim_state(1, 0x100);
	struct pfs_xexp x;
	struct pfs_v3_frame f;
	struct pfs_ext e;
	size_t span;
	int i;

	golden_exp(&x);
	T_EQ(pfs_engine_expect_send(a, &x, 1, 1000), 0); /* nobody heard */
	hear_peer(a, false, 1000);
	T_EQ(pfs_engine_expect_send(a, &x, 1, 1000), 0); /* no extras */
	hear_peer(a, true, 1100);
	ncap = 0;
	T_EQ(pfs_engine_insert(a, &s, 1200), 0); /* pending */
	T_EQ(pfs_engine_expect_send(a, &x, 1, 1200), 1);
	T_EQ(ncap, 2);
	T_EQ(cap[0][2], PFS_V3_ACT_INS);
	T_EQ(cap[0][3], 1);
	T_EQ(cap[1][2], PFS_V3_ACT_INS);
	T_EQ(cap[1][3], 0);
	T_EQ(cap_llen[1], 0); /* nothing for pfsync0 */
	T_EQ(cap_len[1], 20 + sizeof(sect) + 12);
	T_MEMEQ(cap[1] + 20, sect, sizeof(sect));
	T_EQ(pfs_ext_get(cap[1], cap_len[1], 20 + sizeof(sect), &e), 0);
	T_EQ(e.kind, PFS_EXT_DATA);
	/* what a NetBSD peer reads: an INS of no state */
	T_EQ(pfs_v3_frame_parse(cap[1], cap_len[1], &f), 0);
	T_EQ(f.nrec, 0);
	seen[0] = '\0';
	for (i = 0; i < 2; i++)
		pfs_engine_input(b, cap[i], cap_len[i], &m, 1200);
	T_CHECK(strcmp(seen, "ax") == 0);
	T_CHECK(same_exp(&got, &x));
	/* a broken entry (an unknown op): counted, nothing handed over */
	ncap = 0;
	T_EQ(pfs_engine_expect_send(a, &x, 1, 1300), 1);
	T_EQ(ncap, 1);
	cap[0][24] = 9;
	seen[0] = '\0';
	pfs_engine_input(b, cap[0], cap_len[0], &m, 1300);
	T_CHECK(strcmp(seen, "") == 0);
	T_EQ(pfs_engine_rel_stats(b)[PFS_REL_XST_BAD], 1);
	T_EQ(pfs_xexp_get(cap[0], cap_len[0], 20, NULL, 0, NULL, &span), 158);
	pfs_engine_free(a);
	pfs_engine_free(b);
	pfs_table_free(ta);
	pfs_table_free(tb);
}

/* A NetBSD peer (v3, no trailer) heard besides: nothing is sent. */
static void test_engines_expect_bsd(void)
{
	const struct pfs_rx_meta nb = {0x0a000009u, true, 255};
	struct pfs_table *ta = pfs_table_new(0, T_HASHKEY);
	struct pfs_table *tn = pfs_table_new(0, T_HASHKEY);
	struct pfs_engine *a = mk_engine(ta, 0x100), *n = mk_engine(tn, 0x900);
	struct pfs_state s = sim_state(7, 0x900);
	struct pfs_xexp x;

	golden_exp(&x);
	hear_peer(a, true, 1100);
	T_EQ(pfs_engine_expect_send(a, &x, 1, 1100), 1);
	/* n's INS without its trailer: what a NetBSD peer sends */
	ncap = 0;
	T_EQ(pfs_engine_insert(n, &s, 1200), 0);
	pfs_engine_flush(n, 1200);
	T_EQ(ncap, 1);
	pfs_engine_input(a, cap[0], 20 + 240, &nb, 1200);
	T_CHECK(pfs_table_find_id(ta, 7, 0x900) != NULL);
	T_EQ(pfs_engine_expect_send(a, &x, 1, 1300), 0);
	pfs_engine_free(a);
	pfs_engine_free(n);
	pfs_table_free(ta);
	pfs_table_free(tn);
}

int main(void)
{
	T_RUN(test_xexp_put);
	T_RUN(test_xexp_get);
	T_RUN(test_xexp_rejects);
	T_RUN(test_xst_helper);
	T_RUN(test_ctexpmap_round_trip);
	T_RUN(test_ctexpmap_sip6);
	T_RUN(test_engines_expect);
	T_RUN(test_engines_expect_bsd);
	return t_done();
}
