/*
 * test_capture.c - the daemon's pcap writer and `pfsyncctl decode`.
 *
 * A capture is written to a unique file under /tmp, read back with
 * lib/wire/pcap.c (file header, record headers, payload bytes), then decoded
 * end to end with ctl_decode_stream.  Raw-IP captures with non-pfsync
 * packets, broken files and the decode argument parser are covered too.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "net/capture.h"
#include "decode.h"
#include "pfsync/pcap.h"
#include "pfsync/wire_v3.h"
#include "print_v3.h"
#include "t.h"

static char t_dir[64];

static void t_path(char *buf, size_t n, const char *name)
{
	snprintf(buf, n, "%s/%s", t_dir, name);
}

static uint8_t *t_slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	*len = fread(buf, 1, (size_t)n, f);
	fclose(f);
	return buf;
}

/* A 20-byte UREQ header plus one 16-byte record; id varies per packet. */
static void t_ureq(uint8_t *p, uint8_t id)
{
	memset(p, 0, 36);
	p[0] = PFS_V3_VERSION;
	p[2] = PFS_V3_ACT_UREQ;
	p[3] = 1;
	p[27] = id;   /* low byte of the 64-bit id at offset 20 */
	p[31] = 0x01; /* creatorid 0x00000001 at offset 28 */
}

static void test_write_read_back(void)
{
	static uint8_t big[70000];
	uint8_t pkt[36];
	struct pfs_pcap_file pf;
	struct pfs_pcap_rec r;
	struct pfsd_capture *c;
	char path[128];
	struct stat sb;
	time_t before, after;
	uint8_t *file;
	size_t len, off;

	t_path(path, sizeof(path), "a.pcap");
	before = time(NULL);
	c = pfsd_capture_open(path, getuid());
	T_CHECK(c != NULL);
	if (c == NULL)
		return;
	t_ureq(pkt, 7);
	T_EQ(pfsd_capture_write(c, pkt, sizeof(pkt)), 0);
	memset(big, 0x5a, sizeof(big));
	T_EQ(pfsd_capture_write(c, big, sizeof(big)), 0);
	T_EQ(pfsd_capture_write(c, pkt, 20), 0);
	pfsd_capture_close(c);
	after = time(NULL);

	T_EQ(stat(path, &sb), 0);
	T_EQ(sb.st_mode & 0777, 0600);
	file = t_slurp(path, &len);
	T_CHECK(file != NULL);
	if (file == NULL)
		return;
	T_EQ(len, 24 + 16 + 36 + 16 + 65535 + 16 + 20);
	T_EQ(pfs_pcap_get_file_hdr(file, len, &pf), 0);
	T_EQ(pf.linktype, PFS_LINKTYPE_PFSYNC);
	T_EQ(pf.snaplen, 65535);
	T_CHECK(!pf.nsec);
	off = 24;
	T_EQ(pfs_pcap_get_rec_hdr(&pf, file + off, len - off, &r), 0);
	T_EQ(r.caplen, 36);
	T_EQ(r.origlen, 36);
	T_CHECK(r.ts_sec >= (uint32_t)before && r.ts_sec <= (uint32_t)after);
	T_CHECK(r.ts_frac < 1000000);
	T_MEMEQ(file + off + 16, pkt, 36);
	off += 16 + 36;
	T_EQ(pfs_pcap_get_rec_hdr(&pf, file + off, len - off, &r), 0);
	T_EQ(r.caplen, 65535); /* cut at the snaplen */
	T_EQ(r.origlen, sizeof(big));
	T_MEMEQ(file + off + 16, big, 65535);
	off += 16 + 65535;
	T_EQ(pfs_pcap_get_rec_hdr(&pf, file + off, len - off, &r), 0);
	T_EQ(r.caplen, 20);
	T_MEMEQ(file + off + 16, pkt, 20);
	free(file);
	unlink(path);
}

