/*
 * engine_priv.h - internals shared by engine.c (send side, hooks, timers),
 * engine_rx.c (receive side) and engine_bulk.c (bulk update).  Not
 * installed; nothing outside lib/engine*.c includes it.
 */
#ifndef PFSYNC_ENGINE_PRIV_H
#define PFSYNC_ENGINE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pfsync/dialect.h"
#include "pfsync/engine.h"
#include "pfsync/tomb.h"
#include "pfsync/bsdproto.h"
#include "pfsync/pfsd.h"

/*
 * The largest maxcount (dialect.h): the MTU is clamped to 2048
 * (MCLBYTES), so at most 8 records of any kind fit in one packet.  Every
 * packet buffer holds the largest packet of any framing.
 */
#define ENG_MAXREC   PFS_DIALECT_REC_MAX
#define ENG_NEVER    UINT64_MAX
#define ENG_BUF_MAX  PFS_DIALECT_PKT_MAX
#define ENG_WIRE_MAX PFS_PFSD_STAMP_MAX
/* INS_ACKs of one packet: never more than the largest v3 packet */
#define ENG_PKT_MAX  (PFS_PFSD_STAMP_MAX - PFS_PFSD_TRAILER_LEN)

/* pfsync_pack_state flags */
#define ENG_F_COMPRESS 0x01 /* local change: UPD/DEL go compressed on wire */
#define ENG_F_STALE    0x02 /* stale reply: sync_flags = STALE on the wire */

/*
 * Where records came from: dialect 0 for our own changes and replies
 * (every peer gets them), else the dialect (and v5 state format, 0 when
 * none) of the peer a bridged record was heard from (engine_dial.c).
 */
struct eng_from {
	uint8_t dialect;
	unsigned fmt;
	uint32_t addr; /* the peer itself, never answered with its own */
};

/*
 * The pending packet.  Records are kept decoded (wire-relative times) and
 * encoded once, when the packet is sent; that makes collapsing a struct
 * compare instead of a byte scan.  When `net` is set (a syncdev is
 * configured and the records came from local changes) a parallel
 * compressed packet exists: UPD_C or DEL_C, one entry per local record at
 * the same position.  Only UPD_C's timeout can differ from its full twin
 * (a collapse refreshes it in the compressed entry only), so it is the
 * one compressed field stored apart.
 */
struct eng_pkt {
	bool active;
	bool net;
	enum pfs_msg_kind action; /* INS, UPD, DEL (full states), UREQ, CLR,
				     BUS */
	struct eng_from from; /* bridged records: who they were heard from */
	unsigned count;
	union pfs_msg_rec rec[ENG_MAXREC];
	uint8_t net_timeout[ENG_MAXREC];
	uint32_t left[ENG_MAXREC]; /* seconds each state had left when packed */
	struct pfs_stx x[ENG_MAXREC]; /* each record's extras (pfsd.h) */
	size_t xlen;		      /* bytes of their section entries */
};

/*
 * What one source may still make us send (engine_src.c): answers earn
 * their bytes from what the source sent us, resends come at a rate.
 */
#define ENG_SRCS 64
/* an answer's share of its packet's header and trailer (8 records) */
#define ENG_REPLY_HDR 4
struct eng_src {
	uint32_t addr;	   /* 0: unused */
	uint64_t heard_ms; /* its last packet */
	uint64_t fill_ms;  /* resend packets last refilled */
	uint32_t reply;	   /* bytes of answers it may still cause */
	uint32_t resend;   /* packets we may still resend to it */
	uint32_t walk;	   /* the bulk walk that serves it, 0: none */
	bool deferred;	   /* asked too soon: the next walk serves it */
	uint64_t walk_ms;  /* when it last started or joined one */
	bool heard_before; /* a packet came before the one being handled */
};

struct pfs_engine {
	struct pfs_engine_conf conf;
	struct pfs_table *table;
	struct pfs_engine_ops ops;
	void *ctx;
	unsigned maxcount;
	uint64_t stats[PFS_NSTATS];

	struct eng_pkt pkt;
	uint64_t flush_at; /* 1 s flush timer, ENG_NEVER when off */
	bool sendaddr_set; /* one-shot destination for the next send */
	uint32_t sendaddr;
	uint64_t next_id;

	/* requester side of the bulk update */
	bool synced;
	uint32_t ureq_sent;	  /* second the request was made, 0 = none */
	unsigned bulk_tries;	  /* silent waits in a row */
	unsigned bulk_loss_tries; /* transfers that lost packets */
	uint64_t bulkfail_at;
	bool bulk_started;  /* a synced peer sent BUS START: await END */
	bool bulk_peer_end; /* an unsynced peer finished its walk */
	bool bulk_lost;	    /* packets were lost while we waited */

