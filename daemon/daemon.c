/*
 * daemon.c - the pfsyncd object: builds the table, engine, transport, tap
 * and control socket from a config, wires the engine's output to pfsync0,
 * the wire and the capture file, feeds received packets to the engine,
 * keeps one loop timer at the engine's next deadline, and applies config
 * changes (SIGHUP, pfsyncctl pfsync0 WORDS) by difference.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <sodium.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "pfsync/engine.h"
#include "pfsync/engine_dig.h"
#include "pfsync/wire_bsd.h"
#include "pfsync/wire_v3.h"
#include "pfsync/wire_v5.h"
#include "pfsync/wire_v6.h"

#include "net/capture.h"
#include "backend/churn.h"
#include "control.h"
#include "net/crypt.h"
#include "backend/backend.h"
#include "defer/defer.h"
#include "daemon.h"
#include "os/log.h"
#include "metrics/metrics_http.h"
#include "os/notify.h"
#include "os/privdrop.h"
#include "net/tp.h"
#include "net/tun.h"

void pfsd_daemon_stats(const struct pfsd_daemon *d, uint64_t s[PFS_NSTATS])
{
	const uint64_t *e = pfs_engine_stats(d->engine);

	memcpy(s, e, PFS_NSTATS * sizeof(s[0]));
	s[PFS_STAT_IPACKETS6] = d->ipackets6;
	s[PFS_STAT_IPACKETS] -= d->ipackets6 < e[PFS_STAT_IPACKETS]
				    ? d->ipackets6
				    : e[PFS_STAT_IPACKETS];
	s[PFS_STAT_OPACKETS6] = d->opackets6;
	s[PFS_STAT_OPACKETS] -= d->opackets6 < e[PFS_STAT_OPACKETS]
				    ? d->opackets6
				    : e[PFS_STAT_OPACKETS];
}

uint64_t pfsd_daemon_kernel_drops(const struct pfsd_daemon *d)
{
	struct pfsd_tp_stats ts;
	uint64_t seen, proc;

	if (d->tp == NULL)
		return d->rx_drops_old;
	pfsd_tp_stats(d->tp, &ts);
	seen = ts.kernel_drops;
	proc = pfsd_tp_proc_drops(d->tp);
	return d->rx_drops_old + (proc > seen ? proc : seen);
}

uint64_t pfsd_daemon_now_ms(void)
{
	return pfsd_now_ms();
}

uint32_t pfsd_daemon_now_sec(void)
{
	return (uint32_t)(pfsd_now_ms() / 1000);
}

/* One try per bulk-retry interval (the engine's, as configured) since
 * our request, 1..PFS_BULK_MAX_TRIES; 0 when none is awaited. */
unsigned pfsd_daemon_bulk_try(const struct pfsd_daemon *d, uint64_t now_ms)
{
	uint64_t retry = pfs_engine_conf(d->engine)->bulk_retry_ms;
	uint64_t t;

	if (pfsd_daemon_synced(d))
		return 0;
	t = now_ms > d->bulk_started ? now_ms - d->bulk_started : 0;
	t = t / (retry != 0 ? retry : PFS_BULK_RETRY_MS) + 1;
	return t > PFS_BULK_MAX_TRIES ? PFS_BULK_MAX_TRIES : (unsigned)t;
}

uint32_t pfsd_daemon_random_hostid(void)
{
	uint32_t v = 0;

	while (v == 0)
		if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
			fatal("getrandom");
	return v;
}

#define DMN_IP6_EXTRA 20 /* an IPv6 header is 40 bytes, IPv4's 20 */

/* Bytes a packet gains between the engine and the wire: the seal, the
 * UDP header, and over IPv6 what its header has more than the IPv4 one
 * the engine counts (a full packet must fit: it is sent DF). */
static unsigned dmn_overhead(const struct pfsd_conf *c)
{
	unsigned n = c->key[0] != '\0' ? PFS_SEAL_OVERHEAD : 0;

	if (pfsd_conf_inet6(c) || c->npeers6 > 0)
		n += DMN_IP6_EXTRA;
	return n + pfsd_tp_ops_of(c)->hdr;
}

/* The MTU the engine sizes packets for: the syncdev's, or the config's
 * when that is smaller (pfsync_setmtu); 1500 without a syncdev. */
static unsigned dmn_mtu(const struct pfsd_daemon *d, const struct pfsd_conf *c)
{
	unsigned dev = pfsd_tp_mtu(d->tp);

	if (dev == 0)
		dev = PFS_MTU_DEFAULT;
	if (c->mtu != 0 && c->mtu < dev)
		dev = c->mtu;
	return dev - dmn_overhead(c);
}

/* pfsync0's MTU follows maxcount, as if_pfsync does: 20 + n * 240. */
static unsigned dmn_tun_mtu(unsigned mtu)
{
	return PFS_V3_HDR_LEN + pfs_v3_maxcount(mtu) * PFS_V3_STATE_LEN;
}

/*
 * The configured IPv6 peers get keys that never change (peeraddr.h):
 * the syncpeer and the UDP peers.  syncpeer_key is the engine's
 * syncpeer: the IPv4 one, 0 for a group (IPv4 or IPv6), or the key of
 * an IPv6 one.
 */
static void dmn_pin_peers(struct pfsd_daemon *d, const struct pfsd_conf *c)
{
	unsigned i;

	pfsd_peeraddr_unpin_all(&d->paddr);
	for (i = 0; i < c->npeers6; i++)
		(void)pfsd_peeraddr_pin(&d->paddr, c->peers6[i]);
	if (!pfsd_conf_inet6(c) || pfsd_conf_inet6_group(c))
		d->syncpeer_key = c->syncpeer;
	else
		d->syncpeer_key = pfsd_peeraddr_pin(&d->paddr, c->syncpeer6);
}

