/*
 * ctproto.h - the protocols conntrack tracks beyond TCP, UDP and ICMP:
 * SCTP (state and verification tags), GRE (keys), DCCP (state and role)
 * and every other protocol by number (addresses and protocol only).
 * Pure, like ctmap.c: it reads and writes their parts of ctnetlink
 * messages and maps them onto pf's state.
 *
 * pf's state (state.h) holds each connection as two peer levels that
 * only move up, plus the ports of its keys:
 *
 *   protocol   key ports          peer levels            extras (0x40)
 *   SCTP       the ports          SCTP levels (below)    state, vtags
 *   GRE        original keys      as UDP, from status    reply keys when
 *              (src, dst)                                 not the swap
 *   DCCP       the ports          as UDP, from status    state, role
 *   UDP-Lite   the ports          as UDP, from status    -
 *   others     0                  as UDP, from status    -
 *
 * SCTP conntrack state -> pf levels (src:dst, state.h PFS_SCTPS_*):
 *
 *   NONE, COOKIE_WAIT   COOKIE_WAIT:CLOSED       timeout OTHER_FIRST
 *   HEARTBEAT_SENT      COOKIE_WAIT:COOKIE_WAIT  OTHER_SINGLE
 *   COOKIE_ECHOED       COOKIE_ECHOED:COOKIE_WAIT OTHER_SINGLE
 *   ESTABLISHED,        ESTABLISHED:ESTABLISHED  OTHER_MULTIPLE
 *   HEARTBEAT_ACKED
 *   SHUTDOWN_SENT       SHUTDOWN:ESTABLISHED     OTHER_MULTIPLE
 *   SHUTDOWN_RECD       SHUTDOWN:SHUTDOWN        OTHER_MULTIPLE
 *   SHUTDOWN_ACK_SENT   SHUTDOWN_ACK:SHUTDOWN    OTHER_MULTIPLE
 *   CLOSED              DONE:DONE                OTHER_SINGLE
 *   CLOSED, unreplied   COOKIE_WAIT:CLOSED       (a first INIT: the
 *                                                 kernel's start state)
 *
 * Between pfsyncd peers the exact state and the tags travel as the
 * state's protocol info; without it (a BSD peer's state) the state is
 * read back from the levels.  Status written back: SEEN_REPLY once the
 * responder has a level, ASSURED from ESTABLISHED on (as the kernel).
 * GRE keys are not translated by NAT here: NAT is told by addresses.
 */
#ifndef PFSYNCD_CTPROTO_H
#define PFSYNCD_CTPROTO_H

#include <stdbool.h>
#include <stdint.h>

#include "ctmap.h"

struct nlattr;
struct nlmsghdr;

/* True when the protocol's tuple has two 16-bit ports (GRE: its keys). */
bool pfsd_ctproto_ports(uint8_t proto);
/* True when NAT may change the ports (not GRE's keys, not portless). */
bool pfsd_ctproto_nat_ports(uint8_t proto);

/* CTA_PROTOINFO_SCTP or _DCCP (nested) into e; -1 for another type. */
int pfsd_ctproto_parse(const struct nlattr *a, struct pfsd_ct_entry *e);

/* Peer levels, timeout class and GRE's key ports of an entry of a
 * protocol other than TCP and ICMP, into st (hosts already set). */
void pfsd_ctproto_to_pf(const struct pfsd_ct_entry *e, struct pfs_state *st);

/* The protocol info of an entry into x (PFS_STX_PROTO when any). */
void pfsd_ctproto_to_stx(const struct pfsd_ct_entry *e, struct pfs_stx *x);

/* The entry's protocol parts from the state and its info (x may be
 * NULL): SCTP and DCCP protoinfo, GRE's reply keys. */
void pfsd_ctproto_from_state(const struct pfs_state *st,
			     const struct pfs_stx *x, struct pfsd_ct_entry *e);

/* CTA_PROTOINFO of an SCTP or DCCP entry (nothing for others). */
void pfsd_ctproto_put(struct nlmsghdr *nlh, const struct pfsd_ct_entry *e);

/* IPS_SEEN_REPLY / IPS_ASSURED of an SCTP state (the table above). */
uint32_t pfsd_ctproto_sctp_status(const struct pfs_state *st);

/* The SCTP table both ways (enum sctp_conntrack). */
void pfsd_ctproto_sctp_to_pf(uint8_t ct, uint8_t *src, uint8_t *dst);
uint8_t pfsd_ctproto_sctp_from_pf(uint8_t src, uint8_t dst);

/* An event without protoinfo keeps what the mirror m and its info old
 * hold (the levels, timeout and protocol info of SCTP and DCCP). */
void pfsd_ctproto_keep_unsent(const struct pfsd_ct_entry *e,
			      const struct pfs_state *m,
			      const struct pfs_stx *old, struct pfs_state *st,
			      struct pfs_stx *x);

#endif
