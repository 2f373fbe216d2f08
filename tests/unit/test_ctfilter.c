/*
 * test_ctfilter.c - the conntrack backend's filter: which entries are
 * left out and why (ignore address auto and prefixes, on the original or
 * the reply source only; ignore protocol; no-sync mark with its mask, an
 * entry without a mark as mark 0; no-sync label bits), and the filter
 * words of pfsyncd.conf: accepted forms, refused ones, the printed form
 * that parses back, the default printing nothing.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "backend/ctfilter.h"
#include "config.h"
#include "t.h"

static void addr(uint8_t af, const char *s, struct pfs_addr *a)
{
	memset(a, 0, sizeof(*a));
	T_EQ(inet_pton(af, s, a->a), 1);
}

/* a TCP entry src -> dst, replies from dst (or rsrc when given) */
static struct pfsd_ct_entry entry(uint8_t af, const char *src,
				  const char *dst, const char *rsrc)
{
	struct pfsd_ct_entry e;

	memset(&e, 0, sizeof(e));
	e.af = af;
	addr(af, src, &e.orig.src);
	addr(af, dst, &e.orig.dst);
	addr(af, rsrc != NULL ? rsrc : dst, &e.reply.src);
	addr(af, src, &e.reply.dst);
	e.orig.proto = e.reply.proto = IPPROTO_TCP;
	e.orig.ok = e.reply.ok = 1;
	e.have = PFSD_CT_HAVE_REPLY;
	return e;
}

static struct pfsd_filter_conf words(const char *text)
{
	struct pfsd_conf c;
	char err[256];

	T_EQ(pfsd_conf_parse_string(text, "t", &c, err, sizeof(err)), 0);
	return c.filter;
}

static void test_own_addresses(void)
{
	struct pfsd_filter_conf fc;
	struct pfsd_ctfilter f;
	uint8_t mine[4] = {192, 0, 2, 1};
	struct pfsd_ct_entry e;

	pfsd_filter_conf_default(&fc);
	pfsd_ctfilter_init(&f, &fc);
	T_EQ(pfsd_ctfilter_add_own(&f, AF_INET, mine), 0);
	e = entry(AF_INET, "192.0.2.1", "198.51.100.7", NULL); /* from us */
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_OWN);
	e = entry(AF_INET, "198.51.100.7", "192.0.2.1", NULL); /* to us */
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_OWN);
	/* a port forward to an inside server through our address: synced */
	e = entry(AF_INET, "198.51.100.7", "192.0.2.1", "10.0.0.5");
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_SYNC);
	/* masquerade: replies come back to us, from the server: synced */
	e = entry(AF_INET, "10.0.0.5", "198.51.100.7", NULL);
	addr(AF_INET, "192.0.2.1", &e.reply.dst);
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_SYNC);
	/* through: synced; an IPv6 entry of the same bytes is another af */
	e = entry(AF_INET6, "c000:201::", "2001:db8::7", NULL);
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_SYNC);
	/* ignore address none: even our own are synced */
	fc = words("ignore address none\n");
	T_CHECK(!fc.own);
	pfsd_ctfilter_init(&f, &fc);
	T_EQ(pfsd_ctfilter_add_own(&f, AF_INET, mine), 0);
	e = entry(AF_INET, "192.0.2.1", "198.51.100.7", NULL);
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_SYNC);
}

static void test_prefixes(void)
{
	struct pfsd_filter_conf fc =
	    words("ignore address 10.128.0.0/9 2001:db8:40::/42\n");
	struct pfsd_ctfilter f;
	struct pfsd_ct_entry e;

	T_CHECK(!fc.own); /* without auto, own addresses are synced */
	pfsd_ctfilter_init(&f, &fc);
	e = entry(AF_INET, "10.200.1.1", "8.8.8.8", NULL);
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_ADDRESS);
	e = entry(AF_INET, "10.127.255.255", "8.8.8.8", NULL); /* just out */
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_SYNC);
	e = entry(AF_INET6, "2001:db8::1", "2001:db8:7f:ffff::1", NULL);
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_ADDRESS); /* reply src */
	e = entry(AF_INET6, "2001:db8::1", "2001:db8:80::1", NULL);
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_SYNC);
	/* the destination alone is not looked at (a reply from elsewhere) */
	e = entry(AF_INET, "8.8.8.8", "10.200.1.1", "172.16.0.1");
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_SYNC);
}

