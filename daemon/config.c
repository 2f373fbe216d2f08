/*
 * config.c - pfsyncd.conf(5): a hand-written line parser, the ifconfig
 * words for pfsync0, and a printer whose output parses back.
 *
 * A line is split into words by a small tokenizer (double quotes group
 * words and allow the escapes \" and \\; '#' outside quotes starts a
 * comment).  The first word is looked up in a keyword table that gives
 * the handler and the number of arguments.  Handlers write a message
 * without position into the parse state; the line driver adds
 * "file:line: ".  Everything is done on a copy, so a failed parse or a
 * failed pfsd_conf_apply_words() leaves the caller's config untouched.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "pfsync/engine.h"

#include "config.h"
#include "metrics/metrics_http.h"

#define CONF_LINE_MAX  4096	 /* bytes in one line, newline excluded */
#define CONF_WORDS_MAX 64	 /* words on one line */
#define CONF_FILE_MAX  (1 << 20) /* a config larger than 1 MiB is a mistake */
#define CONF_MSG_MAX   256
#define CONF_GROUP     0xe00000f0u /* 224.0.0.240, INADDR_PFSYNC_GROUP */

#define CONF_MAXUPD_MAX	   255u /* what NetBSD's kernel and ifconfig accept */
#define CONF_MODE_MAX	   0777u
#define CONF_BULK_PKTS_MAX 1024u
#define CONF_BULK_TICK_MAX 1000u /* ms */
#define CONF_BULK_RETRY_MIN 100u /* ms */
#define CONF_BULK_RETRY_MAX 60000u
#define CONF_FLUSH_MAX	    1000u /* ms: NetBSD's fixed wait */
#define CONF_TOMB_MAX 86400u
#define CONF_DIGEST_MIN 200u
#define CONF_DIGEST_MAX 60000u
#define CONF_DIGEST_DEFAULT 2000u /* PFS_DIG_MS_DEFAULT */
#define CONF_MTU_MIN	   576u	 /* the IPv4 datagram every host takes */
#define CONF_MTU_MAX	   65535u
#define CONF_KEY_GRACE_MAX  86400u /* s */
#define CONF_RCVBUF_MIN	   65536u      /* a few bursts */
#define CONF_RCVBUF_MAX	   (1u << 30)  /* SO_RCVBUFFORCE takes an int */

/* ---- messages ------------------------------------------------------ */

static void conf_msg(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void conf_msg(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---- number and name checks --------------------------------------- */

static int conf_digit(char ch, unsigned base)
{
	int d;

	if (ch >= '0' && ch <= '9')
		d = ch - '0';
	else if (ch >= 'a' && ch <= 'f')
		d = ch - 'a' + 10;
	else if (ch >= 'A' && ch <= 'F')
		d = ch - 'A' + 10;
	else
		return -1;
	return (unsigned)d < base ? d : -1;
}

/*
 * Digits only, in the given base: no sign, no blanks, no suffix, not
 * empty (strtoul accepts all of those).  Returns 0, -1 if s is not a
 * number, -2 if it is larger than max.
 */
static int conf_uint(const char *s, unsigned base, unsigned long max,
		     unsigned long *v)
{
	unsigned long n = 0;
	int d, big = 0;

	if (*s == '\0')
		return -1;
	for (; *s != '\0'; s++) {
		d = conf_digit(*s, base);
		if (d < 0)
			return -1;
		if ((unsigned long)d > max ||
		    n > (max - (unsigned long)d) / base)
			big = 1;
		else
			n = n * base + (unsigned long)d;
	}
	if (big)
		return -2;
	*v = n;
	return 0;
}

/* A decimal number in min..max, or a message naming the word. */
static int conf_decimal(const char *kw, const char *s, unsigned long min,
			unsigned long max, unsigned *v, char *err,
			size_t errlen)
{
	unsigned long n;
	int rc = conf_uint(s, 10, max, &n);

	if (rc == -1) {
		conf_msg(err, errlen, "%s: '%s' is not a decimal number", kw,
			 s);
		return -1;
	}
	if (rc == -2 || n < min) {
		conf_msg(err, errlen, "%s: %s is out of range %lu..%lu", kw, s,
			 min, max);
		return -1;
	}
	*v = (unsigned)n;
	return 0;
}

/*
 * Linux's rules for a device name (dev_valid_name): 1..IFNAMSIZ-1 bytes,
 * not "." or "..", no '/', ':' or whitespace.  We also refuse control
 * characters so that names are safe to log.  Existence is not checked:
 * the config may name a device that appears later.
 */
static int conf_ifname(const char *kw, const char *s, char *err, size_t errlen)
{
	size_t len = strlen(s), i;

	if (len == 0 || len >= IFNAMSIZ) {
		conf_msg(err, errlen,
			 "%s: '%s' is not an interface name (1..%d bytes)", kw,
			 s, IFNAMSIZ - 1);
		return -1;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '/' || ch == ':' || isspace(ch) || iscntrl(ch))
			break;
	}
	if (i < len || strcmp(s, ".") == 0 || strcmp(s, "..") == 0) {
		conf_msg(err, errlen, "%s: '%s' is not an interface name", kw,
			 s);
		return -1;
	}
	return 0;
}

/* Copy a string argument into a fixed field, or say it is too long. */
static int conf_string(const char *kw, const char *s, char *dst, size_t size,
		       char *err, size_t errlen)
{
	size_t len = strlen(s);

	if (len >= size) {
		conf_msg(err, errlen, "%s: '%.40s...' is too long (max %zu)",
			 kw, s, size - 1);
		return -1;
	}
	memcpy(dst, s, len + 1);
	return 0;
}

/* ---- ifconfig words ------------------------------------------------ */

struct conf_word {
	const char *name;
	int nargs; /* 0 or 1 */
	int (*fn)(struct pfsd_conf *c, const char *arg, char *err,
		  size_t errlen);
};

static int conf_w_up(struct pfsd_conf *c, const char *arg, char *err,
		     size_t errlen)
{
	(void)arg, (void)err, (void)errlen;
	c->up = true;
	return 0;
}

static int conf_w_down(struct pfsd_conf *c, const char *arg, char *err,
		       size_t errlen)
{
	(void)arg, (void)err, (void)errlen;
	c->up = false;
	return 0;
}

static int conf_w_syncdev(struct pfsd_conf *c, const char *arg, char *err,
			  size_t errlen)
{
	if (conf_ifname("syncdev", arg, err, errlen) == -1)
		return -1;
	return conf_string("syncdev", arg, c->syncdev, sizeof c->syncdev, err,
			   errlen);
}

static int conf_w_nosyncdev(struct pfsd_conf *c, const char *arg, char *err,
			    size_t errlen)
{
	(void)arg, (void)err, (void)errlen;
	c->syncdev[0] = '\0';
	return 0;
}

/*
 * An IPv4 address, as NetBSD's ifconfig, or an IPv6 one, as FreeBSD 14's
 * (`syncpeer ff12::f0` is its group on the syncdev, any other IPv6
 * multicast address a group of choice, a unicast one a peer).  0.0.0.0
 * and 224.0.0.240 both mean "the pfsync group" to the kernel; we store
 * either as 0 so that two configs that behave the same compare equal.
 * 0.x.x.x is no host's address (and names IPv6 peers inside pfsyncd,
 * peeraddr.h), nor is ::.
 */
static int conf_w_syncpeer6(struct pfsd_conf *c, const char *arg, char *err,
			    size_t errlen)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, arg, &a) != 1) {
		conf_msg(err, errlen,
			 "syncpeer: '%s' is not an IPv4 or IPv6 address", arg);
		return -1;
	}
	if (IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_V4MAPPED(&a)) {
		conf_msg(err, errlen, "syncpeer: '%s' is not usable", arg);
		return -1;
	}
	c->syncpeer = 0;
	memcpy(c->syncpeer6, &a, sizeof(c->syncpeer6));
	return 0;
}

