/*
 * ctfilter.c - the conntrack backend's filter (see ctfilter.h).
 */
#include <errno.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "ctfilter.h"

void pfsd_ctfilter_init(struct pfsd_ctfilter *f,
			const struct pfsd_filter_conf *c)
{
	memset(f, 0, sizeof(*f));
	f->conf = *c;
}

int pfsd_ctfilter_add_own(struct pfsd_ctfilter *f, uint8_t af,
			  const void *addr)
{
	struct pfsd_prefix *p;

	if (f->nown == PFSD_CTF_OWN_MAX) {
		errno = ENOSPC;
		return -1;
	}
	p = &f->own[f->nown++];
	memset(p, 0, sizeof(*p));
	p->af = af;
	p->len = af == AF_INET ? 32 : 128;
	memcpy(p->addr, addr, af == AF_INET ? 4 : 16);
	return 0;
}

int pfsd_ctfilter_load_own(struct pfsd_ctfilter *f)
{
	struct ifaddrs *ifa, *i;
	const void *a;
	int n = 0;

	if (getifaddrs(&ifa) == -1)
		return -1;
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET)
			a = &((const struct sockaddr_in *)(const void *)
				  i->ifa_addr)->sin_addr;
		else if (i->ifa_addr->sa_family == AF_INET6)
			a = &((const struct sockaddr_in6 *)(const void *)
				  i->ifa_addr)->sin6_addr;
		else
			continue;
		if (pfsd_ctfilter_add_own(f, (uint8_t)i->ifa_addr->sa_family,
					  a) == -1)
			break;
		n++;
	}
	freeifaddrs(ifa);
	return n;
}

static bool ctf_in(const struct pfsd_prefix *p, uint8_t af,
		   const struct pfs_addr *a)
{
	unsigned whole = p->len / 8, rest = p->len % 8;

	if (p->af != af || memcmp(p->addr, a->a, whole) != 0)
		return false;
	return rest == 0 ||
	       ((p->addr[whole] ^ a->a[whole]) & (0xffu << (8 - rest))) == 0;
}

static bool ctf_any(const struct pfsd_prefix *p, unsigned n, uint8_t af,
		    const struct pfs_addr *a)
{
	unsigned i;

	for (i = 0; i < n; i++)
		if (ctf_in(&p[i], af, a))
			return true;
	return false;
}

/* The original source or the reply source is in the set. */
static bool ctf_ends(const struct pfsd_prefix *p, unsigned n,
		     const struct pfsd_ct_entry *e)
{
	return ctf_any(p, n, e->af, &e->orig.src) ||
	       ((e->have & PFSD_CT_HAVE_REPLY) &&
		ctf_any(p, n, e->af, &e->reply.src));
}

static bool ctf_label(const struct pfsd_ct_entry *e, int bit)
{
	return bit >= 0 && (e->have & PFSD_CT_HAVE_LABELS) &&
	       ((e->labels[bit / 8] >> (bit % 8)) & 1u);
}

enum pfsd_ctf_why pfsd_ctfilter_check(const struct pfsd_ctfilter *f,
				      const struct pfsd_ct_entry *e)
{
	const struct pfsd_filter_conf *c = &f->conf;

	if (pfsd_filter_conf_proto(c, e->orig.proto))
		return PFSD_CTF_PROTOCOL;
	/* an entry without CTA_MARK has mark 0 */
	if (c->mark_set &&
	    (((e->have & PFSD_CT_HAVE_MARK) ? e->mark : 0) & c->mark_mask) ==
		c->mark)
		return PFSD_CTF_MARK;
	if (ctf_label(e, c->label))
		return PFSD_CTF_LABEL;
	if (c->own && ctf_ends(f->own, f->nown, e))
		return PFSD_CTF_OWN;
	if (ctf_ends(c->addr, c->naddr, e))
		return PFSD_CTF_ADDRESS;
	return PFSD_CTF_SYNC;
}

const char *pfsd_ctfilter_why_name(enum pfsd_ctf_why w)
{
	static const char *const names[PFSD_CTF_NWHY] = {
	    "sync", "own", "address", "protocol", "mark", "label"};

	return (unsigned)w < PFSD_CTF_NWHY ? names[w] : "?";
}