static void test_proto_mark_label(void)
{
	struct pfsd_filter_conf fc = words("ignore protocol udp 47\n"
					   "no-sync mark 0x100/0xff00\n"
					   "no-sync label 77\n");
	struct pfsd_ctfilter f;
	struct pfsd_ct_entry e = entry(AF_INET, "1.1.1.1", "2.2.2.2", NULL);

	pfsd_ctfilter_init(&f, &fc);
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_SYNC);
	e.orig.proto = IPPROTO_UDP;
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_PROTOCOL);
	e.orig.proto = 47;
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_PROTOCOL);
	e.orig.proto = IPPROTO_TCP;
	e.have |= PFSD_CT_HAVE_MARK;
	e.mark = 0x1ff; /* masked: 0x100 */
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_MARK);
	e.mark = 0x2ff;
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_SYNC);
	e.have |= PFSD_CT_HAVE_LABELS;
	e.labels[77 / 8] = 1u << (77 % 8);
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_LABEL);
	e.labels[77 / 8] = 1u << (76 % 8);
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_SYNC);
	/* no CTA_MARK: mark 0 */
	fc = words("no-sync mark 0/0x1\n");
	pfsd_ctfilter_init(&f, &fc);
	e = entry(AF_INET, "1.1.1.1", "2.2.2.2", NULL);
	T_EQ(pfsd_ctfilter_check(&f, &e), PFSD_CTF_MARK);
	T_CHECK(strcmp(pfsd_ctfilter_why_name(PFSD_CTF_LABEL), "label") == 0);
}

static void refused(const char *text, const char *msg)
{
	struct pfsd_conf c;
	char err[256] = "";

	T_EQ(pfsd_conf_parse_string(text, "t", &c, err, sizeof(err)), -1);
	if (strstr(err, msg) == NULL)
		fprintf(stderr, "'%s' gave '%s', not '%s'\n", text, err, msg);
	T_CHECK(strstr(err, msg) != NULL);
}

static void test_words(void)
{
	static const char *const text = "ignore address auto 192.0.2.0/24 "
					 "2001:db8::/32\n"
					 "ignore protocol sctp gre 200\n"
					 "no-sync mark 0x10/0xf0\n"
					 "no-sync label 5\n";
	struct pfsd_conf a, b, d;
	char err[256], *buf;
	size_t len;
	FILE *f;

	T_EQ(pfsd_conf_parse_string(text, "t", &a, err, sizeof(err)), 0);
	f = open_memstream(&buf, &len);
	pfsd_conf_print(&a, f);
	fclose(f);
	T_CHECK(strstr(buf, "ignore address auto 192.0.2.0/24 "
			    "2001:db8::/32\n") != NULL);
	T_CHECK(strstr(buf, "ignore protocol 47 132 200\n") != NULL);
	T_CHECK(strstr(buf, "no-sync mark 0x10/0xf0\nno-sync label 5\n") !=
		NULL);
	T_EQ(pfsd_conf_parse_string(buf, "p", &b, err, sizeof(err)), 0);
	T_CHECK(pfsd_conf_equal(&a, &b));
	free(buf);
	/* the default prints no filter line */
	pfsd_conf_default(&d);
	f = open_memstream(&buf, &len);
	pfsd_conf_print(&d, f);
	fclose(f);
	T_CHECK(strstr(buf, "ignore") == NULL && strstr(buf, "no-sync") == NULL);
	free(buf);
	refused("ignore address 10.0.0.1/8\n", "without host bits");
	refused("ignore address none 10.0.0.0/8\n", "'none' stands alone");
	refused("ignore address\n", "usage");
	refused("ignore protocol tcpx\n", "not a protocol name");
	refused("ignore protocol 256\n", "not a protocol name");
	refused("ignore ports 22\n", "not address or protocol");
	refused("no-sync mark 0x3/0x1\n", "covers the value");
	refused("no-sync mark 1/0\n", "non-zero mask");
	refused("no-sync label 128\n", "bit 0-127");
	refused("no-sync zone 1\n", "not mark or label");
}

int main(void)
{
	T_RUN(test_own_addresses);
	T_RUN(test_prefixes);
	T_RUN(test_proto_mark_label);
	T_RUN(test_words);
	return t_done();
}
