/*
 * test_config.c - pfsyncd.conf(5) parser, ifconfig words and printer.
 *
 * Golden files, as in OpenBSD's regress: every tests/unit/conf/NAME.conf
 * has a NAME.out.  For good-*.conf the .out is the pfsd_conf_print()
 * output; for bad-*.conf it is the one-line error.  Each good config must
 * also survive print -> parse -> equal.  Run from the repository root.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "config.h"
#include "t.h"

#define CONF_DIR "tests/unit/conf"

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t len;

	if (f == NULL)
		return NULL;
	buf = calloc(1, 65536);
	if (buf != NULL) {
		len = fread(buf, 1, 65535, f);
		buf[len] = '\0';
	}
	fclose(f);
	return buf;
}

/* pfsd_conf_print into a malloc'd string. */
static char *print_conf(const struct pfsd_conf *c)
{
	char *s = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&s, &len);

	if (f == NULL)
		return NULL;
	pfsd_conf_print(c, f);
	fclose(f);
	return s;
}

static void golden_good(const char *conf, const char *want)
{
	struct pfsd_conf c, back;
	char err[512] = "", *got;

	T_EQ(pfsd_conf_parse_file(conf, &c, err, sizeof err), 0);
	if (err[0] != '\0')
		fprintf(stderr, "%s: unexpected error: %s\n", conf, err);
	got = print_conf(&c);
	T_CHECK(got != NULL && strcmp(got, want) == 0);
	if (got != NULL && strcmp(got, want) != 0)
		fprintf(stderr, "%s: got\n%s--- want\n%s", conf, got, want);
	/* round trip: the printed file parses back to an equal config */
	T_EQ(pfsd_conf_parse_string(got != NULL ? got : "", "printed", &back,
				    err, sizeof err),
	     0);
	T_CHECK(pfsd_conf_equal(&c, &back));
	free(got);
}

static void golden_bad(const char *conf, const char *want)
{
	struct pfsd_conf c, before;
	char err[512] = "", line[520];

	pfsd_conf_default(&c);
	c.maxupd = 77; /* a marker: a failed parse must not touch c */
	before = c;
	errno = 0;
	T_EQ(pfsd_conf_parse_file(conf, &c, err, sizeof err), -1);
	T_EQ(errno, EINVAL);
	T_MEMEQ(&c, &before, sizeof c);
	snprintf(line, sizeof line, "%s\n", err);
	T_CHECK(strcmp(line, want) == 0);
	if (strcmp(line, want) != 0)
		fprintf(stderr, "%s: got   %s%s: want  %s", conf, line, conf,
			want);
}

/* One golden case, reported as its own PASS/FAIL line. */
static void golden_one(const char *name, int *good, int *bad)
{
	char conf[300], out[300], *want;
	int before = t_failed_checks;
	size_t n = strlen(name) - strlen(".conf");

	snprintf(conf, sizeof conf, "%s/%s", CONF_DIR, name);
	snprintf(out, sizeof out, "%s/%.*s.out", CONF_DIR, (int)n, name);
	want = read_all(out);
	T_CHECK(want != NULL);
	if (want != NULL && strncmp(name, "good-", 5) == 0) {
		golden_good(conf, want);
		(*good)++;
	} else if (want != NULL && strncmp(name, "bad-", 4) == 0) {
		golden_bad(conf, want);
		(*bad)++;
	} else {
		T_CHECK(!"golden file is neither good- nor bad-");
	}
	free(want);
	printf("%s golden/%.*s\n", t_failed_checks == before ? "PASS" : "FAIL",
	       (int)n, name);
	if (t_failed_checks != before)
		t_failed_tests++;
}

static int is_conf(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".conf") == 0;
}

static void test_golden(void)
{
	struct dirent **ents;
	int i, n, good = 0, bad = 0;

	n = scandir(CONF_DIR, &ents, NULL, alphasort);
	T_CHECK(n > 0);
	for (i = 0; i < n; i++) {
		if (is_conf(ents[i]->d_name))
			golden_one(ents[i]->d_name, &good, &bad);
		free(ents[i]);
	}
	if (n > 0)
		free(ents);
	T_CHECK(good >= 8);
	T_CHECK(bad >= 10);
}

