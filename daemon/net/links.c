/*
 * links.c - redundant sync links behind the transport ops table (tp.h):
 * the syncdev and each `link` (linkconf.h) carry the same sync at once.
 *
 * Why every link at once, not failover: a failover must first notice
 * that a link is gone (carrier, or silence of a few heartbeats), and
 * what was sent on it meanwhile is lost: pfsyncd peers would ask for it
 * again, BSD peers never.  Sent on every link, a change reaches the
 * peer as long as one link works, with no switch-over and no timer; the
 * price is a copy per link on the wire, and the receiver's work to take
 * one copy only.
 *
 * Sending: one raw IPv4 socket per link, bound to its interface.  The
 * group goes out on each; a peer key goes to that peer's address on
 * each link where it is known (see nodes, below), else on the syncdev.
 * A packet counts as sent when one link took it; each link counts its
 * own failures.
 *
 * Receiving, one copy: a packet is identified by a keyed hash of its
 * payload (the bytes after the IP header, the same on every link: the
 * sender frames and seals it once).  Between pfsyncd peers that payload
 * is unique anyway (the trailer's stream epoch and sequence number, or
 * the seal's nonce); a BSD peer's plain v3/v5/v6 may repeat a packet
 * byte for byte.  So copies are counted per link: a packet is taken
 * when it has now arrived more often on this link than on any other
 * within LK_WINDOW_MS, else it is a copy and dropped (counted, dup).
 * That keeps repeats and drops copies, whatever the order: a late copy
 * of an INS that arrives on the second link after the DEL that followed
 * it on the first is dropped, not applied again (which would bring the
 * deleted state back).  A copy later than LK_WINDOW_MS, or one whose
 * entry had to make room (counted, dedup_evicted), is taken again.
 *
 * Nodes: a peer has one address per link, and the engine ties a
 * stream to the address of its first packet (engine_rel.c).  The
 * addresses of one peer are joined into one node, whose key is what
 * the engine sees for packets from any of them: configured (the
 * interface's syncpeer and each link's), or learnt when a copy on one
 * link matches a packet from another address on another link.  Of two
 * nodes joined the older keeps its key.  Unsealed, anyone on a link can
 * make such a match (as it can send states); sealed, a replayed copy
 * only makes its sender an address of the node.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "pfsync/wire_v3.h"

#include "net/linkconf.h"
#include "net/linkdup.h"
#include "loop.h"
#include "net/tp.h"
#include "net/transport.h"

struct pfsd_links;

struct lk_link {
	struct pfsd_links *L;
	unsigned idx;
	char dev[IFNAMSIZ];
	uint32_t peer; /* this link's syncpeer, 0 = the group */
	void *raw;     /* pfsd_tp_raw4_ops */
	uint64_t rx, dup, tx, tx_err;
	uint64_t heard_ms; /* last packet received, 0 = none */
};

struct pfsd_links {
	unsigned n;
	struct lk_link link[PFSD_LINKDUP_LINKS];
	pfsd_tp_rx_cb cb;
	void *arg;
	uint64_t opened_ms;
	struct pfsd_linkdup *dup; /* one copy of each packet, nodes */
};

static void lk_rx(void *arg, const uint8_t *pkt, size_t len,
		  const struct pfs_rx_meta *m)
{
	struct lk_link *l = arg;
	struct pfsd_links *L = l->L;
	uint64_t now = pfsd_now_ms();
	struct pfs_rx_meta km = *m;

	l->rx++;
	l->heard_ms = now;
	if (L->n > 1 &&
	    pfsd_linkdup_copy(L->dup, pkt, len, l->idx, m->src, now)) {
		l->dup++;
		return;
	}
	km.src = pfsd_linkdup_key(L->dup, l->idx, m->src, now);
	L->cb(L->arg, pkt, len, &km);
}

/* ---- open, close -------------------------------------------------------*/

static void lk_close(void *impl)
{
	struct pfsd_links *L = impl;
	unsigned i;

	for (i = 0; i < L->n; i++)
		if (L->link[i].raw != NULL)
			pfsd_tp_raw4_ops.close(L->link[i].raw);
	pfsd_linkdup_free(L->dup);
	free(L);
}

static int lk_open_link(struct pfsd_links *L, unsigned i,
			const struct pfsd_tp_conf *tc)
{
	struct lk_link *l = &L->link[i];
	struct pfsd_conf *c = malloc(sizeof(*c));
	struct pfsd_tp_conf ltc = *tc;

	if (c == NULL)
		return -1;
	*c = *tc->c;
	memcpy(c->syncdev, l->dev, sizeof(c->syncdev));
	c->links.n = 0;
	ltc.c = c;
	ltc.bind_dev = true;
	ltc.cb = lk_rx;
	ltc.arg = l;
	l->raw = pfsd_tp_raw4_ops.open(&ltc);
	free(c);
	return l->raw != NULL ? 0 : -1;
}

