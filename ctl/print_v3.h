/*
 * print_v3.h - print pfsync v3 packets the way NetBSD's tcpdump pfsync
 * printer does (reference pfsync-v3.md section 9.1), and states the way
 * the v3-era pfctl print_state does.
 *
 * Output of ctl_print_v3 for one packet (always ends with a newline):
 *
 *   [PFSYNCv3 count N: ]PFSYNC <action name>:        (-e adds the prefix)
 *   	<record>                                      (-v, one per record)
 *
 * Records, each line indented with one tab:
 *   INS/UPD/DEL  the state (ctl_print_state with CTL_PRINT_V), and with -vv
 *                " updates: N" after the id line of an UPD, as BSD does
 *   UPD_C        id: %016llx creatorid: %08x[ updates: N]    (-vv)
 *                [ <BAD TIMEOUT N>]
 *   DEL_C, UREQ  id: %016llx creatorid: %08x
 *   CLR          creatorid: %08x[ interface: NAME]
 *   BUS          creatorid: %08x age hh:mm:ss status: start|end
 *   TDB_UPD      spi: %08x rpl: %u cur_bytes: %llu
 *
 * A refused frame prints "PFSYNC: bad header (version N)" or
 * "(action N)"; a frame shorter than its header prints "[|pfsync]", and
 * one whose records are cut short gets " [|pfsync]" (tcpdump's truncation
 * marker) at the end of its header line, then (-v) the records that fit.
 * -vv implies -v.  A state's values that pf would refuse print as they
 * are on the wire and flagged (pfsync/format.h): "<af N>" with the wire
 * byte, "<BAD STATE LEVELS s:d>", " <BAD DIRECTION N>", " <BAD TIMEOUT N>".
 */
#ifndef CTL_PRINT_V3_H
#define CTL_PRINT_V3_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "pfsync/state.h"

#define CTL_PRINT_V  1u /* -v: every record */
#define CTL_PRINT_VV 2u /* -vv: also the updates counters */
#define CTL_PRINT_E  4u /* -e: "PFSYNCv3 count N: " prefix */

void ctl_print_v3(FILE *out, const uint8_t *pkt, size_t len, unsigned flags);

/*
 * Print one state as pfctl -ss does (the text of pfs_format_state_line
 * and pfs_format_state_detail_at), with `prefix` before every line:
 *   <prefix>all tcp 10.0.0.1:1234 -> 10.0.0.2:80       ESTABLISHED:ESTABLISHED
 * and with CTL_PRINT_V the sequence windows (TCP), the age / expiry /
 * counters line and the id line.  `st` holds wire-relative times: creation
 * is the age and expire the seconds left.  Every line ends with '\n'.
 */
void ctl_print_state(FILE *out, const struct pfs_state *st, unsigned flags,
		     const char *prefix);

#endif