static void test_defaults(void)
{
	struct pfsd_conf c;

	memset(&c, 0xa5, sizeof c);
	pfsd_conf_default(&c);
	T_CHECK(strcmp(c.ifname, "pfsync0") == 0);
	T_CHECK(!c.up);
	T_CHECK(c.syncdev[0] == '\0');
	T_EQ(c.syncpeer, 0);
	T_EQ(c.maxupd, 128);
	T_EQ(c.hostid, 0);
	T_CHECK(strcmp(c.control, PFSD_CONTROL_PATH) == 0);
	T_EQ(c.control_mode, 0600);
	T_EQ(c.backend, PFSD_BACKEND_MEMORY);
	T_EQ(c.log_level, LOG_INFO);
	T_CHECK(c.capture[0] == '\0');
	T_EQ(c.bulk_pkts, 64);
	T_EQ(c.bulk_tick_ms, 1);
	T_EQ(c.mtu, 0);
}

static int apply(struct pfsd_conf *c, char *err, size_t errlen, int argc, ...)
{
	char *argv[16];
	va_list ap;
	int i;

	va_start(ap, argc);
	for (i = 0; i < argc && i < 16; i++)
		argv[i] = va_arg(ap, char *);
	va_end(ap);
	return pfsd_conf_apply_words(c, argc, argv, err, errlen);
}

static void test_words(void)
{
	struct pfsd_conf c;
	char err[256];

	pfsd_conf_default(&c);
	T_EQ(apply(&c, err, sizeof err, 7, "up", "syncdev", "eth2", "syncpeer",
		   "10.0.0.2", "maxupd", "64"),
	     0);
	T_CHECK(c.up);
	T_CHECK(strcmp(c.syncdev, "eth2") == 0);
	T_EQ(c.syncpeer, 0x0a000002);
	T_EQ(c.maxupd, 64);
	T_EQ(apply(&c, err, sizeof err, 3, "-syncdev", "-syncpeer", "down"), 0);
	T_CHECK(!c.up);
	T_CHECK(c.syncdev[0] == '\0');
	T_EQ(c.syncpeer, 0);
	T_EQ(apply(&c, err, sizeof err, 0), 0);
	/* the group address and 0.0.0.0 both mean "no unicast peer" */
	T_EQ(apply(&c, err, sizeof err, 2, "syncpeer", "224.0.0.240"), 0);
	T_EQ(c.syncpeer, 0);
	T_EQ(apply(&c, err, sizeof err, 2, "syncpeer", "0.0.0.0"), 0);
	T_EQ(c.syncpeer, 0);
	T_EQ(apply(&c, err, sizeof err, 2, "syncpeer", "255.255.255.255"), 0);
	T_EQ(c.syncpeer, 0xffffffffu);
}

/* IPv6, as FreeBSD 14: the group ff12::f0 or a peer; one family at a
 * time, the last word wins; -syncpeer clears both. */
static void test_words_syncpeer6(void)
{
	static const uint8_t group[16] = {0xff, 0x12, [15] = 0xf0};
	static const uint8_t none[16];
	struct pfsd_conf c;
	char err[256];

	pfsd_conf_default(&c);
	T_CHECK(!pfsd_conf_inet6(&c));
	T_EQ(apply(&c, err, sizeof err, 4, "syncpeer", "10.0.0.2", "syncpeer",
		   "ff12::f0"),
	     0);
	T_EQ(c.syncpeer, 0);
	T_MEMEQ(c.syncpeer6, group, 16);
	T_CHECK(pfsd_conf_inet6(&c) && pfsd_conf_inet6_group(&c));
	T_EQ(apply(&c, err, sizeof err, 2, "syncpeer", "fd00::2"), 0);
	T_CHECK(pfsd_conf_inet6(&c) && !pfsd_conf_inet6_group(&c));
	T_EQ(c.syncpeer6[0], 0xfd);
	T_EQ(apply(&c, err, sizeof err, 2, "syncpeer", "10.0.0.3"), 0);
	T_EQ(c.syncpeer, 0x0a000003);
	T_MEMEQ(c.syncpeer6, none, 16);
	T_EQ(apply(&c, err, sizeof err, 2, "syncpeer", "fd00::2"), 0);
	T_EQ(apply(&c, err, sizeof err, 1, "-syncpeer"), 0);
	T_CHECK(!pfsd_conf_inet6(&c));
	T_EQ(c.syncpeer, 0);
	T_EQ(apply(&c, err, sizeof err, 2, "syncpeer", "::ffff:10.0.0.1"), -1);
	T_EQ(apply(&c, err, sizeof err, 2, "syncpeer", "fd00::2%eth0"), -1);
	T_EQ(apply(&c, err, sizeof err, 2, "syncpeer", "0.1.2.3"), -1);
	T_CHECK(strcmp(err, "syncpeer: '0.1.2.3' is not usable") == 0);
}