static void dmn_engine_conf(struct pfsd_daemon *d, const struct pfsd_conf *c,
			    unsigned mtu, struct pfs_engine_conf *ec)
{
	pfs_engine_conf_default(ec);
	ec->hostid = d->hostid;
	ec->maxupd = (uint8_t)c->maxupd;
	ec->mtu = mtu;
	ec->syncdev = pfsd_tp_receiving(c);
	ec->syncpeer = pfsd_tp_engine_peer(c, d->syncpeer_key);
	ec->tap = true;
	if (c->bulk_pkts != 0)
		ec->bulk_pkts = c->bulk_pkts;
	if (c->bulk_tick_ms != 0)
		ec->bulk_tick_ms = c->bulk_tick_ms;
	if (c->bulk_retry_ms != 0)
		ec->bulk_retry_ms = c->bulk_retry_ms;
	if (c->flush_ms != 0)
		ec->flush_ms = c->flush_ms;
	ec->reliable = c->reliable;
	ec->tomb_s = c->tomb_s;
	ec->version = (uint8_t)c->version;
	ec->v5_fmt = c->v5_fmt;
	ec->max_states = d->state_limit;
	ec->digest_ms = c->digest_ms;
	ec->defer = c->defer && d->dfr != NULL;
	ec->defer_ms = c->defer_ms;
}

/* ---- the state limit ---------------------------------------------------*/

/*
 * limit states: as configured, else the machine's.  A backend whose
 * table is bounded (conntrack: the kernel holds at most nf_conntrack_max
 * entries, ours and peers' alike) sets it, so the mirror needs no more
 * (and the kernel refuses writes beyond it with ENOMEM: counted,
 * table_full); else (memory) a fixed PFSD_STATE_LIMIT, pf's limit being
 * a number too.
 */
static uint32_t dmn_state_limit(const struct pfsd_daemon *d,
				const struct pfsd_conf *c, const char **why)
{
	uint32_t n;

	*why = "configured";
	if (c->limit_states != 0)
		return c->limit_states;
	n = pfsd_backend_table_max(d->bk, why);
	if (n != 0)
		return n;
	*why = "default";
	return PFSD_STATE_LIMIT;
}

/* Take the limit of config c (read again: nf_conntrack_max may have
 * moved) into d and the kernel writer; true when it changed. */
static bool dmn_limit_update(struct pfsd_daemon *d, const struct pfsd_conf *c)
{
	const char *why, *max_name = NULL;
	uint32_t n = dmn_state_limit(d, c, &why), max;

	pfsd_backend_set_limit(d->bk, n);
	if (n == d->state_limit && why == d->state_limit_why)
		return false;
	log_info("%s: state limit %" PRIu32 " (%s)", c->ifname, n, why);
	max = pfsd_backend_table_max(d->bk, &max_name);
	if (max != 0 && n > max)
		log_warnx("%s: limit states %" PRIu32 " is above "
			  "%s %" PRIu32 ": the kernel refuses "
			  "the states beyond (counted)",
			  c->ifname, n, max_name, max);
	if (n < pfs_table_count(d->table))
		log_warnx("%s: %zu states held, above the limit: kept, new "
			  "ones refused until fewer than %" PRIu32,
			  c->ifname, pfs_table_count(d->table), n);
	d->state_limit = n;
	d->state_limit_why = why;
	return true;
}

/* The limit reached: at most one line every DMN_LIMIT_LOG_MS, with what
 * was refused since the last (the counters say it all the same). */
#define DMN_LIMIT_LOG_MS 10000

static void dmn_limit_log(struct pfsd_daemon *d)
{
	const uint64_t *l = pfs_engine_lim_stats(d->engine);
	uint64_t now, v[3] = {l[PFS_LIM_PEER], l[PFS_LIM_LOCAL],
			      pfsd_backend_table_full(d->bk)};

	if (memcmp(v, d->lim_logged, sizeof(v)) == 0)
		return;
	now = pfsd_daemon_now_ms();
	if (d->lim_logged_at != 0 && now < d->lim_logged_at + DMN_LIMIT_LOG_MS)
		return;
	log_warnx("%s: state limit %" PRIu32 " reached: %" PRIu64
		  " peer states and %" PRIu64 " local ones refused, %" PRIu64
		  " kernel writes refused (conntrack table full) since the "
		  "last report",
		  d->conf.ifname, d->state_limit, v[0] - d->lim_logged[0],
		  v[1] - d->lim_logged[1], v[2] - d->lim_logged[2]);
	memcpy(d->lim_logged, v, sizeof(v));
	d->lim_logged_at = now;
}

/* A send failed: a bulk update we are sending goes round once more. */
static void dmn_send_lost(struct pfsd_daemon *d)
{
	if (pfs_engine_bulk_send_lost(d->engine, pfsd_daemon_now_ms()))
		d->bulk_resent++;
}

/* Queued sends that failed at a later flush: the engine's OERRORS and
 * our send_fail count them as if the output call itself had failed. */
static void dmn_count_failures(struct pfsd_daemon *d, unsigned n)
{
	if (n == 0)
		return;
	d->send_fail += n;
	pfs_engine_count_oerrors(d->engine, n);
	dmn_send_lost(d);
}

/* The pfsync0 copy, behind the IP header of the family it went in. */
static void dmn_tap(struct pfsd_daemon *d, const uint8_t *p, size_t len,
		    uint32_t dst)
{
	struct pfsd_tp_addr a;

	(void)pfsd_tp_tap_addr(d->tp, dst, &a);
	if (a.v6)
		(void)pfsd_tun_write6(d->tun, p, len, a.src6, a.dst6);
	else
		(void)pfsd_tun_write(d->tun, p, len, a.src4, dst);
}

/* Engine output: the tap and capture get the local form, the wire the
 * (possibly compressed) wire form. */