static void test_open_errors(void)
{
	char path[128];

	errno = 0;
	t_path(path, sizeof(path), "no/such/dir.pcap");
	T_CHECK(pfsd_capture_open(path, getuid()) == NULL);
	T_EQ(errno, ENOENT);
	/* a device is not a capture file: refused before any write */
	errno = 0;
	T_CHECK(pfsd_capture_open("/dev/full", getuid()) == NULL);
	T_EQ(errno, EPERM);
	errno = 0;
	T_EQ(pfsd_capture_write(NULL, (const uint8_t *)"", 0), -1);
	T_EQ(errno, EINVAL);
	pfsd_capture_close(NULL);
}

/* Write text to path (created or cut). */
static void t_put(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (f != NULL) {
		fputs(text, f);
		fclose(f);
	}
}

static bool t_holds(const char *path, const char *text)
{
	size_t len;
	uint8_t *b = t_slurp(path, &len);
	bool same =
	    b != NULL && len == strlen(text) && memcmp(b, text, len) == 0;

	free(b);
	return same;
}

/*
 * What the daemon's user may plant where root opens the capture at the
 * next start: a symlink or a hard link to another file, a FIFO, a file
 * of someone else's.  Each is refused and the file it leads to is left
 * as it was (L4).
 */
static void test_open_refuses_planted(void)
{
	char path[128], target[128];
	struct pfsd_capture *c;
	uint8_t *b;
	size_t len;

	t_path(target, sizeof(target), "victim");
	t_path(path, sizeof(path), "planted.pcap");
	t_put(target, "precious\n");
	T_EQ(symlink(target, path), 0);
	errno = 0;
	T_CHECK(pfsd_capture_open(path, getuid()) == NULL);
	T_EQ(errno, ELOOP);
	T_CHECK(t_holds(target, "precious\n"));
	unlink(path);

	T_EQ(link(target, path), 0);
	errno = 0;
	T_CHECK(pfsd_capture_open(path, getuid()) == NULL);
	T_EQ(errno, EPERM);
	T_CHECK(t_holds(target, "precious\n"));
	unlink(path);

	T_EQ(mkfifo(path, 0600), 0);
	T_CHECK(pfsd_capture_open(path, getuid()) == NULL); /* no hang */
	unlink(path);

	/* someone else's file (only root can make one to test with) */
	if (geteuid() == 0) {
		t_put(path, "theirs\n");
		T_EQ(chown(path, 12345, 12345), 0);
		errno = 0;
		T_CHECK(pfsd_capture_open(path, 54321) == NULL);
		T_EQ(errno, EPERM);
		T_CHECK(t_holds(path, "theirs\n"));
		/* the daemon's user's file is ours: cut and rewritten */
		c = pfsd_capture_open(path, 12345);
		T_CHECK(c != NULL);
		pfsd_capture_close(c);
		T_CHECK(!t_holds(path, "theirs\n"));
		unlink(path);
	}
	/* our own old capture is cut and rewritten */
	t_put(path, "an old capture, longer than a header\n");
	c = pfsd_capture_open(path, getuid());
	T_CHECK(c != NULL);
	pfsd_capture_close(c);
	b = t_slurp(path, &len);
	T_EQ(len, 24);
	free(b);
	unlink(path);
	unlink(target);
}

/*
 * A write that fails half way (file size limit) returns -1 and leaves the
 * file as it was, so readers never see half a record.
 */
static void test_failed_write_cut_back(void)
{
	static uint8_t big[4000];
	struct rlimit old, lim;
	struct pfsd_capture *c;
	char path[128];
	struct stat sb;
	uint8_t pkt[36];
	int rc, err;

	t_path(path, sizeof(path), "limit.pcap");
	c = pfsd_capture_open(path, getuid());
	T_CHECK(c != NULL);
	if (c == NULL)
		return;
	t_ureq(pkt, 1);
	T_EQ(pfsd_capture_write(c, pkt, sizeof(pkt)), 0);
	signal(SIGXFSZ, SIG_IGN);
	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 24 + 52 + 1000;
	setrlimit(RLIMIT_FSIZE, &lim);
	rc = pfsd_capture_write(c, big, sizeof(big));
	err = errno;
	setrlimit(RLIMIT_FSIZE, &old);
	signal(SIGXFSZ, SIG_DFL);
	T_EQ(rc, -1);
	T_EQ(err, EFBIG);
	T_EQ(stat(path, &sb), 0);
	T_EQ(sb.st_size, 24 + 52);
	/* and the next write goes on from the last complete record */
	T_EQ(pfsd_capture_write(c, pkt, sizeof(pkt)), 0);
	T_EQ(stat(path, &sb), 0);
	T_EQ(sb.st_size, 24 + 52 + 52);
	pfsd_capture_close(c);
	unlink(path);
}

