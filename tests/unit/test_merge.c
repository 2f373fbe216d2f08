/*
 * test_merge.c - pfsync's stale tests, exhaustively.
 *
 * The oracle below is written straight from the table in reference §4.4
 * and never calls the library; sequence relations are given to it as
 * facts of each case ("local is ahead") rather than recomputed, so a bug
 * in pfs_seq_gt cannot hide in both places.
 */
#include <sys/socket.h>

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "pfsync/merge.h"
#include "pfsync/state.h"
#include "t.h"

/* A pair (local seqlo, msg seqlo) and whether local is ahead (SEQ_GT). */
struct seq_case {
	uint32_t local;
	uint32_t msg;
	bool local_ahead;
};

static const struct seq_case seq_cases[] = {
    {1000, 1000, false},	     /* equal */
    {1001, 1000, true},		     /* local ahead by one */
    {1000, 1001, false},	     /* msg ahead by one */
    {0x00000010, 0xfffffff0, true},  /* local ahead across 2^32 */
    {0xfffffff0, 0x00000010, false}, /* msg ahead across 2^32 */
    {0x7fffffff, 0x00000000, true},  /* largest positive distance */
    {0x80000000, 0x00000000, false}, /* half the space: not GT */
    {0, 0, false},		     /* equal at zero */
    {0xffffffff, 0xffffffff, false}, /* equal at the top */
};
#define N_SEQ (sizeof(seq_cases) / sizeof(seq_cases[0]))

/* Straight from the table: UPD TCP 1, 3, 7, 4; UPD_C TCP 1, 2, 3, 4. */
static int oracle(bool upd_c, bool tcp, int ls, int ms, int ld, int md,
		  bool src_ahead, bool dst_ahead)
{
	bool synproxy = ls >= 11 && ms < 11;

	if (!tcp)
		return ls > ms ? 5 : ld > md ? 6 : 0;
	if (ls > ms && !synproxy)
		return 1;
	if (upd_c && ld > md)
		return 2;
	if (src_ahead)
		return 3;
	if (!upd_c && ld > md)
		return 7;
	if (ld >= 2 && dst_ahead)
		return 4;
	return 0;
}

static void peer_set(struct pfs_peer *p, int state, uint32_t seqlo)
{
	memset(p, 0, sizeof(*p));
	p->state = (uint8_t)state;
	p->seqlo = seqlo;
	p->seqhi = seqlo + 65535; /* must not influence anything */
}

#define N_STATES 13 /* peer states 0 .. PFS_TCPS_PROXY_DST */

/* One case; st packs (local src, msg src, local dst, msg dst) in base 13. */
static bool check_case(enum pfs_merge_kind kind, uint8_t proto, int st,
		       const struct seq_case *sc, const struct seq_case *dc)
{
	struct pfs_peer lsrc, ldst, msrc, mdst;
	int ls = st / (N_STATES * N_STATES * N_STATES);
	int ms = st / (N_STATES * N_STATES) % N_STATES;
	int ld = st / N_STATES % N_STATES;
	int md = st % N_STATES;
	int want = oracle(kind == PFS_MERGE_UPD_C, proto == 6, ls, ms, ld, md,
			  sc->local_ahead, dc->local_ahead);
	int got;

	peer_set(&lsrc, ls, sc->local);
	peer_set(&msrc, ms, sc->msg);
	peer_set(&ldst, ld, dc->local);
	peer_set(&mdst, md, dc->msg);
	got = (int)pfs_merge_check(kind, proto, &lsrc, &ldst, &msrc, &mdst);
	if (got == want)
		return true;
	fprintf(stderr,
		"kind %d proto %u states %d/%d %d/%d seq %08x/%08x "
		"%08x/%08x: got %d want %d\n",
		(int)kind, proto, ls, ms, ld, md, sc->local, sc->msg, dc->local,
		dc->msg, got, want);
	return false;
}

/* Every (local src, msg src, local dst, msg dst) state quadruple. */
static long run_states(enum pfs_merge_kind kind, uint8_t proto,
		       const struct seq_case *sc, const struct seq_case *dc)
{
	long bad = 0;

	for (int st = 0; st < N_STATES * N_STATES * N_STATES * N_STATES; st++)
		if (!check_case(kind, proto, st, sc, dc) && ++bad >= 5)
			break;
	return bad;
}

static long run_all(enum pfs_merge_kind kind, uint8_t proto)
{
	long bad = 0;

	for (size_t i = 0; i < N_SEQ; i++)
		for (size_t j = 0; j < N_SEQ; j++)
			bad += run_states(kind, proto, &seq_cases[i],
					  &seq_cases[j]);
	return bad;
}