/* Unsealed UDP keeps its syncdev: -syncdev is refused, the config kept. */
static void test_words_udp_unsealed(void)
{
	struct pfsd_conf c;
	char err[256];

	T_EQ(pfsd_conf_parse_string("interface pfsync0 up syncdev eth1\n"
				    "transport udp unsealed\n",
				    "t", &c, err, sizeof err),
	     0);
	T_CHECK(c.udp_unsealed);
	T_EQ(apply(&c, err, sizeof err, 2, "-syncdev", "down"), -1);
	T_CHECK(strcmp(err, "transport udp unsealed: a syncdev is needed "
			    "(only datagrams that arrive on it are taken)") ==
		0);
	T_CHECK(strcmp(c.syncdev, "eth1") == 0 && c.up);
	T_EQ(apply(&c, err, sizeof err, 2, "syncdev", "eth2"), 0);
	T_CHECK(strcmp(c.syncdev, "eth2") == 0);
}

static void test_words_maxupd(void)
{
	static const char *bad[] = {"12x", "-1", "256",	 "",	" 1",
				    "1 ",  "+1", "0x10", "1e2", "99999999999"};
	static const char *good[] = {"0", "1", "255", "007", "128"};
	static const unsigned goodv[] = {0, 1, 255, 7, 128};
	struct pfsd_conf c;
	char err[256], word[16];
	size_t i;

	pfsd_conf_default(&c);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(word, sizeof word, "%s", bad[i]);
		err[0] = '\0';
		T_EQ(apply(&c, err, sizeof err, 2, "maxupd", word), -1);
		T_EQ(c.maxupd, 128);
		T_CHECK(strncmp(err, "maxupd: ", 8) == 0);
	}
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(word, sizeof word, "%s", good[i]);
		T_EQ(apply(&c, err, sizeof err, 2, "maxupd", word), 0);
		T_EQ(c.maxupd, goodv[i]);
	}
	T_EQ(apply(&c, err, sizeof err, 2, "maxupd", "256"), -1);
	T_CHECK(strcmp(err, "maxupd: 256 is out of range 0..255") == 0);
}

static void test_words_ifname(void)
{
	static const char *bad[] = {
	    "",	  "a/b",  "a b",  "a:1",  ".",
	    "..", "a\tb", "a\nb", "\x01", "0123456789abcdef"};
	static const char *good[] = {"e", "eth0", "br-lan.10",
				     "0123456789abcde", "a..b"};
	struct pfsd_conf c;
	char err[256], word[32];
	size_t i;

	pfsd_conf_default(&c);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(word, sizeof word, "%s", bad[i]);
		T_EQ(apply(&c, err, sizeof err, 2, "syncdev", word), -1);
		T_CHECK(c.syncdev[0] == '\0');
	}
	for (i = 0; i < sizeof good / sizeof good[0]; i++) {
		snprintf(word, sizeof word, "%s", good[i]);
		T_EQ(apply(&c, err, sizeof err, 2, "syncdev", word), 0);
		T_CHECK(strcmp(c.syncdev, good[i]) == 0);
	}
}

