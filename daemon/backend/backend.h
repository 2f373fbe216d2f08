/*
 * backend.h - where local states come from and where peers' states go:
 * one interface, two implementations.
 *
 *  - memory (mem.c): the engine's table is the firewall's table; local
 *    changes come from the control socket (add, update, kill, flush,
 *    churn: cmd/memfw.c).  It needs no op: every answer is the default.
 *  - conntrack (ctbackend.c over ctnl.h): the kernel's conntrack table;
 *    its events become the engine's local changes, peers' changes are
 *    written to it.
 *
 * Data flows one way: the backend feeds its local changes to the engine
 * (pfs_engine_insert/update/delete), the engine hands peers' changes
 * back through its ops, which the daemon passes on here (applied, adopt,
 * unconfirmed_of).  The hub (daemon.c, metrics.c, cmd/) calls only the
 * pfsd_backend_* functions below, never an implementation (it reads the
 * counters and filter they return), and never asks which one it has:
 * what one backend alone has is an optional op (NULL: the default answer
 * given below) or a flag in caps.
 *
 * Ownership: the daemon makes the backend with pfsd_backend_new (the
 * kind of the config, no I/O), starts it once its engine and table exist
 * (pfsd_backend_start: sockets, first dump), and frees it with
 * pfsd_backend_free, before the engine.  The backend keeps the engine,
 * table and loop of its env, owns nothing of them.  Every function is
 * NULL-safe: no backend (a daemon under test) answers as memory does.
 */
#ifndef PFSYNCD_BACKEND_H
#define PFSYNCD_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/engine.h"

#include "config.h"

struct pfsd_loop;
struct pfsd_ctfilter;
struct pfsd_ctnl_stats;
struct pfsd_ctlib_stats;
struct pfsd_ctexp_stats;
struct pfsd_ct_entry;
struct pfs_xexp;

/* What the backend needs of the daemon: the engine it feeds (whose
 * hostid is ours), its table (the mirror), the loop its sockets and
 * timers run on, kick(arg) after it changed the table from the loop (the
 * daemon re-arms the engine's timer), and the config it starts with. */
struct pfsd_backend_env {
	struct pfs_engine *engine;
	struct pfs_table *table;
	struct pfsd_loop *loop;
	void (*kick)(void *arg);
	void *arg;
	const struct pfsd_conf *conf;
};

/* caps: the states are the kernel's.  An unsealed peer can open
 * pinholes; the kernel's own tools change the table, not the control
 * socket (add, update, kill, flush and churn are refused); the kernel's
 * table can be full (table_full). */
#define PFSD_BK_KERNEL 0x1u

struct pfsd_backend_ops {
	const char *name; /* as in `backend NAME` */
	unsigned caps;	  /* PFSD_BK_* */
	/* The most states the backend's table holds, read now (0: no
	 * bound known), and its name for the logs (`limit states auto`). */
	uint32_t (*table_max)(void);
	const char *table_max_name;

	/* Open the sockets, read the table into the engine; -1 on error
	 * (logged).  *impl is what every other op gets. */
	int (*start)(const struct pfsd_backend_env *env, void **impl);
	void (*stop)(void *impl);
	/* A reload: the config's words again (conntrack: the filter). */
	void (*reload)(void *impl, const struct pfsd_conf *c);

	/* The engine's ops, passed on (engine.h): a peer's change to
	 * apply; may the peer's identity replace our state's; may an
	 * unconfirmed state be creatorid's. */
	void (*applied)(void *impl, enum pfs_op op, const struct pfs_state *st);
	bool (*adopt)(void *impl, const struct pfs_state *local,
		      const struct pfs_state *peer);
	bool (*unconfirmed_of)(void *impl, const struct pfs_state *st,
			       uint32_t creatorid);