/* Run ctl_decode_stream on a file; returns the text, *rc the result. */
static char *t_decode(const char *path, const struct ctl_decode_opts *o,
		      int *rc, char **errtext, struct ctl_decode_tally *t)
{
	char *text = NULL, *etext = NULL;
	size_t len = 0, elen = 0;
	FILE *out = open_memstream(&text, &len);
	FILE *err = open_memstream(&etext, &elen);
	FILE *in = fopen(path, "rb");

	memset(t, 0, sizeof(*t));
	*rc = in ? ctl_decode_stream(in, "x.pcap", o, out, err, t) : -2;
	if (in)
		fclose(in);
	fclose(out);
	fclose(err);
	*errtext = etext;
	return text;
}

/* The daemon's capture, decoded: "HH:MM:SS.uuuuuu " then the printer. */
static void test_decode_own_capture(void)
{
	struct ctl_decode_opts o = {CTL_PRINT_V, 0, "x", NULL};
	struct ctl_decode_tally t;
	struct pfsd_capture *c;
	char path[128], *text, *etext;
	uint8_t pkt[36];
	int rc;

	t_path(path, sizeof(path), "own.pcap");
	c = pfsd_capture_open(path, getuid());
	T_CHECK(c != NULL);
	if (c == NULL)
		return;
	t_ureq(pkt, 1);
	pfsd_capture_write(c, pkt, sizeof(pkt));
	t_ureq(pkt, 2);
	pfsd_capture_write(c, pkt, sizeof(pkt));
	pfsd_capture_close(c);
	text = t_decode(path, &o, &rc, &etext, &t);
	T_EQ(rc, 0);
	T_EQ(t.printed, 2);
	T_EQ(t.skipped, 0);
	/* line 1: timestamp (16 chars) + header */
	T_CHECK(strlen(text) > 16 && text[2] == ':' && text[5] == ':' &&
		text[8] == '.' && text[15] == ' ');
	T_CHECK(strncmp(text + 16,
			"PFSYNC UPD REQ:\n"
			"\tid: 0000000000000001 creatorid: 00000001\n",
			58) == 0);
	T_CHECK(strstr(text, "\tid: 0000000000000002 creatorid: 00000001\n") !=
		NULL);
	T_EQ(strlen(etext), 0);
	free(text);
	free(etext);
	o.count = 1;
	text = t_decode(path, &o, &rc, &etext, &t);
	T_EQ(t.printed, 1);
	T_CHECK(strstr(text, "0000000000000002") == NULL);
	free(text);
	free(etext);
	unlink(path);
}

/* Append one raw-IPv4 record: 20-byte IP header (proto given) + body. */
static void t_raw_rec(FILE *f, uint32_t sec, uint32_t usec, uint8_t proto,
		      const uint8_t *body, size_t blen)
{
	uint8_t rh[PFS_PCAP_REC_HDR_LEN], ip[20];
	struct pfs_pcap_rec r = {sec, usec, (uint32_t)(20 + blen),
				 (uint32_t)(20 + blen)};

	memset(ip, 0, sizeof(ip));
	ip[0] = 0x45;
	ip[2] = (uint8_t)((20 + blen) >> 8);
	ip[3] = (uint8_t)(20 + blen);
	ip[6] = 0x40; /* DF */
	ip[8] = 255;
	ip[9] = proto;
	ip[12] = 10, ip[13] = 0, ip[14] = 0, ip[15] = 1;
	ip[16] = 224, ip[17] = 0, ip[18] = 0, ip[19] = 240;
	pfs_pcap_put_rec_hdr(rh, &r);
	fwrite(rh, 1, sizeof(rh), f);
	fwrite(ip, 1, sizeof(ip), f);
	fwrite(body, 1, blen, f);
}