static int conf_w_syncpeer(struct pfsd_conf *c, const char *arg, char *err,
			   size_t errlen)
{
	struct in_addr a;
	uint32_t peer;

	if (inet_pton(AF_INET, arg, &a) != 1)
		return conf_w_syncpeer6(c, arg, err, errlen);
	peer = ntohl(a.s_addr);
	if (peer != 0 && (peer >> 24) == 0) {
		conf_msg(err, errlen, "syncpeer: '%s' is not usable", arg);
		return -1;
	}
	c->syncpeer = peer == CONF_GROUP ? 0 : peer;
	memset(c->syncpeer6, 0, sizeof(c->syncpeer6));
	return 0;
}

static int conf_w_nosyncpeer(struct pfsd_conf *c, const char *arg, char *err,
			     size_t errlen)
{
	(void)arg, (void)err, (void)errlen;
	c->syncpeer = 0;
	memset(c->syncpeer6, 0, sizeof(c->syncpeer6));
	return 0;
}

static int conf_w_maxupd(struct pfsd_conf *c, const char *arg, char *err,
			 size_t errlen)
{
	return conf_decimal("maxupd", arg, 0, CONF_MAXUPD_MAX, &c->maxupd, err,
			    errlen);
}

/*
 * version: the dialect packets are sent in.  1301, 1400 and 1500 are
 * FreeBSD's `ifconfig pfsync0 version N` (v5 of that state format); 5
 * alone keeps the format (1400 unless set).
 */
static int conf_w_version(struct pfsd_conf *c, const char *arg, char *err,
			  size_t errlen)
{
	unsigned v;

	if (strcmp(arg, "auto") == 0) {
		c->version = PFSD_VERSION_AUTO;
		return 0;
	}
	if (conf_decimal("version", arg, 3, 1500, &v, err, errlen) == -1)
		return -1;
	if (v == 1301 || v == 1400 || v == 1500) {
		c->version = 5;
		c->v5_fmt = v;
		return 0;
	}
	if (v == 3 || v == 5 || v == 6) {
		c->version = v;
		return 0;
	}
	conf_msg(err, errlen,
		 "version: '%s' is not auto, 3, 5, 6, 1301, 1400 or 1500", arg);
	return -1;
}

/* defer: hold each new connection's first packet for the peers' acks
 * (pfsyncd(8) DEFER); -defer: not */
static int conf_w_defer(struct pfsd_conf *c, const char *arg, char *err,
			size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	c->defer = true;
	return 0;
}

static int conf_w_nodefer(struct pfsd_conf *c, const char *arg, char *err,
			  size_t errlen)
{
	(void)arg;
	(void)err;
	(void)errlen;
	c->defer = false;
	return 0;
}

static const struct conf_word conf_words[] = {
    {"up", 0, conf_w_up},
    {"down", 0, conf_w_down},
    {"syncdev", 1, conf_w_syncdev},
    {"-syncdev", 0, conf_w_nosyncdev},
    {"syncpeer", 1, conf_w_syncpeer},
    {"-syncpeer", 0, conf_w_nosyncpeer},
    {"maxupd", 1, conf_w_maxupd},
    {"version", 1, conf_w_version},
    {"defer", 0, conf_w_defer},
    {"-defer", 0, conf_w_nodefer},
};

static const struct conf_word *conf_word_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof conf_words / sizeof conf_words[0]; i++)
		if (strcmp(conf_words[i].name, name) == 0)
			return &conf_words[i];
	return NULL;
}

static int conf_check_udp(const struct pfsd_conf *c, char *err,
			  size_t errlen);

static int conf_check_links(const struct pfsd_conf *c, char *err,
			    size_t errlen)
{
	if (c->links.n > 0 && c->npeers + c->npeers6 > 0) {
		conf_msg(err, errlen,
			 "link: not with peer lines (a unicast cluster goes "
			 "over the syncdev alone)");
		return -1;
	}
	return pfsd_link_conf_check(&c->links, c->syncdev, c->syncpeer,
				    c->transport == PFSD_TRANSPORT_RAW &&
					!pfsd_conf_inet6(c),
				    err, errlen);
}

int pfsd_conf_apply_words(struct pfsd_conf *c, int argc, char *const argv[],
			  char *err, size_t errlen)
{
	struct pfsd_conf tmp = *c;
	const struct conf_word *w;
	int i;

	for (i = 0; i < argc; i++) {
		w = conf_word_find(argv[i]);
		if (w == NULL) {
			conf_msg(err, errlen, "unknown word '%s'%s", argv[i],
				 i >= 2 && strcmp(argv[i - 2], "syncpeer") == 0
				     ? " (one syncpeer: name more peers on "
				       "peer lines)"
				     : "");
			errno = EINVAL;
			return -1;
		}
		if (w->nargs > 0 && i + 1 >= argc) {
			conf_msg(err, errlen, "%s: missing argument", w->name);
			errno = EINVAL;
			return -1;
		}
		if (w->fn(&tmp, w->nargs > 0 ? argv[i + 1] : NULL, err,
			  errlen) == -1) {
			errno = EINVAL;
			return -1;
		}
		i += w->nargs;
	}
	if (conf_check_udp(&tmp, err, errlen) == -1 ||
	    conf_check_links(&tmp, err, errlen) == -1) {
		errno = EINVAL;
		return -1;
	}
	*c = tmp;
	return 0;
}

/* ---- keywords ------------------------------------------------------ */