/* The configured syncpeers: one node, known on every link. */
static void lk_seed(struct pfsd_links *L, uint32_t syncpeer)
{
	uint32_t addr[PFSD_LINKDUP_LINKS] = {0};
	unsigned i;

	if (syncpeer == 0)
		return;
	addr[0] = syncpeer;
	for (i = 1; i < L->n; i++)
		addr[i] = L->link[i].peer;
	pfsd_linkdup_seed(L->dup, addr);
}

static void lk_names(struct pfsd_links *L, const struct pfsd_conf *c)
{
	unsigned i;

	L->n = c->links.n + 1;
	memcpy(L->link[0].dev, c->syncdev, sizeof(L->link[0].dev));
	L->link[0].peer = c->syncpeer;
	for (i = 1; i < L->n; i++) {
		memcpy(L->link[i].dev, c->links.l[i - 1].dev,
		       sizeof(L->link[i].dev));
		L->link[i].peer = c->links.l[i - 1].peer;
	}
	for (i = 0; i < L->n; i++) {
		L->link[i].L = L;
		L->link[i].idx = i;
	}
}

static void *lk_open(const struct pfsd_tp_conf *tc)
{
	struct pfsd_links *L = calloc(1, sizeof(*L));
	unsigned i;
	int saved;

	if (L == NULL)
		return NULL;
	L->dup = pfsd_linkdup_new(NULL);
	if (L->dup == NULL) {
		free(L);
		return NULL;
	}
	L->cb = tc->cb;
	L->arg = tc->arg;
	L->opened_ms = pfsd_now_ms();
	lk_names(L, tc->c);
	for (i = 0; i < L->n; i++) {
		if (lk_open_link(L, i, tc) == -1) {
			saved = errno;
			lk_close(L);
			errno = saved;
			return NULL;
		}
	}
	lk_seed(L, tc->c->syncpeer);
	return L;
}

static int lk_reconf(void *impl, const struct pfsd_tp_conf *tc)
{
	struct pfsd_links *L = impl;
	unsigned i;

	for (i = 0; i < L->n; i++)
		if (pfsd_tp_raw4_ops.reconf(L->link[i].raw, tc) == -1)
			return -1;
	return 0;
}

/* ---- sending -----------------------------------------------------------*/

static int lk_send(void *impl, const uint8_t *p, size_t len, uint32_t dst)
{
	struct pfsd_links *L = impl;
	unsigned i, sent = 0, tried = 0;
	uint32_t to;

	for (i = 0; i < L->n; i++) {
		struct lk_link *l = &L->link[i];

		to = pfsd_linkdup_dst(L->dup, i, dst);
		if (to == 0)
			continue;
		tried++;
		if (pfsd_tp_raw4_ops.send(l->raw, p, len, to) == 0) {
			l->tx++;
			sent++;
		} else {
			l->tx_err++;
		}
	}
	return sent > 0 || tried == 0 ? 0 : -1;
}

/* A flush failed when it failed on every link: the fewest failures. */
static unsigned lk_flush(void *impl)
{
	struct pfsd_links *L = impl;
	unsigned i, f, least = UINT32_MAX;

	for (i = 0; i < L->n; i++) {
		struct lk_link *l = &L->link[i];

		f = pfsd_tp_raw4_ops.flush(l->raw);
		l->tx_err += f;
		l->tx -= f < l->tx ? f : l->tx;
		if (f < least)
			least = f;
	}
	return least == UINT32_MAX ? 0 : least;
}

/* ---- what it tells -----------------------------------------------------*/

static bool lk_over6(const void *impl, uint32_t dst)
{
	(void)impl;
	(void)dst;
	return false; /* links are IPv4 only (linkconf.h) */
}

static int lk_tap_addr(const void *impl, uint32_t dst, struct pfsd_tp_addr *a)
{
	const struct pfsd_links *L = impl;

	return pfsd_tp_raw4_ops.tap_addr(L->link[0].raw, dst, a);
}

/* The smallest MTU of the links: a packet must fit each. */
static unsigned lk_mtu(const void *impl)
{
	const struct pfsd_links *L = impl;
	unsigned i, m, least = 0;

	for (i = 0; i < L->n; i++) {
		m = pfsd_tp_raw4_ops.mtu(L->link[i].raw);
		if (m != 0 && (least == 0 || m < least))
			least = m;
	}
	return least;
}

