/*
 * config.h - pfsyncd.conf(5): parse, check and print the daemon's config.
 *
 * The file is line based; '#' starts a comment.  Keywords:
 *
 *   interface pfsync0 up syncdev eth2 syncpeer 10.0.0.2 maxupd 64 version 6
 *   hostid 0x0a000001          (0 or absent: random at start)
 *   control "/run/pfsyncd.sock"
 *   control-mode 0600
 *   backend memory | conntrack
 *   log-level error | warning | info | debug
 *   capture "/var/log/pfsync0.pcap"
 *   bulk-pace 64               (packets per bulk tick)
 *   bulk-tick 1                (milliseconds)
 *   bulk-retry 5000            (ms of bulk silence before asking again)
 *   mtu 1500                   (override the syncdev MTU)
 *   tap auto | always
 *   sync-rcvbuf 8388608        (pfsync socket receive buffer, bytes)
 *   reliable on | off          (pfsyncd peers: sequence numbers, resends)
 *   tombstone 600              (s our deleted states are refused back)
 *   digest 2000 | off          (ms between anti-entropy digests)
 *   provenance mark 0x80000000 (conntrack: the mark bits that say an
 *                               entry was written for a peer; default none)
 *   metrics-listen 127.0.0.1:9721  (HTTP listener for Prometheus scrapes)
 *   limit states 100000        (pf's set limit states; auto: the machine's)
 *   key "/etc/pfsyncd.key"     (seal packets: seal.h; "" = plain v3)
 *   key-grace 60               (seconds both keys live at a rotation)
 *   cluster "dc1-fw"           (bound into every sealed packet)
 *   transport raw | udp [port 8240] [unsealed]
 *                              (udp without a key: `unsealed` and a
 *                               syncdev are required)
 *   peer 10.0.0.3              (one more unicast peer, repeatable;
 *                               IPv4 or IPv6; raw or UDP: tp_ucast.c)
 *   user pfsyncd               (run as; "root" keeps root)
 *   seccomp yes | no | log     (system call filter after setup)
 *   version auto | 3 | 5 | 6 | 1301 | 1400 | 1500  (as the interface word)
 *   link eth3 [syncpeer 10.0.3.2]  (one more sync link, repeatable:
 *                              linkconf.h)
 *
 * The words after `interface NAME` are ifconfig(8)'s for pfsync0: up,
 * down, syncdev IF, -syncdev, syncpeer A.B.C.D|IPV6 (ff12::f0: FreeBSD's
 * IPv6 group on the syncdev), -syncpeer, maxupd N,
 * version auto|3|5|6|1301|1400|1500 (the dialect sent: NetBSD v3, FreeBSD
 * v5 of that state format, OpenBSD v6; auto follows the peers).
 * pfsyncctl sends the same words to a running daemon, which applies them
 * with pfsd_conf_apply_words().  pfsd_conf_print() writes a file that
 * parses back to an equal config.
 */
#ifndef PFSYNCD_CONFIG_H
#define PFSYNCD_CONFIG_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "filterconf.h"
#include "net/linkconf.h"

#define PFSD_CONF_PATH "/etc/pfsyncd.conf"
#define PFSD_CONTROL_PATH "/run/pfsyncd.sock"

enum pfsd_backend_kind {
	PFSD_BACKEND_MEMORY = 0,
	PFSD_BACKEND_CONNTRACK = 1
};

enum pfsd_transport_kind {
	PFSD_TRANSPORT_RAW = 0, /* IP protocol 240 */
	PFSD_TRANSPORT_UDP = 1
};

enum pfsd_seccomp_mode {
	PFSD_SECCOMP_ON = 0, /* other calls stop the daemon */
	PFSD_SECCOMP_OFF = 1,
	PFSD_SECCOMP_LOG = 2 /* other calls allowed and logged by the kernel */
};

#define PFSD_UDP_PORT  8240
#define PFSD_PEERS_MAX 16
#define PFSD_KEY_GRACE 60
#define PFSD_VERSION_AUTO 0
#define PFSD_V5_FMT_DEFAULT 1400
#define PFSD_LIMIT_STATES_MAX (1u << 30) /* ~250 GB of table */

