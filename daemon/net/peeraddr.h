/*
 * peeraddr.h - IPv6 peers as 32-bit keys.  The engine names a peer and a
 * destination by a 32-bit value it never interprets (pfs_rx_meta.src,
 * ops->output dst, conf syncpeer): an IPv4 address in host order, or the
 * group sentinel PFS_V3_GROUP.  An IPv6 peer gets a key of its own here,
 * taken from 0.0.0.0/8 ("this network", never the source of a packet, so
 * never an IPv4 peer's address), and the transport maps it back to the
 * address when it sends.
 *
 * A fixed table: a stranger spraying protocol 240 from random addresses
 * must not grow memory.  When it is full the entry used least recently
 * makes room, unless it is pinned (the configured syncpeer).  A received
 * packet's source only probes the table: a new one gets a provisional
 * key, and becomes a peer (confirm) once its packet authenticates
 * (sealed) or has a valid pfsync header (unsealed).  A provisional
 * source makes room only from provisional entries, or from peers silent
 * for PFSD_PEERADDR_LIVE_MS, so spoofed sources (even sealed, before the
 * check) never evict a peer that talks; with none to take, the source
 * gets no key (KEY_MAX, counted as refused) and its packet is dropped.
 * A key is not given out again before 2^24 - 1 others, so a key the
 * engine still holds for an evicted peer finds no address (a send to it
 * fails, and is counted) instead of reaching another peer.
 */
#ifndef PFSYNCD_PEERADDR_H
#define PFSYNCD_PEERADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PFSD_PEERADDR_MAX     64
/* A confirmed peer heard this recently keeps its key. */
#define PFSD_PEERADDR_LIVE_MS (5u * 60 * 1000)
#define PFSD_PEERADDR_KEY_MAX 0x00ffffffu /* keys are 1 .. this */
/* Text of an IPv4 or IPv6 address (INET6_ADDRSTRLEN). */
#define PFSD_PEERADDR_STRLEN 46

struct pfsd_peeraddr_ent {
	uint8_t addr[16];
	uint32_t key;
	uint64_t used; /* tick of the last lookup, for eviction */
	uint64_t heard_ms; /* when a packet of it last passed the checks */
	bool pinned;
	bool proven; /* a packet of it passed the checks (confirm) */
};

struct pfsd_peeraddr {
	struct pfsd_peeraddr_ent e[PFSD_PEERADDR_MAX];
	size_t n;
	uint32_t next; /* the next key to give out */
	uint64_t tick;
	uint64_t evicted;
	uint64_t refused; /* sources given no key: every entry a live peer */
};

/* Whether v is a key of this table's range (not an IPv4 address). */
bool pfsd_peeraddr_is_key(uint32_t v);
/* The key of addr, added if new (never 0); pin keeps it for good. */
uint32_t pfsd_peeraddr_key(struct pfsd_peeraddr *t, const uint8_t addr[16]);
uint32_t pfsd_peeraddr_pin(struct pfsd_peeraddr *t, const uint8_t addr[16]);
/*
 * A received packet's source: its key, or a provisional key for a new
 * source (taking the room of a provisional entry or of a peer silent for
 * PFSD_PEERADDR_LIVE_MS, never of one that talks); KEY_MAX when there is
 * none.  confirm makes the source of key a peer, heard at now_ms.
 */
uint32_t pfsd_peeraddr_probe(struct pfsd_peeraddr *t, const uint8_t addr[16],
			     uint64_t now_ms);
void pfsd_peeraddr_confirm(struct pfsd_peeraddr *t, uint32_t key,
			   uint64_t now_ms);
/* The key of a known addr, 0 when it has none (nothing is added). */
uint32_t pfsd_peeraddr_find(const struct pfsd_peeraddr *t,
			    const uint8_t addr[16]);
/* Unpin every entry (a new config pins its syncpeer again). */
void pfsd_peeraddr_unpin_all(struct pfsd_peeraddr *t);
/* The address of key into addr: 0, or -1 when the key is unknown. */
int pfsd_peeraddr_addr(const struct pfsd_peeraddr *t, uint32_t key,
		       uint8_t addr[16]);
/*
 * The text of a peer value: an IPv6 address for a key of the table
 * ("unknown" when evicted), else the IPv4 address v (host order).
 * t may be NULL (IPv4 only).  Returns buf.
 */
const char *pfsd_peeraddr_str(const struct pfsd_peeraddr *t, uint32_t v,
			      char *buf, size_t len);

#endif