/* A failing word anywhere leaves the whole config unchanged. */
static void test_words_atomic(void)
{
	struct pfsd_conf c, before;
	char err[256];

	pfsd_conf_default(&c);
	T_EQ(apply(&c, err, sizeof err, 2, "syncdev", "eth9"), 0);
	before = c;
	T_EQ(apply(&c, err, sizeof err, 7, "up", "syncdev", "eth1", "syncpeer",
		   "10.9.9.9", "maxupd", "300"),
	     -1);
	T_MEMEQ(&c, &before, sizeof c);
	T_CHECK(strcmp(err, "maxupd: 300 is out of range 0..255") == 0);
	T_EQ(apply(&c, err, sizeof err, 4, "up", "-syncdev", "syncpeer",
		   "1.2.3"),
	     -1);
	T_MEMEQ(&c, &before, sizeof c);
	T_CHECK(strcmp(err, "syncpeer: '1.2.3' is not an IPv4 or IPv6 "
			    "address") == 0);
	T_EQ(apply(&c, err, sizeof err, 2, "down", "maxupd"), -1);
	T_MEMEQ(&c, &before, sizeof c);
	T_CHECK(strcmp(err, "maxupd: missing argument") == 0);
	T_EQ(apply(&c, err, sizeof err, 2, "up", "bogus"), -1);
	T_MEMEQ(&c, &before, sizeof c);
	T_CHECK(strcmp(err, "unknown word 'bogus'") == 0);
	/* the argument of a word is never read as a word itself */
	T_EQ(apply(&c, err, sizeof err, 2, "syncdev", "up"), 0);
	T_CHECK(strcmp(c.syncdev, "up") == 0);
	T_CHECK(!c.up);
}

static void test_equal(void)
{
	struct pfsd_conf a, b;
	int i;

	pfsd_conf_default(&a);
	for (i = 0; i < 17; i++) {
		pfsd_conf_default(&b);
		T_CHECK(pfsd_conf_equal(&a, &b));
		switch (i) {
		case 0:
			b.ifname[0] = 'x';
			break;
		case 1:
			b.up = true;
			break;
		case 2:
			b.syncdev[0] = 'x';
			break;
		case 3:
			b.syncpeer = 1;
			break;
		case 4:
			b.maxupd = 1;
			break;
		case 5:
			b.hostid = 1;
			break;
		case 6:
			b.control[1] = 'x';
			break;
		case 7:
			b.control_mode = 0644;
			break;
		case 8:
			b.backend = PFSD_BACKEND_CONNTRACK;
			break;
		case 9:
			b.log_level = LOG_DEBUG;
			break;
		case 10:
			b.capture[0] = 'x';
			break;
		case 11:
			b.bulk_pkts = 1;
			break;
		case 12:
			b.bulk_tick_ms = 2;
			break;
		case 13:
			b.mtu = 1500;
			break;
		case 14:
			b.sync_rcvbuf = 65536;
			break;
		case 15:
			b.syncpeer6[15] = 1;
			break;
		case 16:
			b.limit_states = 1000;
			break;
		}
		T_CHECK(!pfsd_conf_equal(&a, &b));
	}
	/* bytes after the terminating NUL do not matter */
	pfsd_conf_default(&b);
	b.syncdev[5] = 'z';
	T_CHECK(pfsd_conf_equal(&a, &b));
}

/* Strings with every character the printer must quote survive. */
static void test_print_escapes(void)
{
	static const char *paths[] = {
	    "",		  "a b", "#x", "\"", "\\", "\\\"", "a\\\"b # c\t\"d\\",
	    "/run/x.sock"};
	struct pfsd_conf c, back;
	char err[256], *s;
	size_t i;

	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		pfsd_conf_default(&c);
		snprintf(c.capture, sizeof c.capture, "%s", paths[i]);
		snprintf(c.control, sizeof c.control, "x%s", paths[i]);
		snprintf(c.ifname, sizeof c.ifname, "p#\"\\%zu", i);
		snprintf(c.syncdev, sizeof c.syncdev, "s\\%zu", i);
		s = print_conf(&c);
		T_CHECK(s != NULL);
		T_EQ(pfsd_conf_parse_string(s, "p", &back, err, sizeof err), 0);
		T_CHECK(pfsd_conf_equal(&c, &back));
		free(s);
	}
}

static unsigned rnd(unsigned *seed, unsigned n)
{
	*seed = *seed * 1103515245u + 12345u;
	return (*seed >> 8) % n;
}

static void random_word(unsigned *seed, char *dst, size_t max, bool ifname)
{
	static const char set[] = "abz09-._#\"\\ /\t:";
	size_t n = 1 + rnd(seed, (unsigned)max - 1), i;

	for (i = 0; i < n; i++) {
		char ch = set[rnd(seed, sizeof set - 1)];

		if (ifname &&
		    (ch == '/' || ch == ' ' || ch == '\t' || ch == ':'))
			ch = 'q';
		dst[i] = ch;
	}
	dst[n] = '\0';
	if (ifname && (strcmp(dst, ".") == 0 || strcmp(dst, "..") == 0))
		dst[0] = 'd';
}

