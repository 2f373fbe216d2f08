/*
 * tp.h - the sync transport interface: what carries pfsync payloads
 * between the nodes, behind one ops table.
 *
 * Implementations: raw IPv4 (IP protocol 240, tp_raw.c), raw IPv6 (the
 * same over IPv6 as well, FreeBSD 14; IPv4 peers are still answered
 * over IPv4), UDP to a list of unicast peers (tp_udp.c), and redundant
 * links, several of the raw ones at once (links.c), and raw IPv4/IPv6
 * to a list of unicast peers (tp_ucast.c).  The daemon opens
 * the one pfsd_tp_ops_of() picks for its config and never asks which it
 * holds: it sends to a destination, flushes once per loop wakeup, and
 * reads the counters.
 *
 * Destinations are the engine's peer keys (engine.h: IPv4 addresses in
 * host order, or keys of IPv6 peers in a struct pfsd_peeraddr) or
 * PFS_V3_GROUP, "everyone": the group on a raw link, every peer over
 * UDP.  Received payloads go to the rx callback with their IP facts
 * (struct pfs_rx_meta).
 */
#ifndef PFSYNCD_TP_H
#define PFSYNCD_TP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "loop.h"
#include "net/transport.h"

struct pfsd_peeraddr;

/* What a transport is opened with (copied where kept). */
struct pfsd_tp_conf {
	struct pfsd_loop *loop;
	const struct pfsd_conf *c; /* syncdev, port, links, ... */
	unsigned rcvbuf;	   /* receive buffer asked for */
	const uint8_t *group6;	   /* raw IPv6: where the group goes */
	struct pfsd_peeraddr *pa;  /* IPv6 peers <-> engine keys */
	bool bind_dev;		   /* raw: the syncdev's packets only */
	uint32_t everyone;	   /* a key that means "every peer" as
				      PFS_V3_GROUP does (UDP: syncpeer) */
	const uint32_t *peers;	   /* UDP: the peers, keys */
	size_t npeers;
	pfsd_tp_rx_cb cb;
	void *arg;
};

/* The IP addresses a payload to dst would carry (the pfsync0 copy). */
struct pfsd_tp_addr {
	bool v6;
	uint32_t src4;	  /* IPv4, host order */
	uint8_t src6[16]; /* IPv6 */
	uint8_t dst6[16];
};

/*
 * A transport's own counters, beyond struct pfsd_tp_stats: sections of
 * lines, each line a JSON key, a text line and a metrics label.  stats
 * prints head and lines; metrics a counter family of the lines, labelled
 * by label (and by what, when set: a link's name).
 */
#define PFSD_TP_LINES	 12
#define PFSD_TP_SECTIONS 19 /* unicast: the whole, 18 peers */
struct pfsd_tp_line {
	const char *key;   /* JSON: "udp_rx" */
	const char *text;  /* "datagrams received" */
	const char *label; /* metrics: kind="received" */
	uint64_t v;
	bool gauge; /* a value now, not a count (metrics: no _total) */
};
struct pfsd_tp_section {
	char head[80];	      /* "udp: port", text */
	const char *head_key; /* "udp_port": head_v follows the head */
	unsigned head_v;
	const char *metric; /* "pfsyncd_udp_datagrams_total" */
	const char *help;
	const char *what_label; /* "link", or NULL */
	char what[48];		/* its value: "eth2", an IPv6 peer */
	size_t n;
	struct pfsd_tp_line line[PFSD_TP_LINES];
};

struct pfsd_tp_ops {
	const char *name;    /* "raw4", "raw6", "udp", "links", "unicast" */
	const char *carrier; /* for doctor: "IP protocol 240" */
	unsigned hdr;	     /* bytes besides the IP header: UDP 8 */
	bool devless;	     /* takes peers' packets without a syncdev */
	/* NULL with errno (a syncdev that does not exist: ENODEV). */
	void *(*open)(const struct pfsd_tp_conf *tc);
	void (*close)(void *t); /* sends what is queued first */
	/* What may change without reopening: rcvbuf, peers.  0/-1 errno. */
	int (*reconf)(void *t, const struct pfsd_tp_conf *tc);
	/* Queue or send one payload: 0, or -1 when it failed now. */
	int (*send)(void *t, const uint8_t *p, size_t len, uint32_t dst);
	/* Send what is queued; the packets that failed since the last
	 * call, here or in send (beyond a send's own -1). */
	unsigned (*flush)(void *t);
	bool (*over6)(const void *t, uint32_t dst); /* counted OPACKETS6 */
	int (*tap_addr)(const void *t, uint32_t dst, struct pfsd_tp_addr *a);
	unsigned (*mtu)(const void *t); /* 0: no device to ask */
	unsigned (*rcvbuf)(const void *t);
	void (*stats)(const void *t, struct pfsd_tp_stats *s);
	uint64_t (*proc_drops)(const void *t);
	size_t (*sections)(const void *t, struct pfsd_tp_section *s,
			   size_t max);
};

