/*
 * churn.c - the churn generator (see churn.h).  Live states are kept in a
 * FIFO ring of (id, creatorid): deletes take the oldest, updates a random
 * one.  The number of changes due is computed from the start time, so a
 * late tick catches up (bounded) instead of drifting.
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"

#include "backend/churn.h"
#include "backend/memstate.h"
#include "metrics/latency.h"
#include "os/log.h"
#include "loop.h"

struct churn_ref {
	uint64_t id;
	uint32_t creatorid;
};

struct pfsd_churn {
	struct pfsd_churn_env env;
	unsigned rate;
	uint64_t start_ms, end_ms;
	uint64_t done; /* changes made so far */
	uint64_t rng;
	uint32_t flow; /* next flow number: unique addresses */
	int timer_id;
	bool stamp; /* mark each change with its time (latency.h) */
	bool fill;  /* creates only, until max live states: then stop */
	struct churn_ref *ring;
	size_t cap, head, live;
	struct pfsd_churn_stats stats;
};

static uint64_t churn_rand(struct pfsd_churn *c)
{
	/* xorshift64: a cheap, good enough mix for choosing actions */
	c->rng ^= c->rng << 13;
	c->rng ^= c->rng >> 7;
	c->rng ^= c->rng << 17;
	return c->rng;
}

static void churn_put_v4(struct pfs_addr *a, uint32_t v)
{
	memset(a, 0, sizeof(*a));
	a->a[0] = (uint8_t)(v >> 24);
	a->a[1] = (uint8_t)(v >> 16);
	a->a[2] = (uint8_t)(v >> 8);
	a->a[3] = (uint8_t)v;
}

/* 10.128.0.0/9 -> 10.255.0.1:443; flow n gives a unique lan key. */
static void churn_create(struct pfsd_churn *c, uint64_t now)
{
	struct pfs_state st;
	struct churn_ref *r;
	uint32_t n = c->flow++;

	pfsd_memstate_new(c->env.engine, c->env.hostid, (uint32_t)(now / 1000),
			  &st, IPPROTO_TCP, PFS_TCPS_ESTABLISHED,
			  PFS_TCPS_ESTABLISHED);
	st.af = AF_INET;
	st.direction = PFS_DIR_OUT;
	memcpy(st.ifname, "all", 4);
	churn_put_v4(&st.lan.addr, 0x0a800000u | (n >> 14 & 0x7fffff));
	st.lan.port = (uint16_t)(1024 + (n & 0x3fff));
	st.gwy = st.lan;
	churn_put_v4(&st.ext.addr, 0x0aff0001u);
	st.ext.port = 443;
	if (c->stamp)
		pfsd_latency_stamp(&st, pfsd_latency_now_us());
	if (pfs_engine_insert(c->env.engine, &st, now) == -1) {
		c->stats.failed++;
		return;
	}
	r = &c->ring[(c->head + c->live) % c->cap];
	r->id = st.id;
	r->creatorid = st.creatorid;
	c->live++;
	c->stats.created++;
}

static void churn_update(struct pfsd_churn *c, uint64_t now)
{
	const struct churn_ref *r =
	    &c->ring[(c->head + churn_rand(c) % c->live) % c->cap];
	struct pfs_state *cur, st;

	cur = pfs_table_find_id(c->env.table, r->id, r->creatorid);
	if (cur == NULL) {
		c->stats.failed++;
		return;
	}
	st = *cur;
	st.src.seqlo += 1448;
	st.src.seqhi = st.src.seqlo + st.dst.max_win;
	st.packets[0]++;
	st.bytes[0] += 1448;
	st.expire = (uint32_t)(now / 1000) + pfs_timeout_default(st.timeout);
	if (c->stamp)
		pfsd_latency_stamp(&st, pfsd_latency_now_us());
	if (pfs_engine_update(c->env.engine, &st, now) == -1)
		c->stats.failed++;
	else
		c->stats.updated++;
}

static void churn_delete(struct pfsd_churn *c, uint64_t now)
{
	const struct churn_ref *r = &c->ring[c->head];

	if (pfs_engine_delete(c->env.engine, r->id, r->creatorid, now) == -1)
		c->stats.failed++;
	else
		c->stats.deleted++;
	c->head = (c->head + 1) % c->cap;
	c->live--;
}