/* version: the dialect word, as the interface word and the keyword. */
static void test_words_version(void)
{
	static const char *bad[] = {"4", "7", "1302", "v6", "", "auto1"};
	struct pfsd_conf c, back;
	char err[256], word[16], *s;
	size_t i;

	pfsd_conf_default(&c);
	T_EQ(c.version, PFSD_VERSION_AUTO);
	T_EQ(c.v5_fmt, 1400);
	T_EQ(apply(&c, err, sizeof err, 2, "version", "6"), 0);
	T_EQ(c.version, 6);
	T_EQ(apply(&c, err, sizeof err, 2, "version", "1301"), 0);
	T_EQ(c.version, 5);
	T_EQ(c.v5_fmt, 1301);
	T_EQ(apply(&c, err, sizeof err, 2, "version", "3"), 0);
	T_EQ(c.version, 3);
	T_EQ(c.v5_fmt, 1301);
	T_EQ(apply(&c, err, sizeof err, 2, "version", "5"), 0);
	T_EQ(c.version, 5);
	T_EQ(c.v5_fmt, 1301); /* 5 alone keeps the format */
	T_EQ(apply(&c, err, sizeof err, 2, "version", "auto"), 0);
	T_EQ(c.version, PFSD_VERSION_AUTO);
	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		snprintf(word, sizeof word, "%s", bad[i]);
		T_EQ(apply(&c, err, sizeof err, 2, "version", word), -1);
		T_CHECK(strncmp(err, "version: ", 9) == 0);
	}
	/* printed only off the default; auto with a format round-trips */
	s = print_conf(&c);
	T_CHECK(s != NULL && strstr(s, " version 1301 version auto\n"));
	T_EQ(pfsd_conf_parse_string(s, "r", &back, err, sizeof err), 0);
	T_CHECK(pfsd_conf_equal(&c, &back));
	free(s);
	pfsd_conf_default(&c);
	s = print_conf(&c);
	T_CHECK(s != NULL && strstr(s, "version") == NULL);
	free(s);
	/* the keyword form */
	T_EQ(pfsd_conf_parse_string("version 1500\n", "k", &c, err, sizeof err),
	     0);
	T_EQ(c.version, 5);
	T_EQ(c.v5_fmt, 1500);
	T_EQ(pfsd_conf_parse_string("interface pfsync0 version 6\n", "k", &c,
				    err, sizeof err),
	     0);
	T_EQ(c.version, 6);
	T_EQ(pfsd_conf_parse_string("version 2\n", "k", &c, err, sizeof err),
	     -1);
}

/* digest MS | off: printed only off the default (2000), round trips */
static void test_words_digest(void)
{
	struct pfsd_conf c, back;
	char err[256], *s;

	pfsd_conf_default(&c);
	T_EQ(c.digest_ms, 2000);
	s = print_conf(&c);
	T_CHECK(s != NULL && strstr(s, "digest") == NULL);
	free(s);
	T_EQ(pfsd_conf_parse_string("digest 3000\n", "d", &c, err, sizeof err),
	     0);
	T_EQ(c.digest_ms, 3000);
	s = print_conf(&c);
	T_CHECK(s != NULL && strstr(s, "\ndigest 3000\n") != NULL);
	T_EQ(pfsd_conf_parse_string(s, "r", &back, err, sizeof err), 0);
	T_CHECK(pfsd_conf_equal(&c, &back));
	free(s);
	T_EQ(pfsd_conf_parse_string("digest off\n", "d", &c, err, sizeof err),
	     0);
	T_EQ(c.digest_ms, 0);
	s = print_conf(&c);
	T_CHECK(s != NULL && strstr(s, "\ndigest off\n") != NULL);
	T_EQ(pfsd_conf_parse_string(s, "r", &back, err, sizeof err), 0);
	T_CHECK(pfsd_conf_equal(&c, &back));
	free(s);
	T_EQ(pfsd_conf_parse_string("digest 10\n", "d", &c, err, sizeof err),
	     -1);
	T_EQ(pfsd_conf_parse_string("digest soon\n", "d", &c, err, sizeof err),
	     -1);
}

