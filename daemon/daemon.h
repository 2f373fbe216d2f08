/*
 * daemon.h - the pfsyncd object: the config in force, the state table
 * (memory backend: it is the firewall's table), the sync engine and its
 * timer, the wire transport, the pfsync0 tap, the control socket and the
 * churn generator, wired together on one event loop.
 */
#ifndef PFSYNCD_DAEMON_H
#define PFSYNCD_DAEMON_H

#include <stdbool.h>
#include <stdint.h>

#include "pfsync/engine.h"
#include "pfsync/table.h"

#include "config.h"
#include "control.h"
#include "metrics/latency.h"
#include "loop.h"
#include "net/peeraddr.h"
#include "net/peers.h"

/* The state limit with the memory backend, and with conntrack when
 * nf_conntrack_max cannot be read (`limit states auto`): 1 M states
 * take about 250 MB of table and 45 MB of write queue at most. */
#define PFSD_STATE_LIMIT (1u << 20)
#define PFSD_CT_MAX_PATH "/proc/sys/net/netfilter/nf_conntrack_max"

struct pfsd_tp;
struct pfsd_tun;
struct pfsd_control;
struct pfsd_churn;
struct pfsd_capture;
struct pfsd_backend;
struct pfsd_mhttp;
struct pfsd_crypt;
struct pfsd_defer;

/* Creators the metrics name one by one; more are summed as "other". */
#define PFSD_METRICS_CREATORS 64

/* The metrics' count of states per creator (metrics.c), taken from the
 * engine's counts (no walk of the table) and reused for a while. */
struct pfsd_creator_walk {
	bool done;	/* at_ms and the counts are set */
	uint64_t at_ms; /* when the table was walked */
	size_t n;	/* creators listed */
	uint64_t other; /* states of the creators past the list */
	struct {
		uint32_t id;
		uint64_t n;
	} cr[PFSD_METRICS_CREATORS];
};

/*
 * What the daemon serves but does not know, given by main: the modules
 * that read the whole daemon sit above it, so it depends on none of them.
 * Each is called with the struct pfsd_daemon as ctx.
 */
struct pfsd_daemon_serve {
	pfsd_ctl_handler command;			/* cmd/cmd.h */
	void (*metrics)(void *ctx, struct pfsd_out *o); /* metrics.h */
};

struct pfsd_daemon {
	struct pfsd_conf conf;	/* as configured (hostid may be 0) */
	char conf_path[256];	/* "" when started without a file */
	uint32_t hostid;	/* in force: never 0 */
	unsigned mtu;		/* syncdev MTU in force (engine's) */
	struct pfsd_loop *loop;
	struct pfs_table *table;
	struct pfs_engine *engine;
	struct pfsd_tp *tp;	/* the sync transport (tp.h) */
	struct pfsd_tun *tun;
	struct pfsd_control *ctl;
	struct pfsd_capture *cap;
	struct pfsd_churn *churn;
	struct pfsd_backend *bk; /* memory or conntrack (backend/backend.h) */
	struct pfsd_crypt *crypt; /* sealed packets, NULL without a key */
	struct pfsd_defer *dfr;	  /* defer on (defer.h), else NULL */
	int timer_id;		/* engine timer, 0 when not armed */
	int tap_timer;		/* pfsync0 listener poll, 0 when none */
	int trim_timer;		/* heap trim (daemon.c), 0 when none */
	size_t trim_free;	/* the heap's free bytes at the last trim */
	uint64_t timer_at;
	uint64_t bulk_started;	/* ms of our last bulk request */
	bool synced;		/* last ops->synced report */
	bool bulk_written;	/* that bulk's states all reached the kernel */
	uint64_t started_ms;	/* pfsd_now_ms() at start (doctor) */
	size_t rx_max_len;	/* largest pfsync packet received (doctor) */
	uint64_t send_fail;	/* packets the transport failed to send */
	bool cap_failed;	/* a capture write failed (logged once) */
	uint64_t rx_now_us;	/* arrival time of the packet being applied */
	uint64_t applied[3];	/* peer changes applied, by enum pfs_op */
	uint64_t rx_drops;	/* the sync socket's kernel drops seen */
	uint64_t ipackets6;	/* packets handed to the engine from IPv6 */
	uint64_t opackets6;	/* packets the engine sent over IPv6 */
	uint64_t rx_drops_old;	/* those of sockets replaced by a reload */
	uint64_t rx_drops_logged; /* count at the last log line */
	uint64_t rx_drops_logged_at; /* ms of that line */
	uint64_t bulk_lossy;	/* bulk updates asked again after a loss */
	uint64_t bulk_resent;	/* bulk walks sent round again after a
				   send failure */
	uint32_t state_limit;	/* states held at most, in force */
	const char *state_limit_why; /* "configured", "nf_conntrack_max",
					"default" */
	uint64_t lim_logged[3];	/* peer, local, kernel refusals logged */
	uint64_t lim_logged_at;	/* ms of that line, 0 = none yet */
	struct pfsd_latency lat; /* delays of stamped changes (latency.h) */
	struct pfsd_peers peers; /* who we hear from, and when (peers.h) */
	struct pfsd_peeraddr paddr; /* IPv6 peers' engine keys (peeraddr.h) */
	uint32_t syncpeer_key;	    /* the engine's syncpeer (0: a group) */
	struct pfsd_mhttp *mhttp; /* metrics-listen, NULL when off */
	struct pfsd_creator_walk creators; /* for the metrics */
	struct pfsd_daemon_serve serve; /* what main gave us to serve */
};