static void test_decode_raw_ip(void)
{
	struct ctl_decode_opts o = {CTL_PRINT_E, 0, "x", NULL};
	struct ctl_decode_tally t;
	uint8_t fh[PFS_PCAP_FILE_HDR_LEN], pkt[36];
	char path[128], *text, *etext;
	FILE *f;
	int rc;

	t_path(path, sizeof(path), "raw.pcap");
	f = fopen(path, "wb");
	pfs_pcap_put_file_hdr(fh, PFS_LINKTYPE_RAW, 65535);
	fwrite(fh, 1, sizeof(fh), f);
	t_ureq(pkt, 3);
	/* 05:04:03 UTC on day 0, 42 microseconds */
	t_raw_rec(f, 18243, 42, 240, pkt, sizeof(pkt));
	t_raw_rec(f, 18244, 0, 6, pkt, sizeof(pkt)); /* TCP: skipped */
	t_raw_rec(f, 18245, 999999, 240, pkt, 30);   /* cut record */
	fclose(f);
	text = t_decode(path, &o, &rc, &etext, &t);
	T_EQ(rc, 0);
	T_EQ(t.printed, 2);
	T_EQ(t.skipped, 1);
	T_CHECK(strcmp(text,
		       "05:04:03.000042 10.0.0.1 > 224.0.0.240: "
		       "PFSYNCv3 count 1: PFSYNC UPD REQ:\n"
		       "05:04:05.999999 10.0.0.1 > 224.0.0.240: "
		       "PFSYNCv3 count 1: PFSYNC UPD REQ: [|pfsync]\n") == 0);
	if (strncmp(text, "05:04:03", 8) != 0)
		fprintf(stderr, "got: %s", text);
	T_EQ(strlen(etext), 0);
	free(text);
	free(etext);
	unlink(path);
}

static void t_write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");

	fwrite(data, 1, n, f);
	fclose(f);
}

/* Broken inputs end with status -1 and a "decode: NAME: why" message. */
static void test_decode_bad_files(void)
{
	struct ctl_decode_opts o = {0, 0, "x", NULL};
	struct ctl_decode_tally t;
	uint8_t buf[PFS_PCAP_FILE_HDR_LEN + 20];
	struct pfs_pcap_rec r = {1, 2, 100, 100};
	char path[128], *text, *etext;
	int rc;

	t_path(path, sizeof(path), "bad.pcap");
	t_write_file(path, "hello, this is not a capture", 28);
	text = t_decode(path, &o, &rc, &etext, &t);
	T_EQ(rc, -1);
	T_CHECK(strcmp(etext, "decode: x.pcap: not a pcap file\n") == 0);
	free(text);
	free(etext);

	t_write_file(path, "", 0);
	text = t_decode(path, &o, &rc, &etext, &t);
	T_EQ(rc, -1);
	T_CHECK(strcmp(etext, "decode: x.pcap: not a pcap file\n") == 0);
	free(text);
	free(etext);

	pfs_pcap_put_file_hdr(buf, 228,
			      65535); /* IPv4 link type: unsupported */
	t_write_file(path, buf, PFS_PCAP_FILE_HDR_LEN);
	text = t_decode(path, &o, &rc, &etext, &t);
	T_EQ(rc, -1);
	T_CHECK(strcmp(etext, "decode: x.pcap: unsupported link type 228\n") ==
		0);
	free(text);
	free(etext);

	/* a record header promising 100 bytes, only 4 present */
	pfs_pcap_put_file_hdr(buf, PFS_LINKTYPE_PFSYNC, 65535);
	pfs_pcap_put_rec_hdr(buf + PFS_PCAP_FILE_HDR_LEN, &r);
	t_write_file(path, buf, sizeof(buf));
	text = t_decode(path, &o, &rc, &etext, &t);
	T_EQ(rc, -1);
	T_CHECK(strcmp(etext, "decode: x.pcap: truncated capture file\n") == 0);
	T_EQ(t.printed, 0);
	free(text);
	free(etext);

	/* an empty capture (header only) is fine and prints nothing */
	t_write_file(path, buf, PFS_PCAP_FILE_HDR_LEN);
	text = t_decode(path, &o, &rc, &etext, &t);
	T_EQ(rc, 0);
	T_EQ(strlen(text), 0);
	free(text);
	free(etext);
	unlink(path);
}