static unsigned lk_rcvbuf(const void *impl)
{
	const struct pfsd_links *L = impl;

	return pfsd_tp_raw4_ops.rcvbuf(L->link[0].raw);
}

static void lk_stats(const void *impl, struct pfsd_tp_stats *s)
{
	const struct pfsd_links *L = impl;
	struct pfsd_tp_stats one;
	unsigned i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < L->n; i++) {
		pfsd_tp_raw4_ops.stats(L->link[i].raw, &one);
		s->received += one.received;
		s->batches += one.batches;
		s->own += one.own;
		s->malformed += one.malformed;
		s->badsrc += one.badsrc;
		s->send_errors += one.send_errors;
		s->kernel_drops += one.kernel_drops;
	}
}

static uint64_t lk_proc_drops(const void *impl)
{
	const struct pfsd_links *L = impl;
	uint64_t n = 0;
	unsigned i;

	for (i = 0; i < L->n; i++)
		n += pfsd_tp_raw4_ops.proc_drops(L->link[i].raw);
	return n;
}

/* The interface is up: its operstate says up (or unknown: a device
 * without carrier state, as dummy). */
static bool lk_dev_up(const char *dev)
{
	char path[64], s[16] = "";
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/net/%s/operstate", dev);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd == -1)
		return false;
	n = read(fd, s, sizeof(s) - 1);
	close(fd);
	s[n > 0 ? n : 0] = '\0';
	return strncmp(s, "up", 2) == 0 || strncmp(s, "unknown", 7) == 0;
}

static void lk_section(const struct pfsd_links *L, const struct lk_link *l,
		       struct pfsd_tp_section *s, uint64_t now)
{
	bool up = lk_dev_up(l->dev);
	uint64_t since = l->heard_ms != 0 ? l->heard_ms : L->opened_ms;

	memset(s, 0, sizeof(*s));
	snprintf(s->head, sizeof(s->head), "link %s: %s%s", l->dev,
		 up ? "up" : "down", l->idx == 0 ? " (syncdev)" : "");
	s->metric = "pfsyncd_link_packets_total";
	s->help = "Packets on each sync link, by what became of them.";
	s->what_label = "link";
	memcpy(s->what, l->dev, strnlen(l->dev, sizeof(s->what) - 1));
	pfsd_tp_line_add(s, "link_rx", "packets received", "received", l->rx);
	pfsd_tp_line_add(s, "link_dup",
			 "copies dropped (taken from another link)", "copy",
			 l->dup);
	pfsd_tp_line_add(s, "link_tx", "packets sent", "sent", l->tx);
	pfsd_tp_line_add(s, "link_send_errors", "send failures", "send_error",
			 l->tx_err);
	pfsd_tp_line_add(s, "link_up", "link up (1) or down (0)",
			 "pfsyncd_link_up", up);
	s->line[s->n - 1].gauge = true;
	pfsd_tp_line_add(s, "link_silent_ms",
			 "ms since a packet came in on the link",
			 "pfsyncd_link_silent_ms", now - since);
	s->line[s->n - 1].gauge = true;
}

static size_t lk_sections(const void *impl, struct pfsd_tp_section *s,
			  size_t max)
{
	const struct pfsd_links *L = impl;
	uint64_t now = pfsd_now_ms();
	size_t i;

	for (i = 0; i < L->n && i + 1 < max; i++)
		lk_section(L, &L->link[i], &s[i], now);
	if (i + 1 > max)
		return i;
	memset(&s[i], 0, sizeof(s[i]));
	snprintf(s[i].head, sizeof(s[i].head), "links:");
	s[i].metric = "pfsyncd_links_total";
	s[i].help = "Redundant sync links: duplicate checks forgotten early "
		    "(a late copy may apply again), peer addresses joined.";
	pfsd_tp_line_add(&s[i], "links_dedup_evicted",
			 "packets forgotten early (a late copy may apply "
			 "again)",
			 "dedup_evicted", pfsd_linkdup_evicted(L->dup));
	pfsd_tp_line_add(&s[i], "links_joined",
			 "peer addresses joined across links", "joined",
			 pfsd_linkdup_joined(L->dup));
	return i + 1;
}

const struct pfsd_tp_ops pfsd_tp_links_ops = {
    .name = "links",
    .carrier = "IP protocol 240",
    .hdr = 0,
    .devless = false,
    .open = lk_open,
    .close = lk_close,
    .reconf = lk_reconf,
    .send = lk_send,
    .flush = lk_flush,
    .over6 = lk_over6,
    .tap_addr = lk_tap_addr,
    .mtu = lk_mtu,
    .rcvbuf = lk_rcvbuf,
    .stats = lk_stats,
    .proc_drops = lk_proc_drops,
    .sections = lk_sections,
};
