/*
 * test_ctwr.c - the conntrack writer's queue (ctwr.h): requests wait in a
 * ring that grows, a state already waiting is coalesced in place, the
 * ring's memory goes back when it empties.  Nothing is sent: the socket
 * is opened (it needs no privilege) but never flushed, so no kernel
 * table is touched.
 */
#include <errno.h>
#include <string.h>

#include "backend/ctwr.h"
#include "t.h"

static unsigned ndone;

static void done(void *arg, const struct pfsd_ctwr_req *r)
{
	(void)arg, (void)r;
	ndone++;
}

static struct pfsd_ct_entry entry(uint32_t n)
{
	struct pfsd_ct_entry e;

	memset(&e, 0, sizeof(e));
	e.af = 2;
	e.orig.proto = e.reply.proto = 6;
	e.orig.src.a[0] = 10;
	memcpy(&e.orig.src.a[1], &n, 3); /* 10.x.y.z, x y z from n */
	e.orig.dst.a[0] = 10;
	e.orig.dst.a[1] = 100;
	e.orig.dst.a[3] = 1;
	e.orig.sport = 40000;
	e.orig.dport = 80;
	e.orig.ok = 1;
	e.reply.src = e.orig.dst;
	e.reply.dst = e.orig.src;
	e.reply.sport = e.orig.dport;
	e.reply.dport = e.orig.sport;
	e.reply.ok = 1;
	e.tcp_state = 3;
	e.timeout = 100;
	return e;
}

static void test_coalesce(void)
{
	struct pfsd_ctwr *w = pfsd_ctwr_new(done, NULL);
	struct pfsd_ct_entry e = entry(1);
	uint32_t i;

	T_CHECK(w != NULL);
	T_EQ(pfsd_ctwr_waiting(w), 0);
	T_EQ(pfsd_ctwr_put(w, &e, PFSD_CTWR_UPSERT, 7, 0x100), 0);
	e.timeout = 200;
	T_EQ(pfsd_ctwr_put(w, &e, PFSD_CTWR_UPSERT, 7, 0x100), 0);
	T_EQ(pfsd_ctwr_put(w, &e, PFSD_CTWR_DELETE, 7, 0x100), 0);
	T_EQ(pfsd_ctwr_waiting(w), 1); /* one state, one request */
	T_EQ(pfsd_ctwr_stats(w)->coalesced, 2);
	/* another creator's state with the same id is another state */
	T_EQ(pfsd_ctwr_put(w, &e, PFSD_CTWR_UPSERT, 7, 0x200), 0);
	T_EQ(pfsd_ctwr_waiting(w), 2);
	/* 100 000 states: the ring grows; each one coalesces once */
	for (i = 0; i < 100000; i++) {
		e = entry(i);
		T_EQ(pfsd_ctwr_put(w, &e, PFSD_CTWR_UPSERT, 1000 + i, 0x300),
		     0);
	}
	T_EQ(pfsd_ctwr_waiting(w), 100002);
	for (i = 0; i < 100000; i += 7) {
		e = entry(i);
		T_EQ(pfsd_ctwr_put(w, &e, PFSD_CTWR_DELETE, 1000 + i, 0x300),
		     0);
	}
	T_EQ(pfsd_ctwr_waiting(w), 100002);
	T_EQ(pfsd_ctwr_stats(w)->coalesced, 2 + (100000 + 6) / 7);
	T_CHECK(pfsd_ctwr_stats(w)->pend_max == 100002);
	T_CHECK(pfsd_ctwr_stats(w)->pend_cap >= 100002);
	T_EQ(ndone, 0); /* nothing was sent, nothing reported */
	pfsd_ctwr_free(w);
}

/* The bound (pfsd_ctwr_set_max): a power of two from 1024 to 4 M; the
 * ring grows to it and no further (the put after it writes first, which
 * this test does not reach: it would touch the kernel). */
static void test_bound(void)
{
	struct pfsd_ctwr *w = pfsd_ctwr_new(done, NULL);
	struct pfsd_ct_entry e;
	uint32_t i;

	T_CHECK(w != NULL);
	T_EQ(pfsd_ctwr_stats(w)->pend_bound, 1u << 22); /* unset: 4 M */
	pfsd_ctwr_set_max(w, 0);
	T_EQ(pfsd_ctwr_stats(w)->pend_bound, 1024);
	pfsd_ctwr_set_max(w, 5000);
	T_EQ(pfsd_ctwr_stats(w)->pend_bound, 8192);
	pfsd_ctwr_set_max(w, (size_t)1 << 40);
	T_EQ(pfsd_ctwr_stats(w)->pend_bound, 1u << 22);
	pfsd_ctwr_set_max(w, 250); /* limit states 1000, a quarter */
	for (i = 0; i < 1024; i++) {
		e = entry(i);
		T_EQ(pfsd_ctwr_put(w, &e, PFSD_CTWR_UPSERT, 1 + i, 0x300), 0);
	}
	T_EQ(pfsd_ctwr_waiting(w), 1024);
	T_EQ(pfsd_ctwr_stats(w)->pend_cap, 1024);
	T_EQ(pfsd_ctwr_stats(w)->full, 0);
	T_EQ(ndone, 0);
	pfsd_ctwr_free(w);
}

int main(void)
{
	T_RUN(test_coalesce);
	T_RUN(test_bound);
	return t_done();
}
