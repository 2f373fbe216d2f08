/*
 * ctfilter.h - which conntrack entries are not synced, and why
 * (pfsyncd.conf(5): ignore address, ignore protocol, no-sync mark and
 * label; filterconf.h holds the words).
 *
 * An entry is left out when its original source or its reply source is
 * an ignored address: the first is a connection from the firewall, the
 * second one to it (or to an address it answers for).  Connections
 * through the firewall, translated or not, have neither.
 */
#ifndef PFSYNCD_CTFILTER_H
#define PFSYNCD_CTFILTER_H

#include <stdint.h>

#include "filterconf.h"

#include "ctmap.h"

#define PFSD_CTF_OWN_MAX 256

enum pfsd_ctf_why {
	PFSD_CTF_SYNC = 0,  /* synced */
	PFSD_CTF_OWN,	    /* from or to this node's own address */
	PFSD_CTF_ADDRESS,   /* an ignored prefix */
	PFSD_CTF_PROTOCOL,  /* an ignored protocol */
	PFSD_CTF_MARK,	    /* the no-sync mark */
	PFSD_CTF_LABEL,	    /* the no-sync label */
	PFSD_CTF_NWHY
};

struct pfsd_ctfilter {
	struct pfsd_filter_conf conf;
	struct pfsd_prefix own[PFSD_CTF_OWN_MAX]; /* when conf.own */
	unsigned nown;
};

/* The filter of c, with no own address yet. */
void pfsd_ctfilter_init(struct pfsd_ctfilter *f,
			const struct pfsd_filter_conf *c);
/* One own address (AF_INET: 4 bytes, AF_INET6: 16); -1/ENOSPC when full. */
int pfsd_ctfilter_add_own(struct pfsd_ctfilter *f, uint8_t af,
			  const void *addr);
/* The addresses of every interface of this network namespace (getifaddrs);
 * the number added, or -1/errno. */
int pfsd_ctfilter_load_own(struct pfsd_ctfilter *f);

enum pfsd_ctf_why pfsd_ctfilter_check(const struct pfsd_ctfilter *f,
				      const struct pfsd_ct_entry *e);
/* "own", "address", "protocol", "mark", "label" ("sync" for 0). */
const char *pfsd_ctfilter_why_name(enum pfsd_ctf_why w);

#endif
