/*
 * deferpkt.h - the conntrack entry a queued packet makes, read from its
 * headers (defer.c): the kernel here cannot hand the entry with the
 * packet (no NETFILTER_NETLINK_GLUE_CT), and the queue rules take no
 * connection with NAT (nftq.h), so the headers are the tuple.
 */
#ifndef PFSYNCD_DEFERPKT_H
#define PFSYNCD_DEFERPKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "backend/ctmap.h"

/*
 * An IPv4 or IPv6 packet's first len bytes (no IPv6 extension header):
 * TCP, UDP or ICMP(v6) echo.  reply false: the first packet of a new
 * connection (the original direction: TCP SYN_SENT); true: the first
 * reply of a TCP handshake, SYN+ACK (the entry is then SYN_RECV, its
 * original tuple the headers reversed).  0, or -1 (EINVAL: truncated or
 * not such a packet; EPROTONOSUPPORT: another protocol).
 */
int pfsd_deferpkt_entry(const uint8_t *p, size_t len, bool reply,
			struct pfsd_ct_entry *e);

#endif