static int t_parse(const char *line, struct ctl_decode_opts *o)
{
	char buf[256], *argv[16], *tok, *save = NULL;
	int argc = 0, rc;
	FILE *err = fopen("/dev/null", "w");

	snprintf(buf, sizeof(buf), "%s", line);
	for (tok = strtok_r(buf, " ", &save); tok && argc < 15;
	     tok = strtok_r(NULL, " ", &save))
		argv[argc++] = tok;
	argv[argc] = NULL;
	rc = ctl_decode_parse_args(argc, argv, o, err);
	fclose(err);
	/* the pointers point into buf: keep only what the tests compare */
	o->file = o->file ? "set" : NULL;
	o->ifname = o->ifname ? "set" : NULL;
	return rc;
}

static void test_parse_args(void)
{
	struct ctl_decode_opts o;

	T_EQ(t_parse("decode f.pcap", &o), 0);
	T_EQ(o.flags, 0);
	T_CHECK(o.file != NULL && o.ifname == NULL);
	T_EQ(t_parse("decode -v -e -r f.pcap -c 5", &o), 0);
	T_EQ(o.flags, CTL_PRINT_V | CTL_PRINT_E);
	T_EQ(o.count, 5);
	T_EQ(t_parse("decode -vv -i eth0", &o), 0);
	T_EQ(o.flags, CTL_PRINT_V | CTL_PRINT_VV);
	T_CHECK(o.ifname != NULL && o.file == NULL);
	T_EQ(t_parse("decode f.pcap -ve", &o), 0);
	T_EQ(o.flags, CTL_PRINT_V | CTL_PRINT_E);
	T_EQ(t_parse("decode -", &o), 0);
	T_CHECK(o.file != NULL);
	T_EQ(t_parse("decode", &o), -1);
	T_EQ(t_parse("decode a b", &o), -1);
	T_EQ(t_parse("decode -i eth0 f.pcap", &o), -1);
	T_EQ(t_parse("decode -x f.pcap", &o), -1);
	T_EQ(t_parse("decode -c 0 f.pcap", &o), -1);
	T_EQ(t_parse("decode -c -3 f.pcap", &o), -1);
	T_EQ(t_parse("decode -c 3x f.pcap", &o), -1);
	T_EQ(t_parse("decode f.pcap -c", &o), -1);
	T_EQ(t_parse("decode -r a -r b", &o), -1);
}

/* ctl_decode_main's exit codes, on a missing file. */
static void test_main_exit_codes(void)
{
	char path[128];
	char *argv[] = {"decode", path, NULL};
	char *bad[] = {"decode", NULL};

	t_path(path, sizeof(path), "missing.pcap");
	T_EQ(ctl_decode_main(2, argv), 1);
	T_EQ(ctl_decode_main(1, bad), 1);
}

int main(void)
{
	snprintf(t_dir, sizeof(t_dir), "/tmp/pfsync-test-capture.XXXXXX");
	if (mkdtemp(t_dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	setenv("TZ", "UTC", 1);
	tzset();
	T_RUN(test_write_read_back);
	T_RUN(test_open_errors);
	T_RUN(test_open_refuses_planted);
	T_RUN(test_failed_write_cut_back);
	T_RUN(test_decode_own_capture);
	T_RUN(test_decode_raw_ip);
	T_RUN(test_decode_bad_files);
	T_RUN(test_parse_args);
	T_RUN(test_main_exit_codes);
	rmdir(t_dir);
	return t_done();
}