static int dmn_output(void *ctx, const uint8_t *local, size_t local_len,
		      const uint8_t *wire, size_t wire_len, uint32_t dst)
{
	struct pfsd_daemon *d = ctx;

	/* local_len 0: a pfsyncd heartbeat, NACK or resend, not for pfsync0 */
	if (d->tun != NULL && local_len > 0)
		dmn_tap(d, local, local_len, dst);
	if (d->cap != NULL && local_len > 0 &&
	    pfsd_capture_write(d->cap, local, local_len) == -1 &&
	    !d->cap_failed) {
		log_warn("capture %s", d->conf.capture);
		d->cap_failed = true; /* once, until the file is reopened */
	}
	if (wire == NULL)
		return 0;
	if (d->crypt != NULL) {
		wire = pfsd_crypt_seal(d->crypt, wire, wire_len, &wire_len);
		if (wire == NULL) {
			d->send_fail++;
			return -1;
		}
	}
	if (pfsd_tp_over6(d->tp, dst))
		d->opackets6++;
	/* may be queued: sent at the end of the wakeup (dmn_after_wakeup) */
	if (pfsd_tp_send(d->tp, wire, wire_len, dst) == -1) {
		d->send_fail++;
		dmn_send_lost(d);
		return -1;
	}
	return 0;
}

/* In sync: the bulk update is over and, with the conntrack backend, its
 * states have all been written to the kernel once.  Later peer changes
 * waiting for the writer do not make the node "pending" again: that
 * would demote it under ordinary sync traffic (keepalived, fall 1). */
bool pfsd_daemon_synced(const struct pfsd_daemon *d)
{
	return pfs_engine_synced(d->engine) &&
	       !pfsd_backend_bulk_busy(d->bk) &&
	       (d->bulk_written || pfsd_backend_waiting(d->bk) == 0);
}

/* Latch bulk_written the first time the write queue is seen empty after
 * the bulk update; a new wait for a bulk clears it (dmn_synced). */
static void dmn_note_written(struct pfsd_daemon *d)
{
	if (!d->bulk_written && pfs_engine_synced(d->engine) &&
	    pfsd_backend_waiting(d->bk) == 0 &&
	    !pfsd_backend_bulk_busy(d->bk))
		d->bulk_written = true;
}

/* Send the wakeup's queued packets; failures go to OERRORS too. */
static void dmn_after_wakeup(void *arg)
{
	struct pfsd_daemon *d = arg;

	/* a few batches of the backend's writes; more wait: come back */
	pfsd_loop_set_busy(d->loop, pfsd_backend_pump(d->bk));
	/* a peer's defer waits for these: after our kernel writes */
	pfs_engine_acks(d->engine, pfsd_daemon_now_ms());
	dmn_note_written(d);
	dmn_limit_log(d);
	dmn_count_failures(d, pfsd_tp_flush(d->tp));
}

void pfsd_daemon_notify_status(const struct pfsd_daemon *d)
{
	const char *sd = d->conf.syncdev;

	(void)pfsd_notifyf("STATUS=%s: %s, syncdev %s, hostid 0x%08x",
			   d->conf.ifname,
			   pfsd_daemon_synced(d) ?
				   "bulk update done" :
				   "waiting for a bulk update",
			   sd[0] != '\0' ? sd : "none", d->hostid);
}

bool pfsd_daemon_unsealed(const struct pfsd_daemon *d)
{
	return d->crypt == NULL && pfsd_tp_receiving(&d->conf);
}

/* Said at start, and when a change makes the sync unsealed: with the
 * conntrack backend an unsealed peer opens pinholes in the firewall. */
static void dmn_say_unsealed(const struct pfsd_daemon *d, bool was)
{
	const char *dev = d->conf.syncdev;

	if (was || !pfsd_daemon_unsealed(d))
		return;
	if (pfsd_backend_kernel(d->bk))
		log_warnx("unsealed sync with the conntrack backend: any host "
			  "on %s can insert connections into the kernel "
			  "(open pinholes) and delete them; set a key",
			  dev);
	else
		log_info("unsealed sync: any host on %s can insert states",
			 dev);
}

static void dmn_synced(void *ctx, bool synced)
{
	struct pfsd_daemon *d = ctx;

	d->synced = synced;
	d->bulk_written = false;
	dmn_note_written(d);
	if (synced)
		log_info("%s: bulk update finished", d->conf.ifname);
	else
		log_info("%s: waiting for a bulk update", d->conf.ifname);
	pfsd_daemon_notify_status(d);
}

/* Count what peers changed; time the stamped changes (latency.h). */
static void dmn_applied(void *ctx, enum pfs_op op, const struct pfs_state *st)
{
	struct pfsd_daemon *d = ctx;
	uint32_t delay;

	d->applied[op]++;
	pfsd_backend_applied(d->bk, op, st);
	if (op != PFS_OP_DELETE &&
	    pfsd_latency_delay(st, d->rx_now_us, &delay))
		pfsd_latency_record(&d->lat, delay);
}

/* The backend changed the engine's table (backend.h). */
static void dmn_kick(void *arg)
{
	pfsd_daemon_kick(arg);
}

/* A peer's state collides by key with one of ours (engine.h): a backend
 * that re-reads states whose creator it cannot know (conntrack) says. */
static bool dmn_adopt(void *ctx, const struct pfs_state *local,
		      const struct pfs_state *peer)
{
	struct pfsd_daemon *d = ctx;

	return pfsd_backend_adopt(d->bk, local, peer);
}

/* A whole bulk of creatorid ended: may an unconfirmed state be its? */
static bool dmn_unconfirmed_of(void *ctx, const struct pfs_state *st,
			       uint32_t creatorid)
{
	struct pfsd_daemon *d = ctx;

	return pfsd_backend_unconfirmed_of(d->bk, st, creatorid);
}

/* version auto: say which dialect we now send, or that peers disagree. */
static void dmn_dialect(void *ctx, unsigned dialect, unsigned fmt, bool mixed)
{
	struct pfsd_daemon *d = ctx;

	if (mixed)
		log_info("%s: peers speak different pfsync dialects; answering "
			 "each in its own and passing states between them",
			 d->conf.ifname);
	else if (dialect == 5)
		log_info("%s: peers speak v5 (FreeBSD), sending v5 format %u",
			 d->conf.ifname, fmt);
	else
		log_info("%s: sending pfsync v%u", d->conf.ifname, dialect);
}

