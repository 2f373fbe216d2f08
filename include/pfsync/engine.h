/*
 * engine.h - the pfsync sync engine, pure: driven by calls and a
 * monotonic clock (milliseconds) the caller passes in; it emits packets and
 * table operations through struct pfs_engine_ops.  No sockets, no timers
 * of its own, no logging, no globals.
 *
 * The engine keeps its view of the state table in a struct pfs_table the
 * caller owns.  With the memory backend that table *is* the firewall's
 * table; with conntrack it mirrors the kernel, and the caller applies the
 * operations the engine reports (ops->applied) to the kernel.
 */
#ifndef PFSYNC_ENGINE_H
#define PFSYNC_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/creators.h"
#include "pfsync/state.h"
#include "pfsync/stats.h"
#include "pfsync/table.h"
#include "pfsync/dialect.h"

#define PFS_MAXUPD_DEFAULT 128
#define PFS_MTU_DEFAULT 1500
#define PFS_BULK_RETRY_MS 5000
#define PFS_BULK_MAX_TRIES 12
#define PFS_FLUSH_MS 1000 /* NetBSD: a pending packet waits at most 1 s */

struct pfs_engine_conf {
	uint32_t hostid;  /* creatorid of states created here (nonzero) */
	uint8_t maxupd;	  /* 0..255; 0 turns collapsing off */
	unsigned mtu;	  /* syncdev MTU (sets maxcount); 0 = 1500 */
	bool syncdev;	  /* a sync interface is configured: receive on,
			     compress updates and deletes */
	uint32_t syncpeer; /* IPv4, host order; 0 = the group 224.0.0.240 */
	bool tap;	   /* someone reads pfsync0: build local packets
			      even with no syncdev and no peer */
	unsigned bulk_pkts;	/* bulk pace: packets per tick (NetBSD 1) */
	unsigned bulk_tick_ms;	/* bulk tick (NetBSD 10 ms) */
	unsigned bulk_retry_ms;	/* silence before asking again (pf 5000) */
	unsigned flush_ms;	/* the longest a pending packet waits for
				   more records (NetBSD 1000) */
	bool reliable;		/* pfsyncd trailer: sequence numbers, NACKs,
				   resends between pfsyncd peers (off in
				   NetBSD; see wire_ext.h) */
	uint32_t tomb_s;	/* remember our own deleted states this
				   long, refusing them back (0: off) */
	uint8_t chksum[PFS_SYNC_CHKSUM_LEN]; /* ruleset digest in headers */
	/*
	 * The dialect packets are framed in (dialect.h): 3, 5 or 6, or
	 * PFS_ENGINE_VERSION_AUTO: v3 until peers are heard, then the one
	 * dialect all of them speak; peers of different dialects are each
	 * answered in their own, and states heard from one are passed on
	 * to the peers that could not read them (engine_dial.c).  v5_fmt is the
	 * v5 state format sent (1301, 1400, 1500); in auto the oldest
	 * format the v5 peers sent, this one until they sent a state.  The
	 * pfsyncd trailer (reliable) goes on v3 packets only.
	 */
	uint8_t version;
	unsigned v5_fmt;
	/*
	 * pf's `set limit states`: the table holds at most this many states
	 * (ours and peers').  At the limit a peer's new state (INS, a full
	 * UPD that would create one, a bulk's) is refused and counted
	 * (PFS_LIM_PEER; it comes back through UPD_C/UREQ or the next bulk
	 * once there is room), a local insert fails with ENOMEM
	 * (PFS_LIM_LOCAL); updates and deletes of the states held apply.
	 * Lowered below the states held, none is evicted.  0: no limit.
	 */
	uint32_t max_states;
	/*
	 * Anti-entropy between pfsyncd peers (engine_dig.h): every
	 * digest_ms a digest of our own states goes to the peers, and a
	 * peer's digest is compared and what differs repaired.  0: off
	 * (the library's default; pfsyncd's is PFS_DIG_MS_DEFAULT).
	 */
	unsigned digest_ms;
	/*
	 * defer (engine_defer.c): our INS ask each peer that can answer for
	 * an acknowledgement (v5 / v6: PFSTATE_ACK, answered by INS_ACK;
	 * pfsyncd: PFS_EXT_ARG_DEFER on the trailer, answered by an ACK at
	 * once), and pfs_engine_defer holds a packet until they came, at
	 * most defer_ms (0: PFS_DEFER_MS_DEFAULT).
	 */
	bool defer;
	unsigned defer_ms;
};