enum conf_kw_id {
	KW_INTERFACE,
	KW_HOSTID,
	KW_CONTROL,
	KW_CONTROL_MODE,
	KW_BACKEND,
	KW_LOG_LEVEL,
	KW_CAPTURE,
	KW_BULK_PACE,
	KW_BULK_TICK,
	KW_BULK_RETRY,
	KW_FLUSH_DELAY,
	KW_DEFER_TIMEOUT,
	KW_MTU,
	KW_TAP,
	KW_RELIABLE,
	KW_TOMBSTONE,
	KW_SYNC_RCVBUF,
	KW_METRICS_LISTEN,
	KW_KEY,
	KW_KEY_GRACE,
	KW_CLUSTER,
	KW_TRANSPORT,
	KW_PEER,
	KW_USER,
	KW_SECCOMP,
	KW_VERSION,
	KW_IGNORE,
	KW_NOSYNC,
	KW_LIMIT,
	KW_PROVENANCE,
	KW_LINK,
	KW_DIGEST,
	KW_COUNT
};

/* The state of one parse; handlers fill msg on error. */
struct conf_parse {
	struct pfsd_conf conf;
	unsigned seen[KW_COUNT]; /* line of first use, 0 = not yet */
	unsigned lineno;	 /* the line being parsed */
	unsigned seen_limit_states; /* line of `limit states`, 0 = not yet */
	char msg[CONF_MSG_MAX];
};

struct conf_kw {
	const char *name;
	int nargs;   /* exact number of arguments; -1: one or more */
	bool repeat; /* may appear on several lines */
	int (*fn)(struct conf_parse *p, int argc, char *argv[]);
};

struct conf_name {
	const char *name;
	int value;
};

static const struct conf_name conf_backends[] = {
    {"memory", PFSD_BACKEND_MEMORY},
    {"conntrack", PFSD_BACKEND_CONNTRACK},
};

static const struct conf_name conf_levels[] = {
    {"error", LOG_ERR},
    {"warning", LOG_WARNING},
    {"info", LOG_INFO},
    {"debug", LOG_DEBUG},
};

#define CONF_NELEM(a) (sizeof(a) / sizeof((a)[0]))

static int conf_name_value(const struct conf_name *t, size_t n,
			   const char *name, int *v)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (strcmp(t[i].name, name) == 0) {
			*v = t[i].value;
			return 0;
		}
	}
	return -1;
}

static const char *conf_value_name(const struct conf_name *t, size_t n, int v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].value == v)
			return t[i].name;
	return NULL;
}

/*
 * interface NAME [words]: may be repeated, each line applied in order
 * like successive ifconfig(8) commands, but every line must name the same
 * interface: one daemon drives one pfsync interface.
 */
static int conf_kw_interface(struct conf_parse *p, int argc, char *argv[])
{
	struct pfsd_conf *c = &p->conf;

	if (conf_ifname("interface", argv[0], p->msg, sizeof p->msg) == -1)
		return -1;
	if (p->seen[KW_INTERFACE] != 0 && strcmp(argv[0], c->ifname) != 0) {
		conf_msg(p->msg, sizeof p->msg,
			 "interface: '%s' is not '%s' of line %u", argv[0],
			 c->ifname, p->seen[KW_INTERFACE]);
		return -1;
	}
	memcpy(c->ifname, argv[0], strlen(argv[0]) + 1);
	return pfsd_conf_apply_words(c, argc - 1, argv + 1, p->msg,
				     sizeof p->msg);
}

/* hostid: decimal or 0x-prefixed hex, 32 bits; 0 means random. */
static int conf_kw_hostid(struct conf_parse *p, int argc, char *argv[])
{
	const char *s = argv[0];
	unsigned long v;
	int rc;

	(void)argc;
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		rc = conf_uint(s + 2, 16, 0xffffffffUL, &v);
	else
		rc = conf_uint(s, 10, 0xffffffffUL, &v);
	if (rc == -1) {
		conf_msg(p->msg, sizeof p->msg, "hostid: '%s' is not a number",
			 s);
		return -1;
	}
	if (rc == -2) {
		conf_msg(p->msg, sizeof p->msg,
			 "hostid: %s is out of range 0..0xffffffff", s);
		return -1;
	}
	p->conf.hostid = (uint32_t)v;
	return 0;
}

static int conf_kw_control(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	if (argv[0][0] == '\0') {
		conf_msg(p->msg, sizeof p->msg, "control: empty path");
		return -1;
	}
	return conf_string("control", argv[0], p->conf.control,
			   sizeof p->conf.control, p->msg, sizeof p->msg);
}

/* An octal mode as chmod(1) takes it, leading 0 optional. */
static int conf_kw_control_mode(struct conf_parse *p, int argc, char *argv[])
{
	unsigned long v;
	int rc = conf_uint(argv[0], 8, CONF_MODE_MAX, &v);

	(void)argc;
	if (rc == -1) {
		conf_msg(p->msg, sizeof p->msg,
			 "control-mode: '%s' is not an octal mode", argv[0]);
		return -1;
	}
	if (rc == -2) {
		conf_msg(p->msg, sizeof p->msg,
			 "control-mode: %s is out of range 0..0777", argv[0]);
		return -1;
	}
	p->conf.control_mode = (unsigned)v;
	return 0;
}

static int conf_kw_backend(struct conf_parse *p, int argc, char *argv[])
{
	int v;

	(void)argc;
	if (conf_name_value(conf_backends, CONF_NELEM(conf_backends), argv[0],
			    &v) == -1) {
		conf_msg(p->msg, sizeof p->msg,
			 "backend: '%s' is not memory or conntrack", argv[0]);
		return -1;
	}
	p->conf.backend = (enum pfsd_backend_kind)v;
	return 0;
}

static int conf_kw_log_level(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	if (conf_name_value(conf_levels, CONF_NELEM(conf_levels), argv[0],
			    &p->conf.log_level) == -1) {
		conf_msg(p->msg, sizeof p->msg,
			 "log-level: '%s' is not error, warning, info or "
			 "debug",
			 argv[0]);
		return -1;
	}
	return 0;
}

/* capture PATH: "" turns the capture off again. */
static int conf_kw_capture(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	return conf_string("capture", argv[0], p->conf.capture,
			   sizeof p->conf.capture, p->msg, sizeof p->msg);
}

static int conf_kw_bulk_pace(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	return conf_decimal("bulk-pace", argv[0], 1, CONF_BULK_PKTS_MAX,
			    &p->conf.bulk_pkts, p->msg, sizeof p->msg);
}

static int conf_kw_bulk_tick(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	return conf_decimal("bulk-tick", argv[0], 1, CONF_BULK_TICK_MAX,
			    &p->conf.bulk_tick_ms, p->msg, sizeof p->msg);
}

