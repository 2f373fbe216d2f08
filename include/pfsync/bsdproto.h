/*
 * bsdproto.h - what a BSD peer's pf can hold of the protocols pfsyncd
 * carries beyond TCP, UDP and ICMP (SCTP, GRE, DCCP, UDP-Lite, any
 * protocol by number), and the translation of a state onto its wire.
 *
 * pf keys a state by ports only for TCP, UDP, ICMP (the id) and, from
 * FreeBSD 14 on, SCTP; every other protocol it keys by addresses and
 * protocol alone, with ports 0.  So, for a v5 or v6 peer:
 *
 *   SCTP      FreeBSD v5 format 1400 or 1500 (pf syncs SCTP since 14.0):
 *             sent while both levels are FreeBSD's own (CLOSED 0,
 *             COOKIE_WAIT 2, COOKIE_ECHOED 4, ESTABLISHED 8), with
 *             FreeBSD's SCTP timeout classes (PFTM_SCTP_OPENING 21,
 *             PFTM_SCTP_ESTABLISHED 22); a state shutting down or closed
 *             is not sent (FreeBSD keeps it as SHUTDOWN_PENDING, 0x80,
 *             which its pfsync refuses as a bad value, or as CLOSED, a
 *             step back), nor any SCTP state to a FreeBSD 13 (1301) or
 *             OpenBSD peer, whose pf has no SCTP.  Its protocol info
 *             (state, verification tags) never goes to a BSD peer.
 *   GRE,      sent with the ports of every key 0 (GRE's keys, DCCP's and
 *   DCCP,     UDP-Lite's ports), as that pf would have keyed it; counted
 *   UDP-Lite  when a port was not 0.
 *   others    sent as they are (their ports are 0 already).
 *
 * A NetBSD (v3) peer shares its packets with pfsyncd peers and is sent
 * every state as it is (pfsyncd(8), PROTOCOLS).
 */
#ifndef PFSYNC_BSDPROTO_H
#define PFSYNC_BSDPROTO_H

#include <stdint.h>

#include "pfsync/state.h"

/* FreeBSD 14's SCTP timeout classes (its pf.h), past pf's classic 20 */
#define PFS_BSDP_TM_SCTP_OPENING 21
#define PFS_BSDP_TM_SCTP_ESTABLISHED 22

/* Why a state did not go to a BSD peer as it is (one counter each). */
enum pfs_bsdp_stat {
	PFS_BSDP_SCTP_NOWIRE = 0, /* SCTP to a pf without SCTP: not sent */
	PFS_BSDP_SCTP_CLOSING,	  /* SCTP shutting down or closed: not sent */
	PFS_BSDP_PORTS,		  /* sent with ports/keys pf does not key: 0 */
	PFS_BSDP_NSTATS
};

/* Short symbolic name ("bsd_sctp_nowire", ...); "?" out of range. */
const char *pfs_bsdp_stat_name(enum pfs_bsdp_stat s);

/*
 * What a peer of `dialect` (PFS_DIALECT_V5 with state format fmt, or
 * V6) gets of st, translated in place: 0 sent as it now is, 1 sent with
 * its ports set to 0 (PFS_BSDP_PORTS), -1 not sent (*why set).  Any
 * other dialect: 0, st untouched.
 */
int pfs_bsdproto_fit(uint8_t dialect, unsigned fmt, struct pfs_state *st,
		     enum pfs_bsdp_stat *why);

#endif
