/*
 * test_bsdproto.c - what a BSD peer's wire holds of SCTP, GRE and the
 * rest (bsdproto.h): the translation case by case, then engines pinned
 * to FreeBSD 1400, FreeBSD 1301 and OpenBSD framing an SCTP, a GRE and a
 * protocol 253 state, decoded back by the v5 and v6 codecs, with the
 * counters of what was left out.
 */
#include <netinet/in.h>
#include <string.h>

#include "pfsync/bsdproto.h"
#include "pfsync/dialect.h"
#include "pfsync/engine.h"
#include "pfsync/table.h"
#include "pfsync/wire_v5.h"
#include "pfsync/wire_v6.h"
#include "t.h"
#include "t_bsd.h"
#include "t_eng.h"
#include "sim.h"

static struct pfs_state proto_state(uint64_t id, uint8_t proto, uint8_t s,
				    uint8_t d)
{
	struct pfs_state st = sim_state(id, TE_HOST);

	st.proto = proto;
	st.src.state = s;
	st.dst.state = d;
	st.timeout = PFS_TM_OTHER_MULTIPLE;
	return st;
}

static void test_fit(void)
{
	struct pfs_state st;
	enum pfs_bsdp_stat why = PFS_BSDP_NSTATS;

	st = proto_state(1, IPPROTO_SCTP, 8, 8);
	T_EQ(pfs_bsdproto_fit(PFS_DIALECT_V5, 1400, &st, &why), 0);
	T_EQ(st.timeout, 22); /* PFTM_SCTP_ESTABLISHED */
	T_CHECK(st.lan.port != 0); /* FreeBSD keys SCTP by ports */
	st = proto_state(1, IPPROTO_SCTP, 2, 0);
	T_EQ(pfs_bsdproto_fit(PFS_DIALECT_V5, 1500, &st, &why), 0);
	T_EQ(st.timeout, 21); /* PFTM_SCTP_OPENING */
	st = proto_state(1, IPPROTO_SCTP, PFS_SCTPS_SHUTDOWN, 8);
	T_EQ(pfs_bsdproto_fit(PFS_DIALECT_V5, 1400, &st, &why), -1);
	T_EQ(why, PFS_BSDP_SCTP_CLOSING);
	st = proto_state(1, IPPROTO_SCTP, 8, 8);
	T_EQ(pfs_bsdproto_fit(PFS_DIALECT_V5, 1301, &st, &why), -1);
	T_EQ(why, PFS_BSDP_SCTP_NOWIRE);
	T_EQ(pfs_bsdproto_fit(PFS_DIALECT_V6, 0, &st, &why), -1);
	T_EQ(why, PFS_BSDP_SCTP_NOWIRE);
	/* GRE keys: 0, counted */
	st = proto_state(1, IPPROTO_GRE, 2, 1);
	why = PFS_BSDP_NSTATS;
	T_EQ(pfs_bsdproto_fit(PFS_DIALECT_V6, 0, &st, &why), 1);
	T_EQ(why, PFS_BSDP_PORTS);
	T_EQ(st.lan.port, 0);
	T_EQ(st.gwy.port, 0);
	T_EQ(st.ext.port, 0);
	T_EQ(st.timeout, PFS_TM_OTHER_MULTIPLE);
	/* already 0: as it is */
	T_EQ(pfs_bsdproto_fit(PFS_DIALECT_V5, 1301, &st, &why), 0);
	/* TCP, UDP: untouched; v3: untouched */
	st = proto_state(1, IPPROTO_UDP, 2, 2);
	T_EQ(pfs_bsdproto_fit(PFS_DIALECT_V6, 0, &st, &why), 0);
	T_CHECK(st.lan.port != 0);
	st = proto_state(1, IPPROTO_SCTP, PFS_SCTPS_DONE, PFS_SCTPS_DONE);
	T_EQ(pfs_bsdproto_fit(PFS_DIALECT_V3, 0, &st, &why), 0);
	T_EQ(st.timeout, PFS_TM_OTHER_MULTIPLE);
	T_EQ(pfs_bsdp_stat_name(PFS_BSDP_PORTS)[0], 'b');
	T_EQ(pfs_bsdp_stat_name(PFS_BSDP_NSTATS)[0], '?');
}

/* Three states inserted in one packet: SCTP established, GRE with keys,
 * protocol 253. */