/* bulk-retry MS: how long to wait for a bulk update before asking again */
static int conf_kw_bulk_retry(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	return conf_decimal("bulk-retry", argv[0], CONF_BULK_RETRY_MIN,
			    CONF_BULK_RETRY_MAX, &p->conf.bulk_retry_ms, p->msg,
			    sizeof p->msg);
}

/* flush-delay MS: the longest a change waits in a pending packet */
static int conf_kw_flush_delay(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	return conf_decimal("flush-delay", argv[0], 1, CONF_FLUSH_MAX,
			    &p->conf.flush_ms, p->msg, sizeof p->msg);
}

/* defer-timeout MS: the longest a deferred packet waits (defer) */
static int conf_kw_defer_timeout(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	return conf_decimal("defer-timeout", argv[0], 1, PFS_DEFER_MS_MAX,
			    &p->conf.defer_ms, p->msg, sizeof p->msg);
}

/* mtu: 0 follows the syncdev; otherwise 576..65535. */
static int conf_kw_mtu(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	if (strcmp(argv[0], "0") == 0) {
		p->conf.mtu = 0;
		return 0;
	}
	if (conf_decimal("mtu", argv[0], CONF_MTU_MIN, CONF_MTU_MAX,
			 &p->conf.mtu, p->msg, sizeof p->msg) == -1) {
		/* say that 0 is allowed too */
		if (strlen(p->msg) + sizeof " (or 0)" <= sizeof p->msg)
			strcat(p->msg, " (or 0)");
		return -1;
	}
	return 0;
}

/* tap always|auto: copies to pfsync0 always, or only while listened to */
static int conf_kw_tap(struct conf_parse *p, int argc, char *argv[])
{
	static const struct conf_name taps[] = {
	    {"auto", 0},
	    {"always", 1},
	};
	int v;

	(void)argc;
	if (conf_name_value(taps, CONF_NELEM(taps), argv[0], &v) == 0) {
		p->conf.tap_always = v != 0;
		return 0;
	}
	conf_msg(p->msg, sizeof p->msg, "tap: '%s' is not always or auto",
		 argv[0]);
	return -1;
}

/* reliable on|off: sequence numbers and resends between pfsyncd peers */
static int conf_kw_reliable(struct conf_parse *p, int argc, char *argv[])
{
	static const struct conf_name onoff[] = {
	    {"off", 0},
	    {"on", 1},
	};
	int v;

	(void)argc;
	if (conf_name_value(onoff, CONF_NELEM(onoff), argv[0], &v) == 0) {
		p->conf.reliable = v != 0;
		return 0;
	}
	conf_msg(p->msg, sizeof p->msg, "reliable: '%s' is not on or off",
		 argv[0]);
	return -1;
}

/* digest MS | off: the anti-entropy period between pfsyncd peers */
static int conf_kw_digest(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	if (strcmp(argv[0], "off") == 0) {
		p->conf.digest_ms = 0;
		return 0;
	}
	return conf_decimal("digest", argv[0], CONF_DIGEST_MIN,
			    CONF_DIGEST_MAX, &p->conf.digest_ms, p->msg,
			    sizeof p->msg);
}

/* tombstone S: seconds our deleted states are refused back (0: off) */
static int conf_kw_tombstone(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	return conf_decimal("tombstone", argv[0], 0, CONF_TOMB_MAX,
			    &p->conf.tomb_s, p->msg, sizeof p->msg);
}

/* A provenance mask: 1 to 8 contiguous bits (pfsd_conf.prov_mark). */
static bool conf_prov_mask_ok(unsigned long v)
{
	unsigned long low = v & -v; /* the lowest bit set */

	return v != 0 && ((v + low) & v) == 0 && v / low <= 0xff;
}

/* provenance none | mark MASK: the mark bits that say an entry was
 * written for a peer */
static int conf_kw_provenance(struct conf_parse *p, int argc, char *argv[])
{
	const char *s = argc == 2 ? argv[1] : "";
	unsigned long v;

	if (argc == 1 && strcmp(argv[0], "none") == 0) {
		p->conf.prov_mark = 0;
		return 0;
	}
	if (argc != 2 || strcmp(argv[0], "mark") != 0) {
		conf_msg(p->msg, sizeof p->msg,
			 "provenance: expected 'none' or 'mark MASK'");
		return -1;
	}
	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X') ||
	    conf_uint(s + 2, 16, 0xffffffffUL, &v) != 0 ||
	    !conf_prov_mask_ok(v)) {
		conf_msg(p->msg, sizeof p->msg,
			 "provenance: mark '%s' is not a hex mask of 1 to 8 "
			 "contiguous bits", s);
		return -1;
	}
	p->conf.prov_mark = (uint32_t)v;
	return 0;
}

/* sync-rcvbuf BYTES: the pfsync socket's receive buffer */
static int conf_kw_sync_rcvbuf(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	return conf_decimal("sync-rcvbuf", argv[0], CONF_RCVBUF_MIN,
			    CONF_RCVBUF_MAX, &p->conf.sync_rcvbuf, p->msg,
			    sizeof p->msg);
}

/* metrics-listen ADDR:PORT ("" turns the listener off) */
static int conf_kw_metrics_listen(struct conf_parse *p, int argc, char *argv[])
{
	struct sockaddr_storage ss;
	socklen_t len;

	(void)argc;
	if (argv[0][0] != '\0' &&
	    pfsd_mhttp_parse_addr(argv[0], &ss, &len) == -1) {
		conf_msg(p->msg, sizeof p->msg,
			 "metrics-listen: '%.40s' is not A.B.C.D:PORT or "
			 "[IPV6]:PORT",
			 argv[0]);
		return -1;
	}
	return conf_string("metrics-listen", argv[0], p->conf.metrics_listen,
			   sizeof p->conf.metrics_listen, p->msg,
			   sizeof p->msg);
}

/* key PATH: the file is read when the daemon starts or reloads */
static int conf_kw_key(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	return conf_string("key", argv[0], p->conf.key, sizeof p->conf.key,
			   p->msg, sizeof p->msg);
}

static int conf_kw_key_grace(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	return conf_decimal("key-grace", argv[0], 1, CONF_KEY_GRACE_MAX,
			    &p->conf.key_grace, p->msg, sizeof p->msg);
}

static int conf_kw_cluster(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	return conf_string("cluster", argv[0], p->conf.cluster,
			   sizeof p->conf.cluster, p->msg, sizeof p->msg);
}

