/*
 * format.h - the one pfctl-style text form of a state, shared by the
 * daemon's `states` command and pfsyncctl's packet decoder.
 *
 * Every function writes into a caller's buffer the way snprintf does: at
 * most `n` bytes including the terminating NUL (nothing when n is 0, and
 * `buf` may then be NULL), and returns the length the whole text has, so
 * a return value >= n means the text was cut short.  No I/O, no state.
 *
 * The text follows pfctl's print_state of the pfsync v3 era:
 *
 *   line    IFNAME PROTO LAN -> [GWY -> ]EXT       SRC:DST     (outbound)
 *           IFNAME PROTO LAN <- [GWY <- ]EXT       SRC:DST     (otherwise)
 *   detail     [SEQLO + WIN](+DIFF)[ wscale N]  [...]         (TCP only)
 *              age HH:MM:SS, expires in HH:MM:SS, P:P pkts, B:B bytes
 *                  [, anchor N][, rule N]
 *              id: %016llx creatorid: %08x
 *
 * An empty interface name prints as "all" (pf's floating-state kif).
 * Values pf would refuse are shown as they are and flagged, as pfctl
 * flags bad TCP levels: "<af N>" for an unknown family, and after the
 * levels " <BAD DIRECTION N>" (past PF_OUT) and " <BAD TIMEOUT N>" (a
 * timeout class past the last, PFTM_MAX and up).
 */
#ifndef PFSYNC_FORMAT_H
#define PFSYNC_FORMAT_H

#include <stddef.h>
#include <stdint.h>

#include "pfsync/state.h"

/* Enough for any pfs_format_host text: "[" v6 "]:" port. */
#define PFS_FORMAT_HOST_LEN 56
/* Enough for any pfs_format_state_line text. */
#define PFS_FORMAT_LINE_LEN 256
/* Enough for any pfs_format_state_detail text. */
#define PFS_FORMAT_DETAIL_LEN 384

/*
 * "10.0.0.1:1234" or "[fd00::1]:1234"; the port is left out when it is 0,
 * as pfctl does ("10.0.0.1", "[fd00::1]").  The bracket form is the one
 * `pfsyncctl add` parses.  An unknown family prints "<af N>".
 */
size_t pfs_format_host(char *buf, size_t n, uint8_t af,
		       const struct pfs_host *h);

/* "tcp", "udp", "ipv6-icmp", ... for the protocols BSD's /etc/protocols
 * names for pfctl; NULL for the others (printed as numbers). */
const char *pfs_format_proto_name(uint8_t proto);

/* The protocol name, or its number in decimal. */
size_t pfs_format_proto(char *buf, size_t n, uint8_t proto);

/* TCP state name of tcp_fsm.h ("SYN_RCVD"), NULL beyond TIME_WAIT. */
const char *pfs_format_tcp_state_name(uint8_t state);

/*
 * One peer's state by protocol: TCP names up to TIME_WAIT, then
 * "PROXY:SRC" and "PROXY:DST"; for any other protocol "NO_TRAFFIC",
 * "SINGLE", "MULTIPLE"; a number otherwise.
 */
size_t pfs_format_peer_state(char *buf, size_t n, uint8_t proto,
			     uint8_t state);

/*
 * The state column of pfctl, for the peers in printed order: "SRC:DST"
 * names; for TCP a synproxy state prints "PROXY:SRC" or "PROXY:DST" alone
 * and out-of-range levels "<BAD STATE LEVELS s:d>"; ICMP (which has no
 * real levels) and out-of-range levels of other protocols print "s:d".
 */
size_t pfs_format_peer_states(char *buf, size_t n, uint8_t proto,
			      uint8_t src, uint8_t dst);

/*
 * The one-line summary, without a newline.  lan is printed first, gwy
 * only when it differs from lan (NAT or rdr), then ext, joined by " -> "
 * for an outbound state and " <- " otherwise; the peers follow in the
 * same order, so for an inbound state (whose source is ext) they are
 * swapped.  Non-printable bytes of the interface name print as '?'.
 */
size_t pfs_format_state_line(char *buf, size_t n, const struct pfs_state *st);

/*
 * The same, with an unknown family (st->af neither AF_INET nor AF_INET6)
 * printed as "<af LABEL>": the codecs turn a wire family they do not know
 * into 0, so a decoder passes the byte it read, to show it as it was.
 */
size_t pfs_format_state_line_af(char *buf, size_t n,
				const struct pfs_state *st, uint8_t label);

/* " <BAD TIMEOUT N>" for a timeout class pf does not have (N >=
 * PFS_TM_MAX), "" for a good one. */
size_t pfs_format_timeout_check(char *buf, size_t n, uint8_t tclass);

/*
 * The same summary in the form of pfctl since two-key states (OpenBSD
 * 4.5 on, FreeBSD), which BSD tcpdump uses for v5 and v6 states: the
 * looked-up key's local host, the other key's in parentheses when it
 * differs, then the remote host:
 *   IFNAME PROTO LAN (GWY) -> EXT       SRC:DST     (outbound)
 *   IFNAME PROTO GWY (LAN) <- EXT       SRC:DST     (otherwise)
 */
size_t pfs_format_state_line_keys(char *buf, size_t n,
				  const struct pfs_state *st);

/*
 * The verbose lines after the summary, each starting with three spaces,
 * separated by '\n' and without a trailing newline; the last one is the
 * id line, so a caller may append to it (" updates: N").  `st` holds the
 * table's absolute times: the age is now - creation and the expiry
 * expire - now, each 0 when negative.
 */
size_t pfs_format_state_detail(char *buf, size_t n, const struct pfs_state *st,
			       uint32_t now);

/* The same with the age and the seconds to expiry given, as a decoded
 * wire state carries them. */
size_t pfs_format_state_detail_at(char *buf, size_t n,
				  const struct pfs_state *st, uint32_t age,
				  uint32_t expires_in);

#endif
