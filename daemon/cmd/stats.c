/*
 * stats.c - `stats`: pfsync's counters as netstat -s -p pfsync prints
 * them, then (-v in text, always in JSON) the daemon's own counters and
 * each part's section (stats_parts.c).
 */
#include <errno.h>
#include <inttypes.h>

#include "pfsync/engine.h"
#include "pfsync/stats.h"

#include "cmd_priv.h"
#include "control.h"
#include "daemon.h"
#include "net/tp.h"
#include "net/tun.h"

/* netstat -s -p pfsync: its order, wording and indentation.  The noun
 * takes plural() "s"; ONOMEM and OERRORS never do. */
static const struct {
	enum pfs_stat slot;
	const char *noun;
	const char *rest;
	unsigned tabs;
	bool plural;
} stats_lines[PFS_NSTATS] = {
    {PFS_STAT_IPACKETS, "packet", " received (IPv4)", 1, true},
    {PFS_STAT_IPACKETS6, "packet", " received (IPv6)", 1, true},
    {PFS_STAT_BADIF, "packet", " discarded for bad interface", 2, true},
    {PFS_STAT_BADTTL, "packet", " discarded for bad ttl", 2, true},
    {PFS_STAT_HDROPS, "packet", " shorter than header", 2, true},
    {PFS_STAT_BADVER, "packet", " discarded for bad version", 2, true},
    {PFS_STAT_BADAUTH, "packet", " discarded for bad HMAC", 2, true},
    {PFS_STAT_BADACT, "packet", " discarded for bad action", 2, true},
    {PFS_STAT_BADLEN, "packet", " discarded for short packet", 2, true},
    {PFS_STAT_BADVAL, "state", " discarded for bad values", 2, true},
    {PFS_STAT_STALE, "stale state", "", 2, true},
    {PFS_STAT_BADSTATE, "failed state lookup/insert", "", 2, true},
    {PFS_STAT_OPACKETS, "packet", " sent (IPv4)", 1, true},
    {PFS_STAT_OPACKETS6, "packet", " sent (IPv6)", 1, true},
    {PFS_STAT_ONOMEM, "send failed due to mbuf memory error", "", 2, false},
    {PFS_STAT_OERRORS, "send error", "", 2, false},
};

static void stats_pfsync(struct cmd_req *r)
{
	uint64_t s[PFS_NSTATS];
	size_t i;

	pfsd_daemon_stats(r->d, s); /* IPv4 and IPv6 counts split */
	pfsd_rnd_text(&r->rnd, "pfsync:\n");
	for (i = 0; i < PFS_NSTATS; i++) {
		enum pfs_stat slot = stats_lines[i].slot;
		uint64_t v = s[slot];
		const char *pl = stats_lines[i].plural && v != 1 ? "s" : "";

		pfsd_rnd_u64(&r->rnd, pfs_stat_name(slot),
			     stats_lines[i].tabs == 2
				 ? "\t\t%" PRIu64 " %s%s%s\n"
				 : "\t%" PRIu64 " %s%s%s\n",
			     v, stats_lines[i].noun, pl, stats_lines[i].rest);
	}
}

/* The sync socket's kernel drops: what SO_RXQ_OVFL told so far, or
 * /proc/net/raw's count for the socket when that is ahead (drops after
 * the last packet read show there first); plus replaced sockets'. */
/* How packets came in: read, dropped by the kernel, bulk losses. */
static void stats_daemon_rx(struct cmd_req *r)
{
	const struct pfsd_daemon *d = r->d;
	struct pfsd_tp_stats tps, *ts = &tps;
	struct pfsd_rnd *o = &r->rnd;

	pfsd_tp_stats(d->tp, ts);
	pfsd_rnd_text(o, "pfsyncd:\n");
	pfsd_rnd_u64(o, "rx_packets", "\t%" PRIu64 " packets read in ",
		     ts->received);
	pfsd_rnd_u64(o, "rx_batches", "%" PRIu64 " batches\n", ts->batches);
	pfsd_rnd_u64(o, "kernel_drops",
		     "\t%" PRIu64 " packets dropped by the kernel ",
		     pfsd_daemon_kernel_drops(d));
	pfsd_rnd_uint(o, "rcvbuf", "(receive buffer of %u bytes full)\n",
		      pfsd_tp_rcvbuf(d->tp));
	pfsd_rnd_u64(o, "bulk_lossy",
		     "\t%" PRIu64 " bulk updates asked again after a loss\n",
		     d->bulk_lossy);
	pfsd_rnd_u64(o, "bulk_resent",
		     "\t%" PRIu64 " bulk walks sent again after a send "
		     "failure\n",
		     d->bulk_resent);
	pfsd_rnd_u64(o, "ctl_evicted",
		     "\t%" PRIu64 " control clients closed to make room\n",
		     pfsd_control_evicted(d->ctl));
}

/* What we ignored or failed to send, and the peer changes applied. */
static void stats_daemon_io(struct cmd_req *r)
{
	const struct pfsd_daemon *d = r->d;
	struct pfsd_tp_stats tps, *ts = &tps;
	struct pfsd_rnd *o = &r->rnd;

	pfsd_tp_stats(d->tp, ts);
	pfsd_rnd_u64(o, "own", "\t%" PRIu64 " own packets ignored\n", ts->own);
	pfsd_rnd_u64(o, "malformed", "\t%" PRIu64 " malformed IP packets\n",
		     ts->malformed);
	pfsd_rnd_u64(o, "rx_badsrc",
		     "\t%" PRIu64 " packets from impossible sources "
		     "(0.0.0.0/8, multicast, broadcast)\n",
		     ts->badsrc);
	pfsd_rnd_u64(o, "send_failures", "\t%" PRIu64 " send failures\n",
		     ts->send_errors);
	pfsd_rnd_u64(o, "tap_drops", "\t%" PRIu64 " tap copies dropped\n",
		     pfsd_tun_drops(d->tun));
	pfsd_rnd_u64(o, "applied_ins", "\t%" PRIu64 " peer inserts applied\n",
		     d->applied[PFS_OP_INSERT]);
	pfsd_rnd_u64(o, "applied_upd", "\t%" PRIu64 " peer updates applied\n",
		     d->applied[PFS_OP_UPDATE]);
	pfsd_rnd_u64(o, "applied_del", "\t%" PRIu64 " peer deletes applied\n",
		     d->applied[PFS_OP_DELETE]);
}

int cmd_stats(struct cmd_req *r)
{
	if (r->argc != 1)
		return cmd_fail(r, EINVAL, "usage: stats");
	pfsd_rnd_object(&r->rnd, NULL);
	stats_pfsync(r);
	cmd_digest_creators(r);
	pfsd_rnd_quiet(&r->rnd, !r->verbose);
	stats_daemon_rx(r);
	stats_daemon_io(r);
	cmd_iface_dialect(r);
	cmd_stats_parts(r);
	pfsd_rnd_close(&r->rnd);
	return 0;
}