/* transport raw | udp [port N] [unsealed] */
static int conf_kw_transport(struct conf_parse *p, int argc, char *argv[])
{
	bool unsealed = argc > 1 && strcmp(argv[argc - 1], "unsealed") == 0;

	if (strcmp(argv[0], "raw") == 0 && argc == 1) {
		p->conf.transport = PFSD_TRANSPORT_RAW;
		p->conf.udp_unsealed = false;
		return 0;
	}
	argc -= unsealed;
	if (strcmp(argv[0], "udp") != 0 ||
	    (argc != 1 && (argc != 3 || strcmp(argv[1], "port") != 0))) {
		conf_msg(p->msg, sizeof p->msg,
			 "transport: expected raw or udp [port N] [unsealed]");
		return -1;
	}
	p->conf.transport = PFSD_TRANSPORT_UDP;
	p->conf.udp_unsealed = unsealed;
	if (argc == 3)
		return conf_decimal("transport udp port", argv[2], 1, 65535,
				    &p->conf.udp_port, p->msg, sizeof p->msg);
	return 0;
}

/*
 * A UDP datagram is taken from any interface when its source is a peer's
 * address, and a source is easy to forge.  Without a key that must be
 * said (`unsealed`), and the datagrams must arrive on the syncdev (the
 * only interface whose datagrams are taken then, udp.c).
 */
static int conf_check_udp(const struct pfsd_conf *c, char *err, size_t errlen)
{
	if (c->transport != PFSD_TRANSPORT_UDP)
		return 0;
	if (c->key[0] != '\0' && c->udp_unsealed) {
		conf_msg(err, errlen, "transport udp: unsealed, but a key is "
				      "set");
		return -1;
	}
	if (c->key[0] == '\0' && !c->udp_unsealed) {
		conf_msg(err, errlen,
			 "transport udp: no key, so any host that forges a "
			 "peer's address could write states (set a key, or "
			 "add 'unsealed' and a syncdev)");
		return -1;
	}
	if (c->udp_unsealed && c->syncdev[0] == '\0') {
		conf_msg(err, errlen,
			 "transport udp unsealed: a syncdev is needed (only "
			 "datagrams that arrive on it are taken)");
		return -1;
	}
	return 0;
}

/* An IPv6 UDP peer: unicast, not :: nor IPv4-mapped. */
static int conf_peer6(struct pfsd_conf *c, const char *arg)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, arg, &a) != 1 || IN6_IS_ADDR_MULTICAST(&a) ||
	    IN6_IS_ADDR_UNSPECIFIED(&a) || IN6_IS_ADDR_V4MAPPED(&a))
		return -1;
	memcpy(c->peers6[c->npeers6++], &a, 16);
	return 0;
}

static int conf_kw_peer(struct conf_parse *p, int argc, char *argv[])
{
	struct in_addr a;
	struct pfsd_conf *c = &p->conf;

	(void)argc;
	if (c->npeers + c->npeers6 == PFSD_PEERS_MAX) {
		conf_msg(p->msg, sizeof p->msg, "peer: more than %d peers",
			 PFSD_PEERS_MAX);
		return -1;
	}
	if (inet_pton(AF_INET, argv[0], &a) != 1)
		a.s_addr = 0;
	if (a.s_addr == 0 && conf_peer6(c, argv[0]) == 0)
		return 0;
	if (a.s_addr == 0 || IN_MULTICAST(ntohl(a.s_addr)) ||
	    (ntohl(a.s_addr) >> 24) == 0) {
		conf_msg(p->msg, sizeof p->msg,
			 "peer: '%s' is not a unicast IPv4 or IPv6 address",
			 argv[0]);
		return -1;
	}
	c->peers[c->npeers++] = ntohl(a.s_addr);
	return 0;
}

static int conf_kw_user(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	if (argv[0][0] == '\0') {
		conf_msg(p->msg, sizeof p->msg, "user: empty name");
		return -1;
	}
	return conf_string("user", argv[0], p->conf.user, sizeof p->conf.user,
			   p->msg, sizeof p->msg);
}

static int conf_kw_seccomp(struct conf_parse *p, int argc, char *argv[])
{
	static const struct conf_name modes[] = {
	    {"yes", PFSD_SECCOMP_ON},
	    {"no", PFSD_SECCOMP_OFF},
	    {"log", PFSD_SECCOMP_LOG},
	};
	int v;

	(void)argc;
	if (conf_name_value(modes, CONF_NELEM(modes), argv[0], &v) == 0) {
		p->conf.seccomp = (enum pfsd_seccomp_mode)v;
		return 0;
	}
	conf_msg(p->msg, sizeof p->msg, "seccomp: '%s' is not yes, no or log",
		 argv[0]);
	return -1;
}

static int conf_kw_version(struct conf_parse *p, int argc, char *argv[])
{
	(void)argc;
	return conf_w_version(&p->conf, argv[0], p->msg, sizeof p->msg);
}

static int conf_kw_ignore(struct conf_parse *p, int argc, char *argv[])
{
	return pfsd_filter_conf_ignore(&p->conf.filter, argc, argv, p->msg,
				       sizeof p->msg);
}

static int conf_kw_link(struct conf_parse *p, int argc, char *argv[])
{
	return pfsd_link_conf_parse(&p->conf.links, argc, argv, p->msg,
				    sizeof p->msg);
}

static int conf_kw_nosync(struct conf_parse *p, int argc, char *argv[])
{
	return pfsd_filter_conf_nosync(&p->conf.filter, argc, argv, p->msg,
				       sizeof p->msg);
}

/* limit states N|auto: pf's `set limit states`; auto (0) follows the
 * machine (daemon.c).  `limit` may name other limits one day, so it may
 * be repeated, each limit once. */
static int conf_kw_limit(struct conf_parse *p, int argc, char *argv[])
{
	if (argc != 2 && strcmp(argv[0], "states") == 0) {
		conf_msg(p->msg, sizeof p->msg, "limit: expected states N");
		return -1;
	}
	if (strcmp(argv[0], "states") != 0) {
		conf_msg(p->msg, sizeof p->msg, "limit: '%s' is not states",
			 argv[0]);
		return -1;
	}
	if (p->seen_limit_states != 0) {
		conf_msg(p->msg, sizeof p->msg,
			 "limit states: already set on line %u",
			 p->seen_limit_states);
		return -1;
	}
	p->seen_limit_states = p->lineno;
	if (strcmp(argv[1], "auto") == 0) {
		p->conf.limit_states = 0;
		return 0;
	}
	if (conf_decimal("limit states", argv[1], 1, PFSD_LIMIT_STATES_MAX,
			 &p->conf.limit_states, p->msg, sizeof p->msg) == -1) {
		if (strlen(p->msg) + sizeof " (or auto)" <= sizeof p->msg &&
		    strstr(p->msg, "out of range") != NULL)
			strcat(p->msg, " (or auto)");
		return -1;
	}
	return 0;
}