	/* responder side */
	bool bulk_sending;
	uint32_t ureq_received;
	size_t bulk_cursor;
	size_t bulk_stop; /* wrap to slot 0 and stop here; 0 = at end */
	bool bulk_wrapped;
	bool bulk_end_pending; /* walk over: END at the next tick */
	unsigned bulk_resends; /* cycles added after send failures */
	uint64_t bulk_tick_at;
	unsigned bulk_pace;	/* packets per tick now: conf.bulk_pkts, halved
				   on a peer's NACK, +1 a quiet tick back */
	uint64_t bulk_cut_at;	/* when the pace was last halved */
	uint64_t bulk_grown_at; /* when it last grew back by one */
	uint32_t bulk_walk;	/* number of the walk under way (or last) */
	unsigned bulk_joins;	/* requesters that extended this walk */
	uint64_t bulk_began_ms; /* the last walk's start ... */
	uint64_t bulk_ended_ms; /* ... and end (0: under way) */
	bool bulk_deferred;	/* a walk starts at bulk_tick_at */
	/* the walk's window on our numbered stream (eng_bulk_room) */
	uint32_t bulk_seq0;   /* our last number when the walk began */
	uint32_t bulk_acked;  /* the readers' ACK floor, last seen */
	uint64_t bulk_ack_ms; /* when it last moved */
	bool bulk_win_shut;   /* waiting for ACKs (counted once a wait) */

	/* per-source budgets of replies (engine_src.c) */
	struct eng_src src[ENG_SRCS];
	uint32_t reply_pool; /* bytes of answers beyond what was earned */
	uint64_t reply_pool_ms;

	/* reliable delivery between pfsyncd peers (engine_rel.c) */
	struct eng_rel *rel; /* NULL while conf.reliable is off */
	bool xst_peer;	     /* a pfsyncd peer reads the extras section */
	uint64_t rel_stats[PFS_REL_NSTATS];
	uint64_t guard_stats[PFS_GUARD_NSTATS];
	/* states per creator (engine_creators.c) */
	struct pfs_creators *creators;
	bool creators_stale;	   /* an add failed: rebuild before use */
	uint64_t creators_rebuilt; /* walks that rebuilt the counts */
	uint64_t lim_stats[PFS_LIM_NSTATS];   /* refused at max_states */
	uint64_t bsdp_stats[PFS_BSDP_NSTATS]; /* bsdproto.h, per framing */
	struct eng_dig *dig;	/* anti-entropy (engine_digest.c), NULL: off */
	struct pfs_tomb *tomb;	/* our own states deleted, kept tomb_s */
	struct pfs_tomb *ctomb; /* ... their connections: flow key digests */
	uint16_t bulk_gen;	/* stamped on states heard from a peer */
	bool rx_in_order;	/* applying a sequenced packet of a peer */
	bool sweep_ok;		/* a peer's bulk is arriving whole */
	uint32_t sweep_creator; /* ... from this peer */

	/* the dialect packets are framed in (engine_dial.c) */
	uint8_t dialect;	/* 3, 5, 6 */
	unsigned fmt;		/* v5 state format */
	bool mixed;		/* auto: peers disagree: answered per peer */
	bool bridge;		/* auto: some peer cannot read another's */
	unsigned v5_fmt;	/* auto: the format v5 peers are answered in */
	uint64_t bridged;	/* records passed on across dialects */
	uint64_t bridge_echoes; /* equal updates not passed on again */
	struct eng_from pack_from; /* origin of the records being packed */
	unsigned npeers;
	struct pfs_engine_peer peers[PFS_ENGINE_PEERS]; /* heard, any order */

	/* packets held for acknowledgements (engine_defer.c) */
	struct eng_defer *defer; /* NULL until conf.defer is first on */
	uint64_t defer_stats[PFS_DEFER_NSTATS];

	uint8_t lbuf[ENG_BUF_MAX]; /* encoded local packet */
	uint8_t nbuf[ENG_BUF_MAX]; /* encoded compressed packet */
};

static inline uint32_t eng_secs(uint64_t now_ms)
{
	return (uint32_t)(now_ms / 1000);
}

/* The wire goes nowhere without a syncdev and with the group as peer. */
static inline bool eng_wire_off(const struct pfs_engine *e)
{
	return !e->conf.syncdev && e->conf.syncpeer == 0;
}