	/* After every loop wakeup: some of the work queued (writes); true
	 * when more waits, so the loop comes back at once. */
	bool (*pump)(void *impl);
	/* Peers' changes waiting to reach the backend's table (0). */
	size_t (*waiting)(const void *impl);
	/* We ask peers for a bulk update: our connections may be carried
	 * elsewhere (conntrack: made liberal, ctliberal.h). */
	void (*bulk_asked)(void *impl);
	/* Work of that request still running, which keeps the node from
	 * counting as synced (false). */
	bool (*bulk_busy)(void *impl);
	/* The state limit in force (engine.h's max_states). */
	void (*set_limit)(void *impl, uint32_t max_states);
	/* Peers' new states the backend's table refused, full (0). */
	uint64_t (*table_full)(const void *impl);

	/* Only the conntrack backend's, NULL otherwise. */
	const struct pfsd_ctfilter *(*filter)(const void *impl);
	const struct pfsd_ctnl_stats *(*ct_stats)(const void *impl);
	const struct pfsd_ctlib_stats *(*lib_stats)(void *impl);
	/* A pfsyncd peer's conntrack expectation (engine.h's expect). */
	void (*expect)(void *impl, const struct pfs_xexp *x);
	const struct pfsd_ctexp_stats *(*exp_stats)(const void *impl);
	/* defer: the entry a queued packet makes (read from its headers)
	 * into the table, announced as its events would be (ctnl.h's
	 * pfsd_ctnl_queued). */
	const struct pfs_state *(*queued)(void *impl,
					  const struct pfsd_ct_entry *e,
					  bool *inserted);
};

extern const struct pfsd_backend_ops pfsd_backend_memory;    /* mem.c */
extern const struct pfsd_backend_ops pfsd_backend_conntrack; /* ctbackend.c */

struct pfsd_backend;

/* The backend of kind (config.h), not started; NULL with errno. */
struct pfsd_backend *pfsd_backend_new(enum pfsd_backend_kind kind);
int pfsd_backend_start(struct pfsd_backend *b,
		       const struct pfsd_backend_env *env);
void pfsd_backend_free(struct pfsd_backend *b);
void pfsd_backend_reload(struct pfsd_backend *b, const struct pfsd_conf *c);

const char *pfsd_backend_name(const struct pfsd_backend *b);
bool pfsd_backend_kernel(const struct pfsd_backend *b); /* PFSD_BK_KERNEL */
uint32_t pfsd_backend_table_max(const struct pfsd_backend *b,
				const char **name);

void pfsd_backend_applied(struct pfsd_backend *b, enum pfs_op op,
			  const struct pfs_state *st);
bool pfsd_backend_adopt(struct pfsd_backend *b, const struct pfs_state *local,
			const struct pfs_state *peer);
bool pfsd_backend_unconfirmed_of(struct pfsd_backend *b,
				 const struct pfs_state *st,
				 uint32_t creatorid);
bool pfsd_backend_pump(struct pfsd_backend *b);
size_t pfsd_backend_waiting(const struct pfsd_backend *b);
void pfsd_backend_bulk_asked(struct pfsd_backend *b);
bool pfsd_backend_bulk_busy(const struct pfsd_backend *b);
void pfsd_backend_set_limit(struct pfsd_backend *b, uint32_t max_states);
uint64_t pfsd_backend_table_full(const struct pfsd_backend *b);

/* NULL when the backend has none. */
const struct pfsd_ctfilter *pfsd_backend_filter(const struct pfsd_backend *b);
const struct pfsd_ctnl_stats *
pfsd_backend_ct_stats(const struct pfsd_backend *b);
const struct pfsd_ctlib_stats *
pfsd_backend_lib_stats(const struct pfsd_backend *b);
/* Dropped by a backend without expectations. */
void pfsd_backend_expect(struct pfsd_backend *b, const struct pfs_xexp *x);
const struct pfsd_ctexp_stats *
pfsd_backend_exp_stats(const struct pfsd_backend *b);
/* NULL (not synced) from a backend without queued entries. */
const struct pfs_state *pfsd_backend_queued(struct pfsd_backend *b,
					    const struct pfsd_ct_entry *e,
					    bool *inserted);

#endif