static const struct conf_kw conf_kws[KW_COUNT] = {
    [KW_INTERFACE] = {"interface", -1, true, conf_kw_interface},
    [KW_HOSTID] = {"hostid", 1, false, conf_kw_hostid},
    [KW_CONTROL] = {"control", 1, false, conf_kw_control},
    [KW_CONTROL_MODE] = {"control-mode", 1, false, conf_kw_control_mode},
    [KW_BACKEND] = {"backend", 1, false, conf_kw_backend},
    [KW_LOG_LEVEL] = {"log-level", 1, false, conf_kw_log_level},
    [KW_CAPTURE] = {"capture", 1, false, conf_kw_capture},
    [KW_BULK_PACE] = {"bulk-pace", 1, false, conf_kw_bulk_pace},
    [KW_BULK_TICK] = {"bulk-tick", 1, false, conf_kw_bulk_tick},
    [KW_BULK_RETRY] = {"bulk-retry", 1, false, conf_kw_bulk_retry},
    [KW_FLUSH_DELAY] = {"flush-delay", 1, false, conf_kw_flush_delay},
    [KW_DEFER_TIMEOUT] = {"defer-timeout", 1, false, conf_kw_defer_timeout},
    [KW_MTU] = {"mtu", 1, false, conf_kw_mtu},
    [KW_TAP] = {"tap", 1, false, conf_kw_tap},
    [KW_RELIABLE] = {"reliable", 1, false, conf_kw_reliable},
    [KW_TOMBSTONE] = {"tombstone", 1, false, conf_kw_tombstone},
    [KW_SYNC_RCVBUF] = {"sync-rcvbuf", 1, false, conf_kw_sync_rcvbuf},
    [KW_METRICS_LISTEN] = {"metrics-listen", 1, false,
			   conf_kw_metrics_listen},
    [KW_KEY] = {"key", 1, false, conf_kw_key},
    [KW_KEY_GRACE] = {"key-grace", 1, false, conf_kw_key_grace},
    [KW_CLUSTER] = {"cluster", 1, false, conf_kw_cluster},
    [KW_TRANSPORT] = {"transport", 4, false, conf_kw_transport},
    [KW_PEER] = {"peer", 1, true, conf_kw_peer},
    [KW_USER] = {"user", 1, false, conf_kw_user},
    [KW_SECCOMP] = {"seccomp", 1, false, conf_kw_seccomp},
    [KW_VERSION] = {"version", 1, false, conf_kw_version},
    [KW_IGNORE] = {"ignore", -1, true, conf_kw_ignore},
    [KW_NOSYNC] = {"no-sync", -1, true, conf_kw_nosync},
    [KW_LIMIT] = {"limit", 2, true, conf_kw_limit},
    [KW_PROVENANCE] = {"provenance", -1, false, conf_kw_provenance},
    [KW_LINK] = {"link", -1, true, conf_kw_link},
    [KW_DIGEST] = {"digest", 1, false, conf_kw_digest},
};

static int conf_kw_find(const char *name)
{
	int i;

	for (i = 0; i < KW_COUNT; i++)
		if (strcmp(conf_kws[i].name, name) == 0)
			return i;
	return -1;
}

/* ---- tokenizer ----------------------------------------------------- */

static bool conf_blank(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' ||
	       ch == '\f';
}

/*
 * Read one word at *r, writing its text at *w (w never passes r, so this
 * works in place).  Quotes may appear anywhere in a word and group blanks
 * and '#'; inside them only \" and \\ are escapes.
 */
static int conf_word(char **rp, char **wp, char *msg, size_t msglen)
{
	char *r = *rp, *w = *wp;
	bool quoted = false;

	for (;;) {
		char ch = *r;

		if (!quoted && (ch == '\0' || ch == '#' || conf_blank(ch)))
			break;
		if (quoted && ch == '\0') {
			conf_msg(msg, msglen, "unterminated quoted string");
			return -1;
		}
		r++;
		if (ch == '"') {
			quoted = !quoted;
			continue;
		}
		if (quoted && ch == '\\') {
			if (*r == '\0') {
				conf_msg(msg, msglen,
					 "unterminated quoted string");
				return -1;
			}
			if (*r != '"' && *r != '\\') {
				conf_msg(msg, msglen,
					 "bad escape '\\%c' in quoted string",
					 *r);
				return -1;
			}
			ch = *r++;
		}
		*w++ = ch;
	}
	if (conf_blank(*r))
		r++; /* consume the blank before the NUL may overwrite it */
	*w++ = '\0';
	*rp = r;
	*wp = w;
	return 0;
}

/* Split line in place; returns the number of words or -1. */
static int conf_tokenize(char *line, char *words[], char *msg, size_t msglen)
{
	char *r = line, *w = line;
	int n = 0;

	for (;;) {
		while (conf_blank(*r))
			r++;
		if (*r == '\0' || *r == '#')
			return n;
		if (n == CONF_WORDS_MAX) {
			conf_msg(msg, msglen, "more than %d words on a line",
				 CONF_WORDS_MAX);
			return -1;
		}
		words[n++] = w;
		if (conf_word(&r, &w, msg, msglen) == -1)
			return -1;
	}
}

/* ---- parser -------------------------------------------------------- */

static int conf_parse_line(struct conf_parse *p, char *line, unsigned lineno)
{
	char *words[CONF_WORDS_MAX];
	const struct conf_kw *kw;
	int n, id;

	n = conf_tokenize(line, words, p->msg, sizeof p->msg);
	if (n <= 0)
		return n;
	id = conf_kw_find(words[0]);
	if (id < 0) {
		conf_msg(p->msg, sizeof p->msg, "unknown keyword '%s'",
			 words[0]);
		return -1;
	}
	kw = &conf_kws[id];
	if (n == 1) {
		conf_msg(p->msg, sizeof p->msg, "%s: missing argument",
			 kw->name);
		return -1;
	}
	if (kw->nargs >= 0 && n - 1 > kw->nargs) {
		conf_msg(p->msg, sizeof p->msg, "%s: unexpected word '%s'",
			 kw->name, words[kw->nargs + 1]);
		return -1;
	}
	if (!kw->repeat && p->seen[id] != 0) {
		conf_msg(p->msg, sizeof p->msg, "%s: already set on line %u",
			 kw->name, p->seen[id]);
		return -1;
	}
	p->lineno = lineno;
	if (kw->fn(p, n - 1, words + 1) == -1)
		return -1;
	if (p->seen[id] == 0)
		p->seen[id] = lineno;
	return 0;
}