/* A pfsyncd peer's conntrack expectation (ctexp.h). */
static void dmn_expect(void *ctx, const struct pfs_xexp *x)
{
	struct pfsd_daemon *d = ctx;

	pfsd_backend_expect(d->bk, x);
}

/* defer: a held packet may go (defer.h). */
static void dmn_deferred(void *ctx, uint64_t cookie, bool acked)
{
	struct pfsd_daemon *d = ctx;

	pfsd_defer_release(d->dfr, cookie, acked); /* NULL-safe */
}

/* defer: the inserts of held packets go before the wakeup ends. */
static void dmn_defer_send(void *arg)
{
	struct pfsd_daemon *d = arg;

	dmn_count_failures(d, pfsd_tp_flush(d->tp));
}

/* defer on: the queue and its table come before the engine asks for
 * acknowledgements; it needs the conntrack backend. */
static void dmn_defer_start(struct pfsd_daemon *d, const struct pfsd_conf *c)
{
	struct pfsd_defer_env env = {d->loop,  d->engine,      d->bk,
				     dmn_kick, dmn_defer_send, d};

	if (!c->defer || d->dfr != NULL)
		return;
	if (!pfsd_backend_kernel(d->bk)) {
		log_warnx("defer: needs backend conntrack; off");
		return;
	}
	d->dfr = pfsd_defer_new(&env);
}

/* defer off: after the engine let every held packet go. */
static void dmn_defer_stop(struct pfsd_daemon *d, const struct pfsd_conf *c)
{
	if (c->defer || d->dfr == NULL)
		return;
	pfsd_defer_free(d->dfr);
	d->dfr = NULL;
	log_info("defer: off, table %s removed", "inet pfsyncd_defer");
}

static const struct pfs_engine_ops dmn_ops = {
	.deferred = dmn_deferred,
	.output = dmn_output,
	.applied = dmn_applied,
	.synced = dmn_synced,
	.adopt = dmn_adopt,
	.unconfirmed_of = dmn_unconfirmed_of,
	.dialect = dmn_dialect,
	.expect = dmn_expect,
};

/* The kernel dropped packets on the sync socket since the last one we
 * read: a bulk update under way must not end as synced. */
static void dmn_rx_drops(struct pfsd_daemon *d)
{
	struct pfsd_tp_stats ts;
	uint64_t drops, now = pfsd_daemon_now_ms();

	pfsd_tp_stats(d->tp, &ts);
	drops = ts.kernel_drops;
	if (drops == d->rx_drops)
		return;
	/* at most once a second: an overrun lasts */
	if (now >= d->rx_drops_logged_at + 1000) {
		log_warnx("%s: the kernel dropped %" PRIu64 " pfsync packets "
			  "(receive buffer full; sync-rcvbuf)",
			  d->conf.ifname, drops - d->rx_drops_logged);
		d->rx_drops_logged_at = now;
		d->rx_drops_logged = drops;
	}
	d->rx_drops = drops;
	if (pfs_engine_bulk_lost(d->engine))
		d->bulk_lossy++;
}

/* A pfsync header of any dialect that passes its checks. */
static bool dmn_header_ok(const uint8_t *pkt, size_t len)
{
	struct pfs_bsd_header h;
	struct pfs_v3_frame f;

	if (len == 0)
		return false;
	if (pkt[0] == PFS_V5_VERSION || pkt[0] == PFS_V6_VERSION)
		return pfs_bsd_frame_header(pkt, len, pkt[0], &h) == 0;
	return pfs_v3_frame_parse(pkt, len, &f) == 0;
}

static void dmn_rx(void *arg, const uint8_t *pkt, size_t len,
		   const struct pfs_rx_meta *m)
{
	struct pfsd_daemon *d = arg;

	dmn_rx_drops(d);
	if (len > d->rx_max_len)
		d->rx_max_len = len;
	if (d->crypt != NULL) {
		pkt = pfsd_crypt_open(d->crypt, pkt, len, &len);
		if (pkt == NULL)
			return; /* counted by reason (stats -v) */
	}
	/* an IPv6 source is a peer once its packet authenticated, or (not
	 * sealed) has a valid header: before, it could evict none (L2) */
	if (pfsd_peeraddr_is_key(m->src) &&
	    (d->crypt != NULL || dmn_header_ok(pkt, len)))
		pfsd_peeraddr_confirm(&d->paddr, m->src, pfsd_daemon_now_ms());
	/* one clock read per packet: its records are applied together */
	d->rx_now_us = pfsd_latency_now_us();
	pfsd_peers_seen(&d->peers, m->src, d->rx_now_us / 1000);
	if (pfsd_peeraddr_is_key(m->src))
		d->ipackets6++;
	pfs_engine_input(d->engine, pkt, len, m, d->rx_now_us / 1000);
	pfsd_daemon_kick(d);
}

static void dmn_on_timer(void *arg)
{
	struct pfsd_daemon *d = arg;

	d->timer_id = 0;
	pfs_engine_timer(d->engine, pfsd_daemon_now_ms());
	pfsd_daemon_kick(d);
}

void pfsd_daemon_kick(struct pfsd_daemon *d)
{
	uint64_t next = pfs_engine_next_timeout(d->engine);
	int id;

	if (d->timer_id > 0 && next == d->timer_at)
		return;
	if (d->timer_id > 0)
		pfsd_loop_timer_cancel(d->loop, d->timer_id);
	d->timer_id = 0;
	if (next == UINT64_MAX)
		return;
	id = pfsd_loop_timer_add(d->loop, next, dmn_on_timer, d);
	if (id < 0) {
		log_warn("engine timer");
		return;
	}
	d->timer_id = id;
	d->timer_at = next;
}

/*
 * A start with the kernel's table kept (conntrack, entries re-read, the
 * provenance mark telling peers' entries from ours): a digest exchange
 * and the repair of what differs instead of a full bulk update
 * (pfs_engine_digest_sync; it falls back to a bulk when no digest
 * comes).  Otherwise, or with the digest off, the bulk update.
 */
