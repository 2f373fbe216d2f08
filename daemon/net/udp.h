/*
 * udp.h - pfsync over UDP (transport udp in pfsyncd.conf): the same
 * payloads as on IP protocol 240, sealed or not, in UDP datagrams to a
 * port of choice, unicast to each configured peer.  For networks that
 * carry no protocol 240 or no multicast.
 *
 * Datagrams are accepted only from the configured peers (others are
 * counted); they are handed on with TTL 255 and "on the syncdev" when
 * they came in on it (the engine drops and counts the others as BADIF),
 * or always without a syncdev: a TTL means nothing for a datagram that
 * may have crossed routers.  Only a sealed config may lack a syncdev
 * (config.c), since a source address alone is easy to forge.
 *
 * IPv6 peers take a second socket (pfsd_udp_set_inet6): they are named
 * by their keys in a struct pfsd_peeraddr, as the raw transport does
 * (transport.h), both in the peers list and in what is handed on.
 */
#ifndef PFSYNCD_UDP_H
#define PFSYNCD_UDP_H

#include <stddef.h>
#include <stdint.h>

#include "loop.h"
#include "net/transport.h"

struct pfsd_udp;

struct pfsd_udp_stats {
	uint64_t rx;	  /* datagrams handed on */
	uint64_t unknown; /* from an address that is not a peer */
	uint64_t tx;	  /* datagrams sent */
	uint64_t send_errors;
	uint64_t raw_ignored; /* protocol 240 packets while on UDP */
};

/* Bind port on every address (syncdev "" or the device to bind to).
 * NULL with errno. */
struct pfsd_udp *pfsd_udp_new(struct pfsd_loop *loop, unsigned port,
			      const char *syncdev, pfsd_tp_rx_cb cb, void *arg);
void pfsd_udp_free(struct pfsd_udp *u);
struct pfsd_peeraddr;
/* Bind the port on every IPv6 address too, for the IPv6 peers, whose
 * keys pa holds (pa must outlive u).  0 or -1/errno. */
int pfsd_udp_set_inet6(struct pfsd_udp *u, struct pfsd_peeraddr *pa);
/* The peers datagrams go to and come from (IPv4, host order, or keys of
 * IPv6 peers). */
void pfsd_udp_set_peers(struct pfsd_udp *u, const uint32_t *peers, size_t n);
/* Send to one address: 0, or -1 (counted, logged once per cause). */
int pfsd_udp_send(struct pfsd_udp *u, const uint8_t *p, size_t len,
		  uint32_t dst);
unsigned pfsd_udp_port(const struct pfsd_udp *u);
struct pfsd_udp_stats *pfsd_udp_stats(struct pfsd_udp *u);

#endif