/* The table holds conf.max_states states: no new one fits. */
static inline bool eng_at_limit(const struct pfs_engine *e)
{
	return e->conf.max_states != 0 &&
	       pfs_table_count(e->table) >= e->conf.max_states;
}

/* engine.c */
void pfs_eng_pack_state(struct pfs_engine *e, enum pfs_msg_kind action,
			struct pfs_state *st, unsigned flags, uint64_t now_ms);
void pfs_eng_pack_rec(struct pfs_engine *e, enum pfs_msg_kind action,
		      const union pfs_msg_rec *r, uint64_t now_ms);
void pfs_eng_set_synced(struct pfs_engine *e, bool synced);
void pfs_eng_drop(struct pfs_engine *e);

unsigned pfs_eng_maxcount(const struct pfs_engine *e,
			  const struct pfs_engine_conf *c);
unsigned pfs_eng_maxcount_of(uint8_t dialect, unsigned fmt,
			     const struct pfs_engine_conf *c);
/* The state-extras section after a v3 packet's records (engine.c), when
 * a peer reads it and some record has extras; the new length. */
size_t pfs_eng_xst_append(struct pfs_engine *e, uint8_t dialect, uint8_t *wire,
			  size_t len, size_t cap);
size_t pfs_eng_encode(struct pfs_engine *e, uint8_t dialect, unsigned fmt,
		      uint8_t *buf, bool net);
void pfs_eng_send(struct pfs_engine *e, const uint8_t *local, size_t llen,
		  const uint8_t *wire, size_t wlen, uint32_t dst);

/* engine_dial.c */
bool pfs_eng_conf_dialect_ok(const struct pfs_engine_conf *c);
void pfs_eng_dial_choose(struct pfs_engine *e, uint64_t now_ms);
void pfs_eng_dial_heard(struct pfs_engine *e, uint32_t src, uint8_t dialect,
			unsigned fmt, uint64_t now_ms);
void pfs_eng_dial_unproven(struct pfs_engine *e, uint32_t src, uint8_t dialect);
void pfs_eng_dial_tick(struct pfs_engine *e, uint64_t now_ms);
size_t pfs_eng_dial_frame(struct pfs_engine *e, uint8_t dialect, unsigned fmt,
			  uint8_t *buf, size_t cap, bool net);
bool pfs_eng_dial_split(const struct pfs_engine *e);
void pfs_eng_dial_flush(struct pfs_engine *e, uint64_t now_ms);
void pfs_eng_dial_bridge(struct pfs_engine *e, enum pfs_op op,
			 struct pfs_state *st, struct eng_from from, bool same,
			 uint64_t now_ms);
void pfs_eng_dial_bridge_clr(struct pfs_engine *e, const char *ifname,
			     uint32_t creatorid, struct eng_from from,
			     uint64_t now_ms);

/* engine_creators.c: the engine's table changes, counted per creator */
struct pfs_state *pfs_eng_tbl_insert(struct pfs_engine *e,
				     const struct pfs_state *st,
				     const struct pfs_stx *x);
void pfs_eng_tbl_remove(struct pfs_engine *e, struct pfs_state *s);
const struct pfs_creators *pfs_eng_creators(struct pfs_engine *e);

/* engine_rx.c */
void pfs_eng_rx_apply(struct pfs_engine *e, const struct pfs_pfsd_pkt *p,
		      const struct pfs_rx_meta *m, uint64_t now_ms);

/* engine_xexp.c: a packet's expectations section (pfsd.h) at used, to
 * ops->expect; at most PFS_PFSD_XEXP_RX_MAX entries */
void pfs_eng_xexp_rx(struct pfs_engine *e, const uint8_t *pkt, size_t len,
		     size_t used);

/* engine_rel.c */
int pfs_eng_rel_open(struct pfs_engine *e, uint64_t now_ms);
void pfs_eng_rel_close(struct pfs_engine *e);
size_t pfs_eng_rel_stamp(struct pfs_engine *e, uint8_t *wire, size_t len,
			 size_t cap, uint64_t now_ms);
bool pfs_eng_rel_bus_in(struct pfs_engine *e, const struct pfs_msg_bus *b,
			uint64_t now_ms);
void pfs_eng_rel_input(struct pfs_engine *e, const struct pfs_pfsd_pkt *p,
		       const struct pfs_rx_meta *m, uint64_t now_ms);
bool pfs_eng_rel_repairs(const struct pfs_engine *e, uint32_t src,
			 uint64_t since);
int pfs_eng_rel_acked_by(const struct pfs_engine *e, uint32_t src,
			 uint32_t *sent, uint32_t *acked, uint64_t *heard);
