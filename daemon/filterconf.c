/*
 * filterconf.c - the filter words of pfsyncd.conf (see filterconf.h).
 *
 *   ignore address auto|none|ADDR[/LEN] ...   default: auto
 *   ignore protocol NAME|NUMBER ...           default: none
 *   no-sync mark VALUE[/MASK]                 default: none
 *   no-sync label BIT                         default: none
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "filterconf.h"

static const struct {
	const char *name;
	uint8_t proto;
} fc_protos[] = {
    {"icmp", IPPROTO_ICMP}, {"tcp", IPPROTO_TCP},   {"udp", IPPROTO_UDP},
    {"dccp", IPPROTO_DCCP}, {"gre", IPPROTO_GRE},   {"icmpv6", IPPROTO_ICMPV6},
    {"sctp", IPPROTO_SCTP}, {"udplite", IPPROTO_UDPLITE},
};
#define FC_NPROTOS (sizeof(fc_protos) / sizeof(fc_protos[0]))

static int fc_err(char *err, size_t n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fc_err(char *err, size_t n, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, n, fmt, ap);
	va_end(ap);
	return -1;
}

void pfsd_filter_conf_default(struct pfsd_filter_conf *f)
{
	memset(f, 0, sizeof(*f));
	f->own = true;
	f->label = -1;
}

/* A whole number in 0..max (decimal or 0x hex). */
static int fc_number(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	if (s[0] == '\0' || s[0] == '-')
		return -1;
	errno = 0;
	*v = strtoul(s, &end, 0);
	return errno != 0 || *end != '\0' || *v > max ? -1 : 0;
}

/* ADDR or ADDR/LEN, IPv4 or IPv6; host bits must be zero. */
static int fc_prefix(const char *s, struct pfsd_prefix *p)
{
	char buf[64], *slash;
	unsigned long len;
	unsigned i, max;

	if (strlen(s) >= sizeof(buf))
		return -1;
	memcpy(buf, s, strlen(s) + 1);
	memset(p, 0, sizeof(*p));
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (inet_pton(AF_INET, buf, p->addr) == 1)
		p->af = AF_INET, max = 32;
	else if (inet_pton(AF_INET6, buf, p->addr) == 1)
		p->af = AF_INET6, max = 128;
	else
		return -1;
	len = max;
	if (slash != NULL && fc_number(slash + 1, max, &len) == -1)
		return -1;
	p->len = (uint8_t)len;
	for (i = p->len; i < max; i++)
		if (p->addr[i / 8] & (0x80u >> (i % 8)))
			return -1;
	return 0;
}

static int fc_address(struct pfsd_filter_conf *f, int argc,
		      char *const argv[], char *err, size_t errlen)
{
	int i;

	f->own = false; /* the line replaces an earlier one */
	f->naddr = 0;
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "auto") == 0) {
			f->own = true;
		} else if (strcmp(argv[i], "none") == 0) {
			if (argc != 1)
				return fc_err(err, errlen,
					      "ignore address: 'none' stands "
					      "alone");
		} else if (f->naddr == PFSD_FILTER_PREFIXES) {
			return fc_err(err, errlen,
				      "ignore address: more than %d prefixes",
				      PFSD_FILTER_PREFIXES);
		} else if (fc_prefix(argv[i], &f->addr[f->naddr++]) == -1) {
			return fc_err(err, errlen,
				      "ignore address: '%s' is not auto, none "
				      "or ADDRESS[/LENGTH] without host bits",
				      argv[i]);
		}
	}
	return 0;
}

static int fc_protocol(struct pfsd_filter_conf *f, int argc,
		       char *const argv[], char *err, size_t errlen)
{
	unsigned long v;
	size_t j;
	int i;

	memset(f->proto, 0, sizeof(f->proto));
	for (i = 0; i < argc; i++) {
		for (j = 0; j < FC_NPROTOS; j++)
			if (strcmp(argv[i], fc_protos[j].name) == 0)
				break;
		if (j < FC_NPROTOS)
			v = fc_protos[j].proto;
		else if (fc_number(argv[i], 255, &v) == -1)
			return fc_err(err, errlen,
				      "ignore protocol: '%s' is not a protocol "
				      "name (tcp, udp, icmp, icmpv6, sctp, "
				      "gre, dccp, udplite) or number 0-255",
				      argv[i]);
		f->proto[v / 8] |= (uint8_t)(1u << (v % 8));
	}
	return 0;
}

