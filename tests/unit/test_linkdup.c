/*
 * test_linkdup.c - one copy of each packet over several sync links
 * (linkdup.h): copies dropped in any order, repeats of the same bytes
 * kept, late copies after the window taken again, a peer's addresses
 * joined into one key, and where a packet to a key goes on each link.
 */
#include <stdlib.h>
#include <string.h>

#include "pfsync/wire_v3.h"

#include "net/linkdup.h"
#include "t.h"

#define A0 0x0a4e0001u /* the peer on link 0 */
#define A1 0x0a4d0001u /* the same peer on link 1 */

static const uint8_t ins[] = "INS state 1";
static const uint8_t del[] = "DEL state 1";

static struct pfsd_linkdup *mk(void)
{
	struct pfsd_linkdup *ld = pfsd_linkdup_new(T_HASHKEY);

	T_CHECK(ld != NULL);
	return ld;
}

static bool cp(struct pfsd_linkdup *ld, const uint8_t *p, unsigned link,
	       uint32_t src, uint64_t now)
{
	return pfsd_linkdup_copy(ld, p, sizeof(ins), link, src, now);
}

/* INS, DEL on link 0; their copies on link 1 later: dropped, so the
 * late INS does not bring the state back. */
static void test_late_copy_after_del(void)
{
	struct pfsd_linkdup *ld = mk();

	T_CHECK(!cp(ld, ins, 0, A0, 1000));
	T_CHECK(!cp(ld, del, 0, A0, 1001));
	T_CHECK(cp(ld, ins, 1, A1, 1002));
	T_CHECK(cp(ld, del, 1, A1, 1003));
	pfsd_linkdup_free(ld);
}

/* Copies interleaved the other way round: link 1 first. */
static void test_either_order(void)
{
	struct pfsd_linkdup *ld = mk();

	T_CHECK(!cp(ld, ins, 1, A1, 1000));
	T_CHECK(cp(ld, ins, 0, A0, 1000));
	T_CHECK(cp(ld, del, 0, A0, 1001) == false);
	T_CHECK(cp(ld, del, 1, A1, 1001));
	pfsd_linkdup_free(ld);
}

/* A BSD peer that sends the same bytes twice: both taken, their copies
 * on the other link both dropped, in any interleaving. */
static void test_repeats_kept(void)
{
	struct pfsd_linkdup *ld = mk();

	T_CHECK(!cp(ld, ins, 0, A0, 1000));
	T_CHECK(cp(ld, ins, 1, A1, 1000));
	T_CHECK(!cp(ld, ins, 0, A0, 1100)); /* the repeat */
	T_CHECK(!cp(ld, ins, 0, A0, 1200)); /* and another */
	T_CHECK(cp(ld, ins, 1, A1, 1201));
	T_CHECK(cp(ld, ins, 1, A1, 1202));
	T_CHECK(!cp(ld, ins, 1, A1, 1203)); /* a fourth, link 1 first */
	T_CHECK(cp(ld, ins, 0, A0, 1204));
	pfsd_linkdup_free(ld);
}

/* With one link alive every packet is taken, repeats too. */
static void test_one_link(void)
{
	struct pfsd_linkdup *ld = mk();
	unsigned i;

	for (i = 0; i < 5; i++)
		T_CHECK(!cp(ld, ins, 1, A1, 1000 + i));
	pfsd_linkdup_free(ld);
}

/* After the window a copy is news again. */
static void test_window(void)
{
	struct pfsd_linkdup *ld = mk();

	T_CHECK(!cp(ld, ins, 0, A0, 1000));
	T_CHECK(!cp(ld, ins, 1, A1, 1000 + PFSD_LINKDUP_WINDOW_MS + 1));
	pfsd_linkdup_free(ld);
}

/* A copy joins its sender's address to the first copy's node: the
 * engine sees one key, and packets to it go out on both links. */