/* An open transport: its ops and its own state. */
struct pfsd_tp {
	const struct pfsd_tp_ops *ops;
	void *impl;
};

extern const struct pfsd_tp_ops pfsd_tp_raw4_ops;
extern const struct pfsd_tp_ops pfsd_tp_raw6_ops;
extern const struct pfsd_tp_ops pfsd_tp_udp_ops;
extern const struct pfsd_tp_ops pfsd_tp_links_ops;
extern const struct pfsd_tp_ops pfsd_tp_ucast_ops;

/* The transport a config asks for: the only place that looks. */
const struct pfsd_tp_ops *pfsd_tp_ops_of(const struct pfsd_conf *c);
/*
 * `peer` lines (raw or UDP): the syncpeer, if set, and each peer are
 * the cluster, and everything for everyone goes to each of them.  The
 * engine then sees no syncpeer (it sends to PFS_V3_GROUP, which the
 * transport sends to each peer, and answers each peer that asks, as a
 * syncpeer is answered); pfsd_tp_engine_peer() is its syncpeer.
 */
bool pfsd_tp_unicast_cluster(const struct pfsd_conf *c);
uint32_t pfsd_tp_engine_peer(const struct pfsd_conf *c, uint32_t syncpeer);
/* Where PFS_V3_GROUP goes over IPv6: a group syncpeer, else ff12::f0. */
const uint8_t *pfsd_tp_group6(const struct pfsd_conf *c);
/* Must a change from o to c reopen the transport? */
bool pfsd_tp_reopen(const struct pfsd_conf *o, const struct pfsd_conf *c);

/* Open the transport of tc->c: NULL with errno. */
struct pfsd_tp *pfsd_tp_open(const struct pfsd_tp_conf *tc);
void pfsd_tp_close(struct pfsd_tp *t); /* NULL-safe */

int pfsd_tp_reconf(struct pfsd_tp *t, const struct pfsd_tp_conf *tc);
int pfsd_tp_send(struct pfsd_tp *t, const uint8_t *p, size_t len, uint32_t dst);
unsigned pfsd_tp_flush(struct pfsd_tp *t);
/* Does config c take packets from peers (a syncdev, or UDP)? */
bool pfsd_tp_receiving(const struct pfsd_conf *c);
bool pfsd_tp_over6(const struct pfsd_tp *t, uint32_t dst);
int pfsd_tp_tap_addr(const struct pfsd_tp *t, uint32_t dst,
		     struct pfsd_tp_addr *a);
unsigned pfsd_tp_mtu(const struct pfsd_tp *t);
unsigned pfsd_tp_rcvbuf(const struct pfsd_tp *t);
const char *pfsd_tp_carrier(const struct pfsd_tp *t);
/* Zeros when t is NULL. */
void pfsd_tp_stats(const struct pfsd_tp *t, struct pfsd_tp_stats *s);
uint64_t pfsd_tp_proc_drops(const struct pfsd_tp *t);
size_t pfsd_tp_sections(const struct pfsd_tp *t, struct pfsd_tp_section *s,
			size_t max);
/* The pfsync0 addresses of a raw transport (tp_raw.c, for tp_udp.c). */
int pfsd_tp_raw_addr(const struct pfsd_transport *t, uint32_t dst,
		     struct pfsd_tp_addr *a);
/* The value of a section's line by its key, 0 when it has none. */
uint64_t pfsd_tp_line_v(const struct pfsd_tp_section *s, const char *key);
/* Add a line to a section (up to PFSD_TP_LINES). */
void pfsd_tp_line_add(struct pfsd_tp_section *s, const char *key,
		      const char *text, const char *label, uint64_t v);

#endif
