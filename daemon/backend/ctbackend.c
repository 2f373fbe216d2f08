/*
 * ctbackend.c - the conntrack backend (`backend conntrack`) behind the
 * backend interface (backend.h): each op is the ctnl.h call that does
 * it; the config's filter words and provenance mark become the ctnl
 * env here, with this namespace's addresses (`ignore address auto`).
 * What the backend holds besides the ctnl object (a part of conntrack
 * of its own) goes into struct ctb.
 */
#include <stdio.h>
#include <stdlib.h>

#include "backend.h"
#include "ctexp.h"
#include "ctliberal.h"
#include "ctnl.h"
#include "daemon.h"
#include "os/log.h"

/* nf_conntrack_max of our namespace; 0 when it cannot be read (no
 * conntrack module yet) or is 0 (no limit in the kernel). */
static uint32_t ctb_table_max(void)
{
	FILE *f = fopen(PFSD_CT_MAX_PATH, "re");
	unsigned long v = 0;

	if (f == NULL)
		return 0;
	if (fscanf(f, "%lu", &v) != 1)
		v = 0;
	fclose(f);
	return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* The filter of c, with this namespace's addresses now (`ignore address
 * auto`, the default). */
static void ctb_filter_of(struct pfsd_ctfilter *f, const struct pfsd_conf *c)
{
	int n = 0;

	pfsd_ctfilter_init(f, &c->filter);
	if (c->filter.own && (n = pfsd_ctfilter_load_own(f)) == -1)
		log_warn("ignore address auto: cannot list this node's "
			 "addresses; connections to and from it are synced");
	if (c->filter.own && n >= 0)
		log_debug("conntrack filter: %d own addresses not synced", n);
}

struct ctb {
	struct pfsd_ctnl *ct;
	struct pfsd_ctexp *cx; /* expectations (ctexp.h), NULL without */
};

static int ctb_start(const struct pfsd_backend_env *env, void **impl)
{
	struct pfsd_ctfilter f;
	struct pfsd_ctnl_env ce = {env->engine,		env->table, env->loop,
				   env->kick,		env->arg,   &f,
				   env->conf->prov_mark};
	struct ctb *b = calloc(1, sizeof(*b));

	if (b == NULL) {
		log_warn("conntrack backend");
		return -1;
	}
	ctb_filter_of(&f, env->conf);
	b->ct = pfsd_ctnl_new(&ce);
	if (b->ct == NULL) {
		free(b);
		return -1;
	}
	/* expectations go with the backend; without them it runs on */
	b->cx = pfsd_ctexp_new(&(struct pfsd_ctexp_env){env->engine,
							env->loop, b->ct});
	*impl = b;
	return 0;
}

static void ctb_stop(void *impl)
{
	struct ctb *b = impl;

	pfsd_ctexp_free(b->cx);
	pfsd_ctnl_free(b->ct);
	free(b);
}

/* The ctnl object of impl. */
static struct pfsd_ctnl *ctb_ct(const void *impl)
{
	return ((const struct ctb *)impl)->ct;
}

/* A reload takes the filter words again and the addresses as they are
 * now (a VIP moved in or out). */
static void ctb_reload(void *impl, const struct pfsd_conf *c)
{
	struct pfsd_ctfilter f;

	ctb_filter_of(&f, c);
	pfsd_ctnl_set_filter(ctb_ct(impl), &f);
}

static void ctb_applied(void *impl, enum pfs_op op, const struct pfs_state *st)
{
	const struct ctb *b = impl;

	pfsd_ctnl_applied(b->ct, op, st);
	if (op == PFS_OP_DELETE)
		pfsd_ctexp_master_gone(b->cx, st);
}

static void ctb_expect(void *impl, const struct pfs_xexp *x)
{
	pfsd_ctexp_apply(((struct ctb *)impl)->cx, x);
}

static const struct pfs_state *ctb_queued(void *impl,
					  const struct pfsd_ct_entry *e,
					  bool *inserted)
{
	return pfsd_ctnl_queued(ctb_ct(impl), e, inserted);
}

static const struct pfsd_ctexp_stats *ctb_exp_stats(const void *impl)
{
	return pfsd_ctexp_stats(((const struct ctb *)impl)->cx);
}

static bool ctb_adopt(void *impl, const struct pfs_state *local,
		      const struct pfs_state *peer)
{
	return pfsd_ctnl_adopt(ctb_ct(impl), local, peer);
}

static bool ctb_unconfirmed_of(void *impl, const struct pfs_state *st,
			       uint32_t creatorid)
{
	return pfsd_ctnl_unconfirmed_of(ctb_ct(impl), st, creatorid);
}

static bool ctb_pump(void *impl)
{
	return pfsd_ctnl_pump(ctb_ct(impl));
}

static size_t ctb_waiting(const void *impl)
{
	return pfsd_ctnl_waiting(ctb_ct(impl));
}

/* Our connections may be carried elsewhere: liberal (ctliberal.h). */
static void ctb_bulk_asked(void *impl)
{
	pfsd_ctlib_start(pfsd_ctnl_lib(ctb_ct(impl)));
}

static bool ctb_bulk_busy(void *impl)
{
	return pfsd_ctlib_busy(pfsd_ctnl_lib(ctb_ct(impl)));
}

static void ctb_set_limit(void *impl, uint32_t max_states)
{
	pfsd_ctnl_set_limit(ctb_ct(impl), max_states);
}

static uint64_t ctb_table_full(const void *impl)
{
	return pfsd_ctnl_table_full(ctb_ct(impl));
}

static const struct pfsd_ctfilter *ctb_filter(const void *impl)
{
	return pfsd_ctnl_filter(ctb_ct(impl));
}

static const struct pfsd_ctnl_stats *ctb_ct_stats(const void *impl)
{
	return pfsd_ctnl_stats(ctb_ct(impl));
}

static const struct pfsd_ctlib_stats *ctb_lib_stats(void *impl)
{
	return pfsd_ctlib_stats(pfsd_ctnl_lib(ctb_ct(impl)));
}

const struct pfsd_backend_ops pfsd_backend_conntrack = {
    .name = "conntrack",
    .caps = PFSD_BK_KERNEL,
    .table_max = ctb_table_max,
    .table_max_name = "nf_conntrack_max",
    .start = ctb_start,
    .stop = ctb_stop,
    .reload = ctb_reload,
    .applied = ctb_applied,
    .adopt = ctb_adopt,
    .unconfirmed_of = ctb_unconfirmed_of,
    .pump = ctb_pump,
    .waiting = ctb_waiting,
    .bulk_asked = ctb_bulk_asked,
    .bulk_busy = ctb_bulk_busy,
    .set_limit = ctb_set_limit,
    .table_full = ctb_table_full,
    .filter = ctb_filter,
    .ct_stats = ctb_ct_stats,
    .lib_stats = ctb_lib_stats,
    .expect = ctb_expect,
    .exp_stats = ctb_exp_stats,
    .queued = ctb_queued,
};