/* Build everything from a config, serving the control commands and
 * metrics serve names; NULL on a fatal setup error (logged). */
struct pfsd_daemon *pfsd_daemon_new(struct pfsd_loop *loop,
				    const struct pfsd_conf *c,
				    const char *conf_path,
				    const struct pfsd_daemon_serve *serve);
void pfsd_daemon_free(struct pfsd_daemon *d);

/*
 * Move to a new config, applying only the differences: a new syncdev or
 * a newly set syncpeer starts a bulk update, other changes do not.
 * 0, or -1 with a message in err (the old config stays in force).
 */
int pfsd_daemon_apply(struct pfsd_daemon *d, const struct pfsd_conf *c,
		      char *err, size_t errlen);
/* SIGHUP: parse conf_path again and apply it (errors are logged). */
void pfsd_daemon_reload(struct pfsd_daemon *d);

/* STATUS= for the service manager: the bulk state (notify.h). */
void pfsd_daemon_notify_status(const struct pfsd_daemon *d);

/* Ask the peers for a full update (and remember when, for status). */
void pfsd_daemon_bulk(struct pfsd_daemon *d);
/* Re-arm the engine timer after any call into the engine. */
void pfsd_daemon_kick(struct pfsd_daemon *d);

/* The engine's counters, with the packets that came and went over IPv6
 * in IPACKETS6 and OPACKETS6 instead of IPACKETS and OPACKETS (the
 * engine cannot tell: it sees peer keys). */
void pfsd_daemon_stats(const struct pfsd_daemon *d, uint64_t s[PFS_NSTATS]);

/* The engine's clock: monotonic milliseconds, and seconds for states. */
/* Packets the kernel dropped on the sync socket (all sockets so far). */
uint64_t pfsd_daemon_kernel_drops(const struct pfsd_daemon *d);

uint64_t pfsd_daemon_now_ms(void);
/* The bulk update is done and, with the conntrack backend, every peer's
 * state it brought is written to the kernel (no write waits): what
 * `bulk: done` and `pfsyncctl bulk-done` report. */
bool pfsd_daemon_synced(const struct pfsd_daemon *d);
uint32_t pfsd_daemon_now_sec(void);

/*
 * Sync packets are taken in without a seal: no key, and receive is on (a
 * syncdev, or UDP).  Any host on the sync link can then insert, change
 * and flush states; with the conntrack backend they are kernel entries.
 */
bool pfsd_daemon_unsealed(const struct pfsd_daemon *d);

/* The try of the bulk update awaited: one per bulk-retry interval since
 * our request (1..PFS_BULK_MAX_TRIES); 0 when in sync. */
unsigned pfsd_daemon_bulk_try(const struct pfsd_daemon *d, uint64_t now_ms);

/* A random nonzero host id (getrandom). */
uint32_t pfsd_daemon_random_hostid(void);

#endif