static void random_conf(unsigned *seed, struct pfsd_conf *c)
{
	pfsd_conf_default(c);
	random_word(seed, c->ifname, sizeof c->ifname, true);
	c->up = rnd(seed, 2);
	if (rnd(seed, 2))
		random_word(seed, c->syncdev, sizeof c->syncdev, true);
	c->syncpeer = rnd(seed, 2) ? 0 : 0x0a000000u + rnd(seed, 65536);
	if (c->syncpeer == 0 && rnd(seed, 2)) {
		c->syncpeer6[0] = rnd(seed, 2) ? 0xff : 0xfd;
		c->syncpeer6[1] = 0x12;
		c->syncpeer6[15] = (uint8_t)(1 + rnd(seed, 255));
	}
	c->maxupd = rnd(seed, 256);
	c->hostid = (rnd(seed, 65536) << 16) | rnd(seed, 65536);
	random_word(seed, c->control, sizeof c->control, false);
	c->control_mode = rnd(seed, 0777 + 1);
	c->backend =
	    rnd(seed, 2) ? PFSD_BACKEND_CONNTRACK : PFSD_BACKEND_MEMORY;
	c->log_level = LOG_ERR + (int)rnd(seed, 5);
	if (c->log_level == LOG_NOTICE)
		c->log_level = LOG_WARNING;
	if (rnd(seed, 2))
		random_word(seed, c->capture, 40, false);
	c->bulk_pkts = 1 + rnd(seed, 1024);
	c->bulk_tick_ms = 1 + rnd(seed, 1000);
	c->mtu = rnd(seed, 2) ? 0 : 576 + rnd(seed, 65535 - 576 + 1);
	c->sync_rcvbuf = 65536 + rnd(seed, 1u << 29);
	c->version = (unsigned[]){0, 3, 5, 6}[rnd(seed, 4)];
	c->v5_fmt = (unsigned[]){1301, 1400, 1500}[rnd(seed, 3)];
	c->limit_states = rnd(seed, 2) ? 0 : 1 + rnd(seed, 1u << 30);
}

static void test_print_random(void)
{
	struct pfsd_conf c, back;
	unsigned seed = 1;
	char err[256], *s;
	int i, ok = 0;

	for (i = 0; i < 2000; i++) {
		random_conf(&seed, &c);
		s = print_conf(&c);
		if (s != NULL &&
		    pfsd_conf_parse_string(s, "r", &back, err, sizeof err) ==
			0 &&
		    pfsd_conf_equal(&c, &back))
			ok++;
		else
			fprintf(stderr, "round trip %d failed: %s\n%s", i, err,
				s != NULL ? s : "");
		free(s);
	}
	T_EQ(ok, 2000);
}

static void test_parse_misc(void)
{
	struct pfsd_conf c;
	char err[512], text[300];

	/* a missing file names the path and the errno text */
	T_EQ(
	    pfsd_conf_parse_file(CONF_DIR "/missing.conf", &c, err, sizeof err),
	    -1);
	T_EQ(errno, ENOENT);
	T_CHECK(strcmp(err, CONF_DIR
		       "/missing.conf: No such file or directory") == 0);
	/* control path longer than sun_path */
	memset(text, 0, sizeof text);
	strcpy(text, "control /");
	memset(text + 9, 'a', 107);
	T_EQ(pfsd_conf_parse_string(text, "s", &c, err, sizeof err), -1);
	T_CHECK(strstr(err, "s:1: control: '") == err);
	T_CHECK(strstr(err, "is too long (max 107)") != NULL);
	text[9 + 106] = '\0'; /* exactly 107 bytes: fits */
	T_EQ(pfsd_conf_parse_string(text, "s", &c, err, sizeof err), 0);
	T_EQ(strlen(c.control), 107);
	/* a NULL or tiny err buffer is fine */
	T_EQ(pfsd_conf_parse_string("foo", "s", &c, NULL, 0), -1);
	T_EQ(pfsd_conf_parse_string("foo", "s", &c, err, 4), -1);
	T_CHECK(strcmp(err, "s:1") == 0);
	/* a '#' glued to a word still starts a comment */
	T_EQ(pfsd_conf_parse_string("mtu 1500#x\n", "s", &c, err, sizeof err),
	     0);
	T_EQ(c.mtu, 1500);
}