uint64_t pfs_eng_rel_next_timeout(const struct pfs_engine *e);
/* A pfsyncd peer's stream from src is followed (a trailer heard). */
bool pfs_eng_rel_knows(const struct pfs_engine *e, uint32_t src);
/* defer: src acknowledges our stream (a pfsyncd peer we follow), and
 * the number of the packet that carries the records packed so far */
bool pfs_eng_rel_follows(const struct pfs_engine *e, uint32_t src,
			 uint64_t now_ms);
uint32_t pfs_eng_rel_defer_seq(const struct pfs_engine *e);
void pfs_eng_rel_acks_due(struct pfs_engine *e, uint64_t now_ms);

/* engine_defer.c */
void pfs_eng_defer_ack_id(struct pfs_engine *e, uint32_t src, uint64_t id,
			  uint32_t creatorid, uint64_t now_ms);
void pfs_eng_defer_ack_seq(struct pfs_engine *e, uint32_t src, uint32_t seq,
			   uint64_t now_ms);
uint64_t pfs_eng_defer_next_timeout(const struct pfs_engine *e);
void pfs_eng_defer_timer(struct pfs_engine *e, uint64_t now_ms);
void pfs_eng_defer_conf(struct pfs_engine *e); /* off: release every packet */
void pfs_eng_defer_free(struct pfs_engine *e);
void pfs_eng_rel_timer(struct pfs_engine *e, uint64_t now_ms);
int pfs_eng_output_raw(struct pfs_engine *e, const uint8_t *pkt, size_t len,
		       uint32_t dst);

/* engine_iack.c: the INS_ACKs of one received v5 or v6 packet */
struct eng_iack {
	struct pfs_framer f;
	uint8_t buf[ENG_PKT_MAX];
	uint32_t to;	 /* the sender */
	uint8_t dialect; /* its dialect: 5 or 6, else none is sent */
	bool on;	 /* f holds a packet begun */
	unsigned n;	 /* records in it */
};
void pfs_eng_iack_init(struct eng_iack *q, uint8_t dialect, uint32_t to);
void pfs_eng_iack_add(struct pfs_engine *e, struct eng_iack *q, uint64_t id,
		      uint32_t creatorid, uint64_t now_ms);
void pfs_eng_iack_flush(struct pfs_engine *e, struct eng_iack *q,
			uint64_t now_ms);

/* engine_src.c */
bool pfs_eng_src_known(const struct pfs_engine *e, uint32_t src);
struct eng_src *pfs_eng_src_heard(struct pfs_engine *e, uint32_t src,
				  size_t len, uint64_t now_ms);
bool pfs_eng_src_reply(struct pfs_engine *e, uint32_t src, size_t bytes,
		       uint64_t now_ms);
/* A known peer that spoke before this packet (may be answered). */
bool pfs_eng_src_proven(const struct pfs_engine *e, uint32_t src);
unsigned pfs_eng_src_resend(struct pfs_engine *e, uint32_t src, unsigned want,
			    uint64_t now_ms);

/* engine_digest.c: anti-entropy between pfsyncd peers */
struct eng_dig;
int pfs_eng_dig_open(struct pfs_engine *e, uint64_t now_ms);
void pfs_eng_dig_close(struct pfs_engine *e);
void pfs_eng_dig_added(struct pfs_engine *e, const struct pfs_state *s);
void pfs_eng_dig_removed(struct pfs_engine *e, const struct pfs_state *s);
bool pfs_eng_dig_input(struct pfs_engine *e, const struct pfs_pfsd_pkt *p,
		       const struct pfs_rx_meta *m, uint64_t now_ms);
uint64_t pfs_eng_dig_next_timeout(const struct pfs_engine *e);
void pfs_eng_dig_timer(struct pfs_engine *e, uint64_t now_ms);

/* engine_bulk.c */
void pfs_eng_bulk_received(struct pfs_engine *e, uint32_t src, uint64_t now_ms);
void pfs_eng_bulk_tick(struct pfs_engine *e, uint64_t now_ms);
/* A peer asked for packets again (NACK): the walk slows down. */
void pfs_eng_bulk_congested(struct pfs_engine *e, uint64_t now_ms);
void pfs_eng_bulk_fail(struct pfs_engine *e, uint64_t now_ms);
void pfs_eng_bulk_bus_in(struct pfs_engine *e, const struct pfs_msg_bus *b,
			 uint64_t now_ms);
void pfs_eng_bulk_progress(struct pfs_engine *e, uint64_t now_ms);

#endif