static void test_tcp_upd_exhaustive(void)
{
	T_EQ(run_all(PFS_MERGE_UPD, 6), 0);
}

static void test_tcp_upd_c_exhaustive(void)
{
	T_EQ(run_all(PFS_MERGE_UPD_C, 6), 0);
}

static void test_udp_exhaustive(void)
{
	T_EQ(run_all(PFS_MERGE_UPD, 17), 0);
	T_EQ(run_all(PFS_MERGE_UPD_C, 17), 0);
}

static void test_icmp_exhaustive(void)
{
	T_EQ(run_all(PFS_MERGE_UPD, 1), 0);
	T_EQ(run_all(PFS_MERGE_UPD_C, 1), 0);
}

static void test_seq_gt_table(void)
{
	for (size_t i = 0; i < N_SEQ; i++)
		T_EQ(pfs_seq_gt(seq_cases[i].local, seq_cases[i].msg),
		     seq_cases[i].local_ahead);
	T_CHECK(!pfs_seq_gt(5, 5));
	T_CHECK(pfs_seq_gt(6, 5));
	T_CHECK(!pfs_seq_gt(5, 6));
	T_CHECK(pfs_seq_gt(0, 0xffffffff));
	T_CHECK(!pfs_seq_gt(0xffffffff, 0));
	T_CHECK(pfs_seq_gt(0x80000000, 0x00000001));
	T_CHECK(!pfs_seq_gt(0x00000001, 0x80000000));
	/* exactly 2^31 apart: int32 difference is INT32_MIN, never > 0 */
	T_CHECK(!pfs_seq_gt(0x80000000, 0));
	T_CHECK(!pfs_seq_gt(0, 0x80000000));
	T_CHECK(pfs_seq_gt(0x7fffffff, 0));
	T_CHECK(!pfs_seq_gt(0, 0x7fffffff));
}

/* Hand-picked cases, so a reader sees the rule without the oracle. */
static int check1(enum pfs_merge_kind kind, uint8_t proto, int ls, int ms,
		  int ld, int md, uint32_t lseq, uint32_t mseq)
{
	struct pfs_peer lsrc, ldst, msrc, mdst;

	peer_set(&lsrc, ls, lseq);
	peer_set(&msrc, ms, mseq);
	peer_set(&ldst, ld, 500);
	peer_set(&mdst, md, 500);
	return (int)pfs_merge_check(kind, proto, &lsrc, &ldst, &msrc, &mdst);
}

static void test_synproxy_exception(void)
{
	/* local in a proxy state, message a real state: apply */
	T_EQ(check1(PFS_MERGE_UPD, 6, 11, 4, 4, 4, 1, 1), 0);
	T_EQ(check1(PFS_MERGE_UPD, 6, 12, 10, 4, 4, 1, 1), 0);
	T_EQ(check1(PFS_MERGE_UPD, 6, 12, 0, 4, 4, 1, 1), 0);
	T_EQ(check1(PFS_MERGE_UPD_C, 6, 11, 3, 4, 4, 1, 1), 0);
	/* both in proxy states, local further: stale */
	T_EQ(check1(PFS_MERGE_UPD, 6, 12, 11, 4, 4, 1, 1), 1);
	T_EQ(check1(PFS_MERGE_UPD_C, 6, 12, 11, 4, 4, 1, 1), 1);
	/* plain TCP states backwards: stale */
	T_EQ(check1(PFS_MERGE_UPD, 6, 10, 4, 4, 4, 1, 1), 1);
	/* the exception is TCP's: UDP with the same numbers is 5 */
	T_EQ(check1(PFS_MERGE_UPD, 17, 11, 4, 4, 4, 1, 1), 5);
	/* the exception only skips test 1; the seq test still runs */
	T_EQ(check1(PFS_MERGE_UPD, 6, 11, 4, 4, 4, 9, 1), 3);
}

