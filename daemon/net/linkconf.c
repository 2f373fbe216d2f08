/*
 * linkconf.c - the `link` lines of pfsyncd.conf (linkconf.h).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "net/linkconf.h"

static int lc_msg(char *err, size_t errlen, const char *what, const char *arg)
{
	snprintf(err, errlen, "link: %s%s%s%s", what, arg ? " '" : "",
		 arg ? arg : "", arg ? "'" : "");
	return -1;
}

static int lc_peer(const char *arg, uint32_t *peer)
{
	struct in_addr a;
	uint32_t v;

	if (inet_pton(AF_INET, arg, &a) != 1)
		return -1;
	v = ntohl(a.s_addr);
	if ((v >> 24) == 0 || IN_MULTICAST(v) || v == 0xffffffffu)
		return -1;
	*peer = v;
	return 0;
}

int pfsd_link_conf_parse(struct pfsd_link_conf *lc, int argc,
			 char *const argv[], char *err, size_t errlen)
{
	unsigned i = lc->n;

	if (argc != 1 && argc != 3)
		return lc_msg(err, errlen, "expected IF [syncpeer A.B.C.D]",
			      NULL);
	if (i == PFSD_LINKS_MAX)
		return lc_msg(err, errlen,
			      "more links than 4 besides the "
			      "syncdev",
			      NULL);
	if (argv[0][0] == '\0' || strlen(argv[0]) >= IFNAMSIZ ||
	    strchr(argv[0], '/') != NULL)
		return lc_msg(err, errlen, "not an interface name", argv[0]);
	memset(&lc->l[i], 0, sizeof(lc->l[i]));
	memcpy(lc->l[i].dev, argv[0], strlen(argv[0]));
	if (argc == 3 && strcmp(argv[1], "syncpeer") != 0)
		return lc_msg(err, errlen, "expected syncpeer, not", argv[1]);
	if (argc == 3 && lc_peer(argv[2], &lc->l[i].peer) == -1)
		return lc_msg(err, errlen,
			      "syncpeer is not a unicast IPv4 address",
			      argv[2]);
	lc->n++;
	return 0;
}

static int lc_check_dev(const struct pfsd_link_conf *lc, unsigned i,
			const char *syncdev, char *err, size_t errlen)
{
	unsigned j;

	if (strcmp(lc->l[i].dev, syncdev) == 0)
		return lc_msg(err, errlen, "the syncdev is a link already",
			      syncdev);
	for (j = 0; j < i; j++)
		if (strcmp(lc->l[i].dev, lc->l[j].dev) == 0)
			return lc_msg(err, errlen, "named twice", lc->l[i].dev);
	return 0;
}

int pfsd_link_conf_check(const struct pfsd_link_conf *lc, const char *syncdev,
			 uint32_t syncpeer, bool raw4, char *err, size_t errlen)
{
	unsigned i;

	if (lc->n == 0)
		return 0;
	if (syncdev[0] == '\0')
		return lc_msg(err, errlen, "a syncdev is needed first", NULL);
	if (!raw4)
		return lc_msg(err, errlen,
			      "only with the raw transport over IPv4 "
			      "(no transport udp, no IPv6 syncpeer)",
			      NULL);
	for (i = 0; i < lc->n; i++) {
		if (lc_check_dev(lc, i, syncdev, err, errlen) == -1)
			return -1;
		if ((lc->l[i].peer != 0) != (syncpeer != 0))
			return lc_msg(err, errlen,
				      syncpeer != 0
					  ? "the interface has a syncpeer: "
					    "give this link one"
					  : "a syncpeer on a link needs one on "
					    "the interface",
				      lc->l[i].dev);
	}
	return 0;
}

void pfsd_link_conf_print(const struct pfsd_link_conf *lc, FILE *out)
{
	char s[INET_ADDRSTRLEN];
	struct in_addr a;
	unsigned i;

	for (i = 0; i < lc->n; i++) {
		fprintf(out, "link %s", lc->l[i].dev);
		if (lc->l[i].peer != 0) {
			a.s_addr = htonl(lc->l[i].peer);
			inet_ntop(AF_INET, &a, s, sizeof(s));
			fprintf(out, " syncpeer %s", s);
		}
		fputc('\n', out);
	}
}

bool pfsd_link_conf_equal(const struct pfsd_link_conf *a,
			  const struct pfsd_link_conf *b)
{
	unsigned i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->l[i].dev, b->l[i].dev) != 0 ||
		    a->l[i].peer != b->l[i].peer)
			return false;
	return true;
}
