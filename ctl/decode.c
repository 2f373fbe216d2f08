/*
 * decode.c - `pfsyncctl decode`: pcap files and live capture through the
 * pfsync printers, v3, v5 or v6 by each packet's version byte (see
 * decode.h).  Runs locally, never talks to the daemon.
 *
 * Files are read as a stream (stdin works), one record at a time: a
 * 16-byte record header, then caplen bytes.  lib/wire/pcap.c parses the headers
 * and finds the pfsync payload for each link type (246, OpenBSD's 18, raw
 * IP, Ethernet, Linux SLL and SLL2; IPv4 or IPv6).
 *
 * Live capture goes through live.h (the bare IP packet of protocol 240,
 * Ctrl-C ends it).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "decode.h"
#include "live.h"
#include "pfsync/pcap.h"
#include "print_bsd.h"
#include "print_v3.h"

/* The largest record we accept from a file: any sane snaplen fits. */
#define DECODE_MAX_CAPLEN (256u * 1024u)

static void decode_usage(FILE *err)
{
	fputs("usage: pfsyncctl decode [-v] [-e] [-c count] "
	      "file | -r file | - | -i interface\n",
	      err);
}

/* A cluster of flag letters ("-vve"); -1 on an unknown letter. */
static int decode_flag_cluster(const char *a, struct ctl_decode_opts *o)
{
	for (a++; *a != '\0'; a++) {
		if (*a == 'v')
			o->flags |= (o->flags & CTL_PRINT_V) ? CTL_PRINT_VV
							     : CTL_PRINT_V;
		else if (*a == 'e')
			o->flags |= CTL_PRINT_E;
		else
			return -1;
	}
	return 0;
}

static int decode_parse_count(const char *s, unsigned long *count)
{
	char *end;

	errno = 0;
	*count = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *count == 0 ||
	    s[0] == '-')
		return -1;
	return 0;
}

/* One option with its value (-c, -r, -i); -1 on a bad value. */
static int decode_opt_value(char opt, const char *val,
			    struct ctl_decode_opts *o, FILE *err)
{
	if (opt == 'c' && decode_parse_count(val, &o->count) == -1) {
		fprintf(err, "decode: bad count: %s\n", val);
		return -1;
	}
	if (opt == 'r') {
		if (o->file != NULL)
			return -1;
		o->file = val;
	}
	if (opt == 'i')
		o->ifname = val;
	return 0;
}

int ctl_decode_parse_args(int argc, char *argv[], struct ctl_decode_opts *o,
			  FILE *err)
{
	int i;

	memset(o, 0, sizeof(*o));
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (a[0] != '-' || a[1] == '\0') {
			if (o->file != NULL)
				goto usage;
			o->file = a;
		} else if (strcmp(a, "-c") == 0 || strcmp(a, "-r") == 0 ||
			   strcmp(a, "-i") == 0) {
			if (i + 1 >= argc ||
			    decode_opt_value(a[1], argv[++i], o, err) == -1)
				goto usage;
		} else if (decode_flag_cluster(a, o) == -1) {
			goto usage;
		}
	}
	if ((o->file == NULL) == (o->ifname == NULL))
		goto usage;
	return 0;
usage:
	decode_usage(err);
	return -1;
}

/* "HH:MM:SS.uuuuuu " in local time, as tcpdump prints it. */
static void decode_print_time(FILE *out, uint32_t sec, uint32_t usec)
{
	time_t t = (time_t)sec;
	struct tm tm;

	if (localtime_r(&t, &tm) == NULL)
		memset(&tm, 0, sizeof(tm));
	fprintf(out, "%02d:%02d:%02d.%06u ", tm.tm_hour, tm.tm_min, tm.tm_sec,
		usec);
}

static void decode_print_ip(FILE *out, const struct pfs_pcap_ipinfo *ip)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	uint32_t src = htonl(ip->src), dst = htonl(ip->dst);

	if (ip->af == AF_INET6) {
		inet_ntop(AF_INET6, ip->src6, s, sizeof(s));
		inet_ntop(AF_INET6, ip->dst6, d, sizeof(d));
	} else {
		inet_ntop(AF_INET, &src, s, sizeof(s));
		inet_ntop(AF_INET, &dst, d, sizeof(d));
	}
	fprintf(out, "%s > %s: ", s, d);
}

/*
 * Print one captured frame if it carries pfsync; count it either way.
 * Returns 1 when the packet count limit has been reached.
 */
static int decode_frame(uint32_t linktype, const uint8_t *frame, size_t len,
			uint32_t sec, uint32_t usec,
			const struct ctl_decode_opts *o, FILE *out,
			struct ctl_decode_tally *t)
{
	struct pfs_pcap_ipinfo ip;
	const uint8_t *pl;
	size_t plen;

	memset(&ip, 0, sizeof(ip));
	if (pfs_pcap_payload(linktype, frame, len, &pl, &plen, &ip) != 0) {
		t->skipped++;
		return 0;
	}
	decode_print_time(out, sec, usec);
	if (ip.has_ip)
		decode_print_ip(out, &ip);
	ctl_print_pfsync(out, pl, plen, o->flags);
	t->printed++;
	return o->count != 0 && t->printed >= o->count;
}