struct pfsd_conf {
	char ifname[IFNAMSIZ];	/* the tap interface, "pfsync0" */
	bool up;
	char syncdev[IFNAMSIZ]; /* "" = none */
	uint32_t syncpeer;	/* IPv4 host order; 0 = group 224.0.0.240 */
	uint8_t syncpeer6[16];	/* IPv6 syncpeer (then syncpeer is 0): a
				   group (ff12::f0) or a peer; all 0 = none */
	unsigned maxupd;	/* 0..255, default 128 */
	unsigned version;	/* dialect sent: 0 auto (default), 3, 5, 6 */
	unsigned v5_fmt;	/* v5 state format, default 1400 */
	uint32_t hostid;	/* 0 = pick a random one at start */
	char control[108];	/* control socket path */
	unsigned control_mode;	/* default 0600 */
	enum pfsd_backend_kind backend;
	int log_level;		/* syslog LOG_ERR..LOG_DEBUG, default LOG_INFO */
	char capture[256];	/* pcap file of pfsync0 packets, "" = none */
	unsigned bulk_pkts;	/* default 64 */
	unsigned bulk_tick_ms;	/* default 1 */
	unsigned bulk_retry_ms; /* default 5000 */
	unsigned flush_ms;	/* flush-delay, default 10 */
	bool defer;		/* interface word defer: hold first packets */
	unsigned defer_ms;	/* defer-timeout, default 20 */
	unsigned mtu;		/* 0 = follow the syncdev */
	bool tap_always;	/* tap always: pfsync0 copies without a listener */
	bool reliable;		/* default on: sequence numbers, resends */
	unsigned tomb_s;	/* default 600: our deletes refused back */
	unsigned sync_rcvbuf;	/* pfsync socket receive buffer, bytes */
	char metrics_listen[64]; /* "ADDR:PORT" of the HTTP scrape, "" = none */
	unsigned limit_states;	/* states held at most; 0 = auto: with
				   conntrack nf_conntrack_max, else
				   PFSD_STATE_LIMIT (daemon.h) */
	uint32_t prov_mark;	 /* conntrack: mark bits of entries written for
				    a peer (1..8 contiguous), 0 = none */
	/* the words below are printed only when not at their default */
	char key[256];	    /* key file, "" = none (plain v3) */
	unsigned key_grace; /* seconds, default 60 */
	char cluster[65];   /* cluster name in the AD, default "" */
	enum pfsd_transport_kind transport;
	unsigned udp_port;		/* default PFSD_UDP_PORT */
	bool udp_unsealed;		/* `transport udp ... unsealed`: no
					   key, and the config says so */
	uint32_t peers[PFSD_PEERS_MAX]; /* unicast peers besides syncpeer */
	unsigned npeers;
	uint8_t peers6[PFSD_PEERS_MAX][16]; /* and IPv6 ones (npeers +
					       npeers6 <= PFSD_PEERS_MAX) */
	unsigned npeers6;
	char user[33]; /* "" = pfsyncd if it exists, else nobody */
	enum pfsd_seccomp_mode seccomp; /* default PFSD_SECCOMP_ON */
	struct pfsd_filter_conf filter; /* conntrack entries not synced */
	struct pfsd_link_conf links;	/* sync links besides the syncdev */
	unsigned digest_ms; /* anti-entropy period, default 2000; 0 = off */
};

void pfsd_conf_default(struct pfsd_conf *c);

/*
 * Parse a whole file or string into *c (defaults first).  Returns 0, or -1
 * with a "file:line: message" in err.
 */
int pfsd_conf_parse_file(const char *path, struct pfsd_conf *c, char *err,
			 size_t errlen);
int pfsd_conf_parse_string(const char *text, const char *name,
			   struct pfsd_conf *c, char *err, size_t errlen);

/* Apply ifconfig words (argv after the interface name) to *c.  All or
 * nothing: on error *c is unchanged and err says which word is wrong. */
int pfsd_conf_apply_words(struct pfsd_conf *c, int argc, char *const argv[],
			  char *err, size_t errlen);

/* Write the config in file syntax; it parses back to an equal config. */
void pfsd_conf_print(const struct pfsd_conf *c, FILE *f);
/* The sync runs over IPv6: syncpeer is an IPv6 address; a group
 * (multicast, FreeBSD's ff12::f0) or a unicast peer. */
bool pfsd_conf_inet6(const struct pfsd_conf *c);
bool pfsd_conf_inet6_group(const struct pfsd_conf *c);
bool pfsd_conf_equal(const struct pfsd_conf *a, const struct pfsd_conf *b);

#endif
