/*
 * linkconf.h - redundant sync links, as configured (pfsyncd.conf(5)
 * `link`): more interfaces beside the syncdev that carry the same sync,
 * each with its own syncpeer when the interface line has one.
 *
 *   interface pfsync0 up syncdev eth2 syncpeer 10.0.2.2
 *   link eth3 syncpeer 10.0.3.2
 *
 * Every packet goes out on the syncdev and on each link; the receiver
 * takes the first copy (links.c).
 */
#ifndef PFSYNCD_LINKCONF_H
#define PFSYNCD_LINKCONF_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PFSD_LINKS_MAX 4 /* links besides the syncdev */

struct pfsd_link_conf {
	unsigned n;
	struct {
		char dev[IFNAMSIZ];
		uint32_t peer; /* IPv4, host order; 0 = the group */
	} l[PFSD_LINKS_MAX];
};

/* One line: `link IF [syncpeer A.B.C.D]`; 0, or -1 with err. */
int pfsd_link_conf_parse(struct pfsd_link_conf *lc, int argc,
			 char *const argv[], char *err, size_t errlen);
/*
 * The links against the rest of the config: a syncdev and the raw IPv4
 * transport, devices all different, and a syncpeer on every link when
 * the interface has one (none otherwise).  0, or -1 with err.
 */
int pfsd_link_conf_check(const struct pfsd_link_conf *lc, const char *syncdev,
			 uint32_t syncpeer, bool raw4, char *err,
			 size_t errlen);
/* The lines that parse back to lc; none without links. */
void pfsd_link_conf_print(const struct pfsd_link_conf *lc, FILE *out);
bool pfsd_link_conf_equal(const struct pfsd_link_conf *a,
			  const struct pfsd_link_conf *b);

#endif