static int decode_linktype_ok(uint32_t lt)
{
	return lt == PFS_LINKTYPE_PFSYNC || lt == PFS_LINKTYPE_RAW ||
	       lt == PFS_LINKTYPE_ETHERNET || lt == PFS_LINKTYPE_LINUX_SLL ||
	       lt == PFS_LINKTYPE_LINUX_SLL2 ||
	       lt == PFS_LINKTYPE_OPENBSD_PFSYNC;
}

static int decode_read_file_hdr(FILE *in, const char *name,
				struct pfs_pcap_file *pf, FILE *err)
{
	uint8_t h[PFS_PCAP_FILE_HDR_LEN];
	size_t n = fread(h, 1, sizeof(h), in);

	if (n < sizeof(h) && ferror(in)) {
		fprintf(err, "decode: %s: %s\n", name, strerror(errno));
		return -1;
	}
	if (pfs_pcap_get_file_hdr(h, n, pf) == -1) {
		fprintf(err, "decode: %s: not a pcap file\n", name);
		return -1;
	}
	if (!decode_linktype_ok(pf->linktype)) {
		fprintf(err, "decode: %s: unsupported link type %u\n", name,
			pf->linktype);
		return -1;
	}
	return 0;
}

/*
 * Read the next record into buf.  Returns 1 with *r filled, 0 at a clean
 * end of file, -1 after a message.
 */
static int decode_read_rec(FILE *in, const char *name,
			   const struct pfs_pcap_file *pf, uint8_t *buf,
			   struct pfs_pcap_rec *r, FILE *err)
{
	uint8_t h[PFS_PCAP_REC_HDR_LEN];
	size_t n = fread(h, 1, sizeof(h), in);

	if (n == 0 && !ferror(in))
		return 0;
	if (n < sizeof(h) || pfs_pcap_get_rec_hdr(pf, h, n, r) == -1)
		goto trunc;
	if (r->caplen > DECODE_MAX_CAPLEN) {
		fprintf(err, "decode: %s: bad record length %u\n", name,
			r->caplen);
		return -1;
	}
	if (fread(buf, 1, r->caplen, in) != r->caplen)
		goto trunc;
	return 1;
trunc:
	if (ferror(in))
		fprintf(err, "decode: %s: %s\n", name, strerror(errno));
	else
		fprintf(err, "decode: %s: truncated capture file\n", name);
	return -1;
}

int ctl_decode_stream(FILE *in, const char *name,
		      const struct ctl_decode_opts *o, FILE *out, FILE *err,
		      struct ctl_decode_tally *t)
{
	struct pfs_pcap_file pf;
	struct pfs_pcap_rec r;
	uint8_t *buf;
	int rc;

	if (decode_read_file_hdr(in, name, &pf, err) == -1)
		return -1;
	buf = malloc(DECODE_MAX_CAPLEN);
	if (buf == NULL) {
		fprintf(err, "decode: %s\n", strerror(errno));
		return -1;
	}
	while ((rc = decode_read_rec(in, name, &pf, buf, &r, err)) == 1) {
		uint32_t usec = pf.nsec ? r.ts_frac / 1000 : r.ts_frac;

		if (decode_frame(pf.linktype, buf, r.caplen, r.ts_sec, usec, o,
				 out, t))
			break;
	}
	free(buf);
	return rc == -1 ? -1 : 0;
}

/* Live: one packet from its IP header, printed as a raw IP frame. */
struct decode_live_ctx {
	const struct ctl_decode_opts *o;
	FILE *out;
	struct ctl_decode_tally *t;
};

static int decode_live_one(void *arg, const uint8_t *pkt, size_t len,
			   const struct timespec *ts)
{
	struct decode_live_ctx *c = arg;
	int done;

	done = decode_frame(PFS_LINKTYPE_RAW, pkt, len, (uint32_t)ts->tv_sec,
			    (uint32_t)(ts->tv_nsec / 1000), c->o, c->out, c->t);
	fflush(c->out);
	return done;
}

static int decode_live(const struct ctl_decode_opts *o, FILE *out, FILE *err,
		       struct ctl_decode_tally *t)
{
	struct decode_live_ctx c = {o, out, t};

	return ctl_live_run(o->ifname, "decode", decode_live_one, &c, err);
}

static int decode_file(const struct ctl_decode_opts *o, FILE *out, FILE *err,
		       struct ctl_decode_tally *t)
{
	FILE *in = stdin;
	const char *name = "stdin";
	int rc;

	if (strcmp(o->file, "-") != 0) {
		name = o->file;
		in = fopen(o->file, "rb");
		if (in == NULL) {
			fprintf(err, "decode: %s: %s\n", name, strerror(errno));
			return -1;
		}
	}
	rc = ctl_decode_stream(in, name, o, out, err, t);
	if (in != stdin)
		fclose(in);
	return rc;
}

int ctl_decode_main(int argc, char *argv[])
{
	struct ctl_decode_opts o;
	struct ctl_decode_tally t = {0, 0};
	int rc;

	if (ctl_decode_parse_args(argc, argv, &o, stderr) == -1)
		return 1;
	if (o.file != NULL)
		rc = decode_file(&o, stdout, stderr, &t);
	else
		rc = decode_live(&o, stdout, stderr, &t);
	fflush(stdout);
	if (o.flags & CTL_PRINT_V)
		fprintf(stderr,
			"decode: %lu packets printed, %lu skipped "
			"(not pfsync)\n",
			t.printed, t.skipped);
	return rc == -1 ? 1 : 0;
}