static void test_join(void)
{
	struct pfsd_linkdup *ld = mk();
	uint32_t k0, k1;

	T_CHECK(!cp(ld, ins, 0, A0, 1000));
	k0 = pfsd_linkdup_key(ld, 0, A0, 1000);
	T_EQ(k0, A0);
	T_EQ(pfsd_linkdup_dst(ld, 1, k0), 0); /* not known there yet */
	T_CHECK(cp(ld, ins, 1, A1, 1001));
	T_EQ(pfsd_linkdup_joined(ld), 1);
	k1 = pfsd_linkdup_key(ld, 1, A1, 1002);
	T_EQ(k1, k0);
	T_EQ(pfsd_linkdup_dst(ld, 0, k0), A0);
	T_EQ(pfsd_linkdup_dst(ld, 1, k0), A1);
	T_EQ(pfsd_linkdup_dst(ld, 1, PFS_V3_GROUP), PFS_V3_GROUP);
	pfsd_linkdup_free(ld);
}

/* Two nodes learnt apart (each link's address delivered first once)
 * join into the older, whose key the engine has followed longest. */
static void test_join_merge(void)
{
	struct pfsd_linkdup *ld = mk();

	T_EQ(pfsd_linkdup_key(ld, 1, A1, 1000), A1); /* link 0 down */
	T_EQ(pfsd_linkdup_key(ld, 0, A0, 2000), A0); /* it came back */
	T_CHECK(!cp(ld, del, 0, A0, 2001));
	T_CHECK(cp(ld, del, 1, A1, 2002));
	T_EQ(pfsd_linkdup_key(ld, 0, A0, 2003), A1);
	T_EQ(pfsd_linkdup_key(ld, 1, A1, 2003), A1);
	T_EQ(pfsd_linkdup_dst(ld, 0, A1), A0);
	pfsd_linkdup_free(ld);
}

/* A configured peer: known on every link from the start. */
static void test_seed(void)
{
	struct pfsd_linkdup *ld = mk();
	uint32_t addr[PFSD_LINKDUP_LINKS] = {A0, A1};

	pfsd_linkdup_seed(ld, addr);
	T_EQ(pfsd_linkdup_dst(ld, 0, A0), A0);
	T_EQ(pfsd_linkdup_dst(ld, 1, A0), A1);
	T_EQ(pfsd_linkdup_dst(ld, 2, A0), 0);
	T_EQ(pfsd_linkdup_key(ld, 1, A1, 1000), A0);
	T_EQ(pfsd_linkdup_dst(ld, 0, 0x0a000009u), 0x0a000009u); /* no node */
	T_EQ(pfsd_linkdup_dst(ld, 1, 0x0a000009u), 0);
	pfsd_linkdup_free(ld);
}

/* A flood of distinct packets within the window: the table makes room
 * and says how often; copies of recent packets are still caught. */
static void test_flood(void)
{
	struct pfsd_linkdup *ld = mk();
	uint8_t p[8];
	uint32_t i, n = 100000;

	for (i = 0; i < n; i++) {
		memcpy(p, &i, sizeof(i));
		memcpy(p + 4, "pkt", 4);
		T_CHECK(!pfsd_linkdup_copy(ld, p, sizeof(p), 0, A0, 1000));
	}
	T_CHECK(pfsd_linkdup_evicted(ld) > 0);
	T_CHECK(pfsd_linkdup_evicted(ld) < n);
	T_CHECK(pfsd_linkdup_copy(ld, p, sizeof(p), 1, A1, 1001));
	pfsd_linkdup_free(ld);
}

int main(void)
{
	T_RUN(test_late_copy_after_del);
	T_RUN(test_either_order);
	T_RUN(test_repeats_kept);
	T_RUN(test_one_link);
	T_RUN(test_window);
	T_RUN(test_join);
	T_RUN(test_join_merge);
	T_RUN(test_seed);
	T_RUN(test_flood);
	return t_done();
}