static void insert_three(struct te *te)
{
	struct pfs_state a = proto_state(0x301, IPPROTO_SCTP, 8, 8);
	struct pfs_state b = proto_state(0x302, IPPROTO_GRE, 2, 2);
	struct pfs_state c = proto_state(0x303, 253, 1, 0);

	c.lan.port = c.gwy.port = c.ext.port = 0;
	T_EQ(pfs_engine_insert(te->e, &a, TE_T0), 0);
	T_EQ(pfs_engine_insert(te->e, &b, TE_T0), 0);
	T_EQ(pfs_engine_insert(te->e, &c, TE_T0), 0);
	pfs_engine_flush(te->e, TE_T0);
}

/* FreeBSD 1400: SCTP with its classes, GRE without keys, 253 as is. */
static void test_engine_v5_1400(void)
{
	struct pfs_v5_frame f;
	struct pfs_v5_section s;
	union pfs_v5_record r;
	struct te te;
	const uint64_t *c;

	te_open(&te, PFS_DIALECT_V5, 1400);
	insert_three(&te);
	T_EQ(te.n, 1);
	T_EQ(pfs_v5_frame_parse(te.p[0].wire, te.p[0].wlen, &f), 0);
	T_EQ(pfs_v5_frame_next(&f, &s), 0);
	T_EQ(s.sub.count, 3);
	pfs_v5_section_record(&s, 0, &r);
	T_EQ(r.state.st.proto, IPPROTO_SCTP);
	T_EQ(r.state.st.timeout, 22);
	T_EQ(r.state.st.src.state, 8);
	T_CHECK(r.state.st.lan.port != 0);
	pfs_v5_section_record(&s, 1, &r);
	T_EQ(r.state.st.proto, IPPROTO_GRE);
	T_EQ(r.state.st.lan.port, 0);
	T_EQ(r.state.st.ext.port, 0);
	T_EQ(pfs_bsd_state_check(&r.state), 0);
	pfs_v5_section_record(&s, 2, &r);
	T_EQ(r.state.st.proto, 253);
	c = pfs_engine_bsdp_stats(te.e);
	T_EQ(c[PFS_BSDP_PORTS], 1);
	T_EQ(c[PFS_BSDP_SCTP_NOWIRE], 0);
	/* the association shuts down: its update is not sent, counted */
	{
		struct pfs_state u = proto_state(0x301, IPPROTO_SCTP,
						 PFS_SCTPS_SHUTDOWN, 8);

		T_EQ(pfs_engine_update(te.e, &u, TE_T0 + 1), 0);
		pfs_engine_flush(te.e, TE_T0 + 1);
	}
	T_EQ(c[PFS_BSDP_SCTP_CLOSING], 1);
	T_EQ(te.p[te.n - 1].has_wire, false); /* nothing left to send */
	/* the table still follows it */
	T_EQ(pfs_table_find_id(te.t, 0x301, TE_HOST)->src.state,
	     PFS_SCTPS_SHUTDOWN);
	te_close(&te);
}

/* FreeBSD 1301 and OpenBSD: no SCTP, the rest. */
static void test_engine_no_sctp(void)
{
	struct pfs_v6_frame f6;
	struct pfs_v6_section s6;
	union pfs_v6_record r6;
	struct pfs_v5_frame f;
	struct pfs_v5_section s;
	struct te te;

	te_open(&te, PFS_DIALECT_V5, 1301);
	insert_three(&te);
	T_EQ(pfs_v5_frame_parse(te.p[0].wire, te.p[0].wlen, &f), 0);
	T_EQ(pfs_v5_frame_next(&f, &s), 0);
	T_EQ(s.sub.count, 2);
	T_EQ(pfs_engine_bsdp_stats(te.e)[PFS_BSDP_SCTP_NOWIRE], 1);
	te_close(&te);

	te_open(&te, PFS_DIALECT_V6, 0);
	insert_three(&te);
	T_EQ(pfs_v6_frame_parse(te.p[0].wire, te.p[0].wlen, &f6), 0);
	T_EQ(pfs_v6_frame_next(&f6, &s6), 0);
	T_EQ(s6.sub.count, 2);
	pfs_v6_section_record(&s6, 0, &r6);
	T_EQ(r6.state.st.proto, IPPROTO_GRE);
	T_EQ(r6.state.st.lan.port, 0);
	T_EQ(pfs_engine_bsdp_stats(te.e)[PFS_BSDP_SCTP_NOWIRE], 1);
	T_EQ(pfs_engine_bsdp_stats(te.e)[PFS_BSDP_PORTS], 1);
	/* pfsync0's copy is the same framing, not counted again */
	T_EQ(te.p[0].llen, te.p[0].wlen);
	te_close(&te);
}

int main(void)
{
	T_RUN(test_fit);
	T_RUN(test_engine_v5_1400);
	T_RUN(test_engine_no_sctp);
	return t_done();
}