static void test_order_examples(void)
{
	/* UPD: src seq ahead beats dst state (3 before 7) */
	T_EQ(check1(PFS_MERGE_UPD, 6, 4, 4, 5, 4, 9, 1), 3);
	/* UPD_C: dst state beats src seq (2 before 3) */
	T_EQ(check1(PFS_MERGE_UPD_C, 6, 4, 4, 5, 4, 9, 1), 2);
	/* UPD: dst older only -> partial */
	T_EQ(check1(PFS_MERGE_UPD, 6, 4, 4, 5, 4, 1, 1), 7);
	/* equal everything -> apply */
	T_EQ(check1(PFS_MERGE_UPD, 6, 4, 4, 4, 4, 1, 1), 0);
	T_EQ(check1(PFS_MERGE_UPD_C, 6, 4, 4, 4, 4, 1, 1), 0);
	/* non-TCP: src before dst */
	T_EQ(check1(PFS_MERGE_UPD, 17, 2, 1, 2, 1, 1, 1), 5);
	T_EQ(check1(PFS_MERGE_UPD, 17, 1, 1, 2, 1, 1, 1), 6);
	T_EQ(check1(PFS_MERGE_UPD_C, 1, 0, 1, 2, 1, 1, 1), 6);
	/* non-TCP ignores sequence numbers entirely */
	T_EQ(check1(PFS_MERGE_UPD, 17, 1, 1, 1, 1, 9, 1), 0);
}

static void test_dst_seq_needs_syn_sent(void)
{
	struct pfs_peer lsrc, ldst, msrc, mdst;

	peer_set(&lsrc, 4, 1);
	peer_set(&msrc, 4, 1);
	for (int st = 0; st <= 12; st++) {
		peer_set(&ldst, st, 0x10);
		peer_set(&mdst, st, 0xfffffff0); /* local ahead across wrap */
		int want = st >= 2 ? 4 : 0;
		T_EQ(pfs_merge_check(PFS_MERGE_UPD, 6, &lsrc, &ldst, &msrc,
				     &mdst),
		     want);
		T_EQ(pfs_merge_check(PFS_MERGE_UPD_C, 6, &lsrc, &ldst, &msrc,
				     &mdst),
		     want);
	}
}

static void test_values_ok_upd(void)
{
	struct pfs_peer s, d;

	peer_set(&s, 12, 0);
	peer_set(&d, 12, 0);
	T_CHECK(pfs_merge_values_ok_upd(19, &s, &d));
	T_CHECK(pfs_merge_values_ok_upd(0, &s, &d));
	T_CHECK(!pfs_merge_values_ok_upd(20, &s, &d));
	T_CHECK(!pfs_merge_values_ok_upd(255, &s, &d));
	s.state = 13;
	T_CHECK(!pfs_merge_values_ok_upd(0, &s, &d));
	s.state = 12;
	d.state = 13;
	T_CHECK(!pfs_merge_values_ok_upd(0, &s, &d));
	d.state = 255;
	T_CHECK(!pfs_merge_values_ok_upd(0, &s, &d));
	d.state = 0;
	s.state = 0;
	T_CHECK(pfs_merge_values_ok_upd(19, &s, &d));
}

static void good_state(struct pfs_state *st)
{
	memset(st, 0, sizeof(*st));
	st->af = AF_INET;
	st->proto = 6;
	st->direction = PFS_DIR_OUT;
	st->timeout = 19;
	st->src.state = 12;
	st->dst.state = 12;
}

static void test_values_ok_ins(void)
{
	struct pfs_state st;

	good_state(&st);
	T_CHECK(pfs_merge_values_ok_ins(&st));
	st.timeout = 20;
	T_CHECK(!pfs_merge_values_ok_ins(&st));
	good_state(&st);
	st.src.state = 13;
	T_CHECK(!pfs_merge_values_ok_ins(&st));
	good_state(&st);
	st.dst.state = 13;
	T_CHECK(!pfs_merge_values_ok_ins(&st));
	good_state(&st);
	st.direction = 3;
	T_CHECK(!pfs_merge_values_ok_ins(&st));
	for (int dir = 0; dir <= 2; dir++) {
		st.direction = (uint8_t)dir;
		T_CHECK(pfs_merge_values_ok_ins(&st));
	}
	good_state(&st);
	st.af = 10;
	T_CHECK(pfs_merge_values_ok_ins(&st));
	st.af = 0;
	T_CHECK(!pfs_merge_values_ok_ins(&st));
	st.af = 24; /* NetBSD's AF_INET6, untranslated: not a Linux af */
	T_CHECK(!pfs_merge_values_ok_ins(&st));
	st.af = 2;
	T_CHECK(pfs_merge_values_ok_ins(&st));
}

static void msg_peer(struct pfs_peer *p, uint8_t scrub_valid)
{
	memset(p, 0, sizeof(*p));
	p->seqlo = 11;
	p->seqhi = 22;
	p->seqdiff = 33;
	p->max_win = 44;
	p->mss = 1460;
	p->state = 4;
	p->wscale = PFS_WSCALE_FLAG | 7;
	p->scrub.ts_mod = 0xdeadbeef;
	p->scrub.flags = 0x0001;
	p->scrub.ttl = 64;
	p->scrub.valid = scrub_valid;
}