#define PFS_ENGINE_VERSION_AUTO 0
#define PFS_ENGINE_V5_FMT_DEFAULT 1400 /* FreeBSD 14's */
#define PFS_ENGINE_PEERS 16

/* A peer heard on the sync link and the dialect of its last packet. */
struct pfs_engine_peer {
	uint32_t addr;	  /* IPv4 source, host order */
	uint8_t dialect;  /* 3, 5 or 6 */
	unsigned fmt;	  /* v5: the oldest state format heard, else 0 */
	uint64_t heard_ms;
	/* pfs_engine_peers: the dialect (v5: format) it is answered in */
	uint8_t answer;
	unsigned answer_fmt;
};

/* Fill a conf with NetBSD's defaults (maxupd 128, MTU 1500, ...). */
void pfs_engine_conf_default(struct pfs_engine_conf *c);

enum pfs_op {
	PFS_OP_INSERT,
	PFS_OP_UPDATE,
	PFS_OP_DELETE
};

struct pfs_xexp; /* wire_xexp.h */

struct pfs_engine_ops {
	/*
	 * One packet was sent: `local` is its full form (what pfsync0
	 * shows, starting at the pfsync header).  `wire` is what goes on
	 * the wire (the compressed form when it differs, else == local) or
	 * NULL when nothing is sent (no syncdev and no peer).  local_len 0:
	 * nothing for pfsync0 (pfsyncd's heartbeats, NACKs and resends,
	 * which are not state changes; local is then valid).  dst is the
	 * IPv4 destination, host order.  Returns 0, or -1 if sending failed
	 * (counted in OERRORS).
	 */
	int (*output)(void *ctx, const uint8_t *local, size_t local_len,
		      const uint8_t *wire, size_t wire_len, uint32_t dst);
	/*
	 * A peer inserted, updated or deleted a state in the engine's table
	 * (st points into it; for DELETE it is about to be removed).  A
	 * peer's CLR is reported state by state: one DELETE for each state
	 * it removes, before its removal, so a backend that keeps the
	 * kernel's table needs no list of its own of who created what.
	 * May be NULL.
	 */
	void (*applied)(void *ctx, enum pfs_op op, const struct pfs_state *st);
	/* The bulk update finished (or was given up): synced is now true. */
	void (*synced)(void *ctx, bool synced);
	/*
	 * A peer's full state (INS is not asked) has no match by id but its
	 * flow key is taken by `local`, another id or creator.  Return true
	 * to let `local` take the peer's id and creator (pfsd re-identifies
	 * entries it could only re-read from the kernel after a restart,
	 * marked PFS_LF_PROVISIONAL, which the engine then clears); the
	 * message then applies to it as an update, by the merge rule.
	 * False (or NULL): the insert fails, as in pf.  Called before the
	 * change, with both states unchanged.
	 */
	bool (*adopt)(void *ctx, const struct pfs_state *local,
		      const struct pfs_state *peer);
	/*
	 * An unconfirmed state (PFS_LF_UNCONFIRMED: written here for some
	 * peer, re-read by the backend) may be creatorid's: then that
	 * creator's whole bulk update, which did not claim it, removes it
	 * (reported to applied as a DELETE).  NULL: any creator's.
	 */
	bool (*unconfirmed_of)(void *ctx, const struct pfs_state *st,
			       uint32_t creatorid);
	/*
	 * version auto: the dialect packets are framed in changed, or the
	 * peers started or stopped disagreeing (mixed: each peer is answered
	 * in its own dialect; dialect is then 3, what pfsync0 shows).  fmt
	 * is the v5 state format (0 otherwise).  May be NULL.
	 */
	void (*dialect)(void *ctx, unsigned dialect, unsigned fmt, bool mixed);
	/* A pfsyncd peer's conntrack expectation (wire_xexp.h), in its
	 * stream's order: after the records it sent before.  May be NULL. */
	void (*expect)(void *ctx, const struct pfs_xexp *x);
	/* defer: the packet held under cookie may go: every peer awaited
	 * acknowledged (acked), or its time is up or defer went off.  May
	 * be NULL (pfs_engine_defer then refuses). */
	void (*deferred)(void *ctx, uint64_t cookie, bool acked);
};