static void dmn_start_sync(struct pfsd_daemon *d)
{
	uint64_t now = pfsd_daemon_now_ms();

	if (!pfsd_backend_kernel(d->bk) || d->conf.prov_mark == 0 ||
	    d->conf.digest_ms == 0 || pfs_table_count(d->table) == 0) {
		pfsd_daemon_bulk(d);
		return;
	}
	d->bulk_started = now;
	/* our connections may be carried elsewhere (backend.h) */
	pfsd_backend_bulk_asked(d->bk);
	if (pfs_engine_digest_sync(d->engine, now) == 0)
		log_info("%s: kernel table kept: digest exchange instead of "
			 "a bulk update", d->conf.ifname);
	pfsd_daemon_kick(d);
}

void pfsd_daemon_bulk(struct pfsd_daemon *d)
{
	uint64_t now = pfsd_daemon_now_ms();

	d->bulk_started = now;
	/* our connections may be carried elsewhere (backend.h) */
	pfsd_backend_bulk_asked(d->bk);
	pfs_engine_bulk_request(d->engine, now);
	pfsd_daemon_kick(d);
}

/*
 * pfsync0 is written only while a packet socket listens (tap auto): look
 * for one every DMN_TAP_POLL_MS.  A tcpdump started now misses at most
 * that much; with no listener the TUN write per packet is saved.
 */
#define DMN_TAP_POLL_MS 200

static void dmn_tap_poll(struct pfsd_daemon *d)
{
	unsigned before = pfsd_tun_listeners(d->tun);

	if (pfsd_tun_poll_listeners(d->tun) == -1)
		return; /* keeps the last count */
	if (pfsd_tun_listeners(d->tun) != before)
		log_debug("%s: %u listener%s", pfsd_tun_name(d->tun),
			  pfsd_tun_listeners(d->tun),
			  pfsd_tun_listeners(d->tun) == 1 ? "" : "s");
}

static void dmn_on_tap_timer(void *arg)
{
	struct pfsd_daemon *d = arg;

	dmn_tap_poll(d);
	pfsd_loop_timer_move(d->loop, d->tap_timer,
			     pfsd_now_ms() + DMN_TAP_POLL_MS);
}

/*
 * Memory freed after a burst (packets held back for order, old index
 * arrays, the writer's queues) stays in the heap, resident, until it is
 * trimmed.  Once a second, when the heap's free bytes moved by
 * DMN_TRIM_MIN or more since the last look, they are given back, so that
 * the resident size follows the table (10 to 40 bytes per entry on a
 * backup after a burst); an idle daemon only reads the counters.
 */
#define DMN_TRIM_MS  1000
#define DMN_TRIM_MIN (1u << 20)

static void dmn_on_trim_timer(void *arg)
{
	struct pfsd_daemon *d = arg;
	struct mallinfo2 mi = mallinfo2();
	size_t moved = mi.fordblks > d->trim_free ? mi.fordblks - d->trim_free
						  : d->trim_free - mi.fordblks;

	if (moved >= DMN_TRIM_MIN) {
		(void)malloc_trim(0);
		d->trim_free = mi.fordblks;
	}
	pfsd_loop_timer_move(d->loop, d->trim_timer,
			     pfsd_now_ms() + DMN_TRIM_MS);
}

static void dmn_trim_setup(struct pfsd_daemon *d)
{
	d->trim_timer = pfsd_loop_timer_add(
	    d->loop, pfsd_now_ms() + DMN_TRIM_MS, dmn_on_trim_timer, d);
	if (d->trim_timer < 0) {
		log_warn("memory trim timer");
		d->trim_timer = 0;
	}
}

/* Tap mode from the config; the poll timer runs in both modes so that
 * the listener count shown by pfsyncctl stays true. */
static int dmn_tap_setup(struct pfsd_daemon *d, const struct pfsd_conf *c)
{
	pfsd_tun_set_tap_always(d->tun, c->tap_always);
	dmn_tap_poll(d);
	if (d->tap_timer > 0)
		return 0;
	d->tap_timer = pfsd_loop_timer_add(d->loop,
					   pfsd_now_ms() + DMN_TAP_POLL_MS,
					   dmn_on_tap_timer, d);
	if (d->tap_timer < 0) {
		log_warn("pfsync0 listener timer");
		d->tap_timer = 0;
		return -1;
	}
	return 0;
}

static struct pfsd_control *dmn_control(struct pfsd_daemon *d,
					const struct pfsd_conf *c)
{
	struct pfsd_control *ctl;

	ctl = pfsd_control_new(d->loop, c->control, c->control_mode,
			       d->serve.command, d);
	if (ctl == NULL)
		log_warn("control socket %s", c->control);
	return ctl;
}

/* metrics-listen: (re)open the scrape listener; a failure is logged and
 * leaves it off (metrics stay readable with pfsyncctl metrics). */
static int dmn_metrics_listen(struct pfsd_daemon *d, const char *addr)
{
	pfsd_mhttp_free(d->mhttp);
	d->mhttp = NULL;
	if (addr[0] == '\0')
		return 0;
	d->mhttp = pfsd_mhttp_new(d->loop, addr, d->serve.metrics, d);
	if (d->mhttp == NULL) {
		log_warn("metrics-listen %s", addr);
		return -1;
	}
	return 0;
}

/* The capture file may be ours or the daemon's user's (privdrop.h). */
static struct pfsd_capture *dmn_capture_open(const struct pfsd_conf *c)
{
	uid_t uid = geteuid();
	gid_t gid;

	if (pfsd_privdrop_ids(c, &uid, &gid) == -1)
		uid = geteuid();
	return pfsd_capture_open(c->capture, uid);
}

static int dmn_open_crypt(struct pfsd_daemon *d, const struct pfsd_conf *c)
{
	char err[512];

	if (c->key[0] == '\0')
		return 0;
	d->crypt = pfsd_crypt_new(c, d->hostid, err, sizeof(err));
	if (d->crypt == NULL) {
		log_warnx("%s", err);
		return -1;
	}
	return 0;
}

/* The transport's view of config c: its device, peers and callback.
 * The unicast peers are the syncpeer, if set, and the peer lines (IPv6 ones
 * by their pinned keys); peers must hold PFSD_PEERS_MAX + 1. */