void pfsd_conf_default(struct pfsd_conf *c)
{
	memset(c, 0, sizeof *c);
	memcpy(c->ifname, "pfsync0", sizeof "pfsync0");
	c->up = false; /* like a freshly created pfsync0 */
	c->maxupd = 128;
	c->version = PFSD_VERSION_AUTO;
	c->v5_fmt = PFSD_V5_FMT_DEFAULT;
	c->hostid = 0;
	memcpy(c->control, PFSD_CONTROL_PATH, sizeof PFSD_CONTROL_PATH);
	c->control_mode = 0600;
	c->backend = PFSD_BACKEND_MEMORY;
	c->log_level = LOG_INFO;
	c->bulk_pkts = 64;
	c->bulk_tick_ms = 1;
	c->bulk_retry_ms = 5000;
	c->flush_ms = 10;
	c->defer_ms = PFS_DEFER_MS_DEFAULT;
	c->mtu = 0;
	c->key_grace = PFSD_KEY_GRACE;
	c->udp_port = PFSD_UDP_PORT;
	c->reliable = true;
	c->tomb_s = 600;
	c->digest_ms = CONF_DIGEST_DEFAULT;
	c->sync_rcvbuf = 8u << 20; /* PFSD_TP_SOCKBUF */
	pfsd_filter_conf_default(&c->filter);
}

int pfsd_conf_parse_string(const char *text, const char *name,
			   struct pfsd_conf *c, char *err, size_t errlen)
{
	struct conf_parse *p;
	char line[CONF_LINE_MAX + 1];
	unsigned lineno = 0;
	int rc = 0;

	p = calloc(1, sizeof *p);
	if (p == NULL) {
		conf_msg(err, errlen, "%s: out of memory", name);
		return -1;
	}
	pfsd_conf_default(&p->conf);
	while (rc == 0 && *text != '\0') {
		size_t len = strcspn(text, "\n");

		lineno++;
		if (len > CONF_LINE_MAX) {
			conf_msg(p->msg, sizeof p->msg,
				 "line longer than %d bytes", CONF_LINE_MAX);
			rc = -1;
			break;
		}
		memcpy(line, text, len);
		line[len] = '\0';
		text += len + (text[len] == '\n');
		rc = conf_parse_line(p, line, lineno);
	}
	if (rc == 0 && conf_check_udp(&p->conf, p->msg, sizeof p->msg) == -1) {
		lineno = p->seen[KW_TRANSPORT];
		rc = -1;
	}
	if (rc == 0 && conf_check_links(&p->conf, p->msg, sizeof p->msg) == -1) {
		lineno = p->seen[KW_LINK];
		rc = -1;
	}
	if (rc == 0)
		*c = p->conf;
	else
		conf_msg(err, errlen, "%s:%u: %s", name, lineno, p->msg);
	free(p);
	if (rc != 0)
		errno = EINVAL;
	return rc == 0 ? 0 : -1;
}