/*
 * n changes, each a create, an update or a delete at random (a third
 * each), made grouped by kind: a pfsync v3 packet carries one action, so
 * interleaved kinds would each close the pending packet (one or two
 * records a packet); grouped, packets fill up.  Deletes (the oldest)
 * first, then creates, then updates; a change the bounds forbid becomes
 * one of the next kind.
 */
static void churn_batch(struct pfsd_churn *c, uint64_t n, uint64_t now)
{
	uint64_t k[3] = {0, 0, 0}, i;

	if (c->fill) {
		for (i = 0; i < n && c->live < c->cap; i++)
			churn_create(c, now);
		return;
	}
	for (i = 0; i < n; i++)
		k[churn_rand(c) % 3]++;
	for (i = 0; i < k[2]; i++) {
		if (c->live == 0)
			k[0]++;
		else
			churn_delete(c, now);
	}
	for (i = 0; i < k[0]; i++) {
		if (c->live >= c->cap)
			k[1]++;
		else
			churn_create(c, now);
	}
	for (i = 0; i < k[1]; i++) {
		if (c->live == 0)
			churn_create(c, now);
		else
			churn_update(c, now);
	}
}

static void churn_tick(void *arg);

static void churn_stop(struct pfsd_churn *c)
{
	if (c->timer_id > 0)
		pfsd_loop_timer_cancel(c->env.loop, c->timer_id);
	c->timer_id = 0;
	if (c->stats.running)
		log_info("churn: done, %llu created, %llu updated, "
			 "%llu deleted, %llu failed",
			 (unsigned long long)c->stats.created,
			 (unsigned long long)c->stats.updated,
			 (unsigned long long)c->stats.deleted,
			 (unsigned long long)c->stats.failed);
	c->stats.running = false;
}

static void churn_tick(void *arg)
{
	struct pfsd_churn *c = arg;
	uint64_t now = pfsd_now_ms();
	uint64_t t = now < c->end_ms ? now : c->end_ms;
	uint64_t due = (t - c->start_ms) * c->rate / 1000;
	uint64_t n = due > c->done ? due - c->done : 0;

	c->timer_id = 0;
	if (n > PFSD_CHURN_MAX_PER_TICK)
		n = PFSD_CHURN_MAX_PER_TICK;
	churn_batch(c, n, now);
	c->done += n;
	c->stats.live = c->live;
	c->env.kick(c->env.arg);
	if (now >= c->end_ms || (c->fill && c->live >= c->cap)) {
		churn_stop(c);
		return;
	}
	c->timer_id = pfsd_loop_timer_add(c->env.loop, now + PFSD_CHURN_TICK_MS,
					  churn_tick, c);
	if (c->timer_id < 0) {
		log_warn("churn timer");
		c->timer_id = 0;
		c->stats.running = false;
	}
}

struct pfsd_churn *pfsd_churn_start(const struct pfsd_churn_env *env,
				    unsigned rate, unsigned seconds,
				    unsigned max)
{
	struct pfsd_churn *c;

	if (rate == 0 || max == 0) {
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return NULL;
	c->ring = calloc(max, sizeof(*c->ring));
	if (c->ring == NULL) {
		free(c);
		return NULL;
	}
	c->env = *env;
	c->cap = max;
	c->rate = rate;
	c->start_ms = pfsd_now_ms();
	c->end_ms = c->start_ms + (uint64_t)seconds * 1000;
	c->rng = c->start_ms * 0x9e3779b97f4a7c15ull | 1;
	c->flow = (uint32_t)churn_rand(c);
	c->stats.running = true;
	c->timer_id =
	    pfsd_loop_timer_add(env->loop, c->start_ms, churn_tick, c);
	if (c->timer_id < 0) {
		pfsd_churn_free(c);
		return NULL;
	}
	return c;
}

void pfsd_churn_free(struct pfsd_churn *c)
{
	if (c == NULL)
		return;
	churn_stop(c);
	free(c->ring);
	free(c);
}

void pfsd_churn_set_stamp(struct pfsd_churn *c, bool on)
{
	c->stamp = on;
}

void pfsd_churn_set_fill(struct pfsd_churn *c, bool on)
{
	c->fill = on;
}

const struct pfsd_churn_stats *pfsd_churn_stats(const struct pfsd_churn *c)
{
	return &c->stats;
}