struct pfs_rx_meta {
	uint32_t src;	 /* the source, an opaque peer key (UREQ replies and
			    NACKs go to it): pfsd gives the IPv4 address
			    (host order), or a key of its own for an IPv6
			    peer; never 0 or PFS_SYNC_GROUP */
	bool on_syncdev; /* arrived on the configured syncdev */
	uint8_t ttl;	 /* IPv4 TTL or IPv6 hop limit */
};

struct pfs_engine;

/*
 * Conntrack expectations to the pfsyncd peers (wire_xexp.h, in packets of
 * their own in the reliable stream): the pending packet goes first, so
 * the records of a master announced before are applied before.  Returns
 * how many were sent: 0 when no pfsyncd peer reads them (none heard, a
 * BSD peer answered in its own dialect, reliable off, nobody to send to).
 */
size_t pfs_engine_expect_send(struct pfs_engine *e, const struct pfs_xexp *x,
			      size_t n, uint64_t now_ms);

struct pfs_engine *pfs_engine_new(const struct pfs_engine_conf *conf,
				  struct pfs_table *table,
				  const struct pfs_engine_ops *ops, void *ctx,
				  uint64_t now_ms);
void pfs_engine_free(struct pfs_engine *e);

/*
 * Change the configuration.  Pending packets are flushed first when the
 * syncdev, the peer or the MTU changes.  Does not start a bulk update: the
 * caller decides (pfs_engine_bulk_request), so a reload that changes
 * nothing does not restart one.  -1/EINVAL on a bad value.
 */
int pfs_engine_set_conf(struct pfs_engine *e, const struct pfs_engine_conf *c,
			uint64_t now_ms);
const struct pfs_engine_conf *pfs_engine_conf(const struct pfs_engine *e);

/* A fresh state id, as pf makes them: (start second << 32) + counter. */
uint64_t pfs_engine_new_id(struct pfs_engine *e);

/*
 * Local changes of the firewall's table.  insert copies *st into the table
 * (st->creation / expire absolute; st->sync_flags PFS_SF_NOSYNC for
 * no-sync states, which are never sent; proto 240 is always no-sync) and
 * announces it.  update copies the mutable fields (peers, expire, timeout,
 * counters) of the stored state with st's id and creator and announces an
 * update.  delete announces only states this host created; kill announces
 * any state.  clear removes every state (of ifname, when not empty) and
 * sends one CLR with our hostid.  -1/ENOENT or EEXIST as fits.
 */
int pfs_engine_insert(struct pfs_engine *e, const struct pfs_state *st,
		      uint64_t now_ms);
int pfs_engine_update(struct pfs_engine *e, const struct pfs_state *st,
		      uint64_t now_ms);
/*
 * insert and update with a state's extras (state.h's pfs_stx, kept by the
 * table and carried to pfsyncd peers that read them, wire_xst.h).  x NULL:
 * none (insert) or unchanged (update).  The zone is fixed at insertion.
 */
int pfs_engine_insert_x(struct pfs_engine *e, const struct pfs_state *st,
			const struct pfs_stx *x, uint64_t now_ms);
int pfs_engine_update_x(struct pfs_engine *e, const struct pfs_state *st,
			const struct pfs_stx *x, uint64_t now_ms);
/* True when a pfsyncd peer that reads extras was heard: only then is an
 * extras-only change worth announcing. */
