/*
 * filter.c - `filter [PROTO SRC DST [mark N]]`: what the conntrack
 * backend leaves out of the sync (pfsyncd.conf(5): ignore, no-sync), and
 * whether one connection would be synced, and if not why.
 *
 *   filter                      the filter in force: this node's own
 *                               addresses, prefixes, protocols, mark,
 *                               label, and what each left out so far
 *   filter tcp 10.0.0.1:22 192.0.2.7:40000 [mark 0x1]
 *                               "synced", or "not synced: own address"
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "backend/backend.h"
#include "backend/ctnl.h"
#include "cmd_priv.h"
#include "daemon.h"

static void filter_prefix(struct cmd_req *r, const struct pfsd_prefix *p)
{
	char a[INET6_ADDRSTRLEN], s[INET6_ADDRSTRLEN + 8];

	inet_ntop(p->af, p->addr, a, sizeof(a));
	if (p->len == (p->af == AF_INET ? 32 : 128))
		snprintf(s, sizeof(s), "%s", a);
	else
		snprintf(s, sizeof(s), "%s/%u", a, p->len);
	pfsd_rnd_str(&r->rnd, NULL, " %s", s);
}

static void filter_show(struct cmd_req *r, const struct pfsd_ctfilter *f)
{
	const struct pfsd_ctnl_stats *st = pfsd_backend_ct_stats(r->d->bk);
	const struct pfsd_filter_conf *c = &f->conf;
	unsigned i;
	int w;

	pfsd_rnd_array(&r->rnd, "own");
	pfsd_rnd_text(&r->rnd, "ignore address auto:");
	for (i = 0; c->own && i < f->nown; i++)
		filter_prefix(r, &f->own[i]);
	pfsd_rnd_text(&r->rnd, c->own ? "\n" : " off\n");
	pfsd_rnd_close(&r->rnd);
	pfsd_rnd_array(&r->rnd, "address");
	pfsd_rnd_text(&r->rnd, "ignore address:");
	for (i = 0; i < c->naddr; i++)
		filter_prefix(r, &c->addr[i]);
	pfsd_rnd_text(&r->rnd, "\n");
	pfsd_rnd_close(&r->rnd);
	pfsd_rnd_array(&r->rnd, "protocol");
	pfsd_rnd_text(&r->rnd, "ignore protocol:");
	for (i = 0; i < 256; i++)
		if (pfsd_filter_conf_proto(c, (uint8_t)i))
			pfsd_rnd_uint(&r->rnd, NULL, " %u", i);
	pfsd_rnd_text(&r->rnd, "\n");
	pfsd_rnd_close(&r->rnd);
	if (c->mark_set) {
		char m[32];

		snprintf(m, sizeof(m), "0x%x/0x%x", (unsigned)c->mark,
			 (unsigned)c->mark_mask);
		pfsd_rnd_str(&r->rnd, "mark", "no-sync mark: %s\n", m);
	}
	if (c->label >= 0)
		pfsd_rnd_uint(&r->rnd, "label", "no-sync label: %u\n",
			      (unsigned)c->label);
	pfsd_rnd_object(&r->rnd, "filtered");
	pfsd_rnd_text(&r->rnd, "not synced so far:");
	for (w = PFSD_CTF_OWN; w < PFSD_CTF_NWHY; w++)
		pfsd_rnd_u64(&r->rnd, pfsd_ctfilter_why_name(w),
			     " %" PRIu64 " %s",
			     st->filtered[w],
			     pfsd_ctfilter_why_name(w));
	pfsd_rnd_text(&r->rnd, "\n");
	pfsd_rnd_close(&r->rnd);
}

/* A mark, decimal or 0x hex, as nft and conntrack(8) print it. */
static int filter_mark(const char *s, uint32_t *mark)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' ||
	    v > 0xffffffffu)
		return -1;
	*mark = (uint32_t)v;
	return 0;
}

/* PROTO SRC DST [mark N] as the entry the kernel would report, replies
 * from the destination. */
static int filter_entry(struct cmd_req *r, struct pfsd_ct_entry *e)
{
	struct pfs_host s, d;
	uint8_t af, af2, proto;
	uint32_t mark;

	memset(e, 0, sizeof(*e));
	if (cmd_parse_proto(r->argv[1], &proto) == -1 ||
	    cmd_parse_host(r->argv[2], &af, &s) == -1 ||
	    cmd_parse_host(r->argv[3], &af2, &d) == -1 || af != af2)
		return -1;
	if (r->argc == 6) {
		if (strcmp(r->argv[4], "mark") != 0 ||
		    filter_mark(r->argv[5], &mark) == -1)
			return -1;
		e->mark = mark;
		e->have |= PFSD_CT_HAVE_MARK;
	}
	e->af = af;
	e->orig.src = e->reply.dst = s.addr;
	e->orig.dst = e->reply.src = d.addr;
	e->orig.sport = e->reply.dport = s.port;
	e->orig.dport = e->reply.sport = d.port;
	e->orig.proto = e->reply.proto = proto;
	e->orig.ok = e->reply.ok = 1;
	e->have |= PFSD_CT_HAVE_REPLY;
	return 0;
}

int cmd_filter(struct cmd_req *r)
{
	const struct pfsd_ctfilter *f = pfsd_backend_filter(r->d->bk);
	struct pfsd_ct_entry e;
	enum pfsd_ctf_why why;

	if (f == NULL)
		return cmd_fail(r, ENOTSUP,
				"filter: the filter is the conntrack "
				"backend's (backend conntrack)");
	if (r->argc != 1 && r->argc != 4 && r->argc != 6)
		return cmd_fail(r, EINVAL,
				"usage: filter [PROTO SRC DST [mark N]]");
	pfsd_rnd_object(&r->rnd, NULL);
	if (r->argc == 1) {
		filter_show(r, f);
		pfsd_rnd_close(&r->rnd);
		return 0;
	}
	if (filter_entry(r, &e) == -1) {
		pfsd_rnd_close(&r->rnd);
		return cmd_fail(r, EINVAL,
				"filter: PROTO SRC DST [mark N], e.g. tcp "
				"10.0.0.1:22 192.0.2.7:40000");
	}
	why = pfsd_ctfilter_check(f, &e);
	pfsd_rnd_bool(&r->rnd, "synced", why == PFSD_CTF_SYNC, "synced\n",
		      "not synced: ");
	pfsd_rnd_str(&r->rnd, "why", why == PFSD_CTF_SYNC ? "%.0s" : "%s\n",
		     pfsd_ctfilter_why_name(why));
	pfsd_rnd_close(&r->rnd);
	return 0;
}