static void dmn_tp_conf(struct pfsd_daemon *d, const struct pfsd_conf *c,
			uint32_t *peers, struct pfsd_tp_conf *tc)
{
	size_t n = 0;
	unsigned i;

	if (d->syncpeer_key != 0)
		peers[n++] = d->syncpeer_key;
	for (i = 0; i < c->npeers && n < PFSD_PEERS_MAX + 1; i++)
		peers[n++] = c->peers[i];
	for (i = 0; i < c->npeers6 && n < PFSD_PEERS_MAX + 1; i++)
		peers[n++] = pfsd_peeraddr_find(&d->paddr, c->peers6[i]);
	memset(tc, 0, sizeof(*tc));
	tc->loop = d->loop;
	tc->c = c;
	tc->rcvbuf = c->sync_rcvbuf;
	tc->group6 = pfsd_tp_group6(c);
	tc->pa = &d->paddr;
	tc->everyone = d->syncpeer_key;
	tc->peers = peers;
	tc->npeers = n;
	tc->cb = dmn_rx;
	tc->arg = d;
}

static struct pfsd_tp *dmn_tp_open(struct pfsd_daemon *d,
				   const struct pfsd_conf *c)
{
	uint32_t peers[PFSD_PEERS_MAX + 1];
	struct pfsd_tp_conf tc;

	dmn_tp_conf(d, c, peers, &tc);
	return pfsd_tp_open(&tc);
}

/* UDP goes unicast only. */
static int dmn_check_conf(const struct pfsd_conf *c, char *err, size_t errlen)
{
	if (c->transport == PFSD_TRANSPORT_UDP && pfsd_conf_inet6_group(c)) {
		snprintf(err, errlen,
			 "transport udp: the syncpeer must be unicast");
		return -1;
	}
	return 0;
}

static int dmn_open_io(struct pfsd_daemon *d, const struct pfsd_conf *c)
{
	char err[128];

	if (dmn_check_conf(c, err, sizeof(err)) == -1) {
		log_warnx("%s", err);
		return -1;
	}
	if (dmn_open_crypt(d, c) == -1)
		return -1;
	d->tp = dmn_tp_open(d, c);
	if (d->tp == NULL) {
		log_warn("pfsync %s transport (syncdev \"%s\")",
			 pfsd_tp_ops_of(c)->name, c->syncdev);
		return -1;
	}
	d->mtu = dmn_mtu(d, c);
	d->tun = pfsd_tun_open(c->ifname, dmn_tun_mtu(d->mtu), c->up);
	if (d->tun == NULL) {
		log_warn("%s: TUN interface", c->ifname);
		return -1;
	}
	if (dmn_tap_setup(d, c) == -1)
		return -1;
	dmn_trim_setup(d);
	d->ctl = dmn_control(d, c);
	if (d->ctl == NULL)
		return -1;
	if (c->capture[0] != '\0') {
		d->cap = dmn_capture_open(c);
		if (d->cap == NULL) {
			log_warn("capture %s", c->capture);
			return -1;
		}
	}
	return dmn_metrics_listen(d, c->metrics_listen);
}

/* The limit in d into the running engine. */
static void dmn_limit_set(struct pfsd_daemon *d)
{
	struct pfs_engine_conf ec = *pfs_engine_conf(d->engine);

	ec.max_states = d->state_limit;
	(void)pfs_engine_set_conf(d->engine, &ec, pfsd_daemon_now_ms());
}

/* The engine asks for acknowledgements once the queue is there. */
static void dmn_defer_engine(struct pfsd_daemon *d, const struct pfsd_conf *c)
{
	struct pfs_engine_conf ec = *pfs_engine_conf(d->engine);

	ec.defer = true;
	ec.defer_ms = c->defer_ms;
	(void)pfs_engine_set_conf(d->engine, &ec, pfsd_daemon_now_ms());
}

/* The state table, its hashes under a random key of this process only
 * (table.h: outsiders must not be able to choose colliding states). */
static struct pfs_table *dmn_table_new(void)
{
	uint8_t key[PFS_HASHKEY_LEN];
	struct pfs_table *t;

	if (sodium_init() < 0) {
		errno = EIO;
		return NULL;
	}
	randombytes_buf(key, sizeof(key));
	t = pfs_table_new(0, key);
	sodium_memzero(key, sizeof(key));
	return t;
}

static int dmn_open_engine(struct pfsd_daemon *d, const struct pfsd_conf *c)
{
	struct pfs_engine_conf ec;

	d->bk = pfsd_backend_new(c->backend); /* its table's bound first */
	if (d->bk == NULL) {
		log_warn("backend");
		return -1;
	}
	d->table = dmn_table_new();
	if (d->table == NULL) {
		log_warn("state table");
		return -1;
	}
	(void)dmn_limit_update(d, c);
	dmn_engine_conf(d, c, d->mtu, &ec);
	d->engine = pfs_engine_new(&ec, d->table, &dmn_ops, d,
				   pfsd_daemon_now_ms());
	if (d->engine == NULL) {
		log_warn("sync engine");
		return -1;
	}
	return 0;
}

/* The backend, of the config's kind: started once the engine exists
 * (backend.h); its table's bound may have come with its socket. */
static int dmn_start_backend(struct pfsd_daemon *d, const struct pfsd_conf *c)
{
	struct pfsd_backend_env env = {d->engine, d->table, d->loop,
				       dmn_kick,  d,	    c};

	if (pfsd_backend_start(d->bk, &env) == -1) {
		log_warnx("%s backend failed to start",
			  pfsd_backend_name(d->bk));
		return -1;
	}
	if (dmn_limit_update(d, c))
		dmn_limit_set(d);
	return 0;
}