bool pfs_engine_xst_peer(const struct pfs_engine *e);
int pfs_engine_delete(struct pfs_engine *e, uint64_t id, uint32_t creatorid,
		      uint64_t now_ms);
int pfs_engine_kill(struct pfs_engine *e, uint64_t id, uint32_t creatorid,
		    uint64_t now_ms);
int pfs_engine_clear(struct pfs_engine *e, const char *ifname,
		     uint64_t now_ms);

/*
 * A received pfsync packet, starting at the pfsync header, of any dialect
 * (by its version byte: v3, FreeBSD v5, OpenBSD v6).  The sender's address
 * and dialect are remembered for version auto.
 */
void pfs_engine_input(struct pfs_engine *e, const uint8_t *pkt, size_t len,
		      const struct pfs_rx_meta *m, uint64_t now_ms);

/* Ask the peers for a full update now (UREQ 0/0, re-sent after
 * bulk_retry_ms without bulk traffic, 12 times at most). */
void pfs_engine_bulk_request(struct pfs_engine *e, uint64_t now_ms);
/*
 * Packets sent to us were lost (the caller's socket dropped some).  While
 * a bulk update is awaited, its end then does not make us synced: we ask
 * again, up to 12 times.  True when a bulk update is awaited, i.e. the
 * loss will be made good.
 */
bool pfs_engine_bulk_lost(struct pfs_engine *e);
/*
 * Packets we sent were lost (the caller's sends failed).  While we send a
 * bulk update, the walk then goes round once more before its END (the
 * END waits a tick for late failure reports), at most 12 times a walk.
 * True when a bulk update is being sent, i.e. the loss will be made good.
 */
bool pfs_engine_bulk_send_lost(struct pfs_engine *e, uint64_t now_ms);
/* True when no bulk update is awaited (the carp demotion is off). */
bool pfs_engine_synced(const struct pfs_engine *e);
/* Requests re-sent after a silent wait (progress resets that count) or
 * a lossy transfer; 0 on the first request (and with none). */
unsigned pfs_engine_bulk_tries(const struct pfs_engine *e);
/* True while we are sending a bulk update to a peer. */
bool pfs_engine_bulk_sending(const struct pfs_engine *e);

/* Send any pending packet now. */
void pfs_engine_flush(struct pfs_engine *e, uint64_t now_ms);
/* Absolute time of the next timer, or UINT64_MAX when none is armed. */
uint64_t pfs_engine_next_timeout(const struct pfs_engine *e);
/* Run due timers (flush, bulk retry, bulk send ticks). */
void pfs_engine_timer(struct pfs_engine *e, uint64_t now_ms);

const uint64_t *pfs_engine_stats(const struct pfs_engine *e); /* [PFS_NSTATS] */

/* The dialect packets are framed in now (3, 5, 6): what goes to the
 * group and what pfsync0 shows (3 while the peers disagree, each being
 * answered in its own); *fmt gets the v5 state format (0 otherwise)
 * when fmt is not NULL. */
unsigned pfs_engine_dialect(const struct pfs_engine *e, unsigned *fmt);
/* version auto: the peers heard speak different dialects; each is
 * answered in its own (pfs_engine_dialect is then v3, what pfsync0
 * shows). */
bool pfs_engine_dialect_mixed(const struct pfs_engine *e);
/* version auto: records heard from a peer and passed on to peers of
 * another dialect or older v5 format (the bridge, engine_dial.c);
 * *echoes (when not NULL) gets the equal updates not passed on again
 * because the state was announced in the same second. */
uint64_t pfs_engine_bridged(const struct pfs_engine *e, uint64_t *echoes);
/* The peers heard, most recently heard first; returns how many (<= max,
 * at most PFS_ENGINE_PEERS). */
size_t pfs_engine_peers(const struct pfs_engine *e, struct pfs_engine_peer *out,
			size_t max);
