/*
 * capture_cmd.h - `pfsyncctl capture`: write what pfsync0 shows into a pcap
 * file of link type 246 (LINKTYPE_PFSYNC), the file the daemon's
 * `capture` word writes: each record starts at the pfsync header, in the
 * dialect that was sent (NetBSD v3, FreeBSD v5, OpenBSD v6), with no IP
 * header (the packet may have gone over IPv4 or IPv6).  `pfsyncctl
 * decode` and the BSDs' tcpdump read it.
 *
 *   capture [-c COUNT] [-i IFACE] FILE | -
 *
 * IFACE defaults to pfsync0; any interface works (the sync link shows
 * what peers send too).  Runs locally, as tcpdump -w does, until COUNT
 * packets or Ctrl-C; "capture: N packets" on stderr at the end.
 */
#ifndef CTL_CAPTURE_CMD_H
#define CTL_CAPTURE_CMD_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <time.h>

/* argv[0] is "capture".  Returns the exit status. */
int ctl_capture_main(int argc, char *argv[]);

/* The pcap file header of a capture (link type 246, snaplen 65535). */
int ctl_capture_begin(FILE *out);
/*
 * One IP packet (from its IPv4 or IPv6 header) as one record of its
 * pfsync payload stamped ts.  1 when written, 0 when the packet is not
 * IP protocol 240 (nothing written), -1 on a write error.
 */
int ctl_capture_record(FILE *out, const uint8_t *pkt, size_t len,
		       const struct timespec *ts);

#endif
