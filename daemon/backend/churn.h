/*
 * churn.h - a state churn generator for benchmarks: on a 1 ms loop timer
 * it creates, updates and deletes states of the memory backend through
 * the engine, at RATE changes per second in total, keeping at most MAX
 * live states, for SECONDS seconds.
 */
#ifndef PFSYNCD_CHURN_H
#define PFSYNCD_CHURN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PFSD_CHURN_TICK_MS	1
#define PFSD_CHURN_MAX_PER_TICK 20000 /* catch-up bound after a stall */

struct pfsd_churn;
struct pfsd_loop;
struct pfs_engine;
struct pfs_table;

/* What a run works on: the memory backend's table through its engine,
 * timers on loop, and kick(arg) after each batch of changes (to re-arm
 * the engine's timer). */
struct pfsd_churn_env {
	struct pfsd_loop *loop;
	struct pfs_engine *engine;
	struct pfs_table *table;
	uint32_t hostid;
	void (*kick)(void *arg);
	void *arg;
};

struct pfsd_churn_stats {
	uint64_t created;
	uint64_t updated;
	uint64_t deleted;
	uint64_t failed; /* engine refused (e.g. state flushed meanwhile) */
	size_t live;
	bool running;
};

/* Start a run; NULL with errno (EINVAL for a zero rate or max). */
struct pfsd_churn *pfsd_churn_start(const struct pfsd_churn_env *env,
				    unsigned rate, unsigned seconds,
				    unsigned max);
/* Stamp each change with its time for the peer's latency histogram
 * (latency.h); off by default. */
void pfsd_churn_set_stamp(struct pfsd_churn *c, bool on);
/* Create only, up to MAX live states, then end the run (fills a table
 * for a bulk update benchmark); off by default. */
void pfsd_churn_set_fill(struct pfsd_churn *c, bool on);
/* Stop (if running) and free; the states it made stay. NULL-safe. */
void pfsd_churn_free(struct pfsd_churn *c);
const struct pfsd_churn_stats *pfsd_churn_stats(const struct pfsd_churn *c);

#endif
