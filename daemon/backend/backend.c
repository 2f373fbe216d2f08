/*
 * backend.c - the backend of the config's kind, and the calls the hub
 * makes through its ops (backend.h): an op a backend leaves NULL gives
 * the default answer, and so does no backend at all.
 */
#include <errno.h>
#include <stdlib.h>

#include "backend.h"

struct pfsd_backend {
	const struct pfsd_backend_ops *ops;
	void *impl; /* the started backend's object (start) */
	bool started;
};

static const struct pfsd_backend_ops *const bk_kinds[] = {
    [PFSD_BACKEND_MEMORY] = &pfsd_backend_memory,
    [PFSD_BACKEND_CONNTRACK] = &pfsd_backend_conntrack,
};
#define BK_NKINDS (sizeof(bk_kinds) / sizeof(bk_kinds[0]))

struct pfsd_backend *pfsd_backend_new(enum pfsd_backend_kind kind)
{
	struct pfsd_backend *b;

	if ((unsigned)kind >= BK_NKINDS || bk_kinds[kind] == NULL) {
		errno = EINVAL;
		return NULL;
	}
	b = calloc(1, sizeof(*b));
	if (b != NULL)
		b->ops = bk_kinds[kind];
	return b;
}

int pfsd_backend_start(struct pfsd_backend *b,
		       const struct pfsd_backend_env *env)
{
	if (b->started) {
		errno = EALREADY;
		return -1;
	}
	if (b->ops->start != NULL && b->ops->start(env, &b->impl) == -1)
		return -1;
	b->started = true;
	return 0;
}

void pfsd_backend_free(struct pfsd_backend *b)
{
	if (b == NULL)
		return;
	if (b->started && b->ops->stop != NULL)
		b->ops->stop(b->impl);
	free(b);
}

/* The op, when b is started and has it. */
#define BK_HAS(b, op) ((b) != NULL && (b)->started && (b)->ops->op != NULL)

void pfsd_backend_reload(struct pfsd_backend *b, const struct pfsd_conf *c)
{
	if (BK_HAS(b, reload))
		b->ops->reload(b->impl, c);
}

const char *pfsd_backend_name(const struct pfsd_backend *b)
{
	return b != NULL ? b->ops->name : pfsd_backend_memory.name;
}

bool pfsd_backend_kernel(const struct pfsd_backend *b)
{
	return b != NULL && (b->ops->caps & PFSD_BK_KERNEL) != 0;
}

/* Needs no start: the daemon sizes its engine before. */
uint32_t pfsd_backend_table_max(const struct pfsd_backend *b, const char **name)
{
	if (b == NULL || b->ops->table_max == NULL)
		return 0;
	*name = b->ops->table_max_name;
	return b->ops->table_max();
}

void pfsd_backend_applied(struct pfsd_backend *b, enum pfs_op op,
			  const struct pfs_state *st)
{
	if (BK_HAS(b, applied))
		b->ops->applied(b->impl, op, st);
}

bool pfsd_backend_adopt(struct pfsd_backend *b, const struct pfs_state *local,
			const struct pfs_state *peer)
{
	return BK_HAS(b, adopt) && b->ops->adopt(b->impl, local, peer);
}

bool pfsd_backend_unconfirmed_of(struct pfsd_backend *b,
				 const struct pfs_state *st, uint32_t creatorid)
{
	return BK_HAS(b, unconfirmed_of) &&
	       b->ops->unconfirmed_of(b->impl, st, creatorid);
}

bool pfsd_backend_pump(struct pfsd_backend *b)
{
	return BK_HAS(b, pump) && b->ops->pump(b->impl);
}

size_t pfsd_backend_waiting(const struct pfsd_backend *b)
{
	return BK_HAS(b, waiting) ? b->ops->waiting(b->impl) : 0;
}

void pfsd_backend_bulk_asked(struct pfsd_backend *b)
{
	if (BK_HAS(b, bulk_asked))
		b->ops->bulk_asked(b->impl);
}

bool pfsd_backend_bulk_busy(const struct pfsd_backend *b)
{
	return BK_HAS(b, bulk_busy) && b->ops->bulk_busy(b->impl);
}

void pfsd_backend_set_limit(struct pfsd_backend *b, uint32_t max_states)
{
	if (BK_HAS(b, set_limit))
		b->ops->set_limit(b->impl, max_states);
}

uint64_t pfsd_backend_table_full(const struct pfsd_backend *b)
{
	return BK_HAS(b, table_full) ? b->ops->table_full(b->impl) : 0;
}

const struct pfsd_ctfilter *pfsd_backend_filter(const struct pfsd_backend *b)
{
	return BK_HAS(b, filter) ? b->ops->filter(b->impl) : NULL;
}

const struct pfsd_ctnl_stats *
pfsd_backend_ct_stats(const struct pfsd_backend *b)
{
	return BK_HAS(b, ct_stats) ? b->ops->ct_stats(b->impl) : NULL;
}

const struct pfsd_ctlib_stats *
pfsd_backend_lib_stats(const struct pfsd_backend *b)
{
	return BK_HAS(b, lib_stats) ? b->ops->lib_stats(b->impl) : NULL;
}

void pfsd_backend_expect(struct pfsd_backend *b, const struct pfs_xexp *x)
{
	if (BK_HAS(b, expect))
		b->ops->expect(b->impl, x);
}

const struct pfsd_ctexp_stats *
pfsd_backend_exp_stats(const struct pfsd_backend *b)
{
	return BK_HAS(b, exp_stats) ? b->ops->exp_stats(b->impl) : NULL;
}

const struct pfs_state *pfsd_backend_queued(struct pfsd_backend *b,
					    const struct pfsd_ct_entry *e,
					    bool *inserted)
{
	*inserted = false;
	return BK_HAS(b, queued) ? b->ops->queued(b->impl, e, inserted) : NULL;
}