int pfsd_filter_conf_ignore(struct pfsd_filter_conf *f, int argc,
			    char *const argv[], char *err, size_t errlen)
{
	if (argc < 2)
		return fc_err(err, errlen,
			      "ignore: usage: ignore address|protocol WORD...");
	if (strcmp(argv[0], "address") == 0)
		return fc_address(f, argc - 1, argv + 1, err, errlen);
	if (strcmp(argv[0], "protocol") == 0)
		return fc_protocol(f, argc - 1, argv + 1, err, errlen);
	return fc_err(err, errlen, "ignore: '%s' is not address or protocol",
		      argv[0]);
}

static int fc_mark(struct pfsd_filter_conf *f, const char *s, char *err,
		   size_t errlen)
{
	char buf[32], *slash;
	unsigned long v, m = 0xffffffffu;

	if (strlen(s) >= sizeof(buf))
		return fc_err(err, errlen, "no-sync mark: '%s' is too long", s);
	memcpy(buf, s, strlen(s) + 1);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash = '\0';
	if (fc_number(buf, 0xffffffffu, &v) == -1 ||
	    (slash != NULL && fc_number(slash + 1, 0xffffffffu, &m) == -1) ||
	    m == 0 || (v & ~m) != 0)
		return fc_err(err, errlen,
			      "no-sync mark: '%s' is not VALUE[/MASK] with a "
			      "non-zero mask that covers the value",
			      s);
	f->mark_set = true;
	f->mark = (uint32_t)v;
	f->mark_mask = (uint32_t)m;
	return 0;
}

int pfsd_filter_conf_nosync(struct pfsd_filter_conf *f, int argc,
			    char *const argv[], char *err, size_t errlen)
{
	unsigned long v;

	if (argc != 2)
		return fc_err(err, errlen,
			      "no-sync: usage: no-sync mark VALUE[/MASK] | "
			      "no-sync label BIT");
	if (strcmp(argv[0], "mark") == 0)
		return fc_mark(f, argv[1], err, errlen);
	if (strcmp(argv[0], "label") != 0)
		return fc_err(err, errlen, "no-sync: '%s' is not mark or label",
			      argv[0]);
	if (fc_number(argv[1], 127, &v) == -1)
		return fc_err(err, errlen,
			      "no-sync label: '%s' is not a bit 0-127",
			      argv[1]);
	f->label = (int)v;
	return 0;
}

bool pfsd_filter_conf_proto(const struct pfsd_filter_conf *f, uint8_t p)
{
	return (f->proto[p / 8] >> (p % 8)) & 1u;
}

static void fc_print_prefix(const struct pfsd_prefix *p, FILE *out)
{
	char s[INET6_ADDRSTRLEN];

	inet_ntop(p->af, p->addr, s, sizeof(s));
	fprintf(out, " %s/%u", s, p->len);
}

void pfsd_filter_conf_print(const struct pfsd_filter_conf *f, FILE *out)
{
	unsigned i;
	bool any = false;

	if (!f->own || f->naddr != 0) {
		fputs("ignore address", out);
		if (f->own)
			fputs(" auto", out);
		else if (f->naddr == 0)
			fputs(" none", out);
		for (i = 0; i < f->naddr; i++)
			fc_print_prefix(&f->addr[i], out);
		fputc('\n', out);
	}
	for (i = 0; i < 256; i++) {
		if (!pfsd_filter_conf_proto(f, (uint8_t)i))
			continue;
		fputs(any ? " " : "ignore protocol ", out);
		fprintf(out, "%u", i);
		any = true;
	}
	if (any)
		fputc('\n', out);
	if (f->mark_set)
		fprintf(out, "no-sync mark 0x%x/0x%x\n", (unsigned)f->mark,
			(unsigned)f->mark_mask);
	if (f->label >= 0)
		fprintf(out, "no-sync label %d\n", f->label);
}

bool pfsd_filter_conf_equal(const struct pfsd_filter_conf *a,
			    const struct pfsd_filter_conf *b)
{
	return a->own == b->own && a->naddr == b->naddr &&
	       memcmp(a->addr, b->addr, a->naddr * sizeof(a->addr[0])) == 0 &&
	       memcmp(a->proto, b->proto, sizeof(a->proto)) == 0 &&
	       a->mark_set == b->mark_set && a->mark == b->mark &&
	       a->mark_mask == b->mark_mask && a->label == b->label;
}
