/*
 * decode.h - `pfsyncctl decode`: print pfsync packets of every dialect
 * (NetBSD v3, FreeBSD v5, OpenBSD v6, told apart by the version byte)
 * from a pcap file or from a live interface, like each BSD's tcpdump.
 *
 *   decode [-v[v]] [-e] [-c COUNT] FILE | -r FILE | - | -i IFACE
 *
 * Each packet is one line "HH:MM:SS.uuuuuu [SRC > DST: ]<printer output>"
 * (local time; the address part only for packets that came inside IPv4
 * or IPv6), followed by the lines of ctl_print_pfsync (print_bsd.h).  Frames that are not
 * pfsync are skipped and counted; -v prints the tally on stderr at the end.
 * Exit status 0, or 1 with a "decode: ..." message on stderr.
 */
#ifndef CTL_DECODE_H
#define CTL_DECODE_H

#include <stdio.h>

struct ctl_decode_opts {
	unsigned flags;	     /* CTL_PRINT_* */
	unsigned long count; /* stop after this many packets, 0 = all */
	const char *file;    /* "-" = stdin; NULL when live */
	const char *ifname;  /* live capture interface, or NULL */
};

struct ctl_decode_tally {
	unsigned long printed; /* pfsync packets printed */
	unsigned long skipped; /* frames that were not pfsync */
};

/* argv[0] is "decode".  Returns the exit status. */
int ctl_decode_main(int argc, char *argv[]);

/* Parse the arguments; -1 with a message on err for a usage error. */
int ctl_decode_parse_args(int argc, char *argv[], struct ctl_decode_opts *o,
			  FILE *err);

/*
 * Print every packet of a pcap stream.  `name` is used in messages.
 * Returns 0, or -1 after printing "decode: NAME: reason" on err.
 */
int ctl_decode_stream(FILE *in, const char *name,
		      const struct ctl_decode_opts *o, FILE *out, FILE *err,
		      struct ctl_decode_tally *t);

#endif