/* Read the whole file; NUL bytes are refused since lines are C strings. */
static char *conf_read(FILE *f, const char *path, char *err, size_t errlen)
{
	char *buf = malloc(CONF_FILE_MAX + 1);
	size_t len;

	if (buf == NULL) {
		conf_msg(err, errlen, "%s: out of memory", path);
		return NULL;
	}
	len = fread(buf, 1, CONF_FILE_MAX + 1, f);
	if (ferror(f) || len > CONF_FILE_MAX || memchr(buf, 0, len)) {
		if (ferror(f))
			conf_msg(err, errlen, "%s: %s", path, strerror(errno));
		else if (len > CONF_FILE_MAX)
			conf_msg(err, errlen, "%s: larger than %d bytes", path,
				 CONF_FILE_MAX);
		else
			conf_msg(err, errlen, "%s: contains a NUL byte", path);
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

int pfsd_conf_parse_file(const char *path, struct pfsd_conf *c, char *err,
			 size_t errlen)
{
	FILE *f = fopen(path, "r");
	char *text;
	int rc, saved;

	if (f == NULL) {
		conf_msg(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	text = conf_read(f, path, err, errlen);
	saved = errno;
	fclose(f);
	if (text == NULL) {
		errno = saved;
		return -1;
	}
	rc = pfsd_conf_parse_string(text, path, c, err, errlen);
	saved = errno;
	free(text);
	errno = saved;
	return rc;
}

/* ---- printer ------------------------------------------------------- */

/* Always quoted: paths may hold blanks, '#' and quotes. */
static void conf_print_quoted(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/* Bare when the tokenizer would read it back unchanged, else quoted. */
static void conf_print_word(FILE *f, const char *s)
{
	const char *q;

	for (q = s; *q != '\0'; q++)
		if (*q == '"' || *q == '\\' || *q == '#' || conf_blank(*q))
			break;
	if (*s == '\0' || *q != '\0')
		conf_print_quoted(f, s);
	else
		fputs(s, f);
}

/* Only when not the default (auto, 1400), so older files print alike;
 * a format set under auto prints as "version 1301 version auto". */
static void conf_print_version(const struct pfsd_conf *c, FILE *f)
{
	bool fmt = c->v5_fmt != PFSD_V5_FMT_DEFAULT || c->version == 5;

	if (fmt)
		fprintf(f, " version %u", c->v5_fmt);
	if (c->version == 3 || c->version == 6)
		fprintf(f, " version %u", c->version);
	else if (c->version == PFSD_VERSION_AUTO && fmt)
		fputs(" version auto", f);
}

static void conf_print_interface(const struct pfsd_conf *c, FILE *f)
{
	struct in_addr a;
	char peer[INET6_ADDRSTRLEN];

	fputs("interface ", f);
	conf_print_word(f, c->ifname);
	fputs(c->up ? " up" : " down", f);
	if (c->syncdev[0] != '\0') {
		fputs(" syncdev ", f);
		conf_print_word(f, c->syncdev);
	}
	if (c->syncpeer != 0) {
		a.s_addr = htonl(c->syncpeer);
		inet_ntop(AF_INET, &a, peer, sizeof peer);
		fprintf(f, " syncpeer %s", peer);
	}
	if (pfsd_conf_inet6(c)) {
		inet_ntop(AF_INET6, c->syncpeer6, peer, sizeof peer);
		fprintf(f, " syncpeer %s", peer);
	}
	fprintf(f, " maxupd %u", c->maxupd);
	conf_print_version(c, f);
	if (c->defer)
		fputs(" defer", f);
	fputc('\n', f);
}

static void conf_print_addr(FILE *f, const char *kw, uint32_t addr)
{
	struct in_addr a;
	char s[INET_ADDRSTRLEN];

	a.s_addr = htonl(addr);
	inet_ntop(AF_INET, &a, s, sizeof s);
	fprintf(f, "%s %s\n", kw, s);
}

/* The words printed only when not at their defaults. */
static void conf_print_security(const struct pfsd_conf *c, FILE *f)
{
	unsigned i;

	if (c->key[0] != '\0') {
		fputs("key ", f);
		conf_print_quoted(f, c->key);
		fputc('\n', f);
	}
	if (c->key_grace != PFSD_KEY_GRACE)
		fprintf(f, "key-grace %u\n", c->key_grace);
	if (c->cluster[0] != '\0') {
		fputs("cluster ", f);
		conf_print_quoted(f, c->cluster);
		fputc('\n', f);
	}
	if (c->transport == PFSD_TRANSPORT_UDP)
		fprintf(f, "transport udp port %u%s\n", c->udp_port,
			c->udp_unsealed ? " unsealed" : "");
	for (i = 0; i < c->npeers; i++)
		conf_print_addr(f, "peer", c->peers[i]);
	for (i = 0; i < c->npeers6; i++) {
		char s[INET6_ADDRSTRLEN];

		inet_ntop(AF_INET6, c->peers6[i], s, sizeof s);
		fprintf(f, "peer %s\n", s);
	}
	if (c->user[0] != '\0') {
		fputs("user ", f);
		conf_print_quoted(f, c->user);
		fputc('\n', f);
	}
	if (c->seccomp != PFSD_SECCOMP_ON)
		fprintf(f, "seccomp %s\n",
			c->seccomp == PFSD_SECCOMP_OFF ? "no" : "log");
}

void pfsd_conf_print(const struct pfsd_conf *c, FILE *f)
{
	const char *s;

	conf_print_interface(c, f);
	fprintf(f, "hostid 0x%08x\n", (unsigned)c->hostid);
	fputs("control ", f);
	conf_print_quoted(f, c->control);
	fprintf(f, "\ncontrol-mode %04o\n", c->control_mode);
	s = conf_value_name(conf_backends, CONF_NELEM(conf_backends),
			    (int)c->backend);
	fprintf(f, "backend %s\n", s != NULL ? s : "?");
	s = conf_value_name(conf_levels, CONF_NELEM(conf_levels), c->log_level);
	fprintf(f, "log-level %s\n", s != NULL ? s : "?");
	fputs("capture ", f);
	conf_print_quoted(f, c->capture);
	fprintf(f, "\nbulk-pace %u\n", c->bulk_pkts);
	fprintf(f, "bulk-tick %u\n", c->bulk_tick_ms);
	fprintf(f, "bulk-retry %u\n", c->bulk_retry_ms);
	fprintf(f, "flush-delay %u\n", c->flush_ms);
	if (c->defer_ms != PFS_DEFER_MS_DEFAULT)
		fprintf(f, "defer-timeout %u\n", c->defer_ms);
	fprintf(f, "mtu %u\n", c->mtu);
	fprintf(f, "tap %s\n", c->tap_always ? "always" : "auto");
	conf_print_security(c, f);
	fprintf(f, "reliable %s\n", c->reliable ? "on" : "off");
	fprintf(f, "tombstone %u\n", c->tomb_s);
	fprintf(f, "sync-rcvbuf %u\n", c->sync_rcvbuf);
	if (c->limit_states != 0) /* only when set: auto follows the host */
		fprintf(f, "limit states %u\n", c->limit_states);
	if (c->metrics_listen[0] != '\0') /* only when set: older goldens */
		fprintf(f, "metrics-listen %s\n", c->metrics_listen);
	pfsd_filter_conf_print(&c->filter, f); /* likewise */
	if (c->prov_mark != 0) /* only when set: older goldens */
		fprintf(f, "provenance mark 0x%08x\n", (unsigned)c->prov_mark);
	pfsd_link_conf_print(&c->links, f); /* likewise */
	if (c->digest_ms == 0) /* only when not the default: likewise */
		fputs("digest off\n", f);
	else if (c->digest_ms != CONF_DIGEST_DEFAULT)
		fprintf(f, "digest %u\n", c->digest_ms);
}

bool pfsd_conf_inet6(const struct pfsd_conf *c)
{
	static const uint8_t none[sizeof c->syncpeer6];

	return memcmp(c->syncpeer6, none, sizeof none) != 0;
}

bool pfsd_conf_inet6_group(const struct pfsd_conf *c)
{
	return c->syncpeer6[0] == 0xff;
}

bool pfsd_conf_equal(const struct pfsd_conf *a, const struct pfsd_conf *b)
{
	return strcmp(a->ifname, b->ifname) == 0 && a->up == b->up &&
	       strcmp(a->syncdev, b->syncdev) == 0 &&
	       a->syncpeer == b->syncpeer &&
	       memcmp(a->syncpeer6, b->syncpeer6, sizeof a->syncpeer6) == 0 &&
	       a->maxupd == b->maxupd && a->version == b->version &&
	       a->v5_fmt == b->v5_fmt && a->hostid == b->hostid &&
	       strcmp(a->control, b->control) == 0 &&
	       a->control_mode == b->control_mode && a->backend == b->backend &&
	       a->log_level == b->log_level &&
	       strcmp(a->capture, b->capture) == 0 &&
	       a->bulk_pkts == b->bulk_pkts &&
	       a->bulk_tick_ms == b->bulk_tick_ms &&
	       a->bulk_retry_ms == b->bulk_retry_ms &&
	       a->flush_ms == b->flush_ms && a->mtu == b->mtu &&
	       a->defer == b->defer && a->defer_ms == b->defer_ms &&
	       a->tap_always == b->tap_always && a->reliable == b->reliable &&
	       a->tomb_s == b->tomb_s && a->sync_rcvbuf == b->sync_rcvbuf &&
	       a->limit_states == b->limit_states &&
	       a->prov_mark == b->prov_mark && a->digest_ms == b->digest_ms &&
	       strcmp(a->metrics_listen, b->metrics_listen) == 0 &&
	       strcmp(a->key, b->key) == 0 && a->key_grace == b->key_grace &&
	       strcmp(a->cluster, b->cluster) == 0 &&
	       a->transport == b->transport && a->udp_port == b->udp_port &&
	       a->udp_unsealed == b->udp_unsealed &&
	       a->npeers == b->npeers &&
	       memcmp(a->peers, b->peers, a->npeers * sizeof a->peers[0]) ==
		   0 &&
	       a->npeers6 == b->npeers6 &&
	       memcmp(a->peers6, b->peers6, a->npeers6 * sizeof a->peers6[0]) ==
		   0 &&
	       strcmp(a->user, b->user) == 0 && a->seccomp == b->seccomp &&
	       pfsd_filter_conf_equal(&a->filter, &b->filter) &&
	       pfsd_link_conf_equal(&a->links, &b->links);
}
