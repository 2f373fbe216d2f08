/*
 * print_bsd.h - print pfsync v6 (OpenBSD) and v5 (FreeBSD) packets the
 * way each BSD's own tcpdump prints them (reference pfsync-modern.md
 * §4.1), and pick the printer by the version byte.
 *
 * OpenBSD v6, one line per section, records (-v) indented two tabs:
 *
 *   PFSYNCv6 len N
 *   	act <PFSYNC_ACTIONS name> count N
 *   		<record>
 *
 * FreeBSD v5, sections indented four spaces, records (-v) one tab:
 *
 *   PFSYNCv5 len N
 *       <FreeBSD action name> count N
 *   	<record>
 *
 * Records: a state as the two-key pfctl prints it (format.h
 * pfs_format_state_line_keys, then the detail lines; -vv adds
 * " updates: N" where the format has the field); UPD_C, DEL_C, UPD_REQ,
 * INS_ACK "id: %016llx creatorid: %08x"; CLR "creatorid: %08x[ interface:
 * NAME]"; BUS "creatorid: %08x age hh:mm:ss status: start|end"; TDB
 * "spi: 0x%08x rpl: N cur_bytes: N".  v6 sections we skip print
 * "act UNKNOWN id N count N" for unknown actions and " (skipped)" after
 * a known action whose records are shorter than ours.  A packet the
 * receiver would refuse ends with a line "[|pfsync] <counter>" (the
 * counter the receiver bumps: badact, badlen); a packet shorter than the
 * header prints "[|pfsync]".  -e adds " cksum <32 hex digits>" to the
 * first line.  Every line ends with a newline.
 */
#ifndef CTL_PRINT_BSD_H
#define CTL_PRINT_BSD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

void ctl_print_v6(FILE *out, const uint8_t *pkt, size_t len, unsigned flags);
void ctl_print_v5(FILE *out, const uint8_t *pkt, size_t len, unsigned flags);

/*
 * By the first byte: 3 -> ctl_print_v3, 5 -> ctl_print_v5, 6 ->
 * ctl_print_v6; any other "PFSYNCv<N> (unknown version)"; an empty
 * packet "[|pfsync]".
 */
void ctl_print_pfsync(FILE *out, const uint8_t *pkt, size_t len,
		      unsigned flags);

#endif