/* pfsyncd's reliability counters, [PFS_REL_NSTATS] (stats.h). */
const uint64_t *pfs_engine_rel_stats(const struct pfs_engine *e);
/* The receive guards' refusals, [PFS_GUARD_NSTATS] (stats.h). */
const uint64_t *pfs_engine_guard_stats(const struct pfs_engine *e);
/*
 * States by creator without a walk of the table (creators.h): the `max`
 * creators holding the most, by id, the rest summed in *other.  Counts
 * that no longer match the table (changed behind the engine's back) are
 * rebuilt first, by one walk.
 */
size_t pfs_engine_creators(struct pfs_engine *e,
			   struct pfs_creator_count *out, size_t max,
			   uint64_t *other);
/* How many times those counts were rebuilt by a walk: once for a table
 * filled before the engine came, never for the engine's own changes. */
uint64_t pfs_engine_creators_rebuilt(const struct pfs_engine *e);
/* States refused at the state limit, [PFS_LIM_NSTATS] (stats.h). */
const uint64_t *pfs_engine_lim_stats(const struct pfs_engine *e);
/* States a BSD peer's wire could not hold as they are, by reason
 * (bsdproto.h): PFS_BSDP_NSTATS counters, counted once for each packet
 * framed for the wire in a BSD dialect. */
const uint64_t *pfs_engine_bsdp_stats(const struct pfs_engine *e);
/* Sends that failed after output() returned (the daemon batches them):
 * added to OERRORS, as if output() had returned -1 for each. */
void pfs_engine_count_oerrors(struct pfs_engine *e, uint64_t n);

/* ---- defer (engine_defer.c) ---------------------------------------------*/

#define PFS_DEFER_MS_DEFAULT 20	 /* as OpenBSD and FreeBSD */
#define PFS_DEFER_MS_MAX 1000
#define PFS_DEFER_MAX 4096	 /* packets held at once */
#define PFS_DEFER_LIVE_MS 10000 /* a BSD peer heard this recently is
				    awaited (pfsyncd: while its stream is) */
#define PFS_DEFER_WAIT 8	 /* peers awaited for one packet, at most */

enum pfs_defer_stat {
	PFS_DEFER_HELD = 0,  /* packets held for an acknowledgement */
	PFS_DEFER_ACKED,     /* ... released by the peers' acknowledgements */
	PFS_DEFER_TIMEDOUT,  /* ... released when defer_ms was up */
	PFS_DEFER_DROPPED,   /* ... released because defer went off */
	PFS_DEFER_NOPEER,    /* not held: no live peer can acknowledge */
	PFS_DEFER_FULL,	     /* not held: PFS_DEFER_MAX held already */
	PFS_DEFER_ACKS_IN,   /* acknowledgements that released a wait */
	PFS_DEFER_NSTATS
};

/*
 * Hold a packet (the caller's cookie) until every live peer (heard within
 * PFS_DEFER_LIVE_MS) that can acknowledge the change just made to state
 * (id, creatorid) did: for an insert, v5 / v6 peers (INS_ACK) and
 * pfsyncd peers (the reliable stream's ACK of the packet carrying it);
 * for an update, pfsyncd peers only.  NetBSD peers cannot and are not
 * awaited.  Call it after the change, before pfs_engine_flush sends it.
 * 0: held, ops->deferred will report; 1: nobody to wait for (release
 * now); -1: not held (ENOBUFS: PFS_DEFER_MAX held; EINVAL: defer off).
 */
int pfs_engine_defer(struct pfs_engine *e, uint64_t id, uint32_t creatorid,
		     bool insert, uint64_t cookie, uint64_t now_ms);
/* Send the acknowledgements a peer's defer waits for (its DATA had
 * PFS_EXT_ARG_DEFER), now: the caller calls it once the changes applied
 * reached the firewall (the kernel writes are done); the engine timer
 * sends them too. */
void pfs_engine_acks(struct pfs_engine *e, uint64_t now_ms);
/* Packets held now. */
size_t pfs_engine_defer_held(const struct pfs_engine *e);
/* [PFS_DEFER_NSTATS] */
const uint64_t *pfs_engine_defer_stats(const struct pfs_engine *e);
const char *pfs_defer_stat_name(enum pfs_defer_stat s);

#endif