static void test_parse_limits(void)
{
	struct pfsd_conf c;
	char err[256], *text;
	size_t i;

	/* a line of 4097 bytes is refused, one of 4096 is fine */
	text = malloc(5000);
	T_CHECK(text != NULL);
	if (text == NULL)
		return;
	memcpy(text, "mtu 0", 5);
	memset(text + 5, ' ', 4096 - 5);
	text[4096] = '\0';
	T_EQ(pfsd_conf_parse_string(text, "s", &c, err, sizeof err), 0);
	strcpy(text + 4096, " \n");
	T_EQ(pfsd_conf_parse_string(text, "s", &c, err, sizeof err), -1);
	T_CHECK(strcmp(err, "s:1: line longer than 4096 bytes") == 0);
	/* 64 words are fine, 65 are not */
	strcpy(text, "interface pfsync0");
	for (i = 0; i < 62; i++)
		strcat(text, " up");
	T_EQ(pfsd_conf_parse_string(text, "s", &c, err, sizeof err), 0);
	strcat(text, " up");
	T_EQ(pfsd_conf_parse_string(text, "s", &c, err, sizeof err), -1);
	T_CHECK(strcmp(err, "s:1: more than 64 words on a line") == 0);
	free(text);
}

/* limit states N | auto: auto (0) follows the machine and is not
 * printed; a number is, and parses back. */
static void test_limit_states(void)
{
	struct pfsd_conf c, back;
	char err[256], *s;

	pfsd_conf_default(&c);
	T_EQ(c.limit_states, 0);
	T_EQ(pfsd_conf_parse_string("limit states 1\n", "l", &c, err,
				    sizeof err),
	     0);
	T_EQ(c.limit_states, 1);
	T_EQ(pfsd_conf_parse_string("limit states 1073741824\n", "l", &c,
				    err, sizeof err),
	     0);
	T_EQ(c.limit_states, 1073741824);
	s = print_conf(&c);
	T_CHECK(s != NULL && strstr(s, "\nlimit states 1073741824\n"));
	T_EQ(pfsd_conf_parse_string(s, "p", &back, err, sizeof err), 0);
	T_CHECK(pfsd_conf_equal(&c, &back));
	free(s);
	T_EQ(pfsd_conf_parse_string("limit states 1073741825\n", "l", &c,
				    err, sizeof err),
	     -1);
	T_EQ(pfsd_conf_parse_string("limit states -1\n", "l", &c, err,
				    sizeof err),
	     -1);
	T_CHECK(strcmp(err, "l:1: limit states: '-1' is not a decimal "
			    "number") == 0);
	T_EQ(pfsd_conf_parse_string("limit states 5 6\n", "l", &c, err,
				    sizeof err),
	     -1);
	T_CHECK(strcmp(err, "l:1: limit: unexpected word '6'") == 0);
	T_EQ(pfsd_conf_parse_string("limit states auto\n", "l", &c, err,
				    sizeof err),
	     0);
	T_EQ(c.limit_states, 0);
	s = print_conf(&c);
	T_CHECK(s != NULL && strstr(s, "limit") == NULL);
	free(s);
}

static void test_parse_nul(void)
{
	static const char body[] = "mtu 0\n\0mtu 1\n";
	char path[] = "/tmp/test_config_XXXXXX", err[256];
	struct pfsd_conf c;
	int fd = mkstemp(path);

	T_CHECK(fd >= 0);
	if (fd < 0)
		return;
	T_EQ(write(fd, body, sizeof body - 1), (long)sizeof body - 1);
	close(fd);
	T_EQ(pfsd_conf_parse_file(path, &c, err, sizeof err), -1);
	T_CHECK(strstr(err, ": contains a NUL byte") != NULL);
	unlink(path);
}

int main(void)
{
	T_RUN(test_defaults);
	T_RUN(test_golden);
	T_RUN(test_words_udp_unsealed);
	T_RUN(test_words);
	T_RUN(test_words_maxupd);
	T_RUN(test_words_syncpeer6);
	T_RUN(test_words_ifname);
	T_RUN(test_words_version);
	T_RUN(test_words_digest);
	T_RUN(test_words_atomic);
	T_RUN(test_equal);
	T_RUN(test_print_escapes);
	T_RUN(test_print_random);
	T_RUN(test_parse_misc);
	T_RUN(test_parse_limits);
	T_RUN(test_parse_nul);
	T_RUN(test_limit_states);
	return t_done();
}
