/*
 * test_peerstat.c - the per-peer counters of a unicast cluster
 * (peerstat.h): the peer list without 0 and repeats, counters kept for
 * the peers a new list keeps and dropped for the others, and one
 * section per peer named by its address (an IPv6 peer's too).
 */
#include <string.h>

#include "net/peeraddr.h"
#include "net/peerstat.h"
#include "t.h"

#define P1 0x0a000001u
#define P2 0x0a000002u
#define P3 0x0a000003u

static void test_set_skips(void)
{
	static const uint32_t keys[] = {P1, 0, P2, P1, P3};
	struct pfsd_peerstat ps;

	memset(&ps, 0, sizeof(ps));
	pfsd_peerstat_set(&ps, keys, 5);
	T_EQ(ps.n, 3);
	T_EQ(ps.p[0].key, P1);
	T_EQ(ps.p[1].key, P2);
	T_EQ(ps.p[2].key, P3);
	T_CHECK(pfsd_peerstat_find(&ps, 0) == NULL);
	T_CHECK(pfsd_peerstat_find(&ps, 0x0a000009u) == NULL);
}

static void test_set_keeps(void)
{
	static const uint32_t first[] = {P1, P2}, next[] = {P3, P2};
	struct pfsd_peerstat ps;
	struct pfsd_peerstat_ent *e;

	memset(&ps, 0, sizeof(ps));
	pfsd_peerstat_set(&ps, first, 2);
	pfsd_peerstat_find(&ps, P1)->rx = 7;
	pfsd_peerstat_find(&ps, P2)->tx = 5;
	pfsd_peerstat_find(&ps, P2)->tx_err = 1;
	pfsd_peerstat_set(&ps, next, 2);
	T_EQ(ps.n, 2);
	T_CHECK(pfsd_peerstat_find(&ps, P1) == NULL);
	e = pfsd_peerstat_find(&ps, P2);
	T_CHECK(e != NULL && e->tx == 5 && e->tx_err == 1 && e->rx == 0);
	e = pfsd_peerstat_find(&ps, P3);
	T_CHECK(e != NULL && e->rx == 0 && e->tx == 0);
}

/* More keys than fit: the first PFSD_PEERSTAT_MAX are kept. */
static void test_set_full(void)
{
	uint32_t keys[PFSD_PEERSTAT_MAX + 3];
	struct pfsd_peerstat ps;
	size_t i;

	for (i = 0; i < PFSD_PEERSTAT_MAX + 3; i++)
		keys[i] = P1 + (uint32_t)i;
	memset(&ps, 0, sizeof(ps));
	pfsd_peerstat_set(&ps, keys, PFSD_PEERSTAT_MAX + 3);
	T_EQ(ps.n, PFSD_PEERSTAT_MAX);
	T_CHECK(pfsd_peerstat_find(&ps, keys[PFSD_PEERSTAT_MAX]) == NULL);
}

static void test_sections(void)
{
	static const uint8_t a6[16] = {0xfd, 0x93, [15] = 3};
	struct pfsd_tp_section s[3];
	struct pfsd_peeraddr pa;
	struct pfsd_peerstat ps;
	uint32_t keys[2];

	memset(&pa, 0, sizeof(pa));
	memset(&ps, 0, sizeof(ps));
	keys[0] = P2;
	keys[1] = pfsd_peeraddr_pin(&pa, a6);
	pfsd_peerstat_set(&ps, keys, 2);
	ps.p[0].rx = 4;
	ps.p[0].tx = 6;
	T_EQ(pfsd_peerstat_sections(&ps, &pa, s, 3), 2);
	T_CHECK(strcmp(s[0].what, "10.0.0.2") == 0);
	T_CHECK(strcmp(s[0].what_label, "peer") == 0);
	T_CHECK(strcmp(s[0].head, "peer 10.0.0.2:") == 0);
	T_EQ(pfsd_tp_line_v(&s[0], "peer_rx"), 4);
	T_EQ(pfsd_tp_line_v(&s[0], "peer_tx"), 6);
	T_EQ(pfsd_tp_line_v(&s[0], "peer_send_errors"), 0);
	T_CHECK(strcmp(s[1].what, "fd93::3") == 0);
	T_EQ(pfsd_peerstat_sections(&ps, &pa, s, 1), 1); /* room for one */
}

int main(void)
{
	T_RUN(test_set_skips);
	T_RUN(test_set_keeps);
	T_RUN(test_set_full);
	T_RUN(test_sections);
	return t_done();
}