struct pfsd_daemon *pfsd_daemon_new(struct pfsd_loop *loop,
				    const struct pfsd_conf *c,
				    const char *conf_path,
				    const struct pfsd_daemon_serve *serve)
{
	struct pfsd_daemon *d;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return NULL;
	d->loop = loop;
	d->serve = *serve;
	d->conf = *c;
	if (conf_path != NULL)
		snprintf(d->conf_path, sizeof(d->conf_path), "%s", conf_path);
	d->hostid = c->hostid != 0 ? c->hostid : pfsd_daemon_random_hostid();
	d->started_ms = pfsd_now_ms();
	dmn_pin_peers(d, c);
	if (dmn_open_io(d, c) == -1 || dmn_open_engine(d, c) == -1 ||
	    dmn_start_backend(d, c) == -1) {
		pfsd_daemon_free(d);
		return NULL;
	}
	dmn_defer_start(d, c);
	if (d->dfr != NULL)
		dmn_defer_engine(d, c);
	pfsd_loop_set_after(loop, dmn_after_wakeup, d);
	d->synced = pfs_engine_synced(d->engine);
	log_info("%s: hostid 0x%08x, syncdev %s, mtu %u", c->ifname,
		 d->hostid, c->syncdev[0] != '\0' ? c->syncdev : "none",
		 d->mtu);
	dmn_say_unsealed(d, false);
	if (pfsd_tp_receiving(c))
		dmn_start_sync(d);
	pfsd_daemon_kick(d);
	return d;
}

void pfsd_daemon_free(struct pfsd_daemon *d)
{
	if (d == NULL)
		return;
	pfsd_loop_set_after(d->loop, NULL, NULL);
	if (d->timer_id > 0)
		pfsd_loop_timer_cancel(d->loop, d->timer_id);
	if (d->tap_timer > 0)
		pfsd_loop_timer_cancel(d->loop, d->tap_timer);
	if (d->trim_timer > 0)
		pfsd_loop_timer_cancel(d->loop, d->trim_timer);
	pfsd_churn_free(d->churn);
	pfsd_mhttp_free(d->mhttp);
	pfsd_defer_free(d->dfr); /* held packets go, the table goes */
	d->dfr = NULL;
	pfsd_backend_free(d->bk);
	d->bk = NULL;
	if (d->ctl != NULL) {
		pfsd_control_free(d->ctl);
		(void)unlink(d->conf.control); /* clean exit: no stale socket */
	}
	pfs_engine_free(d->engine);
	pfs_table_free(d->table);
	pfsd_capture_close(d->cap);
	pfsd_tun_close(d->tun);
	pfsd_tp_close(d->tp);
	pfsd_crypt_free(d->crypt);
	free(d);
}

/* A new syncdev, transport, port or IPv6 group needs new sockets
 * (membership, multicast interface); the rest changes in place. */
static int dmn_apply_tp(struct pfsd_daemon *d, const struct pfsd_conf *c,
			char *err, size_t errlen)
{
	uint32_t peers[PFSD_PEERS_MAX + 1];
	struct pfsd_tp_conf tc;
	struct pfsd_tp_stats ts;
	struct pfsd_tp *tp;

	dmn_tp_conf(d, c, peers, &tc);
	if (!pfsd_tp_reopen(&d->conf, c)) {
		if (pfsd_tp_reconf(d->tp, &tc) == -1) {
			snprintf(err, errlen, "%s transport: %s",
				 pfsd_tp_ops_of(c)->name, strerror(errno));
			return -1;
		}
		return 0;
	}
	tp = pfsd_tp_open(&tc);
	if (tp == NULL) {
		snprintf(err, errlen, "%s transport, syncdev %s: %s",
			 pfsd_tp_ops_of(c)->name, c->syncdev, strerror(errno));
		return -1;
	}
	dmn_after_wakeup(d); /* the old socket's queue first */
	pfsd_tp_stats(d->tp, &ts);
	d->rx_drops_old += ts.kernel_drops;
	pfsd_tp_close(d->tp);
	d->tp = tp;
	d->rx_drops = d->rx_drops_logged = 0;
	return 0;
}

static int dmn_apply_tun(struct pfsd_daemon *d, const struct pfsd_conf *c,
			 char *err, size_t errlen)
{
	unsigned tmtu = dmn_tun_mtu(d->mtu);
	struct pfsd_tun *t;

	if (strcmp(d->conf.ifname, c->ifname) != 0) {
		t = pfsd_tun_open(c->ifname, tmtu, c->up);
		if (t == NULL) {
			snprintf(err, errlen, "%s: %s", c->ifname,
				 strerror(errno));
			return -1;
		}
		pfsd_tun_close(d->tun);
		d->tun = t;
		(void)dmn_tap_setup(d, c);
		return 0;
	}
	pfsd_tun_set_tap_always(d->tun, c->tap_always);
	if (pfsd_tun_mtu(d->tun) != tmtu && pfsd_tun_set_mtu(d->tun, tmtu) == -1)
		log_warn("%s: mtu %u", c->ifname, tmtu);
	if (pfsd_tun_is_up(d->tun) != c->up &&
	    pfsd_tun_set_up(d->tun, c->up) == -1)
		log_warn("%s: %s", c->ifname, c->up ? "up" : "down");
	return 0;
}

static void dmn_apply_control(struct pfsd_daemon *d, const struct pfsd_conf *c)
{
	struct pfsd_control *ctl;

	if (strcmp(d->conf.control, c->control) == 0 &&
	    d->conf.control_mode == c->control_mode)
		return;
	/* Old first: the new path may be the same file with a new mode. */
	pfsd_control_free(d->ctl);
	if (strcmp(d->conf.control, c->control) != 0)
		(void)unlink(d->conf.control);
	d->ctl = NULL;
	ctl = dmn_control(d, c);
	d->ctl = ctl;
}

/* A new capture path reopens (truncates) the file; "" stops capturing. */
static void dmn_apply_capture(struct pfsd_daemon *d, const struct pfsd_conf *c)
{
	if (strcmp(d->conf.capture, c->capture) == 0)
		return;
	pfsd_capture_close(d->cap);
	d->cap = NULL;
	d->cap_failed = false;
	if (c->capture[0] == '\0')
		return;
	d->cap = dmn_capture_open(c);
	if (d->cap == NULL)
		log_warn("capture %s", c->capture);
}

