/*
 * tp.c - the sync transport interface (tp.h): which implementation a
 * config asks for, and the calls through its ops table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "net/tp.h"

const struct pfsd_tp_ops *pfsd_tp_ops_of(const struct pfsd_conf *c)
{
	if (c->links.n > 0)
		return &pfsd_tp_links_ops;
	if (c->transport == PFSD_TRANSPORT_UDP)
		return &pfsd_tp_udp_ops;
	if (pfsd_tp_unicast_cluster(c))
		return &pfsd_tp_ucast_ops;
	return pfsd_conf_inet6(c) ? &pfsd_tp_raw6_ops : &pfsd_tp_raw4_ops;
}

bool pfsd_tp_unicast_cluster(const struct pfsd_conf *c)
{
	return c->npeers + c->npeers6 > 0;
}

uint32_t pfsd_tp_engine_peer(const struct pfsd_conf *c, uint32_t syncpeer)
{
	return pfsd_tp_unicast_cluster(c) ? 0 : syncpeer;
}

/* FreeBSD's IPv6 pfsync group, where the group goes over IPv6. */
static const uint8_t tp_group6_default[16] = {0xff, 0x12, [15] = 0xf0};

const uint8_t *pfsd_tp_group6(const struct pfsd_conf *c)
{
	return pfsd_conf_inet6_group(c) ? c->syncpeer6 : tp_group6_default;
}

bool pfsd_tp_reopen(const struct pfsd_conf *o, const struct pfsd_conf *c)
{
	return pfsd_tp_ops_of(o) != pfsd_tp_ops_of(c) ||
	       strcmp(o->syncdev, c->syncdev) != 0 ||
	       !pfsd_link_conf_equal(&o->links, &c->links) ||
	       (c->links.n > 0 && o->syncpeer != c->syncpeer) ||
	       pfsd_conf_inet6(o) != pfsd_conf_inet6(c) ||
	       memcmp(pfsd_tp_group6(o), pfsd_tp_group6(c), 16) != 0 ||
	       (c->transport == PFSD_TRANSPORT_UDP &&
		o->udp_port != c->udp_port) ||
	       (pfsd_tp_unicast_cluster(c) &&
		(o->npeers6 > 0) != (c->npeers6 > 0)); /* IPv6 socket */
}

struct pfsd_tp *pfsd_tp_open(const struct pfsd_tp_conf *tc)
{
	struct pfsd_tp *t = calloc(1, sizeof(*t));
	int saved;

	if (t == NULL)
		return NULL;
	t->ops = pfsd_tp_ops_of(tc->c);
	t->impl = t->ops->open(tc);
	if (t->impl == NULL) {
		saved = errno;
		free(t);
		errno = saved;
		return NULL;
	}
	return t;
}

void pfsd_tp_close(struct pfsd_tp *t)
{
	if (t == NULL)
		return;
	t->ops->close(t->impl);
	free(t);
}

int pfsd_tp_reconf(struct pfsd_tp *t, const struct pfsd_tp_conf *tc)
{
	return t->ops->reconf(t->impl, tc);
}

int pfsd_tp_send(struct pfsd_tp *t, const uint8_t *p, size_t len, uint32_t dst)
{
	return t->ops->send(t->impl, p, len, dst);
}

unsigned pfsd_tp_flush(struct pfsd_tp *t)
{
	return t != NULL ? t->ops->flush(t->impl) : 0;
}

bool pfsd_tp_receiving(const struct pfsd_conf *c)
{
	return c->syncdev[0] != '\0' || pfsd_tp_ops_of(c)->devless;
}

bool pfsd_tp_over6(const struct pfsd_tp *t, uint32_t dst)
{
	return t->ops->over6(t->impl, dst);
}

int pfsd_tp_tap_addr(const struct pfsd_tp *t, uint32_t dst,
		     struct pfsd_tp_addr *a)
{
	memset(a, 0, sizeof(*a));
	return t->ops->tap_addr(t->impl, dst, a);
}

unsigned pfsd_tp_mtu(const struct pfsd_tp *t)
{
	return t != NULL ? t->ops->mtu(t->impl) : 0;
}

unsigned pfsd_tp_rcvbuf(const struct pfsd_tp *t)
{
	return t != NULL ? t->ops->rcvbuf(t->impl) : 0;
}

const char *pfsd_tp_carrier(const struct pfsd_tp *t)
{
	return t != NULL ? t->ops->carrier : "IP protocol 240";
}

void pfsd_tp_stats(const struct pfsd_tp *t, struct pfsd_tp_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (t != NULL)
		t->ops->stats(t->impl, s);
}

uint64_t pfsd_tp_proc_drops(const struct pfsd_tp *t)
{
	return t != NULL ? t->ops->proc_drops(t->impl) : 0;
}

size_t pfsd_tp_sections(const struct pfsd_tp *t, struct pfsd_tp_section *s,
			size_t max)
{
	if (t == NULL || t->ops->sections == NULL)
		return 0;
	return t->ops->sections(t->impl, s, max);
}

void pfsd_tp_line_add(struct pfsd_tp_section *s, const char *key,
		      const char *text, const char *label, uint64_t v)
{
	struct pfsd_tp_line *l;

	if (s->n >= PFSD_TP_LINES)
		return;
	l = &s->line[s->n++];
	l->key = key;
	l->text = text;
	l->label = label;
	l->v = v;
	l->gauge = false;
}

uint64_t pfsd_tp_line_v(const struct pfsd_tp_section *s, const char *key)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->line[i].key, key) == 0)
			return s->line[i].v;
	return 0;
}
