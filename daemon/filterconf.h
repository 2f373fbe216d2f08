/*
 * filterconf.h - what the conntrack backend leaves out of the sync, as
 * configured (pfsyncd.conf(5): `ignore address`, `ignore protocol`,
 * `no-sync mark`, `no-sync label`): the words, their defaults, their
 * printed form.  The check of an entry is backend/ctfilter.h's.
 */
#ifndef PFSYNCD_FILTERCONF_H
#define PFSYNCD_FILTERCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define PFSD_FILTER_PREFIXES 16

struct pfsd_prefix {
	uint8_t af; /* AF_INET or AF_INET6 */
	uint8_t len; /* prefix length in bits */
	uint8_t addr[16];
};

struct pfsd_filter_conf {
	bool own;		 /* ignore this node's own addresses (auto) */
	struct pfsd_prefix addr[PFSD_FILTER_PREFIXES];
	unsigned naddr;
	uint8_t proto[32];	 /* bitmap: protocols not synced */
	bool mark_set;		 /* no-sync mark */
	uint32_t mark, mark_mask;
	int label;		 /* no-sync label bit 0..127, -1 none */
};

/* The default: own addresses ignored, nothing else. */
void pfsd_filter_conf_default(struct pfsd_filter_conf *f);

/* One line: `ignore WHAT ARGS...` or `no-sync WHAT ARG`; 0, or -1 with a
 * message in err. */
int pfsd_filter_conf_ignore(struct pfsd_filter_conf *f, int argc,
			    char *const argv[], char *err, size_t errlen);
int pfsd_filter_conf_nosync(struct pfsd_filter_conf *f, int argc,
			    char *const argv[], char *err, size_t errlen);

/* The lines that parse back to f; none when f is the default. */
void pfsd_filter_conf_print(const struct pfsd_filter_conf *f, FILE *out);
bool pfsd_filter_conf_equal(const struct pfsd_filter_conf *a,
			    const struct pfsd_filter_conf *b);

/* Is protocol p left out? */
bool pfsd_filter_conf_proto(const struct pfsd_filter_conf *f, uint8_t p);

#endif