/* The words that start a bulk update: a syncdev set or changed, or a
 * syncpeer set.  A reload that changes nothing else never does. */
static bool dmn_wants_bulk(const struct pfsd_conf *o, const struct pfsd_conf *c)
{
	if ((c->transport == PFSD_TRANSPORT_UDP || pfsd_tp_unicast_cluster(c)) &&
	    (o->transport != c->transport || o->udp_port != c->udp_port ||
	     o->npeers != c->npeers ||
	     memcmp(o->peers, c->peers, c->npeers * sizeof(c->peers[0])) != 0 ||
	     o->npeers6 != c->npeers6 ||
	     memcmp(o->peers6, c->peers6, c->npeers6 * sizeof(c->peers6[0])) !=
		 0))
		return true;
	if (c->syncdev[0] != '\0' && strcmp(o->syncdev, c->syncdev) != 0)
		return true;
	if (pfsd_conf_inet6(c) &&
	    memcmp(c->syncpeer6, o->syncpeer6, sizeof(c->syncpeer6)) != 0)
		return true;
	return c->syncpeer != 0 && c->syncpeer != o->syncpeer;
}

/*
 * Keys: a key file set, changed or re-read (a reload rotates the key in
 * it, seal.h); "" goes back to plain v3.  Before anything else changes,
 * so that a bad key file leaves the running config in force.
 */
static int dmn_apply_crypt(struct pfsd_daemon *d, const struct pfsd_conf *c,
			   uint32_t hostid, char *err, size_t errlen)
{
	struct pfsd_crypt *cr;

	if (c->key[0] == '\0') {
		pfsd_crypt_free(d->crypt);
		d->crypt = NULL;
		return 0;
	}
	if (d->crypt != NULL)
		return pfsd_crypt_apply(d->crypt, c, hostid, err, errlen);
	cr = pfsd_crypt_new(c, hostid, err, errlen);
	if (cr == NULL)
		return -1;
	dmn_after_wakeup(d); /* what is queued goes out as it was made */
	d->crypt = cr;
	return 0;
}

static int dmn_apply(struct pfsd_daemon *d, const struct pfsd_conf *c,
		     char *err, size_t errlen)
{
	struct pfs_engine_conf ec;
	uint32_t hostid = c->hostid != 0 ? c->hostid : d->hostid;
	struct pfsd_conf old = d->conf;
	bool was_unsealed = pfsd_daemon_unsealed(d);

	if (dmn_apply_crypt(d, c, hostid, err, errlen) == -1)
		return -1;
	if (dmn_apply_tp(d, c, err, errlen) == -1)
		return -1;
	d->hostid = hostid;
	d->mtu = dmn_mtu(d, c);
	(void)dmn_limit_update(d, c);
	dmn_defer_start(d, c);
	dmn_engine_conf(d, c, d->mtu, &ec);
	if (pfs_engine_set_conf(d->engine, &ec, pfsd_daemon_now_ms()) == -1) {
		snprintf(err, errlen, "engine: %s", strerror(errno));
		return -1;
	}
	dmn_defer_stop(d, c);
	if (dmn_apply_tun(d, c, err, errlen) == -1)
		return -1;
	dmn_apply_control(d, c);
	dmn_apply_capture(d, c);
	if (strcmp(old.metrics_listen, c->metrics_listen) != 0)
		(void)dmn_metrics_listen(d, c->metrics_listen);
	if (old.log_level != c->log_level)
		log_setlevel(c->log_level);
	d->conf = *c;
	if (strcmp(old.user, c->user) != 0) {
		/* who may change things follows the user we run as */
		log_warnx("user: a change needs a restart; keeping %s",
			  pfsd_privdrop_user(&old));
		memcpy(d->conf.user, old.user, sizeof(d->conf.user));
	}
	if (old.backend != c->backend) {
		log_warnx("backend: a change needs a restart; keeping %s",
			  pfsd_backend_name(d->bk));
		d->conf.backend = old.backend;
	}
	dmn_say_unsealed(d, was_unsealed);
	if (old.prov_mark != c->prov_mark) {
		log_warnx("provenance: a change needs a restart; keeping "
			  "0x%08x", (unsigned)old.prov_mark);
		d->conf.prov_mark = old.prov_mark;
	}
	if (dmn_wants_bulk(&old, c))
		pfsd_daemon_bulk(d);
	pfsd_daemon_kick(d);
	return 0;
}

/* The new config's peers are pinned first; a failure pins the running
 * config's again. */
int pfsd_daemon_apply(struct pfsd_daemon *d, const struct pfsd_conf *c,
		      char *err, size_t errlen)
{
	if (dmn_check_conf(c, err, errlen) == -1)
		return -1;
	dmn_pin_peers(d, c);
	if (dmn_apply(d, c, err, errlen) == 0)
		return 0;
	dmn_pin_peers(d, &d->conf);
	return -1;
}

void pfsd_daemon_reload(struct pfsd_daemon *d)
{
	struct pfsd_conf c;
	char err[512];

	if (d->conf_path[0] == '\0')
		return;
	if (pfsd_conf_parse_file(d->conf_path, &c, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the running config", err);
		return;
	}
	if (pfsd_conf_equal(&c, &d->conf)) {
		/* the key file may hold a new key all the same */
		if (d->crypt != NULL &&
		    pfsd_crypt_apply(d->crypt, &c, d->hostid, err,
				     sizeof(err)) == -1)
			log_warnx("reload: %s; keeping the keys", err);
		pfsd_backend_reload(d->bk, &d->conf);
		/* and nf_conntrack_max a new value (limit states auto) */
		if (dmn_limit_update(d, &d->conf))
			dmn_limit_set(d);
		log_info("reload: %s unchanged", d->conf_path);
		return;
	}
	if (pfsd_daemon_apply(d, &c, err, sizeof(err)) == -1) {
		log_warnx("reload: %s; keeping the running config", err);
		return;
	}
	pfsd_backend_reload(d->bk, &d->conf);
	log_info("reload: %s applied", d->conf_path);
}