static void check_non_scrub(const struct pfs_peer *l, const struct pfs_peer *m)
{
	T_EQ(l->seqlo, m->seqlo);
	T_EQ(l->seqhi, m->seqhi);
	T_EQ(l->seqdiff, m->seqdiff);
	T_EQ(l->max_win, m->max_win);
	T_EQ(l->mss, m->mss);
	T_EQ(l->state, m->state);
	T_EQ(l->wscale, m->wscale);
}

static void test_import_no_storage(void)
{
	struct pfs_peer l, m;

	/* src peer: no allocation, so valid message scrub is dropped */
	memset(&l, 0, sizeof(l));
	msg_peer(&m, PFS_SCRUB_FLAG_VALID);
	pfs_merge_import_peer(&l, &m, false);
	check_non_scrub(&l, &m);
	T_EQ(l.scrub.valid, 0);
	T_EQ(l.scrub.ts_mod, 0);
	T_EQ(l.scrub.ttl, 0);
	T_EQ(l.scrub.flags, 0);
}

static void test_import_alloc(void)
{
	struct pfs_peer l, m;

	/* dst peer: storage allocated, values copied */
	memset(&l, 0, sizeof(l));
	msg_peer(&m, PFS_SCRUB_FLAG_VALID);
	pfs_merge_import_peer(&l, &m, true);
	check_non_scrub(&l, &m);
	T_EQ(l.scrub.valid, PFS_SCRUB_FLAG_VALID);
	T_EQ(l.scrub.ts_mod, 0xdeadbeef);
	T_EQ(l.scrub.ttl, 64);
	T_EQ(l.scrub.flags, 1);

	/* message without scrub: nothing allocated */
	memset(&l, 0, sizeof(l));
	msg_peer(&m, 0);
	pfs_merge_import_peer(&l, &m, true);
	check_non_scrub(&l, &m);
	T_EQ(l.scrub.valid, 0);
	T_EQ(l.scrub.ts_mod, 0);

	/* nonzero but not VALID: storage appears, values are not copied */
	memset(&l, 0, sizeof(l));
	msg_peer(&m, 2);
	pfs_merge_import_peer(&l, &m, true);
	T_CHECK(l.scrub.valid != 0);
	T_EQ(l.scrub.ts_mod, 0);
	T_EQ(l.scrub.ttl, 0);
}

static void test_import_existing_storage(void)
{
	struct pfs_peer l, m;

	/* local storage kept when the message has none */
	memset(&l, 0, sizeof(l));
	l.scrub.valid = PFS_SCRUB_FLAG_VALID;
	l.scrub.ts_mod = 77;
	l.scrub.ttl = 9;
	l.scrub.flags = 1;
	msg_peer(&m, 0);
	pfs_merge_import_peer(&l, &m, false);
	check_non_scrub(&l, &m);
	T_EQ(l.scrub.valid, PFS_SCRUB_FLAG_VALID);
	T_EQ(l.scrub.ts_mod, 77);
	T_EQ(l.scrub.ttl, 9);

	/* existing storage (src peer) gets values without allocation */
	msg_peer(&m, PFS_SCRUB_FLAG_VALID);
	m.scrub.flags = 0xffff; /* only PFSS_TIMESTAMP survives */
	pfs_merge_import_peer(&l, &m, false);
	T_EQ(l.scrub.valid, PFS_SCRUB_FLAG_VALID);
	T_EQ(l.scrub.ts_mod, 0xdeadbeef);
	T_EQ(l.scrub.ttl, 64);
	T_EQ(l.scrub.flags, 1);

	/* storage already there is not reallocated (values survive) */
	msg_peer(&m, 2);
	pfs_merge_import_peer(&l, &m, true);
	T_EQ(l.scrub.valid, PFS_SCRUB_FLAG_VALID);
	T_EQ(l.scrub.ts_mod, 0xdeadbeef);
	T_EQ(l.scrub.ttl, 64);
}

int main(void)
{
	T_RUN(test_seq_gt_table);
	T_RUN(test_tcp_upd_exhaustive);
	T_RUN(test_tcp_upd_c_exhaustive);
	T_RUN(test_udp_exhaustive);
	T_RUN(test_icmp_exhaustive);
	T_RUN(test_synproxy_exception);
	T_RUN(test_order_examples);
	T_RUN(test_dst_seq_needs_syn_sent);
	T_RUN(test_values_ok_upd);
	T_RUN(test_values_ok_ins);
	T_RUN(test_import_no_storage);
	T_RUN(test_import_alloc);
	T_RUN(test_import_existing_storage);
	return t_done();
}
