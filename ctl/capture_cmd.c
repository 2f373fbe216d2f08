/*
 * capture_cmd.c - `pfsyncctl capture` (see capture_cmd.h): live packets from
 * live.h, their pfsync payload found by lib/wire/pcap.c as for a raw-IP
 * frame, written with lib/wire/pcap.c's headers.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capture_cmd.h"
#include "live.h"
#include "pfsync/pcap.h"

#define CAPTURE_SNAPLEN 65535u

struct capture_opts {
	unsigned long count; /* 0 = until Ctrl-C */
	const char *ifname;
	const char *file; /* "-" = stdout */
};

struct capture_ctx {
	const struct capture_opts *o;
	FILE *out;
	unsigned long written;
};

static void capture_usage(FILE *err)
{
	fputs("usage: pfsyncctl capture [-c count] [-i interface] file | -\n",
	      err);
}

static int capture_parse_count(const char *s, unsigned long *count)
{
	char *end;

	errno = 0;
	*count = strtoul(s, &end, 10);
	return errno != 0 || end == s || *end != '\0' || *count == 0 ||
		       s[0] == '-'
		   ? -1
		   : 0;
}

static int capture_parse_args(int argc, char *argv[], struct capture_opts *o)
{
	int i;

	memset(o, 0, sizeof(*o));
	o->ifname = "pfsync0";
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			if (capture_parse_count(argv[++i], &o->count) == -1)
				return -1;
		} else if (strcmp(argv[i], "-i") == 0 && i + 1 < argc) {
			o->ifname = argv[++i];
		} else if (o->file == NULL &&
			   (argv[i][0] != '-' || argv[i][1] == '\0')) {
			o->file = argv[i];
		} else {
			return -1;
		}
	}
	return o->file == NULL ? -1 : 0;
}

int ctl_capture_begin(FILE *out)
{
	uint8_t h[PFS_PCAP_FILE_HDR_LEN];

	pfs_pcap_put_file_hdr(h, PFS_LINKTYPE_PFSYNC, CAPTURE_SNAPLEN);
	if (fwrite(h, 1, sizeof(h), out) != sizeof(h) || fflush(out) != 0)
		return -1;
	return 0;
}

int ctl_capture_record(FILE *out, const uint8_t *pkt, size_t len,
		       const struct timespec *ts)
{
	uint8_t h[PFS_PCAP_REC_HDR_LEN];
	struct pfs_pcap_ipinfo ip;
	struct pfs_pcap_rec r;
	const uint8_t *pl;
	size_t plen;

	memset(&ip, 0, sizeof(ip));
	if (pfs_pcap_payload(PFS_LINKTYPE_RAW, pkt, len, &pl, &plen, &ip) != 0)
		return 0;
	r.ts_sec = (uint32_t)ts->tv_sec;
	r.ts_frac = (uint32_t)(ts->tv_nsec / 1000);
	r.caplen = (uint32_t)(plen < CAPTURE_SNAPLEN ? plen : CAPTURE_SNAPLEN);
	r.origlen = (uint32_t)plen;
	pfs_pcap_put_rec_hdr(h, &r);
	/* whole records only: a reader of a growing file never sees half */
	if (fwrite(h, 1, sizeof(h), out) != sizeof(h) ||
	    fwrite(pl, 1, r.caplen, out) != r.caplen || fflush(out) != 0)
		return -1;
	return 1;
}

static int capture_one(void *arg, const uint8_t *pkt, size_t len,
		       const struct timespec *ts)
{
	struct capture_ctx *c = arg;
	int rc = ctl_capture_record(c->out, pkt, len, ts);

	if (rc == -1)
		return -1;
	c->written += (unsigned long)rc;
	return c->o->count != 0 && c->written >= c->o->count;
}

static FILE *capture_open(const char *file)
{
	if (strcmp(file, "-") == 0)
		return stdout;
	return fopen(file, "wbe");
}

int ctl_capture_main(int argc, char *argv[])
{
	struct capture_opts o;
	struct capture_ctx c;
	int rc;

	if (capture_parse_args(argc, argv, &o) == -1) {
		capture_usage(stderr);
		return 1;
	}
	c.o = &o;
	c.written = 0;
	c.out = capture_open(o.file);
	if (c.out == NULL || ctl_capture_begin(c.out) == -1) {
		fprintf(stderr, "capture: %s: %s\n", o.file, strerror(errno));
		if (c.out != NULL && c.out != stdout)
			fclose(c.out);
		return 1;
	}
	rc = ctl_live_run(o.ifname, "capture", capture_one, &c, stderr);
	if (rc == 0)
		fprintf(stderr, "capture: %lu packets\n", c.written);
	if (c.out != stdout && fclose(c.out) != 0 && rc == 0) {
		fprintf(stderr, "capture: %s: %s\n", o.file, strerror(errno));
		rc = -1;
	}
	return rc == -1 ? 1 : 0;
}
